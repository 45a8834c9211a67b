"""The CLI's error boundary: one line on stderr, the message verbatim (brackets are not rich markup)."""

from __future__ import annotations

import pytest
import typer

from graphroute.exceptions import InvalidInstanceError
from graphroute_cli.common import cli_errors


def test_error_text_in_square_brackets_is_printed_verbatim(capsys):
    @cli_errors
    def boom() -> None:
        raise InvalidInstanceError("coords must have shape [n, 2], got (4, 3); unknown field(s) '[bold]'")

    with pytest.raises(typer.Exit) as exc:
        boom()
    err = capsys.readouterr().err
    assert exc.value.exit_code == 1
    assert "shape [n, 2], got (4, 3)" in err and "'[bold]'" in err and len(err.strip().splitlines()) == 1


def test_file_exists_is_one_line(capsys, tmp_path):
    @cli_errors
    def mk() -> None:
        (tmp_path / "f").write_text("x")
        (tmp_path / "f").mkdir()

    with pytest.raises(typer.Exit):
        mk()
    assert "File exists" in capsys.readouterr().err


class OutOfMemoryError(RuntimeError):
    """Stands in for torch.OutOfMemoryError (recognised by class name: the CLI never imports torch)."""


@pytest.mark.parametrize("error", [
    OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried ..."),
    MemoryError(),
])
def test_out_of_memory_is_one_line_naming_the_batch_sizes(capsys, error):
    """A CUDA OOM in train / evaluate used to print a traceback."""
    @cli_errors
    def run() -> None:
        raise error

    with pytest.raises(typer.Exit) as exc:
        run()
    err = capsys.readouterr().err
    assert exc.value.exit_code == 1 and len(err.strip().splitlines()) == 1
    assert "batch_size" in err and "eval_batch_size" in err


def test_other_runtime_errors_still_raise():
    @cli_errors
    def run() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run()
