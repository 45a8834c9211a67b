"""How the neural solver keeps a time limit on large instances: starts decoded, passes, runtime, gap.

Each run is ``graphroute solve FILE --solver neural --time-limit L --json`` in a fresh process, as a
user runs it (importing torch counts against the limit). The table gives, per instance and limit,
the median and the largest runtime over the repeats, whether any run was over the limit by the
rule of ``solve --json`` (``over_limit``: runtime > 1.05 x limit + 0.5 s), the starts of the identity
copy (of ``max_starts``), the passes over it (``meta.identity_passes`` of the median run), the
augmentation passes used and the gap to the BKS.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 python experiments/bench/neural_time_limit.py --out experiments/results/neural_time_limit.md
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import typer
from rich.progress import Progress

from graphroute.machine import machine_info
from graphroute.problems.io import atomic_write_text

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data" / "vrp"
INSTANCES = ("cvrplib/X/X-n251-k28.vrp", "cvrplib/X/X-n502-k39.vrp", "cvrplib/X/X-n979-k58.vrp", "tsplib/pr1002.tsp")

app = typer.Typer(add_completion=False)


def _run(path: Path, limit: float) -> dict:
    cmd = [sys.executable, "-c", "from graphroute_cli.main import main; main()", "solve", str(path),
           "--solver", "neural", "--time-limit", f"{limit:g}", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if res.returncode not in (0, 2):
        raise SystemExit(f"{path.name} at {limit:g} s failed: {res.stderr.strip()[-300:]}")
    return json.loads(res.stdout)


@app.command()
def main(out: Path = typer.Option(REPO / "experiments/results/neural_time_limit.md", help="table to write"),
         limits: str = typer.Option("3,10,30", help="time limits (s), comma-separated"),
         repeats: int = typer.Option(3, min=1, help="runs per instance and limit")) -> None:
    """Run every instance at every limit ``repeats`` times and write the table."""
    missing = [p for p in INSTANCES if not (DATA / p).exists()]
    if missing:
        raise SystemExit(f"../shared/data/vrp is missing {', '.join(missing)}; see README (Data)")
    try:
        values = [float(t) for t in limits.split(",")]
    except ValueError:
        raise typer.BadParameter(f"--limits must be numbers of seconds, comma-separated, got {limits!r}") from None
    grid = [(p, t) for p in INSTANCES for t in values]
    rows = []
    with Progress() as bar:
        task = bar.add_task("neural solve", total=len(grid) * repeats)
        for p, limit in grid:
            runs = []
            for _ in range(repeats):
                runs.append(_run(DATA / p, limit))
                bar.advance(task)
            runs.sort(key=lambda d: d["runtime_s"])
            mid = runs[len(runs) // 2]
            m = mid["meta"]
            rows.append(
                f"| {mid['instance']} | {limit:g} | {statistics.median(d['runtime_s'] for d in runs):.2f} | "
                f"{max(d['runtime_s'] for d in runs):.2f} | {sum(bool(d['over_limit']) for d in runs)} | "
                f"{m['starts']} / {m['max_starts']} | {m.get('identity_passes')} | {m['augment_used']} | "
                f"{mid['gap_to_bks_pct']:.2f} |")
    text = "\n".join([
        "# Neural solver within a time limit on large instances",
        "",
        f"Command: `OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')} python "
        f"experiments/bench/neural_time_limit.py --limits {limits} --repeats {repeats}`",
        "",
        f"Machine: {machine_info()}. Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Each run is `graphroute solve FILE --solver neural --time-limit L --json` in a fresh process "
        f"(importing torch counted); {repeats} runs per row. Runtime: median and largest; over: runs with "
        "`over_limit` (> 1.05 x limit + 0.5 s); starts, passes (`meta.identity_passes`), augmentation "
        "passes and gap: of the median-time run (gap to the BKS, the CVRPLIB `.sol` / TSPLIB optimum).",
        "",
        "| instance | limit s | runtime s (median) | runtime s (max) | over | starts | passes | aug. | gap % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        *rows,
        "",
    ])
    atomic_write_text(out, text)
    print(text)


if __name__ == "__main__":
    app()
