"""PyVRP, the reference CVRP solver, for TSP, ATSP, CVRP and ACVRP.

PyVRP up to 0.11 is a hybrid genetic search (Vidal's HGS-CVRP re-implemented); from 0.12 on
(0.14 here) its ``solve`` runs an iterated local search with the same granular local search
operators and SISR-style perturbation. Either way it is the strongest open CVRP solver we have,
so graphroute uses it as the reference. PyVRP works on integers: distances are converted with
:func:`graphroute.baselines.ortools.integer_costs` (unchanged when ``Instance.integral``,
otherwise scaled by a power of ten so that the longest arc is at least 1e6, then rounded);
``meta["cost_scale"]`` says which factor was used.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from graphroute.baselines.ortools import integer_costs
from graphroute.exceptions import MissingDependencyError
from graphroute.problems.instance import Instance, Solution
from graphroute.solvers import check_seed


def problem_data(inst: Instance) -> tuple[Any, int]:
    """Build ``pyvrp.ProblemData`` for ``inst``; returns ``(data, cost_scale)``.

    Node 0 is the depot (for TSP, an arbitrary city made the depot of a single vehicle with no
    load), nodes ``1..n-1`` are clients in file order, so PyVRP client ``i`` is graphroute node
    ``i`` (PyVRP's activity ``idx`` counts clients from 0, so node = ``idx + 1``). Fleet: ``inst.num_vehicles`` when given, else one vehicle per customer (unused
    vehicles cost nothing, so this is "as many as needed"). The matrix may be asymmetric.
    """
    import pyvrp

    mat, scale = integer_costs(inst)
    n = inst.n
    coords = inst.coords if inst.coords is not None else np.zeros((n, 2))
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in coords]
    if inst.problem == "cvrp":
        demands = inst.demands
        vehicles = pyvrp.VehicleType(inst.num_vehicles or n - 1, capacity=[int(inst.capacity)])  # type: ignore[arg-type]
        clients = [pyvrp.Client(location=i, delivery=[int(demands[i])]) for i in range(1, n)]  # type: ignore[index]
    else:
        vehicles = pyvrp.VehicleType(1, capacity=[0])
        clients = [pyvrp.Client(location=i, delivery=[0]) for i in range(1, n)]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=[pyvrp.Depot(location=0)],
        vehicle_types=[vehicles],
        distance_matrices=[mat],
        duration_matrices=[np.zeros_like(mat)],
    )
    return data, scale


#: PyVRP builds its own start solution (a random one improved by an exhaustive local search) before
#: it first asks the stopping criterion, so that step cannot be cut short. Its time, estimated as
#: ``START_S_PER_N3 * n**3`` for TSP (one route through every city) and ``START_S_PER_N2 * n**2``
#: for CVRP (measured on one core of the project's machine, PyVRP 0.14: a 1,000-city TSP 2.1-2.7 s,
#: 2,000 cities 19 s; a 1,000-node CVRP 0.3 s, X-n979-k58 0.37 s, X-n502-k39 0.15 s).
START_S_PER_N3 = 2.7e-9
START_S_PER_N2 = 3.5e-7

#: When the estimated start takes more than this share of the time limit, the search starts from
#: the nearest-neighbour routes instead (:func:`graphroute.baselines.constructive.nearest_neighbour`,
#: O(n^2) numpy, ~0.01 s at n = 1,000). Below it PyVRP's own start is used, so the search is
#: unchanged wherever the limit leaves room for it (every shared CVRPLIB X instance, n <= 979, from
#: a 1 s limit on; every shared TSPLIB instance, n <= 1,002, at 10 s).
START_SHARE = 0.5


def estimated_start_s(inst: Instance) -> float:
    """Seconds PyVRP's own start solution is expected to take on ``inst`` (see :data:`START_S_PER_N3`)."""
    n = inst.n
    return START_S_PER_N3 * n**3 if inst.problem == "tsp" else START_S_PER_N2 * n**2


