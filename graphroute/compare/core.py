"""Plan, run and report a comparison grid of instance x solver x seed.

``run_compare`` is resumable: the store in ``DIR/results.sqlite`` holds every finished run, a
rerun of the same grid skips them, and ``write_reports`` rebuilds ``results.csv``,
``summary.csv``, ``summary.md`` and the plots from the store alone. ``fresh=True`` first removes
what a comparison wrote into the folder (:func:`clear_outputs`) and nothing else.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphroute.compare.runner import Task, connect_ray, run_local, run_ray
from graphroute.compare.store import ResultStore
from graphroute.compare.suite import InstanceRef
from graphroute.compare.summary import RESULT_COLUMNS, SUMMARY_COLUMNS, summarize, to_csv, to_markdown, with_gaps
from graphroute.exceptions import InvalidArgumentError, UnknownNameError
from graphroute.problems.io import atomic_write_text, write_json

EXECUTORS = ("local", "ray")


@dataclass
class Grid:
    """What a comparison runs: every (instance, solver, seed) once, baseline included."""

    instances: list[InstanceRef]
    solvers: list[str]
    baseline: str
    time_limit: float
    seeds: list[int]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from graphroute.solvers import check_seed, check_time_limit, get_solver

        if not self.instances:
            raise InvalidArgumentError("the instance list is empty")
        odd = next((r for r in self.instances if not isinstance(r, InstanceRef)), None)
        if odd is not None:
            raise InvalidArgumentError(f"instances must be InstanceRef objects (resolve_instances makes them from "
                                       f"paths), got {type(odd).__name__} {odd!r:.60}")
        for what in ("solvers", "seeds"):
            if not isinstance(getattr(self, what), (list, tuple)):
                raise InvalidArgumentError(f"{what} must be a list, got {type(getattr(self, what)).__name__} "
                                           f"{getattr(self, what)!r:.60}")
        if not self.seeds:
            raise InvalidArgumentError("no seeds given")
        self.seeds = list(dict.fromkeys(self.seeds))  # 0, 0 runs once (as --seeds does)
        self.time_limit = check_time_limit(self.time_limit)
        for seed in self.seeds:
            check_seed(seed)
        get_solver(self.baseline)
        solvers = [self.baseline] + [s for s in self.solvers if s != self.baseline]
        for s in solvers:
            get_solver(s)
        self.solvers = list(dict.fromkeys(solvers))
        for s, opts in self.options.items():
            if s not in self.solvers:
                raise UnknownNameError(f"options given for solver {s!r}, which is not in the grid")
            if opts:  # an option the solver does not take would fail every one of its runs
                from graphroute.solvers import check_options

                spec = get_solver(s)
                check_options(spec, spec.load(), dict(opts))

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the grid in a results folder (file contents hashed, not just names)."""
        insts = []
        references = {}
        for ref in self.instances:
            try:
                digest = hashlib.sha1(ref.content()).hexdigest()[:12]
            except OSError:
                digest = "unreadable"
            insts.append([ref.key, digest])
            references[ref.key] = _known_best(ref)
        return {
            "instances": sorted(insts),
            # the BKS each run's gap is against: it lives beside the file (.sol, bks.csv, ...), which the
            # digest above does not cover, so a corrected BKS would leave the stored gaps outdated
            "references": references,
            "solvers": sorted(self.solvers),
            "baseline": self.baseline,
            "time_limit": float(self.time_limit),
            "seeds": sorted(self.seeds),
            "options": {k: {kk: str(vv) for kk, vv in v.items()} for k, v in sorted(self.options.items())},
        }

    def tasks(self) -> list[Task]:
        # instance-major, so partial results cover whole instances first
        return [
            Task(ref.key, ref.path, s, seed, float(self.time_limit), dict(self.options.get(s, {})))
            for ref in self.instances for seed in self.seeds for s in self.solvers
        ]


def _known_best(ref: InstanceRef) -> list[Any]:
    """``[bks, where it came from]`` for ``ref`` as a worker will read it (``[None, None]`` when none
    or when the file cannot be read: that run fails and says why)."""
    from graphroute.exceptions import GraphrouteError
    from graphroute.problems.io import read_instance

    if ref.pending is not None and not Path(ref.path).exists():
        return [None, None]  # generated: no known best
    try:
        inst = read_instance(ref.path)
    except (GraphrouteError, OSError):
        return [None, None]
    return [inst.bks, inst.bks_source]


