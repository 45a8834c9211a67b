"""``graphroute evaluate``: a checkpoint on a seeded instance set, against a reference solver."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from graphroute_cli.common import cli_errors, console, error_console, fmt_pct, print_json


@cli_errors
def evaluate_command(
    ctx: typer.Context,
    checkpoint: Path = typer.Option(..., "--checkpoint", help="A .pt checkpoint (graphroute train or data/checkpoints)."),
    problem: Optional[str] = typer.Option(None, "--problem", "-p", help="tsp, cvrp, atsp or acvrp (default: the checkpoint's)."),
    size: Optional[int] = typer.Option(None, "--size", "-n", help="Cities or customers (default: the checkpoint's)."),
    num: int = typer.Option(1000, "--num", help="How many instances (seeds seed .. seed+num-1)."),
    seed: int = typer.Option(2026, "--seed", help="First instance seed."),
    distribution: str = typer.Option("uniform", "--distribution", "-d", help="uniform, clustered or mixed."),
    augment: int = typer.Option(8, "--augment", help="1 or 8 (dihedral augmentation; matrix models always decode x1)."),
    reference: Optional[str] = typer.Option("pyvrp", "--reference", help="Reference solver (pyvrp, ortools) or 'none'."),
    reference_time: float = typer.Option(1.0, "--reference-time", help="Seconds per instance for the reference; costs are cached per time. The published numbers used 0.5 for n = 20 and 1.0 for n = 50 (data/checkpoints/README.md); a note says when the costs are cached only at another time."),
    workers: int = typer.Option(1, "--workers", help="Processes for the reference solves (cached once computed)."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda (also auto for --task kg)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    task: str = typer.Option("vrp", "--task", help="vrp (routing checkpoints) or kg (link prediction: filtered MRR, Hits@k)."),
    split: str = typer.Option("test", "--split", help="--task kg: test, valid or train."),
    max_queries: Optional[int] = typer.Option(None, "--max-queries", help="--task kg: rank a seeded sample of queries."),
    data: Optional[Path] = typer.Option(None, "--data", help="--task kg: the KG folder or graph file (default: the one the checkpoint was trained on)."),
) -> None:
    if task not in ("vrp", "kg"):
        from graphroute.exceptions import UnknownNameError

        raise UnknownNameError(f"unknown task {task!r}; available: vrp, kg")
    from graphroute.exceptions import InvalidArgumentError

    def typed(name: str) -> bool:  # given on the command line, even if equal to its default
        source = ctx.get_parameter_source(name)  # by name: typer may vendor its own click's enum
        return source is not None and source.name != "DEFAULT"

    other = {"kg": ["problem", "size", "num", "seed", "distribution", "augment", "reference", "reference_time",
                    "workers"],
             "vrp": ["split", "max_queries", "data"]}
    given = ["--" + name.replace("_", "-") for name in other[task] if typed(name)]
    if given:
        raise InvalidArgumentError(f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply to --task {task}")
    if task == "kg":
        from graphroute_cli.kg_evaluate import evaluate_kg

        return evaluate_kg(checkpoint, split, max_queries, as_json, data, device)
    from rich.markup import escape

    from graphroute.neural.evaluate import evaluate_checkpoint
    from graphroute.neural.train import resolve_device

    from graphroute.solvers import check_time_limit

    if size == 1 and _tour_problem(checkpoint, problem):  # size < 1: evaluate_checkpoint says
        raise InvalidArgumentError("--size 1 gives one-city tours, which cost 0 whatever the model (no gap to the "
                                   "reference can be computed); use --size 2 or more")
    ref = None if reference in (None, "none") else reference
    unused = [opt for opt in ("reference_time", "workers") if ref is None and typed(opt)]
    if unused:  # they would be ignored without a word
        raise InvalidArgumentError(f"{' and '.join('--' + o.replace('_', '-') for o in unused)} "
                                   f"{'does' if len(unused) == 1 else 'do'} not apply to --reference none "
                                   "(no reference is solved)")
    if workers < 1:  # as compare --workers
        raise InvalidArgumentError(f"--workers must be at least 1, got {workers}")
    if ref is not None:
        try:
            check_time_limit(reference_time)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"--reference-time: {exc}") from None
    dev = str(resolve_device(device))
    def note(text: str) -> None:  # stderr under --json: stdout holds one JSON object
        (error_console if as_json else console).print(f"[yellow]note[/]: {escape(text)}", highlight=False, soft_wrap=True)

    with console.status("evaluating ...") if not as_json else nullcontext():
        res = evaluate_checkpoint(checkpoint, problem=problem, size=size, num=num, seed=seed, augment_k=augment,
                                  reference=ref, reference_time=reference_time, distribution=distribution,
                                  device=dev, workers=workers, on_note=note)
    if as_json:
        print_json(asdict(res))
        if res.infeasible:  # exit 2 as the table and `solve --json` do: scripts see it in the exit code
            raise typer.Exit(2)
        return
    t = Table(title=f"{escape(Path(res.checkpoint).name)} on {res.num} {res.problem}{res.size} {res.distribution} instances "
                    f"(seeds {res.seed}..{res.seed + res.num - 1})", title_justify="left")
    for col in ("solver", "mean cost", "mean gap", "time"):
        t.add_column(col, justify="right" if col != "solver" else "left")
    aug = f"x{res.augment} aug" + (" (matrix model: no symmetry)" if res.augment != res.augment_requested else "")
    t.add_row(f"neural {aug}, all starts", "-" if res.mean_cost is None else f"{res.mean_cost:.4f}",
              fmt_pct(res.mean_gap_pct, 3), f"{res.time_s:.1f} s")
    if res.reference is not None:
        ref_mean = "-" if res.reference_mean_cost is None else f"{res.reference_mean_cost:.4f}"
        t.add_row(escape(res.reference), ref_mean, "0 (reference)",
                  f"{res.reference_time_s:.1f} s (cached ones count 0)")
    console.print(t)
    if res.infeasible:
        same = (f"; both mean costs and the gap are over the other {res.num - res.infeasible}" +
                (f" (the reference's over all {res.num}: {res.reference_mean_cost_all:.4f})"
                 if res.reference_mean_cost_all is not None else "") if res.num > res.infeasible else "")
        console.print(f"[red]{res.infeasible} infeasible model solutions[/]{same}")
        raise typer.Exit(2)


def _tour_problem(checkpoint: Path, problem: str | None) -> bool:
    """Whether the evaluation is of TSP / ATSP tours (``--problem``, else the checkpoint's own problem);
    a checkpoint that cannot be read is left to :func:`evaluate_checkpoint` to refuse."""
    if problem is None:
        from graphroute.neural.train import load_checkpoint

        try:
            problem = load_checkpoint(checkpoint).get("model_config", {}).get("problem")
        except Exception:  # noqa: BLE001 - refused with its own message a moment later
            return False
    return problem in ("tsp", "atsp")
