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
