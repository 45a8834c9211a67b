"""Compare routers on one graph: success, stretch, nodes expanded and speed per method.

:func:`compare_routers` runs the same random source/target pairs through

- ``router greedy``: :func:`~graphroute.neural.router.route.greedy_route` on the learned cost-to-go of a
  *truncated* pass (``steps`` shared message-passing steps: the learned estimate, clipped near the
  target by as many exact Bellman-Ford steps);
- ``untrained greedy``: the same pass with an untrained :class:`BFRouter` (value iteration from the
  straight-line estimate, no edge correction): what the training adds;
- ``Bellman-Ford greedy``: greedy on a full pass, i.e. exact Bellman-Ford run to its fixed point
  (no learned part enters; optimal where no zero-weight arcs tie, and the speed of a batched full pass);
- ``learned A*``: A* on the admissible projection of the truncated learned estimate (exact by
  construction; the projection is itself a Bellman-Ford sweep from above, and its time is counted);
- ``Euclidean A*``: A* with the geometric lower bound of :mod:`graphroute.paths.astar`;
- ``geo forwarding``: greedy geographic forwarding (next hop = unvisited neighbour nearest the target
  by straight line, same fallback as the router);
- ``Dijkstra``: graphroute's pure-Python binary-heap Dijkstra with early exit
  (:func:`graphroute.paths.dijkstra.dijkstra_prepared`), the speed reference; scipy's C Dijkstra is
  about 8-10x faster (``experiments/results/kpaths.md``);
- ``router K`` / ``Yen K``: K alternatives by penalties + learned A* against Yen's K shortest paths
  (on the first ``k_queries`` pairs; both slower).

Stretch is found cost / optimal cost (optimal from scipy's Dijkstra). Every method searches the same
graph, checked and converted to Python lists once (:func:`graphroute.paths.dijkstra.prepare`) before
any timing, so that none pays that O(m) set-up per query (6-14 ms of a 25-30 ms Dijkstra query on a
10k-node Delaunay graph, which flattered the router's speed ratios). Timings include everything else a method needs per query: its heuristic (the
straight-line bound, Yen's reverse shortest-path tree), and the router's batched cost-to-go pass,
counted in full and shared over the queries of the batch. Loading the router checkpoint and the graph
happens before this function and is not counted (a one-time cost, like :func:`prepare`).

What each number counts: ``success`` is over all queries; ``mean_stretch``, ``p95_stretch`` and
``share_optimal`` are over the successful queries only (a failed route has no cost); ``median_expanded``,
``queries_per_s`` and ``seconds`` count every query, failed ones included. On the K rows ``success`` is
the share of queries with ``k`` paths, ``mean_stretch`` is the first path's and ``kth_mean_stretch``
the last path's each query returned (the K-th, or an earlier one: Yen finds fewer only where fewer
exist, router K also when its ``4 k`` penalty searches repeat routes). Both tell paths apart by their
node sequences; with ``parallel_are_distinct`` (``compare --task paths`` on a contracted graph, where a
parallel edge is another chain) by their edges, Yen on :func:`split_parallel_edges` of the graph, so
that "Yen K" is the K shortest paths of the original graph.
"""

from __future__ import annotations

import time

import numpy as np

from graphroute.exceptions import InvalidArgumentError


#: Seeds of the random query pairs: integers in ``0..MAX_PAIR_SEED`` (int64, as the instance generator's).
MAX_PAIR_SEED = 2**63 - 1


def check_pair_seed(seed: object, option: str = "seed") -> int:
    """``seed`` when it is an integer in ``0..MAX_PAIR_SEED``; else one line naming ``option``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_PAIR_SEED:
        raise InvalidArgumentError(f"{option} must be an integer in 0..{MAX_PAIR_SEED}, got {seed!r}")
    return int(seed)


def random_pairs(n: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` seeded (source, target) pairs with source != target: int64 ``[count, 2]``."""
    check_pair_seed(seed)
    if n < 2:
        raise InvalidArgumentError("a graph with fewer than 2 nodes has no pairs to route")
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, count)
    t = (s + rng.integers(1, n, count)) % n
    return np.stack([s, t], 1)


