"""``solve()`` and its helpers, pinned where a mutation audit (2026-12-04) found them unguarded: what the
solver function receives (defaults, seed), what the result copies from the instance and the checker,
the seed range, the install hint of a missing solver, and the edges of ``below_bks``.

A spy solver is registered in :data:`graphroute.solvers.SOLVERS` for the duration of a test, so that
the arguments ``solve`` hands over and the routes it gets back are under the test's control.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphroute.baselines import constructive
from graphroute.exceptions import InvalidArgumentError, MissingDependencyError, UnknownNameError
from graphroute.problems.instance import Instance, Solution
from graphroute.solvers import (
    BELOW_BKS_RTOL,
    MAX_SEED,
    SOLVERS,
    SolverSpec,
    below_bks,
    check_seed,
    solve,
)

SQUARE = [[0, 0], [3, 0], [3, 4], [0, 4]]  # the tour 0-1-2-3 costs 3 + 4 + 3 + 4 = 14


def _cvrp(**kw) -> Instance:
    return Instance("cvrp", coords=SQUARE, distance_type="EUC_2D", demands=[0, 1, 1, 1], capacity=2, **kw)


@pytest.fixture()
def spy(monkeypatch):
    """``spy(routes, meta=None, name="spy", problems=...) -> calls``: register a solver that returns
    ``routes`` and records the keyword arguments of every call in ``calls``."""

    def register(routes, meta=None, name="spy", problems=("tsp", "atsp", "cvrp", "acvrp")):
        calls: list[dict] = []

        def fn(instance, *, time_limit, seed=0):
            calls.append({"time_limit": time_limit, "seed": seed})
            return Solution([list(r) for r in routes], meta=dict(meta or {}))

        monkeypatch.setattr(constructive, "_audit_spy", fn, raising=False)
        monkeypatch.setitem(SOLVERS, name, SolverSpec(name, "graphroute.baselines.constructive:_audit_spy",
                                                      "test spy", problems=problems))
        return calls

    return register


def test_defaults_are_pyvrp_and_ten_seconds(spy):
    """``solve(inst)`` runs the solver registered as pyvrp with a 10 s limit and seed 0."""
    calls = spy([[1, 2], [3]], name="pyvrp")
    res = solve(_cvrp())
    assert res.solver == "pyvrp" and calls == [{"time_limit": 10.0, "seed": 0}]
    assert res.time_limit_s == 10.0 and res.seed == 0


@pytest.mark.parametrize("seed", [123, np.int64(123), np.uint32(123)])
def test_seed_reaches_the_solver_and_the_result_as_int(spy, seed):
    """The seed is handed to the solver and reported as a plain int (numpy integers included)."""
    calls = spy([[1, 2], [3]])
    res = solve(_cvrp(), "spy", time_limit=2, seed=seed)
    assert calls == [{"time_limit": 2.0, "seed": 123}] and type(calls[0]["seed"]) is int
    assert res.seed == 123 and type(res.seed) is int


def test_largest_numpy_seed_is_accepted(spy):
    calls = spy([[1, 2], [3]])
    assert solve(_cvrp(), "spy", time_limit=1, seed=np.uint64(MAX_SEED)).seed == MAX_SEED
    assert calls[0]["seed"] == MAX_SEED


def test_result_copies_the_instance_and_the_checker(spy):
    """name, kind, bks, bks_source, bks_checked from the instance; cost, routes, num_routes from the checker."""
    spy([[1, 2], [], [3]])  # an empty route is dropped and not counted
    inst = _cvrp(name="sq", bks=14.0, bks_source="unit test", bks_checked=True)
    res = solve(inst, "spy", time_limit=1)
    assert (res.instance, res.problem, res.bks, res.bks_source, res.bks_checked) == ("sq", "cvrp", 14.0, "unit test", True)
    assert res.routes == [[1, 2], [3]] and res.num_routes == 2
    assert res.feasible and res.cost == (3 + 4 + 5) + (4 + 4)  # 0-1-2-0, 0-3-0
    assert res.gap_to_bks_pct == pytest.approx(100 * (20 - 14) / 14) and res.below_bks is False


def test_problem_is_the_kind_of_an_asymmetric_instance(spy):
    spy([[0, 1, 2]])
    inst = Instance("tsp", matrix=[[0, 1, 5], [5, 0, 1], [1, 5, 0]], distance_type="EXPLICIT")
    assert solve(inst, "spy", time_limit=1).problem == "atsp"


def test_infeasible_result_has_violations_no_gap_and_is_never_below_bks(spy):
    """A cheap answer that skips a customer is infeasible: no gap, not flagged below the known best."""
    spy([[1]])
    res = solve(_cvrp(bks=1000.0), "spy", time_limit=1)
    assert not res.feasible and res.cost == 6 < 1000
    assert res.violations == ["node(s) never visited: 2, 3"]
    assert res.gap_to_bks_pct is None and res.below_bks is False


def test_feasible_cost_below_bks_is_flagged(spy):
    spy([[0, 1, 2, 3]])
    res = solve(Instance("tsp", coords=SQUARE, distance_type="EUC_2D", bks=20.0), "spy", time_limit=1)
    assert res.feasible and res.cost == 14 and res.below_bks is True


def test_meta_merges_the_solver_meta_and_the_instance_notes(spy):
    """``meta`` holds the solver's own meta plus the instance's bks_note, note and name_header (only those)."""
    spy([[1, 2], [3]], meta={"objective": 25, "iterations": 3})
    inst = _cvrp(meta={"bks_note": "a", "note": "b", "name_header": "c", "source": "elsewhere", "seed": 1})
    res = solve(inst, "spy", time_limit=1)
    assert res.meta == {"objective": 25, "iterations": 3, "bks_note": "a", "note": "b", "name_header": "c"}


def test_duration_comes_from_the_checker(spy):
    spy([[0, 1, 2]])
    inst = Instance("tsp", matrix=[[0, 1, 1], [1, 0, 1], [1, 1, 0]], distance_type="EXPLICIT",
                    durations=[[0, 2, 3], [2, 0, 4], [3, 4, 0]])
    assert solve(inst, "spy", time_limit=1).duration == 2 + 4 + 3


def test_a_solver_is_refused_a_problem_it_does_not_solve(spy):
    spy([[1, 2], [3]], problems=("tsp",))
    with pytest.raises(UnknownNameError, match="solver 'spy' does not solve cvrp; it solves tsp"):
        solve(_cvrp(), "spy", time_limit=1)


def test_default_problems_are_all_four_kinds():
    assert SolverSpec("x", "m:f", "d").problems == ("tsp", "atsp", "cvrp", "acvrp")
    assert all(set(s.problems) == {"tsp", "atsp", "cvrp", "acvrp"} for s in SOLVERS.values())


def test_only_pyvrp_is_seeded():
    """The documented rule: only pyvrp's answer depends on the seed."""
    assert [name for name, s in SOLVERS.items() if s.seeded] == ["pyvrp"]


