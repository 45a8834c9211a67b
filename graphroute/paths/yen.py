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
3. **Lazy spur searches.** A child enters the candidate heap with a lower bound instead of its
   spur path: ``cost(prefix) + min over allowed out-edges (w + h2[v])``, where ``h2[v] = h[v]``
   unless ``v``'s own tree path turns straight back into the prefix, in which case it looks one
   edge further. The bounds of all spur nodes of a selected path come out of a few numpy
   operations over the out-edges of the path; a spur node whose only out-edges lead back into the
   prefix or to the next path node (every inner node of a degree-2 chain) gets no child at all.
4. **A* with the exact heuristic, resumable** (the "A* with the reverse tree" speed-up, cf.
   Martins & Pascoal 2003's use of the reverse tree for deviation paths). When a child reaches the
   top of the heap its spur search starts: A* from the spur node with ``h``, a consistent lower
   bound in the graph with the prefix nodes removed. It stops at the first popped node whose tree
   path to the target avoids the prefix (that path is optimal: its cost equals the smallest key in
   the queue), or, sooner, as soon as its smallest key exceeds the best other key in the candidate
   heap: it then goes back into the heap, search state kept, with that key as its new bound, and
   resumes from there if it comes up again. So no spur search explores past the cost of the last
   path the caller takes; on road graphs, where an early or late detour must go around half
   the map, that is the difference between a few nodes and a full Dijkstra per spur node.

Complexity: one Dijkstra O((n + m) log n) plus, per returned path, O(L * deg) numpy work for the
child bounds (``L`` = path length) and the parts of the spur searches below the next path's
cost; each spur search is at worst a Dijkstra. The worst case is that of Yen's algorithm,
O(K n (m + n log n)).

Parallel edges: paths are node sequences (as in networkx ``DiGraph``); the cheapest parallel edge
is used.

Rounding: a path's cost is its edge weights summed left to right (``Path.cost``, as
:func:`~graphroute.paths.dijkstra.dijkstra` sums them), and paths come out in exactly that order:
costs never decrease and the first costs what Dijkstra returns. The bounds above are sums in another
order (``h`` is summed from the target backwards), which can differ from the path's own sum in the
last bits (on weights near 1e16, by whole units). So a found path does not go out at once: it waits
in a second queue, keyed by its cost, until no candidate's bound is below that cost, and the bounds
are multiplied by ``1 - 8 (n + 2) 2^-53``, more than any such rounding difference can be. Where
every sum is exact (integer weights whose total is below 2^51, such as DIMACS graphs) nothing is
shrunk and nothing waits: the search is the one described above.

Ties: with shrunk bounds, every candidate whose paths tie the waiting path's cost (up to rounding)
has a bound just below it and is searched before the path goes out, and its own children tie
again. Where many paths tie (a sensor graph with zero-length links, a grid of equal decimal
lengths: 2^m paths through m diamonds) that is exponential, and the first path waited for all of
them. So at most ``TIE_BUDGET`` tied candidates (bound at least ``cost * shrink^2``) are searched
per path; after that the path goes out. The order is then exact up to rounding: a later path can
report a cost below an earlier one's by at most the relative margin ``1 - shrink^2`` (about
``16 (n + 2) 2^-53``), never by more, and only among paths that tie to that margin.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush
from itertools import islice
from typing import Iterator

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths.dijkstra import INF, Path, PreparedGraph, check_pair, scipy_reverse, scipy_tree_to

#: unit roundoff of float64
_U = 2.0 ** -53

__all__ = ["k_shortest_paths", "k_shortest_paths_prepared", "shortest_simple_paths"]


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
        Non-decreasing costs (``Path.cost``, summed left to right: the first costs exactly what
        :func:`~graphroute.paths.dijkstra.dijkstra` returns), every path loopless, no two equal.
        Where more than ``TIE_BUDGET`` paths tie up to float rounding, those ties come in search
        order, non-decreasing only up to that rounding (module docstring, "Ties").
        Fewer than ``k`` when fewer loopless paths exist. ``source == target`` gives the single path ``[source]``.

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


