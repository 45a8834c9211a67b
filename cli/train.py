"""``graphroute train``: one YAML config, one training run, a live progress bar.

Tasks are a small registry: ``--task vrp`` (POMO routing models) is here; other model families
register a ``run(config_path, *, out, device, resume, on_progress, time_limit, overrides)`` function in
:data:`TASKS` and get the same command.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.markup import escape as escape_markup

from graphroute_cli import common
from graphroute_cli.common import EXIT_INTERRUPTED, check_output_folder, cli_errors, console, fail, print_warnings

#: task name -> "module:function"; the function takes (config_path, *, out, device, resume,
#: on_progress, time_limit, overrides, on_start) and returns an object with ``step``, ``elapsed_s``,
#: ``metrics``, ``out_dir`` (and optionally ``note``, ``warnings``). ``on_start()`` must be called once the
#: config, device and checkpoint are checked, right before training starts (neural.train.start_fresh).
TASKS: dict[str, str] = {
    "vrp": "graphroute.neural.train:run_from_yaml",
    "kg": "graphroute.neural.kg.train:run_from_yaml",
    "router": "graphroute.neural.router.train:run_from_yaml",
}


#: What --time-limit does, task by task (each trainer checks it in its own loop).
TIME_LIMIT_HELP = (
    "Stop after about this many seconds of this run, with a last.pt that --resume continues; checked between "
    "steps. --task kg keeps back the time of the validation that ends the run (the last one measured, or an "
    "estimate from timing part of one) and of one more step, so it overshoots only by the estimate's error, "
    "or when one step and one validation alone take longer (a note then says by how much). --task vrp checks "
    "before each step and does not validate at the stop (best.pt exists only once a validation step, every "
    "val_every steps, was reached); a validation due just before the limit can overshoot it. --task router "
    "validates at the stop, after the limit.")


def _task(name: str) -> Callable[..., Any]:
    from graphroute.exceptions import UnknownNameError

    if name not in TASKS:
        raise UnknownNameError(f"unknown task {name!r}; available: {', '.join(TASKS)}")
    module, _, func = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), func)


def _resume_command(task: str, config: Path, last: Path, overrides: list[str] | None = None,
                    device: str = "auto") -> str:
    """The command that continues a run from ``last``: ``--config`` and the ``--set`` overrides again (the
    checkpoint's config must match them), and ``--device`` unless it was ``auto``; shell-quoted."""
    import shlex

    words = ["graphroute", "train", "--task", task, "--config", str(config)]
    for item in overrides or []:
        words += ["--set", item]
    if device != "auto":
        words += ["--device", device]
    return shlex.join([*words, "--resume", str(last)])


def _header_only(log: Path) -> bool:
    """Whether the CSV ``log`` holds at most its header line (a run that failed before logging a step)."""
    try:
        with open(log, "rb") as fh:
            return len([line for line in fh.read(1 << 16).splitlines() if line.strip()]) <= 1
    except OSError:
        return False


def _fmt(v: Any, spec: str) -> str:
    return "-" if v is None else format(v, spec)


@cli_errors
def train_command(
    config: Path = typer.Option(..., "--config", "-c", help="YAML config, e.g. experiments/configs/pomo_tsp20.yaml."),
    task: str = typer.Option("vrp", "--task", help=f"What to train: {', '.join(TASKS)}."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue from this checkpoint: a run's last.pt, also the one Ctrl-C writes where it stops a run (the first Ctrl-C finishes the step in progress and saves; a second stops at once)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run folder (default: the folder of the --resume checkpoint, else runs/<config name>)."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help=TIME_LIMIT_HELP),
    overrides: Optional[list[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Override a config key: --set lr=1e-4 (repeatable)."),
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.config import parse_overrides

    run = _task(task)
    if task == "kg":  # full-KG NBFNet states ([entities, batch, dim], 42 MB on WN18RR) exceed glibc's mmap threshold
        from graphroute.machine import keep_freed_memory

        keep_freed_memory()
    if config.is_dir():
        raise InvalidArgumentError(f"config file {config} is a folder; give a YAML file")
    if not config.is_file():
        raise InvalidArgumentError(f"config file not found: {config}")
    if time_limit is not None and not time_limit > 0:
        raise InvalidArgumentError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    sets = parse_overrides(overrides)
    # a resumed run goes on in its own folder (the config's default folder may hold another run)
    out = out or (resume.parent if resume is not None else Path("runs") / config.stem)
    if out.exists() and not out.is_dir():
        raise InvalidArgumentError(f"--out {out} is a file, not a run folder")
    check_output_folder(out, "--out")  # under a file: it was "Not a directory: ..." after the config was read
    earlier = resume is None and ((out / "last.pt").exists() or (out / "best.pt").exists())

    def on_start() -> None:
        """Called by the trainer once the config, device and checkpoint are checked, right before it removes
        an earlier run's checkpoints: a run refused for a typo warns of nothing. No resume command here:
        the last.pt it would name is gone a moment later."""
        if earlier:
            console.print(f"[yellow]note[/]: {escape_markup(str(out))} holds an earlier run; this one removes its "
                          "last.pt and best.pt when training starts (now) and rewrites log.csv (to keep a run, train "
                          "into another --out; to continue one, pass --resume with its last.pt)",
                          highlight=False, soft_wrap=True)

    created = not out.exists()
    top = out  # the outermost folder this run creates: out, or a missing parent of it
    while not top.parent.exists() and top.parent != top.parent.parent:
        top = top.parent
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console, transient=False,
                        disable=os.environ.get("RANK", "0") != "0")  # torchrun: rank 0 draws the one bar
    state: dict = {"val_cost": None, "val_gap_pct": None}

    def on_progress(m: dict) -> None:
        if "bar" not in state:  # started at the first report: a run refused before it prints no empty bar
            progress.start()
            state["bar"] = progress.add_task(escape_markup(config.stem), total=m["total"], completed=0, info="")
        if m.get("val_cost") is not None:
            state.update(val_cost=m["val_cost"], val_gap_pct=m["val_gap_pct"])
        info = m.get("info") or (
            f"loss {_fmt(m['loss'], '.4f')}  cost {_fmt(m['cost'], '.4f')}  val {_fmt(state['val_cost'], '.4f')}"
            f"  gap {_fmt(state['val_gap_pct'], '.2f')}%  {_fmt(m['inst_per_s'], '.0f')} inst/s")
        progress.update(state["bar"], completed=m["step"], info=info)

    try:
        try:
            result = run(config, out=out, device=device, resume=resume, on_progress=on_progress,
                         time_limit=time_limit, overrides=sets, on_start=on_start)
        finally:
            if "bar" in state:  # started (stop() on a display never started would print an empty line)
                progress.stop()
    except BaseException as exc:
        if created and out.is_dir():  # failed before its first logged step: leave no folder
            log = out / "log.csv"
            if [p.name for p in out.iterdir()] == ["log.csv"] and _header_only(log):
                log.unlink()  # a header and no row (out of memory at the first step) is no output
            folder = out
            while not any(folder.iterdir()):  # and the empty parents the trainer's mkdir(parents=True) made
                folder.rmdir()
                if folder == top:
                    break
                folder = folder.parent
        # Ctrl-C: a trainer that saved the run there (TrainingInterrupted) says where; a second Ctrl-C just stops
        saved = getattr(exc, "checkpoint", None) if isinstance(exc, KeyboardInterrupt) else None
        unsaved = getattr(exc, "note", None) if isinstance(exc, KeyboardInterrupt) else None
        if unsaved and not common.state.debug:  # a run with nothing to save says so, not a bare "interrupted"
            fail(f"interrupted: {unsaved}", EXIT_INTERRUPTED)
        if saved is None or common.state.debug:
            raise
        fail(f"interrupted at {exc.where}; {saved} holds the run there: {_resume_command(task, config, saved, overrides, device)} "
             "continues it",
             EXIT_INTERRUPTED)
    if os.environ.get("RANK", "0") != "0":  # torchrun: rank 0 reports
        return
    console.print(f"[green]done[/]: step {result.step}, {result.elapsed_s:.1f} s of training; "
                  f"checkpoints and log.csv in {result.out_dir}")
    print_warnings(getattr(result, "warnings", None) or [])
    if getattr(result, "note", None):
        from rich.markup import escape

        console.print(f"[yellow]note[/]: {escape(result.note)}", highlight=False, soft_wrap=True)
        last = Path(result.out_dir) / "last.pt"
        if "last.pt" in result.note and last.is_file():
            console.print(f"to continue: {escape(_resume_command(task, config, last, overrides, device))}", highlight=False, soft_wrap=True)
