"""Constructive heuristics: nearest neighbour and Clarke-Wright savings.

Both work on the instance's own (possibly asymmetric) distance matrix and are deterministic
(ties broken by node index), so the seed changes nothing. They ignore ``time_limit`` and always
run to completion: O(n^2) for nearest neighbour, O(n^2 log n) for savings, which is not always
within a short limit (savings took 1.8 s on the 979-node X-n979-k58 at a 1 s limit). Their time
is recorded all the same (``runtime_s`` of :func:`graphroute.solvers.solve`), and a run past the
limit is marked ``over_limit`` there and in ``compare``'s ``results.csv``.

Both ignore a fixed fleet (``Instance.num_vehicles``): they open as many routes as the capacity
needs, and the checker reports a solution with more routes than vehicles as infeasible.
"""

from __future__ import annotations

import numpy as np

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems.instance import Instance, Solution


def nearest_neighbour(inst: Instance, *, time_limit: float = 0.0, seed: int = 0) -> Solution:
    """Nearest neighbour: from the current node go to the closest unvisited node that fits.

    TSP: one tour from node 0. CVRP: a route ends (back to the depot) when no unvisited customer
    fits in the remaining capacity. O(n^2). ``time_limit`` and ``seed`` are accepted for the
    common interface and ignored: it runs to completion.
    """
    d = inst.distances
    n = inst.n
    unvisited = np.ones(n, dtype=bool)
    unvisited[0] = False
    if inst.problem == "tsp":
        tour, cur = [0], 0
        while unvisited.any():
            cand = np.where(unvisited, d[cur], np.inf)
            cur = int(np.argmin(cand))
            unvisited[cur] = False
            tour.append(cur)
        return Solution([tour])
    demands = inst.demands
    routes: list[list[int]] = []
    while unvisited.any():
        route, cur, load = [], 0, 0
        while True:
            fits = unvisited & (demands <= inst.capacity - load)
            if not fits.any():
                break
            cur = int(np.argmin(np.where(fits, d[cur], np.inf)))
            unvisited[cur] = False
            load += int(demands[cur])
            route.append(cur)
        if not route:  # an instance changed after it was checked: never loop forever on it
            i = int(np.flatnonzero(unvisited)[0])
            raise InvalidInstanceError(f"customer {i} has demand {int(demands[i])} above the capacity {inst.capacity}")
        routes.append(route)
    return Solution(routes)


def savings(inst: Instance, *, time_limit: float = 0.0, seed: int = 0) -> Solution:
    """Clarke & Wright (1964) parallel savings.

    Start with one route per customer; merge the route ending at ``i`` with the route starting
    at ``j`` in decreasing order of ``s(i, j) = d(i, 0) + d(0, j) - d(i, j)`` while the load fits.
    On symmetric instances a route may be reversed to bring ``i`` to its end and ``j`` to the
    start of the other. TSP is solved as CVRP with unlimited capacity from hub node 0.
    O(n^2 log n) for sorting the savings. ``time_limit`` and ``seed`` are accepted for the common
    interface and ignored: it runs to completion.
    """
    d = inst.distances
    n = inst.n
    if n <= 2:
        return Solution([list(range(n))] if inst.problem == "tsp" else [[i] for i in range(1, n)])
    cvrp = inst.problem == "cvrp"
    demands = inst.demands if cvrp else np.zeros(n, dtype=np.int64)
    cap = inst.capacity if cvrp else 1
    sym = inst.symmetric
    s = d[1:, [0]] + d[[0], 1:] - d[1:, 1:]  # s[i-1, j-1] for arc i -> j
    ii, jj = np.nonzero(~np.eye(n - 1, dtype=bool) & (np.triu(np.ones((n - 1, n - 1), dtype=bool)) if sym else True))
    vals = s[ii, jj]
    order = np.lexsort((jj, ii, -vals))
    if cvrp:  # merges stop at the first saving <= 0
        order = order[: int(np.count_nonzero(vals > 0))]
    route_of = {c: c for c in range(1, n)}
    routes: dict[int, list[int]] = {c: [c] for c in range(1, n)}
    load = {c: int(demands[c]) for c in range(1, n)}
    # a customer inside a route (neither end) can never be merged at again: skipped at once. Plain Python
    # lists, not numpy scalars, in the loop: 4x faster at n = 1,000 (437,000 candidate merges), same routes
    interior = bytearray(n)
    for i, j in zip((ii[order] + 1).tolist(), (jj[order] + 1).tolist()):
        if interior[i] or interior[j]:
            continue
        ri, rj = route_of[i], route_of[j]
        if ri == rj or load[ri] + load[rj] > cap and cvrp:
            continue
        a, b = routes[ri], routes[rj]
        if sym:
            if a[-1] != i and a[0] == i:
                a.reverse()
            if b[0] != j and b[-1] == j:
                b.reverse()
        if a[-1] != i or b[0] != j:
            continue
        if len(a) > 1:
            interior[i] = 1
        if len(b) > 1:
            interior[j] = 1
        a.extend(b)
        load[ri] += load.pop(rj)
        for c in b:
            route_of[c] = ri
        del routes[rj]
    out = [routes[r] for r in sorted(routes)]
    if not cvrp:
        return Solution([[0] + [c for r in out for c in r]])
    return Solution(out)
