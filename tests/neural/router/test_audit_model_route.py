"""Router model and routing details a mutation audit found unpinned: the lon/lat projection, nodes that
cannot reach the target, auto step counts, the truncated pass clipped by the wave, targets pinned in
training, the admissible projection, backtracking limits, A* ordering, K alternatives and the evaluation rows."""
from __future__ import annotations


import numpy as np
import pytest
import torch

from graphroute.graphs import from_edges
from graphroute.neural.router.model import BFRouter, RouterGraph, planar_coords
from graphroute.neural.router.route import astar_count, cost_to_go, greedy_route, k_alternatives
from tests.neural.router.test_model import path_graph


def test_lonlat_projection_shrinks_longitude_with_latitude():
    xy = planar_coords(np.array([[0.0, 60.0], [1.0, 60.0]]), lonlat=True)
    assert abs(xy[1, 0] - xy[0, 0]) == pytest.approx(111_195 * 0.5, rel=1e-3)


def test_nodes_that_cannot_reach_the_target_stay_infinite():
    # 1 -> 0 (target), 0 -> 2, 2 <-> 3: nodes 2 and 3 never reach 0 (weakly, not strongly, connected)
    src, dst = [1, 0, 2, 3], [0, 2, 3, 2]
    g = from_edges(src, dst, 4, edge_attrs={"time": np.ones(4)}, coords=np.array([[0, 0], [1, 0], [0, 1], [1, 1.0]]),
                   meta={"default_weight": "time"})
    h = cost_to_go(BFRouter(hidden=4), RouterGraph.from_graph(g), [0], steps=3)[:, 0]
    assert h[1] == pytest.approx(1.0) and np.isinf(h[2]) and np.isinf(h[3])


def test_auto_steps_round_up_and_wait_for_every_source():
    rg = RouterGraph.from_graph(path_graph(40))
    model = BFRouter().eval()
    with torch.no_grad():
        _, used = model(rg, torch.tensor([0]), steps="auto", reach=([5], [0]), margin=1.5, return_steps=True)
        assert used == 8                                                            # ceil(7.5)   (M22)
        _, used = model(rg, torch.tensor([0]), steps="auto", reach=([10, 30], [0, 0]), margin=1.0, return_steps=True)
        assert used == 30                                                           # all sources (M23)


def dead_end_graph():
    g = from_edges([0, 1, 0, 3], [1, 2, 3, 4], 5, edge_attrs={"time": np.ones(4)}, meta={"default_weight": "time"})
    return g, np.array([2.0, 0.1, 0.0, 1.5, 0.0])


def test_max_backtracks_is_the_number_allowed():
    g, h = dead_end_graph()  # 0 -> 1 -> 2 is a dead end: the walk needs exactly 2 backtracks
    assert greedy_route(g.indptr, g.indices, g.weights(), h, 0, 4, max_backtracks=2).success
    assert not greedy_route(g.indptr, g.indices, g.weights(), h, 0, 4, max_backtracks=1).success


def test_astar_with_the_exact_heuristic_expands_only_the_path():
    g = path_graph(12)
    w = g.weights()
    from graphroute.neural.router.train import exact_costs_to

    h = exact_costs_to(g.indptr, g.indices, w, [11])[:, 0]
    r = astar_count(g.indptr, g.indices, w, 5, 11, h)
    assert r.success and r.expanded == 6


def test_k_alternatives_report_original_costs_and_search_long_enough():
    # 0->1 (1), 1->3 (1), 1->2 (1), 2->3 (1.2): the second route appears at the third search
    g = from_edges([0, 1, 1, 2], [1, 3, 2, 3], 4, edge_attrs={"time": np.array([1, 1, 1, 1.2])},
                   meta={"default_weight": "time"})
    paths = k_alternatives(g.indptr, g.indices, g.weights(), np.zeros(4), 0, 3, 2)
    assert [p.nodes for p in paths] == [(0, 1, 3), (0, 1, 2, 3)]
    assert [p.cost for p in paths] == pytest.approx([2.0, 3.2])


def test_untrained_row_is_an_untrained_router_and_stretch_uses_the_optimum():
    from pathlib import Path

    from graphroute.graphs.synthetic import synthetic_graph
    from graphroute.neural.router.evaluate import compare_routers, random_pairs
    from graphroute.neural.router.train import load_router

    model, _ = load_router(Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt")
    g = synthetic_graph("delaunay", 200, seed=9)
    pairs = random_pairs(g.n_nodes, 20, seed=0)
    torch.manual_seed(0)
    fresh = BFRouter(hidden=model.hidden).eval()
    a = compare_routers(g, model, pairs, steps=1, methods=("untrained greedy", "geo forwarding"))
    b = compare_routers(g, fresh, pairs, steps=1, methods=("router greedy",))
    assert a[0]["mean_stretch"] == b[0]["mean_stretch"]
    assert a[1]["mean_stretch"] > 1.0


def test_truncated_pass_is_clipped_by_the_wave_even_when_edges_are_bent_up():
    from tests.neural.router.test_model import nx_costs_to, random_graph
    import networkx as nx

    g = random_graph(40, 200, 7).largest_scc()
    rg = RouterGraph.from_graph(g)
    model = BFRouter(hidden=4).eval()
    with torch.no_grad():
        model.step.mlp[-1].bias.copy_(torch.tensor([5.0, 0.0]))  # every edge bent up by eps (~3 %)
        h = model(rg, [0], steps=2)[:, 0].numpy()
    exact = nx_costs_to(g, 0)
    near = [v for v, p in nx.single_source_dijkstra_path(g.to_networkx("time").reverse(), 0).items() if len(p) <= 3]
    assert np.all(h[near] <= exact[near] * (1 + 1e-6))


def test_training_step_pins_the_targets_and_exact_projection_keeps_exact_costs():
    from graphroute.neural.router.model import exact_project
    from graphroute.neural.router.train import RouterConfig, batch_loss, exact_costs_to

    g = path_graph()  # straight line, cost 1.3 x length: the untrained estimate is already exact
    rg = RouterGraph.from_graph(g)
    t = torch.tensor([0, 5, 11])
    exact = torch.from_numpy(exact_costs_to(g.indptr, g.indices, g.weights(), t.numpy()))
    _, final = batch_loss(BFRouter(hidden=8), rg, exact, t, RouterConfig(hidden=8, max_mp_steps=20))
    assert float(final.detach()) < 1e-9
    h, _ = exact_project(rg, exact.clone())
    torch.testing.assert_close(h, exact)
