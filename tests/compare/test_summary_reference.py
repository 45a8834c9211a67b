"""The gap of a compare row is against the baseline's run with the same seed, when there is one (a
mutation that always took the median of the baseline's seeds passed the rest of the suite)."""

from __future__ import annotations

import pytest

from graphroute.compare.summary import with_gaps


def row(solver: str, seed: int, cost: float) -> dict:
    return {"instance": "i", "solver": solver, "seed": seed, "cost": cost, "feasible": True, "status": "ok",
            "runtime_s": 1.0, "bks": None}


def test_each_seed_is_compared_with_the_baselines_same_seed():
    rows = with_gaps([row("base", 0, 100), row("base", 1, 200), row("s", 0, 110), row("s", 1, 220)], "base")
    s = [r for r in rows if r["solver"] == "s"]
    assert [r["baseline_cost"] for r in s] == [100, 200]
    assert [r["gap_vs_baseline_pct"] for r in s] == [pytest.approx(10.0), pytest.approx(10.0)]


def test_without_the_same_seed_the_median_of_the_baselines_seeds_is_the_reference():
    rows = with_gaps([row("base", 0, 100), row("base", 1, 200), row("s", 5, 165)], "base")
    assert rows[-1]["baseline_cost"] == 150 and rows[-1]["gap_vs_baseline_pct"] == pytest.approx(10.0)