def stretch_ratio(cost, optimal):  # noqa: ANN001, ANN201 - floats or arrays
    """found cost / optimal cost; where the optimum is 0 (zero-weight arcs), 1 for a route of cost 0 and
    inf for a costlier one (it was 1: a detour of cost 168 over a free path counted as optimal); 1 where
    the ratio differs from 1 by rounding only (within 1e-9: an optimal path summed in another order than
    scipy's, printed as 0.9999999999999999 or 1.0000000000000002). A ratio further below 1 is left as it is: it would be a
    bug to see, not rounding."""
    cost, optimal = np.asarray(cost, dtype=np.float64), np.asarray(optimal, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(optimal > 0, cost / np.where(optimal > 0, optimal, 1.0), np.where(cost > 0, np.inf, 1.0))
    ratio = np.where(np.abs(ratio - 1) <= 1e-9, 1.0, ratio)  # 1.0000000000000002 was printed for optimal routes
    return float(ratio) if ratio.ndim == 0 else ratio


def _stretch_stats(stretch) -> dict:  # noqa: ANN001
    """mean / p95 stretch over the routes whose stretch is finite, share optimal over all of them: a route
    of positive cost over an optimum of 0 (zero-weight arcs) has no finite stretch and is not optimal.
    No finite stretch at all: nan (a null in JSON)."""
    stretch = np.asarray(stretch, dtype=np.float64)
    finite = stretch[np.isfinite(stretch)]
    return {"mean_stretch": float(finite.mean()) if finite.size else float("nan"),
            "p95_stretch": float(np.percentile(finite, 95)) if finite.size else float("nan"),
            "share_optimal": float(np.mean(stretch <= 1 + 1e-9)) if stretch.size else float("nan")}


def _summary(name: str, success, cost, optimal, expanded, seconds: float) -> dict:
    success = np.asarray(success, dtype=bool)
    cost = np.asarray(cost, dtype=np.float64)
    optimal = np.asarray(optimal, dtype=np.float64)
    stretch = stretch_ratio(cost[success], optimal[success])  # inf: a costly route over a free optimum
    return {
        "method": name,
        "queries": int(success.size),
        "success": float(success.mean()) if success.size else float("nan"),
        **_stretch_stats(stretch),
        "median_expanded": float(np.median(expanded)) if len(expanded) else float("nan"),
        "queries_per_s": success.size / seconds if seconds > 0 else float("inf"),
        "seconds": seconds,
        "kth_mean_stretch": float("nan"),
    }


#: Keys of every row of :func:`compare_routers`, in order (NaN / None where a key does not apply).
ROW_KEYS = ("method", "steps", "queries", "success", "mean_stretch", "p95_stretch", "share_optimal", "median_expanded",
            "queries_per_s", "seconds", "kth_mean_stretch", "steps_used")
#: What the rows measure, for tables and JSON: what "Dijkstra" is, and what the timings count.
NOTES = {
    "Dijkstra": "graphroute's pure-Python binary-heap Dijkstra (early exit), the speed reference; scipy's C "
                "Dijkstra is about 8-10x faster (experiments/results/kpaths.md)",
    "timing": "every method searches the same graph, checked and converted to Python lists once before any "
              "timing; each method's own set-up and per-query work (heuristic, reverse tree, router pass) is counted; "
              "loading the checkpoint and the graph is not",
    "counting": "success is over all queries; stretches and share optimal over the routed ones only; median "
                "expanded, queries/s and seconds over all; on K rows success = share with K paths, K-th stretch = "
                "the last path returned",
}


ALL_METHODS = ("router greedy", "untrained greedy", "Bellman-Ford greedy", "learned A*", "Euclidean A*",
               "geo forwarding", "Dijkstra", "router K", "Yen K")
DEFAULT_METHODS = ("router greedy", "untrained greedy", "learned A*", "Euclidean A*", "geo forwarding", "Dijkstra",
                   "router K", "Yen K")


def split_parallel_edges(indptr, indices, weights):  # noqa: ANN001, ANN201
    """CSR arrays where every parallel edge but the first of its (u, v) group runs through a new node
    of its own (``u -> x`` with the edge's weight, ``x -> v`` at 0): the same path costs (``w + 0.0 ==
    w``), and paths that differ only in a parallel edge become different node sequences, which Yen
    tells apart. Nodes ``>= n`` are the new ones. O(m log m)."""
    indptr, indices, weights = (np.asarray(a) for a in (indptr, indices, weights))
    n = indptr.size - 1
    src = np.repeat(np.arange(n), np.diff(indptr))
    key = src.astype(np.int64) * n + indices
    order = np.argsort(key, kind="stable")
    dup = np.zeros(key.size, dtype=bool)
    dup[order[1:]] = key[order[1:]] == key[order[:-1]]
    extra = np.flatnonzero(dup)
    if extra.size == 0:
        return indptr, indices, weights
    mid = n + np.arange(extra.size)
    dst = indices.copy()
    dst[extra] = mid  # u -> x keeps the weight
    s_all = np.concatenate([src, mid])
    d_all = np.concatenate([dst, indices[extra]])
    w_all = np.concatenate([weights.astype(np.float64), np.zeros(extra.size)])
    o = np.argsort(s_all, kind="stable")
    ip = np.zeros(n + extra.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(s_all, minlength=n + extra.size), out=ip[1:])
    return ip, d_all[o], w_all[o]


def compare_routers(graph, model, pairs, *, weight: str | None = None, steps: int | str = 30, batch: int = 64,
                    k: int = 3, k_queries: int = 20, methods: tuple[str, ...] | None = None,
                    on_progress=None, parallel_are_distinct: bool = False) -> list[dict]:  # noqa: ANN001
    """One summary row per method (see the module docstring) on ``pairs`` (int ``[q, 2]``) of ``graph``.

    ``steps``: message-passing steps of the router's truncated pass (router greedy, untrained greedy,
    learned A*, router K), or ``"auto"`` (each batch of targets runs until the exact wave has reached
    its query sources, plus a margin: :meth:`~graphroute.neural.router.model.BFRouter.forward`).
    Every row has the keys :data:`ROW_KEYS`: ``steps`` (None for methods without a pass),
    ``steps_used`` (the median number of steps of its passes, None without one), ``kth_mean_stretch``
    (NaN except on the K rows). ``on_progress(text)``, if given, hears which method runs and, during
    a router pass, how many of its targets are done (passes on 100k-node graphs take minutes).
    """
    from graphroute.neural.router.model import BFRouter, RouterGraph
    from graphroute.neural.router.route import (Route, astar_count_prepared, cost_to_go, greedy_routes_prepared,
                                                is_step_count, k_alternatives_prepared, learned_astar_prepared)
    from graphroute.neural.router.train import exact_costs_to
    from graphroute.paths.astar import geometric_distance, geometric_scale
    from graphroute.paths.dijkstra import dijkstra_prepared, prepare
    from graphroute.paths.yen import k_shortest_paths_prepared

    methods = DEFAULT_METHODS if methods is None else tuple(methods)
    for m in methods:
        if m not in ALL_METHODS:
            raise InvalidArgumentError(f"unknown method {m!r}; available: {', '.join(ALL_METHODS)}")
    if steps != "auto" and (not is_step_count(steps) or steps < 1):
        raise InvalidArgumentError(f"steps must be a positive integer or 'auto', got {steps!r}")
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    outside = np.flatnonzero(((pairs < 0) | (pairs >= graph.n_nodes)).any(axis=1))
    if outside.size:
        q = int(outside[0])
        raise InvalidArgumentError(f"pair {q} ({pairs[q, 0]}, {pairs[q, 1]}) names a node position outside "
                                   f"0..{graph.n_nodes - 1}")
    ip, ix, w = graph.indptr, graph.indices, graph.weights(weight)
    pg = prepare(ip, ix, w)  # checked and converted once, outside every timing
    lonlat = graph.kind in ("road", "traffic")
    metric = "haversine" if lonlat else "euclidean"
    rg = RouterGraph.from_graph(graph, weight)
    targets, inverse = np.unique(pairs[:, 1], return_inverse=True)
    optimal_cols = exact_costs_to(ip, ix, w, targets)  # [n, T]
    optimal = optimal_cols[pairs[:, 0], inverse]
    cut = np.flatnonzero(~np.isfinite(optimal))
    if cut.size:  # stretch and success would be meaningless: every method would count it a failure
        q = int(cut[0])
        raise InvalidArgumentError(f"pair {q}: node {pairs[q, 1]} cannot be reached from node {pairs[q, 0]}"
                                   f"{f' ({cut.size} such pairs)' if cut.size > 1 else ''}; compare on pairs of "
                                   "one strongly connected component")
    rows = []

    stats: dict = {}
    current = [""]

    def say(text: str) -> None:
        if on_progress is not None:
            on_progress(text)

    def on_batch(done: int, total: int) -> None:
        say(f"{current[0]}: router pass, {done}/{total} targets done")

    def run(name: str, fn, setup=None, pass_steps=None, all_at_once=None):  # noqa: ANN001, ANN202
        stats.clear()
        current[0] = name
        say(name)
        t0 = time.perf_counter()
        state = setup() if setup else None
        if all_at_once is not None:
            routes = all_at_once(state)
        else:
            routes = [fn(q, s, t, state) for q, (s, t) in enumerate(pairs.tolist())]
        succ = [r.success for r in routes]
        cost = [r.path.cost if r.success else np.nan for r in routes]
        exp = [r.expanded for r in routes]
        rows.append({**_summary(name, succ, cost, optimal, exp, time.perf_counter() - t0), "steps": pass_steps,
                     "steps_used": _median_steps(stats)})

    def greedy(state):  # noqa: ANN001, ANN202
        h, wave = state
        return greedy_routes_prepared(pg, h, pairs.tolist(), inverse.tolist(), wave=wave, diagnose=False)

    def passes(m, n_steps, **kw):  # noqa: ANN001, ANN202
        """cost_to_go for every target of the pairs; "auto" is given the pairs' sources."""
        reach = (pairs[:, 0], inverse) if n_steps == "auto" else None
        return cost_to_go(m, rg, targets, batch=batch, steps=n_steps, reach=reach, stats=stats, on_batch=on_batch,
                          **kw)

    def setup(m, n_steps):  # noqa: ANN001, ANN202
        return lambda: passes(m, n_steps, with_wave=True)

    if "router greedy" in methods:
        run("router greedy", None, setup(model, steps), steps, greedy)
    if "untrained greedy" in methods:
        import torch

        with torch.random.fork_rng(devices=[]):  # a fixed init that leaves the caller's random state alone
            torch.manual_seed(0)
            plain = BFRouter(hidden=model.hidden).eval()  # alpha = 1, edge correction 0: value iteration
        run("untrained greedy", None, setup(plain, steps), steps, greedy)
    if "Bellman-Ford greedy" in methods:
        run("Bellman-Ford greedy", None, setup(model, None), 0, greedy)  # steps 0: to convergence, as route --steps 0
    if "learned A*" in methods:
        run("learned A*", lambda q, s, t, h: learned_astar_prepared(pg, h[:, inverse[q]], s, t),
            lambda: passes(model, steps, admissible=True), steps)
    if graph.coords is not None:
        if "Euclidean A*" in methods:
            def euclid(q, s, t, scale):  # noqa: ANN001, ANN202
                return astar_count_prepared(pg, s, t, scale * geometric_distance(graph.coords, graph.coords[t], metric))

            run("Euclidean A*", euclid, lambda: geometric_scale(ip, ix, w, graph.coords, metric))
        if "geo forwarding" in methods:
            run("geo forwarding", lambda q, s, t, _: greedy_routes_prepared(
                pg, geometric_distance(graph.coords, graph.coords[t], metric).reshape(-1, 1), [(s, t)], [0],
                edge_cost=False, diagnose=False)[0])
    if "Dijkstra" in methods:
        run("Dijkstra", lambda q, s, t, _: Route(dijkstra_prepared(pg, s, t), True, 0))
        rows[-1]["median_expanded"] = float("nan")  # not counted: no number, not 0
    kq = pairs[:k_queries]
    if "router K" in methods and len(kq):
        k_targets = np.unique(kq[:, 1])
        memo: dict = {}

        k_stats: dict = {}
        current[0] = "router K"
        say("router K")

        def k_setup(t):  # noqa: ANN001, ANN202
            if not memo:  # one batched pass and projection for every K target, on the first query (timed)
                reach = (kq[:, 0], np.searchsorted(k_targets, kq[:, 1])) if steps == "auto" else None
                h_all = cost_to_go(model, rg, k_targets, batch=batch, steps=steps, admissible=True, reach=reach,
                                   stats=k_stats, on_batch=on_batch)
                memo.update({int(x): h_all[:, j] for j, x in enumerate(k_targets.tolist())})
            return memo[int(t)]

        same = (lambda p: p.edges) if parallel_are_distinct else None
        rows.append({**_k_summary("router K", kq, optimal[:k_queries], k, lambda s, t, h: k_alternatives_prepared(
            pg, h, s, t, k, same=same), k_setup), "steps": steps, "steps_used": _median_steps(k_stats)})
    if "Yen K" in methods and len(kq):
        say("Yen K")
        # with parallel_are_distinct (a contracted graph: parallel edges are different chains) Yen runs where
        # each extra parallel edge has a node of its own, so it counts them as the router K row does
        pk = prepare(*split_parallel_edges(ip, ix, w)) if parallel_are_distinct else pg  # before the timing
        rows.append({**_k_summary("Yen K", kq, optimal[:k_queries], k,
                                  lambda s, t, _: k_shortest_paths_prepared(pk, s, t, k), lambda t: None),
                     "steps": None, "steps_used": None})
    return [{key: r.get(key) for key in ROW_KEYS} for r in rows]


def _median_steps(stats: dict) -> int | None:
    """Median steps of the passes that ``cost_to_go`` recorded in ``stats`` (None: no pass)."""
    return int(np.median(stats["steps"])) if stats.get("steps") else None


def _k_summary(name: str, pairs, optimal, k: int, fn, setup) -> dict:  # noqa: ANN001
    """K-alternative row: share of queries with k paths, stretch of the best and of the k-th path."""
    t0 = time.perf_counter()
    full, best, last = [], [], []
    for (s, t), opt in zip(pairs.tolist(), optimal.tolist()):
        paths = fn(s, t, setup(t))
        full.append(len(paths) >= k)
        if paths:
            best.append(stretch_ratio(paths[0].cost, opt))
            last.append(stretch_ratio(paths[-1].cost, opt))
    seconds = time.perf_counter() - t0
    last = np.asarray(last, dtype=np.float64)
    last = last[np.isfinite(last)]  # a K-th route over a free optimum has no finite stretch
    return {"method": f"{name}={k}", "queries": len(pairs), "success": float(np.mean(full)),
            **_stretch_stats(best),
            "median_expanded": float("nan"), "queries_per_s": len(pairs) / seconds,
            "seconds": seconds, "kth_mean_stretch": float(np.mean(last)) if last.size else float("nan")}


def markdown_table(rows: list[dict]) -> str:
    """The rows of :func:`compare_routers` as a markdown table."""
    head = "| method | queries | success | mean stretch | p95 stretch | share optimal | median expanded | queries/s |"
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        exp = ("-" if not np.isfinite(r["median_expanded"]) or r["method"] == "Dijkstra"
               else f"{r['median_expanded']:.1f}".removesuffix(".0"))  # a median of an even count can be x.5
        kth = r.get("kth_mean_stretch")
        extra = f" (K-th path {kth:.3f})" if kth is not None and np.isfinite(kth) else ""
        label = r["method"] + (f" (T={steps_label(r)})" if r.get("steps") else "")
        lines.append(f"| {label} | {r['queries']} | {100 * r['success']:.2f}% | {r['mean_stretch']:.4f}{extra} | "
                     f"{r['p95_stretch']:.4f} | {100 * r['share_optimal']:.1f}% | {exp} | {r['queries_per_s']:.1f} |")
    return "\n".join(lines)


def steps_label(row: dict) -> str:
    """``30``, or ``auto: 144`` (the median steps an automatic pass ran)."""
    if row.get("steps") == "auto":
        return f"auto: {row['steps_used']}" if row.get("steps_used") is not None else "auto"
    return str(row.get("steps"))
