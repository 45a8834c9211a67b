"""Router search details a mutation audit found unpinned: greedy walk expansion counts and wave ranking, A* expansion counts and infinite
heuristics, K alternatives order and penalty checks, the admissible projection's target zero."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import from_edges
from graphroute.neural.router.route import (astar_count, cost_to_go, greedy_route, greedy_routes, k_alternatives,
                                            learned_astar)
from tests.neural.router.test_model import random_graph


def _csr(src, dst, w, n):
    g = from_edges(np.asarray(src), np.asarray(dst), n, edge_attrs={"time": np.asarray(w, dtype=float)},
                   meta={"default_weight": "time"})
    return g, g.indptr, g.indices, g.weights()


def _nx(g):
    d = nx.DiGraph()
    d.add_nodes_from(range(g.n_nodes))
    w = g.weights()
    for u in range(g.n_nodes):
        for e in range(g.indptr[u], g.indptr[u + 1]):
            v = int(g.indices[e])
            if not d.has_edge(u, v) or d[u][v]["weight"] > w[e]:
                d.add_edge(u, v, weight=float(w[e]))
    return d


def test_astar_never_expands_a_node_twice_when_a_stale_heap_entry_pops():
    # b is queued at 5 (from s), then again at 2 (via a); the stale entry (5, b) pops before t (12)
    _, ip, ix, w = _csr([0, 0, 1, 2], [1, 2, 2, 3], [1.0, 5.0, 1.0, 10.0], 4)
    r = astar_count(ip, ix, w, 0, 3, np.zeros(4))
    assert r.success and r.path.cost == 12.0 and r.path.nodes == (0, 1, 2, 3)
    assert r.expanded == 3  # s, a, b once each; t is not expanded


@pytest.mark.parametrize("seed", range(6))
def test_astar_with_zero_heuristic_expands_each_closer_node_at_most_once(seed):
    g = random_graph(30, 120, seed)
    d = _nx(g)
    s = 0
    dist = nx.single_source_dijkstra_path_length(d, s)
    for t in sorted(dist)[1:6]:
        r = astar_count(g.indptr, g.indices, g.weights(), s, t, np.zeros(g.n_nodes))
        assert r.path.cost == pytest.approx(dist[t], rel=1e-12)
        # Dijkstra order: only nodes no farther than t are expanded, each once (t itself is not)
        assert r.expanded <= sum(1 for v, dv in dist.items() if dv <= dist[t] and v != t)


def test_learned_astar_never_queues_a_node_with_infinite_estimate():
    _, ip, ix, w = _csr([0, 1], [1, 2], [1.0, 1.0], 3)
    for bad in (math.inf, math.nan):
        r = learned_astar(ip, ix, w, np.array([2.0, bad, 0.0]), 0, 2)
        assert not r.success and r.path is None and "no path" in r.reason
        assert k_alternatives(ip, ix, w, np.array([2.0, bad, 0.0]), 0, 2, k=2) == []
    assert learned_astar(ip, ix, w, np.array([2.0, 1.0, 0.0]), 0, 2).path.cost == 2.0


def test_k_alternatives_come_back_in_order_of_original_cost():
    # A = s-a-t (10); B = s-b-t (12, disjoint); C = s-a-c-t (11, shares s-a with A). Penalty 0.5:
    # round 2 finds B (C costs 13.5 penalised), round 3 finds C (13.5 < A's 15 < B's 18).
    s, a, b, c, t = range(5)
    _, ip, ix, w = _csr([s, a, s, b, a, c], [a, t, b, t, c, t], [5, 5, 6, 6, 3, 3], 5)
    paths = k_alternatives(ip, ix, w, np.zeros(5), s, t, k=3, penalty=0.5)
    assert [p.cost for p in paths] == [10.0, 11.0, 12.0]
    assert [p.nodes for p in paths] == [(s, a, t), (s, a, c, t), (s, b, t)]
    # and against brute force: the same costs as every simple s-t path here
    g = nx.DiGraph([(s, a), (a, t), (s, b), (b, t), (a, c), (c, t)])
    assert sorted(len(p) for p in nx.all_simple_paths(g, s, t)) == sorted(len(p.nodes) for p in paths)


@pytest.mark.parametrize("penalty", [0, 0.0, -0.5, math.nan, math.inf])
def test_k_alternatives_refuse_a_bad_penalty(penalty):
    _, ip, ix, w = _csr([0], [1], [1.0], 2)
    with pytest.raises(InvalidArgumentError, match="penalty"):
        k_alternatives(ip, ix, w, np.zeros(2), 0, 1, k=2, penalty=penalty)


def test_expanded_with_a_wave_counts_the_moves_of_both_walks():
    g = random_graph(25, 90, 3).largest_scc()
    n = g.n_nodes
    ip, ix, w = g.indptr, g.indices, g.weights()
    d = _nx(g)
    rng = np.random.default_rng(0)
    h = rng.random((n, 1)) * 5
    t = 0
    exact = np.array([nx.shortest_path_length(d, v, t, weight="weight") for v in range(n)]).reshape(-1, 1)
    for s in range(1, min(n, 8)):
        first = greedy_route(ip, ix, w, h[:, 0], s, t)
        on_wave = greedy_route(ip, ix, w, exact[:, 0], s, t)  # wave finite everywhere: a walk on the wave
        both = greedy_routes(ip, ix, w, h, [(s, t)], [0], wave=exact)[0]
        assert both.expanded == first.expanded + on_wave.expanded
        # a wave that has arrived nowhere repeats the first walk
        none = greedy_routes(ip, ix, w, h, [(s, t)], [0], wave=np.full((n, 1), np.inf))[0]
        assert none.expanded == 2 * first.expanded and none.path == first.path


def test_second_walk_prefers_a_neighbour_on_the_wave_not_one_with_a_finite_estimate():
    # s -> x -> t (on the wave) and s -> y, a dead end the estimate finds attractive
    s, x, y, t = range(4)
    _, ip, ix, w = _csr([s, x, s], [x, t, y], [1.0, 1.0, 1.0], 4)
    h = np.array([[3.0], [5.0], [0.0], [0.0]])  # finite everywhere
    wave = np.array([[np.inf], [1.0], [np.inf], [0.0]])  # arrived at x and t only
    alone = greedy_route(ip, ix, w, h[:, 0], s, t, max_backtracks=0)
    assert not alone.success
    r = greedy_routes(ip, ix, w, h, [(s, t)], [0], wave=wave, max_backtracks=0)[0]
    assert r.success and r.path.nodes == (s, x, t) and r.path.cost == 2.0


class _Overestimate:
    """A stand-in model: the exact costs plus 5 everywhere, the target included (not admissible)."""

    def __init__(self, exact):
        import torch

        self.exact = torch.as_tensor(exact)

    def __call__(self, rg, tg, **kw):
        h = self.exact[:, tg] + 5.0
        return h, 1, h


def test_admissible_projection_sets_the_target_to_zero_before_projecting():
    g = random_graph(20, 80, 5).largest_scc()
    from graphroute.neural.router.model import RouterGraph

    rg = RouterGraph.from_graph(g)
    d = _nx(g)
    n = g.n_nodes
    exact = np.array([[nx.shortest_path_length(d, v, t, weight="weight") for t in range(n)] for v in range(n)])
    h = cost_to_go(_Overestimate(exact), rg, [0, 1], admissible=True)
    np.testing.assert_allclose(h, exact[:, [0, 1]], rtol=1e-8)
    assert np.all(h <= exact[:, [0, 1]])
    for s in range(2, n):
        r = learned_astar(g.indptr, g.indices, g.weights(), h[:, 0], s, 0)
        assert r.path.cost == pytest.approx(exact[s, 0], rel=1e-12)


def test_greedy_on_exact_costs_is_optimal_with_zero_weight_arcs():
    """Walkthrough finding: with exact costs-to-go, 3 -> 2 (0 + 7) tied 3 -> 4 (7 + 0); the walk took the free
    detour 3-2-1 and, never revisiting, had to leave by 1 -> 4 (cost 10 against 7). A tie now goes to the
    neighbour nearer the target. (From node 1 both free arcs tie in h as well: a walk that never revisits
    cannot tell them apart, and the README says greedy is exact only without zero-weight arcs.)"""
    from graphroute.graphs import from_edges
    from graphroute.neural.router.route import greedy_route
    from graphroute.paths import dijkstra

    arcs = [(0, 1, 0), (1, 0, 0), (1, 2, 0), (2, 1, 0), (2, 3, 7), (3, 2, 7), (0, 3, 10), (3, 0, 10), (3, 4, 0),
            (4, 3, 0)]
    g = from_edges([a for a, _, _ in arcs], [b for _, b, _ in arcs], 5,
                   edge_attrs={"length": np.array([float(c) for *_, c in arcs])}, meta={"default_weight": "length"})
    w = g.weights()
    for s in (0, 2, 3):
        exact = np.array([dijkstra(g.indptr, g.indices, w, v, 4).cost for v in range(5)])
        r = greedy_route(g.indptr, g.indices, w, exact, s, 4)
        assert r.success and r.path.cost == dijkstra(g.indptr, g.indices, w, s, 4).cost, (s, r.path)
