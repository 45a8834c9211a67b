"""Gaps, W/T/L and the report shapes on edge cases the hand-checked rows of test_summary.py leave open:
infeasible runs that carry a cost, the tie tolerance at both ends, seed pairing, medians against means,
the failure counts, a zero reference, and what results.csv / summary.md print for them."""

from __future__ import annotations

import csv
import io
import math

import pytest

from graphroute.compare.summary import (
    RESULT_COLUMNS,
    SUMMARY_COLUMNS,
    summarize,
    to_csv,
    to_markdown,
    with_gaps,
    wtl_cell,
)


def row(inst, solver, seed, cost, status="ok", bks=None, t=1.0, feasible=None):
    r = {"instance": inst, "solver": solver, "seed": seed, "cost": cost, "status": status, "runtime_s": t, "bks": bks}
    r["feasible"] = (status == "ok") if feasible is None else feasible
    return r


def by_solver(rows, baseline, solvers):
    return {s["solver"]: s for s in summarize(with_gaps(rows, baseline), baseline, solvers)}


def wtl(s):
    return s["wins"], s["ties"], s["losses"]


# --- gaps --------------------------------------------------------------------------------------------------


def test_fallback_reference_is_the_median_not_the_mean():
    # the baseline has seeds 0, 1, 2; the other solver ran seed 7 only: median 110, mean 170
    rows = with_gaps([row("a", "base", 0, 100.0), row("a", "base", 1, 110.0), row("a", "base", 2, 300.0),
                      row("a", "x", 7, 121.0)], "base")
    assert rows[-1]["baseline_cost"] == 110.0
    assert rows[-1]["gap_vs_baseline_pct"] == pytest.approx(10.0)


def test_an_infeasible_run_with_a_cost_gets_no_gap_and_no_below_bks_flag():
    """The runner stores the cost of an infeasible solution (status "infeasible"): it must not get a gap in
    results.csv, nor be flagged below the BKS, nor enter the gap means."""
    rows = with_gaps([row("a", "base", 0, 100.0, bks=90.0),
                      row("a", "x", 0, 50.0, status="infeasible", bks=90.0, feasible=False)], "base")
    x = rows[1]
    assert x["baseline_cost"] == 100.0  # the reference is known ...
    assert x["gap_vs_baseline_pct"] is None and x["gap_vs_bks_pct"] is None  # ... but the run is not counted
    assert x["below_bks"] is False and x["feasible"] is False
    s = {r["solver"]: r for r in summarize(rows, "base", ["base", "x"])}
    assert s["x"]["n_gap_vs_bks"] == 0 and s["x"]["mean_gap_vs_bks_pct"] is None
    assert s["x"]["n_gap_vs_baseline"] == 0 and s["x"]["n_below_bks"] == 0
    assert wtl(s["x"]) == (0, 0, 1)  # an infeasible run loses to a feasible one, whatever its cost


def test_infeasible_baseline_cost_is_not_a_reference():
    rows = with_gaps([row("a", "base", 0, 10.0, status="infeasible", feasible=False, bks=90.0),
                      row("a", "x", 0, 100.0, bks=90.0)], "base")
    assert rows[0]["gap_vs_baseline_pct"] is None and rows[0]["gap_vs_bks_pct"] is None
    assert rows[1]["baseline_cost"] is None and rows[1]["gap_vs_baseline_pct"] is None


def test_failed_row_without_feasible_key_reads_false():
    rows = with_gaps([{"instance": "a", "solver": "base", "seed": 0, "status": "crashed", "error": "boom"}], "base")
    assert rows[0]["feasible"] is False and rows[0]["cost"] is None
    line = to_csv(rows, RESULT_COLUMNS).splitlines()[1]
    assert line.startswith("a,base,0,,False,,,,crashed,")  # None is an empty cell, feasible a plain False


def test_zero_reference_gives_no_gap_instead_of_dividing_by_zero():
    # all points of a TSP on one spot: the baseline's feasible cost is 0
    rows = with_gaps([row("a", "base", 0, 0.0, bks=0.0), row("a", "x", 0, 0.0, bks=0.0)], "base")
    assert all(r["gap_vs_baseline_pct"] is None and r["gap_vs_bks_pct"] is None for r in rows)
    s = {r["solver"]: r for r in summarize(rows, "base", ["base", "x"])}
    assert s["x"]["mean_gap_vs_baseline_pct"] is None and wtl(s["x"]) == (0, 1, 0)