def solution_path(out: Path, instance: str, solver: str, seed: int) -> Path:
    return out / "solutions" / f"{instance}__{solver}__{seed}.json"


#: Files ``write_reports`` writes at the top of the results folder.
REPORT_FILES = ("results.csv", "summary.csv", "summary.md")
#: Fixed plot names in ``DIR/plots`` (besides ``routes_INSTANCE.png``).
PLOT_FILES = ("gap_vs_time.png", "instance_gaps.png")


def clear_outputs(out: Path, store: ResultStore, keep: set[Path] = frozenset()) -> list[Path]:
    """Remove the files a comparison wrote into ``out`` for the grid its store records.

    That is: ``results.csv``, ``summary.csv``, ``summary.md``; ``solutions/INSTANCE__SOLVER__SEED.json``
    and ``plots/routes_INSTANCE.png`` for every instance, solver and seed of the recorded grid (and
    each solution path a stored run names); ``plots/gap_vs_time.png`` and ``plots/instance_gaps.png``;
    the generated instances the store records as written by a comparison, except those in ``keep``
    (resolved paths the next grid reads). ``solutions/``, ``plots/`` and ``instances/`` are removed
    when that leaves them empty. Any other file stays, in those folders too. The store itself is
    emptied by ``bind_grid(..., fresh=True)``. Returns the recorded instance files kept.
    """
    old = store.grid()
    keys = [k for k, _digest in old.get("instances", [])]
    doomed = [out / f for f in REPORT_FILES] + [out / "plots" / f for f in PLOT_FILES]
    doomed += [out / "plots" / f"routes_{k}.png" for k in keys]
    doomed += [solution_path(out, k, s, int(seed)) for k in keys for s in old.get("solvers", [])
               for seed in old.get("seeds", [])]
    doomed += [out / r["path"] for r in store.rows() if r.get("path")]
    kept = []
    for f in store.files():
        if f.resolve() in keep:
            kept.append(f)
        else:
            doomed.append(f)
    root = os.path.abspath(out)
    for f in doomed:
        if os.path.commonpath([root, os.path.abspath(f)]) != root:
            continue  # a stored path that leads out of the folder is not ours
        if f.is_symlink() or f.is_file():
            f.unlink()
    for sub in ("solutions", "plots", "instances"):
        try:
            (out / sub).rmdir()  # only when empty
        except OSError:
            pass
    return kept


