"""compare_routers' summaries against numpy / networkx references: the pairs, the
percentile and share columns, zero-cost queries, learned A* and router K exactness, the K-th path's
stretch against networkx's k shortest simple paths, K success, and the automatic pass depth."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from graphroute.graphs.synthetic import synthetic_graph
from graphroute.neural.router.evaluate import _summary, compare_routers, random_pairs
from graphroute.neural.router.train import load_router
from tests.neural.router.test_route_search_details import _nx

CKPT = Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt"


@pytest.fixture(scope="module")
def model():
    return load_router(CKPT)[0]


@pytest.fixture(scope="module")
def graph():
    return synthetic_graph("delaunay", 120, seed=4)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_random_pairs_never_pair_a_node_with_itself_and_reach_every_other_target(n):
    pairs = random_pairs(n, 600, seed=3)
    assert pairs.shape == (600, 2) and np.all(pairs[:, 0] != pairs[:, 1])
    assert pairs.min() >= 0 and pairs.max() < n
    for s in range(n):  # each source's targets cover all the other nodes
        assert set(pairs[pairs[:, 0] == s, 1].tolist()) == set(range(n)) - {s}


def test_summary_columns_against_numpy():
    success = [True, True, True, True, False, True]
    optimal = np.array([1.0, 2.0, 4.0, 5.0, 3.0, 0.0])
    cost = np.array([1.0, 3.0, 4.0, 10.0, np.nan, 0.0])
    expanded = [1, 2, 3, 100, 7, 9]
    row = _summary("x", success, cost, optimal, expanded, 2.0)
    stretch = np.array([1.0, 1.5, 1.0, 2.0, 1.0])  # the zero-cost query counts as stretch 1
    assert row["queries"] == 6 and row["success"] == pytest.approx(5 / 6)
    assert row["mean_stretch"] == pytest.approx(stretch.mean())
    assert row["p95_stretch"] == pytest.approx(np.percentile(stretch, 95))
    assert row["share_optimal"] == pytest.approx(3 / 5)
    assert row["median_expanded"] == 5.0
    assert row["queries_per_s"] == pytest.approx(3.0) and row["seconds"] == 2.0


def test_summary_a_costly_route_over_a_free_optimum_is_not_optimal():
    """Walkthrough: on zero-weight arcs a route of cost 168 over an optimum of 0 read stretch 1, optimal."""
    row = _summary("x", [True, True, True, True], [0.0, 5.0, 3.0, 2.0], [0.0, 0.0, 2.0, 2.0], [1, 1, 1, 1], 1.0)
    assert row["share_optimal"] == pytest.approx(2 / 4)  # the free route and the 2-over-2 one
    assert row["mean_stretch"] == pytest.approx(np.mean([1.0, 1.5, 1.0]))  # over the finite stretches
    assert row["p95_stretch"] == pytest.approx(np.percentile([1.0, 1.5, 1.0], 95))
    only = _summary("x", [True], [5.0], [0.0], [1], 1.0)
    assert only["share_optimal"] == 0.0 and np.isnan(only["mean_stretch"])


def test_summary_counts_an_exactly_optimal_cost_as_optimal():
    row = _summary("x", [True, True], [2.0, 3.0], [2.0, 3.0], [1, 1], 1.0)
    assert row["share_optimal"] == 1.0 and row["mean_stretch"] == 1.0 and row["p95_stretch"] == 1.0


def test_learned_astar_and_router_k_are_exact_for_every_target(model, graph):
    pairs = random_pairs(graph.n_nodes, 16, seed=5)
    assert len(np.unique(pairs[:, 1])) > 8
    rows = compare_routers(graph, model, pairs, steps=4, k=2, k_queries=16, methods=("learned A*", "router K"))
    by = {r["method"]: r for r in rows}
    assert by["learned A*"]["success"] == 1.0 and by["learned A*"]["share_optimal"] == 1.0
    assert by["learned A*"]["mean_stretch"] == pytest.approx(1.0, abs=1e-12)
    assert by["router K=2"]["share_optimal"] == 1.0  # the first route is optimal (admissible heuristic)
    assert by["router K=2"]["mean_stretch"] == pytest.approx(1.0, abs=1e-12)


def test_yen_k_row_matches_networkx_k_shortest_simple_paths(model, graph):
    pairs = random_pairs(graph.n_nodes, 6, seed=7)
    k = 3
    row = compare_routers(graph, model, pairs, k=k, k_queries=6, methods=("Yen K",))[0]
    d = _nx(graph)
    full, last = [], []
    for s, t in pairs.tolist():
        costs = [nx.path_weight(d, p, "weight") for p in islice(nx.shortest_simple_paths(d, s, t, "weight"), k)]
        full.append(len(costs) >= k)
        last.append(costs[-1] / costs[0])
    assert row["success"] == pytest.approx(np.mean(full))
    assert row["kth_mean_stretch"] == pytest.approx(np.mean(last), rel=1e-9)
    assert row["kth_mean_stretch"] > 1.0


def test_k_success_is_the_share_of_queries_with_k_routes(model):
    # a path 0-1-2-...-9 (both directions): exactly one simple route between any two nodes
    from graphroute.graphs import from_edges

    src = np.r_[np.arange(9), np.arange(1, 10)]
    dst = np.r_[np.arange(1, 10), np.arange(9)]
    pos = np.c_[np.arange(10.0), np.zeros(10)]
    g = from_edges(src, dst, 10, edge_attrs={"length": np.ones(18), "time": np.ones(18)}, coords=pos,
                   meta={"default_weight": "time"})
    pairs = np.array([[0, 9], [3, 5], [8, 1]])
    rows = compare_routers(g, model, pairs, steps=2, k=2, k_queries=3, methods=("router K", "Yen K"))
    for r in rows:
        assert r["success"] == 0.0 and r["mean_stretch"] == 1.0


def test_auto_pass_runs_until_the_wave_reaches_every_query_source(model, graph):
    pairs = random_pairs(graph.n_nodes, 10, seed=2)
    row = compare_routers(graph, model, pairs, steps="auto", batch=64, methods=("router greedy",))[0]
    d = _nx(graph)
    hops = max(nx.shortest_path_length(d, s, t) for s, t in pairs.tolist())  # unweighted: the wave's depth
    assert row["steps"] == "auto" and row["steps_used"] >= hops
    assert row["success"] == 1.0


def test_learned_astar_and_router_k_rows_match_a_per_query_recomputation(model, graph):
    """Each query reads its own target's column: the row equals learned A* / K alternatives run by
    hand on cost_to_go's column for that query's target."""
    from graphroute.neural.router.model import RouterGraph
    from graphroute.neural.router.route import cost_to_go, k_alternatives, learned_astar

    pairs = random_pairs(graph.n_nodes, 12, seed=11)
    k = 3
    rows = compare_routers(graph, model, pairs, steps=4, k=k, k_queries=12, methods=("learned A*", "router K"))
    by = {r["method"]: r for r in rows}
    ip, ix, w = graph.indptr, graph.indices, graph.weights()
    targets, inverse = np.unique(pairs[:, 1], return_inverse=True)
    h = cost_to_go(model, RouterGraph.from_graph(graph), targets, steps=4, admissible=True)
    d = _nx(graph)
    exp, last = [], []
    for q, (s, t) in enumerate(pairs.tolist()):
        exp.append(learned_astar(ip, ix, w, h[:, inverse[q]], s, t).expanded)
        paths = k_alternatives(ip, ix, w, h[:, inverse[q]], s, t, k)
        last.append(paths[-1].cost / nx.shortest_path_length(d, s, t, weight="weight"))
    assert by["learned A*"]["median_expanded"] == float(np.median(exp))
    assert by["router K=3"]["kth_mean_stretch"] == pytest.approx(np.mean(last), rel=1e-9)