def test_geomean_skips_a_zero_cost_instead_of_failing():
    # a feasible cost of 0 against a positive reference: log(0) is undefined; the run stays in the mean
    rows = with_gaps([row("a", "base", 0, 100.0), row("a", "x", 0, 0.0),
                      row("b", "base", 0, 100.0), row("b", "x", 0, 121.0)], "base")
    s = {r["solver"]: r for r in summarize(rows, "base", ["base", "x"])}
    assert s["x"]["mean_gap_vs_baseline_pct"] == pytest.approx((-100.0 + 21.0) / 2)
    assert s["x"]["geomean_gap_vs_baseline_pct"] == pytest.approx(21.0)


def test_mean_gap_is_a_mean_not_a_median():
    rows = [row(i, "base", 0, 100.0, bks=100.0) for i in "abc"]
    rows += [row("a", "x", 0, 101.0, bks=100.0), row("b", "x", 0, 102.0, bks=100.0), row("c", "x", 0, 112.0, bks=100.0)]
    s = by_solver(rows, "base", ["base", "x"])["x"]
    assert s["mean_gap_vs_baseline_pct"] == pytest.approx(5.0)  # median would be 2.0
    assert s["mean_gap_vs_bks_pct"] == pytest.approx(5.0)
    geo = 100 * (math.exp((math.log(1.01) + math.log(1.02) + math.log(1.12)) / 3) - 1)
    assert s["geomean_gap_vs_baseline_pct"] == pytest.approx(geo)


# --- wins / ties / losses ----------------------------------------------------------------------------------


def test_wtl_pairs_each_run_with_the_baselines_same_seed():
    # seed 0: 150 vs 100 loses; seed 1: 150 vs 200 wins (against any single baseline run it would be 2-0)
    rows = [row("a", "base", 0, 100.0), row("a", "base", 1, 200.0), row("a", "x", 0, 150.0), row("a", "x", 1, 150.0)]
    assert wtl(by_solver(rows, "base", ["base", "x"])["x"]) == (1, 0, 1)
    rows = [row("a", "base", 1, 200.0), row("a", "base", 0, 100.0), row("a", "x", 1, 150.0), row("a", "x", 0, 150.0)]
    assert wtl(by_solver(rows, "base", ["base", "x"])["x"]) == (1, 0, 1)


def test_wtl_run_without_a_baseline_run_of_its_seed_is_not_counted():
    rows = [row("a", "base", 0, 100.0), row("a", "x", 0, 90.0), row("a", "x", 1, 80.0)]
    assert wtl(by_solver(rows, "base", ["base", "x"])["x"]) == (1, 0, 0)


@pytest.mark.parametrize("base,other,expected", [
    (1e7, 1e7 * (1 + 5e-10), (0, 1, 0)),  # within 1e-9 relative of a large cost: a tie
    (1e7, 1e7 * (1 + 1e-7), (0, 0, 1)),  # 1e-7 relative: a real loss
    (1e7, 1e7 * (1 - 1e-7), (1, 0, 0)),
    (0.3, 0.1 + 0.2, (0, 1, 0)),  # float noise below 1: a tie (absolute 1e-9 there)
    (0.5, 0.5 + 5e-9, (0, 0, 1)),
])
def test_tie_tolerance_is_relative(base, other, expected):
    rows = [row("a", "base", 0, base), row("a", "x", 0, other)]
    assert wtl(by_solver(rows, "base", ["base", "x"])["x"]) == expected


def test_summarize_uses_the_named_baseline_not_the_first_solver():
    rows = [row("a", "base", 0, 100.0), row("a", "x", 0, 90.0), row("a", "y", 0, 120.0)]
    s = by_solver(rows, "base", ["x", "y", "base"])
    assert [r["solver"] for r in summarize(with_gaps(rows, "base"), "base", ["x", "y", "base"])] == ["x", "y", "base"]
    assert wtl(s["x"]) == (1, 0, 0) and wtl(s["y"]) == (0, 0, 1) and wtl(s["base"]) == (0, 1, 0)


def test_wtl_cell_reads_wins_ties_losses():
    assert wtl_cell({"solver": "x", "wins": 3, "ties": 2, "losses": 1}, "base") == "3/2/1"
    assert wtl_cell({"solver": "base", "wins": 0, "ties": 6, "losses": 0}, "base") == "-"


# --- counts and times --------------------------------------------------------------------------------------


def test_failed_counts_crashed_and_unsupported_not_infeasible_or_timeouts():
    rows = [row("a", "x", 0, None, status="failed"), row("b", "x", 0, None, status="crashed"),
            row("c", "x", 0, None, status="unsupported"), row("d", "x", 0, 5.0, status="infeasible", feasible=False),
            row("e", "x", 0, None, status="timeout"), row("f", "x", 0, 5.0)]
    s = by_solver(rows, "x", ["x"])["x"]
    assert (s["failed"], s["timeouts"], s["runs"]) == (3, 1, 6)
    assert s["feasible_pct"] == pytest.approx(100 / 6)


