"""Greedy next hop, learned A*, K alternatives: loopless walks, honest failure, exactness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.graphs import from_edges
from graphroute.neural.router.model import BFRouter, RouterGraph
from graphroute.neural.router.route import (astar_count, cost_to_go, greedy_route, greedy_routes, k_alternatives,
                                            learned_astar)
from graphroute.neural.router.train import exact_costs_to, load_router
from graphroute.paths import astar, geometric_heuristic, geometric_scale
from tests.neural.router.test_model import nx_costs_to, random_graph

from pathlib import Path

CKPT = Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt"


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 25))
def test_greedy_never_revisits_a_node(seed, n):
    g = random_graph(n, 3 * n, seed)
    rng = np.random.default_rng(seed)
    h = rng.random(n) * 10  # any cost-to-go, even a misleading one
    s, t = int(rng.integers(n)), int(rng.integers(n))
    r = greedy_route(g.indptr, g.indices, g.weights(), h, s, t)
    if r.success:
        nodes = r.path.nodes
        assert len(set(nodes)) == len(nodes) and nodes[0] == s and nodes[-1] == t
        assert all(g.indices[e] == v for e, v in zip(r.path.edges, nodes[1:]))
        assert r.path.cost == pytest.approx(float(g.weights()[list(r.path.edges)].sum()))
    else:
        assert r.path is None and r.reason


def test_failure_is_reported_not_hidden():
    # 0 -> 1 -> 2 (dead end, but h says it is next to the target), 0 -> 3 -> 4 = target
    src, dst = [0, 1, 0, 3], [1, 2, 3, 4]
    g = from_edges(src, dst, 5, edge_attrs={"time": np.ones(4)}, meta={"default_weight": "time"})
    w = g.weights()
    h = np.array([2.0, 0.1, 0.0, 1.5, 0.0])
    r = greedy_route(g.indptr, g.indices, w, h, 0, 4, max_backtracks=0)
    assert not r.success and r.path is None and "stuck" in r.reason
    r = greedy_route(g.indptr, g.indices, w, h, 0, 4)  # the bounded fallback steps back and finds it
    assert r.success and r.path.nodes == (0, 3, 4)
    r = greedy_route(g.indptr, g.indices, w, h, 2, 4)  # unreachable: the reason names the graph, not the walk
    assert not r.success and r.reason == "no path from source to target"
    r = greedy_route(g.indptr, g.indices, w, np.zeros(5), 0, 4, max_moves=1)
    assert not r.success and "gave up" in r.reason
    assert not learned_astar(g.indptr, g.indices, w, h, 2, 4).success


@pytest.mark.parametrize("seed", range(6))
def test_learned_astar_with_admissibility_returns_the_dijkstra_cost(seed):
    model, _ = load_router(CKPT)
    g = random_graph(60, 240, seed)
    rg = RouterGraph.from_graph(g)
    rng = np.random.default_rng(seed)
    targets = rng.choice(60, 5, replace=False)
    h = cost_to_go(model, rg, targets, admissible=True, steps=2)  # truncated: a rough estimate, projected
    for j, t in enumerate(targets.tolist()):
        exact = nx_costs_to(g, t)
        for s in rng.choice(60, 5, replace=False).tolist():
            r = learned_astar(g.indptr, g.indices, g.weights(), h[:, j], s, t)
            if np.isfinite(exact[s]):
                assert r.success and r.path.cost == pytest.approx(exact[s], rel=1e-12)
            else:
                assert not r.success


def test_astar_count_agrees_with_paths_astar():
    g = random_graph(50, 200, 1).largest_scc()
    w = g.weights()
    scale = geometric_scale(g.indptr, g.indices, w, g.coords, "euclidean")
    for s, t in [(0, 5), (3, 9), (7, 7)]:
        h = geometric_heuristic(g.coords, t, scale, "euclidean")
        r = astar_count(g.indptr, g.indices, w, s, t, h)
        assert r.path.cost == pytest.approx(astar(g.indptr, g.indices, w, s, t, h).cost)
        assert r.expanded >= 0


def test_k_alternatives_are_distinct_and_the_first_is_optimal():
    model, _ = load_router(CKPT)
    g = random_graph(80, 400, 5).largest_scc()
    rg = RouterGraph.from_graph(g)
    t, s = 0, g.n_nodes - 1
    h = cost_to_go(model, rg, [t], admissible=True)[:, 0]
    paths = k_alternatives(g.indptr, g.indices, g.weights(), h, s, t, 3)
    assert 1 <= len(paths) <= 3 and len({p.nodes for p in paths}) == len(paths)
    assert paths[0].cost == pytest.approx(exact_costs_to(g.indptr, g.indices, g.weights(), [t])[s, 0])
    assert [p.cost for p in paths] == sorted(p.cost for p in paths)
    with pytest.raises(Exception, match="k must be"):
        k_alternatives(g.indptr, g.indices, g.weights(), h, s, t, 0)


def test_untrained_router_routes_optimally_when_converged():
    g = random_graph(40, 200, 2).largest_scc()
    rg = RouterGraph.from_graph(g)
    h = cost_to_go(BFRouter(hidden=4), rg, [0])[:, 0]
    r = greedy_route(g.indptr, g.indices, g.weights(), h, g.n_nodes - 1, 0)
    assert r.success and r.path.cost == pytest.approx(nx_costs_to(g, 0)[g.n_nodes - 1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), steps=st.integers(1, 6))
def test_greedy_on_the_wave_always_arrives_within_the_wave_bound(seed, n, steps):
    """A source the exact wave reached is routed to the target, at a cost <= the wave's value there
    (the descent property of Bellman-Ford from above), however misleading the learned part is."""
    g = random_graph(n, 3 * n, seed).largest_scc()
    if g.n_nodes < 2:
        return
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = BFRouter(hidden=4)
    with torch.no_grad():
        model.alpha_raw.fill_(-5.0)  # a far too low straight-line estimate: basins everywhere off the wave
    t = int(rng.integers(g.n_nodes))
    rg = RouterGraph.from_graph(g)
    h, wave = cost_to_go(model, rg, [t], steps=steps, with_wave=True)
    exact = nx_costs_to(g, t)
    hops = nx.single_source_shortest_path_length(g.to_networkx().reverse(), t)
    reached = np.isfinite(wave[:, 0])
    assert set(np.flatnonzero(reached).tolist()) == {v for v, d in hops.items() if d <= steps}
    assert np.all(wave[reached, 0] >= exact[reached] * (1 - 1e-6))  # wave values are upper bounds
    assert np.all(h[:, 0] <= wave[:, 0] * (1 + 1e-6))  # the estimate is clipped by the wave
    w = g.weights()
    pairs = [(s, t) for s in np.flatnonzero(reached).tolist() if s != t]
    routes = greedy_routes(g.indptr, g.indices, w, h, pairs, [0] * len(pairs), wave=wave)
    alone = greedy_routes(g.indptr, g.indices, w, h, pairs, [0] * len(pairs))
    for (s, _), r, a in zip(pairs, routes, alone):
        assert r.success and r.path.cost <= wave[s, 0] * (1 + 1e-5)
        assert len(set(r.path.nodes)) == len(r.path.nodes)
        assert not a.success or r.path.cost <= a.path.cost + 1e-9  # never worse than the estimate's walk


def test_prepared_variants_answer_as_the_array_functions_do():
    """The *_prepared functions (graph checked and converted once) give the same routes as the array
    functions, query after query on one prepared graph (k_alternatives must not leak its penalties)."""
    from graphroute.neural.router.route import (astar_count_prepared, greedy_routes_prepared,
                                                k_alternatives_prepared, learned_astar_prepared)
    from graphroute.paths import prepare

    model, _ = load_router(CKPT)
    g = random_graph(60, 240, 4).largest_scc()
    w = g.weights()
    rg = RouterGraph.from_graph(g)
    targets = np.array([0, 3, g.n_nodes - 1])
    h = cost_to_go(model, rg, targets, admissible=True, steps=3)
    pg = prepare(g.indptr, g.indices, w)
    pairs = [(s, int(t)) for t in targets for s in (1, 5, g.n_nodes - 2)]
    cols = [j for j in range(3) for _ in range(3)]
    assert greedy_routes_prepared(pg, h, pairs, cols) == greedy_routes(g.indptr, g.indices, w, h, pairs, cols)
    for (s, t), c in zip(pairs, cols):
        assert learned_astar_prepared(pg, h[:, c], s, t) == learned_astar(g.indptr, g.indices, w, h[:, c], s, t)
        assert astar_count_prepared(pg, s, t, h[:, c]) == astar_count(g.indptr, g.indices, w, s, t, h[:, c])
        assert k_alternatives_prepared(pg, h[:, c], s, t, 3) == k_alternatives(g.indptr, g.indices, w, h[:, c], s, t, 3)
    assert pg.w == w.tolist()  # the penalties went to a copy
    with pytest.raises(Exception, match="k must be"):
        k_alternatives_prepared(pg, h[:, 0], 1, 0, 0)
    with pytest.raises(Exception, match="heuristic has shape"):
        learned_astar_prepared(pg, h[:5, 0], 1, 0)


def test_a_failed_learned_astar_counts_what_it_expanded_and_names_no_internal_node():
    """One-way 0 -> 1 -> 2 -> 3: from 1 back to 0 the search expands 1, 2 and 3 before giving up (it
    reported 0 expansions and 'no path from node 1 to node 0', positions the caller may not use)."""
    indptr, indices, weights = np.array([0, 1, 2, 3, 3]), np.array([1, 2, 3]), np.ones(3)
    r = learned_astar(indptr, indices, weights, np.zeros(4), 1, 0)
    assert (r.success, r.path, r.expanded, r.reason) == (False, None, 3, "no path from source to target")
    assert learned_astar(indptr, indices, weights, np.zeros(4), 3, 0).expanded == 1


def test_expanded_counts_the_moves_made_not_the_ones_found_impossible():
    # 0 -> 1 (a dead end the estimate prefers), 0 -> 2 -> 3 (the target); node 4 has no arcs at all
    indptr = np.array([0, 2, 2, 3, 3, 3])
    indices = np.array([1, 2, 3])
    weights = np.array([1.0, 1.0, 1.0])
    h = np.array([1.0, 0.0, 5.0, 0.0, 0.0])
    r = greedy_route(indptr, indices, weights, h, 0, 3, diagnose=False)
    assert r.success and list(r.path.nodes) == [0, 2, 3] and r.expanded == 4  # to 1, back, to 2, to 3
    stuck = greedy_route(indptr, indices, weights, h, 0, 3, max_backtracks=0, diagnose=False)
    assert not stuck.success and stuck.expanded == 1 and stuck.reason == "stuck after 0 backtracks"
    alone = greedy_route(indptr, indices, weights, h, 4, 3, diagnose=False)
    assert not alone.success and alone.expanded == 0
