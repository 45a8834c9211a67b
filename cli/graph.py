"""``graphroute graph``: build graphs from road, traffic, knowledge-graph and synthetic sources; inspect them.

Each ``graph build KIND`` command is a thin wrapper over a builder in :mod:`graphroute.graphs`;
it writes a ``.graph.npz`` file (see ``docs/graph-format.md``) and prints the build summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from graphroute_cli.common import (
    check_output_path,
    cli_errors,
    console,
    error_console,
    finite_json,
    print_json,
    print_warnings,
)

graph_app = typer.Typer(help="Build graphs (road, traffic, kg, synthetic) and inspect graph files.", no_args_is_help=True)
build_app = typer.Typer(help="Build a graph file from source data.", no_args_is_help=True)
graph_app.add_typer(build_app, name="build")


def check_graph_out(out: Path) -> None:
    """``--out`` of ``graph build``, checked before any work as :func:`save_graph` will write it (the
    ``.graph.npz`` suffix appended): not under a file, not a FIFO or device, in a writable folder. An
    existing folder is left to :func:`save_graph`, whose refusal names a file to give instead."""
    from graphroute.graphs.model import graph_file_name

    if out.is_dir():
        return
    check_output_path(out.with_name(graph_file_name(out.name)), "--out")


def save_and_report(g, out: Path, as_json: bool = False) -> None:  # noqa: ANN001
    """Write ``g`` to ``out`` atomically and print the same summary as ``graph info``."""
    from graphroute.graphs import save_graph

    path = save_graph(g, out)
    summary = graph_summary(g)
    summary["file"] = str(path)
    if as_json:
        print_json(summary)
    else:
        render_summary(summary, title=f"wrote {path}")


def graph_summary(g) -> dict:  # noqa: ANN001
    """Numbers a person checks first: size, attributes, components, degrees, extent, build notes."""
    import numpy as np
    from scipy.sparse.csgraph import connected_components

    deg = g.out_degree()
    ncomp, labels = connected_components(g.to_scipy(), directed=True, connection="strong")
    out = {
        "kind": g.kind,
        "nodes": g.n_nodes,
        "edges": g.n_edges,
        "edge_attrs": {k: str(v.dtype) for k, v in g.edge_attrs.items()},
        "default_weight": g.default_weight or "hops",
        "strong_components": int(ncomp),
        "largest_component": int(np.bincount(labels).max()) if g.n_nodes else 0,
        "out_degree": {"min": int(deg.min()) if len(deg) else 0, "mean": float(deg.mean()) if len(deg) else 0.0,
                       "max": int(deg.max()) if len(deg) else 0},
    }
    for k, v in g.edge_attrs.items():
        if v.dtype.kind == "f" and len(v):
            out[f"{k}_range"] = [float(v.min()), float(v.max())]
    if g.coords is not None and g.n_nodes:
        out["bbox"] = [float(x) for x in (*g.coords.min(0), *g.coords.max(0))]
    if g.relation_names is not None:
        out["relations"] = len(g.relation_names)
    if g.extras:
        out["extras"] = {k: list(v.shape) for k, v in g.extras.items()}
    build = {k: v for k, v in g.meta.items() if k not in ("default_weight",)}
    if build:
        out["meta"] = build
    return finite_json(out)


def render_summary(summary: dict, title: str) -> None:
    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    for k, v in summary.items():
        if k == "meta":
            for mk, mv in v.items():
                t.add_row(f"meta.{mk}", _cell(mv))
        else:
            t.add_row(k, _cell(v))
    console.print(t)


def _cell(v: object) -> str:
    """Readable table cell: thousands separators, 6 significant digits, dicts as ``key value`` pairs."""
    if v is None:  # JSON's null: no value (a pickle's meta.sigma), not Python's "None"
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_cell(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):  # a long list (sensors_skipped: hundreds of ids) shows its start and count
        more = f", ... ({len(v):,} in all)" if len(v) > 10 else ""
        return "[" + ", ".join(_cell(x) for x in v[:10]) + more + "]"
    return str(v)


@graph_app.command("info")
@cli_errors
def graph_info(
    file: Path = typer.Argument(..., help="A .graph.npz file, or any raw file 'graph build' reads."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Summarise a graph: kind, nodes, edges, attributes, components, degrees, extent, build notes."""
    from graphroute.graphs import read_any

    g = read_any(file)
    summary = graph_summary(g)
    if as_json:
        print_json(summary)
    else:
        render_summary(summary, title=str(file))


