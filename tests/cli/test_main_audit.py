"""The ``graphroute`` app (cli/main.py): the entry point, the bare command, and the help-tidying helpers
(classic argument names in the usage line, one value's type on repeatable options)."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import _element_type, _usage_piece, app, main


@pytest.mark.parametrize("piece,expected", [
    ("{file}", "FILE"),
    ("{graph}...", "GRAPH..."),
    ("[files]...", "[FILES]..."),
    ("[OPTIONS]", "[OPTIONS]"),
    ("FILE", "FILE"),
    ("{file", "{file"),  # not a placeholder: left alone
    ("[files", "[files"),
    ("{a}b}", "Ab}"),  # only the first closing brace ends the name
    ("[a]b]", "[A]b]"),
])
def test_usage_piece_is_the_classic_upper_case_name(piece, expected):
    assert _usage_piece(piece) == expected


@pytest.mark.parametrize("label,expected", [
    ("<list[str]>", "<str>"),
    ("<list[int]>", "<int>"),
    ("<int>", "<int>"),
    ("<list[str]", "<list[str]"),
    ("", ""),
    (None, None),
])
def test_element_type_shows_one_value_of_a_repeatable_option(label, expected):
    assert _element_type(label) == expected


def test_bare_graphroute_shows_the_help_with_its_commands():
    res = CliRunner().invoke(app, [], env={"COLUMNS": "200"})
    assert "Usage: graphroute [OPTIONS] COMMAND [ARGS]..." in res.output
    for name in ("solve", "generate", "graph", "train", "evaluate", "explain", "paths", "route", "compare"):
        assert f" {name} " in res.output, name
    assert "Missing command" not in res.output


def test_main_is_the_console_entry_point(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["graphroute", "compare", "--help"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Compare solvers on the same instances at the same time limit" in out and "--task" in out


def test_help_flag_and_repeatable_option_show_no_type_column(monkeypatch):
    """--help itself (built on demand) and --json are flags; --generate repeats but shows one <str>."""
    res = CliRunner().invoke(app, ["compare", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Usage: graphroute compare [OPTIONS] [FILES]..." in res.stdout
    lines = {ln.split()[1]: ln for ln in res.stdout.splitlines() if ln.startswith("│ --")}
    assert "<" not in lines["--help"] and "<" not in lines["--json"] and "<" not in lines["--fresh"]
    assert "<str>" in lines["--generate"] and "<int>" in lines["--workers"]
