"""Audit C (mutation audit): compare_routers' seed checks, summaries (zero-time, tolerance, failed
zero-cost queries, the K rows by hand), the rows' steps and query counts, and the markdown table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import from_edges
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.neural.router.evaluate import (ALL_METHODS, MAX_PAIR_SEED, _k_summary, _summary, check_pair_seed,
                                               compare_routers, markdown_table, random_pairs, steps_label)

CKPT = Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt"


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("torch")
    from graphroute.neural.router.train import load_router

    return load_router(CKPT)[0]


@pytest.fixture(scope="module")
def all_rows(model):
    """Every method on 8 pairs of a 60-node Delaunay graph, K rows on the first 3."""
    g = synthetic_graph("delaunay", 60, seed=3)
    return compare_routers(g, model, random_pairs(g.n_nodes, 8, seed=4), steps=2, k=2, k_queries=3,
                           methods=ALL_METHODS)


def test_pair_seed_takes_python_and_numpy_integers_up_to_the_int64_maximum():
    assert MAX_PAIR_SEED == 2**63 - 1
    got = check_pair_seed(np.int64(7))
    assert got == 7 and type(got) is int
    assert check_pair_seed(np.uint64(MAX_PAIR_SEED)) == MAX_PAIR_SEED
    assert check_pair_seed(0) == 0
    np.testing.assert_array_equal(random_pairs(9, 5, seed=np.int64(3)), random_pairs(9, 5, seed=3))


@pytest.mark.parametrize("bad", [True, False, np.bool_(True), -1, 2**63, 1.0, "3", None])
def test_pair_seed_refuses_bools_floats_text_and_out_of_range_in_one_line(bad):
    with pytest.raises(InvalidArgumentError, match=rf"^--seed must be an integer in 0\.\.{MAX_PAIR_SEED}, got "):
        check_pair_seed(bad, "--seed")


@pytest.mark.parametrize("n", [0, 1])
def test_random_pairs_needs_two_nodes(n):
    with pytest.raises(InvalidArgumentError, match="fewer than 2 nodes"):
        random_pairs(n, 3)


def test_random_pairs_are_seeded_int64():
    a, b = random_pairs(50, 20, seed=5), random_pairs(50, 20, seed=5)
    assert a.dtype == np.int64 and a.shape == (20, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, random_pairs(50, 20, seed=6))


def test_summary_of_an_instant_run_has_infinite_speed():
    row = _summary("x", [True], [1.0], [1.0], [3], 0.0)
    assert row["queries_per_s"] == float("inf") and row["seconds"] == 0.0


def test_summary_optimal_share_tolerates_rounding_only():
    """Stretch 1 + 1e-12 is float noise (optimal); 1.0005 is a worse route (not optimal)."""
    row = _summary("x", [True, True, True], [1.0 + 1e-12, 1.0005, 2.0], [1.0, 1.0, 1.0], [1, 1, 1], 1.0)
    assert row["share_optimal"] == pytest.approx(1 / 3)


def test_summary_skips_a_failed_zero_cost_query():
    """A query with optimum 0 counts as stretch 1 only when it succeeded."""
    row = _summary("x", [False, True], [np.nan, 2.0], [0.0, 1.0], [1, 1], 1.0)
    assert row["success"] == 0.5 and row["mean_stretch"] == 2.0 and row["share_optimal"] == 0.0


def test_summary_of_no_queries_is_nan_not_an_error():
    row = _summary("x", [], [], [], [], 1.0)
    assert row["queries"] == 0
    for key in ("success", "mean_stretch", "p95_stretch", "share_optimal", "median_expanded", "kth_mean_stretch"):
        assert np.isnan(row[key]), key


def test_k_summary_by_hand():
    """K rows: success = share with k routes, stretch of the best and of the k-th route; a zero optimum is stretch 1."""
    routes = {1: [2.0, 3.0], 3: [0.0, 0.0], 5: [5.0], 7: []}  # by target: the costs of the routes found
    asked = []

    def setup(t):
        asked.append(t)
        return f"h{t}"

    def fn(s, t, h):
        assert h == f"h{t}"
        return [SimpleNamespace(cost=c) for c in routes[t]]

    pairs = np.array([[0, 1], [2, 3], [4, 5], [6, 7]])
    row = _k_summary("X", pairs, np.array([2.0, 0.0, 4.0, 1.0]), 2, fn, setup)
    best, last = [1.0, 1.0, 1.25], [1.5, 1.0, 1.25]
    assert asked == [1, 3, 5, 7]
    assert row["method"] == "X=2" and row["queries"] == 4
    assert row["success"] == 0.5
    assert row["mean_stretch"] == pytest.approx(np.mean(best))
    assert row["p95_stretch"] == pytest.approx(np.percentile(best, 95))
    assert row["share_optimal"] == pytest.approx(2 / 3)
    assert row["kth_mean_stretch"] == pytest.approx(np.mean(last))
    assert np.isnan(row["median_expanded"])


def test_rows_carry_the_pass_steps_and_query_counts(all_rows):
    by = {r["method"]: r for r in all_rows}
    assert [r["method"] for r in all_rows] == ["router greedy", "untrained greedy", "Bellman-Ford greedy", "learned A*",
                                               "Euclidean A*", "geo forwarding", "Dijkstra", "router K=2", "Yen K=2"]
    for name in ("router greedy", "untrained greedy", "learned A*", "router K=2"):
        assert by[name]["steps"] == 2, name
        assert by[name]["steps_used"] == 2, name
    assert by["Bellman-Ford greedy"]["steps"] == 0  # a pass to convergence (it had steps null, steps_used 68)
    for name in ("Euclidean A*", "geo forwarding", "Dijkstra", "Yen K=2"):
        assert by[name]["steps"] is None, name
    for name in ("Euclidean A*", "geo forwarding", "Dijkstra", "Yen K=2"):
        assert by[name]["steps_used"] is None, name
    assert by["router K=2"]["queries"] == by["Yen K=2"]["queries"] == 3
    assert all(by[m]["queries"] == 8 for m in by if not m.endswith("K=2"))


def test_exact_rows_are_exact_and_dijkstra_reports_no_expansions(all_rows):
    by = {r["method"]: r for r in all_rows}
    for name in ("Bellman-Ford greedy", "learned A*", "Euclidean A*", "Dijkstra"):
        assert by[name]["success"] == 1.0 and by[name]["share_optimal"] == 1.0, name
    assert np.isnan(by["Dijkstra"]["median_expanded"])
    for name in ("learned A*", "Euclidean A*", "geo forwarding", "router greedy"):
        assert by[name]["median_expanded"] >= 1, name


@pytest.mark.parametrize("bad", [True, 2.5, "3", 0, -1, None])
def test_steps_must_be_a_positive_integer_or_auto(model, bad):
    g = synthetic_graph("grid", 16, seed=1)
    with pytest.raises(InvalidArgumentError, match="steps must be a positive integer or 'auto', got "):
        compare_routers(g, model, random_pairs(g.n_nodes, 2, seed=1), steps=bad, methods=("Dijkstra",))


def test_steps_may_be_a_numpy_integer(model):
    g = synthetic_graph("grid", 16, seed=1)
    rows = compare_routers(g, model, random_pairs(g.n_nodes, 2, seed=1), steps=np.int64(2), methods=("router greedy",))
    assert rows[0]["steps"] == 2 and rows[0]["queries"] == 2


def test_no_k_rows_without_k_queries(model):
    g = synthetic_graph("grid", 25, seed=1)
    rows = compare_routers(g, model, random_pairs(g.n_nodes, 4, seed=1), steps=2, k=2, k_queries=0,
                           methods=("Dijkstra", "router K", "Yen K"))
    assert [r["method"] for r in rows] == ["Dijkstra"]


def _geometric_rows(model, src, dst, times, kind, coords) -> dict:  # noqa: ANN001
    """The geo forwarding and Euclidean A* rows, by method, of the one query 0 -> 3 on a 4-node graph."""
    g = from_edges(np.array(src), np.array(dst), 4, edge_attrs={"time": np.array(times)},
                   meta={"default_weight": "time"}, kind=kind, coords=coords)
    rows = compare_routers(g, model, np.array([[0, 3]]), steps=1, methods=("geo forwarding", "Euclidean A*"))
    return {r["method"]: r for r in rows}


def test_geometric_rows_of_a_traffic_graph_use_great_circle_distances(model):
    """traffic graphs are lon/lat like road graphs (see test_route_bounds' road case): at 60 degrees north geo
    forwarding takes the detour B on the sphere (stretch 2), the plane would take A (stretch 1)."""
    coords = np.array([[10.0, 60.0], [11.0, 60.0], [10.0, 60.6], [11.0, 60.6]])  # s, A, B, T
    by = _geometric_rows(model, [0, 1, 0, 2], [1, 3, 2, 3], [1.0, 1.0, 2.0, 2.0], "traffic", coords)
    assert by["geo forwarding"]["mean_stretch"] == pytest.approx(2.0)
    assert by["Euclidean A*"]["mean_stretch"] == pytest.approx(1.0)


def test_geo_forwarding_goes_to_the_neighbour_nearest_the_target_whatever_the_edge_costs(model):
    """Greedy geographic forwarding picks A (1 from T by straight line, edge cost 10) over B (2.2 from T, cost 1):
    cost 11 against the optimum 2. Euclidean A* finds the optimum."""
    coords = np.array([[0.0, 0.0], [3.0, 0.0], [2.0, 1.0], [4.0, 0.0]])  # s, A, B, T
    by = _geometric_rows(model, [0, 0, 1, 2], [1, 2, 3, 3], [10.0, 1.0, 1.0, 1.0], "synthetic", coords)
    assert by["geo forwarding"]["success"] == 1.0 and by["geo forwarding"]["mean_stretch"] == pytest.approx(5.5)
    assert by["Euclidean A*"]["mean_stretch"] == pytest.approx(1.0)


def test_euclidean_astar_expands_only_towards_the_target(model):
    """On a straight line 0 - 1 - ... - 20 (unit lengths), A* with the straight-line bound from 10 to 20 never
    expands the nodes behind the source (a blind search would expand about as many as in front of it)."""
    n = 21
    src = np.r_[np.arange(n - 1), np.arange(1, n)]
    dst = np.r_[np.arange(1, n), np.arange(n - 1)]
    g = from_edges(src, dst, n, edge_attrs={"time": np.ones(2 * (n - 1))}, meta={"default_weight": "time"},
                   kind="synthetic", coords=np.c_[np.arange(float(n)), np.zeros(n)])
    row = compare_routers(g, model, np.array([[10, 20]]), steps=1, methods=("Euclidean A*",))[0]
    assert row["mean_stretch"] == 1.0
    assert 10 <= row["median_expanded"] <= 11


def test_exact_rows_route_from_source_to_target_on_a_one_way_cycle(model):
    """A one-way triangle 0 -> 1 -> 2 -> 0: the way back costs twice the way there, so a search run
    from the target to the source (or a reversed Yen) would show stretch 2."""
    g = from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), 3, edge_attrs={"time": np.ones(3)},
                   meta={"default_weight": "time"}, kind="synthetic",
                   coords=np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.8]]))
    pairs = np.array([[0, 1], [1, 2], [2, 0], [0, 2]])
    rows = compare_routers(g, model, pairs, steps=3, k=1, k_queries=4,
                           methods=("Dijkstra", "Euclidean A*", "learned A*", "Bellman-Ford greedy", "Yen K"))
    for r in rows:
        assert r["success"] == 1.0 and r["mean_stretch"] == 1.0 and r["share_optimal"] == 1.0, r["method"]


def test_markdown_rows_by_hand():
    rows = [
        {"method": "Dijkstra", "steps": None, "queries": 5, "success": 1.0, "mean_stretch": 1.0, "p95_stretch": 1.0,
         "share_optimal": 1.0, "median_expanded": float("nan"), "queries_per_s": 123.456, "seconds": 0.04,
         "kth_mean_stretch": float("nan"), "steps_used": None},
        {"method": "router K=3", "steps": "auto", "queries": 4, "success": 0.75, "mean_stretch": 1.23456,
         "p95_stretch": 1.5, "share_optimal": 0.5, "median_expanded": float("nan"), "queries_per_s": 7.26,
         "seconds": 0.55, "kth_mean_stretch": 1.98765, "steps_used": 14},
        {"method": "router greedy", "steps": 30, "queries": 5, "success": 0.8, "mean_stretch": 1.1, "p95_stretch": 1.3,
         "share_optimal": 0.4, "median_expanded": 17.0, "queries_per_s": 50.0, "seconds": 0.1,
         "kth_mean_stretch": float("nan"), "steps_used": 30},
    ]
    lines = markdown_table(rows).splitlines()
    assert len(lines) == 5
    assert lines[2] == "| Dijkstra | 5 | 100.00% | 1.0000 | 1.0000 | 100.0% | - | 123.5 |"
    assert lines[3] == "| router K=3 (T=auto: 14) | 4 | 75.00% | 1.2346 (K-th path 1.988) | 1.5000 | 50.0% | - | 7.3 |"
    assert lines[4] == "| router greedy (T=30) | 5 | 80.00% | 1.1000 | 1.3000 | 40.0% | 17 | 50.0 |"


def test_steps_label():
    assert steps_label({"steps": 30, "steps_used": 30}) == "30"
    assert steps_label({"steps": "auto", "steps_used": 144}) == "auto: 144"
    assert steps_label({"steps": "auto", "steps_used": None}) == "auto"
    assert steps_label({"steps": "auto"}) == "auto"


def test_the_untrained_baseline_leaves_the_callers_random_state_alone(model):
    """compare_routers seeds the untrained router's init (fixed) without resetting torch's global RNG."""
    import torch

    g = synthetic_graph("grid", 16, seed=0)
    torch.manual_seed(123)
    want = torch.rand(3)
    torch.manual_seed(123)
    compare_routers(g, model, random_pairs(g.n_nodes, 2, seed=1), steps=2, methods=("untrained greedy",))
    assert torch.equal(torch.rand(3), want)


def test_compare_routers_refuses_unreachable_and_outside_pairs_by_name(model):
    """An unreachable pair would count as every method's failure and a NaN stretch; an out-of-range node an
    IndexError deep inside. Both are refused up front, naming the pair (networkx says which are cut off)."""
    import networkx as nx

    # a one-way chain 0 -> 1 -> 2 -> 3: 3 reaches nothing, 0 reaches everything
    g = from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), 4, edge_attrs={"length": np.ones(3)})
    nxg = nx.DiGraph([(0, 1), (1, 2), (2, 3)])
    assert not nx.has_path(nxg, 3, 0) and nx.has_path(nxg, 0, 3)
    with pytest.raises(InvalidArgumentError, match=r"^pair 1: node 0 cannot be reached from node 3 \(2 such pairs\)"):
        compare_routers(g, model, [[0, 3], [3, 0], [2, 1]], steps=2, methods=("Dijkstra",))
    for bad in ([0, 4], [-1, 2]):
        with pytest.raises(InvalidArgumentError, match=r"^pair 1 .* names a node position outside 0\.\.3$"):
            compare_routers(g, model, [[0, 3], bad], steps=2, methods=("Dijkstra",))
    rows = compare_routers(g, model, [[0, 3], [1, 2]], steps=2, methods=("Dijkstra",))
    assert rows[0]["success"] == 1.0
