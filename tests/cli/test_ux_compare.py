"""`graphroute compare`: a folder of another grid is refused before any progress display, with what to
do; the baseline's own row shows no W/T/L against itself (human tables only: summary.csv keeps counts)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from graphroute_cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def run(*args, **kw):
    return CliRunner().invoke(app, [str(a) for a in args], **kw)


def test_another_grid_in_the_folder_is_one_line_before_any_progress(tmp_path):
    out = tmp_path / "custom"
    res = run("compare", EXAMPLES / "tsp20.json", "-b", "nearest", "--solvers", "savings", "-t", "1", "-w", "1",
              "-o", out, "--json")
    assert res.exit_code == 0, res.output
    res = run("compare", EXAMPLES / "cvrp50.json", "-b", "nearest", "--solvers", "savings", "-t", "1", "-w", "1",
              "-o", out)
    assert res.exit_code == 1
    assert res.stdout == ""  # no spinner / progress line before the refusal
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {out} holds results of a different grid")
    assert "--out" in err and "--fresh" in err
    res = run("compare", EXAMPLES / "cvrp50.json", "-b", "nearest", "--solvers", "savings", "-t", "1", "-w", "1",
              "-o", out, "--fresh", "--json")
    assert res.exit_code == 0, res.output


def test_the_baseline_row_has_no_wins_ties_losses_against_itself(tmp_path):
    out = tmp_path / "o"
    res = run("compare", EXAMPLES / "tsp20.json", EXAMPLES / "cvrp50.json", "-b", "savings", "--solvers", "nearest",
              "-t", "1", "-w", "1", "-o", out)
    assert res.exit_code == 0, res.output
    base = next(line for line in res.stdout.splitlines() if re.search(r"│ savings\s", line))
    other = next(line for line in res.stdout.splitlines() if re.search(r"│ nearest\s", line))
    cells = [c.strip() for c in base.split("│")]
    assert "-" in cells and not re.search(r"\b\d+/\d+/\d+\b", base), base
    assert re.search(r"\b\d+/\d+/\d+\b", other), other
    md = (out / "summary.md").read_text().splitlines()
    header = next(line for line in md if "W/T/L vs baseline" in line)
    col = [c.strip() for c in header.split("|")].index("W/T/L vs baseline")
    row = next(line for line in md if line.startswith("| savings |"))
    assert [c.strip() for c in row.split("|")][col] == "-"
    # summary.csv is a contract: the counts stay (the baseline ties with itself on every run)
    rows = {r["solver"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    assert (rows["savings"]["wins"], rows["savings"]["ties"], rows["savings"]["losses"]) == ("0", "2", "0")
