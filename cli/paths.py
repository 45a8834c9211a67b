"""``graphroute paths``: K shortest (or diverse, or time-dependent) paths between nodes of a graph."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from graphroute_cli.common import cli_errors, console, fmt_num, print_json


@cli_errors
def paths_command(
    graph: Path = typer.Argument(..., help="A built graph file, or any raw file `graphroute graph build` reads."),
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Source node: id as in the file, or name."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Target node: id as in the file, or name."),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="File with one 'source target' per line."),
    k: Optional[int] = typer.Option(None, "--k", "-k", help="Number of paths (>= 1; default 10)."),
    diverse: bool = typer.Option(False, "--diverse", help="Keep only paths that overlap little (K-Paths style)."),
    max_overlap: Optional[float] = typer.Option(None, "--max-overlap", help="--diverse: largest overlap with a kept path, 0..1 (default 0.5)."),
    overlap: Optional[str] = typer.Option(
        None, "--overlap", help="--diverse measure: jaccard, length, nodes or relations (default: relations on KGs)."),
    budget: Optional[int] = typer.Option(
        None, "--budget", help="--diverse: most shortest paths examined for diverse ones (default 50 x K)."),
    weight: Optional[str] = typer.Option(None, "--weight", "-w", help="Edge weight: length, time or hops (default: the graph's)."),
    depart: Optional[str] = typer.Option(
        None, "--depart", help="HH:MM or HH:MM:SS, 00:00 to 23:59:59: earliest-arrival path on a traffic graph with time-slot travel times (not with --k, --diverse, --weight)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    from graphroute.exceptions import InvalidArgumentError, NoPathError
    from graphroute.paths.query import pair_nodes, parse_clock, read_pair_lines, run_query
    from graphroute.paths.yen import _check_k

    if depart is not None:
        given = [opt for opt, on in (("--k", k is not None), ("--diverse", diverse), ("--overlap", overlap is not None),
                                     ("--weight", weight is not None)) if on]
        if given:
            raise InvalidArgumentError(f"--depart gives the one earliest-arrival path on the time-slot travel times; "
                                       f"it does not combine with {', '.join(given)}")
    from graphroute.paths.diverse import MEASURES

    if overlap is not None and overlap not in MEASURES:
        raise InvalidArgumentError(f"unknown overlap measure {overlap!r}; available: {', '.join(MEASURES)}")
    if not diverse:
        given = [opt for opt, on in (("--overlap", overlap is not None), ("--max-overlap", max_overlap is not None),
                                     ("--budget", budget is not None)) if on and (depart is None or opt == "--budget")]
        if given:
            raise InvalidArgumentError(f"{' and '.join(given)} {'applies' if len(given) == 1 else 'apply'} to "
                                       "--diverse paths; add --diverse or drop it")
    if depart is not None and max_overlap is not None:
        raise InvalidArgumentError("--depart gives the one earliest-arrival path on the time-slot travel times; "
                                   "it does not combine with --max-overlap")
    overlap_given = max_overlap is not None
    max_overlap = 0.5 if max_overlap is None else max_overlap
    k = _check_k(10 if k is None else k)
    if pairs is not None and (source is not None or target is not None):
        raise InvalidArgumentError("give either --source/--target or --pairs, not both")
    if pairs is None and (source is None or target is None):
        raise InvalidArgumentError("give --source and --target, or --pairs FILE")
    if not 0.0 <= max_overlap <= 1.0:
        raise InvalidArgumentError(f"--max-overlap must be in [0, 1], got {max_overlap:g}")
    if budget is not None and budget < k:  # the library says "budget ... k", the parameters' names
        raise InvalidArgumentError(f"--budget ({budget}) must be at least --k ({k})")
    depart_s = None if depart is None else parse_clock(depart)
    # ids are echoed as the graph knows them: " 266329121 " finds node 266329121 and is reported as such
    lines = read_pair_lines(pairs) if pairs is not None else [(source.strip(), target.strip())]
    queries = [q[:2] for q in lines]

    g = _read_graph(graph)
    kg = g.kind == "kg"
    if overlap_given and (overlap or ("relations" if kg else "jaccard")) == "relations":  # it was ignored there
        raise InvalidArgumentError("--max-overlap does not apply to the relations measure"
                                   f"{' (the default on knowledge graphs)' if overlap is None else ''}: a path is "
                                   "kept while its relation sequence is new; give --overlap jaccard, length or "
                                   "nodes to bound the overlap")
    pair_nodes(g, lines, pairs)  # an unknown node is bad input for the whole batch (as in `route`), named by line
    out = []
    for src, tgt in queries:
        stats: dict = {}
        try:
            found, reason = run_query(g, src, tgt, k=k, diverse=diverse, max_overlap=max_overlap, measure=overlap,
                                      weight=weight, depart=depart_s, budget=budget, stats=stats), None
        except NoPathError as exc:
            if pairs is None:  # one query: its failure is the command's (one line, exit 1)
                raise
            found, reason = [], str(exc)  # a batch reports each pair, as `route --pairs` does
        out.append((src, tgt, found, reason, stats))
    if as_json:
        print_json({"queries": [_query_json(g, s, t, found, kg, reason, stats) for s, t, found, reason, stats in out]})
        return
    for s, t, found, reason, stats in out:
        if reason is not None:
            console.print(Text(f"{s} -> {t}: {reason}", style="yellow"))
            continue
        _render(g, s, t, found, kg, diverse, depart, weight)
        if stats.get("budget_reached"):  # fewer than K, and more paths exist beyond those looked at
            console.print(f"[yellow]note[/]: {len(found)} of {k} diverse paths in the {stats['examined']:,} shortest "
                          f"paths examined; --budget {2 * stats['budget']:,} looks further", highlight=False)


def _read_graph(path: Path):
    from graphroute import graphs
    from graphroute.exceptions import MissingDependencyError

    if not hasattr(graphs, "read_any"):
        raise MissingDependencyError("graphroute.graphs.read_any is not available in this checkout")
    return graphs.read_any(path)


def _label(g, i: int) -> str:
    """A node as the user names it: always a string (ids as in the file, names), as source/target are."""
    return str(g.node_label(i))


def _file_id(g, i: int) -> str:
    """Node ``i`` as the graph's files spell it (its id; the index where the graph has no ids)."""
    return str(g.node_ids[i]) if g.node_ids is not None else str(i)