def run_compare(
    grid: Grid,
    out: str | Path,
    *,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    fresh: bool = False,
    on_plan: Callable[[int, int], None] | None = None,
    on_start: Callable[[Task], None] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> ResultStore:
    """Run what the store in ``out`` does not hold yet; return the store.

    ``on_plan(total, todo)`` is called once before running; ``on_result(row)`` after each run is
    stored. Solutions are written to ``out/solutions/INSTANCE__SOLVER__SEED.json`` in the
    ``solve --json`` format before their row is committed. ``fresh`` removes what an earlier
    comparison wrote into ``out`` (:func:`clear_outputs`) and forgets its runs before starting.

    The workers are started with multiprocessing's ``forkserver`` method, which re-imports the calling
    script: call this from a script under ``if __name__ == "__main__":`` (as with any multiprocessing
    pool), or every worker fails to start and each run is recorded as ``crashed``. A rerun tries the
    crashed runs again (their rows say nothing of the solver); failed runs and timeouts are results and stay.
    """
    if executor not in EXECUTORS:
        raise UnknownNameError(f"unknown executor {executor!r}; available: {', '.join(EXECUTORS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:  # before the folder takes the grid
        raise InvalidArgumentError(f"workers must be an integer >= 1, got {workers!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InvalidArgumentError(f"{out} is a file, not a results folder")
    check_not_foreign(out)
    ray_started = connect_ray(address) if executor == "ray" else False  # before --fresh empties the folder
    try:
        store = ResultStore(out)
        try:
            kept = clear_outputs(out, store, {Path(ref.path).resolve() for ref in grid.instances}) if fresh else []
            store.bind_grid(grid.fingerprint(), fresh=fresh)
            for path in kept:
                store.add_file(path)
        except BaseException:
            store.close()
            raise
        for ref in grid.instances:  # generated instances: only now that the folder took the grid
            if ref.materialize():
                store.add_file(ref.path)
        # a crashed worker (killed by the OS, or a script without the __main__ guard forkserver needs) is tried
        # again: its row says nothing of the solver; failed runs and timeouts are results and stay
        done = store.done(retry=("crashed",))
        todo = [t for t in grid.tasks() if t.key not in done]
        if on_plan:
            on_plan(len(grid.tasks()), len(todo))

        def finish(row: dict[str, Any]) -> None:
            sol = row.pop("solution", None)
            if sol is not None:
                p = solution_path(out, row["instance"], row["solver"], int(row["seed"]))
                write_json(sol, p)
                row["path"] = str(p.relative_to(out))
            store.add(row)
            if on_result:
                on_result(row)

        if executor == "ray":
            run_ray(todo, workers=workers, on_result=finish, on_start=on_start, address=address)
        else:
            run_local(todo, workers=workers, on_result=finish, on_start=on_start)
        return store
    finally:
        if ray_started:  # started for this grid: stopped with it (a refusal included)
            import ray

            ray.shutdown()


def check_not_foreign(out: Path) -> None:
    """Refuse a folder without ``results.sqlite`` that holds files of the names the reports are written
    to: not a comparison's folder, so they are someone else's (they were overwritten silently)."""
    out = Path(out)
    if (out / "results.sqlite").exists():
        return
    theirs = [f for f in REPORT_FILES if (out / f).exists()] + [f"plots/{f}" for f in PLOT_FILES
                                                               if (out / "plots" / f).exists()]
    if theirs:
        raise InvalidArgumentError(f"{out} holds {', '.join(theirs)} but no results.sqlite: not a comparison's "
                                   "folder, and the comparison would overwrite them; give another results folder")


def write_reports(out: str | Path, grid: Grid, *, header: str, plot_routes: int = 2) -> list[dict[str, Any]]:
    """Write results.csv, summary.csv, summary.md and the PNG plots from the store; return the summary."""
    if isinstance(plot_routes, bool) or not isinstance(plot_routes, int) or plot_routes < 0:
        raise InvalidArgumentError(f"plot_routes must be an integer >= 0, got {plot_routes!r}")
    out = Path(out)
    store = ResultStore(out)
    try:
        rows = with_gaps(store.rows(), grid.baseline, grid.time_limit)
    finally:
        store.close()
    summary = summarize(rows, grid.baseline, grid.solvers)
    atomic_write_text(out / "results.csv", to_csv(rows, RESULT_COLUMNS))
    atomic_write_text(out / "summary.csv", to_csv(summary, SUMMARY_COLUMNS))
    atomic_write_text(out / "summary.md", to_markdown(summary, rows, header=header, baseline=grid.baseline,
                                                      solvers=grid.solvers, time_limit=grid.time_limit))
    _plots(out, rows, grid, plot_routes)
    return summary


def _plots(out: Path, rows: list[dict[str, Any]], grid: Grid, plot_routes: int) -> None:
    import json

    from graphroute.compare.plots import plot_gap_vs_time, plot_instance_gaps, plot_instance_routes
    from graphroute.exceptions import GraphrouteError
    from graphroute.problems.io import read_instance

    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    plot_gap_vs_time(rows, grid.solvers, plots / "gap_vs_time.png")
    plot_instance_gaps(rows, grid.solvers, plots / "instance_gaps.png")
    seed = grid.seeds[0]
    for ref in grid.instances[plot_routes:]:  # drawn by an earlier run with a larger --plot-routes: out of date
        (plots / f"routes_{ref.key}.png").unlink(missing_ok=True)
    for ref in grid.instances[:plot_routes]:
        sols = {}
        for s in grid.solvers:
            p = solution_path(out, ref.key, s, seed)
            if p.exists():
                sols[s] = json.loads(p.read_text())
        if not sols:
            continue
        try:
            inst = read_instance(ref.path)
        except GraphrouteError:
            continue
        plot_instance_routes(inst, sols, plots / f"routes_{ref.key}.png")