class Deadline:
    """PyVRP stopping criterion ``stop(best_cost) -> bool``: True from ``deadline`` on.

    ``deadline`` is a ``time.perf_counter()`` value. Unlike ``pyvrp.stop.MaxRuntime``, whose clock
    starts at its first call (after PyVRP has built its start solution), this one counts from
    wherever the caller started its own clock.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self.deadline


def nearest_neighbour_start(inst: Instance, data: Any) -> Any:
    """The nearest-neighbour routes as a ``pyvrp.Solution`` of ``data`` (see :func:`problem_data`).

    With a fixed fleet smaller than the routes, the extra routes are appended to the last vehicle's
    (an infeasible start, which PyVRP's penalties then repair, as they repair its random start).
    """
    import pyvrp

    from graphroute.baselines.constructive import nearest_neighbour

    routes = [[c for c in r if c != 0] for r in nearest_neighbour(inst).routes]
    routes = [r for r in routes if r]
    k = data.num_vehicles
    if len(routes) > k:
        routes = routes[:k - 1] + [[c for r in routes[k - 1:] for c in r]]
    # PyVRP numbers clients from 0 after the depots; graphroute node i is PyVRP client i - 1
    return pyvrp.Solution(data, [[c - data.num_depots for c in r] for r in routes])


def solve_pyvrp(inst: Instance, *, time_limit: float, seed: int = 0, display: bool = False) -> Solution:
    """Solve ``inst`` with PyVRP within ``time_limit`` seconds of wall clock.

    Parameters
    ----------
    inst : Instance
        TSP, ATSP, CVRP or ACVRP.
    time_limit : float
        Budget of the whole call, counted from its start: importing PyVRP, building the data and
        PyVRP's start solution count against it (the stopping criterion is a :class:`Deadline`).
        When PyVRP's own start is expected to take more than :data:`START_SHARE` of the limit
        (:func:`estimated_start_s`: a TSP of about 570 cities or more at 1 s, 1,230 or more at
        10 s; a CVRP of about 1,200 nodes or more at 1 s), the search starts from the
        nearest-neighbour routes instead (``meta["start"]``). What can still overrun the limit,
        because PyVRP checks the clock only between iterations: building the data and PyVRP's
        neighbourhoods (O(n^2), ~0.2 s at n = 1,000, ~1 s at 2,000); PyVRP's own start when the
        estimate is too low (a slower or busier machine); one iteration, most of all the exhaustive
        local search PyVRP runs on each new best solution (tenths of a second at n = 1,000).
        ``over_limit`` in the checked result says when that happened.
    seed : int
        PyVRP's random seed. PyVRP is single-threaded and deterministic for a fixed number of
        iterations; under a wall-clock limit the iteration count (and so the result) can vary.
    display : bool
        Let PyVRP print its progress (off by default: the library does not print).

    Returns
    -------
    Solution
        ``meta``: ``objective`` (PyVRP's cost / ``cost_scale``), ``cost_scale``, ``status``
        (``feasible`` or ``infeasible``), ``iterations``, ``seed``, ``start`` (``pyvrp``: PyVRP's own
        start solution, or ``nearest_neighbour``).

    When PyVRP finds no feasible solution, its best (infeasible) routes are returned with
    ``meta["status"] == "infeasible"``; the checker names the violations. PyVRP always returns at
    least its start solution, however short the limit.
    """
    t0 = time.perf_counter()
    try:
        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
    except ImportError:
        raise MissingDependencyError("solver 'pyvrp' needs pyvrp; install it with: pip install pyvrp") from None
    check_seed(seed)
    n = inst.n
    if n <= 2:  # nothing to optimise; PyVRP also rejects a data set without clients
        routes = [list(range(n))] if inst.problem == "tsp" else [[c] for c in range(1, n)]
        return Solution(routes, meta={"objective": None, "cost_scale": 1, "status": "trivial", "seed": seed})
    data, scale = problem_data(inst)
    start = "pyvrp"
    initial = None
    if estimated_start_s(inst) > START_SHARE * time_limit:
        start, initial = "nearest_neighbour", nearest_neighbour_start(inst, data)
    # PyVRP caps its load penalty per unit of excess at 1e5; with scaled (or merely large) arc costs
    # an overload can then look cheaper than a detour, so lift the cap to 10 longest arcs.
    longest = int(data.distance_matrix(0).max())
    penalty = pyvrp.PenaltyParams(max_penalty=max(1e5, 10.0 * longest))
    params = pyvrp.SolveParams(penalty=penalty)
    with warnings.catch_warnings():
        # PenaltyBoundWarning (9 lines on stderr) when the penalties hit their bounds on tight instances;
        # the outcome is reported through the checker instead.
        warnings.simplefilter("ignore", category=PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=Deadline(t0 + time_limit), seed=seed, collect_stats=False, display=display,
                             params=params, initial_solution=initial)
    best = result.best
    # PyVRP's best solution is infeasible when it found no feasible one (time far too short, or a fleet
    # too tight): its routes are returned all the same, and the checker names the violations, so the
    # result is an infeasible one (exit code 2), as for every other solver.
    status = "feasible" if best.is_feasible() else "infeasible"
    # a client activity's idx counts clients from 0; graphroute numbers them after the depot
    routes = [[data.num_depots + int(a.idx) for a in r if a.is_client()] for r in best.routes()]
    routes = [r for r in routes if r]
    if inst.problem == "tsp":
        routes = [[0, *(routes[0] if routes else [])]]
    meta = {
        "objective": best.distance() / scale,
        "cost_scale": scale,
        "status": status,
        "iterations": int(result.num_iterations),
        "seed": seed,
        "start": start,
    }
    return Solution(routes, meta=meta)
