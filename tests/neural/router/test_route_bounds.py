"""Router bounds a mutation audit left unpinned: the K-alternatives search budget, the greedy walk's
move limit and its "stuck" message, the great-circle metric of lon/lat graphs in the geometric rows,
and the median pass depth over several batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphroute.graphs import from_edges
from graphroute.neural.router.evaluate import compare_routers
from graphroute.neural.router.model import RouterGraph
from graphroute.neural.router.route import cost_to_go, greedy_route, k_alternatives
from graphroute.neural.router.train import load_router

CKPT = Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt"


def _graph(src, dst, w, n, **kw):
    return from_edges(np.asarray(src), np.asarray(dst), n, edge_attrs={"time": np.asarray(w, dtype=float)},
                      meta={"default_weight": "time"}, **kw)


def _two_routes():
    # s -> t directly (1), or s -> m -> t (3): the penalised direct edge costs 1.5, 2.25, then 3.375,
    # so the detour first wins on the fourth search
    return _graph([0, 0, 1], [2, 1, 2], [1.0, 1.5, 1.5], 3)


def test_k_alternatives_search_budget_is_four_k_by_default():
    g = _two_routes()
    h = np.zeros(3)
    routes = k_alternatives(g.indptr, g.indices, g.weights(), h, 0, 2, k=2)
    assert [p.nodes for p in routes] == [(0, 2), (0, 1, 2)]
    assert [p.cost for p in routes] == [1.0, 3.0]  # under the original weights
    # the budget counts searches, repeats included: three find the direct edge three times
    assert [p.nodes for p in k_alternatives(g.indptr, g.indices, g.weights(), h, 0, 2, k=2, tries=3)] == [(0, 2)]
    assert len(k_alternatives(g.indptr, g.indices, g.weights(), h, 0, 2, k=2, tries=4)) == 2


def test_k_alternatives_default_budget_scales_with_k():
    # four parallel two-edge routes of cost 1, 1.2, 1.4, 1.6 (p = 0.01): each one is found again and
    # again until its penalised weight passes the next one's, so k = 4 needs more than 4 searches
    n_routes = 4
    src, dst, w = [], [], []
    for i in range(n_routes):
        mid = 2 + i
        src += [0, mid]
        dst += [mid, 1]
        w += [0.5 + 0.1 * i, 0.5 + 0.1 * i]
    g = _graph(src, dst, w, 2 + n_routes)
    h = np.zeros(g.n_nodes)
    routes = k_alternatives(g.indptr, g.indices, g.weights(), h, 0, 1, k=4, penalty=0.1)
    assert [p.cost for p in routes] == pytest.approx([1.0, 1.2, 1.4, 1.6])
    assert len(k_alternatives(g.indptr, g.indices, g.weights(), h, 0, 1, k=4, penalty=0.1, tries=4)) < 4


def _chain(n):
    src = list(range(n - 1)) + list(range(1, n))
    dst = list(range(1, n)) + list(range(n - 1))
    return _graph(src, dst, [1.0] * len(src), n)


def test_greedy_walk_move_limit_is_exact():
    g = _chain(6)
    h = np.arange(6)[::-1].astype(float)  # distance to node 5
    ip, ix, w = g.indptr, g.indices, g.weights()
    ok = greedy_route(ip, ix, w, h, 0, 5, max_moves=5)
    assert ok.success and ok.path.nodes == (0, 1, 2, 3, 4, 5) and ok.expanded == 5
    short = greedy_route(ip, ix, w, h, 0, 5, max_moves=4)
    assert not short.success and short.expanded == 4
    assert "gave up after 4 moves" in short.reason


def test_greedy_walk_counts_its_backtracks_in_the_stuck_message():
    # from 0 the estimate leads into the dead-end branch 0 -> 1 -> 2 (h = 0 there) before 0 -> 3 -> 4
    g = _graph([0, 1, 0, 3], [1, 2, 3, 4], [1.0, 1.0, 1.0, 1.0], 5)
    h = np.array([2.0, 0.0, 0.0, 1.0, 0.0])
    ip, ix, w = g.indptr, g.indices, g.weights()
    # two steps back (2 -> 1 -> 0) reach the second branch
    r = greedy_route(ip, ix, w, h, 0, 4, max_backtracks=2)
    assert r.success and r.path.nodes == (0, 3, 4)
    one = greedy_route(ip, ix, w, h, 0, 4, max_backtracks=1)
    assert not one.success and one.reason.endswith("stuck after 1 backtracks")
    none = greedy_route(ip, ix, w, h, 0, 4, max_backtracks=0)
    assert not none.success and none.reason.endswith("stuck after 0 backtracks")


@pytest.fixture(scope="module")
def model():
    return load_router(CKPT)[0]


def test_geometric_rows_of_a_lonlat_graph_use_great_circle_distances(model):
    # at 60 degrees north a degree of longitude is half a degree of latitude on the ground: from s,
    # A lies 1 degree east and B 0.6 degrees north of s; the target T lies 0.6 degrees north of A and
    # 1 degree east of B. Great-circle distance to T: A 66.7 km, B 54.6 km (planar degrees: A 0.6, B 1.0),
    # so geo forwarding takes B (cost 4) on the sphere and A (cost 2) in the plane.
    coords = np.array([[10.0, 60.0], [11.0, 60.0], [10.0, 60.6], [11.0, 60.6]])  # s, A, B, T
    g = from_edges(np.array([0, 1, 0, 2]), np.array([1, 3, 2, 3]), 4,
                   edge_attrs={"time": np.array([1.0, 1.0, 2.0, 2.0])}, meta={"default_weight": "time"},
                   kind="road", coords=coords)
    row = compare_routers(g, model, np.array([[0, 3]]), steps=1, methods=("geo forwarding",))[0]
    assert row["success"] == 1.0
    assert row["mean_stretch"] == pytest.approx(2.0)  # 4 against the optimum 2
    planar = from_edges(np.array([0, 1, 0, 2]), np.array([1, 3, 2, 3]), 4,
                        edge_attrs={"time": np.array([1.0, 1.0, 2.0, 2.0])}, meta={"default_weight": "time"},
                        kind="synthetic", coords=coords)
    assert compare_routers(planar, model, np.array([[0, 3]]), steps=1,
                           methods=("geo forwarding",))[0]["mean_stretch"] == pytest.approx(1.0)


def test_steps_used_is_the_median_over_the_batches_passes(model):
    g = _chain(40)
    g.coords = np.stack([np.arange(40.0), np.zeros(40)], axis=1)
    pairs = np.array([[0, 2], [0, 6], [0, 35]])
    stats: dict = {}
    cost_to_go(model, RouterGraph.from_graph(g, None), np.array([2, 6, 35]), batch=1, steps="auto",
               reach=(pairs[:, 0], np.arange(3)), stats=stats)
    depths = stats["steps"]
    assert len(depths) == 3 and len(set(depths)) == 3  # each batch ran to its own depth
    row = compare_routers(g, model, pairs, steps="auto", batch=1, methods=("router greedy",))[0]
    assert row["steps_used"] == int(np.median(depths))
    assert row["steps_used"] not in (depths[0], depths[-1], int(np.mean(depths)))
