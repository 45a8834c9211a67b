"""K shortest loopless paths: Yen's algorithm with Lawler's partition and an exact A* bound.

What it computes is exactly what Yen (1971) computes: the loopless ``source -> target`` paths in
order of cost, so the cost sequence equals that of ``networkx.shortest_simple_paths`` and
``scipy.sparse.csgraph.yen`` (paths of equal cost may come in a different order). How it gets
there is what makes it fast:

1. **One reverse shortest-path tree.** A single Dijkstra on the reversed graph (scipy, C) gives
   the exact distance ``h[v]`` from every node to the target and the next hop on a shortest
   ``v -> target`` path. The shortest path is read off the tree.
2. **Lawler's partition** (Lawler 1972). A selected path ``P`` came from a subproblem "paths that
   start with prefix ``P[:i+1]`` and whose next node is not in ``F``". Its children are the
   subproblems with prefix ``P[:j+1]`` for ``j >= i``, forbidding ``P[j+1]`` (plus ``F`` at
   ``j == i``), with the prefix nodes removed. The children partition the parent's paths minus
   ``P``, so no candidate is ever found twice and no duplicate check is needed.
3. **Lazy spur searches.** A child enters the candidate heap with the lower bound
   ``cost(prefix) + min over allowed out-edges (w + h[v])``, computed in O(degree). Only when it
   reaches the top of the heap is its spur path computed; most children never are.
4. **A* with the exact heuristic** for that spur search (the "A* with the reverse tree"
   speed-up, cf. Martins & Pascoal 2003's use of the reverse tree for deviation paths). ``h`` is
   a consistent lower bound in the graph with nodes and edges removed, and the search stops at
   the first popped node whose tree path to the target avoids the removed nodes: that path is
   optimal, since its cost equals the smallest lower bound in the queue. Typically a handful of
   nodes are touched.

Complexity: one Dijkstra O((n + m) log n) plus, per returned path, O(L * deg) child bounds
(``L`` = path length) and some spur searches; each spur search is at worst a Dijkstra. The
worst case is that of Yen's algorithm, O(K n (m + n log n)).

Parallel edges: paths are node sequences (as in networkx ``DiGraph``); the cheapest parallel edge
is used.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush
from itertools import islice
from typing import Iterator

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths.dijkstra import INF, Path, check_pair, scipy_tree_to

__all__ = ["k_shortest_paths", "shortest_simple_paths"]


def k_shortest_paths(indptr, indices, weights, source: int, target: int, k: int) -> list[Path]:
    """The ``k`` shortest loopless paths from ``source`` to ``target`` (Yen 1971), cheapest first.

    Parameters
    ----------
    indptr, indices, weights : CSR arrays (see :mod:`graphroute.paths.dijkstra`), weights >= 0.
    source, target : node indices.
    k : number of paths wanted, >= 1.

    Returns
    -------
    list of Path
        Non-decreasing costs, every path loopless, no two equal. Fewer than ``k`` when fewer
        loopless paths exist. ``source == target`` gives the single path ``[source]``.

    Raises
    ------
    InvalidArgumentError
        ``k <= 0`` or a negative weight (the message names the edge).
    NoPathError
        ``target`` cannot be reached from ``source``.
    UnknownNameError
        A node index is outside ``0 .. n - 1``.
    """
    k = _check_k(k)
    return list(islice(shortest_simple_paths(indptr, indices, weights, source, target), k))


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    return int(k)


def shortest_simple_paths(indptr, indices, weights, source: int, target: int) -> Iterator[Path]:
    """Generate the loopless ``source -> target`` paths in order of cost (lazily).

    Same algorithm and errors as :func:`k_shortest_paths`; the errors are raised on the first
    ``next()``. Each further path costs roughly one child-bound pass over the previous path plus a
    few short A* searches (see the module docstring).
    """
    indptr, indices, weights, s, t = check_pair(indptr, indices, weights, source, target)
    if s == t:
        yield Path((s,), (), 0.0)
        return
    yield from _KPaths(indptr, indices, weights, s, t).run()


class _KPaths:
    """State of one K-shortest-paths enumeration (private; see the module docstring)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, s: int, t: int):
        dist, nxt = scipy_tree_to(indptr, indices, weights, t)
        if not np.isfinite(dist[s]):
            raise NoPathError(f"no path from node {s} to node {t}")
        self.h = dist.tolist()
        self.nxt = nxt.tolist()
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.s = s
        self.t = t
        self._adj: dict[int, tuple[list[int], list[float], list[int]]] = {}

    # adjacency of the few nodes we touch, cheapest parallel edge only, nodes that reach t only
    def adj(self, u: int) -> tuple[list[int], list[float], list[int]]:
        a = self._adj.get(u)
        if a is None:
            lo, hi = int(self.indptr[u]), int(self.indptr[u + 1])
            best: dict[int, tuple[float, int]] = {}
            h = self.h
            for j, (v, w) in enumerate(zip(self.indices[lo:hi].tolist(), self.weights[lo:hi].tolist())):
                if v == u or h[v] == INF:
                    continue
                old = best.get(v)
                if old is None or w < old[0]:
                    best[v] = (w, lo + j)
            vs = list(best)
            a = (vs, [best[v][0] for v in vs], [best[v][1] for v in vs])
            self._adj[u] = a
        return a

    def tree_path(self, u: int) -> list[int]:
        """Nodes after ``u`` on the tree path to the target."""
        out = []
        nxt, t = self.nxt, self.t
        while u != t:
            u = nxt[u]
            out.append(u)
        return out

    def run(self) -> Iterator[Path]:
        s, t = self.s, self.t
        counter = itertools.count()
        first = [s] + self.tree_path(s)
        # heap entries: (key, tiebreak, nodes or None, parent nodes, parent pos, j, prefix cost, forbidden)
        heap: list = []
        heappush(heap, (self.h[s], next(counter), tuple(first), 0, frozenset()))
        while heap:
            entry = heappop(heap)
            if len(entry) == 5:  # a resolved path: (cost, tb, nodes, i, forbidden)
                cost, _, nodes, i, forbidden = entry
                path = self._as_path(nodes)
                yield path
                self._push_children(heap, counter, path, i, forbidden)
                continue
            bound, _, parent, pos, j, pcost, forbidden = entry
            nodes = self._spur(parent, pos, j, pcost, forbidden)
            if nodes is None:
                continue
            cost = self._as_path(nodes).cost
            heappush(heap, (max(cost, bound), next(counter), nodes, j, forbidden))

    def _as_path(self, nodes: tuple[int, ...]) -> Path:
        edges = []
        c = 0.0
        for a, b in zip(nodes, nodes[1:]):
            vs, ws, es = self.adj(a)
            k = vs.index(b)
            edges.append(es[k])
            c += ws[k]
        return Path(nodes, tuple(edges), c)

    def _push_children(self, heap, counter, path: Path, i: int, forbidden: frozenset) -> None:
        nodes = path.nodes
        pos = {v: p for p, v in enumerate(nodes)}
        h = self.h
        big = len(nodes)
        pcost = 0.0
        prefix_costs = [0.0]
        for p in range(len(nodes) - 1):
            vs, ws, _ = self.adj(nodes[p])
            pcost += ws[vs.index(nodes[p + 1])]
            prefix_costs.append(pcost)
        for j in range(i, len(nodes) - 1):
            u = nodes[j]
            banned = forbidden | {nodes[j + 1]} if j == i else (nodes[j + 1],)
            vs, ws, _ = self.adj(u)
            best = INF
            for v, w in zip(vs, ws):
                if pos.get(v, big) <= j or v in banned:
                    continue
                f = w + h[v]
                if f < best:
                    best = f
            if best < INF:
                fb = banned if j == i else frozenset(banned)
                c = prefix_costs[j]
                heappush(heap, (c + best, next(counter), nodes, pos, j, c, fb))

    def _spur(self, parent: tuple[int, ...], pos: dict[int, int], j: int, pcost: float,
              forbidden: frozenset) -> tuple[int, ...] | None:
        """Best path with prefix ``parent[:j+1]``, next node not in ``forbidden``, prefix nodes removed.

        A* from the spur node with the exact reverse-tree distance as heuristic; stops at the first
        popped node whose tree path to the target avoids the prefix.
        """
        h, nxt, t = self.h, self.nxt, self.t
        big = len(parent)
        spur = parent[j]
        counter = itertools.count()
        g = {spur: 0.0}
        pred: dict[int, int] = {}
        closed: set[int] = set()
        clean: dict[int, bool] = {t: True}
        heap = []
        vs, ws, _ = self.adj(spur)
        for v, w in zip(vs, ws):
            if pos.get(v, big) <= j or v in forbidden:
                continue
            if w < g.get(v, INF):
                g[v] = w
                pred[v] = spur
                heappush(heap, (w + h[v], next(counter), v))
        adj_cache, adj = self._adj, self.adj
        pos_get, memo_get = pos.get, clean.get
        while heap:
            _, _, u = heappop(heap)
            if u in closed:
                continue
            closed.add(u)
            is_clean = memo_get(u)
            if is_clean is None:
                is_clean = self._clean(u, pos, j, big, clean)
            if is_clean:
                head = [u]
                while head[-1] != spur:
                    head.append(pred[head[-1]])
                head.reverse()  # spur .. u
                tail = self.tree_path(u)
                # the tree tail avoids the prefix; if it crosses the spur path, cut the loop
                on_tail = set(tail)
                for q, x in enumerate(head):
                    if x in on_tail:
                        head = head[:q]
                        tail = tail[tail.index(x):]
                        break
                return parent[:j] + tuple(head) + tuple(tail)
            gu = g[u]
            a = adj_cache.get(u)
            if a is None:
                a = adj(u)
            for v, w in zip(a[0], a[1]):
                if v in closed or pos_get(v, big) <= j:
                    continue
                nd = gu + w
                if nd < g.get(v, INF):
                    g[v] = nd
                    pred[v] = u
                    heappush(heap, (nd + h[v], next(counter), v))
        return None

    def _clean(self, u: int, pos: dict[int, int], j: int, big: int, memo: dict[int, bool]) -> bool:
        """Whether the tree path from ``u`` to the target avoids the prefix nodes ``parent[:j+1]``."""
        nxt = self.nxt
        walked = []
        x = u
        result = True
        while True:
            known = memo.get(x)
            if known is not None:
                result = known
                break
            if pos.get(x, big) <= j:
                result = False
                break
            walked.append(x)
            x = nxt[x]
        for y in walked:
            memo[y] = result
        return result
