"""`import graphroute` and the CLI stay light: no torch, PyG, OR-Tools or PyVRP at import time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["torch", "torch_geometric", "ortools", "pyvrp", "osmium", "matplotlib", "scipy", "networkx"]


def test_imports_are_light():
    code = (
        "import sys, graphroute, graphroute_cli.main\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"heavy modules imported at startup: {out}"


def test_help_runs():
    res = subprocess.run([sys.executable, "-m", "graphroute_cli.main", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "solve" in res.stdout
