"""PyVRP baseline: brute-force optima on tiny instances, fleet, TSPLIB, data conversion."""

from __future__ import annotations

import dataclasses

import pytest

from graphroute.check import check
from graphroute.exceptions import InvalidArgumentError
from graphroute.problems import Instance, read_instance
from graphroute.solvers import solve

pytest.importorskip("pyvrp")

from graphroute.baselines.hgs import problem_data, solve_pyvrp  # noqa: E402


def test_reaches_brute_force_optimum(tiny_case, assert_optimal):
    assert_optimal(tiny_case, "pyvrp", 0.5)


def test_respects_given_fleet(tiny, assert_optimal):
    inst = tiny("cvrp", 8, True, 6)
    assert_optimal(dataclasses.replace(inst, num_vehicles=inst.min_vehicles()), "pyvrp", 0.5)


def test_problem_data_matches_instance(tiny):
    inst = tiny("cvrp", 5, True, 3)
    data, scale = problem_data(inst)
    assert scale == 1 and data.num_clients == 5 and data.num_depots == 1
    assert data.num_vehicles == 5  # one per customer: as many as needed
    assert [c.delivery[0] for c in data.clients()] == list(inst.demands[1:])
    assert (data.distance_matrix(0) == inst.distances).all()


@pytest.mark.parametrize("name", ["burma14", "gr17"])  # GEO and EXPLICIT
def test_tsplib_optimum(shared_data, name):
    inst = read_instance(shared_data / "vrp" / "tsplib" / f"{name}.tsp")
    res = solve(inst, "pyvrp", time_limit=1.0)
    assert res.feasible and res.cost == inst.bks


def test_trivial_instances():
    one = Instance("cvrp", coords=[[0, 0], [1, 1]], distance_type="EUC_2D", demands=[0, 1], capacity=1)
    assert check(one, solve_pyvrp(one, time_limit=0.1)).feasible
    pair = Instance("tsp", coords=[[0, 0], [1, 1]], distance_type="EUC_2D")
    assert check(pair, solve_pyvrp(pair, time_limit=0.1)).feasible


def test_negative_seed_is_rejected(tiny):
    with pytest.raises(InvalidArgumentError, match="seed must be an integer in 0..4294967295"):
        solve_pyvrp(tiny("tsp", 5, False, 0), time_limit=0.1, seed=-1)


def test_time_before_the_search_counts_against_the_limit(examples, monkeypatch):
    """PyVRP builds its start solution before it first asks the stopping criterion: a MaxRuntime
    started its clock only then, so that time was not counted (dsj1000 at 1 s ran ~6 s). The
    criterion now counts from graphroute's own start: 0.6 s spent before the first check use up a
    0.5 s limit, and the search stops at once (MaxRuntime would have run 0.5 s more)."""
    import time

    import pyvrp

    real = pyvrp.solve

    def slow_start(*args, **kwargs):  # stands for PyVRP's own start, built before the first stop call
        time.sleep(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(pyvrp, "solve", slow_start)
    res = solve(read_instance(examples / "cvrp50.json"), "pyvrp", time_limit=0.5)
    assert res.meta["iterations"] == 0 and res.meta["start"] == "pyvrp"
    assert res.runtime_s < 0.6 + 0.4 and res.feasible


def test_deadline_counts_from_the_given_instant():
    import time

    from graphroute.baselines.hgs import Deadline

    assert Deadline(time.perf_counter() - 1e-3)(0) is True
    assert Deadline(time.perf_counter() + 60)(0) is False


def test_large_instances_start_from_nearest_neighbour(monkeypatch):
    import graphroute.baselines.hgs as hgs
    from graphroute.problems import generate

    big = generate("tsp", 600, seed=0)  # PyVRP's own start: ~0.6 s estimated, more than half of 1 s
    assert hgs.estimated_start_s(big) > hgs.START_SHARE * 1.0
    small = generate("cvrp", 500, seed=0)  # X-n502-sized CVRP at 1 s: PyVRP's own start, unchanged search
    assert hgs.estimated_start_s(small) < hgs.START_SHARE * 1.0
    res = solve(generate("tsp", 200, seed=1), "pyvrp", time_limit=0.02)  # 0.022 s estimated > 0.01 s
    assert res.feasible and res.meta["start"] == "nearest_neighbour"


@pytest.mark.parametrize("case", [("tsp", 8, False, 1), ("tsp", 8, True, 2), ("cvrp", 8, False, 4),
                                  ("cvrp", 7, True, 5)])
def test_nearest_neighbour_start_reaches_the_optimum(tiny, assert_optimal, monkeypatch, case):
    import graphroute.baselines.hgs as hgs

    monkeypatch.setattr(hgs, "START_SHARE", 0.0)  # always the warm start: client numbering, TSP depot
    res = assert_optimal(tiny(*case), "pyvrp", 0.5)
    assert res.meta["start"] == "nearest_neighbour"


def test_nearest_neighbour_start_within_a_tight_fleet(tiny, assert_optimal, monkeypatch):
    import graphroute.baselines.hgs as hgs

    monkeypatch.setattr(hgs, "START_SHARE", 0.0)
    inst = tiny("cvrp", 8, False, 4, num_vehicles=3)  # nearest neighbour opens 4 routes
    start = hgs.nearest_neighbour_start(inst, problem_data(inst)[0])
    assert start.num_routes() == 3 and not start.is_feasible()  # the 4th appended to the 3rd
    assert_optimal(inst, "pyvrp", 0.5)


@pytest.mark.slow
def test_dsj1000_keeps_a_one_second_limit(shared_data):
    inst = read_instance(shared_data / "vrp" / "tsplib" / "dsj1000.tsp")
    res = solve(inst, "pyvrp", time_limit=1.0)
    assert res.feasible and not res.over_limit, res.runtime_s  # was ~6 s
    assert res.meta["start"] == "nearest_neighbour"
