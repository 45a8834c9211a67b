"""``graphroute compare``: solvers side by side on the same instances, at the same time limit."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from graphroute_cli.common import check_output_folder, cli_errors, console, print_json, print_warnings


def _parse_generate(spec: str) -> dict:
    from graphroute.exceptions import InvalidArgumentError

    parts = spec.split(":")
    if not 2 <= len(parts) <= 5:
        raise InvalidArgumentError(f"--generate takes PROBLEM:SIZE[:DISTRIBUTION[:COUNT[:SEED]]], got {spec!r}")
    try:
        out = {"problem": parts[0], "size": int(parts[1])}
        if len(parts) > 2:
            out["distribution"] = parts[2]
        if len(parts) > 3:
            out["count"] = int(parts[3])
        if len(parts) > 4:
            out["seed"] = int(parts[4])
    except ValueError:
        raise InvalidArgumentError(f"--generate: SIZE, COUNT and SEED must be integers in {spec!r}") from None
    return out


def _csv_list(value: str, what: str, cast=str) -> list:  # noqa: ANN001
    from graphroute.exceptions import InvalidArgumentError

    try:
        items = [cast(v.strip()) for v in value.split(",") if v.strip()]
    except ValueError:
        raise InvalidArgumentError(f"{what} must be a comma-separated list, got {value!r}") from None
    if not items:
        raise InvalidArgumentError(f"{what} is empty")
    twice = next((v for i, v in enumerate(items) if v in items[:i]), None)
    if twice is not None:  # it was dropped silently: one run, not the two the list asks for
        raise InvalidArgumentError(f"{what} lists {twice} twice")
    return items


def _suite_names() -> str:
    """The suites in experiments/suites, for --help (a folder listing: no suite is read)."""
    from graphroute.compare.suite import available_suites

    return ", ".join(available_suites()) or "experiments/suites"


@cli_errors
def compare_command(
    files: Optional[List[str]] = typer.Argument(None, help="Instance files, folders or globs (default: the demo suite)."),
    suite: Optional[str] = typer.Option(None, "--suite", help=f"Suite name ({_suite_names()}) or a YAML path."),
    baseline: Optional[str] = typer.Option(None, "--baseline", "-b", help="Baseline solver (default ortools)."),
    solvers: Optional[str] = typer.Option(None, "--solvers", help="Comma-separated solvers besides the baseline."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", "-t", help="Seconds per run (> 0)."),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="Comma-separated seeds, e.g. 0,1,2."),
    generate: Optional[List[str]] = typer.Option(None, "--generate", help="Generated set PROBLEM:SIZE[:DIST[:COUNT[:SEED]]]."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Worker processes, at least 1 (default: the suite's, else CPU cores)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder (default runs/compare/NAME)."),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address HOST:PORT (with --executor ray)."),
    fresh: bool = typer.Option(False, "--fresh", help="Start over: remove what an earlier comparison wrote in --out "
                               "(results, summaries, solutions, plots, generated instances; no other file)."),
    plot_routes: Optional[int] = typer.Option(None, "--plot-routes", help="Draw the routes of the first N instances (N >= 0; 0 draws none)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (summary and paths) instead of tables."),
    task: str = typer.Option("vrp", "--task", help="vrp (solvers on instances) or paths (routers on one GRAPH)."),
    router: Optional[Path] = typer.Option(None, "--router", "--checkpoint", help="--task paths: router checkpoint (default: the shipped data/checkpoints/router_road.pt); --checkpoint is the same option."),
    queries: Optional[int] = typer.Option(None, "--queries", "-q", help="--task paths: number of seeded random pairs (default 200)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="--task paths: seed of the pairs (default 0; --task vrp takes --seeds)."),
    steps: Optional[str] = typer.Option(None, "--steps", help="--task paths: message-passing steps of the router's pass: auto (until the exact wave has reached every source, x1.5) or a number."),
    k: Optional[int] = typer.Option(None, "--k", "-k", help="--task paths: K for router K / Yen K (default 3)."),
    k_queries: Optional[int] = typer.Option(None, "--k-queries", help="--task paths: pairs that also get K alternatives (default 10)."),
    weight: Optional[str] = typer.Option(None, "--weight", help="--task paths: edge weight (length/time; default the graph's)."),
    methods: Optional[str] = typer.Option(None, "--methods", help="--task paths: comma-separated methods (default: all but Bellman-Ford greedy)."),
    contract: Optional[bool] = typer.Option(None, "--contract/--no-contract", help="--task paths: contract degree-2 chains first (pairs of junctions). Default: when at least a quarter of the nodes are chain nodes (OSM road graphs)."),
) -> None:
    import os

    from graphroute.exceptions import InvalidArgumentError

    if task not in ("vrp", "paths"):
        raise InvalidArgumentError(f"unknown task {task!r}; available: vrp, paths")
    from graphroute.compare.core import EXECUTORS

    if executor not in EXECUTORS:  # before anything is read or drawn
        from graphroute.exceptions import UnknownNameError

        raise UnknownNameError(f"unknown executor {executor!r}; available: {', '.join(EXECUTORS)}")
    if address is not None and executor != "ray":  # it used to be ignored without a word
        raise InvalidArgumentError("--address is the Ray cluster's address: it needs --executor ray")
    if task == "paths":
        if not files or len(files) != 1:
            raise InvalidArgumentError("--task paths takes exactly one GRAPH file")
        vrp_only = {"--suite": suite, "--solvers": solvers, "--time-limit": time_limit, "--seeds": seeds,
                    "--generate": generate, "--workers": workers, "--plot-routes": plot_routes, "--address": address,
                    "--executor": None if executor == "local" else executor, "--fresh": fresh or None}
        given = [name for name, v in vrp_only.items() if v is not None and v != []]
        if given:
            raise InvalidArgumentError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for --task vrp; "
                                       "--task paths takes --router, --queries, --seed, --steps, --k, --k-queries, "
                                       "--weight, --methods, --contract, --baseline, --out")
        from graphroute_cli.compare_paths import compare_paths

        return compare_paths(Path(files[0]), baseline=baseline, router=router,
                             queries=200 if queries is None else queries, seed=0 if seed is None else seed,
                             steps="auto" if steps is None else steps, k=3 if k is None else k,
                             k_queries=10 if k_queries is None else k_queries, weight=weight,
                             methods=_csv_list(methods, "--methods") if methods is not None else None, out=out,
                             as_json=as_json,
                             contract=contract)

    paths_only = {"--router": router, "--queries": queries, "--seed": seed, "--steps": steps, "--k": k,
                  "--k-queries": k_queries, "--weight": weight, "--methods": methods, "--contract/--no-contract": contract}
    given = [name for name, v in paths_only.items() if v is not None]
    if given:  # they used to be ignored without a word (--seed 1 for --seeds 1, --k 0 accepted)
        raise InvalidArgumentError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for --task paths; "
                                   "--task vrp takes --suite, --solvers, --baseline, --time-limit, --seeds, --generate, "
                                   "--workers, --out, --executor, --address, --fresh, --plot-routes")
    from graphroute.compare.core import Grid, run_compare, write_reports
    from graphroute.compare.suite import Suite, check_instances, find_suite, resolve_instances
    from graphroute.machine import machine_info
    from graphroute.solvers import check_time_limit

    if workers is not None and workers < 1:
        raise InvalidArgumentError(f"--workers must be at least 1, got {workers}")
    if plot_routes is not None and plot_routes < 0:
        raise InvalidArgumentError(f"--plot-routes must be at least 0, got {plot_routes}")
    if time_limit is not None:
        check_time_limit(time_limit)
    if suite is not None or (not files and not generate):
        s = find_suite(suite or "demo")
    else:
        s = Suite(name="custom")
    entries: list = list(s.instances)
    if files or generate:
        entries = [*(files or []), *({"generate": _parse_generate(g)} for g in (generate or []))]
    name = s.name if not (files or generate) else "custom"
    if suite is not None and (files or generate):  # the suite's instances are replaced: say so, not silently
        print_warnings([f"the instances given replace those of suite {s.name!r}; its baseline, solvers, time limit, seeds "
                        "and solver options apply where no option overrides them"], as_json)
    out = out or Path("runs") / "compare" / name
    check_output_folder(out, "--out")  # a file (or a path under one) is one line, before any instance is read
    base = baseline or s.baseline
    # with a suite, --baseline moves the reference; it does not drop the suite's own baseline from the grid
    # (`--suite cvrplib-x-small --baseline pyvrp` silently ran no OR-Tools)
    own = [s.baseline] if s.source is not None else []
    solver_list = _csv_list(solvers, "--solvers") if solvers is not None else \
        [x for x in dict.fromkeys([*own, *s.solvers]) if x != base]
    instances = resolve_instances(entries, out)
    check_instances(instances)  # a bad file is one error before any solver runs, not failed rows
    grid = Grid(
        instances=instances,
        solvers=list(dict.fromkeys([base, *solver_list])),  # the baseline listed in --solvers too runs once
        baseline=base,
        time_limit=time_limit if time_limit is not None else float(s.time_limit),
        seeds=_csv_list(seeds, "--seeds", int) if seeds is not None else list(s.seeds),
        options={k: v for k, v in s.options.items() if k in [base, *solver_list]},
    )
    n_workers = workers or s.workers or (os.cpu_count() or 1)
    # the command as typed; `python -m graphroute_cli.main compare ...` shows as the `graphroute` equivalent
    typed = sys.argv[0].endswith("graphroute") or sys.argv[1:2] == ["compare"]
    command = "graphroute " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if typed else "graphroute compare"
    header = (
        f"# Comparison: {name}\n\n"
        f"Command: `{command}`\n\n"
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        f"- machine: {machine_info()}\n"
        f"- grid: {len(grid.instances)} instances x {len(grid.solvers)} solvers x {len(grid.seeds)} seeds, "
        f"time limit {grid.time_limit:g} s per run, {n_workers} worker process(es), one thread each, executor {executor}\n"
        f"- every solution re-checked by graphroute.check before it is counted\n"
    )
    _check_grid(out, grid, fresh)  # a folder of another grid is one error line, before any progress display
    progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.fields[last]}"), console=console, disable=as_json,
                        transient=False)
    with progress:
        bar = progress.add_task(f"compare {escape(name)}", total=None, last="")
        resumed: list[str] = []

        def on_plan(total: int, todo: int) -> None:
            progress.update(bar, total=total, completed=total - todo,
                            last=f"resuming: {total - todo} done" if todo < total else "")
            if todo < total:  # the header names this invocation: say that earlier ones made some runs
                resumed.append(f"- resumed: {total - todo} of {total} runs were stored by an earlier invocation "
                               f"of this grid (their date, command and machine may differ)\n")

        def on_result(row: dict) -> None:
            cost = f"{row['cost']:,.2f}" if row.get("cost") is not None else row["status"]
            progress.update(bar, advance=1, last=escape(f"{row['instance']} {row['solver']}: {cost}"))

        store = run_compare(grid, out, workers=n_workers, executor=executor, address=address, fresh=fresh,
                            on_plan=on_plan, on_result=on_result)
        store.close()
    summary = write_reports(out, grid, header=header + "".join(resumed), plot_routes=plot_routes if plot_routes is not None else s.plot_routes)
    if as_json:
        print_json({"out": str(out), "baseline": grid.baseline, "solvers": grid.solvers, "summary": summary,
                    "results_csv": str(out / "results.csv"), "summary_md": str(out / "summary.md")})
        return
    _render(summary, grid, out)


#: What to do about a folder that holds another grid's results, said at the end of the refusal.
OTHER_GRID_ADVICE = "pass --out DIR for a new comparison or --fresh to replace it"


def _check_grid(out: Path, grid, fresh: bool) -> None:  # noqa: ANN001
    """Refuse, before anything runs or is displayed, a results folder that holds another grid's results
    (the store's own check, read-only here: it records nothing when the grid matches). The refusal ends
    with what to do (every ad-hoc comparison defaults to runs/compare/custom)."""
    from graphroute.compare.core import check_not_foreign
    from graphroute.compare.store import ResultStore
    from graphroute.exceptions import InvalidArgumentError

    if not (out / "results.sqlite").exists():
        check_not_foreign(out)  # a user's own results.csv there: refused before the progress bar too
        return
    store = ResultStore(out)  # a damaged or foreign file is refused here too (--fresh or not): one line, no bar
    try:
        if not fresh and store.grid():  # an empty folder records nothing here: run_compare records the grid itself
            store.bind_grid(grid.fingerprint())
    except InvalidArgumentError as exc:
        msg = str(exc)
        if "--out" not in msg or "--fresh" not in msg:
            msg = f"{msg.rstrip('; ')}; {OTHER_GRID_ADVICE}"
        raise InvalidArgumentError(msg) from None
    finally:
        store.close()


def _render(summary: list, grid, out: Path) -> None:  # noqa: ANN001
    from graphroute.compare.summary import wtl_cell

    def f(v, d=2):  # noqa: ANN001, ANN202
        return "-" if v is None else f"{v:.{d}f}"

    t = Table(title=f"{len(grid.instances)} instances, {grid.time_limit:g} s per run, baseline {grid.baseline}",
              title_justify="left")
    for col in ["solver", "feasible %", "gap vs base % (mean / geo, n)", "gap vs BKS % (mean / geo, n)",
                "gap vs BKS % on common runs", "W/T/L", "time s (mean / median)", "over limit", "below BKS", "failed / timeouts"]:
        t.add_column(col, justify="right" if col != "solver" else "left")
    for s in summary:
        t.add_row(
            escape(s["solver"]) + (" (baseline)" if s["solver"] == grid.baseline else ""),
            f(s["feasible_pct"], 1),
            f"{f(s['mean_gap_vs_baseline_pct'])} / {f(s['geomean_gap_vs_baseline_pct'])}, {s['n_gap_vs_baseline']}",
            f"{f(s['mean_gap_vs_bks_pct'])} / {f(s['geomean_gap_vs_bks_pct'])}, {s['n_gap_vs_bks']}",
            f"{f(s['mean_gap_vs_bks_common_pct'])} / {f(s['geomean_gap_vs_bks_common_pct'])}, {s['n_common']}",
            wtl_cell(s, grid.baseline),
            f"{f(s['mean_time_s'])} / {f(s['median_time_s'])}",
            str(s["over_limit"]),
            str(s["n_below_bks"]),
            f"{s['failed']} / {s['timeouts']}",
        )
    console.print(t)
    below = sum(s["n_below_bks"] for s in summary)
    if below:
        console.print(f"[yellow]warning: {below} run(s) cost less than their BKS (listed in {escape(str(out))}/summary.md; kept in "
                      "the means): the reference or the distance convention is likely wrong, or the known best is for exactly "
                      "the fleet's routes and the run used fewer (P-n55-k8)[/]")
    o = escape(str(out))
    console.print(f"[dim]results: {o}/results.csv, {o}/summary.md, plots in {o}/plots/[/]")
