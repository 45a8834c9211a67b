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


@generate_app.command("vrp")
@cli_errors
def generate_vrp(
    road: Path = typer.Option(..., "--road", help="Road graph: a .graph.npz file or an OSM / DIMACS file."),
    customers: int = typer.Option(100, "--customers", "-n", help="Number of customers."),
    clustered: bool = typer.Option(False, "--clustered", help="Customers around a few random centres."),
    seed: int = typer.Option(0, "--seed"),
    capacity: int = typer.Option(None, "--capacity", help="Vehicle capacity (default: 30/40/50 rule)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output instance .json."),
) -> None:
    """An asymmetric CVRP on a road network: travel-distance costs, travel-time durations."""
    from graphroute.graphs import read_any
    from graphroute.graphs.road_vrp import road_vrp_instance
    from graphroute.problems.io import write_instance

    inst = road_vrp_instance(read_any(road), customers=customers, clustered=clustered, seed=seed,
                             capacity=capacity, name=out.stem)
    write_instance(inst, out)
    console.print(f"wrote {out} ({inst.kind}, {inst.num_customers} customers, capacity {inst.capacity})")
