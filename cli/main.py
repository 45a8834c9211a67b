"""The ``graphroute`` Typer app. Each command group lives in its own small module."""

from __future__ import annotations

import typer

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

app = typer.Typer(
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
