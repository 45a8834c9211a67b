"""The result store's and runner's own checks, which a mutation audit (2026-12-02) found unpinned: a row's
status must be a known one, a grid that drops a key does not fit an old folder, the kill deadline is 1.5 x
the time limit plus the grace, and ``over_limit`` allows 1.05 x the limit + 0.5 s."""

from __future__ import annotations

import time

import pytest

from graphroute.compare.runner import Task, _deadline
from graphroute.compare.store import ResultStore
from graphroute.exceptions import InvalidArgumentError
from graphroute.solvers import over_limit


def test_an_unknown_status_is_not_stored(tmp_path):
    with pytest.raises(ValueError, match="bogus"):
        ResultStore(tmp_path).add({"instance": "x", "solver": "savings", "seed": 0, "status": "bogus"})


def test_a_grid_without_a_key_of_the_folders_grid_is_refused(tmp_path):
    store = ResultStore(tmp_path)
    store.bind_grid({"a": 1, "b": 2})
    with pytest.raises(InvalidArgumentError, match="b"):
        store.bind_grid({"a": 1})


def test_the_kill_deadline_is_one_and_a_half_time_limits_plus_the_grace():
    assert _deadline(Task("i", "p", "savings", 0, 10.0), 0.0) - time.monotonic() == pytest.approx(15.0, abs=0.5)
    assert _deadline(Task("i", "p", "savings", 0, 10.0), 30.0) - time.monotonic() == pytest.approx(45.0, abs=0.5)


def test_over_limit_allows_five_percent_and_half_a_second():
    assert over_limit(1.04, 1.0) is False and over_limit(1.55, 1.0) is False
    assert over_limit(1.56, 1.0) is True
