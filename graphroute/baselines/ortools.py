"""OR-Tools routing (constraint-programming routing library) for TSP, ATSP, CVRP and ACVRP.

Costs are integers inside OR-Tools. :func:`integer_costs` says how graphroute gets them:

- ``Instance.integral`` (TSPLIB/CVRPLIB nint, CEIL_2D, ATT, GEO, whole-number matrices): the
  distances are used as they are, ``cost_scale = 1``, so OR-Tools optimises exactly the cost the
  checker reports.
- otherwise (``EXACT`` Euclidean, real-valued matrices): every arc is multiplied by the power of ten
  ``cost_scale = 10**k`` that brings the longest arc to at least ``1e6``, then rounded to the
  nearest integer. The rounding error per arc is at most ``0.5 / cost_scale`` of a unit, i.e. a
  relative ``<= 5e-7`` of the longest arc.

Model: the integer matrix and the demands are registered as native transit matrix / vector
(``RegisterTransitMatrix``, ``RegisterUnaryTransitVector``), so the search calls back into Python
only at each solution it accepts (tens per second), where Ctrl-C is noticed (see
:func:`_cancel_on_interrupt`). Fleet: see :func:`fleet_size`. Search: one thread, no random seed (see
:func:`solve_ortools`).

Settings (``settings="tuned"``, the default): guided local search (GLS, lambda 0.1, OR-Tools'
default operators) started from the Clarke-Wright savings routes of
:func:`graphroute.baselines.constructive.savings`, loaded with ``ReadAssignmentFromRoutes``.
``settings="plain"`` is the textbook PATH_CHEAPEST_ARC + GLS. Tuning runs on the 22 CVRPLIB X
instances with ``n <= 300``, 10 s each, mean gap to BKS (2 tuning runs at a time on the shared
2-core machine; reproduce with ``experiments/bench/baselines.py --solvers ortools-plain,...``)::

    Clarke-Wright savings alone (no search)            6.26 %
    PATH_CHEAPEST_ARC + GLS (plain)                    7.65 %
    OR-Tools SAVINGS + GLS                             8.11 %
    Clarke-Wright routes + GLS (tuned)                 4.34 %
      + GLS lambda 0.2 / 0.5                           4.30 / 4.49 %
      + multi-armed-bandit operator choice             4.49 %
      TABU_SEARCH instead of GLS                       4.66 %
      + 10 % spare vehicles                            4.60 %
      + relocate_neighbors and cross_exchange          4.49 %
      - LK, pair, subtrip and insertion-LNS operators  4.71 %
      + reset GLS penalties on a new best              4.45 %
      + LNS moves limited to 20 ms (default 100)       4.39 %

The start is what matters: GLS improves a solution slowly (tens of accepted moves per second at
n = 200), so 10 s do not recover the distance between a cheapest-arc start and a savings start.
Restricting operators to near neighbours (``ls_operator_neighbors_ratio``) stalled the first
descent altogether, and OR-Tools' iterated local search (``SolveWithIteratedLocalSearch`` with a
SISR ruin) was worse than GLS from the savings start in a spot test. On TSPLIB (10 instances,
4 s) the savings start is on par with cheapest arc (1.45 % vs 1.60 % mean), so one preset serves
all four problem kinds.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError, MissingDependencyError, SolverError
from graphroute.problems.instance import Instance, Solution

#: Longest arc after scaling non-integral distances (see :func:`integer_costs`).
MIN_SCALED_ARC = 1e6

#: First-solution strategy when the savings routes do not fit a fixed fleet (``inst.num_vehicles``).
FALLBACK_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"

#: Tried in turn, each with the time left, when :data:`FALLBACK_FIRST_SOLUTION` finds no start.
SECOND_FIRST_SOLUTIONS = ("PATH_CHEAPEST_ARC",)

#: Largest integer arc cost handed to OR-Tools / PyVRP: sums of 2**20 such arcs still fit in int64.
MAX_INTEGER_ARC = 2**42

#: Search settings by name. ``tuned`` is the default (see the module docstring).
SETTINGS: dict[str, dict[str, Any]] = {
    "plain": {
        "first_solution": "PATH_CHEAPEST_ARC",
        "metaheuristic": "GUIDED_LOCAL_SEARCH",
    },
    "tuned": {
        "first_solution": "savings_routes",
        "metaheuristic": "GUIDED_LOCAL_SEARCH",
    },
}


def integer_costs(inst: Instance) -> tuple[np.ndarray, int]:
    """The instance's ``[n, n]`` distances as int64 and the factor they were multiplied by.

    Returns ``(matrix, cost_scale)``; ``matrix / cost_scale`` approximates ``inst.distances``
    (exactly when ``inst.integral``) off the diagonal. The diagonal is set to 0: no route uses
    it, TSPLIB ``.atsp`` files put 9999 or other "forbidden" values there, and PyVRP rejects a
    non-zero diagonal. O(n^2).
    """
    d = np.array(inst.distances, dtype=np.float64)
    np.fill_diagonal(d, 0.0)
    longest = float(d.max()) if d.size else 0.0
    if inst.integral:
        scale = 1
    else:
        scale = 10 ** (max(0, math.ceil(math.log10(MIN_SCALED_ARC / longest))) if longest > 0 else 0)
    if longest * scale > MAX_INTEGER_ARC:
        raise InvalidInstanceError(
            f"{inst.name}: longest arc {longest:g} is too large for the solvers' 64-bit integer costs "
            f"(at most {MAX_INTEGER_ARC:.3g})"
        )
    return np.rint(d * scale).astype(np.int64), scale


def fleet_size(inst: Instance, slack: float = 0.0, savings_solution=None) -> int:  # noqa: ANN001
    """Vehicles offered to the solver for CVRP.

    ``inst.num_vehicles`` when the instance fixes it. Otherwise (as many vehicles as needed) the
    number of routes of the Clarke-Wright savings solution, which is feasible and therefore can
    never make the model infeasible, plus ``ceil(slack * that)`` spare vehicles; never below the
    bin-packing bound ``ceil(total demand / capacity)``. Unused vehicles cost nothing.
    ``savings_solution``: that solution when the caller has it already (it takes about 1 s at n = 1,000).
    """
    if inst.problem != "cvrp":
        return 1
    if inst.num_vehicles is not None:
        return inst.num_vehicles
    if savings_solution is None:
        from graphroute.baselines.constructive import savings

        savings_solution = savings(inst)
    k = savings_solution.num_routes
    return max(inst.min_vehicles(), k + math.ceil(slack * k))


#: The keyword options :func:`solve_ortools` takes besides ``settings`` (see its docstring).
OPTION_NAMES = frozenset({"first_solution", "metaheuristic", "gls_lambda", "fleet_slack", "neighbors_ratio",
                          "operators", "mab", "search_params", "lns_time_limit_ms", "log_search"})


def check_ortools_options(options: dict[str, Any]) -> None:
    """Refuse an unknown option name or ``settings`` value (:class:`InvalidArgumentError`), before any run:
    a typo in a compare suite's ``options`` failed every OR-Tools run of the grid."""
    settings = options.get("settings", "tuned")
    if settings not in SETTINGS:
        raise InvalidArgumentError(f"unknown OR-Tools settings {settings!r}; available: {', '.join(SETTINGS)}")
    unknown = set(options) - OPTION_NAMES - {"settings"}
    if unknown:
        raise InvalidArgumentError(f"unknown OR-Tools option(s): {', '.join(sorted(unknown))}; available: settings, "
                                   f"{', '.join(sorted(OPTION_NAMES))}")


