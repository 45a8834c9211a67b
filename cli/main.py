"""The ``graphroute`` Typer app. Each command group lives in its own small module."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from graphroute_cli import common
from graphroute_cli.compare import compare_command
from graphroute_cli.generate import generate_app
from graphroute_cli.graph import graph_app
from graphroute_cli.paths import paths_command
from graphroute_cli.route import route_command
from graphroute_cli.solve import solve_command
from graphroute_cli.train import train_command
from graphroute_cli.evaluate import evaluate_command
from graphroute_cli.explain import explain_command


def _usage_piece(piece: str) -> str:
    """An argument in the usage line the classic way: ``FILE``, ``[FILES]...`` (recent typers print
    ``{file}`` and ``[files]...``)."""
    if piece.startswith("{") and "}" in piece:
        name, rest = piece[1:].split("}", 1)
        return name.upper() + rest
    if piece.startswith("[") and "]" in piece:
        name, rest = piece[1:].split("]", 1)
        return f"[{name.upper()}]{rest}"
    return piece


def _element_type(label: str | None) -> str | None:
    """``<list[str]>`` -> ``<str>``: a repeatable option or argument shows the type of one value (the
    argument's name already ends in ``...``; the option's help says it repeats)."""
    if isinstance(label, str) and label.startswith("<list[") and label.endswith("]>"):
        return f"<{label[6:-2]}>"
    return label


def tidy_help(command: Any) -> None:
    """Help screens without value placeholders on flags, whatever typer renders them.

    Typer 0.2x (``pyproject`` asks for ``typer>=0.12``) prints a type column for every option, flags
    included (``--json <bool>``, even its own ``--help <bool>``), a repeatable option as
    ``<list[str]>`` and a required argument as ``{file}`` in the usage line. This sets an empty
    metavar on every flag (older typers print none there either), the type of one value on a repeatable
    option or argument (``<str>``; an option's own metavar still wins: ``--set KEY=VALUE``), and the
    classic ``FILE`` in the usage line; on older typers (click 8.1) it changes nothing visible. Walks
    ``command`` and its subcommands; called once, when the app's click group is built.
    """
    import types

    params = list(getattr(command, "params", []))
    try:  # --help is made on demand; typers that cache it (click >= 8.2 style) keep the tidied one
        ctx = command.context_class(command, **(command.context_settings or {}))
        help_option = command.get_help_option(ctx)
    except Exception:  # an older click without the cache, or another signature: nothing to tidy
        help_option = None
    if help_option is not None:
        params.append(help_option)
    for param in params:
        kind = getattr(param, "param_type_name", None)
        if kind == "option" and getattr(param, "is_flag", False) and not getattr(param, "count", False):
            param.metavar = ""
            continue
        if hasattr(param, "display_type_rich"):  # typer 0.2x: "<list[str]>" for a repeatable value
            param.display_type_rich = types.MethodType(
                lambda self, ctx, _original=param.display_type_rich: _element_type(_original(ctx)), param)
        if kind == "argument" and hasattr(param, "_usage_display_name"):
            param.get_usage_pieces = types.MethodType(
                lambda self, ctx, _original=param.get_usage_pieces: [_usage_piece(p) for p in _original(ctx)], param)
    for sub in (getattr(command, "commands", None) or {}).values():
        tidy_help(sub)


class _Group(TyperGroup):
    """The root group: its help screens, and its subcommands', are tidied once built (:func:`tidy_help`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy_help(self)


app = typer.Typer(
    cls=_Group,
    name="graphroute",
    help="Graph-based routing research: neural VRP solvers and GNN routers against strong classical baselines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks instead of one-line errors."),
) -> None:
    common.state.debug = debug


app.command("solve", help="Solve one instance (JSON, VRPLIB .vrp or TSPLIB .tsp) with one solver.")(solve_command)
app.add_typer(generate_app, name="generate")
app.add_typer(graph_app, name="graph")
app.command("train", help="Train a model from a YAML config (--task vrp: POMO routing models).")(train_command)
app.command("evaluate", help="Evaluate a neural checkpoint on seeded instances against a reference solver.")(evaluate_command)
app.command("explain", help="Top tails of a KG query (--head, --relation) and the paths that explain each.")(explain_command)
app.command("paths", help="K shortest, diverse or time-dependent paths between nodes of a graph.")(paths_command)
app.command("route", help="Route with a trained GNN router: greedy next hop, learned A* or K alternatives.")(route_command)
app.command("compare", help="Compare solvers on the same instances at the same time limit (default: the demo suite).")(
    compare_command
)


def empty_argument(argv: list[str]) -> str | None:
    """A one-line error for an empty command-line argument, else None. Typer reads ``--out ''`` as the
    current folder (``Path('')`` is ``.``): compare wrote its results there. No option or argument of
    graphroute takes an empty value, and the usual cause is an unset shell variable (``--out "$DIR"``)."""
    for i, arg in enumerate(argv):
        if arg == "":
            after = f" after {argv[i - 1]}" if i else ""
            return f"argument {i + 1} is empty{after} (an unset shell variable?)"
        if arg.startswith("--") and arg.endswith("=") and len(arg) > 3:
            return f"{arg[:-1]} is given an empty value (an unset shell variable?)"
    return None


def main() -> None:
    import sys

    problem = empty_argument(sys.argv[1:])
    if problem is not None:  # the one error line and exit 1, as for every other bad input
        try:
            common.fail(problem)
        except typer.Exit as stop:
            sys.exit(stop.exit_code)
    app()


if __name__ == "__main__":
    main()
