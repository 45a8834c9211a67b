"""The README's Python API block runs as printed (from the repository root, as a new user would)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_python_api_block_runs(capsys):
    pytest.importorskip("pyvrp")
    pytest.importorskip("torch_geometric")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block, "README.md (Python API)", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[1] == "[]"  # cost, feasible, routes; no violations; path costs
