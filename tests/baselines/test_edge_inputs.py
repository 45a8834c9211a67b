"""Baselines on inputs found in review: .atsp diagonals, tight fixed fleets, seeds, huge arcs, short limits."""

from __future__ import annotations

import warnings

import pytest

from graphroute.baselines.ortools import integer_costs
from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError, SolverError
from graphroute.problems import Instance, read_instance
from graphroute.problems.tsplib import parse_tsplib
from graphroute.solvers import MAX_SEED, solve
from tests.problems.test_input_limits import ATSP5  # a TSPLIB .atsp with 9999 on the diagonal

pytest.importorskip("pyvrp")
pytest.importorskip("ortools")


# 3 customers of demand 6, capacity 10, 2 vehicles: the total fits (18 <= 20), no packing does.
TIGHT = Instance("cvrp", coords=[[0, 0], [1, 0], [0, 1], [1, 1]], demands=[0, 6, 6, 6], capacity=10,
                 num_vehicles=2)


@pytest.mark.parametrize("solver", ["pyvrp", "ortools", "savings", "nearest"])
def test_atsp_with_9999_diagonal(solver, optimum):
    inst = parse_tsplib(ATSP5)
    res = solve(inst, solver, time_limit=2)  # 2 s: OR-Tools counts building its model, which a loaded CPU can stretch past 0.5 s
    assert res.feasible
    if solver in ("pyvrp", "ortools"):
        assert res.cost == optimum(inst) == 104


def test_cvrp_matrix_with_nonzero_diagonal(optimum):
    inst = Instance("cvrp", matrix=[[5, 1, 2], [1, 7, 3], [2, 3, 9]], distance_type="EXPLICIT",
                    demands=[0, 1, 1], capacity=1)
    for solver in ("pyvrp", "ortools"):
        assert solve(inst, solver, time_limit=2).cost == 6


def test_integer_costs_zero_the_diagonal_and_refuse_huge_arcs():
    mat, _ = integer_costs(parse_tsplib(ATSP5))
    assert (mat.diagonal() == 0).all()
    huge = Instance("tsp", matrix=[[0, 1e14], [1, 0]], distance_type="EXPLICIT")  # within MAX_DISTANCE, above 2**42
    with pytest.raises(InvalidInstanceError, match="too large for the solvers' 64-bit integer costs"):
        integer_costs(huge)
    with pytest.raises(InvalidInstanceError, match=r"distance matrix\[0\]\[1\] is too large"):
        Instance("tsp", matrix=[[0, 1e30], [1, 0]], distance_type="EXPLICIT")  # refused by the instance itself


@pytest.mark.parametrize("solver", ["pyvrp", "ortools"])
def test_no_feasible_solution_is_an_infeasible_result(solver):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = solve(TIGHT, solver, time_limit=0.3)
    assert not res.feasible and res.violations  # reported like savings, not raised
    assert not [w for w in caught if type(w.message).__name__ == "PenaltyBoundWarning"]


@pytest.mark.parametrize("solver", ["pyvrp", "ortools", "savings"])
@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 99999999999])
def test_one_seed_rule_for_every_solver(examples, solver, seed):
    inst = read_instance(examples / "tsp20.json")
    with pytest.raises(InvalidArgumentError, match=f"seed must be an integer in 0..{MAX_SEED}"):
        solve(inst, solver, time_limit=0.1, seed=seed)


def test_pyvrp_takes_the_largest_seed(examples):
    assert solve(read_instance(examples / "tsp20.json"), "pyvrp", time_limit=0.1, seed=MAX_SEED).feasible


@pytest.mark.parametrize("name", ["cvrp50", "tsp20"])
def test_ortools_time_used_up_by_the_model_is_an_infeasible_result(examples, name):
    # Was a SolverError (exit code 1, "failed" in compare): now no routes, every customer unvisited,
    # an infeasible result with the reason in meta, as for any solver that finds no feasible solution.
    res = solve(read_instance(examples / f"{name}.json"), "ortools", time_limit=1e-4)
    assert not res.feasible and res.routes == [] and "never visited" in res.violations[-1]
    assert "used up building the OR-Tools model" in res.meta["no_solution"]
    assert res.meta["status"].startswith("NO_SOLUTION") and res.gap_to_bks_pct is None


def test_ortools_bad_parameters_still_raise(tiny):
    with pytest.raises(SolverError, match="status INVALID"):
        solve(tiny("tsp", 5, False, 0), "ortools", time_limit=0.5, search_params={"solution_limit": -1})


def test_classic_cvrplib_within_the_fleet(shared_data):
    inst = read_instance(shared_data / "vrp/cvrplib/classic/P/P-n22-k8.vrp")
    for solver in ("pyvrp", "ortools"):
        res = solve(inst, solver, time_limit=1.0)
        assert res.feasible, (solver, res.violations)
        assert res.num_routes <= 8 and res.gap_to_bks_pct >= 0
    res = solve(inst, "savings", time_limit=1.0)  # 9 routes: over the fleet, reported as such
    assert not res.feasible and "only 8 vehicles are available" in res.violations[0]
