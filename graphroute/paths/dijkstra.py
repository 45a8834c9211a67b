"""Dijkstra's algorithm over CSR arrays: one pair, one to all, many to many, bidirectional.

Every function here takes a directed graph as three arrays, the layout of
``scipy.sparse.csr_array`` and of :class:`graphroute.graphs.Graph`:

``indptr``: int [n + 1]
    out-edges of node ``u`` are positions ``indptr[u] .. indptr[u + 1] - 1``;
``indices``: int [m]
    target node of each edge;
``weights``: float [m]
    length / travel time of each edge, ``>= 0`` (``+inf`` means impassable).

Nodes are integers ``0 .. n - 1``. Parallel edges are allowed (the cheapest one is used; ties go
to the lower edge position). Paths are node sequences: :class:`Path` carries the nodes, the CSR
positions of the edges used and the cost, summed left to right along the path.

Heaps break ties with a counter, so results never depend on anything but the input arrays.
The functions are pure: no printing, no files, no global state.

Many queries on one graph: every call checks the arrays (O(m) numpy) and converts them to Python
lists (O(m): 6-8 ms on a 10k-node, 60k-edge graph, where the search itself takes 15-20 ms). :func:`prepare`
does both once; :func:`dijkstra_prepared` (and ``k_shortest_paths_prepared`` in :mod:`graphroute.paths.yen`)
then run only the search, with the same results.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
import math
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Sequence

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError, UnknownNameError
from graphroute.validate import is_real

INF = math.inf

__all__ = [
    "Path",
    "PreparedGraph",
    "bidirectional_dijkstra",
    "check_csr",
    "check_node",
    "index_array",
    "dijkstra",
    "dijkstra_all",
    "dijkstra_matrix",
    "dijkstra_prepared",
    "path_from_pred",
    "prepare",
    "reverse_csr",
]


@dataclass(frozen=True)
class Path:
    """A path as node indices, the CSR positions of its edges and its cost.

    ``len(edges) == len(nodes) - 1``; ``cost`` is the sum of the edge weights in path order.
    """

    nodes: tuple[int, ...]
    edges: tuple[int, ...]
    cost: float

    @property
    def hops(self) -> int:
        return len(self.edges)


# ----------------------------------------------------------------------------- validation


def nodes_span(n: int) -> str:
    """``"nodes 0..N-1"``, or ``"the graph has no nodes"`` when ``n == 0``: the valid node indices, in words."""
    return f"nodes 0..{n - 1}" if n > 0 else "the graph has no nodes"


_INT64_MAX = np.iinfo(np.int64).max


def index_array(values, name: str) -> np.ndarray:
    """``values`` as an int64 array of the same shape, refusing anything that is not a whole number.

    Index arrays (``indptr``, ``indices``, edge endpoints) must hold integers: a float array is
    accepted only when every value is a whole number within int64 (``[0.0, 2.0]``), never truncated
    (``1.7`` would silently become node 1). Integer input costs nothing but the dtype cast; float
    input one vectorised pass.

    Raises
    ------
    InvalidArgumentError
        One line naming ``name`` and its first bad value: ``indices must hold integers; indices[0] is 1.7``.
    """
    try:
        a = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise InvalidArgumentError(f"{name} must be an array of integers ({exc})") from None
    kind = a.dtype.kind
    if kind in "iu":
        if a.dtype == np.uint64 and a.size and a.max() > _INT64_MAX:
            bad = int(np.argmax(a > _INT64_MAX))
            raise InvalidArgumentError(f"{name} must hold int64 integers; {name}[{bad}] is {int(a.flat[bad])}")
        return a.astype(np.int64, copy=False)
    if not a.size:
        return a.astype(np.int64)
    if kind == "f":
        with np.errstate(invalid="ignore"):
            ok = (np.abs(a) < 2.0 ** 63) & (a == np.trunc(a))  # NaN and inf fail both
        if ok.all():
            return a.astype(np.int64)
        bad = int(np.argmax(~ok.ravel()))
    elif kind == "O":  # Python objects: ints beyond int64, None, mixed types
        bad = next((i for i, x in enumerate(a.flat) if not _whole(x)), None)
        if bad is None:
            return a.astype(np.int64)
    else:  # bool, str, complex ...: no index however it would cast
        bad = 0
    raise InvalidArgumentError(f"{name} must hold integers; {name}[{bad}] is {_plain(a.flat[bad])!r}")


def _whole(x) -> bool:
    """Whether the scalar ``x`` is a whole number within int64 (bools are not numbers here)."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, np.integer)):
        return -_INT64_MAX - 1 <= x <= _INT64_MAX
    if isinstance(x, (float, np.floating)):
        return math.isfinite(x) and x == int(x) and abs(x) < 2.0 ** 63
    return False


