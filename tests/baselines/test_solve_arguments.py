"""``solve()``'s argument checks: time limits by type and value, unknown options, the over-limit flag."""

from __future__ import annotations

import numpy as np
import pytest

import graphroute as gr
from graphroute.exceptions import InvalidArgumentError
from graphroute.solvers import OVER_LIMIT_FACTOR, OVER_LIMIT_SLACK_S, check_time_limit, over_limit, solve


@pytest.fixture()
def inst(examples):
    return gr.read_instance(examples / "cvrp50.json")


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_bool_time_limit_is_refused(inst, value):
    # True used to run with a 1 s limit (bool is an int); refused by type, as seed=True is
    with pytest.raises(InvalidArgumentError, match="time_limit must be a number, got bool"):
        solve(inst, "savings", time_limit=value)


@pytest.mark.parametrize("value,name", [("5", "str"), (None, "NoneType"), ([1], "list")])
def test_non_number_time_limit_names_the_type(inst, value, name):
    with pytest.raises(InvalidArgumentError, match=f"time_limit must be a number, got {name}"):
        solve(inst, "savings", time_limit=value)


@pytest.mark.parametrize("value", [np.float32(0.5), np.float64(0.5), np.int64(2), np.int32(1), 3])
def test_numpy_numbers_are_accepted(inst, value):
    res = solve(inst, "savings", time_limit=value)
    assert res.feasible and res.time_limit_s == float(value) and type(res.time_limit_s) is float


@pytest.mark.parametrize("value", [0, -1.0, np.float32(-1), float("nan"), float("inf")])
def test_non_positive_or_infinite_time_limit(inst, value):
    with pytest.raises(InvalidArgumentError, match="time limit must be a positive number of seconds"):
        check_time_limit(value)


@pytest.mark.parametrize("solver,option,takes", [
    ("savings", "checkpoint", "it takes none"),
    ("nearest", "augment", "it takes none"),
    ("pyvrp", "checkpoint", "its options: display"),
])
def test_unknown_option_names_option_and_solver(inst, solver, option, takes):
    # was a raw TypeError from the solver function
    with pytest.raises(InvalidArgumentError, match=f"solver '{solver}' has no option '{option}'; {takes}"):
        solve(inst, solver, time_limit=0.1, **{option: "x"})


def test_known_options_still_pass(inst):
    pytest.importorskip("ortools")
    assert solve(inst, "ortools", time_limit=2, settings="plain").feasible  # **options: its own checks
    with pytest.raises(InvalidArgumentError, match="unknown OR-Tools option"):
        solve(inst, "ortools", time_limit=0.5, checkpoint="x")


@pytest.mark.parametrize("path,name", [(None, "NoneType"), (3, "int"), (b"x.json", "bytes")])
def test_read_instance_path_type(path, name):
    with pytest.raises(InvalidArgumentError, match=f"path must be a str or Path, got {name}"):
        gr.read_instance(path)


def test_over_limit_rule():
    assert OVER_LIMIT_FACTOR == 1.05 and OVER_LIMIT_SLACK_S == 0.5
    assert over_limit(1.55, 1.0) is False and over_limit(1.56, 1.0) is True
    assert over_limit(10.9, 10.0) is False and over_limit(11.1, 10.0) is True
    assert over_limit(None, 1.0) is None and over_limit(1.0, None) is None


def test_solve_result_says_over_limit(inst, monkeypatch):
    import time

    from graphroute.baselines import constructive

    real = constructive.savings

    def slow_savings(instance, *, time_limit, seed=0):  # a construction that ignores a short limit
        time.sleep(0.6)
        return real(instance)

    assert solve(inst, "savings", time_limit=0.05).over_limit is False
    monkeypatch.setattr(constructive, "savings", slow_savings)
    res = solve(inst, "savings", time_limit=0.05)
    assert res.runtime_s >= 0.6 and res.over_limit is True and res.feasible
    d = res.to_dict()
    assert list(d)[16] == "over_limit" and d["over_limit"] is True  # appended after meta in solve --json (keys after it came later)
