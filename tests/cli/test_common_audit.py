"""The CLI's shared plumbing (graphroute_cli.common), pinned where a mutation audit found it unchecked:
the exact error line of each exception family, --debug re-raising, the output-path and output-folder
checks (messages, nothing left behind), warnings and JSON on the right stream, number formatting and
the width of piped output."""

from __future__ import annotations

import json
import os
import sys
import zlib

import numpy as np
import pytest
import typer

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError
from graphroute_cli import common
from graphroute_cli.common import (
    EXIT_INTERRUPTED,
    check_output_folder,
    check_output_path,
    cli_errors,
    fmt_num,
    print_json,
    print_warnings,
)


def _raising(exc: BaseException, **kw):  # noqa: ANN202
    @cli_errors(**kw)
    def cmd() -> None:
        raise exc

    return cmd


def _error_line(capsys, exc: BaseException, code: int = 1, **kw) -> str:
    """Run a command that raises ``exc``; return its stderr, after checking the exit code and stdout."""
    with pytest.raises(typer.Exit) as info:
        _raising(exc, **kw)()
    assert info.value.exit_code == code
    out = capsys.readouterr()
    assert out.out == ""
    return out.err


# ----------------------------------------------------------------------------- the error boundary
def test_a_multi_line_library_error_becomes_one_line(capsys):
    """Newlines, tabs and runs of spaces in a message are folded into single spaces."""
    err = _error_line(capsys, InvalidInstanceError("bad field\n  'capacity':\tmust be > 0\n"))
    assert err == "error: bad field 'capacity': must be > 0\n"


def test_ctrl_c_exits_130_saying_interrupted(capsys):
    err = _error_line(capsys, KeyboardInterrupt(), code=EXIT_INTERRUPTED)
    assert EXIT_INTERRUPTED == 130 and err == "error: interrupted\n"


@pytest.mark.parametrize("exc, line", [
    (FileNotFoundError(2, "No such file or directory", "/data/x.json"), "error: No such file or directory: /data/x.json"),
    (PermissionError(13, "Permission denied", "/root/o.json"), "error: Permission denied: /root/o.json"),
    (OSError(28, "No space left on device"), "error: [Errno 28] No space left on device"),
    (OSError(36, "File name too long", "/x/nn"), "error: File name too long: /x/nn"),
    (zlib.error("Error -3 while decompressing data: invalid block type"),
     "error: corrupt compressed input (Error -3 while decompressing data: invalid block type)"),
])
def test_system_errors_are_one_exact_line(capsys, exc, line):
    """The reason (not ``[Errno N] ...``) then the file; without a file the error itself; a zlib error named."""
    assert _error_line(capsys, exc) == line + "\n"


def test_a_custom_out_of_memory_line_is_printed_as_given(capsys):
    assert _error_line(capsys, MemoryError(), oom="out of memory: try -n 10") == "error: out of memory: try -n 10\n"


@pytest.mark.parametrize("exc", [
    InvalidInstanceError("bad"),
    KeyboardInterrupt(),
    FileNotFoundError(2, "No such file or directory", "x"),
    OSError(28, "No space left on device"),
    zlib.error("bad data"),
    MemoryError(),
])
def test_debug_re_raises_instead_of_one_line(monkeypatch, capsys, exc):
    """--debug (or GRAPHROUTE_DEBUG) shows the real exception, for every family the boundary maps."""
    monkeypatch.setattr(common.state, "debug", True)
    with pytest.raises(type(exc)):
        _raising(exc)()
    assert capsys.readouterr().err == ""


def test_debug_flag_shows_the_library_exception_through_the_app(tmp_path):
    from typer.testing import CliRunner

    from graphroute.exceptions import GraphrouteError
    from graphroute_cli.main import app

    try:
        res = CliRunner().invoke(app, ["--debug", "solve", str(tmp_path / "none.json"), "-s", "savings"])
    finally:
        common.state.debug = False
    assert isinstance(res.exception, GraphrouteError) and res.exit_code != 0


# ----------------------------------------------------------------------------- output paths
def test_output_path_accepts_an_existing_file_and_leaves_nothing_behind(tmp_path):
    """Overwriting a regular file is allowed; the write probe removes its temporary file."""
    (tmp_path / "old.json").write_text("{}")
    check_output_path(tmp_path / "old.json", "--out")
    check_output_path(tmp_path / "new.json", "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "{}"


def test_output_path_in_missing_folders_creates_nothing(tmp_path):
    check_output_path(tmp_path / "a" / "b" / "o.json", "--out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make, msg", [
    (lambda t: (t / "d").mkdir(), "--plot {t}/d is a folder; give a file name"),
    (lambda t: os.mkfifo(t / "d"), "--plot {t}/d exists and is not a regular file"),
])
def test_output_path_refusals_name_the_option_and_path(tmp_path, make, msg):
    make(tmp_path)
    with pytest.raises(InvalidArgumentError) as info:
        check_output_path(tmp_path / "d", "--plot")
    assert str(info.value).startswith(msg.format(t=tmp_path))


def test_output_path_under_a_file_names_that_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InvalidArgumentError, match="^--out .*/f/x/o.json: .*/f is not a folder$"):
        check_output_path(tmp_path / "f" / "x" / "o.json", "--out")


def test_unwritable_output_path_says_why():
    with pytest.raises(InvalidArgumentError) as info:
        check_output_path("/proc/o.json", "--out")
    assert str(info.value) == "--out /proc/o.json cannot be written (No such file or directory)"


