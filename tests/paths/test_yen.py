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
    check_random_pairs(n, edges, seed, 20)


def check_random_pairs(n, edges, seed, k, pairs=3):
    """k shortest paths between seeded random pairs: valid, and the cost sequences of networkx and scipy."""
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    rng = np.random.default_rng(seed)
    for s, t in rng.integers(0, n, size=(pairs, 2)).tolist():
        if s == t:
            continue
        ref = nx_costs(g, s, t, k)
        if not ref:
            continue
        paths = k_shortest_paths(*csr, s, t, k)
        check_paths(paths, csr, s, t)
        assert_same_costs([p.cost for p in paths], ref)
        assert_same_costs([p.cost for p in paths], scipy_costs(csr, s, t, k))


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


# ----------------------------------------------------------------------------- lazy bounds, resumable A*


def _chain_grid(a: int, b: int, sub: int, seed: int, wmax: int = 2):
    """A road-like graph: an ``a x b`` grid whose edges are chains of ``sub`` degree-2 nodes, most
    chains two-way (sometimes with different weights back), integer weights (many ties)."""
    rng = np.random.default_rng(seed)
    grid = nx.grid_2d_graph(a, b)
    ids: dict = {}

    def nid(x):
        return ids.setdefault(x, len(ids))

    edges = []
    for p, q in grid.edges():
        chain = [nid(p)] + [nid(("c", p, q, i)) for i in range(sub)] + [nid(q)]
        for x, y in zip(chain, chain[1:]):
            w = float(rng.integers(1, wmax + 1))
            edges.append((x, y, w))
            if rng.random() < 0.9:
                edges.append((y, x, w if rng.random() < 0.7 else float(rng.integers(1, wmax + 1))))
    return len(ids), edges


@pytest.mark.parametrize("seed", range(8))
def test_yen_chain_grids_match_networkx_and_scipy(seed):
    # s and t are often inner nodes of a chain; degree-2 spur nodes get no child
    n, edges = _chain_grid(4 + seed % 3, 3 + seed % 2, 1 + seed % 3, seed)
    check_random_pairs(n, edges, 100 + seed, 40)


def test_parallel_equal_chains_more_k_than_paths():
    # s -> 6 parallel chains of 4 nodes, all of cost 5, -> t; plus parallel edges and a direct edge
    edges, n = [], 2
    for _ in range(6):
        chain = [0] + list(range(n, n + 4)) + [1]
        n += 4
        edges += [(x, y, 1.0) for x, y in zip(chain, chain[1:])]
    edges += [(0, 2, 1.0), (0, 2, 3.0), (0, 1, 5.0), (1, 0, 1.0)]
    csr = to_csr(n, edges)
    paths = k_shortest_paths(*csr, 0, 1, 50)
    check_paths(paths, csr, 0, 1)
    assert [p.cost for p in paths] == [5.0] * 7
    assert_same_costs([p.cost for p in paths], nx_costs(to_nx(n, edges), 0, 1, 50))
    # s and t inside chains
    paths = k_shortest_paths(*csr, 3, 8, 50)
    check_paths(paths, csr, 3, 8)
    assert_same_costs([p.cost for p in paths], nx_costs(to_nx(n, edges), 3, 8, 50))


def test_zero_weight_cycles_and_infinite_edges():
    # zero-cost cycles 1 <-> 2 <-> 3 and an impassable shortcut 0 -> 4
    edges = [(0, 1, 1.0), (1, 2, 0.0), (2, 1, 0.0), (2, 3, 0.0), (3, 2, 0.0), (3, 1, 0.0), (1, 3, 0.0),
             (3, 4, 1.0), (0, 4, math.inf), (0, 2, 1.0), (2, 4, 2.0), (0, 3, 2.0)]
    csr = to_csr(5, edges)
    paths = k_shortest_paths(*csr, 0, 4, 30)
    check_paths(paths, csr, 0, 4)
    finite = [(u, v, w) for u, v, w in edges if w < math.inf]
    assert_same_costs([p.cost for p in paths], nx_costs(to_nx(5, finite), 0, 4, 30))


def test_target_unreachable_in_later_subproblems():
    # one bridge 0 -> 1 -> 2 into the target's component: exactly one path, every child is empty
    edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 2, 1.0), (0, 5, 1.0), (5, 0, 1.0), (1, 0, 1.0), (2, 4, 1.0)]
    csr = to_csr(6, edges)
    paths = k_shortest_paths(*csr, 5, 4, 10)
    assert [p.nodes for p in paths] == [(5, 0, 1, 2, 4)]
    assert paths[0].cost == 4.0