def solve_ortools(
    inst: Instance,
    *,
    time_limit: float,
    seed: int = 0,
    settings: str = "tuned",
    **options: Any,
) -> Solution:
    """Solve ``inst`` with OR-Tools routing within ``time_limit`` seconds of wall clock.

    Parameters
    ----------
    inst : Instance
        TSP, ATSP (asymmetric EXPLICIT matrix), CVRP or ACVRP.
    time_limit : float
        Budget of the whole call in seconds; the time spent building the model is subtracted
        from what the search gets. Building the model (the savings start, the transit matrix, the
        start assignment) cannot be interrupted and takes seconds at about 1,000 nodes: a shorter
        limit is overrun by it, and the result has no routes (see below).
    seed : int
        Recorded in ``meta``. OR-Tools routing search has no random seed: it is deterministic
        for a fixed amount of search, but a wall-clock limit stops it after a machine-dependent
        number of moves, so results can differ slightly between runs.
    settings : str
        ``"tuned"`` (default) or ``"plain"``, a preset from :data:`SETTINGS`.
    **options
        Override single settings of the preset: ``first_solution`` (an OR-Tools
        FirstSolutionStrategy name, or ``"savings_routes"`` to start from
        :func:`graphroute.baselines.constructive.savings`; when those routes outnumber a fixed
        ``inst.num_vehicles``, :data:`FALLBACK_FIRST_SOLUTION` builds the start instead), ``metaheuristic``
        (LocalSearchMetaheuristic name), ``gls_lambda`` (float), ``fleet_slack`` (float),
        ``neighbors_ratio`` (float in (0, 1]), ``operators`` (dict of ``use_*`` flags to bool),
        ``mab`` (bool: let a multi-armed bandit pick the local search operators),
        ``lns_time_limit_ms`` (int: budget of each large-neighbourhood move), ``search_params`` (dict
        of other scalar RoutingSearchParameters fields; booleans map to OR-Tools' BOOL_TRUE/FALSE),
        ``log_search`` (bool).

    Returns
    -------
    Solution
        Routes in graphroute's convention; ``meta`` has ``objective`` (OR-Tools' objective
        divided by ``cost_scale``), ``cost_scale``, ``status``, ``num_vehicles``, ``settings``,
        ``start`` (how the first solution was built), ``options``, ``seed``.

    When OR-Tools finds no solution within the time limit (building the model used it up, or the
    search found none in what was left), no routes are returned and ``meta["no_solution"]`` says
    why: the checker reports every customer unvisited, an infeasible result (exit code 2), as for
    the other solvers' "no feasible solution" (with a fixed fleet smaller than the savings routes,
    those routes are returned unimproved instead, and the checker flags the fleet).

    Raises
    ------
    SolverError
        OR-Tools rejected the search parameters, or could not read the savings routes as a start.

    KeyboardInterrupt
        Ctrl-C (SIGINT) during the search: the search stops at the next solution it accepts
        (within milliseconds at n = 1,000), not at the time limit; nothing is returned.

    Search runs on one thread (OR-Tools routing local search is single-threaded).
    """
    t0 = time.perf_counter()
    try:
        from ortools.constraint_solver import routing_enums_pb2 as enums
    except ImportError:
        raise MissingDependencyError("solver 'ortools' needs ortools; install it with: pip install ortools") from None
    check_ortools_options({"settings": settings, **options})
    cfg = {**SETTINGS[settings], **options}

    n = inst.n
    cvrp = inst.problem == "cvrp"
    mat, scale = integer_costs(inst)
    first = str(cfg.get("first_solution", "PATH_CHEAPEST_ARC"))
    sav = None  # the savings solution, computed once: the free fleet's size and the start routes both use it
    if (cvrp and inst.num_vehicles is None) or first == "savings_routes":
        from graphroute.baselines.constructive import savings

        sav = savings(inst)
    k = fleet_size(inst, float(cfg.get("fleet_slack", 0.0)), savings_solution=sav)
    if n == 1 and not cvrp:
        return Solution([[0]], meta={"objective": 0.0, "cost_scale": scale, "status": "trivial", "num_vehicles": 1})

    start_routes = None
    savings_routes = None
    if first == "savings_routes":
        savings_routes = start_routes = [r for r in sav.routes if r]
        if len(start_routes) > k:  # a fixed fleet smaller than the savings solution: let OR-Tools build one
            start_routes, first = None, FALLBACK_FIRST_SOLUTION
    # When OR-Tools' own construction fails (tight fixed fleets, e.g. CVRPLIB P-n23-k8) the next
    # strategy gets the time that is left.
    strategies = [first] if start_routes is not None or first != FALLBACK_FIRST_SOLUTION else \
        [FALLBACK_FIRST_SOLUTION, *[s for s in SECOND_FIRST_SOLUTIONS if s != FALLBACK_FIRST_SOLUTION]]
    built_at = None
    for attempt, strategy in enumerate(strategies):
        manager, routing, params = _model(inst, mat, k, cfg, strategy if start_routes is None else None)
        initial = None
        if start_routes is not None:
            idx_routes = _start_index_routes(inst, manager, start_routes, k)
            params.time_limit.FromMilliseconds(max(10, int(1000 * (time_limit - (time.perf_counter() - t0)))))
            routing.CloseModelWithParameters(params)
            built_at = time.perf_counter() - t0
            if built_at >= time_limit:
                return _no_solution(
                    inst, scale, k, settings, cfg, seed, "NO_SOLUTION (time limit used up building the model)",
                    f"the time limit of {time_limit:g} s was used up building the OR-Tools model "
                    f"(n={n}, {built_at:.1f} s); give it a longer time limit",
                )
            initial = routing.ReadAssignmentFromRoutes(idx_routes, True)
            if initial is None:
                raise SolverError(f"{inst.name}: OR-Tools could not read the savings routes as a start solution")
        remaining = time_limit - (time.perf_counter() - t0)
        if attempt > 0 and remaining < 0.01:
            break
        params.time_limit.FromMilliseconds(max(10, int(1000 * remaining)))
        with _cancel_on_interrupt(routing):
            if initial is not None:
                assignment = routing.SolveFromAssignmentWithParameters(initial, params)
            else:
                assignment = routing.SolveWithParameters(params)
        status = enums.RoutingSearchStatus.Value.Name(routing.status()).removeprefix("ROUTING_")
        if assignment is not None or status == "INVALID":
            first = strategy if start_routes is None else first
            break
    if assignment is None:
        if status == "INVALID":
            raise SolverError(f"{inst.name}: OR-Tools rejected the search parameters {cfg} (status INVALID)")
        if savings_routes is not None and start_routes is None:
            # No solution within the fixed fleet: report the savings routes, which the checker then
            # flags as using too many vehicles (an infeasible result, exit code 2), as for savings itself.
            return Solution([list(r) for r in savings_routes], meta={
                "objective": None, "cost_scale": scale, "status": f"NO_FEASIBLE_SOLUTION ({status})",
                "num_vehicles": k, "settings": settings, "start": "savings_routes (returned unimproved)",
                "options": {key: cfg[key] for key in sorted(cfg)}, "seed": seed,
            })
        return _no_solution(
            inst, scale, k, settings, cfg, seed, f"NO_SOLUTION ({status})",
            f"OR-Tools found no solution within {time_limit:g} s (status {status}); give it more time",
        )
    routes = []
    for v in range(k):
        idx = routing.Start(v)
        route = []
        idx = assignment.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            idx = assignment.Value(routing.NextVar(idx))
        if route:
            routes.append(route)
    if not cvrp:
        routes = [[0, *routes[0]]] if routes else [[0]]
    meta = {
        "objective": assignment.ObjectiveValue() / scale,
        "cost_scale": scale,
        "status": status,
        "num_vehicles": k,
        "settings": settings,
        "start": first,
        "options": {key: cfg[key] for key in sorted(cfg)},
        "seed": seed,
    }
    return Solution(routes, meta=meta)


