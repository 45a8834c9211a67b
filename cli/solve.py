"""``graphroute solve``: one instance, one solver, a checked result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from graphroute_cli.common import check_output_path, cli_errors, console, fmt_num, fmt_pct, print_json, print_warnings

#: What graphroute.plot.plot_routes draws (no suffix means PNG), checked before solving.
PLOT_SUFFIXES = ("", ".png", ".svg", ".pdf", ".jpg", ".jpeg")


@cli_errors
def solve_command(
    file: Path = typer.Argument(..., help="Instance file: graphroute .json, VRPLIB .vrp or TSPLIB .tsp / .atsp (also .gz)."),
    solver: str = typer.Option("pyvrp", "--solver", "-s", help="ortools, pyvrp, savings, nearest or neural."),
    time_limit: float = typer.Option(10.0, "--time-limit", "-t", help="Seconds of search (> 0)."),
    seed: int = typer.Option(0, "--seed", help="PyVRP random seed, 0..4294967295 (the result still varies with the iterations the time limit allows)."),
    bks: Optional[float] = typer.Option(None, "--bks", help="Known best cost, > 0 (overrides a .sol beside the file)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the solution: .json (solve --json format) or .sol."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the routes to a PNG (or .svg/.pdf/.jpg)."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Neural solver: checkpoint file."),
    augment: Optional[int] = typer.Option(None, "--augment",
                                          help="Neural solver: 1 or 8 (dihedral augmentation; default 8)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    from graphroute.exceptions import InvalidArgumentError, SolverError, is_out_of_memory
    from graphroute.problems.io import known_best_files, read_instance, write_json, write_solution_sol
    from graphroute.solvers import get_solver, solve

    get_solver(solver)  # fail on a bad name before reading anything
    for name, path in (("--out", out), ("--plot", plot)):
        if path is not None and os.path.isdir(path):  # before the suffix checks: 'results' is a folder, not a bad suffix
            check_output_path(path, name)
    if out is not None and out.suffix.lower() not in (".json", ".sol"):
        raise InvalidArgumentError(f"--out must end in .json or .sol, got {out.name}")
    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        raise InvalidArgumentError(f"--plot must end in .png, .svg, .pdf, .jpg or .jpeg (no suffix: a PNG), "
                                   f"got {plot.name}")
    if solver != "neural":
        given = [name for name, v in (("--checkpoint", checkpoint), ("--augment", augment)) if v is not None]
        if given:
            raise InvalidArgumentError(f"{' and '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} "
                                       "to --solver neural")
    for name, path in (("--out", out), ("--plot", plot)):
        if path is not None and same_file(path, file):
            raise InvalidArgumentError(f"{name} {path} is the instance file itself; write it elsewhere")
    for name, path in (("--out", out), ("--plot", plot)):
        if path is not None:
            check_output_path(path, name)  # before solving: no run is lost to an unwritable path
    inst = read_instance(file, bks=bks)
    if out is not None and inst.bks_source and same_file(out, Path(file).parent / inst.bks_source):
        raise InvalidArgumentError(f"--out {out} is the known-best file of this instance; write the solution elsewhere")
    if out is not None and any(same_file(out, sol) for sol in known_best_files(file, inst)):
        raise InvalidArgumentError(f"--out {out} is where this instance's known best is looked up (a solution "
                                   "written there would become the reference of later runs); write it elsewhere")
    options = {}
    if solver == "neural":
        options = {"checkpoint": checkpoint, "augment": 8 if augment is None else augment}
    try:
        if as_json:
            result = solve(inst, solver, time_limit=time_limit, seed=seed, **options)
        else:
            with console.status(f"[bold]{escape(solver)}[/] on {escape(inst.name)} ({inst.kind}, n={inst.n}) ..."):
                result = solve(inst, solver, time_limit=time_limit, seed=seed, **options)
    except (MemoryError, RuntimeError) as exc:
        if not is_out_of_memory(exc):
            raise
        raise SolverError(f"out of memory: solver {solver} on {inst.name} ({inst.kind}, n={inst.n}) needs more "
                          "memory than this machine has; try a smaller instance") from None
    obj = result.to_dict()
    staged = unwritten = None
    try:
        if plot is not None:  # drawn first, beside the plot: a drawing that fails leaves no --out file behind
            from graphroute.plot import plot_routes

            # the suffix says the format (none: png, as plot_routes)
            staged = plot.with_name(f".{plot.stem}.{os.getpid()}.staged{plot.suffix or '.png'}")
            gap = f", gap {fmt_pct(result.gap_to_bks_pct)}" if result.gap_to_bks_pct is not None else ""
            cost = "no routes" if result.no_routes else fmt_num(result.cost) + ("" if result.feasible else " (infeasible)")
            plot_routes(inst, result.routes, staged, title=f"{inst.name} - {solver}: {cost}{gap}")
        if out is not None:
            if out.suffix.lower() == ".sol":
                if result.no_routes:  # a .sol of no routes would say "Cost 0", which readers take as a cost
                    unwritten = f"--out {out} not written: the run found no routes (a .sol file holds routes)"
                else:
                    write_solution_sol(result.routes, result.cost, out)
            else:
                write_json(obj, out)
        if staged is not None:  # both written, or neither: an existing --plot is replaced only now
            os.replace(staged, plot)
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
    if as_json:
        print_json(obj)
        if result.below_bks:  # the table says so; a script reading stdout has below_bks, a person the line
            print_warnings([_below_bks_text(result, inst)], as_json=True)
    else:
        _render(inst, result, None if unwritten else out, plot)
    if unwritten:
        print_warnings([unwritten], as_json=as_json)
    if not result.feasible:
        raise typer.Exit(2)


def _below_bks_text(result, inst) -> str:  # noqa: ANN001
    head = f"cost {fmt_num(result.cost)} is below the known best {fmt_num(result.bks)} ({result.bks_source}): "
    k = inst.num_vehicles
    if k is not None and result.num_routes < k:  # P-n55-k8: 7 trucks carry the demand, 588 is for exactly 8
        return (head + f"the known best is likely for exactly {k} routes (classic CVRPLIB optima use the whole fleet), "
                f"and this solution uses {result.num_routes}; graphroute's fleet is at most {k}")
    return head + "the reference or the distance convention is likely wrong"


def same_file(a: Path, b: Path) -> bool:
    """Whether the paths name one file: the same inode when both exist (symlinks, hard links,
    ``./x`` and ``x``), else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return Path(a).resolve() == Path(b).resolve()


