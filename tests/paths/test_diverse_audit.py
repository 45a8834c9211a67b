"""Mutation audit of graphroute.paths.diverse: behaviour the other path tests let through.

Each test pins mutants that survived tests/paths/ (ids from the audit: V01, V02, V04, V05, V09, V10,
V13, V14, V21, V23, V24, V30).
"""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import diverse_k_paths, k_shortest_paths, path_overlap
from graphroute.paths.dijkstra import Path
from tests.paths._graphs import to_csr


@pytest.mark.parametrize("p", [
    Path((3,), (), 0.0),  # source == target
    Path((0, 1), (0,), 1.0),
    Path((0, 2, 1, 3), (2, 3, 1), 3.0),
    Path((0, 2, 1, 3), (2, 3, 1), 0.0),  # zero cost: hop counts
])
def test_a_path_overlaps_itself_fully(p):
    """V01, V05: overlap(P, P) = 1 under "jaccard" and "length", the single-node path included."""
    weights = [1.0, 1.0, 1.0, 1.0] if p.cost else [0.0] * 4  # costs above are these weights summed
    assert path_overlap(p, p, "jaccard") == 1.0
    assert path_overlap(p, p, "length", weights) == 1.0


def test_nodes_overlap_of_direct_edges_is_zero():
    """V04: the module docstring: endpoints are left out, "two direct edges overlap 0"."""
    direct = Path((0, 1), (0,), 1.0)
    assert path_overlap(direct, direct, "nodes") == 0.0
    assert path_overlap(direct, Path((0, 2, 1), (1, 2), 2.0), "nodes") == 0.0


def test_jaccard_compares_node_pairs_not_parallel_edge_positions():
    """V02: "sets of directed edges (node pairs)": the same node sequence over other parallel edges is the
    same set of edges."""
    # 0 -> 1 twice (positions 0, 1), 1 -> 2 twice (2, 3), 1 -> 3 (4)
    p = Path((0, 1, 2), (0, 2), 2.0)
    q = Path((0, 1, 2), (1, 3), 2.0)
    r = Path((0, 1, 3), (1, 4), 2.0)
    assert path_overlap(p, q, "jaccard") == 1.0
    assert path_overlap(p, r, "jaccard") == 1 / 3  # {0->1} of {0->1, 1->2, 1->3}


def test_path_overlap_argument_errors():
    """V09, V10: "length" without weights and an unknown measure are InvalidArgumentError, not a
    TypeError or a silent 0."""
    p, q = Path((0, 1, 2), (0, 1), 2.0), Path((0, 2), (2,), 5.0)
    with pytest.raises(InvalidArgumentError, match="measure 'length' needs the edge weights"):
        path_overlap(p, q, "length")
    with pytest.raises(InvalidArgumentError, match="unknown overlap measure 'cosine'"):
        path_overlap(p, q, "cosine")


def _ladder(rungs: int):
    """0 -> 1 (1), 1 -> x (x - 2 for x = 3 .. rungs + 2), x -> 2 (1), and a direct 0 -> 2 (10 000).

    Yen's order from 0 to 2: the rungs by cost (each shares the edge 0 -> 1 with the first), then the
    direct edge, path number rungs + 1."""
    edges = [(0, 1, 1.0), (0, 2, 10_000.0)]
    for x in range(3, rungs + 3):
        edges += [(1, x, float(x - 2)), (x, 2, 1.0)]
    return to_csr(rungs + 3, edges)


@pytest.mark.parametrize("rungs, kept", [(99, 2), (100, 1)])
def test_default_budget_is_50_k(rungs, kept):
    """V13, V14: without budget at most 50 k = 100 paths are examined (k = 2). The disjoint direct path is
    path 100 of the first ladder (kept) and path 101 of the second (never examined)."""
    csr = _ladder(rungs)
    ref = k_shortest_paths(*csr, 0, 2, rungs + 5)
    assert len(ref) == rungs + 1 and ref[rungs].nodes == (0, 2)  # the reference order the test relies on
    got = diverse_k_paths(*csr, 0, 2, 2, max_overlap=0.0)
    assert [p.nodes for p in got] == [(0, 1, 3, 2), (0, 2)][:kept]
    # an explicit budget of exactly rungs + 1 examines the direct path too
    assert len(diverse_k_paths(*csr, 0, 2, 2, max_overlap=0.0, budget=rungs + 1)) == 2


def test_budget_zero_is_not_the_default():
    """V30: budget=0 is an explicit budget below k, not "use the default"."""
    csr = _ladder(3)
    with pytest.raises(InvalidArgumentError, match=r"budget \(0\) must be at least k \(1\)"):
        diverse_k_paths(*csr, 0, 2, 1, budget=0)


def test_relation_sequences_are_ordered():
    """V21: relation sequences are sequences: (0, 1) and (1, 0) differ, both paths are kept."""
    # 0 -r0-> 1 -r1-> 3 (cost 2); 0 -r1-> 2 -r0-> 3 (cost 3); 0 -r0-> 4 -r1-> 3 (cost 4, repeats (0, 1))
    edges = [(0, 1, 1.0), (0, 2, 1.0), (0, 4, 1.0), (1, 3, 1.0), (2, 3, 2.0), (4, 3, 3.0)]
    csr = to_csr(5, edges)
    relations = np.array([0, 1, 0, 1, 0, 1])  # CSR order is the list order here
    kept = diverse_k_paths(*csr, 0, 3, 5, measure="relations", relations=relations)
    assert [p.nodes for p in kept] == [(0, 1, 3), (0, 2, 3)]
    assert [tuple(int(relations[e]) for e in p.edges) for p in kept] == [(0, 1), (1, 0)]


def test_length_filter_measures_the_candidate_against_the_kept_paths():
    """V23: "length" is asymmetric; the share is of the candidate's length (the docstring), 1 of 4 here,
    not of the kept path's (1 of 2)."""
    # kept Q = 0-1-3 (1 + 1 = 2); candidate P = 0-2-1-3 (2 + 1 + 1 = 4) shares 1 -> 3 (weight 1)
    csr = to_csr(4, [(0, 1, 1.0), (0, 2, 2.0), (1, 3, 1.0), (2, 1, 1.0)])
    q, p = k_shortest_paths(*csr, 0, 3, 2)
    assert (q.nodes, p.nodes) == ((0, 1, 3), (0, 2, 1, 3))
    assert path_overlap(p, q, "length", csr[2]) == 0.25 and path_overlap(q, p, "length", csr[2]) == 0.5
    kept = diverse_k_paths(*csr, 0, 3, 2, max_overlap=0.3, measure="length")
    assert [x.nodes for x in kept] == [(0, 1, 3), (0, 2, 1, 3)]
    assert [x.nodes for x in diverse_k_paths(*csr, 0, 3, 2, max_overlap=0.2, measure="length")] == [(0, 1, 3)]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_never_more_than_k_paths(k):
    """V24 (killed only by some hypothesis seeds before): exactly k paths when more pass the filter."""
    csr = _ladder(6)
    kept = diverse_k_paths(*csr, 0, 2, k, max_overlap=1.0)
    assert [p.nodes for p in kept] == [p.nodes for p in k_shortest_paths(*csr, 0, 2, k)]
    assert len(kept) == k