def _subproblem_best(n, edges, nodes, j, forbidden, t):
    """Brute force: cheapest path with prefix nodes[:j+1], next node not in forbidden, prefix removed."""
    g = to_nx(n, edges)
    spur = nodes[j]
    g.remove_nodes_from(nodes[:j])
    g.remove_edges_from([(spur, v) for v in forbidden])
    g.remove_edges_from([(v, spur) for v in list(g.predecessors(spur))])
    try:
        return nx.dijkstra_path_length(g, spur, t, weight="weight")
    except nx.NetworkXNoPath:
        return math.inf


@pytest.mark.parametrize("seed", range(6))
def test_child_bounds_are_lower_bounds_and_resumed_searches_are_exact(seed):
    from graphroute.paths.yen import INF as YEN_INF
    from graphroute.paths.yen import _KPaths

    n, edges = _chain_grid(4, 4, 1 + seed % 2, seed, wmax=3) if seed % 2 else random_graph(60, 0.06, seed=seed)
    csr = to_csr(n, edges)
    rng = np.random.default_rng(seed)
    checked = 0
    for s, t in rng.integers(0, n, size=(6, 2)).tolist():
        try:
            kp = _KPaths(*csr, s, t)
        except NoPathError:
            continue
        if s == t:
            continue
        heap: list = []
        first = (s, *kp.tree_path(s))
        kp._select(heap, first, 0, frozenset(), None, 0)
        for key, _, sp in heap:
            best = sp.pcost + _subproblem_best(n, edges, first, sp.j, sp.forbidden, t)
            assert key <= best + 1e-9
            # resume in small steps: the same cost as one uninterrupted search
            limit, got = key, None
            while True:
                got = kp._advance(sp, limit)
                if got is None or sp.found is not None:
                    break
                assert got > limit
                limit = got
            if best == math.inf:
                assert got is None
            else:
                assert got is not None and math.isclose(got, best, rel_tol=1e-9, abs_tol=1e-9)
                nodes, tail_start = sp.found
                assert nodes[: sp.j + 1] == first[: sp.j + 1] and nodes[sp.j + 1] not in sp.forbidden
                assert len(set(nodes)) == len(nodes) and nodes[-1] == t
                assert list(nodes[tail_start + 1:]) == kp.tree_path(nodes[tail_start])
            checked += 1
    assert checked > 0 and YEN_INF == math.inf


def test_generator_enumerates_every_simple_path_in_cost_order():
    n, edges = _chain_grid(3, 3, 1, seed=5)
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    mine = list(shortest_simple_paths(*csr, 0, n - 1))
    ref = sorted(nx.path_weight(g, p, "weight") for p in nx.all_simple_paths(g, 0, n - 1))
    check_paths(mine, csr, 0, n - 1)
    assert_same_costs([p.cost for p in mine], ref)


# ----------------------------------------------------------------------------- rounding: the reported cost orders


def _forward_cost(g, nodes) -> float:
    """A path's cost as Path.cost and dijkstra() sum it: left to right."""
    c = 0.0
    for u, v in zip(nodes, nodes[1:]):
        c += g[u][v]["weight"]
    return c


def test_costs_never_decrease_and_the_first_is_dijkstras_with_huge_weights():
    """The reviewer's case: 0 -> 5 directly (1e16 + 2) or 0 -> 1 -> ... -> 5 (four 1s, then 1e16). Summed
    from the target, the long path is 1e16 (each + 1 rounds away); summed as Path.cost it is 1e16 + 4.
    It came first (ordered by the backward sum), then 1e16 + 2: decreasing, and more than Dijkstra's."""
    from graphroute.paths import diverse_k_paths, dijkstra

    indptr, indices, w = [0, 2, 3, 4, 5, 6, 6], [1, 5, 2, 3, 4, 5], [1, 1e16 + 2, 1, 1, 1, 1e16]
    best = dijkstra(indptr, indices, w, 0, 5)
    paths = k_shortest_paths(indptr, indices, w, 0, 5, 2)
    assert [p.nodes for p in paths] == [(0, 5), (0, 1, 2, 3, 4, 5)]
    assert [p.cost for p in paths] == [best.cost, 1e16 + 4] and best.cost == 1e16 + 2
    kept = diverse_k_paths(indptr, indices, w, 0, 5, 2, max_overlap=1.0)  # walks the same generator
    assert [p.cost for p in kept] == [1e16 + 2, 1e16 + 4]


