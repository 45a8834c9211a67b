"""One interface for every solver: ``solve(instance, solver, *, time_limit, seed) -> SolveResult``.

Each registered solver is a function ``fn(instance, *, time_limit, seed, **options) -> Solution``
in a module imported only when that solver is asked for (OR-Tools, PyVRP and torch stay out of
``import graphroute``). :func:`solve` times the call and passes the routes through the one
checker (:func:`graphroute.check.check`) before anything reports them: the cost in a
:class:`SolveResult` is always the checker's, never the solver's own.
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import os
import time
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from graphroute.check import check, gap_pct
from graphroute.exceptions import InvalidArgumentError, MissingDependencyError, UnknownNameError
from graphroute.problems.instance import Instance, Solution
from graphroute.problems.io import read_instance


@dataclass(frozen=True)
class SolverSpec:
    name: str
    target: str  # "module:function"
    description: str
    problems: tuple[str, ...] = ("tsp", "atsp", "cvrp", "acvrp")
    needs: str | None = None  # pip package for the install hint
    #: Whether the seed changes the answer. False: the same routes for every seed (deterministic
    #: construction or decoding; OR-Tools routing has no seed), up to what a wall-clock limit changes.
    seeded: bool = False

    def load(self) -> Callable[..., Solution]:
        module, _, func = self.target.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            hint = f"; install it with: pip install {self.needs}" if self.needs else ""
            raise MissingDependencyError(f"solver {self.name!r} needs {exc.name or self.needs}{hint}") from None
        return getattr(mod, func)


SOLVERS: dict[str, SolverSpec] = {
    s.name: s
    for s in [
        SolverSpec("pyvrp", "graphroute.baselines.hgs:solve_pyvrp", "PyVRP iterated local search (the reference)", needs="pyvrp",
                   seeded=True),
        SolverSpec("ortools", "graphroute.baselines.ortools:solve_ortools", "OR-Tools routing, guided local search",
                   needs="ortools"),
        SolverSpec("savings", "graphroute.baselines.constructive:savings", "Clarke-Wright parallel savings"),
        SolverSpec("nearest", "graphroute.baselines.constructive:nearest_neighbour", "nearest neighbour"),
        SolverSpec("neural", "graphroute.neural.solve:solve_neural", "POMO attention model (shipped checkpoint)",
                   needs="torch"),
    ]
}


#: Seeds every solver accepts: PyVRP's generator takes an unsigned 32-bit seed, so all solvers do.
MAX_SEED = 2**32 - 1


def check_seed(seed: object) -> int:
    """``seed`` as an int if it is an integer in ``0..MAX_SEED``; else :class:`InvalidArgumentError`."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidArgumentError(f"seed must be an integer in 0..{MAX_SEED}, got {seed!r}")
    return int(seed)


#: Longest time limit any solver, ``compare`` or ``evaluate`` takes, in seconds (about 116 days): OR-Tools
#: counts its limit in milliseconds of a 64-bit integer and PyVRP adds it to a clock, so an unbounded
#: float (``1e308``) would overflow there.
MAX_TIME_LIMIT = 1e7


def check_time_limit(time_limit: object) -> float:
    """``time_limit`` as a float if it is a finite number > 0 and at most :data:`MAX_TIME_LIMIT`; else
    :class:`InvalidArgumentError`. The one place time limits are checked (solve, compare, evaluate).

    Python and numpy numbers are accepted (``np.float32(0.5)``, ``np.int64(2)``); a bool, a string
    or any other type is refused by its type, as ``seed=True`` is.
    """
    if isinstance(time_limit, (bool, np.bool_)) or not isinstance(time_limit, numbers.Real):
        raise InvalidArgumentError(f"time_limit must be a number, got {type(time_limit).__name__}")
    value = float(time_limit)
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgumentError(f"time limit must be a positive number of seconds, got {time_limit}")
    if value > MAX_TIME_LIMIT:
        raise InvalidArgumentError(f"time limit {value:g} s is too long; at most {MAX_TIME_LIMIT:g} s")
    return value


