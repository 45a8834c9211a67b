"""Dijkstra (pair, one-to-all, matrix) and bidirectional Dijkstra against networkx and scipy."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from graphroute.exceptions import InvalidArgumentError, NoPathError, UnknownNameError
from graphroute.paths import bidirectional_dijkstra, dijkstra, dijkstra_all, dijkstra_matrix, reverse_csr
from tests.paths._graphs import digraphs, random_graph, to_csr, to_nx


def _check_path(path, csr, s, t, expected):
    indptr, indices, weights = csr
    assert path.nodes[0] == s and path.nodes[-1] == t
    assert len(set(path.nodes)) == len(path.nodes)
    for (u, v), e in zip(zip(path.nodes, path.nodes[1:]), path.edges):
        assert indptr[u] <= e < indptr[u + 1] and indices[e] == v
    assert math.isclose(path.cost, sum(weights[e] for e in path.edges), abs_tol=1e-9)
    assert math.isclose(path.cost, expected, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, deadline=None)
@given(digraphs(parallel=True, float_weights=True))
def test_pair_and_bidirectional_agree_with_networkx(graph):
    n, edges = graph
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    ref = nx.single_source_dijkstra_path_length(g, 0)
    for t in range(n):
        if t in ref:
            _check_path(dijkstra(*csr, 0, t), csr, 0, t, ref[t])
            _check_path(bidirectional_dijkstra(*csr, 0, t), csr, 0, t, ref[t])
        else:
            with pytest.raises(NoPathError):
                dijkstra(*csr, 0, t)
            with pytest.raises(NoPathError):
                bidirectional_dijkstra(*csr, 0, t)


@settings(max_examples=60, deadline=None)
@given(digraphs(parallel=True))
def test_one_to_all_agrees_with_networkx(graph):
    n, edges = graph
    csr = to_csr(n, edges)
    ref = nx.single_source_dijkstra_path_length(to_nx(n, edges), 0)
    dist, pred = dijkstra_all(*csr, 0)
    for v in range(n):
        assert dist[v] == ref.get(v, math.inf)
        if v != 0 and v in ref:  # predecessor edge is tight
            u = pred[v]
            lo, hi = csr[0][u], csr[0][u + 1]
            ws = [csr[2][e] for e in range(lo, hi) if csr[1][e] == v]
            assert dist[u] + min(ws) == dist[v]
        else:
            assert pred[v] == -1


@pytest.mark.parametrize("engine", ["scipy", "python"])
def test_matrix_agrees_with_networkx(engine):
    n, edges = random_graph(40, 0.06, seed=3)
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    sources, targets = [0, 5, 7, 39], [1, 2, 3, 10, 39]
    mat = dijkstra_matrix(*csr, sources, targets, engine=engine)
    assert mat.shape == (4, 5)
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(g, s)
        for j, t in enumerate(targets):
            assert mat[i, j] == ref.get(t, math.inf)


def test_reverse_csr_round_trip():
    n, edges = random_graph(30, 0.1, seed=4)
    indptr, indices, weights = to_csr(n, edges)
    rptr, rsrc, edge = reverse_csr(indptr, indices)
    fwd = sorted((u, int(indices[e]), weights[e]) for u in range(n) for e in range(indptr[u], indptr[u + 1]))
    back = sorted((int(rsrc[j]), v, weights[edge[j]]) for v in range(n) for j in range(rptr[v], rptr[v + 1]))
    assert fwd == back


def test_hand_example_prefers_cheaper_parallel_edge():
    # 0 -> 1 twice (5 and 1), 1 -> 2 (1), 0 -> 2 (3)
    csr = to_csr(3, [(0, 1, 5.0), (0, 1, 1.0), (1, 2, 1.0), (0, 2, 3.0)])
    p = dijkstra(*csr, 0, 2)
    assert p.nodes == (0, 1, 2) and p.cost == 2.0 and p.edges == (1, 3)
    assert bidirectional_dijkstra(*csr, 0, 2).nodes == (0, 1, 2)
    assert dijkstra(*csr, 1, 1).nodes == (1,)


BAD = [
    (lambda c: dijkstra(c[0], c[1], np.array([1.0, -2.0, 1.0]), 0, 2), InvalidArgumentError, "edge 1 (0 -> 2)"),
    (lambda c: dijkstra(c[0], c[1], np.array([1.0, np.nan, 1.0]), 0, 2), InvalidArgumentError, "edge 1"),
    (lambda c: dijkstra(*c, 0, 3), UnknownNameError, "target 3"),
    (lambda c: dijkstra(*c, -1, 2), UnknownNameError, "source -1"),
    (lambda c: bidirectional_dijkstra(*c, 2, 0), NoPathError, "no path"),
    (lambda c: dijkstra_all(*c, 7), UnknownNameError, "source 7"),
    (lambda c: dijkstra(c[0], c[1], np.ones(2), 0, 2), InvalidArgumentError, "shape"),
    (lambda c: dijkstra(np.array([0, 1, 9, 3]), c[1], c[2], 0, 2), InvalidArgumentError, "indptr"),
    (lambda c: dijkstra_matrix(*c, [0], engine="fast"), InvalidArgumentError, "unknown engine"),
]


@pytest.mark.parametrize("call,exc,text", BAD)
def test_bad_input(call, exc, text):
    csr = to_csr(3, [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0)])
    with pytest.raises(exc, match=text.replace("(", r"\(").replace(")", r"\)")):
        call(csr)


@settings(max_examples=40, deadline=None)
@given(digraphs(max_nodes=12, max_edges=40, parallel=True, float_weights=True))
def test_prepared_graph_answers_as_the_arrays_do(graph):
    """prepare() once, then any number of queries: the same paths (nodes, edges, cost) and the same
    errors as dijkstra / k_shortest_paths on the arrays, for every pair."""
    from graphroute.paths import k_shortest_paths, k_shortest_paths_prepared, prepare
    from graphroute.paths.dijkstra import dijkstra_prepared

    n, edges = graph
    csr = to_csr(n, edges)
    pg = prepare(*csr)
    for s in range(n):
        for t in range(n):
            try:
                want = dijkstra(*csr, s, t)
            except NoPathError:
                with pytest.raises(NoPathError):
                    dijkstra_prepared(pg, s, t)
                with pytest.raises(NoPathError):
                    k_shortest_paths_prepared(pg, s, t, 3)
                continue
            assert dijkstra_prepared(pg, s, t) == want
            assert k_shortest_paths_prepared(pg, s, t, 3) == k_shortest_paths(*csr, s, t, 3)


def test_prepared_graph_checks_once_and_keeps_checking_nodes():
    from graphroute.paths import prepare
    from graphroute.paths.dijkstra import dijkstra_prepared
    from graphroute.paths.yen import k_shortest_paths_prepared

    csr = to_csr(3, [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0)])
    with pytest.raises(InvalidArgumentError, match="edge 1"):
        prepare(csr[0], csr[1], np.array([1.0, -2.0, 1.0]))
    pg = prepare(*csr)
    assert pg.n == 3 and pg.ptr == [0, 2, 3, 3] and pg.w == [1.0, 1.0, 1.0]
    with pytest.raises(UnknownNameError, match="target 3"):
        dijkstra_prepared(pg, 0, 3)
    with pytest.raises(UnknownNameError, match="source -1"):
        k_shortest_paths_prepared(pg, -1, 2, 2)
    with pytest.raises(InvalidArgumentError, match="k must be"):
        k_shortest_paths_prepared(pg, 0, 2, 0)
    assert [p.nodes for p in k_shortest_paths_prepared(pg, 1, 1, 2)] == [(1,)]
