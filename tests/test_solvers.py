"""``solve()``'s result fields that compare and ``solve --json`` share: below_bks, bks_checked."""

from __future__ import annotations

import math
import re

import pytest

from graphroute.problems import Instance
from graphroute.solvers import below_bks, solve


@pytest.mark.parametrize(
    "cost,bks,expected",
    [
        (247, 300, True),
        (299, 300, True),  # integral costs: any lower one
        (300, 300, False),
        (301, 300, False),
        (6.1357 - 1e-12, 6.1357, False),  # float noise in a real-valued cost
        (6.13, 6.1357, True),
        (5, None, False),
        (None, 5, False),
        (math.inf, 5, False),
        (math.nan, 5, False),
    ],
)
def test_below_bks(cost, bks, expected):
    assert below_bks(cost, bks) is expected


def _two_nodes(bks=None):
    return Instance("tsp", coords=[[0, 0], [3, 4]], distance_type="EUC_2D", bks=bks)  # the tour costs 10


def test_solve_flags_a_cost_below_the_bks_and_keeps_its_gap():
    res = solve(_two_nodes(bks=12), "nearest", time_limit=1)
    assert res.feasible and res.below_bks is True and res.gap_to_bks_pct == pytest.approx(-100 / 6)
    assert solve(_two_nodes(bks=10), "nearest", time_limit=1).below_bks is False
    assert solve(_two_nodes(), "nearest", time_limit=1).below_bks is False


def test_solve_json_appends_the_new_keys():
    d = solve(_two_nodes(bks=12), "nearest", time_limit=1).to_dict()
    assert list(d)[-3:] == ["over_limit", "below_bks", "bks_checked"]
    assert d["below_bks"] is True and d["bks_checked"] is None


@pytest.mark.parametrize("value", [1e308, 1e7 * 1.5, 2**80])
def test_time_limit_beyond_the_cap_is_refused(value):
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.solvers import MAX_TIME_LIMIT, check_time_limit

    with pytest.raises(InvalidArgumentError, match=re.escape(f"is too long; at most {MAX_TIME_LIMIT:g} s")):
        check_time_limit(value)  # was OverflowError in OR-Tools (FromMilliseconds)
    assert check_time_limit(MAX_TIME_LIMIT) == MAX_TIME_LIMIT


def test_ortools_time_limit_beyond_the_cap_is_refused():
    from graphroute.exceptions import InvalidArgumentError

    inst = Instance("tsp", coords=[[0, 0], [1, 0], [1, 1]])
    with pytest.raises(InvalidArgumentError, match="too long"):
        solve(inst, "ortools", time_limit=1e308)
