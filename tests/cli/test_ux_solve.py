"""`graphroute solve`: the heading (name, kind, size, distance type) is one line, never cut mid-phrase by
the width of the two-column table under it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from graphroute_cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def test_heading_is_one_line():
    res = CliRunner().invoke(app, ["solve", str(EXAMPLES / "cvrp100.json"), "-s", "savings", "-t", "1"])
    assert res.exit_code == 0, res.output
    assert "cvrp100-clustered-s4  (cvrp, 100 customers, EXACT)" in res.stdout.splitlines()[0]


def test_heading_is_one_line_in_an_80_column_terminal():
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "graphroute_cli.main", "solve", str(EXAMPLES / "cvrp100.json"),
                          "-s", "savings", "-t", "1"], capture_output=True, text=True, env=env, check=True).stdout
    lines = out.splitlines()
    assert lines[0].strip() == "cvrp100-clustered-s4  (cvrp, 100 customers, EXACT)"
    assert all(len(line) <= 80 for line in lines[:12])