def _plain(x):
    """A numpy scalar as the Python value it holds (``np.float64(1.7)`` prints as ``1.7``)."""
    return x.item() if isinstance(x, np.generic) else x


def check_csr(indptr, indices, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate CSR arrays and return them as numpy arrays (int64, int64, float64).

    Raises
    ------
    InvalidArgumentError
        Shapes do not fit, ``indptr`` or ``indices`` holds a value that is not a whole number (never
        truncated), a target is out of range, or a weight is negative, NaN or not a number (the
        message names the first bad edge as ``edge POS (u -> v)``).
    """
    indptr = index_array(indptr, "indptr")
    indices = index_array(indices, "indices")
    if indptr.ndim != 1 or indptr.size < 1:
        raise InvalidArgumentError("indptr must be a 1-D array of length n + 1")
    if indices.ndim != 1:
        raise InvalidArgumentError("indices must be a 1-D array")
    n = indptr.size - 1
    m = indices.size
    if indptr[0] != 0 or indptr[-1] != m or (n > 0 and np.any(np.diff(indptr) < 0)):
        raise InvalidArgumentError(f"indptr must rise from 0 to len(indices) = {m}")
    if m and (indices.min() < 0 or indices.max() >= n):
        bad = int(np.flatnonzero((indices < 0) | (indices >= n))[0])
        raise InvalidArgumentError(f"edge {bad} points to node {int(indices[bad])}, outside 0..{n - 1}")
    if weights is None:
        return indptr, indices, None
    raw = weights if isinstance(weights, np.ndarray) else np.asarray(weights)
    if raw.dtype.kind in "cb":  # float64 would drop the imaginary part, or take True as 1, silently
        raise InvalidArgumentError(f"weights must hold real numbers, got dtype {raw.dtype}")
    try:
        weights = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"weights must hold numbers ({exc})") from None
    if weights.shape != (m,):
        raise InvalidArgumentError(f"weights has shape {weights.shape}, expected ({m},) like indices")
    bad_mask = ~(weights >= 0)  # negative or NaN
    if bad_mask.any():
        bad = int(np.flatnonzero(bad_mask)[0])
        u = int(np.searchsorted(indptr, bad, side="right") - 1)
        raise InvalidArgumentError(
            f"edge {bad} ({u} -> {int(indices[bad])}) has weight {float(weights[bad])!r}; "
            "shortest-path algorithms here need weights >= 0"
        )
    return indptr, indices, weights


def check_node(node, n: int, what: str = "node") -> int:
    """Return ``node`` as an int in ``0 .. n - 1`` or raise :class:`UnknownNameError`.

    Integers (Python or numpy) and whole floats (``2.0``) are node indices; a fractional or non-finite
    float, a bool, a string or anything else is refused, never truncated, and a negative index is
    refused rather than counted from the end as numpy would.
    """
    if isinstance(node, np.ndarray) and node.ndim == 0:
        node = node[()]
    node = _plain(node)
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise UnknownNameError(f"{what} {node!r} is not a node index (an integer)")
    if not _whole(node) or not 0 <= node < n:
        raise UnknownNameError(f"{what} {node!r} is not in the graph ({nodes_span(n)})")
    return int(node)


class PreparedGraph:
    """CSR arrays checked once (:func:`check_csr`) and as Python lists once, for many queries.

    ``indptr``, ``indices``, ``weights``: the checked numpy arrays; ``ptr``, ``idx``, ``w``: the
    same as Python lists (what the pure-Python searches read); ``n``: the number of nodes. Treat it
    as read-only: it does not see later changes to the arrays it was built from. Build it with
    :func:`prepare`."""

    __slots__ = ("indptr", "indices", "weights", "n", "ptr", "idx", "w", "cache")

    def __init__(self, indptr, indices, weights):
        self.indptr, self.indices, self.weights = check_csr(indptr, indices, weights)
        self.n = self.indptr.size - 1
        self.ptr, self.idx, self.w = self.indptr.tolist(), self.indices.tolist(), self.weights.tolist()
        self.cache: dict = {}  # what other searches derive once from the arrays (yen: the reversed scipy matrix)

    def node(self, v, what: str = "node") -> int:
        """``v`` as a node index, or :class:`UnknownNameError` (see :func:`check_node`)."""
        return check_node(v, self.n, what)


def prepare(indptr, indices, weights) -> PreparedGraph:
    """Check and convert a graph once for many :func:`dijkstra_prepared` / ``k_shortest_paths_prepared``
    queries. O(m). Raises what :func:`check_csr` raises."""
    return PreparedGraph(indptr, indices, weights)


def check_pair(indptr, indices, weights, source, target):
    """:func:`check_csr` plus both endpoints: ``(indptr, indices, weights, s, t)``."""
    indptr, indices, weights = check_csr(indptr, indices, weights)
    n = indptr.size - 1
    return indptr, indices, weights, check_node(source, n, "source"), check_node(target, n, "target")


def reverse_csr(indptr, indices) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays of the reversed graph.

    Returns
    -------
    rindptr: [n + 1], rindices: [m] (the sources), edge: [m]
        ``edge[j]`` is the position in the forward arrays of reversed edge ``j``, so reversed
        weights are ``weights[edge]``. Stable: edges into ``v`` keep their forward order.
        O(m log m) (numpy).

    Raises
    ------
    InvalidArgumentError
        As :func:`check_csr` (a fractional index is refused, not truncated).
    """
    indptr, indices, _ = check_csr(indptr, indices)
    return _reverse_csr(indptr, indices)


def _reverse_csr(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`reverse_csr` on arrays :func:`check_csr` has checked."""
    n = indptr.size - 1
    edge = np.argsort(indices, kind="stable")
    sources = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    rindptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(indices, minlength=n), out=rindptr[1:])
    return rindptr, sources[edge], edge


def walk_back(pred_node: Sequence[int], pred_edge: Sequence[int], source: int, target: int):
    """Nodes and edge positions of the tree path ``source -> target`` from predecessor arrays."""
    nodes = [target]
    edges = []
    v = target
    while v != source:
        edges.append(pred_edge[v])
        v = pred_node[v]
        nodes.append(v)
    nodes.reverse()
    edges.reverse()
    return nodes, edges


def path_from_pred(pred_node: Sequence[int], pred_edge: Sequence[int], weights: Sequence[float], source: int,
                   target: int) -> Path:
    """The tree path ``source -> target`` as a :class:`Path`, cost summed in path order."""
    nodes, edges = walk_back(pred_node, pred_edge, source, target)
    return Path(tuple(nodes), tuple(edges), _cost(edges, weights))


def _cost(edges, weights) -> float:
    c = 0.0
    for e in edges:
        c += weights[e]
    return c


# ----------------------------------------------------------------------------- one pair


def _search(ptr: list[int], idx: list[int], w: list[float], s: int, t: int = -1, limit: float = INF):
    """Label-setting core shared by :func:`dijkstra` and :func:`dijkstra_all`.

    Stops when ``t`` is settled or the next label exceeds ``limit``. Returns
    ``(dist, pred_node, pred_edge, settled)`` as Python lists / bytearray.
    """
    n = len(ptr) - 1
    dist = [INF] * n
    pred = [-1] * n
    pred_e = [-1] * n
    done = bytearray(n)
    dist[s] = 0.0
    counter = itertools.count()
    heap = [(0.0, next(counter), s)]
    while heap:
        d, _, u = heappop(heap)
        if done[u]:
            continue
        if d > limit:
            break
        done[u] = 1
        if u == t:
            break
        for e in range(ptr[u], ptr[u + 1]):
            v = idx[e]
            nd = d + w[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = u
                pred_e[v] = e
                heappush(heap, (nd, next(counter), v))
    return dist, pred, pred_e, done


def dijkstra(indptr, indices, weights, source: int, target: int) -> Path:
    """Shortest path from ``source`` to ``target`` (Dijkstra 1959, binary heap, early exit).

    Stops as soon as ``target`` is settled. O((n + m) log n) in the worst case, usually far less.

    Parameters
    ----------
    indptr, indices, weights : CSR arrays, see the module docstring.
    source, target : node indices.

    Returns
    -------
    Path

    Raises
    ------
    NoPathError
        ``target`` cannot be reached from ``source``.
    UnknownNameError
        A node index is outside ``0 .. n - 1``.
    InvalidArgumentError
        A negative (or NaN) weight; the message names the edge.
    """
    return dijkstra_prepared(prepare(indptr, indices, weights), source, target)


def dijkstra_prepared(graph: PreparedGraph, source: int, target: int) -> Path:
    """:func:`dijkstra` on a graph checked and converted once by :func:`prepare`: the same path and
    errors, without the O(m) set-up per query."""
    s, t = graph.node(source, "source"), graph.node(target, "target")
    w = graph.w
    _, pred, pred_e, done = _search(graph.ptr, graph.idx, w, s, t)
    if not done[t]:
        raise NoPathError(f"no path from node {s} to node {t}")
    return path_from_pred(pred, pred_e, w, s, t)


def dijkstra_all(indptr, indices, weights, source: int, *, limit: float = INF) -> tuple[np.ndarray, np.ndarray]:
    """Distances and shortest-path tree from ``source`` to every node (Dijkstra 1959).

    O((n + m) log n), pure Python with a binary heap. Nodes farther than ``limit`` are left
    unreached.

    Returns
    -------
    dist : float64 [n]
        ``inf`` where unreachable.
    pred : int64 [n]
        Predecessor on a shortest path, ``-1`` for the source and unreachable nodes.
    """
    indptr, indices, weights = check_csr(indptr, indices, weights)
    s = check_node(source, indptr.size - 1, "source")
    if not is_real(limit) or math.isnan(limit) or limit < 0:  # -1 left the source itself unreached; NaN was ignored
        raise InvalidArgumentError(f"limit must be a number >= 0 (inf for no limit), got {limit!r}")
    dist, pred, _, done = _search(indptr.tolist(), indices.tolist(), weights.tolist(), s, limit=float(limit))
    settled = np.frombuffer(bytes(done), dtype=np.uint8).astype(bool)
    dist_a = np.where(settled, np.array(dist, dtype=np.float64), INF)
    pred_a = np.where(settled, np.array(pred, dtype=np.int64), -1)
    return dist_a, pred_a


def dijkstra_matrix(indptr, indices, weights, sources, targets=None, *, engine: str = "scipy") -> np.ndarray:
    """Many-to-many shortest-path distances: one Dijkstra per source.

    Parameters
    ----------
    sources : int [S]
    targets : int [T], optional (default: every node)
    engine : "scipy" or "python"
        ``"scipy"`` runs :func:`scipy.sparse.csgraph.dijkstra` (C, same results);
        ``"python"`` runs :func:`dijkstra_all` per source.

    Returns
    -------
    float64 [S, T], ``inf`` where unreachable. O(S (n + m) log n).
    """
    indptr, indices, weights = check_csr(indptr, indices, weights)
    n = indptr.size - 1
    src = [check_node(s, n, "source") for s in np.atleast_1d(np.asarray(sources)).tolist()]
    tgt = None if targets is None else [check_node(t, n, "target") for t in np.atleast_1d(np.asarray(targets)).tolist()]
    if engine == "scipy":
        from scipy.sparse.csgraph import dijkstra as sp_dijkstra

        full = sp_dijkstra(_scipy_matrix(indptr, indices, weights), directed=True, indices=src) if src else np.zeros((0, n))
        full = np.atleast_2d(full)
    elif engine == "python":
        full = np.array([dijkstra_all(indptr, indices, weights, s)[0] for s in src]).reshape(len(src), n)
    else:
        raise InvalidArgumentError(f"unknown engine {engine!r}; available: scipy, python")
    return full if tgt is None else full[:, tgt]


def _scipy_matrix(indptr, indices, weights):
    """A scipy CSR matrix of the graph. scipy keeps explicit zeros as edges and uses the
    cheapest of parallel edges, the same semantics as here."""
    from scipy.sparse import csr_matrix

    n = indptr.size - 1
    return csr_matrix((weights, indices, indptr), shape=(n, n))


def scipy_tree_to(indptr, indices, weights, target: int, *, reverse=None) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance to ``target`` from every node and the next hop towards it.

    One Dijkstra on the reversed graph with :func:`scipy.sparse.csgraph.dijkstra` (C speed),
    the backbone of :mod:`graphroute.paths.yen`. Returns ``(dist [n], next [n])`` with
    ``next = -9999`` where unreachable or at ``target``. ``reverse``: that reversed matrix, built
    once (:func:`scipy_reverse`).
    """
    from scipy.sparse.csgraph import dijkstra as sp_dijkstra

    at = _scipy_matrix(indptr, indices, weights).T if reverse is None else reverse  # CSC view: no copy
    dist, nxt = sp_dijkstra(at, directed=True, indices=target, return_predecessors=True)
    return dist, nxt


def scipy_reverse(graph: PreparedGraph):
    """The reversed graph as a scipy matrix (a CSC view of the arrays), built once per prepared graph."""
    if "scipy_reverse" not in graph.cache:
        graph.cache["scipy_reverse"] = _scipy_matrix(graph.indptr, graph.indices, graph.weights).T
    return graph.cache["scipy_reverse"]


# ----------------------------------------------------------------------------- bidirectional


def bidirectional_dijkstra(indptr, indices, weights, source: int, target: int) -> Path:
    """Shortest path by two Dijkstra searches, forward from ``source`` and backward from ``target``.

    Expands the side whose heap top is smaller and stops when the two tops together reach the
    best meeting cost seen (Pohl 1971; stopping rule as in Goldberg & Harrelson 2005). Settles
    about half the nodes a one-sided search does on road graphs; same worst case
    O((n + m) log n), plus O(m log m) to build the reversed arrays.

    Raises the same errors as :func:`dijkstra`.
    """
    indptr, indices, weights, s, t = check_pair(indptr, indices, weights, source, target)
    n = indptr.size - 1
    if s == t:
        return Path((s,), (), 0.0)
    rptr_a, ridx_a, redge_a = _reverse_csr(indptr, indices)
    ptr, idx, w = indptr.tolist(), indices.tolist(), weights.tolist()
    rptr, ridx, redge = rptr_a.tolist(), ridx_a.tolist(), redge_a.tolist()
    # side 0 = forward, side 1 = backward
    dist = ([INF] * n, [INF] * n)
    pred = ([-1] * n, [-1] * n)  # edge position (forward numbering) used to reach the node
    done = (bytearray(n), bytearray(n))
    dist[0][s] = 0.0
    dist[1][t] = 0.0
    counter = itertools.count()
    heaps = ([(0.0, next(counter), s)], [(0.0, next(counter), t)])
    best = INF
    meet = -1
    while heaps[0] and heaps[1]:
        if heaps[0][0][0] + heaps[1][0][0] >= best:
            break
        side = 0 if heaps[0][0][0] <= heaps[1][0][0] else 1
        d, _, u = heappop(heaps[side])
        dn, dn_other, pr, dn_done = dist[side], dist[1 - side], pred[side], done[side]
        if dn_done[u]:
            continue
        dn_done[u] = 1
        if side == 0:
            lo, hi, nbr, eid = ptr[u], ptr[u + 1], idx, None
        else:
            lo, hi, nbr, eid = rptr[u], rptr[u + 1], ridx, redge
        for j in range(lo, hi):
            v = nbr[j]
            e = j if eid is None else eid[j]
            nd = d + w[e]
            if nd < dn[v]:
                dn[v] = nd
                pr[v] = e
                heappush(heaps[side], (nd, next(counter), v))
            if dn_other[v] < INF:
                total = dn[v] + dn_other[v]
                if total < best:
                    best = total
                    meet = v
    if meet < 0:
        raise NoPathError(f"no path from node {s} to node {t}")
    # forward half: follow forward predecessors back from meet; backward half: follow successors.
    edges_fwd = []
    v = meet
    while v != s:
        e = pred[0][v]
        edges_fwd.append(e)
        v = _edge_source(ptr, e)
    edges_fwd.reverse()
    edges = edges_fwd
    v = meet
    while v != t:
        e = pred[1][v]
        edges.append(e)
        v = idx[e]
    nodes = [s] + [idx[e] for e in edges]
    return Path(tuple(nodes), tuple(edges), _cost(edges, w))


def _edge_source(ptr: list[int], e: int) -> int:
    """Source node of edge position ``e`` (binary search in indptr)."""
    return bisect_right(ptr, e) - 1
