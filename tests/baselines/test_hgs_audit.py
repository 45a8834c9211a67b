"""PyVRP wrapper details a mutation audit found unpinned: the nearest-neighbour warm start keeps every
customer, data building counts against the limit, seed and start reach pyvrp.solve, a TSP stays one
tour on a non-metric matrix, and the status and cost scale in meta."""
from __future__ import annotations

import time

import pytest

from graphroute.problems import Instance
from graphroute.solvers import solve
from tests.baselines.conftest import tiny_instance
from tests.baselines.test_edge_inputs import TIGHT

pytest.importorskip("pyvrp")
pytest.importorskip("ortools")
from graphroute.baselines import hgs, ortools  # noqa: E402


def test_nearest_neighbour_start_keeps_every_customer():
    inst = tiny_instance("cvrp", 8, False, 4, num_vehicles=3)
    start = hgs.nearest_neighbour_start(inst, hgs.problem_data(inst)[0])
    assert sorted(1 + int(a.idx) for r in start.routes() for a in r if a.is_client()) == list(range(1, 9))


def test_data_build_time_counts_against_the_limit(monkeypatch, examples):
    from graphroute.problems import read_instance

    real = hgs.problem_data

    def slow(inst):
        time.sleep(0.6)
        return real(inst)

    monkeypatch.setattr(hgs, "problem_data", slow)
    res = solve(read_instance(examples / "cvrp50.json"), "pyvrp", time_limit=0.5)
    assert res.meta["iterations"] == 0  # the deadline counts from the call: passed while building


def test_seed_and_warm_start_reach_pyvrp(monkeypatch):
    import pyvrp

    seen = {}
    real = pyvrp.solve
    monkeypatch.setattr(pyvrp, "solve", lambda *a, **kw: seen.update(kw) or real(*a, **kw))
    monkeypatch.setattr(hgs, "START_SHARE", 0.0)
    sol = hgs.solve_pyvrp(tiny_instance("tsp", 8, False, 1), time_limit=0.2, seed=7, display=False)
    assert seen["seed"] == 7 and seen["initial_solution"] is not None
    assert sol.meta["start"] == "nearest_neighbour" and sol.meta["iterations"] > 0


def test_infeasible_result_is_labelled_infeasible():
    assert hgs.solve_pyvrp(TIGHT, time_limit=0.3).meta["status"] == "infeasible"


def test_non_metric_tsp_stays_one_tour():
    inst = Instance("tsp", matrix=[[0, 1, 1], [1, 0, 100], [1, 100, 0]], distance_type="EXPLICIT")
    res = solve(inst, "pyvrp", time_limit=0.3)
    assert res.feasible and res.cost == 102


def test_cost_scale_is_reported():
    inst = tiny_instance("cvrp", 6, False, 7)  # EXACT distances: scaled
    sol = hgs.solve_pyvrp(inst, time_limit=0.3)
    assert sol.meta["cost_scale"] == ortools.integer_costs(inst)[1] > 1
