"""Instances and solutions of TSP and CVRP, symmetric or asymmetric.

One dataclass, :class:`Instance`, covers the four problem shapes graphroute solves:

========  =======================================================================
problem   meaning
========  =======================================================================
``tsp``   visit every node once on one closed tour (node 0 is not special)
``cvrp``  node 0 is the depot; routes leave and return to it; each customer
          ``1..n-1`` is served once; the demand on a route is at most ``capacity``
========  =======================================================================

Distances come from coordinates under a TSPLIB convention (:mod:`.distances`) or from an
explicit, possibly asymmetric, matrix (``distance_type="EXPLICIT"``), as road-network
instances are. A solution is a list of routes of node indices (0-based, file order):
for CVRP the depot is left out of each route, exactly as VRPLIB ``.sol`` files number
customers; for TSP it is one route that lists every node once.
"""

from __future__ import annotations

import math
import numbers
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from graphroute.exceptions import InvalidInstanceError, InvalidSolutionError
from graphroute.problems.distances import DISTANCE_TYPES, INTEGRAL_TYPES, distance_matrix

PROBLEMS = ("tsp", "cvrp")

#: Largest capacity, demand and total demand: solvers keep loads in signed 64-bit integers.
MAX_LOAD = 2**63 - 1

#: Above this a float64 no longer holds every integer (``2**53 + 1`` reads as ``2**53``), so a demand or
#: capacity that arrives as a float above it may already have been rounded and is refused; integers
#: (Python ints, numpy integer arrays, integer literals in JSON and TSPLIB files) stay exact up to MAX_LOAD.
MAX_EXACT_FLOAT = 2**53

#: Largest distance (an off-diagonal matrix entry, a duration, or a distance between coordinates) an
#: instance may hold. Sums of a million such arcs stay far inside float64 and the integers Python and
#: the JSON output print; OR-Tools and PyVRP take tighter ones (their 64-bit integer costs,
#: :data:`graphroute.baselines.ortools.MAX_INTEGER_ARC`) and refuse longer arcs themselves.
MAX_DISTANCE = 1e15

#: Largest absolute coordinate: two nodes within ``[-MAX_COORD, MAX_COORD]**2`` are at most
#: :data:`MAX_DISTANCE` apart under every convention (``MAN_2D``: ``2 * 2 * MAX_COORD``).
MAX_COORD = MAX_DISTANCE / 4