def _render(inst, result, out, plot) -> None:  # noqa: ANN001
    # the heading is its own line, not the table's title: a title wraps at the table's width (the two
    # columns' contents), which cut "name  (cvrp, 100 customers, EXACT)" mid-phrase at 80 columns
    details = f"{inst.kind}, {inst.num_customers} {'customers' if inst.problem == 'cvrp' else 'nodes'}, {inst.distance_type}"
    console.print(f"[bold]{escape(inst.name)}[/]  ({escape(details)})", highlight=False)
    t = Table(show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("solver", escape(result.solver))
    t.add_row("cost", "[red]none[/] (no routes)" if result.no_routes else fmt_num(result.cost))
    if result.bks is not None:
        t.add_row("known best", f"{fmt_num(result.bks)}  ({escape(str(result.bks_source))})")
        if result.gap_to_bks_pct is not None:
            t.add_row("gap", fmt_pct(result.gap_to_bks_pct))
    for key in ("bks_note", "note"):
        if key in result.meta:
            t.add_row("known best", f"[yellow]{escape(str(result.meta[key]))}[/]")
    if inst.problem == "cvrp":
        t.add_row("routes", str(result.num_routes))
    if result.duration is not None:
        t.add_row("duration", fmt_num(result.duration))
    over = "; [yellow]over the limit[/]" if result.over_limit else ""
    t.add_row("time", f"{result.runtime_s:.2f} s (limit {result.time_limit_s:g} s, seed {result.seed}{over})")
    if result.meta.get("no_solution"):
        t.add_row("no solution", f"[red]{escape(str(result.meta['no_solution']))}[/]")
    t.add_row("feasible", "[green]yes[/]" if result.feasible else "[red]NO: " + escape("; ".join(result.violations)) + "[/]")
    if out is not None:
        t.add_row("solution", escape(str(out)))
    if plot is not None:
        t.add_row("plot", escape(str(plot)))
    console.print(t)
    if result.below_bks:
        console.print(f"[bold yellow]warning:[/] {escape(_below_bks_text(result, inst))}", highlight=False, soft_wrap=True)
    shown = result.routes[:30]
    for k, r in enumerate(shown, 1):
        label = "tour" if inst.problem == "tsp" else f"route {k}"
        text = " ".join(map(str, r))
        console.print(f"[dim]{label}:[/] {text if len(text) < 400 else text[:400] + ' ...'}", highlight=False)
    if len(result.routes) > len(shown):
        console.print(f"[dim]... {len(result.routes) - len(shown)} more routes (use --json or --out)[/]")