def test_too_long_output_name_is_caught_by_the_probe(tmp_path):
    """A name the file system refuses (260 bytes) fails before solving; one of 250 bytes, which it takes, is accepted
    (the temporary name cuts NAME to 200 bytes: it used to fail the 250-byte name too)."""
    with pytest.raises(InvalidArgumentError, match=r"cannot be written \(File name too long\)"):
        check_output_path(tmp_path / ("n" * 255 + ".json"), "--out")
    check_output_path(tmp_path / ("n" * 245 + ".json"), "--out")


# ----------------------------------------------------------------------------- output folders
def test_output_folder_existing_or_missing_is_accepted_and_left_clean(tmp_path):
    (tmp_path / "have").mkdir()
    check_output_folder(tmp_path / "have", "--out")
    check_output_folder(tmp_path / "new" / "deeper", "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["have"]
    assert list((tmp_path / "have").iterdir()) == []


def test_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "f.csv").write_text("x")
    with pytest.raises(InvalidArgumentError) as info:
        check_output_folder(tmp_path / "f.csv", "--out")
    assert str(info.value) == f"--out {tmp_path / 'f.csv'} is a file; give a folder"


def test_output_folder_under_a_file(tmp_path):
    (tmp_path / "f.csv").write_text("x")
    with pytest.raises(InvalidArgumentError) as info:
        check_output_folder(tmp_path / "f.csv" / "run", "--out")
    assert str(info.value) == f"--out {tmp_path / 'f.csv' / 'run'}: {tmp_path / 'f.csv'} is a file; give a folder"


def test_output_folder_that_is_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "q")
    with pytest.raises(InvalidArgumentError) as info:
        check_output_folder(tmp_path / "q", "--out")
    assert str(info.value) == f"--out {tmp_path / 'q'} is not a folder; give a folder"


def test_unwritable_output_folder_says_why():
    with pytest.raises(InvalidArgumentError) as info:
        check_output_folder("/proc/runs", "--out")
    assert str(info.value) == "--out /proc/runs cannot be written (No such file or directory)"


# ----------------------------------------------------------------------------- warnings and JSON
def test_warnings_go_to_stdout_or_to_stderr_under_json(capsys):
    print_warnings(["[bold]a[/] b", "second"])
    out = capsys.readouterr()
    assert out.out.splitlines() == ["warning: [bold]a[/] b", "warning: second"] and out.err == ""
    print_warnings(["x [red]y"], as_json=True)
    out = capsys.readouterr()
    assert out.out == "" and out.err.splitlines() == ["warning: x [red]y"]


def test_print_json_is_one_line_with_numpy_values_converted(capsys):
    print_json({"n": np.int64(3), "c": np.float32(2.5), "bad": np.float32("nan"), "s": "[x]"})
    out = capsys.readouterr().out
    assert out.endswith("}\n") and out.count("\n") == 1
    assert json.loads(out) == {"n": 3, "c": 2.5, "bad": None, "s": "[x]"}


def test_print_json_is_strict_json_with_a_python_nan_or_infinity(capsys):
    """json.dumps writes a Python float('nan') / np.float64 inf as NaN / Infinity, which strict parsers
    refuse: printed as null, nested in lists, tuples and arrays too."""
    print_json({"a": float("nan"), "b": [np.float64("inf"), (1.5, -float("inf"))], "c": np.array([np.nan, 2.0])})
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    assert json.loads(out) == {"a": None, "b": [None, [1.5, None]], "c": [None, 2.0]}


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("x, text", [
    (None, "-"),
    (3, "3"),
    (-2.0, "-2"),
    (1234567.0, "1,234,567"),
    (1e15, "1e+15"),  # beyond 1e15 in powers of ten: 1e308 printed 309 digits with separators (--bks 1e308)
    (1e308, "1e+308"),
    (-2.5e20, "-2.5e+20"),
    (1.5, "1.50"),
    (12345.5, "12,345.50"),
    (0.5, "0.5"),
    (0.123456, "0.12346"),
])
def test_fmt_num(x, text):
    """Integers with thousands separators, others two decimals; below 1 five significant digits."""
    assert fmt_num(x) == text


def test_fmt_pct_beyond_1e15_is_in_powers_of_ten():
    from graphroute_cli.common import fmt_pct

    assert fmt_pct(2e305) == "2e+305%" and fmt_pct(-1.234) == "-1.23%" and fmt_pct(-0.001) == "0.00%"


def test_fmt_num_digits():
    assert fmt_num(2.71828, 3) == "2.718" and fmt_num(0.0271828, 1) == "0.02718"


# ----------------------------------------------------------------------------- width of piped output
def _console_width(monkeypatch, columns: str | None) -> int:
    """The width of a freshly imported ``common.console`` while stdout is not a terminal."""
    import importlib.util
    import io

    monkeypatch.setattr(sys, "stdout", io.StringIO())
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    spec = importlib.util.find_spec("graphroute_cli.common")
    fresh = importlib.util.module_from_spec(spec)  # a separate copy: the loaded module is left alone
    spec.loader.exec_module(fresh)
    return fresh.console.width


def test_piped_output_is_140_wide_unless_columns_says_otherwise(monkeypatch):
    """rich's 80 columns cut the comparison tables in a pipe or CI log; COLUMNS still wins."""
    assert _console_width(monkeypatch, None) == 140
    assert _console_width(monkeypatch, "61") == 61


@pytest.mark.parametrize("x, digits, shown", [(None, 2, "-"), (-1e-14, 3, "0.000%"), (-0.004, 2, "0.00%"),
                                              (-0.006, 2, "-0.01%"), (1.23456, 3, "1.235%"), (0.0, 2, "0.00%")])
def test_fmt_pct_never_prints_minus_zero(x, digits, shown):
    """A gap of -1e-14 (floating-point noise on an optimal run) reads 0.000%, not -0.000%."""
    from graphroute_cli.common import fmt_pct

    assert fmt_pct(x, digits) == shown
