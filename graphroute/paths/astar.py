"""A* search with an admissible geometric lower bound.

The bound for node ``v`` is ``scale * dist(coords[v], coords[target])`` where ``dist`` is the
great-circle (haversine) distance for ``(lon, lat)`` degrees or the Euclidean distance for planar
coordinates, and ``scale`` comes from the data: the smallest ``weight / dist(endpoints)`` over all
edges (for travel times that is 1 / the fastest speed found on any edge). Because ``dist`` is a
metric, every path from ``v`` to the target costs at least ``scale`` times its geometric length,
which is at least ``scale * dist(v, target)``: the bound is admissible, and also consistent
(``h(u) <= w(u, v) + h(v)``). ``scale`` is shrunk by 1e-9 relative so that rounding cannot break this.
"""

from __future__ import annotations

import itertools
import math
from heapq import heappop, heappush

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths.dijkstra import INF, Path, check_csr, check_node, check_pair, path_from_pred
from graphroute.validate import is_real

EARTH_RADIUS_M = 6_371_008.8

__all__ = ["astar", "geometric_distance", "geometric_heuristic", "geometric_scale"]


def geometric_distance(a: np.ndarray, b: np.ndarray, metric: str = "haversine") -> np.ndarray:
    """Distance between points ``a`` [k, 2] and ``b`` [k, 2] (or [2], broadcast).

    ``"haversine"``: great-circle metres between ``(lon, lat)`` in degrees;
    ``"euclidean"``: straight-line distance in the coordinates' own unit.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if metric == "euclidean":
        return np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
    if metric != "haversine":
        raise InvalidArgumentError(f"unknown metric {metric!r}; available: haversine, euclidean")
    lon1, lat1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lon2, lat2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def geometric_scale(indptr, indices, weights, coords, metric: str = "haversine") -> float:
    """Largest safe factor ``scale`` with ``weight >= scale * dist(endpoints)`` on every edge.

    O(m), vectorised. Edges whose endpoints coincide impose nothing. Returns 0.0 (A* becomes
    Dijkstra) when some edge has weight 0 but positive geometric length, or no edge has length.
    """
    indptr, indices, weights = check_csr(indptr, indices, weights)
    coords = np.asarray(coords, dtype=np.float64)
    n = indptr.size - 1
    if coords.shape != (n, 2):
        raise InvalidArgumentError(f"coords has shape {coords.shape}, expected ({n}, 2)")
    src = np.repeat(np.arange(n), np.diff(indptr))
    geo = geometric_distance(coords[src], coords[indices], metric)
    ok = geo > 0
    if not ok.any():
        return 0.0
    ratio = weights[ok] / geo[ok]
    scale = float(ratio.min())
    if not math.isfinite(scale) or scale <= 0:
        return 0.0
    return scale * (1.0 - 1e-9)


def geometric_heuristic(coords, target: int, scale: float, metric: str = "haversine") -> np.ndarray:
    """Lower bound on the cost from every node to ``target``: float64 [n] = scale * dist(v, target).

    ``coords``: [n, 2]; ``target``: a node index in ``0 .. n - 1`` (a negative or fractional one is
    refused with :class:`UnknownNameError`, not counted from the end or truncated).
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise InvalidArgumentError(f"coords has shape {coords.shape}, expected (n, 2)")
    t = check_node(target, len(coords), "target")
    if not is_real(scale) or not math.isfinite(scale) or scale < 0:
        raise InvalidArgumentError(f"scale must be a finite number >= 0 (geometric_scale gives one), got {scale!r}")
    return scale * geometric_distance(coords, coords[t], metric)


def astar(indptr, indices, weights, source: int, target: int, heuristic) -> Path:
    """Shortest path by A* (Hart, Nilsson & Raphael 1968) with lower bound ``heuristic``.

    Parameters
    ----------
    heuristic : float [n]
        ``heuristic[v]`` must not exceed the true cost from ``v`` to ``target`` (admissible).
        With a consistent bound (such as :func:`geometric_heuristic`) every node is settled once;
        with a merely admissible one, nodes are reopened when a cheaper route appears, so the result
        stays exact. Build one with ``geometric_heuristic(coords, target, geometric_scale(...))``.

    Returns
    -------
    Path. O((n + m) log n) for a consistent bound, usually far fewer nodes than Dijkstra.

    Raises the same errors as :func:`graphroute.paths.dijkstra.dijkstra`.
    """
    indptr, indices, weights, s, t = check_pair(indptr, indices, weights, source, target)
    n = indptr.size - 1
    try:
        h_arr = np.asarray(heuristic, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgumentError("heuristic must hold numbers (one lower bound per node)") from None
    if h_arr.shape != (n,):
        raise InvalidArgumentError(f"heuristic has shape {h_arr.shape}, expected ({n},)")
    bad = np.flatnonzero(np.isnan(h_arr))
    if bad.size:  # every comparison with NaN is false: the search would settle nodes in a wrong order
        raise InvalidArgumentError(f"heuristic[{int(bad[0])}] is nan ({bad.size} NaN value(s)); a lower bound "
                                   "must be a number")
    h = h_arr.tolist()
    ptr, idx, w = indptr.tolist(), indices.tolist(), weights.tolist()
    g = [INF] * n
    pred = [-1] * n
    pred_e = [-1] * n
    closed = [INF] * n  # g with which a node was last expanded
    g[s] = 0.0
    counter = itertools.count()
    heap = [(h[s], next(counter), s)]
    while heap:
        _, _, u = heappop(heap)
        gu = g[u]
        if closed[u] <= gu:
            continue  # stale entry
        if u == t:
            return path_from_pred(pred, pred_e, w, s, t)
        closed[u] = gu
        for e in range(ptr[u], ptr[u + 1]):
            v = idx[e]
            nd = gu + w[e]
            if nd < g[v]:
                g[v] = nd
                pred[v] = u
                pred_e[v] = e
                heappush(heap, (nd + h[v], next(counter), v))
    raise NoPathError(f"no path from node {s} to node {t}")
