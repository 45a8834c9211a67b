"""Routing with a learned cost-to-go: greedy next hop, learned-heuristic A*, K alternatives.

All functions take CSR arrays (``indptr, indices, weights``, see :mod:`graphroute.paths.dijkstra`)
and a cost-to-go array ``h: [n]`` for one target; :func:`cost_to_go` computes ``h`` for a batch of
targets with a trained :class:`~graphroute.neural.router.model.BFRouter`. Each call checks the
arrays and converts them to Python lists (O(m)); for many queries on one graph, the ``*_prepared``
variants take a graph that :func:`graphroute.paths.dijkstra.prepare` checked and converted once.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from heapq import heappop, heappush

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths.dijkstra import INF, Path, PreparedGraph, path_from_pred, prepare

__all__ = ["Route", "astar_count", "astar_count_prepared", "cost_to_go", "greedy_route", "greedy_routes",
           "greedy_routes_prepared", "k_alternatives", "k_alternatives_prepared", "learned_astar",
           "learned_astar_prepared"]

MODES = ("greedy", "astar", "k")

#: Most message-passing steps one pass may run, given (``--steps N``) or not (``auto`` and a full pass
#: stop there too): 100,000, 300 times what a full pass on Monaco takes (322 steps), about 10 s per
#: step-batch on a small graph. A larger count is refused rather than left to run for hours.
MAX_STEPS = 100_000


@dataclass(frozen=True)
class Route:
    """One routing answer: the path (None on failure), whether it reached the target, the number of
    nodes expanded (greedy: moves made; A*: nodes taken off the heap), and why it failed."""

    path: Path | None
    success: bool
    expanded: int
    reason: str = ""


def cost_to_go(model, rg, targets, *, batch: int = 64, steps: int | str | None = None, max_steps: int = MAX_STEPS,
               admissible: bool = False, with_wave: bool = False, reach=None, stats: dict | None = None,
               on_batch=None):  # noqa: ANN001
    """Predicted cost from every node to each target: float64 ``[n, len(targets)]``.

    Targets go through the model ``batch`` at a time (one message-passing run per batch): a truncated
    pass of ``steps`` steps (the exact wave near the target, the learned estimate beyond it), or with
    ``steps=None`` until convergence (exact). ``steps=0`` is refused (no message passing at all: not
    an estimate worth routing on); the CLI's ``--steps 0`` is ``steps=None`` here.
    ``targets``: node positions ``0..n-1`` (integers; negative positions are refused, not counted
    from the end); a bad one raises :class:`InvalidArgumentError` naming it.
    ``admissible``: project each column onto the consistent functions below it
    (:func:`~graphroute.neural.router.model.exact_project`), so that A* with it is exact. ``with_wave``:
    also return the exact wave's upper bounds (float64, same shape, ``inf`` where it has not arrived;
    the exact costs after a full pass): pass them to :func:`greedy_routes`.
    ``steps="auto"`` needs ``reach=(sources, columns)``: the query sources and the index into
    ``targets`` of each one's target; each batch's pass then runs until the exact wave has reached its
    sources, plus a margin (:meth:`~graphroute.neural.router.model.BFRouter.forward`). ``stats``, a
    dict, receives ``"steps"``: the steps each batch's pass ran. ``on_batch(done, total)`` is called
    before each batch and once at the end with the number of targets done (for a progress display).
    """
    import torch

    from graphroute.neural.router.model import exact_project

    if is_step_count(steps) and steps == 0:
        raise InvalidArgumentError("steps=0 runs no message passing; pass steps=None for a full pass (to "
                                   "convergence) or a positive number of steps")
    if is_step_count(steps) and steps > max_steps:
        raise InvalidArgumentError(f"steps must be at most {max_steps:,}, got {steps:,}")
    if not is_step_count(batch) or batch < 1:
        raise InvalidArgumentError(f"batch must be a positive integer, got {batch!r}")
    targets = node_positions(np.atleast_1d(targets), rg.n, "targets")
    out = np.empty((rg.n, targets.size), dtype=np.float64)
    wave = np.empty((rg.n, targets.size), dtype=np.float64)
    if steps == "auto":
        if reach is None:
            raise InvalidArgumentError('steps="auto" needs the query sources (reach)')
        r_src, r_col = reach
        r_src = node_positions(np.asarray(r_src).reshape(-1), rg.n, "reach sources")
        r_col = node_positions(np.asarray(r_col).reshape(-1), targets.size, "reach columns", "the columns of targets")
        if r_src.size != r_col.size:
            raise InvalidArgumentError(f"reach has {r_src.size} sources but {r_col.size} columns")
    used = []
    with torch.no_grad():
        for i in range(0, targets.size, batch):
            if on_batch is not None:
                on_batch(i, targets.size)
            tg = torch.from_numpy(targets[i : i + batch])
            kw = {}
            if steps == "auto":
                sel = (r_col >= i) & (r_col < i + batch)
                kw["reach"] = (torch.from_numpy(r_src[sel]), torch.from_numpy(r_col[sel] - i))
            h, n_steps, up = model(rg, tg, steps=steps, max_steps=max_steps, return_wave=True, return_steps=True, **kw)
            used.append(int(n_steps))
            h = h.double()
            wave[:, i : i + batch] = up.double().cpu().numpy()
            if admissible:
                h = h.clone()
                h[tg, torch.arange(tg.numel())] = 0.0
                h, _ = exact_project(rg, h)
                h = h * (1.0 - 1e-9)  # rounding margin: g sums in path order may differ in the last bits
            out[:, i : i + batch] = h.cpu().numpy()
    if on_batch is not None:
        on_batch(targets.size, targets.size)
    if stats is not None:
        stats["steps"] = used
    return (out, wave) if with_wave else out


def greedy_route(indptr, indices, weights, h, source: int, target: int, *, edge_cost: bool = True,
                 max_moves: int | None = None, max_backtracks: int = 64, diagnose: bool = True) -> Route:
    """Greedy next hop: from ``u`` go to the unvisited out-neighbour ``v`` with the least
    ``w(u, v) + h[v]`` (``h[v]`` alone when ``edge_cost`` is false: greedy geographic forwarding).

    A node is never entered twice. When every out-neighbour of ``u`` is visited (a dead end or a
    loop), the walk steps back along its own path (the bounded fallback) and tries the next best
    neighbour; after ``max_backtracks`` such steps, or ``max_moves`` moves, it gives up
    and reports failure with the reason (without ``max_moves`` the walk ends by itself: every node is
    entered at most once). The returned path is loopless.
    O(moves * degree). For many queries on one graph use :func:`greedy_routes` (checks and converts
    the graph once).
    """
    h = np.asarray(h, dtype=np.float64).reshape(-1, 1)  # the prepared walk checks source and target
    return greedy_routes_prepared(prepare(indptr, indices, weights), h, [(source, target)], [0], edge_cost=edge_cost,
                                  max_moves=max_moves, max_backtracks=max_backtracks, diagnose=diagnose)[0]


def greedy_routes(indptr, indices, weights, h, pairs, columns, *, wave=None, edge_cost: bool = True,
                  max_moves: int | None = None, max_backtracks: int = 64, diagnose: bool = True) -> list[Route]:
    """:func:`greedy_route` for every ``(source, target)`` of ``pairs``, query ``i`` reading the
    cost-to-go column ``h[:, columns[i]]`` (``h: [n, B]``). The graph is checked and converted once.

    ``wave`` (float ``[n, B]``, from :func:`cost_to_go` with ``with_wave=True``): the router's exact
    Bellman-Ford wave (``inf`` where it has not arrived). Each query then gets a second walk, on the
    wave's values where it has arrived and ``h`` elsewhere, that prefers an unvisited neighbour on the
    wave to any other: once on the wave it follows the wave's descent to the target and cannot fail
    (on graphs without zero-weight arcs: a free plateau can strand it).
    The cheaper of the two routes is returned (``expanded`` counts the moves of both walks). The
    first walk is better where the wave's frontier is still far from converged (its upper bounds
    there are min-hop detours: on a 10k Delaunay graph at 30 steps the wave walk alone had mean
    stretch 1.14 against 1.003); the second where the learned estimate's underestimates make basins
    (METR-LA: 97.5% -> 100% success).

    ``diagnose``: after a failed walk, a depth-first search tells an unreachable target ("no path
    from source to target") from a walk that got stuck; pass False where every pair is known to be
    connected (a strongly connected graph), so that failures cost no extra search in benchmarks.

    ``pairs`` (int ``[q, 2]``) are node positions ``0..n-1`` and ``columns`` (int ``[q]``, as many as
    the pairs) positions ``0..B-1`` of ``h``'s columns; both are checked once, and a bad one raises
    :class:`InvalidArgumentError` naming it (no negative position counts from the end).
    """
    graph = prepare(indptr, indices, weights)
    h = np.asarray(h, dtype=np.float64)
    pairs, columns = check_queries(pairs, columns, graph.n, h.shape[1] if h.ndim == 2 else None)
    return greedy_routes_prepared(graph, h, pairs, columns, wave=wave, edge_cost=edge_cost, max_moves=max_moves,
                                  max_backtracks=max_backtracks, diagnose=diagnose)


def greedy_routes_prepared(graph: PreparedGraph, h, pairs, columns, *, wave=None, edge_cost: bool = True,
                           max_moves: int | None = None, max_backtracks: int = 64,
                           diagnose: bool = True) -> list[Route]:
    """:func:`greedy_routes` on a graph checked and converted once (:func:`graphroute.paths.dijkstra.prepare`).

    Each query's source and target are checked, but ``pairs`` and ``columns`` as a whole are not (a
    hot path: callers build them with ``np.unique(..., return_inverse=True)``); check the caller's
    own with :func:`check_queries` once, as :func:`greedy_routes` does."""
    n = graph.n
    h_arr = np.asarray(h, dtype=np.float64)
    if h_arr.ndim != 2 or h_arr.shape[0] != n:
        raise InvalidArgumentError(f"cost-to-go has shape {h_arr.shape}, expected ({n},) or ({n}, B)")
    if wave is not None:
        wave = np.asarray(wave, dtype=np.float64)
        if wave.shape != h_arr.shape:
            raise InvalidArgumentError(f"wave has shape {wave.shape}, expected {h_arr.shape}")
    ptr, idx, w = graph.ptr, graph.idx, graph.w
    cols: dict[int, tuple] = {}
    out = []
    for (source, target), c in zip(pairs, columns):
        s, t = graph.node(source, "source"), graph.node(target, "target")
        if c not in cols:
            on = None if wave is None else np.isfinite(wave[:, c])
            cols[c] = (h_arr[:, c].tolist(),
                       None if wave is None else (np.where(on, wave[:, c], h_arr[:, c]).tolist(), bytearray(on.tobytes())))
        hl, second = cols[c]
        r = _greedy(ptr, idx, w, hl, None, s, t, n, edge_cost, max_moves, max_backtracks)
        if second is not None:
            r2 = _greedy(ptr, idx, w, *second, s, t, n, edge_cost, max_moves, max_backtracks)
            best = r2 if r2.success and (not r.success or r2.path.cost < r.path.cost) else r
            r = Route(best.path, best.success, r.expanded + r2.expanded, best.reason)
        if diagnose and not r.success and not _reaches(ptr, idx, s, t):  # say why, when the cause is the graph
            r = Route(None, False, r.expanded, "no path from source to target")
        out.append(r)
    return out


def _reaches(ptr, idx, s: int, t: int) -> bool:  # noqa: ANN001
    """Depth-first search from ``s``: is ``t`` reachable? (only run after a failed walk)"""
    seen, stack = {s}, [s]
    while stack:
        u = stack.pop()
        if u == t:
            return True
        for e in range(ptr[u], ptr[u + 1]):
            if idx[e] not in seen:
                seen.add(idx[e])
                stack.append(idx[e])
    return False


def _greedy(ptr, idx, w, hl, on_wave, s: int, t: int, n: int, edge_cost: bool, max_moves,  # noqa: ANN001
            max_backtracks: int) -> Route:
    budget = n + max_backtracks if max_moves is None else int(max_moves)
    visited = bytearray(n)
    visited[s] = 1
    nodes, edges = [s], []
    moves = backtracks = 0
    while nodes[-1] != t:
        if moves >= budget:
            return Route(None, False, moves, f"gave up after {moves} moves")
        u = nodes[-1]
        best, best_e, best_rank, best_h = INF, -1, 2, INF
        for e in range(ptr[u], ptr[u + 1]):
            v = idx[e]
            if visited[v]:
                continue
            rank = 0 if on_wave is None or on_wave[v] else 1
            score = (w[e] + hl[v]) if edge_cost else hl[v]
            # a tie goes to the neighbour nearer the target: with zero-weight arcs w + h ties between a
            # step towards the target and a free detour, which the walk (never revisiting) may not undo
            if rank < best_rank or (rank == best_rank and (score < best or (score == best and hl[v] < best_h))):
                best, best_e, best_rank, best_h = score, e, rank, hl[v]
        if best_e < 0:  # a step back is a move; finding none to make (at the source, or out of backtracks) is not
            if len(nodes) == 1 or backtracks >= max_backtracks:
                return Route(None, False, moves, f"stuck after {backtracks} backtracks")
            backtracks += 1
            moves += 1
            nodes.pop()
            edges.pop()
            continue
        moves += 1
        v = idx[best_e]
        visited[v] = 1
        nodes.append(v)
        edges.append(best_e)
    cost = 0.0
    for e in edges:
        cost += w[e]
    return Route(Path(tuple(nodes), tuple(edges), cost), True, moves)


def astar_count(indptr, indices, weights, source: int, target: int, heuristic) -> Route:
    """A* (Hart, Nilsson & Raphael 1968) that also counts the nodes it expands.

    Same search as :func:`graphroute.paths.astar.astar` (reopening nodes when a cheaper route appears,
    so an admissible heuristic gives the optimal cost); kept here because the router's comparison
    needs the expansion count. Raises :class:`NoPathError` when the target cannot be reached.
    """
    return astar_count_prepared(prepare(indptr, indices, weights), source, target, heuristic)


def astar_count_prepared(graph: PreparedGraph, source: int, target: int, heuristic) -> Route:
    """:func:`astar_count` on a graph checked and converted once (:func:`graphroute.paths.dijkstra.prepare`)."""
    s, t = graph.node(source, "source"), graph.node(target, "target")
    return _astar(graph.ptr, graph.idx, graph.w, _heuristic(heuristic, graph.n), s, t)


def _heuristic(heuristic, n: int) -> list[float]:  # noqa: ANN001
    h_arr = np.asarray(heuristic, dtype=np.float64)
    if h_arr.shape != (n,):
        raise InvalidArgumentError(f"heuristic has shape {h_arr.shape}, expected ({n},)")
    return h_arr.tolist()


def _astar(ptr: list[int], idx: list[int], w: list[float], h: list[float], s: int, t: int) -> Route:
    """The search of :func:`astar_count` on lists; raises :class:`NoPathError`."""
    n = len(ptr) - 1
    g = [INF] * n
    pred = [-1] * n
    pred_e = [-1] * n
    closed = [INF] * n
    g[s] = 0.0
    counter = itertools.count()
    heap = [(h[s], next(counter), s)]
    expanded = 0
    while heap:
        _, _, u = heappop(heap)
        gu = g[u]
        if closed[u] <= gu:
            continue
        if u == t:
            return Route(path_from_pred(pred, pred_e, w, s, t), True, expanded)
        closed[u] = gu
        expanded += 1
        for e in range(ptr[u], ptr[u + 1]):
            v = idx[e]
            nd = gu + w[e]
            if nd < g[v]:
                g[v] = nd
                pred[v] = u
                pred_e[v] = e
                hv = h[v]
                if hv < INF:
                    heappush(heap, (nd + hv, next(counter), v))
    err = NoPathError(f"no path from node {s} to node {t}")
    err.expanded = expanded  # type: ignore[attr-defined]  # the work done before giving up, for the caller's count
    raise err


def learned_astar(indptr, indices, weights, h, source: int, target: int) -> Route:
    """A* with the learned cost-to-go as heuristic; a failed search is reported, not raised.

    Exact when ``h`` is admissible, which :func:`cost_to_go` with ``admissible=True`` guarantees
    (a consistent projection of the prediction). Without it the search is a fast heuristic search
    whose cost may exceed the optimum.
    """
    return learned_astar_prepared(prepare(indptr, indices, weights), h, source, target)


def learned_astar_prepared(graph: PreparedGraph, h, source: int, target: int) -> Route:
    """:func:`learned_astar` on a graph checked and converted once (:func:`graphroute.paths.dijkstra.prepare`)."""
    s, t = graph.node(source, "source"), graph.node(target, "target")
    return _learned(graph.ptr, graph.idx, graph.w, _finite_heuristic(h, graph.n), s, t)


def _finite_heuristic(h, n: int) -> list[float]:  # noqa: ANN001
    """``h`` as a list, ``inf`` where it is not finite (such nodes are never queued)."""
    h = np.asarray(h, dtype=np.float64)
    return _heuristic(np.where(np.isfinite(h), h, INF), n)


def _learned(ptr: list[int], idx: list[int], w: list[float], h: list[float], s: int, t: int) -> Route:
    try:
        return _astar(ptr, idx, w, h, s, t)
    except NoPathError as exc:  # its message names internal positions (of a contracted graph): not the caller's ids
        return Route(None, False, getattr(exc, "expanded", 0), "no path from source to target")


def k_alternatives(indptr, indices, weights, h, source: int, target: int, k: int = 3, *,
                   penalty: float = 0.5, tries: int | None = None, same=None) -> list[Path]:  # noqa: ANN001
    """Up to ``k`` different routes by the penalty method, each found by A* guided by ``h``.

    After each route, the weights of its edges are multiplied by ``1 + penalty`` and the search is
    repeated (Bader et al. 2011, "Alternative route graphs in road networks"); a route already found
    (the same nodes) is skipped, at most ``tries`` searches (default ``4 k``), so fewer than ``k``
    routes can come back where more exist. Penalised weights only grow, so an
    admissible ``h`` stays admissible and the first route is optimal. Costs are under the original
    weights; routes come back in order of that cost.
    """
    _check_alternatives(k, penalty, tries)
    return k_alternatives_prepared(prepare(indptr, indices, weights), h, source, target, k, penalty=penalty,
                                   tries=tries, same=same)


def k_alternatives_prepared(graph: PreparedGraph, h, source: int, target: int, k: int = 3, *,
                            penalty: float = 0.5, tries: int | None = None, same=None) -> list[Path]:  # noqa: ANN001
    """:func:`k_alternatives` on a graph checked and converted once (:func:`graphroute.paths.dijkstra.prepare`);
    the penalised weights are a per-query copy of its weight list.

    Two routes are the same when ``same(path)`` is equal (default: the node sequence, as Yen's paths
    are told apart, so two parallel arcs give one route; on a contracted graph ``graphroute route``
    passes the expanded node sequence, so two chains between the same junctions are two routes)."""
    _check_alternatives(k, penalty, tries)
    s, t = graph.node(source, "source"), graph.node(target, "target")
    hl = _finite_heuristic(h, graph.n)
    w0 = graph.w
    w = list(w0)
    factor = 1.0 + penalty
    found: dict[tuple[int, ...], Path] = {}
    for _ in range(4 * k if tries is None else int(tries)):
        r = _learned(graph.ptr, graph.idx, w, hl, s, t)
        if r.path is None:
            break
        key = r.path.nodes if same is None else same(r.path)
        if key not in found:
            found[key] = Path(r.path.nodes, r.path.edges, float(sum(w0[e] for e in r.path.edges)))
        if len(found) >= k:
            break
        for e in r.path.edges:
            w[e] *= factor
    return sorted(found.values(), key=lambda p: p.cost)


def node_positions(values, n: int, what: str, kind: str = "node positions") -> np.ndarray:  # noqa: ANN001
    """``values`` as an int64 array, each an integer in ``0..n-1``; else :class:`InvalidArgumentError`
    naming ``what``, the first bad value and its position. O(len) in numpy; the shape is kept."""
    arr = np.asarray(values)

    def where(i: int) -> str:
        return "[" + ", ".join(str(int(j)) for j in np.unravel_index(i, arr.shape)) + "]" if arr.ndim else ""

    def not_integer(i: int, v: object) -> InvalidArgumentError:
        return InvalidArgumentError(f"{what}{where(i)} = {v!r} is not an integer ({kind} 0..{n - 1})")

    def outside(i: int, v: object) -> InvalidArgumentError:
        return InvalidArgumentError(f"{what}{where(i)} = {v} is outside 0..{n - 1} ({kind})")

    if arr.dtype.kind not in "iuf":  # bools, text, None, Python ints beyond 64 bits: element by element
        for i, v in enumerate(arr.flat):
            v = v.item() if isinstance(v, np.generic) else v
            if not is_integer(v):
                raise not_integer(i, v)
            if not 0 <= v < n:
                raise outside(i, v)
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.size:
            raise not_integer(bad[0], arr.flat[bad[0]].item())
    bad = np.flatnonzero((arr < 0) | (arr >= n))
    if bad.size:
        raise outside(bad[0], int(arr.flat[bad[0]]))
    return arr.astype(np.int64, copy=False)


def check_queries(pairs, columns, n: int, n_columns: int | None) -> tuple[list, list]:  # noqa: ANN001
    """``pairs`` (``[q, 2]`` node positions in ``0..n-1``) and ``columns`` (``q`` positions in
    ``0..n_columns-1``; unchecked when None) as lists, for :func:`greedy_routes_prepared`; else
    :class:`InvalidArgumentError` naming the argument and the first bad value. O(q) in numpy."""
    p = np.asarray(pairs)
    if p.size == 0:
        p = p.reshape(0, 2)
    if p.ndim != 2 or p.shape[1] != 2:
        raise InvalidArgumentError(f"pairs must be (source, target) pairs, shape [q, 2], got shape {p.shape}")
    p = node_positions(p, n, "pairs")
    c = np.asarray(columns)
    if c.ndim != 1 or c.shape[0] != p.shape[0]:
        raise InvalidArgumentError(f"columns must hold one column per pair ({p.shape[0]}), got shape {c.shape}")
    if n_columns is not None:
        c = node_positions(c, n_columns, "columns", "the columns of h")
    return p.tolist(), c.tolist()


def is_integer(v: object) -> bool:
    """Whether ``v`` is a Python or numpy integer, not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_step_count(n: object) -> bool:
    """Whether ``n`` is a count (of steps, of routes): a non-negative Python or numpy integer, not a bool
    (``True`` is an ``int`` to Python; ``np.bool_`` is no ``np.integer``)."""
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0


def _check_alternatives(k, penalty, tries) -> None:  # noqa: ANN001
    if tries is not None and not is_step_count(tries):
        raise InvalidArgumentError(f"tries must be a non-negative integer or None, got {tries!r}")
    if not is_step_count(k) or k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    if not penalty > 0 or not math.isfinite(penalty):
        raise InvalidArgumentError(f"penalty must be a positive number, got {penalty!r}")
