"""``graphroute generate``: seeded instances (``random``) and road-network VRPs (``vrp``)."""

from __future__ import annotations

from pathlib import Path

import typer

from graphroute_cli.common import cli_errors, console

generate_app = typer.Typer(help="Generate instances: seeded random ones, or VRPs on road networks.", no_args_is_help=True)


@generate_app.command("random")
@cli_errors
def generate_random(
    problem: str = typer.Option("cvrp", "--problem", "-p", help="tsp or cvrp."),
    size: int = typer.Option(50, "--size", "-n", help="Cities (tsp) or customers (cvrp)."),
    distribution: str = typer.Option("uniform", "--distribution", "-d", help="uniform, clustered or mixed."),
    asymmetric: bool = typer.Option(False, "--asymmetric", help="MatNet-style explicit asymmetric matrix."),
    count: int = typer.Option(1, "--count", help="How many instances (seeds seed, seed+1, ...)."),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(..., "--out", "-o", help="Output .json file (count 1) or folder (count > 1)."),
) -> None:
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.problems.generate import generate
    from graphroute.problems.io import write_instance

    if count < 1:
        raise InvalidArgumentError(f"--count must be at least 1, got {count}")
    if count == 1 and out.suffix == ".json":
        write_instance(generate(problem, size, distribution=distribution, seed=seed, asymmetric=asymmetric), out)
        console.print(f"wrote {out}")
        return
    for k in range(count):
        inst = generate(problem, size, distribution=distribution, seed=seed + k, asymmetric=asymmetric)
        write_instance(inst, out / f"{inst.name}.json")
    console.print(f"wrote {count} instances to {out}/")
