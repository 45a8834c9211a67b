"""OR-Tools wrapper details a mutation audit found unpinned: fleet slack, every search option, the
time spent building the model, the second first-solution strategy, the savings routes returned when a
fixed fleet has no solution, and the metadata."""
from __future__ import annotations

import dataclasses
import time

import pytest

from graphroute.problems import Instance
from graphroute.solvers import solve
from tests.baselines.conftest import tiny_instance
from tests.baselines.test_edge_inputs import TIGHT

pytest.importorskip("ortools")
from graphroute.baselines import ortools  # noqa: E402


def capture_params(monkeypatch):
    """The RoutingSearchParameters of every model built, as solved (after the time limit is set)."""
    seen = []
    real = ortools._model

    def spy(*a, **kw):
        out = real(*a, **kw)
        seen.append(out[2])
        return out

    monkeypatch.setattr(ortools, "_model", spy)
    return seen


def test_fleet_slack_adds_spare_vehicles_and_no_empty_routes():
    inst = tiny_instance("cvrp", 8, False, 4)            # savings: 3 routes, bin-packing bound 3
    assert ortools.fleet_size(inst, 0.1) == 4            # 3 + ceil(0.3)
    sol = ortools.solve_ortools(inst, time_limit=2, fleet_slack=1.0)
    assert sol.meta["num_vehicles"] == 6                 # 3 + ceil(3.0)
    assert all(sol.routes)                               # unused vehicles give no [] route


def test_meta_reports_seed_and_fleet():
    inst = tiny_instance("cvrp", 8, False, 4)
    sol = ortools.solve_ortools(inst, time_limit=1, seed=7)
    assert sol.meta["seed"] == 7 and sol.meta["num_vehicles"] == 3


def test_every_option_reaches_the_search_parameters(monkeypatch):
    from ortools.constraint_solver import routing_enums_pb2 as enums
    from ortools.util import optional_boolean_pb2 as ob

    seen = capture_params(monkeypatch)
    ortools.solve_ortools(tiny_instance("tsp", 8, False, 1), time_limit=0.5, metaheuristic="tabu_search",
                          gls_lambda=0.2, neighbors_ratio=0.5, operators={"use_relocate": False}, mab=True,
                          search_params={"use_cp_sat": True}, lns_time_limit_ms=20, log_search=True)
    p = seen[-1]
    assert p.local_search_metaheuristic == enums.LocalSearchMetaheuristic.TABU_SEARCH   # lower case
    assert p.guided_local_search_lambda_coefficient == pytest.approx(0.2)
    assert p.ls_operator_neighbors_ratio == pytest.approx(0.5)
    assert p.local_search_operators.use_relocate == ob.BOOL_FALSE
    assert p.use_multi_armed_bandit_concatenate_operators
    assert p.use_cp_sat == ob.BOOL_TRUE
    assert p.lns_time_limit.ToMilliseconds() == 20
    assert p.log_search


def test_huge_arc_just_over_the_cap_is_refused():
    with pytest.raises(Exception, match="too large for the solvers' 64-bit"):
        ortools.integer_costs(Instance("tsp", matrix=[[0, 5e12], [1, 0]], distance_type="EXPLICIT"))


def test_build_time_counts_against_the_limit(monkeypatch):
    inst = tiny_instance("cvrp", 8, False, 4)
    seen = capture_params(monkeypatch)
    real = ortools._start_index_routes

    def slow(*a, **kw):  # model building that takes 0.5 s
        time.sleep(0.5)
        return real(*a, **kw)

    monkeypatch.setattr(ortools, "_start_index_routes", slow)
    assert ortools.solve_ortools(inst, time_limit=0.4).meta.get("no_solution")  # all used up building
    sol = ortools.solve_ortools(inst, time_limit=1.2)
    # the search gets what building left (<= 0.7 s), not the whole 1.2 s
    assert sol.routes and seen[-1].time_limit.ToMilliseconds() <= 700


def test_plain_settings_with_a_tiny_limit_still_answer():
    res = solve(tiny_instance("tsp", 8, False, 1), "ortools", time_limit=0.003, settings="plain")
    assert res.meta["status"]


def test_second_strategy_is_reported_as_the_start(monkeypatch):
    """When LOCAL_CHEAPEST_INSERTION finds nothing and PATH_CHEAPEST_ARC does, meta['start'] names the latter."""
    real = ortools._model

    def lci_fails(inst, mat, k, cfg, first):
        manager, routing, params = real(inst, mat, k, cfg, first)
        if first == "LOCAL_CHEAPEST_INSERTION":  # make that attempt infeasible
            routing.solver().Add(routing.NextVar(manager.NodeToIndex(1)) == manager.NodeToIndex(1))
        return manager, routing, params

    monkeypatch.setattr(ortools, "_model", lci_fails)
    inst = tiny_instance("cvrp", 8, False, 9)
    fixed = dataclasses.replace(inst, num_vehicles=inst.min_vehicles())  # savings needs more: fallback path
    res = solve(fixed, "ortools", time_limit=2)
    assert res.feasible and res.meta["start"] == "PATH_CHEAPEST_ARC"


def test_no_solution_in_a_fixed_fleet_returns_the_savings_routes():
    from graphroute.baselines.constructive import savings

    res = solve(TIGHT, "ortools", time_limit=0.5)
    assert res.meta["status"].startswith("NO_FEASIBLE_SOLUTION")
    assert res.routes == [list(r) for r in savings(TIGHT).routes if r]
