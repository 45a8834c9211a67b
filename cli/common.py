"""Shared CLI plumbing: consoles, the error boundary and small parsers.

The library raises :class:`~graphroute.exceptions.GraphrouteError`; this module is the only place
that turns those into one red line on stderr and a non-zero exit code (``--debug`` shows the
full traceback instead).
"""

from __future__ import annotations

import functools
import os
import sys
import zlib
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console

from graphroute.exceptions import GraphrouteError, is_out_of_memory

#: Width for output that is not a terminal (a file, a pipe, a CI log): rich's default there is 80
#: columns, which cut every cell of the wider comparison tables. ``COLUMNS`` still wins.
PIPED_WIDTH = 140
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else PIPED_WIDTH)
error_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    debug: bool = os.environ.get("GRAPHROUTE_DEBUG", "") not in ("", "0")


state = _State()

#: Exit codes: 1 = bad input or a domain error, 130 = interrupted.
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_ERROR) -> None:
    """Print one error line on stderr and exit."""
    from rich.markup import escape

    error_console.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)  # "[n, 2]" is text
    raise typer.Exit(code)


def cli_errors(fn: F | None = None, *, oom: str | None = None) -> Any:
    """Decorator: map library exceptions to one line on stderr and a non-zero exit code.

    ``@cli_errors`` or ``@cli_errors(oom=TEXT)``: ``oom`` is the line printed when the command runs out
    of memory; by default :data:`OUT_OF_MEMORY` (batch sizes) for the commands that train or evaluate
    models (:data:`BATCH_COMMAND_MODULES`), else :data:`OUT_OF_MEMORY_INPUT`.
    """
    if fn is None:
        return functools.partial(cli_errors, oom=oom)
    if oom is None:
        oom = OUT_OF_MEMORY if fn.__module__ in BATCH_COMMAND_MODULES else OUT_OF_MEMORY_INPUT

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except GraphrouteError as exc:
            if state.debug:
                raise
            fail(_one_line(str(exc)))
        except KeyboardInterrupt:
            if state.debug:
                raise
            fail("interrupted", EXIT_INTERRUPTED)
        except (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            if state.debug:
                raise
            fail(_one_line(f"{exc.strerror or exc}: {exc.filename}"))
        except zlib.error as exc:  # a corrupt .gz a reader did not name (each reader should)
            if state.debug:
                raise
            fail(_one_line(f"corrupt compressed input ({exc})"))
        except OSError as exc:  # any other error of the system (a name too long, no space left, ...)
            if state.debug:
                raise
            fail(_one_line(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)))
        except (MemoryError, RuntimeError) as exc:  # torch.OutOfMemoryError is a RuntimeError
            if state.debug or not is_out_of_memory(exc):
                raise
            fail(oom)

    return wrapper  # type: ignore[return-value]


OUT_OF_MEMORY = ("out of memory: lower batch_size (training, --set batch_size=N) or eval_batch_size "
                 "(evaluation), or use a smaller problem size")
#: The out-of-memory line of the commands that neither train nor evaluate models (solve, generate, ...).
OUT_OF_MEMORY_INPUT = "out of memory: the input is too large for this machine's memory; use a smaller one"
#: Modules whose commands get the batch-size advice of :data:`OUT_OF_MEMORY`.
BATCH_COMMAND_MODULES = frozenset({"graphroute_cli.train", "graphroute_cli.evaluate", "graphroute_cli.kg_evaluate"})


def check_output_path(path: Any, option: str) -> None:
    """Refuse, before any work, an output path that cannot be written: a folder, a path under a file,
    or a folder where no file can be created (read-only, ``/proc``, a name too long). Missing
    folders are fine (the writer creates them). An existing path that is not a regular file (a FIFO,
    ``/dev/full``) is refused too: the writers rename a temporary file over it, which would replace
    the device or FIFO itself. Raises :class:`InvalidArgumentError` naming ``option`` and the path as given."""
    from pathlib import Path

    from graphroute.exceptions import InvalidArgumentError
    from graphroute.problems.io import temp_file_beside

    p = Path(path)
    try:
        if p.is_dir():
            raise InvalidArgumentError(f"{option} {p} is a folder; give a file name")
        if p.exists() and not p.is_file():  # a FIFO, a device, a socket: the rename would replace it
            raise InvalidArgumentError(f"{option} {p} exists and is not a regular file (a device, FIFO or socket); "
                                       "give a file name")
        folder = p.parent
        while not folder.exists() and folder.parent != folder:  # the writer creates the missing folders
            folder = folder.parent
        if not folder.is_dir():
            raise InvalidArgumentError(f"{option} {p}: {folder} is not a folder")
        # the writers' own temporary name, so that a name too long for the file system fails here
        with temp_file_beside(folder / p.name):
            pass
    except OSError as exc:
        raise InvalidArgumentError(f"{option} {p} cannot be written ({exc.strerror or exc})") from None


def check_output_folder(path: Any, option: str) -> None:
    """Refuse, before any work, an output folder that cannot be made: an existing path that is not a
    folder, or one under a file (``--out results.csv/run``), or under a folder where nothing can be
    created. Missing folders are fine (the writer creates them). Raises :class:`InvalidArgumentError`
    naming ``option`` and the path as given."""
    import tempfile
    from pathlib import Path

    from graphroute.exceptions import InvalidArgumentError
    from graphroute.problems.io import temp_file_beside

    p = Path(path)
    try:
        folder = p
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        if not folder.is_dir():
            what = "is a file" if folder.is_file() else "is not a folder"
            where = f"{option} {p} {what}" if folder == p else f"{option} {p}: {folder} {what}"
            raise InvalidArgumentError(f"{where}; give a folder")
        if folder == p:  # files are written inside it
            with temp_file_beside(folder / "graphroute"):
                pass
        else:  # the writer creates the missing folders under it
            tempfile.TemporaryDirectory(dir=folder).cleanup()
    except OSError as exc:
        raise InvalidArgumentError(f"{option} {p} cannot be written ({exc.strerror or exc})") from None


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


def print_warnings(lines: list[str], as_json: bool = False) -> None:
    """One ``warning: ...`` line each, on stderr under ``--json`` (stdout then holds one JSON object)."""
    from rich.markup import escape

    for line in lines:
        (error_console if as_json else console).print(f"[yellow]warning[/]: {escape(line)}", highlight=False,
                                                      soft_wrap=True)


def finite_json(v: Any) -> Any:
    """``v`` with every NaN / infinity (an unknown or unbounded value) as None: JSON has no NaN."""
    from graphroute.problems.io import finite_json as finite

    return finite(v)


def print_json(obj: Any) -> None:
    """Print a JSON object on stdout (plain, no rich markup), ready for programs: strict JSON, a
    non-finite number is printed as null (Python's json would write NaN / Infinity, which parsers refuse)."""
    from graphroute.problems.io import json_text

    sys.stdout.write(json_text(obj) + "\n")
    sys.stdout.flush()


def fmt_pct(x: float | None, digits: int = 2) -> str:
    """A gap in percent: ``-`` when unknown; a value that rounds to zero never prints as ``-0.00%``; one
    beyond 1e15 % (a known best of 1e-300) in powers of ten, not 300 digits."""
    if x is not None and abs(x) >= 1e15:
        return f"{x:.{digits + 3}g}%"
    return "-" if x is None else f"{round(x, digits) + 0.0:.{digits}f}%"


def fmt_num(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e15:  # 1e308 printed all 309 digits with separators
        return f"{x:.{digits + 3}g}"
    return f"{x:,.{digits}f}" if abs(x) >= 1 else f"{x:.{digits + 3}g}"