@build_app.command("road")
@cli_errors
def build_road(
    source: Path = typer.Argument(..., help="OpenStreetMap .osm.pbf/.osm/.osm.gz/.osm.bz2 or DIMACS .gr file."),
    out: Path = typer.Option(..., "--out", "-o", help="Output graph file (.graph.npz)."),
    co: Path = typer.Option(None, "--co", help="DIMACS .co coordinates (default: the .co beside the .gr)."),
    weight: str = typer.Option(None, "--weight", help="OSM: default routing weight, time (default) or length."),
    keep_all: bool = typer.Option(False, "--keep-all", help="OSM: keep every component, not only the largest SCC."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Road graph: drivable OSM ways with one-way rules, length (m) and travel time (s); or DIMACS."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.graphs.road import read_dimacs, read_osm

    name = source.name.lower()
    check_graph_out(out)  # before reading: no build is lost to an unwritable path
    if name.endswith((".gr", ".gr.gz")):
        if weight not in (None, "length"):
            raise InvalidArgumentError(f"DIMACS files carry one arc weight (length); --weight {weight} is not available")
        if keep_all:  # refused like --co with OSM: an option that would do nothing
            raise InvalidArgumentError("--keep-all applies to OpenStreetMap files; a DIMACS graph is kept whole")
        g = read_dimacs(source, coords=co)
    else:
        from graphroute.graphs import OSM_SUFFIXES

        kinds = "an OpenStreetMap .osm.pbf/.osm/.osm.gz/.osm.bz2 or a DIMACS .gr/.gr.gz file"
        if source.is_dir():  # pyosmium said "Could not detect file format for filename ..."
            raise InvalidArgumentError(f"{source} is a folder; graph build road takes {kinds}")
        if source.exists() and not name.endswith(OSM_SUFFIXES):
            raise InvalidArgumentError(f"{source.name}: graph build road takes {kinds}"
                                       + (" (a .co file is read beside its .gr, or given with --co)"
                                          if name.endswith((".co", ".co.gz")) else ""))
        if co is not None:
            raise InvalidArgumentError(f"--co gives the coordinates of a DIMACS .gr file; {source.name} is read as "
                                       "OpenStreetMap, which has its own")
        g = read_osm(source, weight=weight or "time", keep_largest_scc=not keep_all)
    save_and_report(g, out, as_json)


@build_app.command("kg")
@cli_errors
def build_kg(
    source: Path = typer.Argument(..., help="Folder with train/valid/test triples (or one triples file)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output graph file (.graph.npz)."),
    inverse: bool = typer.Option(False, "--inverse", help="Add inverse edges (relation^-1)."),
    names: Path = typer.Option(None, "--names", help="TSV 'id<TAB>name' file of entity names."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Knowledge graph from head/relation/tail triples; splits and vocabularies kept in the file."""
    from graphroute.graphs.kg import read_kg

    from graphroute.graphs.kg import kg_warnings, names_warnings

    check_graph_out(out)
    g = read_kg(source, inverse=inverse, names=names)
    print_warnings(kg_warnings(g.meta) + names_warnings(g.meta), as_json)
    save_and_report(g, out, as_json)


@build_app.command("synthetic")
@cli_errors
def build_synthetic(
    kind: str = typer.Argument(..., help="grid, geometric or delaunay."),
    nodes: int = typer.Option(1000, "--nodes", "-n", help="About this many nodes."),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(..., "--out", "-o", help="Output graph file (.graph.npz)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Seeded synthetic road-like graph with length and travel time."""
    from graphroute.graphs.synthetic import synthetic_graph

    check_graph_out(out)
    save_and_report(synthetic_graph(kind, nodes, seed=seed), out, as_json)


def _left_out(meta: dict) -> str:
    """The sensors a distances CSV names that its sensor list lacks: they are not in the graph."""
    lost = meta.get("sensors_skipped") or []
    if not lost:
        return ""
    return f"; {len(lost):,} sensor(s) of it are not in the graph ({_first_ids(lost)}; meta.sensors_skipped)"


def _first_ids(ids: list[str]) -> str:
    """The first five of ``ids``, then ``...`` when there are more."""
    return ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")


@build_app.command("traffic")
@cli_errors
def build_traffic(
    source: Path = typer.Argument(..., help="Sensor distances CSV (from,to,cost) or DCRNN adjacency .pkl."),
    out: Path = typer.Option(..., "--out", "-o", help="Output graph file (.graph.npz)."),
    ids: Path = typer.Option(None, "--ids", help="Sensor id list (default: the locations file's order)."),
    locations: Path = typer.Option(None, "--locations", help="Sensor locations CSV (default: found beside)."),
    speeds: Path = typer.Option(None, "--speeds", help="Speed series: CSV with sensor-id header, .npz [steps, sensors(, features)] or .h5 (default: *speed*.csv[.gz]/.npz beside)."),
    sigma: float = typer.Option(None, "--sigma", help="Kernel width (default: std of the distances)."),
    slot_minutes: Optional[int] = typer.Option(None, "--slot-minutes", help="Minutes between rows of the speed series (default 5; only with a speed series)."),
    speed_unit: Optional[str] = typer.Option(None, "--speed-unit", help="mph (default), kmh or mps (only with a speed series)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Traffic sensor graph (DCRNN Gaussian kernel) with per-time-slot travel times from a speed series."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.graphs.traffic import read_traffic

    check_graph_out(out)
    g = read_traffic(source, ids=ids, locations=locations, speeds=speeds, sigma=sigma,
                     slot_minutes=5 if slot_minutes is None else slot_minutes, speed_unit=speed_unit or "mph")
    unused = [opt for opt, v in (("--slot-minutes", slot_minutes), ("--speed-unit", speed_unit)) if v is not None]
    if unused and "speeds" not in g.meta:  # refused like --depart with --k in `paths`: an option that does nothing
        raise InvalidArgumentError(f"{' and '.join(unused)} {'applies' if len(unused) == 1 else 'apply'} to a speed series, and none was given (--speeds) "
                                   f"or found beside {source.name}")
    save_and_report(g, out, as_json)
    lines = [g.meta["locations_skipped"]] if "locations_skipped" in g.meta else []
    if g.meta.get("speed_rows_unused"):
        lines.append(f"the last {g.meta['speed_rows_unused']:,} of the {g.meta['speed_rows']:,} speed rows are part of a "
                     "day and were not used (whole days only; the first row is taken as 00:00)")
    if "slots" in g.meta and g.meta["slots"] * g.meta["slot_seconds"] < 86_400:
        lines.append(f"the speed series covers {g.meta['slots']:,} slots of {g.meta['slot_seconds']:g} s, less than a day: "
                     "paths --depart (time-dependent search) needs at least a day")
    alone = g.meta.get("sensors_without_distance") or []
    if alone:
        lines.append(f"{len(alone):,} sensor(s) of the sensor list have no distance to another sensor ({_first_ids(alone)}"
                     "): isolated nodes (meta.sensors_without_distance)")
    dead = g.meta.get("speed_sensors_imputed") or []
    if dead:
        lines.append(f"{len(dead):,} sensor(s) have no usable speed reading ({_first_ids(dead)}"
                     "); they take the median speed of all sensors "
                     "(meta.speed_sensors_imputed)")
    print_warnings(lines, as_json)
    skipped = g.meta.get("rows_skipped", 0)
    if skipped:  # DCRNN drops them too, but silently; say so, on stderr under --json (stdout is one JSON object)
        from rich.markup import escape

        (error_console if as_json else console).print(
            f"[yellow]note[/]: skipped {skipped:,} row(s) of {escape(source.name)} that name a sensor missing from the "
            f"sensor list {escape(Path(g.meta['sensor_list']).name)} (meta.rows_skipped){_left_out(g.meta)}",
            highlight=False, soft_wrap=True)