def test_median_time_of_an_even_count_is_the_midpoint():
    rows = [row(i, "x", 0, 5.0, t=t) for i, t in zip("abcd", (1.0, 2.0, 3.0, 10.0))]
    s = by_solver(rows, "x", ["x"])["x"]
    assert s["median_time_s"] == 2.5 and s["mean_time_s"] == 4.0 and s["n_time"] == 4


# --- CSV and markdown shapes ---------------------------------------------------------------------------------


def test_summary_csv_row_shape():
    rows = [row("a", "base", 0, 100.0, bks=90.0), row("a", "x", 0, None, status="failed", bks=90.0)]
    text = to_csv(summarize(with_gaps(rows, "base"), "base", ["base", "x"]), SUMMARY_COLUMNS)
    got = list(csv.DictReader(io.StringIO(text)))
    assert list(got[0]) == SUMMARY_COLUMNS
    assert got[1]["mean_gap_vs_baseline_pct"] == "" and got[1]["failed"] == "1"  # None: empty, not "None"
    assert got[0]["mean_gap_vs_bks_pct"] == "11.111111"  # 6 decimals


def test_markdown_per_instance_cost_is_the_mean_over_seeds():
    rows = with_gaps([row("a", "base", s, c, bks=100.0) for s, c in ((0, 100.0), (1, 110.0), (2, 150.0))], "base")
    md = to_markdown(summarize(rows, "base", ["base"]), rows, header="# t", baseline="base", solvers=["base"])
    assert "| a | - | 100 | 120 (20.00) |" in md  # mean 120; the median would print 110


def test_markdown_below_bks_mark_when_any_seed_is_below():
    rows = with_gaps([row("a", "base", 0, 80.0, bks=100.0), row("a", "base", 1, 120.0, bks=100.0)], "base")
    md = to_markdown(summarize(rows, "base", ["base"]), rows, header="# t", baseline="base", solvers=["base"])
    assert "| a | - | 100 | 100 (0.00 !) |" in md


def test_markdown_bks_column_when_the_baseline_timed_out():
    # a timed-out run carries no bks (the worker was killed); the other solver's row still has it
    rows = with_gaps([{"instance": "a", "solver": "base", "seed": 0, "status": "timeout", "runtime_s": 9.0},
                      row("a", "x", 0, 105.0, bks=100.0)], "base")
    md = to_markdown(summarize(rows, "base", ["base", "x"]), rows, header="# t", baseline="base",
                     solvers=["base", "x"])
    assert "| a | - | 100 | x | 105 (5.00) |" in md


def test_markdown_common_runs_name_every_instance():
    rows = with_gaps([row(i, s, 0, 100.0, bks=100.0) for i in ("a", "b") for s in ("base", "x")], "base")
    md = to_markdown(summarize(rows, "base", ["base", "x"]), rows, header="# t", baseline="base",
                     solvers=["base", "x"])
    assert ("2 (instance, seed) run(s) on 2 instance(s) where every solver's run was feasible and a BKS is "
            "known: a, b.") in md


def test_markdown_counts_every_run_below_bks_though_it_lists_twenty():
    rows = with_gaps([row(f"i{k:02d}", "base", 0, 50.0, bks=100.0) for k in range(25)], "base")
    md = to_markdown(summarize(rows, "base", ["base"]), rows, header="# t", baseline="base", solvers=["base"])
    line = next(x for x in md.splitlines() if x.startswith("- **Below the BKS**"))
    assert line.startswith("- **Below the BKS** (25 run(s)") and line.endswith("... (25 in all).")
    assert line.count(" seed 0 (") == 20


def test_seed_note_only_with_several_seeds():
    rows = with_gaps([row("a", s, 0, 100.0) for s in ("savings", "nearest")], "savings")
    md = to_markdown(summarize(rows, "savings", ["savings", "nearest"]), rows, header="# t", baseline="savings",
                     solvers=["savings", "nearest"])
    line = next(x for x in md.splitlines() if x.startswith("Solvers that ignore the seed"))
    assert line.endswith("savings, nearest.") and "counts" not in line


def test_markdown_bks_is_written_as_the_costs_beside_it():
    """A BKS of 3.6107 was printed '4' beside a cost of 3.667 with a positive gap (walkthrough)."""
    rows = with_gaps([row("a", "base", 0, 3.666655, bks=3.610729), row("b", "base", 0, 28_429.0, bks=27_591.0)], "base")
    md = to_markdown(summarize(rows, "base", ["base"]), rows, header="# t", baseline="base", solvers=["base"])
    assert "| a | - | 3.611 | 3.667 (1.55) |" in md and "| b | - | 27,591 | 28,429 (3.04) |" in md
