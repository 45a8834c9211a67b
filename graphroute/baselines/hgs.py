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


def solve_pyvrp(inst: Instance, *, time_limit: float, seed: int = 0, display: bool = False) -> Solution:
    """Solve ``inst`` with PyVRP within ``time_limit`` seconds of wall clock.

    Parameters
    ----------
    inst : Instance
        TSP, ATSP, CVRP or ACVRP.
    time_limit : float
        Budget of the whole call; building the data is subtracted from PyVRP's ``MaxRuntime``.
    seed : int
        PyVRP's random seed. PyVRP is single-threaded and deterministic for a fixed number of
        iterations; under a wall-clock limit the iteration count (and so the result) can vary.
    display : bool
        Let PyVRP print its progress (off by default: the library does not print).

    Returns
    -------
    Solution
        ``meta``: ``objective`` (PyVRP's cost / ``cost_scale``), ``cost_scale``, ``status``
        (``feasible`` or ``infeasible``), ``iterations``, ``seed``.

    When PyVRP finds no feasible solution, its best (infeasible) routes are returned with
    ``meta["status"] == "infeasible"``; the checker names the violations.
    """
    t0 = time.perf_counter()
    try:
        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.stop import MaxRuntime
    except ImportError:
        raise MissingDependencyError("solver 'pyvrp' needs pyvrp; install it with: pip install pyvrp") from None
    check_seed(seed)
    n = inst.n
    if n <= 2:  # nothing to optimise; PyVRP also rejects a data set without clients
        routes = [list(range(n))] if inst.problem == "tsp" else [[c] for c in range(1, n)]
        return Solution(routes, meta={"objective": None, "cost_scale": 1, "status": "trivial", "seed": seed})
    data, scale = problem_data(inst)
    remaining = max(0.01, time_limit - (time.perf_counter() - t0))
    # PyVRP caps its load penalty per unit of excess at 1e5; with scaled (or merely large) arc costs
    # an overload can then look cheaper than a detour, so lift the cap to 10 longest arcs.
    longest = int(data.distance_matrix(0).max())
    penalty = pyvrp.PenaltyParams(max_penalty=max(1e5, 10.0 * longest))
    params = pyvrp.SolveParams(penalty=penalty)
    with warnings.catch_warnings():
        # PenaltyBoundWarning (9 lines on stderr) when the penalties hit their bounds on tight instances;
        # the outcome is reported through the checker instead.
        warnings.simplefilter("ignore", category=PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=MaxRuntime(remaining), seed=seed, collect_stats=False, display=display,
                             params=params)
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
    }
    return Solution(routes, meta=meta)