def _query_json(g, s, t, found, kg: bool, reason: str | None = None, stats: dict | None = None) -> dict:
    from graphroute.paths.query import verbalize

    paths = []
    for p in found:
        d = {"nodes": [_label(g, v) for v in p.nodes], "cost": p.cost, "hops": p.hops}
        if g.node_names is not None:  # "nodes" are display names there; programs need the files' ids
            d["ids"] = [_file_id(g, v) for v in p.nodes]
        if kg:
            d["verbalized"] = verbalize(g, p)
        if hasattr(p, "arrival"):
            d["depart_s"] = p.depart
            d["arrival_s"] = p.arrival
        paths.append(d)
    item = {"source": s, "target": t, "success": reason is None, "paths": paths}
    if reason is not None:
        item["reason"] = reason
    if stats:  # --diverse: the shortest paths examined, and whether the budget cut the search short
        item.update(examined=stats["examined"], budget=stats["budget"], budget_reached=stats["budget_reached"])
    return item


def _abbrev(labels: list, keep: int = 4) -> str:
    labels = [str(x) for x in labels]
    if len(labels) <= 2 * keep + 1:
        return " > ".join(labels)
    return " > ".join(labels[:keep]) + f" > ... ({len(labels) - 2 * keep} more) ... > " + " > ".join(labels[-keep:])


def _render(g, s, t, found, kg: bool, diverse: bool, depart: str | None, weight: str | None = None) -> None:
    from graphroute.paths.query import clock_text, verbalize

    plural = "" if len(found) == 1 else "s"
    what = "earliest arrival" if depart else (f"diverse path{plural}" if diverse else f"shortest path{plural}")
    # what the cost adds up: the weight routed on (time: s, length: m on road and traffic graphs; hops)
    name = "time" if depart else (weight or g.default_weight or "hops")
    unit = {"time": " (s)", "length": " (m)"}.get(name, "") if g.kind in ("road", "traffic") else ""
    if g.meta.get("format") == "dimacs" and name == "length":  # DIMACS lengths are in the file's units
        unit = " (file units)"
    if g.kind == "traffic" and name == "time" and not depart:  # the fastest slot of each edge (its free flow)
        unit = " (s, each edge at its fastest time slot)"
    title = (f"{s} -> {t}: {len(found)} {what}" + (f", leaving {depart.strip()}" if depart else "")
             + f", cost = {name}{unit}")
    table = Table(title=escape(title), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("cost", justify="right")
    if depart:
        table.add_column("arrival", justify="right")
    table.add_column("hops", justify="right")
    table.add_column("path" if kg else "nodes", overflow="fold")
    for rank, p in enumerate(found, 1):
        text = verbalize(g, p) if kg else _abbrev([_label(g, v) for v in p.nodes])
        cells = [str(rank), fmt_num(p.cost)] + ([clock_text(p.arrival)] if depart else []) + [str(p.hops), Text(text)]
        table.add_row(*cells)
    console.print(table)