@contextlib.contextmanager
def _cancel_on_interrupt(routing: Any) -> Iterator[None]:
    """Make Ctrl-C stop an OR-Tools search at its next solution, then raise ``KeyboardInterrupt``.

    The search holds the GIL in C++ for its whole time limit, so Python's SIGINT handler (which
    raises ``KeyboardInterrupt``) would only run once the limit is over. Here SIGINT just sets a
    flag; a callback that OR-Tools makes at every accepted solution sees it and cancels the search.
    A per-node check (``Solver.CustomLimit``) would notice sooner but costs 10-40 % of the search's
    speed in a Python call per node; solutions come tens of times per second.

    Only in the main thread and only where SIGINT has Python's default handler (another handler,
    e.g. one that ignores it, is left alone).
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    interrupted = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True

    def at_solution() -> None:
        if interrupted:
            routing.CancelSearch()

    routing.AddAtSolutionCallback(at_solution)
    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if interrupted:
        raise KeyboardInterrupt


def _no_solution(inst: Instance, scale: int, k: int, settings: str, cfg: dict[str, Any], seed: int, status: str,
                 message: str) -> Solution:
    """No routes at all: the checker reports every customer unvisited, so the result is infeasible
    (exit code 2 in the CLI, ``infeasible`` in a comparison); ``meta["no_solution"]`` says why."""
    return Solution([], meta={
        "objective": None, "cost_scale": scale, "status": status, "num_vehicles": k, "settings": settings,
        "start": None, "options": {key: cfg[key] for key in sorted(cfg)}, "seed": seed,
        "no_solution": f"{inst.name}: {message}",
    })


def _start_index_routes(inst: Instance, manager: Any, start_routes: list[list[int]], k: int) -> list[list[int]]:
    if inst.problem == "tsp":
        tour = start_routes[0]
        i0 = tour.index(0)
        start_routes = [tour[i0 + 1:] + tour[:i0]]
    idx_routes = [[manager.NodeToIndex(v) for v in r] for r in start_routes if r]
    return idx_routes + [[] for _ in range(k - len(idx_routes))]


def _model(inst: Instance, mat: np.ndarray, k: int, cfg: dict[str, Any], first: str | None) -> tuple[Any, Any, Any]:
    """Routing index manager, model and search parameters (``first``: a FirstSolutionStrategy or None)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    from ortools.util import optional_boolean_pb2

    manager = pywrapcp.RoutingIndexManager(inst.n, k, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(mat.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    if inst.problem == "cvrp":
        dem = routing.RegisterUnaryTransitVector(inst.demands.tolist())  # type: ignore[union-attr]
        routing.AddDimensionWithVehicleCapacity(dem, 0, [int(inst.capacity)] * k, True, "load")  # type: ignore[arg-type]

    params = pywrapcp.DefaultRoutingSearchParameters()
    enums = routing_enums_pb2
    if first is not None:
        params.first_solution_strategy = _enum(enums.FirstSolutionStrategy, first, "first_solution")
    params.local_search_metaheuristic = _enum(
        enums.LocalSearchMetaheuristic, str(cfg.get("metaheuristic", "GUIDED_LOCAL_SEARCH")), "metaheuristic"
    )
    if "gls_lambda" in cfg:
        params.guided_local_search_lambda_coefficient = float(cfg["gls_lambda"])
    if "neighbors_ratio" in cfg:
        params.ls_operator_neighbors_ratio = float(cfg["neighbors_ratio"])
        params.ls_operator_min_neighbors = 10
    for name, on in (cfg.get("operators") or {}).items():
        if not hasattr(params.local_search_operators, name):
            raise InvalidArgumentError(f"unknown OR-Tools local search operator {name!r}")
        setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE if on else
                optional_boolean_pb2.BOOL_FALSE)
    if cfg.get("mab"):
        params.use_multi_armed_bandit_concatenate_operators = True
    for name, value in (cfg.get("search_params") or {}).items():
        field = params.DESCRIPTOR.fields_by_name.get(name)
        if field is None or field.message_type is not None:
            raise InvalidArgumentError(f"unknown or non-scalar OR-Tools search parameter {name!r}")
        if field.enum_type is not None and isinstance(value, bool):
            value = optional_boolean_pb2.BOOL_TRUE if value else optional_boolean_pb2.BOOL_FALSE
        setattr(params, name, value)
    if "lns_time_limit_ms" in cfg:
        params.lns_time_limit.FromMilliseconds(int(cfg["lns_time_limit_ms"]))
    params.log_search = bool(cfg.get("log_search", False))
    return manager, routing, params


def _enum(enum_type: Any, name: str, what: str) -> int:
    try:
        return enum_type.Value.Value(name.upper())
    except ValueError:
        names = [k for k in enum_type.Value.keys() if k != "UNSET"]
        raise InvalidArgumentError(f"unknown OR-Tools {what} {name!r}; available: {', '.join(names)}") from None



solve_ortools.check_options = check_ortools_options  # solvers.check_options calls it
