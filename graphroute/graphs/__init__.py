"""Graphs: the CSR graph model, its file format, and builders for road, traffic, knowledge and
synthetic graphs (builders import their heavy dependencies lazily)."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError
from graphroute.graphs.model import GRAPH_SUFFIX, Graph, GraphFormatError, from_edges, load_graph, save_graph

__all__ = ["GRAPH_SUFFIX", "Graph", "GraphFormatError", "from_edges", "load_graph", "read_any", "save_graph"]

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")


def _read(reader, p: Path, options: dict) -> Graph:  # noqa: ANN001
    """``reader(p, **options)``, an option it does not take named in one line (not a raw TypeError)."""
    params = inspect.signature(reader).parameters
    unknown = sorted(k for k in options if k not in params or k == next(iter(params)))
    if unknown:
        takes = list(params)[1:]
        raise InvalidArgumentError(f"{reader.__name__} ({p.name}) has no option {', '.join(map(repr, unknown))}; "
                                   f"its options: {', '.join(takes) or 'none'}")
    return reader(p, **options)


def read_any(path: str | Path, **options: object) -> Graph:
    """A built graph file, or any raw file ``graphroute graph build`` reads, detected by its name.

    ``.graph.npz`` -> :func:`load_graph`; OpenStreetMap ``.osm.pbf/.osm/.osm.gz/.osm.bz2`` -> road;
    DIMACS ``.gr`` (``.co`` beside it is used) -> road; a KG folder (``train.txt/.tsv/.csv``, OpenKE's
    ``train2id.txt``) or a triples ``.txt/.tsv(.gz)`` -> knowledge graph; an adjacency ``.pkl`` -> traffic.

    A ``.csv`` is a traffic distances file (``from,to,cost``) unless it is plainly triples
    (:func:`~graphroute.graphs.kg.csv_holds_triples`): its first line is a KG header
    (``head,relation,tail`` ...), or its first data row has three fields and the third is not a number
    (a cost always is); a ``.csv.gz`` of triples is a KG too. A triples CSV whose tails are numbers
    (``p1,age,42``) is read as traffic here: give it to :func:`~graphroute.graphs.kg.read_kg`
    (``graph build kg``, or ``KGData.from_path``), which never guesses.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"read_any takes a file path, got {type(path).__name__} {path!r:.40}")
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise InvalidInstanceError(f"no such file: {p}")
    if name.endswith(".npz"):
        if options:  # they were dropped without a word: a built graph keeps the options it was built with
            raise InvalidArgumentError(f"{p.name} is a built graph: it takes no build options (got "
                                       f"{', '.join(sorted(options))}); rebuild it from the raw file to change them")
        return load_graph(p)
    if name.endswith(OSM_SUFFIXES):
        from graphroute.graphs.road import read_osm

        return _read(read_osm, p, options)
    if name.endswith(".gr") or name.endswith(".gr.gz"):
        from graphroute.graphs.road import read_dimacs

        return _read(read_dimacs, p, options)
    if p.is_dir() or name.endswith((".txt", ".tsv", ".txt.gz", ".tsv.gz")):
        from graphroute.graphs.kg import read_kg

        return _read(read_kg, p, options)
    if name.endswith((".csv", ".csv.gz")):
        from graphroute.graphs.kg import csv_holds_triples, read_kg

        if csv_holds_triples(p):
            return _read(read_kg, p, options)
    if name.endswith((".csv", ".pkl")):
        from graphroute.graphs.traffic import read_traffic

        if name.endswith(".pkl"):
            return _read(read_traffic, p, options)
        try:
            return _read(read_traffic, p, options)
        except InvalidInstanceError as exc:  # numeric triples (32,1004,92) look like from,to,cost: say so
            raise InvalidInstanceError(f"{exc} (read as a traffic from,to,cost file; if it holds knowledge-graph "
                                       "triples, build it with 'graph build kg' first)") from None
    raise InvalidInstanceError(
        f"cannot tell what graph {p.name} holds; expected .graph.npz, OSM (.osm.pbf/.osm/.osm.gz/.osm.bz2), "
        "DIMACS .gr, a KG folder or triples .txt/.tsv, or a traffic .csv/.pkl"
    )

