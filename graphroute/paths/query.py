"""Path queries on a :class:`graphroute.graphs.Graph`: nodes by id or name, K paths, verbalized KG paths.

This is the layer between the array algorithms of :mod:`graphroute.paths` and the ``graphroute
paths`` command: it resolves user node keys, picks the weight, runs Yen / diverse K-paths /
time-dependent Dijkstra and turns knowledge-graph paths into text ("aspirin -[treats]-> headache").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError, UnknownNameError
from graphroute.paths.dijkstra import Path
from graphroute.paths.diverse import diverse_k_paths
from graphroute.paths.timedep import time_dependent_dijkstra
from graphroute.paths.yen import _check_k, k_shortest_paths

__all__ = ["Query", "parse_clock", "read_pairs", "run_query", "time_profile", "verbalize"]


@dataclass
class Query:
    """One source/target request and its answer (paths as node indices of the graph)."""

    source: str
    target: str
    paths: list[Path] = field(default_factory=list)


def parse_clock(text: str) -> float:
    """Seconds since midnight of a time of day ``HH:MM`` or ``HH:MM:SS`` (``"08:00"``, ``"8:05:30"``).

    Strict, because a departure is a time of day: 00:00 <= time < 24:00, minutes and seconds two
    digits below 60. A bare number ("8" would silently be 00:00:08), a fraction, ``24:00`` and anything
    else raise :class:`InvalidArgumentError`.
    """
    text = str(text).strip()
    m = re.fullmatch(r"([0-9]{1,2}):([0-5][0-9])(?::([0-5][0-9]))?", text)
    if not m or int(m.group(1)) >= 24:
        raise InvalidArgumentError(
            f"departure time {text!r} is not a time of day HH:MM or HH:MM:SS between 00:00 and 23:59:59")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3) or 0)


DAY_SECONDS = 86400.0


def clock_text(seconds: float) -> str:
    """A time of day from seconds since midnight of the departure day: ``08:17:05``, ``+1d 00:03:10`` past midnight."""
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"+{days}d {text}" if days else text


def _clock(seconds: float) -> str:
    m = int(seconds // 60)  # floored: a span just short of a day must not read 24:00 h
    return f"{m // 60}:{m % 60:02d} h"


def read_pairs(path) -> list[tuple[str, str]]:
    """Pairs file: one ``source target`` per line (tab-separated when names contain spaces);
    blank lines and ``#`` comments are skipped."""
    return [(s, t) for s, t, _ in read_pair_lines(path)]


def pair_nodes(graph, queries, path=None) -> list[tuple[int, int]]:  # noqa: ANN001
    """The node positions of ``queries`` (``(source, target)`` or ``(source, target, line)``); an unknown
    node is :class:`UnknownNameError` naming the pairs file and its line when they are known."""
    out = []
    for q in queries:
        try:
            out.append((graph.node_index(q[0]), graph.node_index(q[1])))
        except UnknownNameError as exc:
            if path is None or len(q) < 3:
                raise
            raise UnknownNameError(f"{path}: line {q[2]}: {exc}") from None
    return out


def read_pair_lines(path) -> list[tuple[str, str, int]]:
    """:func:`read_pairs` with each pair's line number: ``(source, target, line)``."""
    from pathlib import Path as _P

    pairs = []
    try:
        text = _P(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArgumentError(f"{path}: not a UTF-8 text file (byte {exc.start}); expected 'source target' lines") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) != 2:
            raise InvalidArgumentError(f"{path}: line {lineno}: expected 'source target', got {line!r}")
        pairs.append((parts[0].strip(), parts[1].strip(), lineno))
    if not pairs:
        raise InvalidArgumentError(f"{path}: no 'source target' line")
    return pairs