def test_missing_solver_module_names_it_and_the_install_hint():
    spec = SolverSpec("ghost", "graphroute_no_such_module_xyz:solve", "missing", needs="ghostpkg")
    with pytest.raises(MissingDependencyError,
                       match=r"^solver 'ghost' needs graphroute_no_such_module_xyz; install it with: pip install ghostpkg$"):
        spec.load()
    bare = SolverSpec("ghost", "graphroute_no_such_module_xyz:solve", "missing")
    with pytest.raises(MissingDependencyError, match=r"^solver 'ghost' needs graphroute_no_such_module_xyz$"):
        bare.load()


def test_unknown_solver_lists_the_available_ones():
    with pytest.raises(UnknownNameError, match="unknown solver 'nope'; available: pyvrp, ortools, savings, nearest, neural"):
        solve(_cvrp(), "nope", time_limit=1)


@pytest.mark.parametrize("seed", [0, 1, MAX_SEED])
def test_check_seed_accepts_the_whole_range(seed):
    assert check_seed(seed) == seed and type(check_seed(seed)) is int


@pytest.mark.parametrize("seed", [True, False, -1, MAX_SEED + 1, 1.0, "1", None])
def test_check_seed_refuses_bools_floats_and_out_of_range(seed):
    with pytest.raises(InvalidArgumentError, match=r"seed must be an integer in 0\.\.4294967295, got"):
        check_seed(seed)


def test_max_seed_is_unsigned_32_bit():
    assert MAX_SEED == 2**32 - 1


def test_below_bks_tolerance_is_relative_above_one_absolute_below():
    """The margin is 1e-9 of the known best, but never less than 1e-9 (known bests below 1)."""
    assert BELOW_BKS_RTOL == 1e-9
    assert below_bks(0.5 - 7e-10, 0.5) is False  # within 1e-9 absolute
    assert below_bks(0.5 - 2e-9, 0.5) is True
    b = 1000.0
    assert below_bks(b - BELOW_BKS_RTOL * b, b) is False  # exactly at the margin: not below
    assert below_bks(b - 2 * BELOW_BKS_RTOL * b, b) is True


def test_below_bks_needs_a_positive_reference_and_finite_numbers():
    """A zero or negative known best is no reference; a non-finite number is never flagged."""
    assert below_bks(-1.0, 0.0) is False and below_bks(0.0, 0.0) is False and below_bks(1.0, -5.0) is False
    assert below_bks(-math.inf, 5.0) is False and below_bks(1.0, math.inf) is False