def k_shortest_paths_prepared(graph: PreparedGraph, source: int, target: int, k: int) -> list[Path]:
    """:func:`k_shortest_paths` on a graph checked once by :func:`graphroute.paths.dijkstra.prepare`:
    the same paths and errors, without the per-query checks of the arrays (the reversed scipy matrix
    and the rounding check of the weights are built on the first query and kept)."""
    k = _check_k(k)
    s, t = graph.node(source, "source"), graph.node(target, "target")
    if s == t:
        return [Path((s,), (), 0.0)]
    if "yen_shrink" not in graph.cache:
        graph.cache["yen_shrink"] = _bound_shrink(graph.weights, graph.n)
    kp = _KPaths(graph.indptr, graph.indices, graph.weights, s, t, reverse=scipy_reverse(graph),
                 shrink=graph.cache["yen_shrink"])
    return list(islice(kp.run(), k))


#: Candidates whose bound ties the next path's cost up to rounding that are searched before that
#: path goes out anyway (module docstring, "Rounding"). Many tied paths (a grid of equal decimal
#: lengths) made the first path wait for every one of them: exponential in the number of ties.
TIE_BUDGET = 64

#: Yen keeps its candidates in memory, and a large K on a dense graph (``--k 1000000`` on a 100-node
#: grid: 30 MB/s) grows until the system kills the process (Linux overcommits: no MemoryError). Every
#: ``MEMORY_CHECK_EVERY`` search steps the free memory is read; below ``MEMORY_FLOOR`` the search stops
#: with a one-line error instead.
MEMORY_CHECK_EVERY = 8192
MEMORY_FLOOR = 256 * 2**20

#: Largest K accepted: far beyond any use (a diverse search examines up to 50 K paths), and it keeps
#: ``islice`` and the budgets within machine integers.
MAX_K = 1_000_000


def _check_free_memory(found: int) -> None:
    from graphroute.memory import available_bytes, fmt_bytes

    free = available_bytes()
    if free is not None and free < MEMORY_FLOOR:
        raise InvalidArgumentError(f"K shortest paths: {fmt_bytes(free)} of memory left after {found:,} paths, so the "
                                   "search stopped before the system runs out; ask for fewer paths (lower k, or --budget with "
                                   "--diverse)")


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    if k > MAX_K:
        raise InvalidArgumentError(f"k must be at most {MAX_K:,}, got {k}")
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


class _Selected:
    """A selected path with its prefix costs (``cum[q]`` = cost of ``nodes[:q+1]``) and, once it has
    children, its node positions and the shared memo of :meth:`_KPaths._minpos`."""

    __slots__ = ("path", "cum", "pos", "memo")

    def __init__(self, path: Path, cum: np.ndarray):
        self.path, self.cum = path, cum
        self.pos = self.memo = None


class _Spur:
    """One child subproblem of a selected path and its (resumable) A* spur search.

    Paths with prefix ``parent.path.nodes[:j+1]``, next node not in ``forbidden``, prefix nodes
    removed. ``heap is None`` until the search starts; ``found`` holds ``(nodes, start of the tree
    tail)`` once the search is done.
    """

    __slots__ = ("parent", "j", "pcost", "forbidden", "g", "pred", "closed", "heap", "found")

    def __init__(self, parent: _Selected, j: int, pcost: float, forbidden: frozenset):
        self.parent, self.j, self.pcost, self.forbidden = parent, j, pcost, forbidden
        self.heap = None
        self.found = None


