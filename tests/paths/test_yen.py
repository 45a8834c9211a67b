"""Yen's K shortest loopless paths: same cost sequence as networkx and scipy, loopless, no repeats."""

from __future__ import annotations

import math
from itertools import islice

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.exceptions import InvalidArgumentError, NoPathError, UnknownNameError
from graphroute.paths import k_shortest_paths, shortest_simple_paths
from tests.paths._graphs import digraphs, random_graph, to_csr, to_nx


def nx_costs(g, s, t, k):
    try:
        return [nx.path_weight(g, p, "weight") for p in islice(nx.shortest_simple_paths(g, s, t, weight="weight"), k)]
    except nx.NetworkXNoPath:
        return []


def scipy_costs(csr, s, t, k):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import yen

    n = len(csr[0]) - 1
    return yen(csr_matrix((csr[2], csr[1], csr[0]), shape=(n, n)), s, t, k).tolist()


def check_paths(paths, csr, s, t):
    """Every path valid, loopless, from s to t, cost = sum of its edges; costs non-decreasing; no repeats."""
    indptr, indices, weights = csr
    for p in paths:
        assert p.nodes[0] == s and p.nodes[-1] == t
        assert len(set(p.nodes)) == len(p.nodes), f"loop in {p.nodes}"
        assert len(p.edges) == len(p.nodes) - 1
        for (u, v), e in zip(zip(p.nodes, p.nodes[1:]), p.edges):
            assert indptr[u] <= e < indptr[u + 1] and indices[e] == v
            # the cheapest parallel edge is the one used
            assert weights[e] == min(weights[j] for j in range(indptr[u], indptr[u + 1]) if indices[j] == v)
        assert math.isclose(p.cost, sum(weights[e] for e in p.edges), rel_tol=1e-12, abs_tol=1e-12)
    assert len({p.nodes for p in paths}) == len(paths)
    costs = [p.cost for p in paths]
    assert all(b >= a - 1e-9 * max(1.0, abs(a)) for a, b in zip(costs, costs[1:]))


def assert_same_costs(mine, ref):
    assert len(mine) == len(ref), (mine, ref)
    assert np.allclose(mine, ref, rtol=1e-9, atol=1e-12), (mine, ref)


@settings(max_examples=120, deadline=None)
@given(digraphs(max_nodes=10, max_edges=35), st.integers(1, 20), st.data())
def test_yen_matches_networkx_and_scipy(graph, k, data):
    n, edges = graph
    s = data.draw(st.integers(0, n - 1))
    t = data.draw(st.integers(0, n - 1).filter(lambda x: x != s))
    csr = to_csr(n, edges)
    ref = nx_costs(to_nx(n, edges), s, t, k)
    if not ref:
        with pytest.raises(NoPathError):
            k_shortest_paths(*csr, s, t, k)
        return
    paths = k_shortest_paths(*csr, s, t, k)
    check_paths(paths, csr, s, t)
    assert_same_costs([p.cost for p in paths], ref)
    assert_same_costs([p.cost for p in paths], scipy_costs(csr, s, t, k))


@settings(max_examples=60, deadline=None)
@given(digraphs(max_nodes=9, max_edges=40, parallel=True, float_weights=True), st.data())
def test_yen_float_weights_and_parallel_edges(graph, data):
    n, edges = graph
    s, t = 0, n - 1
    csr = to_csr(n, edges)
    ref = nx_costs(to_nx(n, edges), s, t, 20)
    if not ref:
        return
    paths = k_shortest_paths(*csr, s, t, 20)
    check_paths(paths, csr, s, t)
    assert_same_costs([p.cost for p in paths], ref)


@pytest.mark.parametrize("seed", range(6))
def test_yen_larger_random_graphs(seed):
    n, edges = random_graph(120, 0.04, seed=seed)
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    rng = np.random.default_rng(seed)
    for s, t in rng.integers(0, n, size=(3, 2)).tolist():
        if s == t:
            continue
        ref = nx_costs(g, s, t, 20)
        if not ref:
            continue
        paths = k_shortest_paths(*csr, s, t, 20)
        check_paths(paths, csr, s, t)
        assert_same_costs([p.cost for p in paths], ref)
        assert_same_costs([p.cost for p in paths], scipy_costs(csr, s, t, 20))


def test_hand_example():
    #   0 -> 1 -> 3 (cost 2), 0 -> 2 -> 3 (cost 3), 0 -> 3 (cost 4), 0 -> 1 -> 2 -> 3 (cost 1 + 1 + 2 = 4)
    csr = to_csr(4, [(0, 1, 1.0), (1, 3, 1.0), (0, 2, 1.0), (2, 3, 2.0), (0, 3, 4.0), (1, 2, 1.0)])
    paths = k_shortest_paths(*csr, 0, 3, 10)
    assert [p.cost for p in paths] == [2.0, 3.0, 4.0, 4.0]
    assert paths[0].nodes == (0, 1, 3) and paths[1].nodes == (0, 2, 3)
    assert {paths[2].nodes, paths[3].nodes} == {(0, 3), (0, 1, 2, 3)}


def test_fewer_paths_than_k_and_source_equals_target():
    csr = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)])
    assert [p.nodes for p in k_shortest_paths(*csr, 0, 2, 5)] == [(0, 1, 2)]
    assert [p.nodes for p in k_shortest_paths(*csr, 1, 1, 5)] == [(1,)]


def test_generator_is_lazy_and_deterministic():
    n, edges = random_graph(80, 0.06, seed=11)
    csr = to_csr(n, edges)
    first = [p.nodes for p in islice(shortest_simple_paths(*csr, 0, 79), 15)]
    again = [p.nodes for p in k_shortest_paths(*csr, 0, 79, 15)]
    assert first == again


@pytest.mark.parametrize(
    "kwargs,exc,text",
    [
        ({"k": 0}, InvalidArgumentError, "k must be a positive integer"),
        ({"k": -3}, InvalidArgumentError, "k must be"),
        ({"k": 2.5}, InvalidArgumentError, "k must be"),
        ({"target": 5}, UnknownNameError, "target 5"),
        ({"source": 2, "target": 0}, NoPathError, "no path"),
        ({"weights": np.array([1.0, -1.0])}, InvalidArgumentError, "edge 1"),
    ],
)
def test_bad_input(kwargs, exc, text):
    indptr, indices, weights = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    args = {"source": 0, "target": 2, "k": 3, "weights": weights} | kwargs
    with pytest.raises(exc, match=text):
        k_shortest_paths(indptr, indices, args["weights"], args["source"], args["target"], args["k"])
