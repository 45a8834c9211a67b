"""CLI helpers shared by the bad-input tests: run a command in-process and check its one-line error."""

from __future__ import annotations

from typer.testing import CliRunner

from graphroute_cli.main import app


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(res, *needles: str, code: int = 1) -> None:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