#: A run is over its time limit when ``runtime_s > OVER_LIMIT_FACTOR * time_limit + OVER_LIMIT_SLACK_S``:
#: 5 % for timer granularity and the last uninterruptible step of a search, plus half a second for
#: the work every solver does around the search (imports, model building, extracting the routes).
OVER_LIMIT_FACTOR = 1.05
OVER_LIMIT_SLACK_S = 0.5


def over_limit(runtime_s: float | None, time_limit: float | None) -> bool | None:
    """Whether a run took longer than its time limit allows (see :data:`OVER_LIMIT_FACTOR`).

    None when either number is unknown. The one definition used by ``solve --json`` and ``compare``.
    """
    if runtime_s is None or time_limit is None:
        return None
    return float(runtime_s) > OVER_LIMIT_FACTOR * float(time_limit) + OVER_LIMIT_SLACK_S


#: A feasible cost is below the known best when it is lower by more than this fraction of it: float
#: noise in real-valued costs is not flagged; any lower cost of an integral instance whose known best
#: is below 1e9 (every CVRPLIB and TSPLIB value) is, since one unit is then more than that fraction.
BELOW_BKS_RTOL = 1e-9


def below_bks(cost: float | None, bks: float | None) -> bool:
    """Whether ``cost`` is below the known best ``bks`` (see :data:`BELOW_BKS_RTOL`).

    A checked cost below the best known is far likelier to mean that the reference is wrong or
    belongs to another distance convention (unrounded vs nint-rounded ``EUC_2D``, a variant with a
    fixed fleet or fixed edges) than a new record, so it is flagged, never dropped. False when either
    number is unknown. The one definition used by ``solve --json`` and ``compare``.
    """
    if cost is None or bks is None:
        return False
    c, b = float(cost), float(bks)
    if not (math.isfinite(c) and math.isfinite(b)) or b <= 0:
        return False
    return c < b - BELOW_BKS_RTOL * max(1.0, abs(b))


