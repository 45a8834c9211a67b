"""Help screens: no value placeholder on flags (``--json <bool>``), a sensible one on repeatable options
(not ``<list[str]>``) and classic argument names in the usage line, whatever typer version renders them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

COMMANDS = [[], ["solve"], ["train"], ["evaluate"], ["explain"], ["paths"], ["route"], ["compare"], ["generate"],
            ["graph"], ["graph", "build"], ["graph", "info"], ["generate", "random"]]


def help_of(*words: str) -> str:
    res = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "graphroute")
def test_no_placeholder_on_flags_and_no_list_type(words):
    text = help_of(*words)
    assert "<bool>" not in text and "list[" not in text, text
    assert not re.search(r"Usage: .*\{", text), text


def test_the_flags_and_options_we_name():
    solve = help_of("solve")
    assert re.search(r"Usage: graphroute solve \[OPTIONS\] FILE\b", solve)
    assert re.search(r"--json\s+Print one JSON", solve) and re.search(r"--help\s+Show this", solve)
    assert re.search(r"--debug\s+Show full tracebacks", help_of())
    assert re.search(r"--set\s+KEY=VALUE", help_of("train"))
    compare = help_of("compare")
    assert re.search(r"Usage: graphroute compare \[OPTIONS\] \[FILES\]\.\.\.", compare)
    assert re.search(r"--generate\s+\S+\s+Generated set", compare)
    assert re.search(r"--diverse\s+\S", help_of("paths")) and "--diverse <" not in help_of("paths")


def test_options_still_parse_after_the_tidying():
    res = CliRunner().invoke(app, ["compare", "--task", "paths", "x", "--json", "--generate", "tsp:5"])
    assert res.exit_code == 1 and "--generate is for --task vrp" in res.stderr


def test_help_stays_light():
    code = ("import sys, graphroute_cli.main as m, typer; typer.main.get_command(m.app); "
            "print(sorted(x for x in ('torch', 'ortools', 'pyvrp', 'torch_geometric') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