def time_profile(graph) -> tuple[np.ndarray, float]:
    """The graph's time-slot travel times ``[T, m]`` and slot length in seconds.

    Raises InvalidArgumentError "graph has no time-dependent travel times" when it has none.
    """
    tt = (getattr(graph, "extras", None) or {}).get("time_slots")  # graphroute.graphs.traffic keeps it there
    slot = (getattr(graph, "meta", None) or {}).get("slot_seconds")
    if tt is None or slot is None:
        raise InvalidArgumentError(
            "graph has no time-dependent travel times (build a traffic graph with a speed series for --depart)")
    return np.asarray(tt, dtype=np.float64), float(slot)


def run_query(graph, source, target, *, k: int = 10, diverse: bool = False, max_overlap: float = 0.5,
              measure: str | None = None, weight: str | None = None, depart: float | None = None,
              budget: int | None = None, stats: dict | None = None) -> list[Path]:
    """Paths from ``source`` to ``target`` (ids or names, resolved with ``graph.node_index``).

    - ``depart`` given: the single earliest-arrival path leaving at ``depart`` (seconds since the
      start of slot 0), time-dependent Dijkstra on the graph's time-slot travel times;
    - ``diverse``: :func:`~graphroute.paths.diverse.diverse_k_paths`, measure ``"relations"`` on
      knowledge graphs and ``"jaccard"`` elsewhere unless ``measure`` is given;
    - else the ``k`` shortest loopless paths (Yen).

    ``budget`` and ``stats``: as :func:`~graphroute.paths.diverse.diverse_k_paths` (``diverse`` only).
    """
    k = _check_k(k)
    s = graph.node_index(source)
    t = graph.node_index(target)
    try:
        return _run(graph, s, t, k=k, diverse=diverse, max_overlap=max_overlap, measure=measure, weight=weight,
                    depart=depart, budget=budget, stats=stats)
    except NoPathError:  # the algorithms name internal indices; the user gave ids or names
        raise NoPathError(f"no path from node {graph.node_label(s)} to node {graph.node_label(t)}") from None


def _run(graph, s: int, t: int, *, k, diverse, max_overlap, measure, weight, depart, budget, stats) -> list[Path]:
    if depart is not None:
        if diverse or weight is not None:
            raise InvalidArgumentError("a departure time gives the one earliest-arrival path on the time-slot "
                                       "travel times; it does not combine with diverse paths or a weight")
        tt, slot = time_profile(graph)
        span = len(tt) * slot
        if span < DAY_SECONDS - 1e-6:  # the profile repeats every `span`: a clock time would wrap around it
            raise InvalidArgumentError(
                f"the graph's speed series covers only {_clock(span)} ({len(tt)} slots of {slot:g} s), less than "
                f"a day: departure times of day cannot be placed in it; rebuild it from at least a day of speeds")
        return [time_dependent_dijkstra(graph.indptr, graph.indices, tt, s, t, depart, slot)]
    w = graph.weights(weight)
    if diverse:
        if measure is None:
            measure = "relations" if graph.kind == "kg" else "jaccard"
        relations = graph.edge_attrs.get("relation") if measure == "relations" else None
        if measure == "relations" and relations is None:
            raise InvalidArgumentError("graph has no relation types; use --overlap jaccard, length or nodes")
        return diverse_k_paths(graph.indptr, graph.indices, w, s, t, k, max_overlap=max_overlap,
                               measure=measure, relations=relations, budget=budget, stats=stats)
    return k_shortest_paths(graph.indptr, graph.indices, w, s, t, k)


def verbalize(graph, path: Path) -> str:
    """Knowledge-graph path as text: ``aspirin -[treats]-> headache -[...]-> ...``.

    Uses the graph's node labels and relation names; without relation types the edges read ``->``.
    """
    rel = graph.edge_attrs.get("relation") if hasattr(graph, "edge_attrs") else None
    names = list(getattr(graph, "relation_names", None) or [])
    out = [str(graph.node_label(path.nodes[0]))]
    for e, v in zip(path.edges, path.nodes[1:]):
        if rel is not None:
            r = int(rel[e])
            out.append(f"-[{names[r] if 0 <= r < len(names) else r}]->")
        else:
            out.append("->")
        out.append(str(graph.node_label(v)))
    return " ".join(out)