def check_options(spec: SolverSpec, fn: Callable[..., Solution], options: dict[str, Any]) -> None:
    """Refuse keyword options that ``spec``'s function does not take (:class:`InvalidArgumentError`).

    A function with a ``check_options`` attribute (OR-Tools, which takes ``**options``; neural) has it called
    too, for the names and values it knows: a compare suite's options are checked before any run.
    """
    own = getattr(fn, "check_options", None)
    if own is not None:
        own(dict(options))
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    allowed = [k for k, p in params.items()
               if p.kind is inspect.Parameter.KEYWORD_ONLY and k not in ("time_limit", "seed")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = f"its options: {', '.join(allowed)}" if allowed else "it takes none"
        raise InvalidArgumentError(f"solver {spec.name!r} has no option {', '.join(map(repr, unknown))}; {takes}")


def get_solver(name: str) -> SolverSpec:
    """Registry lookup that fails helpfully."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise UnknownNameError(f"unknown solver {name!r}; available: {', '.join(SOLVERS)}") from None


@dataclass
class SolveResult:
    """A checked solver result. ``cost`` and ``feasible`` come from the checker."""

    solver: str
    instance: str
    problem: str
    routes: list[list[int]]
    cost: float
    feasible: bool
    runtime_s: float
    seed: int
    time_limit_s: float | None
    num_routes: int
    bks: float | None = None
    bks_source: str | None = None
    gap_to_bks_pct: float | None = None
    violations: list[str] = field(default_factory=list)
    duration: float | None = None
    meta: dict = field(default_factory=dict)
    #: ``runtime_s`` past the limit by more than :func:`over_limit` allows.
    over_limit: bool = False
    #: A feasible ``cost`` below ``bks`` (:func:`below_bks`): the reference or the convention is likely wrong.
    below_bks: bool = False
    #: Whether the known best came with routes the checker confirmed at that cost
    #: (:attr:`Instance.bks_checked`: True, False, or None when there were no routes to check).
    bks_checked: bool | None = None

    @property
    def no_routes(self) -> bool:
        """An infeasible answer without a single visit (``meta["no_solution"]``): it has no cost.
        The checker's 0 for it is not a cost, so ``to_dict`` and results.csv give none."""
        return not self.feasible and not any(self.routes)

    def to_dict(self) -> dict[str, Any]:
        """The ``solve --json`` object (a contract: extend, never rename). ``cost`` is null for
        :attr:`no_routes`."""
        d = asdict(self)
        if self.no_routes:
            d["cost"] = None
        elif self.cost == int(self.cost):
            d["cost"] = int(self.cost)
        if self.duration is not None:  # a sum of tenths of seconds: 2429.8, not 2429.7999999999997 (12 digits)
            d["duration"] = float(f"{self.duration:.12g}")
        return d


def solve(
    instance: Instance | str | Path,
    solver: str = "pyvrp",
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    **options: Any,
) -> SolveResult:
    """Run ``solver`` on ``instance`` and check its answer.

    Parameters
    ----------
    instance : Instance, str or Path
        The instance, or the path of an instance file, read with
        :func:`graphroute.problems.io.read_instance` (known best beside the file included).
    solver : str
        A name from :data:`SOLVERS`.
    time_limit : float
        Wall-clock budget in seconds, a finite number > 0 and at most :data:`MAX_TIME_LIMIT` (numpy
        scalars included, bools not).
        The search solvers (``pyvrp``, ``ortools``, ``neural``) count it from their call; what
        they cannot interrupt is described in their docstrings. The constructive heuristics
        (``savings``, ``nearest``) ignore it and run to completion (seconds at about 1,000 nodes).
        Either way the time taken is ``runtime_s``, and ``over_limit`` says whether it went past
        the limit by more than :func:`over_limit` allows.
    seed : int
        Random seed handed to the solver, ``0..MAX_SEED`` for every solver. Only ``pyvrp``'s
        answer depends on it (:attr:`SolverSpec.seeded`).
    **options
        Solver-specific keyword options (for example ``checkpoint=`` for ``neural``); an option
        the solver does not take is refused with :class:`InvalidArgumentError`.

    Raises
    ------
    InvalidArgumentError
        ``instance`` is neither an Instance nor a path, or an argument is out of range.
    InvalidInstanceError
        ``instance`` is a path that cannot be read as an instance.
    """
    if isinstance(instance, (str, os.PathLike)):
        instance = read_instance(instance)
    elif not isinstance(instance, Instance):
        raise InvalidArgumentError(f"instance must be an Instance or the path of an instance file, got "
                                   f"{type(instance).__name__}")
    spec = get_solver(solver)
    time_limit = check_time_limit(time_limit)
    if isinstance(seed, np.integer):
        seed = int(seed)
    check_seed(seed)
    if instance.kind not in spec.problems:
        raise UnknownNameError(f"solver {solver!r} does not solve {instance.kind}; it solves {', '.join(spec.problems)}")
    fn = spec.load()
    check_options(spec, fn, options)
    t0 = time.perf_counter()
    sol = fn(instance, time_limit=time_limit, seed=int(seed), **options)
    runtime = time.perf_counter() - t0
    res = check(instance, sol)
    routes = [list(r) for r in sol.routes if r]
    return SolveResult(
        solver=solver,
        instance=instance.name,
        problem=instance.kind,
        routes=routes,
        cost=res.cost,
        feasible=res.feasible,
        runtime_s=runtime,
        seed=int(seed),
        time_limit_s=time_limit,
        num_routes=res.num_routes,
        bks=instance.bks,
        bks_source=instance.bks_source,
        gap_to_bks_pct=gap_pct(res.cost, instance.bks) if res.feasible else None,
        violations=res.violations,
        duration=res.duration,
        meta={**dict(sol.meta),
              **{k: instance.meta[k] for k in ("bks_note", "note", "name_header") if k in instance.meta}},
        over_limit=bool(over_limit(runtime, time_limit)),
        below_bks=res.feasible and below_bks(res.cost, instance.bks),
        bks_checked=instance.bks_checked,
    )
