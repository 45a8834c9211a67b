"""The one independent feasibility checker and cost evaluator.

Every solver's output, the CLI and the tests go through :func:`check`. It recomputes the cost
from scratch, edge by edge, with its own scalar implementation of each distance convention
(it never reads :attr:`Instance.distances`), so a bug in the vectorised matrices that solvers
use cannot hide here. It raises exceptions (never ``assert``) when asked to enforce.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from graphroute.exceptions import InfeasibleError, InvalidArgumentError, InvalidSolutionError
from graphroute.problems.instance import Instance, Solution

_GEO_PI = 3.141592
_GEO_RRR = 6378.388


def _geo(x: float) -> float:
    deg = math.trunc(x)
    return _GEO_PI * (deg + 5.0 * (x - deg) / 3.0) / 180.0


def edge_cost(inst: Instance, i: int, j: int) -> float:
    """Cost of the arc ``i -> j`` under the instance's own convention, computed from scratch.

    ``i == j`` costs 0 whatever the matrix diagonal says (TSPLIB ``.atsp`` files put 9999 there):
    only a one-node tour stays put, and it travels nowhere.
    """
    if i == j:
        return 0.0
    t = inst.distance_type
    if t == "EXPLICIT":
        return float(inst.matrix[i][j])  # type: ignore[index]
    xi, yi = (float(v) for v in inst.coords[i])  # type: ignore[index]
    xj, yj = (float(v) for v in inst.coords[j])  # type: ignore[index]
    dx, dy = xi - xj, yi - yj
    if t == "EXACT":
        return math.hypot(dx, dy)
    if t == "EUC_2D":
        return float(int(math.sqrt(dx * dx + dy * dy) + 0.5))
    if t == "CEIL_2D":
        return float(math.ceil(math.sqrt(dx * dx + dy * dy)))
    if t == "ATT":
        r = math.sqrt((dx * dx + dy * dy) / 10.0)
        tt = int(r + 0.5)
        return float(tt + 1 if tt < r else tt)
    if t == "GEO":
        lat_i, lon_i, lat_j, lon_j = _geo(xi), _geo(yi), _geo(xj), _geo(yj)
        q1 = math.cos(lon_i - lon_j)
        q2 = math.cos(lat_i - lat_j)
        q3 = math.cos(lat_i + lat_j)
        arg = max(-1.0, min(1.0, 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)))
        return float(int(_GEO_RRR * math.acos(arg) + 1.0))
    if t == "MAN_2D":
        return float(int(abs(dx) + abs(dy) + 0.5))
    if t == "MAX_2D":
        return float(int(max(abs(dx), abs(dy)) + 0.5))
    raise InvalidSolutionError(f"checker does not know distance type {t!r}")


@dataclass
class CheckResult:
    """Outcome of :func:`check`: recomputed cost and every violation found (empty when feasible)."""

    cost: float
    violations: list[str] = field(default_factory=list)
    num_routes: int = 0
    loads: list[int] = field(default_factory=list)
    duration: float | None = None

    @property
    def feasible(self) -> bool:
        return not self.violations


def _closed_cost(inst: Instance, walk: Sequence[int]) -> float:
    total = 0.0
    for a, b in zip(walk[:-1], walk[1:]):
        total += edge_cost(inst, a, b)
    return total


def _closed_duration(inst: Instance, walk: Sequence[int]) -> float:
    return float(sum(inst.durations[a][b] for a, b in zip(walk[:-1], walk[1:]) if a != b))  # type: ignore[index]


def check(instance: Instance, solution: Solution | Sequence[Sequence[int]], *, enforce: bool = False) -> CheckResult:
    """Recompute cost and feasibility of ``solution`` on ``instance``.

    Parameters
    ----------
    instance : Instance
    solution : Solution or list of routes
        A list (or 2-D array) of routes, each a list of node indices, never a flat list of nodes:
        CVRP: routes of customer indices ``1..n-1`` with the depot (0) left out.
        TSP: one route listing every node ``0..n-1`` once (closed implicitly), so a tour is
        passed as ``[tour]``. An empty route is an unused vehicle (VRPLIB / PyVRP convention): no
        violation, and not counted in ``num_routes`` or the fleet limit.
    enforce : bool
        Raise instead of returning the violations: :class:`InfeasibleError` naming them, or
        :class:`InvalidSolutionError` for a node outside ``0..n-1``.

    Returns
    -------
    CheckResult
        ``cost`` is the sum of arc costs under the instance's convention (for CVRP every route
        starts and ends at the depot; for TSP the tour closes). O(n) time. Routes are numbered
        from 1 in the violations. A node outside ``0..n-1`` is a violation, and the cost is that of
        the routes without it (it has no distance to add).

    Raises
    ------
    InvalidArgumentError
        ``instance`` is not an :class:`Instance`.
    InvalidSolutionError
        ``solution`` is not a list of routes (a flat tour ``[0, 1, 2]`` included: pass ``[[0, 1, 2]]``),
        a route holds something that is not an integer node (no cost can be computed), or, with
        ``enforce``, a node outside ``0..n-1``.
    InfeasibleError
        With ``enforce``, any other violation.
    """
    if not isinstance(instance, Instance):
        raise InvalidArgumentError(f"instance must be an Instance, got {type(instance).__name__}")
    sol = solution if isinstance(solution, Solution) else Solution(_route_lists(solution))
    n = instance.n
    violations: list[str] = []
    routes_in_range = []
    for r, route in enumerate(sol.routes):
        outside = [v for v in route if not 0 <= v < n]
        if outside:
            nodes = f"node{'s' if len(outside) > 1 else ''} {_fmt(outside)}"
            msg = f"route {r + 1} visits {nodes}, but nodes are 0..{n - 1}"
            if enforce:
                raise InvalidSolutionError(msg)
            violations.append(msg)
            route = [v for v in route if 0 <= v < n]
        routes_in_range.append(route)

    seen: dict[int, int] = {}
    cost = 0.0
    duration = 0.0 if instance.durations is not None else None
    loads: list[int] = []
    if instance.problem == "tsp":
        routes = [r for r in routes_in_range if r]
        given = sol.num_routes  # a route of out-of-range nodes only is still a route
        if given != 1:
            violations.append(f"a tsp solution is one tour, got {given} routes")
        for route in routes:
            for v in route:
                seen[v] = seen.get(v, 0) + 1
            if route:
                walk = list(route) + [route[0]]
                cost += _closed_cost(instance, walk)
                if duration is not None:
                    duration += _closed_duration(instance, walk)
        expected = range(n)
    else:
        for r, route in enumerate(routes_in_range):
            if not route:
                continue
            depot_at = [i for i, v in enumerate(route) if v == 0]
            if depot_at:  # once per route, however often
                if all(i in (0, len(route) - 1) for i in depot_at):
                    violations.append(f"route {r + 1} includes the depot (0) at its ends: routes must leave the "
                                      "depot out (every route starts and ends there)")
                else:
                    violations.append(f"route {r + 1} visits the depot (0) inside the route")
            load = 0
            for v in route:
                if v == 0:
                    continue
                seen[v] = seen.get(v, 0) + 1
                load += int(instance.demands[v])  # type: ignore[index]
            loads.append(load)
            if load > instance.capacity:  # type: ignore[operator]
                violations.append(f"route {r + 1} carries {load}, above capacity {instance.capacity}")
            walk = [0, *route, 0]
            cost += _closed_cost(instance, walk)
            if duration is not None:
                duration += _closed_duration(instance, walk)
        expected = range(1, n)
        used = sol.num_routes
        if instance.num_vehicles is not None and used > instance.num_vehicles:
            violations.append(f"{used} routes used, but only {instance.num_vehicles} "
                              f"vehicle{'s are' if instance.num_vehicles != 1 else ' is'} available")
    twice = sorted(v for v, c in seen.items() if c > 1)
    if twice:
        violations.append(f"node(s) visited more than once: {_fmt(twice)}")
    missing = [v for v in expected if v not in seen]
    if missing:
        violations.append(f"node(s) never visited: {_fmt(missing)}")
    result = CheckResult(cost=cost, violations=violations, num_routes=sol.num_routes, loads=loads, duration=duration)
    if enforce and violations:
        raise InfeasibleError(f"{instance.name}: " + "; ".join(violations))
    return result


def _route_lists(solution: object) -> list:
    """The routes of a list (or array, or other iterable) of routes, each route as a list; anything that
    is not a route is left for :class:`Solution` to name."""
    if isinstance(solution, (str, bytes, dict)) or not isinstance(solution, Iterable):
        raise InvalidSolutionError(f"a solution must be a Solution or a list of routes (lists of node indices), "
                                   f"got {type(solution).__name__}")
    # a set has no order (its iteration order would be taken as the visiting order): left for Solution to refuse
    return [list(r) if isinstance(r, Iterable) and not isinstance(r, (str, bytes, dict, AbstractSet)) else r
            for r in solution]


def _fmt(nodes: list[int], limit: int = 8) -> str:
    head = ", ".join(str(v) for v in nodes[:limit])
    return head + (f" ... ({len(nodes)} in all)" if len(nodes) > limit else "")


def gap_pct(cost: float, reference: float | None) -> float | None:
    """Percentage gap ``100 * (cost - reference) / reference``.

    None without a finite positive reference (None, 0, negative, NaN, infinite) or a finite cost.
    """
    if cost is None or reference is None:
        return None
    c, r = float(cost), float(reference)
    if not (math.isfinite(r) and r > 0 and math.isfinite(c)):
        return None
    g = 100.0 * (c - r) / r
    return g if math.isfinite(g) else None  # a reference of 5e-324 overflows: no gap worth a number
