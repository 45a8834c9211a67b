"""Benchmark the classical baselines (OR-Tools, PyVRP) on CVRPLIB X and a TSPLIB spot check.

Every solution goes through :func:`graphroute.solvers.solve`, which runs the one checker; the
cost and gap reported are the checker's. Results are rewritten (atomically) after every run, so
an interrupted benchmark leaves a valid partial table.

Usage (from the repository root)::

    nohup python experiments/bench/baselines.py --time-limit 10 --max-n 300 \\
        --solvers pyvrp,ortools,ortools-plain --out experiments/results/baselines_x.md &

Solver names: ``pyvrp``, ``ortools`` (the tuned default), and the OR-Tools variants in
:data:`VARIANTS` (``ortools-plain`` is PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH); listing more
than one OR-Tools variant adds an ablation table (same instances, same run).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import io
import os
import platform
import shlex
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graphroute.problems import read_instance
from graphroute.problems.io import atomic_write_text
from graphroute.solvers import solve

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data" / "vrp"

#: bench name -> (registered solver, options, what it is)
_CW = {"first_solution": "savings_routes"}
_LIGHT = {k: False for k in (
    "use_lin_kernighan", "use_relocate_pair", "use_exchange_pair", "use_light_relocate_pair", "use_relocate_subtrip",
    "use_exchange_subtrip", "use_global_cheapest_insertion_path_lns", "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed", "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns")}

#: bench name -> (registered solver, options, what it is). The ortools-cw-* entries are the tuning
#: variants tried on top of the Clarke-Wright start (graphroute/baselines/ortools.py lists their results).
VARIANTS: dict[str, tuple[str, dict, str]] = {
    "pyvrp": ("pyvrp", {}, "PyVRP defaults (iterated local search)"),
    "ortools": ("ortools", {}, "tuned default: Clarke-Wright routes as start + GLS"),
    "ortools-plain": ("ortools", {"settings": "plain"}, "PATH_CHEAPEST_ARC + GLS"),
    "ortools-savings": ("ortools", {"settings": "plain", "first_solution": "SAVINGS"}, "OR-Tools' SAVINGS + GLS"),
    "ortools-cw-l02": ("ortools", {**_CW, "gls_lambda": 0.2}, "CW start, GLS lambda 0.2"),
    "ortools-cw-l05": ("ortools", {**_CW, "gls_lambda": 0.5}, "CW start, GLS lambda 0.5"),
    "ortools-cw-mab": ("ortools", {**_CW, "mab": True}, "CW start, bandit operator choice"),
    "ortools-cw-tabu": ("ortools", {**_CW, "metaheuristic": "TABU_SEARCH"}, "CW start, tabu search"),
    "ortools-cw-slack": ("ortools", {**_CW, "fleet_slack": 0.1}, "CW start, 10% spare vehicles"),
    "ortools-cw-extra": ("ortools", {**_CW, "operators": {"use_relocate_neighbors": True, "use_cross_exchange": True}},
                         "CW start, + relocate_neighbors, cross_exchange"),
    "ortools-cw-light": ("ortools", {**_CW, "operators": _LIGHT}, "CW start, without LK/pair/subtrip/LNS operators"),
    "ortools-cw-reset": ("ortools", {**_CW, "search_params": {
        "guided_local_search_reset_penalties_on_new_best_solution": True}}, "CW start, GLS penalties reset on best"),
    "ortools-cw-lns20": ("ortools", {**_CW, "lns_time_limit_ms": 20}, "CW start, LNS moves limited to 20 ms"),
}

#: TSPLIB spot check: a few instances of every edge-weight type in ../shared/data/vrp/tsplib.
TSPLIB_SPOT = {
    "GEO": ["ulysses16", "gr96", "gr229"],
    "ATT": ["att48", "att532"],
    "CEIL_2D": ["dsj1000"],
    "EXPLICIT": ["fri26", "brazil58", "si175", "brg180"],
    "EUC_2D": ["eil76", "kroA100", "pr226", "a280"],
}

FIELDS = ["set", "instance", "n", "type", "bks", "solver", "cost", "gap_pct", "runtime_s", "feasible", "routes"]


@dataclass
class Row:
    set: str
    instance: str
    n: int
    type: str
    bks: float | None
    solver: str
    cost: float
    gap_pct: float | None
    runtime_s: float
    feasible: bool
    routes: int


def x_files(max_n: int) -> list[Path]:
    files = sorted((DATA / "cvrplib" / "X").glob("X-n*.vrp"), key=lambda p: int(p.stem.split("-")[1][1:]))
    return [f for f in files if int(f.stem.split("-")[1][1:]) <= max_n]


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores, no GPU, Python {platform.python_version()}"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("ortools", "pyvrp"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg} not installed")
    return ", ".join(out)


def fmt(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def mean(vals: list[float | None]) -> float | None:
    vals = [v for v in vals if v is not None]
    return statistics.mean(vals) if vals else None


def table(rows: list[Row], set_name: str, solvers: list[str]) -> str:
    mine = [r for r in rows if r.set == set_name]
    names = list(dict.fromkeys(r.instance for r in mine))
    by = {(r.instance, r.solver): r for r in mine}
    head = ["instance", "n", "type", "BKS"]
    for s in solvers:
        head += [f"{s} cost", f"{s} gap %", f"{s} s"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        first = next(r for r in mine if r.instance == name)
        cells = [name, str(first.n), first.type, fmt(first.bks, 0)]
        for s in solvers:
            r = by.get((name, s))
            if r is None:
                cells += ["", "", ""]
            elif not r.feasible:
                cells += ["infeasible", "—", fmt(r.runtime_s, 1)]
            else:
                cells += [fmt(r.cost, 0), fmt(r.gap_pct), fmt(r.runtime_s, 1)]
        out.append("| " + " | ".join(cells) + " |")
    cells = ["**mean**", "", "", ""]
    for s in solvers:
        done = [r for r in mine if r.solver == s]
        cells += ["", f"**{fmt(mean([r.gap_pct for r in done]))}**", fmt(mean([r.runtime_s for r in done]), 1)]
    out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def summary(rows: list[Row], set_name: str, solvers: list[str]) -> str:
    out = ["| solver | settings | instances | mean gap % | median gap % | max gap % | at BKS |", "|---|---|---:|---:|---:|---:|---:|"]
    for s in solvers:
        gaps = [r.gap_pct for r in rows if r.set == set_name and r.solver == s and r.gap_pct is not None]
        if not gaps:
            continue
        at = sum(1 for g in gaps if g <= 1e-9)
        out.append(f"| {s} | {VARIANTS[s][2]} | {len(gaps)} | {statistics.mean(gaps):.2f} | "
                   f"{statistics.median(gaps):.2f} | {max(gaps):.2f} | {at} |")
    return "\n".join(out)


def render(rows: list[Row], solvers: list[str], header: dict[str, str], done: bool) -> str:
    ortools = [s for s in solvers if VARIANTS[s][0] == "ortools"]
    title = f"# Classical baselines on CVRPLIB X (n <= {header['max_n']})"
    if any(r.set == "TSPLIB" for r in rows):
        title += " and a TSPLIB spot check"
    parts = [
        title,
        "",
        f"Command: `{header['command']}`",
        "",
        f"- Code: graphroute commit {header['commit']}; {header['versions']}",
        f"- Date: {header['date']} (UTC){'' if done else ' — PARTIAL: the run was still going when this was written'}",
        f"- Machine: {header['machine']}",
        f"- Load: {header['load']}. Every solver is single-threaded, but a wall-clock budget buys fewer "
        "iterations when another process holds the core (a load above the number of cores means it did).",
        f"- Time limit {header['time_limit']} s per instance and solver (wall clock of the whole call, model building "
        f"included); seed {header['seed']}. Costs and gaps are the checker's (`graphroute.check`), gap = "
        "100 (cost - BKS) / BKS with the BKS from the `.sol` beside each X instance and TSPLIB's listed optima.",
        "",
        "## Summary (CVRPLIB X)",
        "",
        summary(rows, "X", solvers),
        "",
    ]
    if len(ortools) > 1:
        parts += ["OR-Tools variants above are the ablation: same instances, same run, same time limit.", ""]
    parts += ["## CVRPLIB X, per instance", "", table(rows, "X", solvers), ""]
    if any(r.set == "TSPLIB" for r in rows):
        parts += ["## TSPLIB spot check", "", "Same settings, same time limit; BKS = the listed optimum.", "",
                  summary(rows, "TSPLIB", solvers), "", table(rows, "TSPLIB", solvers), ""]
    return "\n".join(parts)


def write_csv(path: Path, rows: list[Row]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(FIELDS)
    for r in rows:
        w.writerow([getattr(r, f) for f in FIELDS])
    atomic_write_text(path, buf.getvalue())


def main(
    time_limit: float = typer.Option(10.0, help="Seconds per instance and solver."),
    max_n: int = typer.Option(300, help="Largest X instance (nodes, depot included)."),
    solvers: str = typer.Option("pyvrp,ortools,ortools-plain", help=f"Comma list of: {', '.join(VARIANTS)}."),
    out: Path = typer.Option(REPO / "experiments" / "results" / "baselines_x.md", help="Markdown output; CSV beside."),
    seed: int = typer.Option(0, help="Seed handed to every solver."),
    tsplib: bool = typer.Option(True, help="Also run the TSPLIB spot check."),
    x: bool = typer.Option(True, help="Run the CVRPLIB X instances."),
) -> None:
    if not (math.isfinite(time_limit) and time_limit > 0):  # refused at the first solve before: a traceback
        raise typer.BadParameter(f"--time-limit must be a number of seconds > 0, got {time_limit}")
    names = [s.strip() for s in solvers.split(",") if s.strip()]
    bad = [s for s in names if s not in VARIANTS]
    if bad:
        raise typer.BadParameter(f"unknown solver(s) {', '.join(bad)}; available: {', '.join(VARIANTS)}")
    jobs: list[tuple[str, Path, str]] = []
    if x:
        if not (DATA / "cvrplib" / "X").is_dir():
            raise typer.BadParameter(f"no CVRPLIB X data at {DATA / 'cvrplib' / 'X'}")
        jobs += [("X", f, "EUC_2D") for f in x_files(max_n)]
    if tsplib:
        jobs += [("TSPLIB", DATA / "tsplib" / f"{name}.tsp", kind) for kind, ns in TSPLIB_SPOT.items() for name in ns]
    if not jobs:
        raise typer.BadParameter(f"no instance to run (--max-n {max_n} keeps no X instance"
                                 f"{'' if tsplib else ' and --no-tsplib drops the TSPLIB spot check'})")
    load0 = os.getloadavg()
    header = {
        "command": "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], REPO), *sys.argv[1:]]),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "load": f"1-min load average {load0[0]:.2f} at the start",
        "time_limit": f"{time_limit:g}",
        "seed": str(seed),
        "max_n": str(max_n),
        "commit": git_commit(),
        "versions": versions(),
    }
    rows: list[Row] = []
    loads = [load0[0]]
    console = Console(stderr=True)
    cols = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*cols, console=console) as progress:
        task = progress.add_task("baselines", total=len(jobs) * len(names))
        for set_name, path, kind in jobs:
            inst = read_instance(path)
            for s in names:
                progress.update(task, description=f"{inst.name} {s}")
                solver, options, _ = VARIANTS[s]
                res = solve(inst, solver, time_limit=time_limit, seed=seed, **options)
                rows.append(Row(set_name, inst.name, inst.n, kind, inst.bks, s, res.cost, res.gap_to_bks_pct,
                                res.runtime_s, res.feasible, res.num_routes))
                loads.append(os.getloadavg()[0])
                header["load"] = (f"1-min load average {load0[0]:.2f} at the start, mean {statistics.mean(loads):.2f} "
                                  f"and max {max(loads):.2f} sampled after each run")
                atomic_write_text(out, render(rows, names, header, done=False))
                write_csv(out.with_suffix(".csv"), rows)
                progress.advance(task)
    atomic_write_text(out, render(rows, names, header, done=True))
    write_csv(out.with_suffix(".csv"), rows)
    for s in names:
        console.print(f"{s}: mean gap {fmt(mean([r.gap_pct for r in rows if r.solver == s and r.set == 'X']))} % on X")


if __name__ == "__main__":
    typer.run(main)