@pytest.mark.parametrize("seed", [0, 4, 13, 16, 27, 41, 45, 60, 77, 99])
def test_every_simple_path_in_exact_order_of_its_reported_cost(seed):
    """Ordinary weights in tenths (0.1 + 0.2 != 0.3): the whole sequence is every simple path's
    left-to-right cost, sorted, compared with == (no tolerance), and the first is Dijkstra's. Seeds
    0, 4, 13, 16, 27, 41 and 45 gave a decreasing step before (the backward-summed bound ordered them)."""
    from graphroute.paths import dijkstra

    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 12))
    edges = [(int(u), int(v), round(float(rng.uniform(0, 1)), 1))
             for u, v in (rng.integers(0, n, 2) for _ in range(int(rng.integers(2 * n, 4 * n)))) if u != v]
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    if not nx.has_path(g, 0, n - 1):
        pytest.skip("no path")  # not one of the listed seeds
    ref = sorted(_forward_cost(g, p) for p in nx.all_simple_paths(g, 0, n - 1))
    mine = list(shortest_simple_paths(*csr, 0, n - 1))
    check_paths(mine, csr, 0, n - 1)
    assert [p.cost for p in mine] == ref
    assert mine[0].cost == dijkstra(*csr, 0, n - 1).cost
    assert all(p.cost == _forward_cost(g, p.nodes) for p in mine)


def test_integer_weights_keep_exact_bounds():
    """Integer weights (DIMACS) sum exactly: the bounds are not shrunk (the search is unchanged there)."""
    from graphroute.paths.yen import _bound_shrink

    assert _bound_shrink(np.array([1.0, 7.0, math.inf, 0.0]), 10) == 1.0
    assert _bound_shrink(np.array([1.0, 0.1]), 10) < 1.0
    assert _bound_shrink(np.array([1e16 + 2, 1.0]), 10) < 1.0  # integers whose sums round
    assert _bound_shrink(np.concatenate([np.ones(300), [0.5]]), 10) < 1.0  # past the quick look at the first 256


# ----------------------------------------------------------------------------- many ties: bounded work


def _diamonds(m: int, w: float):
    """``m`` diamonds in a row (3i -> 3i+1 | 3i+2 -> 3i+3), every edge ``w``: 2^m tied paths 0 -> 3m."""
    edges = []
    for i in range(m):
        a = 3 * i
        edges += [(a, a + 1, w), (a, a + 2, w), (a + 1, a + 3, w), (a + 2, a + 3, w)]
    return 3 * m + 1, edges


@pytest.mark.parametrize("w", [0.1, 0.5, 1.0])
def test_many_tied_paths_do_not_hold_back_the_first(w, monkeypatch):
    """Walkthrough finding: PEMS-BAY 400109 -> 407342 has ~9,600 paths of one length and --k 1 took
    over 40 s: with decimal weights the bounds are shrunk below the tie, so every tied candidate
    (and its tied children) was searched before the first path went out. 2^16 ties here; the
    spur searches are counted and capped (the old code passed the cap long before finishing)."""
    from graphroute.paths import dijkstra
    from graphroute.paths import yen

    calls = {"n": 0}
    advance = yen._KPaths._advance

    def counted(self, sp, limit):
        calls["n"] += 1
        if calls["n"] > 20_000:
            raise AssertionError("spur searches grow with the number of tied paths")
        return advance(self, sp, limit)

    monkeypatch.setattr(yen._KPaths, "_advance", counted)
    n, edges = _diamonds(16, w)
    csr = to_csr(n, edges)
    for k in (1, 40):
        calls["n"] = 0
        paths = k_shortest_paths(*csr, 0, n - 1, k)
        check_paths(paths, csr, 0, n - 1)
        assert len(paths) == k and len({p.nodes for p in paths}) == k
        assert calls["n"] <= (yen.TIE_BUDGET + 40) * k
        best = dijkstra(*csr, 0, n - 1).cost
        assert paths[0].cost == pytest.approx(best, rel=1e-12)
        # exact up to the rounding margin: no cost below an earlier one by more than 1 - shrink^2
        margin = 1 - yen._bound_shrink(csr[2], n) ** 2
        assert all(b >= a * (1 - margin) for a, b in zip([p.cost for p in paths], [p.cost for p in paths][1:]))


def test_ties_past_the_budget_then_the_next_cost_in_exact_order():
    """After 2^10 tied paths of cost 2.0 (budget-limited order among them) the one path of cost 2.5 comes
    out after every tie, and nothing cheaper is skipped: the multiset of costs equals networkx's."""
    n, edges = _diamonds(10, 0.1)
    edges = edges + [(0, n, 1.2), (n, n - 1, 1.3)]  # one path of cost 2.5 through an extra node
    csr = to_csr(n + 1, edges)
    g = to_nx(n + 1, edges)
    paths = k_shortest_paths(*csr, 0, n - 1, 2 ** 10 + 1)
    check_paths(paths, csr, 0, n - 1)
    ref = sorted(_forward_cost(g, p) for p in nx.all_simple_paths(g, 0, n - 1))
    assert sorted(p.cost for p in paths) == ref
    assert paths[-1].nodes == (0, n, n - 1)
