"""Mutation audit of graphroute.paths.dijkstra: behaviour the other path tests let through.

Each test pins one mutant that survived tests/paths/ (ids from the audit: D02, D04, D14, D18, D19, D25).
"""

from __future__ import annotations

import math
import re

import networkx as nx
import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError, UnknownNameError
from graphroute.paths import bidirectional_dijkstra, dijkstra, dijkstra_all, dijkstra_matrix, reverse_csr
from graphroute.paths.dijkstra import check_csr
from tests.paths._graphs import random_graph, to_csr, to_nx


def test_indptr_must_start_at_zero():
    """D02: indptr [1, 2] ends at len(indices) = 2 and never falls, but edge 0 belongs to no node."""
    with pytest.raises(InvalidArgumentError, match=re.escape("indptr must rise from 0 to len(indices) = 2")):
        check_csr([1, 2], [0, 0], [1.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="indptr must rise from 0"):
        dijkstra([1, 2, 2], [1, 0], [1.0, 1.0], 0, 1)


def test_negative_targets_are_out_of_range():
    """D04: a target -1 is outside 0..n-1 (Python lists would silently read it as the last node)."""
    with pytest.raises(InvalidArgumentError, match=re.escape("edge 1 points to node -1, outside 0..2")):
        check_csr([0, 2, 2, 2], [1, -1], [1.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="points to node -1"):
        dijkstra([0, 1, 2, 2], [1, -1], [1.0, 1.0], 0, 2)


def test_parallel_ties_go_to_the_lower_edge_position():
    """D14: equal parallel edges (and equal-cost parallel chains): the lower CSR position wins, in the
    one-pair search and in the bidirectional search alike."""
    # 0 -> 1 twice (positions 0, 1), 1 -> 2 three times (positions 2, 3, 4), all weight 1
    indptr, indices, weights = [0, 2, 5, 5], [1, 1, 2, 2, 2], [1.0, 1.0, 1.0, 1.0, 1.0]
    p = dijkstra(indptr, indices, weights, 0, 2)
    assert p.nodes == (0, 1, 2) and p.edges == (0, 2) and p.cost == 2.0
    assert bidirectional_dijkstra(indptr, indices, weights, 0, 2).edges == (0, 2)
    # zero weights: a tie on every relaxation
    p = dijkstra(indptr, indices, [0.0] * 5, 0, 2)
    assert p.edges == (0, 2) and p.cost == 0.0
    # dijkstra_all's tree: node 1's predecessor is 0, by the lower of the two parallel edges
    dist, pred = dijkstra_all(indptr, indices, weights, 0)
    assert dist.tolist() == [0.0, 1.0, 2.0] and pred.tolist() == [-1, 0, 1]


@pytest.mark.parametrize("engine", ["scipy", "python"])
def test_matrix_checks_its_targets(engine):
    """D18: targets are node indices like sources; -1 would silently be the last column."""
    csr = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    with pytest.raises(UnknownNameError, match="target 3"):
        dijkstra_matrix(*csr, [0], [3], engine=engine)
    with pytest.raises(UnknownNameError, match="target -1"):
        dijkstra_matrix(*csr, [0], [-1], engine=engine)
    with pytest.raises(UnknownNameError, match=r"target 1\.5"):
        dijkstra_matrix(*csr, [0], [1.5], engine=engine)


@pytest.mark.parametrize("engine", ["scipy", "python"])
def test_matrix_rows_follow_the_order_of_the_sources(engine):
    """D19: unsorted and repeated sources; row i belongs to sources[i] (networkx as reference)."""
    n, edges = random_graph(25, 0.12, seed=21)
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    sources, targets = [17, 3, 24, 3, 0], [9, 1, 20, 2]
    mat = dijkstra_matrix(*csr, sources, targets, engine=engine)
    assert mat.shape == (5, 4)
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(g, s)
        assert mat[i].tolist() == [ref.get(t, math.inf) for t in targets]
    assert not np.array_equal(mat[0], mat[1])  # the rows really differ, so their order is tested


def test_reverse_csr_is_stable_and_bidirectional_ties_on_the_backward_side():
    """D25: reversed edges into each node keep their forward order (the docstring's "stable"); the
    backward search of bidirectional Dijkstra relies on it for its tie rule."""
    n, edges = random_graph(40, 0.3, seed=7)
    indptr, indices, weights = to_csr(n, edges)
    rptr, rsrc, edge = reverse_csr(indptr, indices)
    for v in range(n):
        seg = edge[rptr[v]:rptr[v + 1]]
        assert np.all(np.diff(seg) > 0), f"edges into {v} out of forward order: {seg}"
        assert np.all(indices[seg] == v)
    sources = np.repeat(np.arange(n), np.diff(indptr))
    assert np.array_equal(rsrc, sources[edge])
    # s = 0 -> 1 (cost 1); 1 -> t = 2 by eight parallel edges of cost 1; many more edges into t from
    # nodes 3..14 that the searches never use. The backward search settles t first and picks the edge.
    fwd = [(0, 1, 1.0)] + [(1, 2, 1.0)] * 8 + [(u, 2, 5.0) for u in range(3, 15) for _ in range(3)]
    csr = to_csr(15, fwd)
    p = bidirectional_dijkstra(*csr, 0, 2)
    assert p.nodes == (0, 1, 2) and p.cost == 2.0
    assert p.edges == dijkstra(*csr, 0, 2).edges == (0, 1)