def _own_float_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array of the instance's own: one copy, never a view of the caller's array.

    A list or tuple is converted once (that conversion is the copy); anything else (an ndarray, a
    tensor, a DataFrame, which ``np.asarray`` may only wrap) is copied, so that the caller's array is
    neither frozen by :attr:`Instance.distances` nor able to change the instance behind its checks.
    Text, booleans and other non-numbers are refused, as the JSON reader refuses them (numpy would
    read ``"0.5"`` as 0.5 and ``True`` as 1).
    """
    try:
        a = np.asarray(value)
    except (TypeError, ValueError, OverflowError) as exc:  # ragged rows, ...
        raise InvalidInstanceError(f"{what} must be numbers ({exc})") from None
    kind = a.dtype.kind
    if kind == "O":  # mixed Python objects: numbers only (a rare path, so a Python loop is fine)
        bad = [v for v in a.flat if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)][:1]
        if bad:
            raise InvalidInstanceError(f"{what} must hold only numbers, got {type(bad[0]).__name__} {_short(bad[0])}")
    elif kind not in "iuf":
        got = {"b": "true/false", "U": "text", "S": "bytes", "c": "complex numbers"}.get(kind, str(a.dtype))
        raise InvalidInstanceError(f"{what} must hold only numbers, got {got}")
    try:
        return a.astype(np.float64, copy=not isinstance(value, (list, tuple)))
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInstanceError(f"{what} must be numbers ({exc})") from None


def _as_matrix(value: Any, what: str) -> np.ndarray:
    m = _own_float_array(value, what)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InvalidInstanceError(f"{what} must be a square matrix, got shape {tuple(m.shape)}")
    if not np.all(np.isfinite(m)):
        i, j = np.argwhere(~np.isfinite(m))[0]
        raise InvalidInstanceError(f"{what}[{i}][{j}] is not a finite number ({m[i, j]})")
    off = ~np.eye(len(m), dtype=bool)  # the diagonal is never travelled (TSPLIB .atsp files put 9999 or -1 there)
    if np.any((m < 0) & off):
        i, j = np.argwhere((m < 0) & off)[0]
        raise InvalidInstanceError(f"{what}[{i}][{j}] is negative ({m[i, j]:g})")
    if np.any((m > MAX_DISTANCE) & off):
        i, j = np.argwhere((m > MAX_DISTANCE) & off)[0]
        raise InvalidInstanceError(f"{what}[{i}][{j}] is too large ({m[i, j]:g}); at most {MAX_DISTANCE:g}")
    return m


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _big(v: float) -> str:
    """A short text for a huge number (an int of 400 digits has no float form)."""
    text = str(int(v)) if isinstance(v, (int, np.integer)) or math.isfinite(v) else str(v)
    return text if len(text) <= 24 else f"{text[:4]}... ({len(text)} digits)"


def _load_value(v: Any, what: str) -> int:
    """A demand or capacity as an exact Python int, never through float64 (see :data:`MAX_EXACT_FLOAT`).

    Integers are taken as they are; a float must be whole and, unless it is above MAX_LOAD (refused by
    the caller as too large), at most ``2**53``. Bools are refused: ``true`` is no quantity.
    """
    if isinstance(v, (bool, np.bool_)):
        raise InvalidInstanceError(f"{what} must be an integer, got {v}")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if not isinstance(v, numbers.Real):  # float("7") would read text as a number: the JSON reader refuses it too
        raise InvalidInstanceError(f"{what} must be a number, got {type(v).__name__} {_short(v)}")
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInstanceError(f"{what} must be an integer, got {v!r}") from None
    if not math.isfinite(f) or f != int(f):
        raise InvalidInstanceError(f"{what} must be an integer, got {v}")
    if MAX_EXACT_FLOAT < f <= MAX_LOAD:
        raise InvalidInstanceError(
            f"{what} ({_big(f)}) is a float above 2**53, which may already be rounded; write it as an integer"
        )
    return int(f)


@dataclass(eq=False)
class Instance:
    """A TSP or CVRP instance that checks itself on construction.

    The instance keeps its own copies of the arrays it is given (one copy each): the caller's arrays
    are never frozen nor shared, so editing them afterwards changes neither the instance nor its
    cached :attr:`distances`. ``meta`` is copied too (shallowly).

    Two instances are equal (``==``) when every field is: arrays by value (:func:`numpy.array_equal`),
    ``meta`` included, so a file read back (whose ``meta`` gains its ``source``) is not equal to the
    instance written. Instances are mutable and not hashable.

    Attributes
    ----------
    problem : str
        ``"tsp"`` or ``"cvrp"``.
    name : str
        Instance name (file stem for files); a string, as the JSON format requires.
    coords : np.ndarray or None
        ``[n, 2]`` coordinates. Required unless ``distance_type == "EXPLICIT"``, where they are
        optional and used for drawing only. Finite and at most :data:`MAX_COORD` in absolute value.
    distance_type : str
        A TSPLIB convention from :data:`~graphroute.problems.distances.DISTANCE_TYPES`.
    matrix : np.ndarray or None
        ``[n, n]`` explicit distances; required iff ``distance_type == "EXPLICIT"``. Off the diagonal:
        finite, >= 0 and at most :data:`MAX_DISTANCE`.
    durations : np.ndarray or None
        ``[n, n]`` optional travel times (road instances); reported, not optimised. Same bounds.
    demands : np.ndarray or None
        ``[n]`` integer demands for CVRP; ``demands[0]`` (the depot) must be 0.
    capacity : int or None
        Vehicle capacity for CVRP: any real number type (``10``, ``10.0``, ``np.float32(10)``) holding
        a whole number, kept as a Python int. Demands are numbers too: text such as ``"1"`` is refused.
    num_vehicles : int or None
        Fleet size, 1 to the number of customers; ``None`` means as many vehicles as needed (the CVRPLIB rule).
    bks : float or None
        Best known (or optimal) cost, if known, under this instance's own convention: a number (not
        text, not a bool), finite and > 0, since no gap can be computed against 0.
    bks_source : str or None
        Where ``bks`` came from (a ``.sol`` file, a CSV, the command line).
    meta : dict
        Free-form provenance (generator, seed, source file, ...); ``None`` is taken as ``{}``.
        :func:`~graphroute.problems.io.write_instance` writes numpy values in it as plain JSON.
    bks_checked : bool or None
        Whether routes came with ``bks`` and the checker found them feasible at that cost: True (a
        ``.sol`` whose routes cost its ``Cost`` line, a ``.opt.tour`` costed by the checker), False
        (they are infeasible or cost otherwise; ``meta["bks_note"]`` says how), None (no routes to
        check: a table, the command line, the JSON ``bks`` field).
    """

    problem: str
    name: str = "instance"
    coords: np.ndarray | None = None
    distance_type: str = "EXACT"
    matrix: np.ndarray | None = None
    durations: np.ndarray | None = None
    demands: np.ndarray | None = None
    capacity: int | None = None
    num_vehicles: int | None = None
    bks: float | None = None
    bks_source: str | None = None
    meta: dict = field(default_factory=dict)
    bks_checked: bool | None = None

    def __post_init__(self) -> None:
        if self.problem not in PROBLEMS:
            raise InvalidInstanceError(f"unknown problem {self.problem!r}; available: {', '.join(PROBLEMS)}")
        if self.distance_type not in DISTANCE_TYPES:
            raise InvalidInstanceError(
                f"unknown distance type {self.distance_type!r}; available: {', '.join(DISTANCE_TYPES)}"
            )
        if not isinstance(self.name, str):  # the JSON writer would write a name the reader refuses
            raise InvalidInstanceError(f"name must be a string, got {type(self.name).__name__} {_short(self.name)}")
        self.name = str(self.name)  # np.str_ -> str
        if any(unicodedata.category(c) == "Cc" for c in self.name):  # file names, plot titles, CSV cells
            raise InvalidInstanceError(f"name {self.name!r:.60} holds a control character (a tab, line break or NUL)")
        if self.meta is None:
            self.meta = {}
        elif not isinstance(self.meta, dict):
            raise InvalidInstanceError(f"meta must be a dict, got {type(self.meta).__name__}")
        else:
            self.meta = dict(self.meta)  # the instance adds keys (its source, notes): never to the caller's dict
        if self.bks_source is not None and not isinstance(self.bks_source, str):
            raise InvalidInstanceError(f"bks_source must be a string or None, got {type(self.bks_source).__name__}")
        n = None
        if self.coords is not None:
            c = _own_float_array(self.coords, "coords")
            if c.ndim != 2 or c.shape[1] != 2:
                raise InvalidInstanceError(f"coords must have shape [n, 2], got {tuple(c.shape)}")
            bad = ~np.all(np.isfinite(c), axis=1)
            if bad.any():
                i = int(np.argmax(bad))
                raise InvalidInstanceError(f"coordinates of node {i} are not finite ({c[i, 0]}, {c[i, 1]})")
            far = np.any(np.abs(c) > MAX_COORD, axis=1)
            if far.any():
                i = int(np.argmax(far))
                raise InvalidInstanceError(
                    f"coordinates of node {i} are too large ({c[i, 0]:g}, {c[i, 1]:g}); at most {MAX_COORD:g} in "
                    f"absolute value, so that no distance exceeds {MAX_DISTANCE:g}"
                )
            self.coords = c
            n = len(c)
        if self.distance_type == "EXPLICIT":
            if self.matrix is None:
                raise InvalidInstanceError("distance type EXPLICIT needs a distance matrix")
            self.matrix = _as_matrix(self.matrix, "distance matrix")
            if n is not None and len(self.matrix) != n:
                raise InvalidInstanceError(
                    f"distance matrix has {len(self.matrix)} rows but there are {n} coordinates"
                )
            n = len(self.matrix)
        else:
            if self.coords is None:
                raise InvalidInstanceError(f"distance type {self.distance_type} needs coordinates")
            if self.matrix is not None:
                raise InvalidInstanceError(
                    f"a distance matrix was given with distance type {self.distance_type}; use EXPLICIT"
                )
        if self.durations is not None:
            self.durations = _as_matrix(self.durations, "duration matrix")
            if len(self.durations) != n:
                raise InvalidInstanceError(f"duration matrix has {len(self.durations)} rows, expected {n}")
        min_nodes = 2 if self.problem == "cvrp" else 1
        if n is None or n < min_nodes:
            raise InvalidInstanceError(f"a {self.problem} instance needs at least {min_nodes} nodes, got {n or 0}")
        if self.problem == "cvrp":
            self._check_cvrp(n)
        else:
            if self.demands is not None or self.capacity is not None:
                raise InvalidInstanceError("a tsp instance has no demands or capacity")
            if self.num_vehicles is not None and (isinstance(self.num_vehicles, (bool, np.bool_))
                                                  or not isinstance(self.num_vehicles, (int, np.integer))
                                                  or self.num_vehicles != 1):
                raise InvalidInstanceError(f"a tsp instance is one tour: num_vehicles must be 1 or None, got "
                                           f"{_short(self.num_vehicles)}")
            if self.num_vehicles is not None:
                self.num_vehicles = 1
        if self.bks is not None:
            if isinstance(self.bks, (bool, np.bool_)) or not isinstance(self.bks, numbers.Real):
                raise InvalidInstanceError(f"known best cost (bks) must be a number, got {type(self.bks).__name__} "
                                           f"{_short(self.bks)}")
            try:
                b = float(self.bks)
            except OverflowError:  # an int of 400 digits
                b = math.inf
            if not math.isfinite(b) or b <= 0:
                raise InvalidInstanceError(f"known best cost (bks) must be a finite number > 0, got {_big(self.bks)}")
            self.bks = b
        self._dist: np.ndarray | None = None

    def _check_cvrp(self, n: int) -> None:
        if self.capacity is None:
            raise InvalidInstanceError("a cvrp instance needs a capacity")
        if isinstance(self.capacity, (bool, np.bool_)) or not isinstance(self.capacity, numbers.Real):
            raise InvalidInstanceError(f"capacity must be a number, got {type(self.capacity).__name__} "
                                       f"{_short(self.capacity)}")
        if isinstance(self.capacity, float) and not math.isfinite(self.capacity):  # JSON 1e400, NaN
            raise InvalidInstanceError(f"capacity is not finite ({self.capacity})")
        if self.capacity > MAX_LOAD:
            raise InvalidInstanceError(f"capacity {_big(self.capacity)} is too large; at most {MAX_LOAD} (64-bit integers)")
        if not math.isfinite(self.capacity) or self.capacity <= 0 or self.capacity != int(self.capacity):
            raise InvalidInstanceError(f"capacity must be a positive integer, got {self.capacity}")
        self.capacity = _load_value(self.capacity, "capacity")
        if self.demands is None:
            raise InvalidInstanceError("a cvrp instance needs demands")
        # An object array keeps Python ints exact (a float64 array would round 2**53 + 1 to 2**53).
        try:
            d = np.array(self.demands, dtype=object)
        except (TypeError, ValueError) as exc:
            raise InvalidInstanceError(f"demands must be numbers ({exc})") from None
        if d.shape != (n,):
            raise InvalidInstanceError(f"expected {n} demands (one per node, depot first), got shape {d.shape}")
        values = []
        for i, v in enumerate(d):
            if isinstance(v, (float, np.floating)) and math.isfinite(v) and v > MAX_LOAD:
                v = int(v)  # too large either way, said below (not "a float above 2**53")
            else:
                v = _load_value(v, f"demand of node {i}")
            if v < 0:
                raise InvalidInstanceError(f"demand of node {i} is negative ({v})")
            if v > MAX_LOAD:
                raise InvalidInstanceError(
                    f"demand of node {i} ({_big(v)}) is too large; at most {MAX_LOAD} (64-bit integers)"
                )
            if v > self.capacity:
                raise InvalidInstanceError(
                    f"demand of node {i} ({v}) exceeds vehicle capacity {self.capacity}"
                )
            values.append(v)
        if values[0] != 0:
            raise InvalidInstanceError(f"the depot (node 0) must have demand 0, got {values[0]}")
        if sum(values) > MAX_LOAD:
            raise InvalidInstanceError(f"total demand is too large; at most {MAX_LOAD} (64-bit integers)")
        self.demands = np.array(values, dtype=np.int64)
        if self.num_vehicles is not None:
            k = self.num_vehicles
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k <= 0:
                raise InvalidInstanceError(f"num_vehicles must be a positive integer or null, got {k!r}")
            customers = n - 1
            if k > customers:  # a route serves at least one customer: more vehicles are never used
                raise InvalidInstanceError(
                    f"num_vehicles {_big(k)} is more than the {customers} customer(s); at most one vehicle per "
                    "customer (null means as many as needed)"
                )
            self.num_vehicles = int(k)
            need = -(-int(self.demands.sum()) // self.capacity)  # integer ceil: exact beyond 2**53
            if self.num_vehicles < need:
                raise InvalidInstanceError(
                    f"{self.num_vehicles} vehicle{'s' if self.num_vehicles != 1 else ''} of capacity {self.capacity} cannot carry the total "
                    f"demand {int(self.demands.sum())}"
                )

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of nodes, the depot included for CVRP."""
        return len(self.matrix) if self.matrix is not None else len(self.coords)  # type: ignore[arg-type]

    @property
    def num_customers(self) -> int:
        """Customers for CVRP (``n - 1``); cities for TSP (``n``)."""
        return self.n - 1 if self.problem == "cvrp" else self.n

    @property
    def integral(self) -> bool:
        """Whether every distance is a whole number (so costs are integers)."""
        if self.distance_type in INTEGRAL_TYPES:
            return True
        if self.distance_type == "EXPLICIT":
            return bool(np.all(self.matrix == np.round(self.matrix)))  # type: ignore[arg-type]
        return False

    @property
    def distances(self) -> np.ndarray:
        """``[n, n]`` float64 distance matrix under the instance's convention (cached)."""
        if self._dist is None:
            if self.distance_type == "EXPLICIT":
                self._dist = self.matrix  # type: ignore[assignment]
            else:
                self._dist = distance_matrix(self.coords, self.distance_type)  # type: ignore[arg-type]
            self._dist.setflags(write=False)  # type: ignore[union-attr]
        return self._dist  # type: ignore[return-value]

    @property
    def symmetric(self) -> bool:
        """Whether ``d[i, j] == d[j, i]`` for every pair."""
        if self.distance_type != "EXPLICIT":
            return True
        return bool(np.array_equal(self.distances, self.distances.T))

    @property
    def kind(self) -> str:
        """``tsp``, ``atsp``, ``cvrp`` or ``acvrp``."""
        return self.problem if self.symmetric else "a" + self.problem

    def min_vehicles(self) -> int:
        """Lower bound on the number of routes: ``ceil(total demand / capacity)`` (1 for TSP)."""
        if self.problem != "cvrp":
            return 1
        return max(1, -(-int(self.demands.sum()) // self.capacity))  # type: ignore[union-attr,operator]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        extra = f", capacity={self.capacity}" if self.problem == "cvrp" else ""
        return f"Instance({self.kind} {self.name!r}, n={self.n}, distance={self.distance_type}{extra})"


def _same(a: Any, b: Any) -> bool:
    """Value equality that also holds for numpy arrays and dicts or lists of them (``==`` on arrays is
    elementwise, and ``bool()`` of that raises)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


@dataclass
class Solution:
    """Routes of node indices. CVRP: depot left out of every route. TSP: one route of all nodes.

    Messages number routes from 1, as :func:`graphroute.check.check` and VRPLIB ``Route #1`` do.

    ``meta`` carries what a solver wants to report besides the routes (its own cost, iterations...).
    """

    routes: list[list[int]]
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.routes, (list, tuple)):
            raise InvalidSolutionError(f"routes must be a list of lists, got {type(self.routes).__name__}")
        out = []
        for r, route in enumerate(self.routes):
            if not isinstance(route, (list, tuple, np.ndarray)):
                got = f"the node {route}" if isinstance(route, (numbers.Number, np.number)) else type(route).__name__
                if isinstance(route, (set, frozenset)):
                    got += " (unordered: a route is a sequence in visiting order)"
                raise InvalidSolutionError(f"route {r + 1} must be a list of node indices, got {got}: routes are a list "
                                           "of routes, so a tsp tour is passed as [tour]")
            clean = []
            for v in route:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                    if isinstance(v, float) and math.isfinite(v) and v == int(v):  # int(inf) would raise
                        v = int(v)
                    else:
                        raise InvalidSolutionError(f"route {r + 1} holds a non-integer node {v!r}")
                clean.append(int(v))
            out.append(clean)
        self.routes = out

    @property
    def num_routes(self) -> int:
        return sum(1 for r in self.routes if r)
