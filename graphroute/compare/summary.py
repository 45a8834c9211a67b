"""Per-run gaps and per-solver summaries of a comparison (CSV and markdown).

Definitions (also printed in ``summary.md``):

- ``gap_vs_bks_pct = 100 * (cost - bks) / bks`` for feasible runs on instances with a known best.
- ``gap_vs_baseline_pct = 100 * (cost - ref) / ref`` where ``ref`` is the baseline's feasible cost on
  the same instance with the same seed (else the median of its feasible costs on that instance).
- Geometric-mean gap: ``100 * (exp(mean(log(cost / ref))) - 1)`` over the same runs.
- ``mean_gap_vs_baseline_pct``, ``mean_gap_vs_bks_pct`` and their geometric means are over each
  solver's own feasible runs: ``n_gap_vs_baseline`` and ``n_gap_vs_bks`` runs (instance x seed). A
  solver that failed on the hard instances averages over the easy ones, so these means compare
  solvers only where their n are equal.
- ``*_common_pct``: the same gaps to the BKS over the common runs, the ``n_common`` (instance,
  seed) pairs on which every solver of the grid has a feasible run and a BKS is known: the same
  runs for every solver.
- Wins / ties / losses against the baseline, per (instance, seed): lower feasible cost wins; a
  feasible run beats one that failed or is infeasible; equal within 1e-9 relative is a tie.
- ``mean_time_s`` / ``median_time_s`` are over every run whose time is known (``n_time``): feasible,
  infeasible and failed runs (the solver call), timeouts and crashes (the worker's wall time until
  it was killed or died); runs not attempted (unsupported, unreadable instance) have none.
- ``over_limit`` (``results.csv``): ``runtime_s > 1.05 * time_limit + 0.5 s``
  (``graphroute.solvers.over_limit``); summaries count such runs (``over_limit`` per solver) and
  keep them in every gap, time and W/T/L like any other run: the count tells how much of a solver's
  result came from going past the limit. A run past ``1.5 * time_limit + 30 s`` is killed and
  recorded as a timeout.
- Per instance (``summary.md``): the mean cost and gap to the BKS over that solver's feasible runs
  on the instance; ``[k/S]`` after a cell says only ``k`` of its ``S`` seeds gave one.
- ``below_bks`` (``results.csv``): a feasible cost below the BKS (``graphroute.solvers.below_bks``):
  the reference or the distance convention is likely wrong. Such runs stay in every mean (dropping
  them would hide them); ``n_below_bks`` counts them per solver and ``summary.md`` lists them.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from typing import Any

# A contract (README "Comparing solvers"): new columns go at the end, existing ones keep name and place.
RESULT_COLUMNS = [
    "instance", "solver", "seed", "cost", "feasible", "runtime_s", "gap_vs_baseline_pct", "gap_vs_bks_pct",
    "status", "bks", "baseline_cost", "num_routes", "problem", "n", "error", "over_limit", "below_bks",
]
SUMMARY_COLUMNS = [
    "solver", "runs", "feasible_pct", "mean_gap_vs_baseline_pct", "geomean_gap_vs_baseline_pct",
    "mean_gap_vs_bks_pct", "geomean_gap_vs_bks_pct", "wins", "ties", "losses", "mean_time_s", "median_time_s",
    "failed", "timeouts", "n_gap_vs_baseline", "n_gap_vs_bks", "mean_gap_vs_bks_common_pct",
    "geomean_gap_vs_bks_common_pct", "n_common", "over_limit", "n_time", "n_below_bks",
]


def _ok(r: dict[str, Any]) -> bool:
    return r.get("status") == "ok" and bool(r.get("feasible")) and r.get("cost") is not None


def _gap(cost: float, ref: float | None) -> float | None:
    if ref is None or ref <= 0:
        return None
    return 100.0 * (cost - ref) / ref


def with_gaps(rows: list[dict[str, Any]], baseline: str, time_limit: float | None = None) -> list[dict[str, Any]]:
    """Rows in the ``results.csv`` shape, gaps filled in (see module docstring).

    ``over_limit`` is filled in when ``time_limit`` (the grid's, seconds) is given.
    """
    from graphroute.solvers import below_bks, over_limit

    base_by_seed: dict[tuple[str, int], float] = {}
    base_all: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r["solver"] == baseline and _ok(r):
            base_by_seed[(r["instance"], int(r["seed"]))] = float(r["cost"])
            base_all[r["instance"]].append(float(r["cost"]))
    out = []
    for r in rows:
        ref = base_by_seed.get((r["instance"], int(r["seed"])))
        if ref is None and base_all.get(r["instance"]):
            ref = statistics.median(base_all[r["instance"]])
        ok = _ok(r)
        out.append({
            **{c: r.get(c) for c in RESULT_COLUMNS},
            "feasible": bool(r.get("feasible")) if r.get("feasible") is not None else False,
            "baseline_cost": ref,
            "gap_vs_baseline_pct": _gap(float(r["cost"]), ref) if ok else None,
            "gap_vs_bks_pct": _gap(float(r["cost"]), r.get("bks")) if ok else None,
            "over_limit": over_limit(r.get("runtime_s"), time_limit),
            "below_bks": ok and below_bks(float(r["cost"]), r.get("bks")),
        })
    return out


def common_runs(rows: list[dict[str, Any]], solvers: list[str]) -> set[tuple[str, int]]:
    """The (instance, seed) pairs on which every solver in ``solvers`` has a feasible run and a BKS is known."""
    ok: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in rows:
        if _ok(r) and r.get("bks"):
            ok[(r["instance"], int(r["seed"]))].add(r["solver"])
    return {key for key, got in ok.items() if set(solvers) <= got}


def _geomean_gap(pairs: list[tuple[float, float]]) -> float | None:
    logs = [math.log(c / ref) for c, ref in pairs if ref > 0 and c > 0]
    if not logs:
        return None
    return 100.0 * (math.exp(sum(logs) / len(logs)) - 1.0)


def summarize(rows: list[dict[str, Any]], baseline: str, solvers: list[str]) -> list[dict[str, Any]]:
    """One summary row per solver (order of ``solvers``) from rows returned by :func:`with_gaps`."""
    base_ok = {(r["instance"], int(r["seed"])): r for r in rows if r["solver"] == baseline}
    common = common_runs(rows, solvers)
    out = []
    for s in solvers:
        mine = [r for r in rows if r["solver"] == s]
        ok = [r for r in mine if _ok(r)]
        gb = [(float(r["cost"]), float(r["baseline_cost"])) for r in ok if r["baseline_cost"]]
        gk = [(float(r["cost"]), float(r["bks"])) for r in ok if r.get("bks")]
        gc = [(float(r["cost"]), float(r["bks"])) for r in ok if (r["instance"], int(r["seed"])) in common]
        wins = ties = losses = 0
        for r in mine:
            b = base_ok.get((r["instance"], int(r["seed"])))
            if b is None:
                continue
            a_ok, b_ok = _ok(r), _ok(b)
            if a_ok and b_ok:
                ca, cb = float(r["cost"]), float(b["cost"])
                if abs(ca - cb) <= 1e-9 * max(1.0, abs(cb)):
                    ties += 1
                elif ca < cb:
                    wins += 1
                else:
                    losses += 1
            elif a_ok:
                wins += 1
            elif b_ok:
                losses += 1
            else:
                ties += 1
        times = [float(r["runtime_s"]) for r in mine if r.get("runtime_s") is not None]
        out.append({
            "solver": s,
            "runs": len(mine),
            "feasible_pct": 100.0 * len(ok) / len(mine) if mine else None,
            "mean_gap_vs_baseline_pct": statistics.fmean(_gap(c, b) for c, b in gb) if gb else None,
            "geomean_gap_vs_baseline_pct": _geomean_gap(gb),
            "mean_gap_vs_bks_pct": statistics.fmean(_gap(c, b) for c, b in gk) if gk else None,
            "geomean_gap_vs_bks_pct": _geomean_gap(gk),
            "wins": wins, "ties": ties, "losses": losses,
            "mean_time_s": statistics.fmean(times) if times else None,
            "median_time_s": statistics.median(times) if times else None,
            "failed": sum(1 for r in mine if r["status"] in ("failed", "crashed", "unsupported")),
            "timeouts": sum(1 for r in mine if r["status"] == "timeout"),
            "n_gap_vs_baseline": len(gb),
            "n_gap_vs_bks": len(gk),
            "mean_gap_vs_bks_common_pct": statistics.fmean(_gap(c, b) for c, b in gc) if gc else None,
            "geomean_gap_vs_bks_common_pct": _geomean_gap(gc),
            "n_common": len(common),
            "over_limit": sum(1 for r in mine if r.get("over_limit")),
            "n_time": len(times),
            "n_below_bks": sum(1 for r in ok if r.get("below_bks")),
        })
    return out


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else _fmt_csv(r.get(k))) for k in columns})
    return buf.getvalue()


def _fmt_csv(v: Any) -> Any:
    if isinstance(v, float):
        return int(v) if v.is_integer() and abs(v) < 1e15 else round(v, 6)
    return v


def _md(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _cost(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.3f}"


def _bks_cell(v: Any) -> str:
    """A BKS as a whole number when it is one (CVRPLIB, TSPLIB), else as the costs beside it."""
    return "-" if v is None else f"{float(v):,.0f}" if float(v).is_integer() else _cost(float(v))


def wtl_cell(s: dict[str, Any], baseline: str) -> str:
    """The W/T/L cell of a human table (``summary.md``, the terminal table): ``W/T/L``, and ``-`` on the
    baseline's own row (it would tie with itself, its infeasible runs included). ``summary.csv`` and
    ``--json`` keep the counts (0 / runs / 0 for the baseline)."""
    return "-" if s["solver"] == baseline else f"{s['wins']}/{s['ties']}/{s['losses']}"


def to_markdown(summary: list[dict[str, Any]], rows: list[dict[str, Any]], *, header: str, baseline: str,
                solvers: list[str], time_limit: float | None = None) -> str:
    """``summary.md``: the per-solver table, the gaps over the common runs, what the columns cover,
    then per-instance costs and gaps, then definitions."""
    from graphroute.solvers import OVER_LIMIT_FACTOR, OVER_LIMIT_SLACK_S, SOLVERS

    lines = [header.rstrip(), "", f"## Per solver (baseline: {baseline})", ""]
    cols = ["solver", "runs", "feasible %", "mean gap vs baseline %", "geo-mean gap vs baseline %",
            "n vs baseline", "mean gap vs BKS %", "geo-mean gap vs BKS %", "n vs BKS", "W/T/L vs baseline",
            "mean time s", "median time s", "over limit", "failed", "timeouts", "below BKS"]
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for s in summary:
        lines.append("| " + " | ".join([
            s["solver"], str(s["runs"]), _md(s["feasible_pct"], 1), _md(s["mean_gap_vs_baseline_pct"]),
            _md(s["geomean_gap_vs_baseline_pct"]), str(s["n_gap_vs_baseline"]), _md(s["mean_gap_vs_bks_pct"]),
            _md(s["geomean_gap_vs_bks_pct"]), str(s["n_gap_vs_bks"]), wtl_cell(s, baseline),
            _md(s["mean_time_s"]), _md(s["median_time_s"]), str(s["over_limit"]), str(s["failed"]),
            str(s["timeouts"]), str(s["n_below_bks"]),
        ]) + " |")
    limit = (f"{OVER_LIMIT_FACTOR:g} x {time_limit:g} s + {OVER_LIMIT_SLACK_S:g} s = "
             f"{OVER_LIMIT_FACTOR * time_limit + OVER_LIMIT_SLACK_S:g} s" if time_limit is not None else
             f"{OVER_LIMIT_FACTOR:g} x the time limit + {OVER_LIMIT_SLACK_S:g} s")
    over = ", ".join(f"{s['solver']} {s['over_limit']} of {s['runs']}" for s in summary)
    timed = ", ".join(f"{s['solver']} {s['n_time']} of {s['runs']}" for s in summary)
    lines += [
        "",
        "- Each gap column is over that solver's own feasible runs, as many as its `n` column says (runs = "
        "instance x seed): solvers with different `n` are averaged over different instances; the next table "
        "compares them on the same runs.",
        f"- Time columns cover every run whose time is known ({timed}): feasible, infeasible and failed runs "
        "(the solver call), timeouts and crashes (the worker's wall time until it was killed or died).",
        f"- Over the limit (runtime > {limit}): {over}; such runs stay in the gaps, times and W/T/L.",
    ]
    below = [r for r in rows if r.get("below_bks")]
    if below:
        shown = ", ".join(f"{r['instance']} {r['solver']} seed {r['seed']} ({_cost(float(r['cost']))} < BKS "
                          f"{_cost(float(r['bks']))})" for r in below[:20])
        more = f" ... ({len(below)} in all)" if len(below) > 20 else ""
        lines.append(f"- **Below the BKS** ({len(below)} run(s), marked `!` per instance; the reference or the "
                     f"distance convention is likely wrong; kept in the means): {shown}{more}.")
    common = common_runs(rows, solvers)
    insts = sorted({i for i, _ in common})
    lines += ["", "## Gap to BKS on the common runs", ""]
    if common:
        names = ", ".join(insts[:40]) + (f" ... ({len(insts)} in all)" if len(insts) > 40 else "")
        lines += [f"{len(common)} (instance, seed) run(s) on {len(insts)} instance(s) where every solver's run was "
                  f"feasible and a BKS is known: {names}.", ""]
        cols = ["solver", "mean gap vs BKS %", "geo-mean gap vs BKS %", "n"]
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for s in summary:
            lines.append("| " + " | ".join([s["solver"], _md(s["mean_gap_vs_bks_common_pct"]),
                                             _md(s["geomean_gap_vs_bks_common_pct"]), str(s["n_common"])]) + " |")
    else:
        lines.append("No run where every solver's run was feasible and a BKS is known.")
    unseeded = [s for s in solvers if s in SOLVERS and not SOLVERS[s].seeded]
    seeds = sorted({int(r["seed"]) for r in rows})
    if unseeded:
        note = (f"; with {len(seeds)} seeds each of their instances counts {len(seeds)} times in the means and in "
                "W/T/L" if len(seeds) > 1 else "")
        lines += ["", f"Solvers that ignore the seed (the same routes for every seed, up to what the wall-clock limit "
                      f"changes): {', '.join(unseeded)}{note}."]
    # per instance: mean cost over seeds and gap vs BKS per solver
    by: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    bks: dict[str, Any] = {}
    for r in rows:
        by[r["instance"]][r["solver"]].append(r)
        if r.get("bks"):
            bks[r["instance"]] = r["bks"]
    lines += ["", "## Per instance (cost, gap to BKS %; mean over seeds; `x` = no feasible run; `!` = a run below "
                  "the BKS; `[k/S]` = mean of the k feasible runs of S)", ""]
    cols = ["instance", "n", "BKS"] + solvers
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for inst in sorted(by):
        cells = []
        n = next((r.get("n") for rs in by[inst].values() for r in rs if r.get("n")), None)
        for s in solvers:
            ok = [r for r in by[inst].get(s, []) if _ok(r)]
            if not ok:
                cells.append("x")
                continue
            c = statistics.fmean(float(r["cost"]) for r in ok)
            g = [r["gap_vs_bks_pct"] for r in ok if r["gap_vs_bks_pct"] is not None]
            mark = " !" if any(r.get("below_bks") for r in ok) else ""
            runs = len(by[inst][s])
            part = f" [{len(ok)}/{runs}]" if len(ok) < runs else ""
            cells.append(_cost(c) + (f" ({statistics.fmean(g):.2f}{mark})" if g else "") + part)
        # the BKS as the costs beside it: 3.611, not a rounded 4 beside a cost of 3.667 (walkthrough)
        lines.append("| " + " | ".join([inst, _md(n), _bks_cell(bks.get(inst))] + cells)
                     + " |")
    lines += ["", "## Definitions", "", __doc__.split("Definitions (also printed in ``summary.md``):")[1].strip()]
    return "\n".join(lines) + "\n"
