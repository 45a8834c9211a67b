"""The CLI's error boundary: one line on stderr, the message verbatim (brackets are not rich markup)."""

from __future__ import annotations

import pytest
import typer

from graphroute.exceptions import InvalidInstanceError
from graphroute_cli.common import OUT_OF_MEMORY, cli_errors


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
    @cli_errors(oom=OUT_OF_MEMORY)
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


def test_out_of_memory_of_other_commands_gives_no_batch_advice(capsys):
    """solve / generate / graph commands used to advise lowering batch_size, which they do not have."""
    @cli_errors
    def run() -> None:
        raise MemoryError()

    with pytest.raises(typer.Exit):
        run()
    err = capsys.readouterr().err
    assert "out of memory: the input is too large" in err and "batch_size" not in err


def test_training_and_evaluation_commands_keep_the_batch_advice():
    from graphroute_cli.common import BATCH_COMMAND_MODULES
    from graphroute_cli.evaluate import evaluate_command
    from graphroute_cli.train import train_command

    for cmd in (evaluate_command, train_command):
        assert cmd.__wrapped__.__module__ in BATCH_COMMAND_MODULES


def test_generate_out_of_memory_names_the_size(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import importlib

    from graphroute_cli.main import app

    gen = importlib.import_module("graphroute.problems.generate")  # the package's name "generate" is the function

    def oom(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise MemoryError()

    monkeypatch.setattr(gen, "generate", oom)
    res = CliRunner().invoke(app, ["generate", "random", "-p", "tsp", "--size", "2000", "--asymmetric",
                                   "--out", str(tmp_path / "g.json")])
    assert res.exit_code == 1 and "out of memory generating 1 tsp instance(s) of size 2000 (an explicit 2000 x 2000 matrix each)" in res.stderr
    assert "batch_size" not in res.stderr and not (tmp_path / "g.json").exists()


def test_other_os_errors_are_one_line(capsys):
    @cli_errors
    def run() -> None:
        raise OSError(36, "File name too long", "/x/" + "n" * 300)

    with pytest.raises(typer.Exit):
        run()
    err = capsys.readouterr().err
    assert err.startswith("error: File name too long: /x/nnn") and len(err.strip().splitlines()) == 1
