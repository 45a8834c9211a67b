"""``graphroute generate``: seeded instances (``random``) and road-network VRPs (``vrp``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from graphroute_cli.common import check_output_folder, check_output_path, cli_errors, console

generate_app = typer.Typer(help="Generate instances: seeded random ones, or VRPs on road networks.", no_args_is_help=True)


@generate_app.command("random")
@cli_errors
def generate_random(
    problem: str = typer.Option("cvrp", "--problem", "-p", help="tsp or cvrp."),
    size: int = typer.Option(50, "--size", "-n", help="Cities (tsp) or customers (cvrp)."),
    distribution: Optional[str] = typer.Option(
        None, "--distribution", "-d", help="uniform (default), clustered or mixed; not with --asymmetric."),
    asymmetric: bool = typer.Option(False, "--asymmetric", help="MatNet-style explicit asymmetric matrix."),
    count: int = typer.Option(1, "--count", help="How many instances (seeds seed, seed+1, ...)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the first instance (>= 0)."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Count 1: an output .json file. Count > 1: a folder (no .json suffix); "
                                  "files are named after the instances."),
) -> None:
    """Seeded random TSP / CVRP instances in graphroute JSON (AM / POMO / MatNet conventions)."""
    from graphroute.exceptions import InvalidArgumentError, is_out_of_memory
    from graphroute.problems.generate import check_generate_count, check_generate_size, check_generator_seed, generate
    from graphroute.problems.io import write_instance

    from graphroute.problems.generate import MAX_GENERATE_COUNT

    if not 1 <= count <= MAX_GENERATE_COUNT:  # named as the option, as the other bounds of this command are
        raise InvalidArgumentError(f"--count must be at {'least 1' if count < 1 else f'most {MAX_GENERATE_COUNT:,}'}, "
                                   f"got {count:,}")
    check_generate_size(size, asymmetric)  # before any work: 10^8 cities or instances ran for minutes
    check_generate_count(count, size)
    check_generator_seed(seed)
    from graphroute.problems.generate import MAX_GENERATOR_SEED

    if seed + count - 1 > MAX_GENERATOR_SEED:  # named with what was typed, not the last seed it would use
        raise InvalidArgumentError(f"--seed {seed} with --count {count} uses seeds up to {seed + count - 1}, above "
                                   f"the largest seed {MAX_GENERATOR_SEED}; lower --seed or --count")
    suffix = out.suffix.lower()
    if count == 1 and suffix not in ("", ".json"):
        raise InvalidArgumentError(f"--out must end in .json (or be a folder), got {out.name}")
    if count > 1 and suffix == ".json":
        raise InvalidArgumentError(f"--count {count} writes a folder; give --out a folder name, not {out.name}")
    to_folder = suffix != ".json"
    if to_folder and out.exists() and not out.is_dir():
        raise InvalidArgumentError(f"--out {out} is a {'file' if out.is_file() else 'device or FIFO, not a folder'}; "
                                   f"{count} instance(s) go to a folder")
    if to_folder:  # before generating: no work is lost to an unwritable path
        check_output_folder(out, "--out")
    else:
        check_output_path(out, "--out")
    dist = distribution or "uniform"
    # every instance is built (and so checked) before the first file is written
    try:
        insts = [generate(problem, size, distribution=dist, seed=seed + k, asymmetric=asymmetric) for k in range(count)]
    except (MemoryError, RuntimeError) as exc:
        if not is_out_of_memory(exc):
            raise
        matrix = f" (an explicit {size} x {size} matrix each)" if asymmetric else ""
        raise InvalidArgumentError(f"out of memory generating {count} {problem} instance(s) of size {size}{matrix}; "
                                   "use a smaller --size or --count") from None
    if not to_folder:
        write_instance(insts[0], out)
        console.print(f"wrote {out}", markup=False)
        return
    created_folder = not out.exists()
    written: list[Path] = []  # files this run created: removed again when it stops half-way (Ctrl-C, disk full)
    try:
        for inst in insts:
            path = out / f"{inst.name}.json"
            if not path.exists():  # listed before it is written: a Ctrl-C right after the rename removes it too
                written.append(path)
            write_instance(inst, path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if created_folder and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    console.print(f"wrote {count} instance(s) to {out}/", markup=False)


@generate_app.command("vrp")
@cli_errors
def generate_vrp(
    road: Path = typer.Option(..., "--road", help="Road graph: a .graph.npz file or an OSM / DIMACS file."),
    customers: int = typer.Option(100, "--customers", "-n", help="Number of customers."),
    clustered: bool = typer.Option(False, "--clustered", help="Customers around a few random centres."),
    seed: int = typer.Option(0, "--seed", help="Seed (>= 0)."),
    capacity: int = typer.Option(None, "--capacity", help="Vehicle capacity (default: 30/40/50 rule)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output instance .json."),
) -> None:
    """An asymmetric CVRP on a road network: travel-distance costs, travel-time durations."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.problems.generate import check_generated_capacity, check_generator_seed

    check_generator_seed(seed)
    if capacity is not None:
        check_generated_capacity(capacity)  # before the graph is read: a capacity below a drawn demand fails by seed
    if out.suffix.lower() != ".json":
        raise InvalidArgumentError(f"--out must end in .json, got {out.name}")
    check_output_path(out, "--out")  # before the many-to-many Dijkstra: no work is lost to an unwritable path
    from graphroute.graphs import OSM_SUFFIXES, read_any
    from graphroute.graphs.road_vrp import road_vrp_instance
    from graphroute.problems.io import write_instance

    if not road.name.lower().endswith((".npz", ".gr", ".gr.gz", *OSM_SUFFIXES)):  # else read as a KG or traffic file
        raise InvalidArgumentError(f"--road takes a road graph (a .graph.npz, an OpenStreetMap .osm/.osm.pbf/.osm.gz/"
                                   f".osm.bz2 or a DIMACS .gr file), got {road.name}")
    inst = road_vrp_instance(read_any(road), source=str(road), customers=customers, clustered=clustered, seed=seed,
                             capacity=capacity, name=out.stem)
    write_instance(inst, out)
    console.print(f"wrote {out} ({inst.kind}, {inst.num_customers} customers, capacity {inst.capacity})", markup=False)