class _KPaths:
    """State of one K-shortest-paths enumeration (private; see the module docstring)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, s: int, t: int, *,
                 reverse=None, shrink: float | None = None):
        dist, nxt = scipy_tree_to(indptr, indices, weights, t, reverse=reverse)
        if not np.isfinite(dist[s]):
            raise NoPathError(f"no path from node {s} to node {t}")
        self.hn = dist
        self.h = dist.tolist()
        self.nxt = nxt.tolist()
        self.nxtn = np.where(nxt < 0, t, nxt)  # next hop, the target at the target (and where unreachable)
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.s = s
        self.t = t
        self.n = indptr.size - 1
        self.posarr = np.full(self.n, self.n, dtype=np.int64)  # position on the current path, n if off it
        self.counter = itertools.count()
        self._adj: dict[int, tuple[list[int], list[float]]] = {}
        # bounds * shrink <= every forward-summed cost (module docstring)
        self.shrink = _bound_shrink(weights, self.n) if shrink is None else shrink

    # adjacency of the few nodes we touch, cheapest parallel edge only, nodes that reach t only
    def adj(self, u: int) -> tuple[list[int], list[float]]:
        lo, hi = int(self.indptr[u]), int(self.indptr[u + 1])
        best: dict[int, float] = {}
        h = self.h
        for v, w in zip(self.indices[lo:hi].tolist(), self.weights[lo:hi].tolist()):
            if v != u and h[v] != INF and w < best.get(v, INF):
                best[v] = w
        a = (list(best), list(best.values()))
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
        """Candidates (unsolved subproblems, keyed by a lower bound) in ``heap``; found and selected
        paths, keyed by their own cost, in ``ready``: one goes out when no bound is below its cost."""
        s = self.s
        heap: list = []
        ready: list = []
        counter = self.counter
        sel = self._select(heap, (s, *self.tree_path(s)), 0, frozenset(), None, 0)
        heappush(ready, (sel.path.cost, next(counter), sel.path))
        # a bound b counts as a tie of cost c when b >= c * shrink^2: b / shrink, the sum it was
        # shrunk from, is within the rounding margin of c (with exact sums, shrink == 1: b >= c)
        tie = self.shrink * self.shrink
        ties = 0  # tied candidates searched since the last path went out
        steps = sent = 0
        while ready or heap:
            steps += 1
            if steps % MEMORY_CHECK_EVERY == 0:
                _check_free_memory(sent)
            if ready and (not heap or ready[0][0] <= heap[0][0]
                          or (ties >= TIE_BUDGET and ready[0][0] * tie <= heap[0][0])):
                ties = 0
                sent += 1
                yield heappop(ready)[2]
                continue
            if ready and ready[0][0] * tie <= heap[0][0]:
                ties += 1
            _, _, sp = heappop(heap)
            limit = heap[0][0] if heap else INF
            if ready and ready[0][0] < limit:
                limit = ready[0][0]
            key = self._advance(sp, limit)
            if key is None:  # no path in this subproblem
                continue
            if sp.found is None:  # suspended: its next key is larger than the best other key
                heappush(heap, (key, next(counter), sp))
                continue
            nodes, tail_start = sp.found
            sel = self._select(heap, nodes, sp.j, sp.forbidden, sp.parent, tail_start)
            heappush(ready, (sel.path.cost, next(counter), sel.path))

    def _select(self, heap: list, nodes: tuple[int, ...], i: int, forbidden: frozenset, parent: _Selected | None,
                tail_start: int) -> _Selected:
        """The selected path; pushes its children ``j = i .. L - 2`` with lower bounds.

        ``nodes[:i+1]`` is ``parent``'s prefix (its edges and prefix costs are reused) and
        ``nodes[tail_start:]`` is a tree path. Vectorised over every out-edge of ``nodes[i:-1]``:
        the cheapest edge between consecutive nodes (lowest position on ties), the prefix costs
        summed left to right, and per spur node ``j`` a lower bound on its child: ``cost(prefix) +
        min(w + h2[v])`` over the out-edges to nodes ``v`` off the prefix, not ``nodes[j + 1]``
        (nor in ``forbidden`` at ``j == i``), where ``h2[v] = h[v]`` unless ``v``'s next hop in the
        reverse tree is on the prefix; then ``h2[v] = min(w' + h[x])`` over ``v``'s out-edges to
        nodes ``x`` off the prefix. Only spur nodes with a finite bound enter the heap; on a
        degree-2 chain that is none of them.
        """
        indptr, indices, weights, hn = self.indptr, self.indices, self.weights, self.hn
        L = len(nodes)
        P = np.fromiter(nodes, dtype=np.int64, count=L)
        Q = P[i:]
        lo = indptr[Q[:-1]]
        deg = indptr[Q[:-1] + 1] - lo
        starts = np.cumsum(deg) - deg
        rows = np.repeat(np.arange(L - 1 - i), deg)
        e = np.arange(rows.size) + np.repeat(lo - starts, deg)
        v = indices[e]
        w = weights[e]
        nxt_node = Q[1:][rows]
        # path edges: the cheapest parallel edge, lowest position on ties
        order = np.flatnonzero(v == nxt_node)
        if order.size != L - 1 - i:
            order = order[np.lexsort((e[order], w[order], rows[order]))]
            keep = np.ones(order.size, dtype=bool)
            keep[1:] = rows[order[1:]] != rows[order[:-1]]
            order = order[keep]
        base = 0.0 if parent is None else parent.cum[i]
        cum = np.cumsum(np.concatenate(([base], w[order])))  # left to right, as Path.cost
        if parent is not None:
            cum = np.concatenate((parent.cum[:i], cum))
            edges = parent.path.edges[:i] + tuple(e[order].tolist())
        else:
            edges = tuple(e[order].tolist())
        sel = _Selected(Path(nodes, edges, float(cum[-1])), cum)
        # children bounds
        posarr = self.posarr
        posarr[P] = np.arange(L)
        j_of = rows + i
        f = np.where((posarr[v] <= j_of) | (v == nxt_node), INF, w + hn[v])
        if forbidden:
            for q in range(deg[0]):
                if int(v[q]) in forbidden:
                    f[q] = INF
        # second level where v's tree path goes back into the prefix
        two = np.flatnonzero((f < INF) & (posarr[self.nxtn[v]] <= j_of))
        if two.size:
            v2 = v[two]
            lo2 = indptr[v2]
            deg2 = indptr[v2 + 1] - lo2
            st2 = np.cumsum(deg2) - deg2
            r2 = np.repeat(np.arange(two.size), deg2)
            e2 = np.arange(r2.size) + np.repeat(lo2 - st2, deg2)
            x = indices[e2]
            f2 = np.where(posarr[x] <= j_of[two][r2], INF, weights[e2] + hn[x])
            f[two] = w[two] + np.minimum.reduceat(f2, st2)  # v has an out-edge: its tree edge
        posarr[P] = self.n
        best = np.minimum.reduceat(f, starts)
        js = np.flatnonzero(best < INF)
        if js.size:
            sel.pos = dict(zip(nodes, range(L)))
            sel.memo = dict(zip(nodes[tail_start:], range(tail_start, L)))  # tree suffix: minpos = position
            keys = ((cum[js + i] + best[js]) * self.shrink).tolist()
            pcs = cum[js + i].tolist()
            counter = self.counter
            for jj, key, pc in zip((js + i).tolist(), keys, pcs):
                fb = forbidden | {nodes[jj + 1]} if jj == i else frozenset((nodes[jj + 1],))
                heappush(heap, (key, next(counter), _Spur(sel, jj, pc, fb)))
        return sel

    def _advance(self, sp: _Spur, limit: float) -> float | None:
        """Run ``sp``'s A* until it finds its path or its smallest key exceeds ``limit``.

        A* from the spur node with the exact reverse-tree distance ``h`` as heuristic (consistent
        in the graph with the prefix removed), stopping at the first popped node whose tree path to
        the target avoids the prefix: that path is optimal, its cost equals the smallest key in the
        queue. Returns the key (``sp.found`` set when found), or None when the subproblem is empty.
        """
        h = self.h
        j, pc = sp.j, sp.pcost
        parent = sp.parent
        pos = parent.pos
        pos_get = pos.get
        big = len(parent.path.nodes)
        counter = self.counter
        shrink = self.shrink
        if sp.heap is None:
            spur = parent.path.nodes[j]
            sp.g, sp.pred, sp.closed, sp.heap = {spur: 0.0}, {}, {spur}, []
            a = self._adj.get(spur) or self.adj(spur)
            for v, w in zip(*a):
                if pos_get(v, big) <= j or v in sp.forbidden:
                    continue
                if w < sp.g.get(v, INF):
                    sp.g[v] = w
                    sp.pred[v] = spur
                    heappush(sp.heap, (w + h[v], next(counter), v))
        g, pred, closed, heap = sp.g, sp.pred, sp.closed, sp.heap
        memo = parent.memo
        adj_cache, adj = self._adj, self.adj
        while heap:
            f = heap[0][0]
            key = (pc + f) * shrink
            if key > limit:
                return key
            _, _, u = heappop(heap)
            if u in closed:
                continue
            closed.add(u)
            mp = memo.get(u)
            if mp is None:
                mp = self._minpos(u, pos, memo, big)
            if mp > j:
                sp.found = self._splice(sp, u)
                sp.g = sp.pred = sp.closed = sp.heap = None
                return key
            gu = g[u]
            a = adj_cache.get(u)
            if a is None:
                a = adj(u)
            for v, w in zip(*a):
                if v in closed or pos_get(v, big) <= j:
                    continue
                nd = gu + w
                if nd < g.get(v, INF):
                    g[v] = nd
                    pred[v] = u
                    heappush(heap, (nd + h[v], next(counter), v))
        return None

    def _splice(self, sp: _Spur, u: int) -> tuple[tuple[int, ...], int]:
        """prefix + A* path spur .. u + tree path u .. target (a zero-cost loop between them cut),
        and the position where the tree path starts."""
        nodes = sp.parent.path.nodes
        spur, pred = nodes[sp.j], sp.pred
        head = [u]
        while head[-1] != spur:
            head.append(pred[head[-1]])
        head.reverse()
        tail = [u] + self.tree_path(u)
        on_tail = set(tail)
        for q, x in enumerate(head):  # stops at u at the latest
            if x in on_tail:
                head = head[:q]
                tail = tail[tail.index(x):]
                break
        return nodes[:sp.j] + tuple(head) + tuple(tail), sp.j + len(head)

    def _minpos(self, u: int, pos: dict[int, int], memo: dict[int, int], big: int) -> int:
        """Smallest position on the parent path among the nodes of ``u``'s tree path (``u`` included).

        The tree path avoids the prefix ``parent[:j+1]`` iff this is ``> j``; memoised per parent.
        """
        nxt = self.nxt
        walked = []
        x = u
        while True:
            r = memo.get(x)
            if r is not None:
                break
            walked.append(x)
            x = nxt[x]
        pos_get = pos.get
        for y in reversed(walked):
            p = pos_get(y, big)
            if p < r:
                r = p
            memo[y] = r
        return r


def _bound_shrink(weights: np.ndarray, n: int) -> float:
    """Factor that makes the candidate bounds safe lower bounds on forward-summed path costs.

    1.0 where every sum is exact: finite weights that are integers with a total below 2^51 (a bound
    adds at most three sums of a loopless path's weights). Else ``1 - 8 (n + 2) u``: a sum of ``L``
    non-negative terms in any order is within ``L u / (1 - L u)`` relative of the exact one, and a
    bound compounds at most three such sums and two further roundings."""
    inexact = 1.0 - 8.0 * (n + 2) * _U
    head = weights[:256]
    head = head[np.isfinite(head)]
    if np.any(head != np.floor(head)):  # the common case, decided without a pass over every weight
        return inexact
    finite = weights[np.isfinite(weights)]
    if float(finite.sum()) < 2.0 ** 51 and bool(np.all(finite == np.floor(finite))):
        return 1.0
    return inexact
