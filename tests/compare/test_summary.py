"""Gaps, wins/ties/losses and geometric means on rows small enough to check by hand."""

from __future__ import annotations

import math

import pytest

from graphroute.compare.summary import RESULT_COLUMNS, summarize, to_csv, with_gaps


def row(inst, solver, seed, cost, status="ok", bks=None, t=1.0):
    return {"instance": inst, "solver": solver, "seed": seed, "cost": cost, "feasible": status == "ok",
            "status": status, "runtime_s": t, "bks": bks}


ROWS = [
    row("a", "base", 0, 100.0, bks=90.0), row("a", "x", 0, 110.0, bks=90.0),
    row("b", "base", 0, 200.0), row("b", "x", 0, 200.0),
    row("c", "base", 0, 50.0), row("c", "x", 0, None, status="failed"),
    row("d", "base", 0, None, status="timeout"), row("d", "x", 0, 10.0),
]


def test_gaps_and_record():
    rows = with_gaps(ROWS, "base")
    g = {(r["instance"], r["solver"]): r for r in rows}
    assert g["a", "x"]["gap_vs_baseline_pct"] == pytest.approx(10.0)
    assert g["a", "x"]["gap_vs_bks_pct"] == pytest.approx(100 * 20 / 90)
    assert g["b", "x"]["gap_vs_baseline_pct"] == 0.0
    assert g["c", "x"]["gap_vs_baseline_pct"] is None
    assert g["d", "x"]["gap_vs_baseline_pct"] is None and g["d", "x"]["baseline_cost"] is None
    s = {r["solver"]: r for r in summarize(rows, "base", ["base", "x"])}
    # a: loss, b: tie, c: loss (failed vs feasible), d: win (feasible vs timeout)
    assert (s["x"]["wins"], s["x"]["ties"], s["x"]["losses"]) == (1, 1, 2)
    assert s["x"]["feasible_pct"] == 75.0 and s["x"]["failed"] == 1
    assert s["base"]["timeouts"] == 1 and (s["base"]["wins"], s["base"]["ties"], s["base"]["losses"]) == (0, 4, 0)
    assert s["x"]["mean_gap_vs_baseline_pct"] == pytest.approx(5.0)
    assert s["x"]["geomean_gap_vs_baseline_pct"] == pytest.approx(100 * (math.sqrt(1.1) - 1))


def test_baseline_other_seed_falls_back_to_median():
    rows = with_gaps([row("a", "base", 0, 100.0), row("a", "base", 1, 120.0), row("a", "x", 2, 110.0)], "base")
    assert rows[-1]["baseline_cost"] == 110.0 and rows[-1]["gap_vs_baseline_pct"] == 0.0


def test_csv_columns_contract():
    text = to_csv(with_gaps(ROWS, "base"), RESULT_COLUMNS)
    header = text.splitlines()[0].split(",")
    assert header[:8] == ["instance", "solver", "seed", "cost", "feasible", "runtime_s", "gap_vs_baseline_pct",
                          "gap_vs_bks_pct"]
