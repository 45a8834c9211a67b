"""Diverse K-paths: the shortest paths that are different enough from each other.

K-Paths (Abdullahi et al. 2025, "K-Paths: Reasoning over graph paths for drug repurposing and
drug interaction prediction") retrieves Yen's shortest paths between two entities of a knowledge
graph and keeps the diverse ones for a language model to read. This module does the same on any
graph: it walks :func:`graphroute.paths.yen.shortest_simple_paths` in order of cost and keeps a
path only while it is new enough, until ``k`` paths are kept or ``budget`` paths were examined.

Criteria (``measure``)
----------------------
``"jaccard"`` (default)
    overlap(P, Q) = |E(P) & E(Q)| / |E(P) | E(Q)| over the sets of directed edges (node pairs).
``"length"``
    overlap(P, Q) = weight of the edges P shares with Q / weight of P: the share of the candidate's
    length that runs over an already kept path (hop counts when P has zero cost).
``"nodes"``
    Jaccard over the sets of intermediate nodes (endpoints left out; two direct edges overlap 0).
``"relations"`` (knowledge graphs)
    keep P while its relation sequence (relation id of each edge, in order) differs from that of
    every kept path; ``max_overlap`` is not used.

A candidate is kept when overlap(P, Q) <= ``max_overlap`` for every kept Q. The shortest path is
always kept (unless it costs more than ``max_cost``: then none is). The result is therefore greedy in cost order, like K-Paths: kept paths are the
cheapest ones that pass the filter, in non-decreasing cost.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths.dijkstra import Path, check_pair
from graphroute.paths.yen import _check_k, shortest_simple_paths
from graphroute.validate import is_real

__all__ = ["MEASURES", "diverse_k_paths", "path_overlap"]

MEASURES = ("jaccard", "length", "nodes", "relations")


def path_overlap(p: Path, q: Path, measure: str = "jaccard", weights: Sequence[float] | None = None) -> float:
    """Overlap of path ``p`` with path ``q`` in [0, 1] under ``measure`` (see the module docstring).

    ``"length"`` needs ``weights`` (the CSR weight array the paths' edge positions refer to).
    ``"relations"`` is no overlap (it needs the relation id of every edge): it is refused here and
    applies in :func:`diverse_k_paths` only.
    """
    if measure == "jaccard":
        a, b = set(zip(p.nodes, p.nodes[1:])), set(zip(q.nodes, q.nodes[1:]))
        union = a | b
        return len(a & b) / len(union) if union else 1.0
    if measure == "nodes":
        a, b = set(p.nodes[1:-1]), set(q.nodes[1:-1])
        union = a | b
        return len(a & b) / len(union) if union else 0.0
    if measure == "length":
        if weights is None:
            raise InvalidArgumentError("measure 'length' needs the edge weights")
        shared = set(zip(q.nodes, q.nodes[1:]))
        pairs = list(zip(p.nodes, p.nodes[1:]))
        if not pairs:
            return 1.0
        if p.cost > 0:
            common = sum(float(weights[e]) for e, pr in zip(p.edges, pairs) if pr in shared)
            return common / p.cost
        return sum(pr in shared for pr in pairs) / len(pairs)
    if measure == "relations":
        raise InvalidArgumentError("measure 'relations' compares the relation ids of the paths' edges, which "
                                   "path_overlap does not have: use diverse_k_paths(..., measure='relations', "
                                   "relations=...), or one of jaccard, length, nodes here")
    raise InvalidArgumentError(f"unknown overlap measure {measure!r}; available: jaccard, length, nodes "
                               "(and relations in diverse_k_paths)")


def diverse_k_paths(indptr, indices, weights, source: int, target: int, k: int, *, max_overlap: float = 0.5,
                    measure: str = "jaccard", relations=None, budget: int | None = None,
                    max_cost: float | None = None, stats: dict | None = None) -> list[Path]:
    """Up to ``k`` short, mutually diverse loopless paths (K-Paths-style greedy filter over Yen).

    Parameters
    ----------
    indptr, indices, weights : CSR arrays, weights >= 0.
    source, target : node indices.
    k : paths to keep, >= 1.
    max_overlap : float in [0, 1]
        A candidate is kept when its overlap with every kept path is at most this.
        0 asks for edge-disjoint (``"jaccard"``, ``"length"``) or node-disjoint (``"nodes"``) paths;
        1 keeps every path (plain Yen).
    measure : "jaccard", "length", "nodes" or "relations" (see the module docstring).
    relations : int [m], needed for ``measure="relations"``: relation id of each edge.
    budget : int, optional
        Most Yen paths examined; default ``50 * k``. The search ends early when the paths run out.
    max_cost : float, optional
        Only paths of cost at most this (with unit weights: at most this many hops). Yen yields paths
        in order of cost, so the search stops at the first longer one.
    stats : dict, optional
        Filled with ``examined`` (Yen paths looked at), ``budget`` and ``budget_reached`` (True when the
        search stopped at the budget with fewer than ``k`` kept: more paths exist, a larger budget may
        find more diverse ones).

    Returns
    -------
    list of Path, non-decreasing cost, at most ``k``; fewer when the budget or the paths run out.
    Cost: that of enumerating up to ``budget`` Yen paths plus O(budget * k * L) overlap checks.

    Raises
    ------
    InvalidArgumentError
        ``k <= 0``, ``max_overlap`` not a number in [0, 1], ``budget`` not an integer or ``< k``,
        ``max_cost`` not a number (NaN included), unknown measure, missing ``relations``, bad arrays
        (non-numeric or negative weights).
    NoPathError, UnknownNameError
        As :func:`graphroute.paths.yen.k_shortest_paths`.
    """
    k = _check_k(k)
    if measure not in MEASURES:
        raise InvalidArgumentError(f"unknown overlap measure {measure!r}; available: {', '.join(MEASURES)}")
    if not is_real(max_overlap) or not 0.0 <= float(max_overlap) <= 1.0:
        raise InvalidArgumentError(f"max_overlap must be a number in [0, 1], got {max_overlap!r}")
    if budget is None:
        budget = 50 * k
    elif isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise InvalidArgumentError(f"budget must be an integer (the most Yen paths examined), got {budget!r}")
    budget = int(budget)
    if budget < k:
        raise InvalidArgumentError(f"budget ({budget}) must be at least k ({k})")
    if max_cost is not None and (not is_real(max_cost) or math.isnan(max_cost)):
        raise InvalidArgumentError(f"max_cost must be a number or None, got {max_cost!r}")
    # the arrays are checked here, not on the generator's first step: the weights are read below
    indptr, indices, weights, source, target = check_pair(indptr, indices, weights, source, target)
    rel = None
    if measure == "relations":
        if relations is None:
            raise InvalidArgumentError("measure 'relations' needs the relation id of each edge")
        rel_a = np.asarray(relations)
        if rel_a.ndim != 1:
            raise InvalidArgumentError(f"relations must be a 1-D array, one relation id per edge; got shape "
                                       f"{list(rel_a.shape)}")
        m = np.shape(indices)[0] if np.ndim(indices) == 1 else len(rel_a)  # other shapes: check_csr names them
        if len(rel_a) != m:
            raise InvalidArgumentError(f"relations has {len(rel_a)} values for {m} edges (one relation id per edge)")
        rel = rel_a.tolist()
    w = np.asarray(weights, dtype=np.float64)

    kept: list[Path] = []
    seen_relations: set[tuple] = set()
    examined, reached = 0, False
    for path in shortest_simple_paths(indptr, indices, weights, source, target):
        if examined >= budget:
            reached = True
            break
        if max_cost is not None and path.cost > max_cost:
            break
        examined += 1
        if rel is not None:
            key = tuple(rel[e] for e in path.edges)
            if key in seen_relations:
                continue
            seen_relations.add(key)
            kept.append(path)
        elif all(path_overlap(path, q, measure, w) <= max_overlap for q in kept):
            kept.append(path)
        if len(kept) >= k:
            break
    if stats is not None:
        stats.update(examined=examined, budget=budget, budget_reached=reached and len(kept) < k)
    return kept
