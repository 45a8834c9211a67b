"""Time-dependent shortest paths: earliest arrival with travel times that change over the day.

Travel-time model
-----------------
``travel_times`` is a float array [T, m]: ``travel_times[s, e]`` is the time to traverse edge ``e``
when entering it at the start of time slot ``s``, i.e. at time ``s * slot_length`` (slot 0 starts
at time 0, in the same unit as the travel times, typically seconds since midnight). Between slot
starts the travel time is interpolated linearly, and the profile repeats every ``T * slot_length``
(``cyclic=True``, a daily or weekly profile) or stays at its last value (``cyclic=False``).

FIFO: with linear interpolation, leaving later never means arriving earlier exactly when the
travel time never falls faster than time passes, ``tt[s, e] - tt[s + 1, e] <= slot_length``. That
holds for any realistic speed series (it would take a drop of a full slot length between two
slots); it is checked and a violation is reported with the edge and slot. Under FIFO waiting never
helps and the label-setting algorithm below is exact (Dreyfus 1969; Kaufman & Smith 1993).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from heapq import heappop, heappush

import numpy as np

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths.dijkstra import INF, Path, check_csr, check_node, walk_back
from graphroute.validate import is_real

__all__ = ["TimedPath", "check_fifo", "edge_travel_time", "time_dependent_dijkstra"]


@dataclass(frozen=True)
class TimedPath(Path):
    """A path with its timetable: ``cost = arrival - depart``; ``times[i]`` is when ``nodes[i]`` is reached."""

    depart: float = 0.0
    arrival: float = 0.0
    times: tuple[float, ...] = ()


def _seconds(value, what: str) -> float:  # noqa: ANN001
    """``value`` as a float, or one InvalidArgumentError naming ``what`` (text, None and bools are no times)."""
    if not is_real(value):
        raise InvalidArgumentError(f"{what} must be a number of seconds, got {type(value).__name__} {value!r:.40}")
    return float(value)


def _check_profile(travel_times, m: int, slot_length: float) -> np.ndarray:
    try:
        tt = np.asarray(travel_times, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgumentError("travel_times must hold numbers (seconds per slot and edge)") from None
    if tt.ndim == 1:
        tt = tt[None, :]
    if tt.ndim != 2 or tt.shape[1] != m:
        raise InvalidArgumentError(f"travel_times has shape {np.shape(travel_times)}, expected (T, {m})")
    if tt.shape[0] == 0:
        raise InvalidArgumentError("travel_times has no time slot")
    bad = ~(np.isfinite(tt) & (tt >= 0))
    if bad.any():
        s, e = (int(x) for x in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"travel time of edge {e} in slot {s} is {float(tt[s, e])!r}; need a finite value >= 0")
    if not (math.isfinite(slot_length) and slot_length > 0):
        raise InvalidArgumentError(f"slot_length must be > 0, got {slot_length!r}")
    return tt


def check_fifo(travel_times, slot_length: float, cyclic: bool = True) -> None:
    """Raise :class:`InvalidArgumentError` naming the first edge and slot where FIFO fails. O(T m)."""
    tt = np.asarray(travel_times, dtype=np.float64)
    if tt.shape[0] < 2:
        return
    nxt = np.roll(tt, -1, axis=0) if cyclic else tt[1:]
    cur = tt if cyclic else tt[:-1]
    drop = cur - nxt
    bad = drop > slot_length * (1 + 1e-12)
    if bad.any():
        s, e = (int(x) for x in np.argwhere(bad)[0])
        raise InvalidArgumentError(
            f"travel times of edge {e} fall by {drop[s, e]:g} between slots {s} and {(s + 1) % tt.shape[0]}, more than "
            f"the slot length {slot_length:g}: leaving later would arrive earlier (not FIFO)"
        )


def edge_travel_time(rows, e: int, time: float, slot_length: float, cyclic: bool = True) -> float:
    """Travel time of edge ``e`` entered at ``time`` (linear between slot starts). ``rows[s][e]`` indexable."""
    n_slots = len(rows)
    x = time / slot_length
    s = math.floor(x)
    frac = x - s
    if cyclic:
        s0 = s % n_slots
        s1 = (s0 + 1) % n_slots
    else:
        if s >= n_slots - 1:
            return float(rows[n_slots - 1][e])
        if s < 0:
            return float(rows[0][e])
        s0, s1 = s, s + 1
    a = rows[s0][e]
    if frac == 0.0:
        return float(a)
    return float(a + frac * (rows[s1][e] - a))


class _Rows:
    """Slot rows of the travel-time array, converted to Python lists when first needed."""

    def __init__(self, tt: np.ndarray):
        self.tt = tt
        self.cache: dict[int, list[float]] = {}

    def __len__(self) -> int:
        return self.tt.shape[0]

    def __getitem__(self, s: int) -> list[float]:
        row = self.cache.get(s)
        if row is None:
            row = self.cache[s] = self.tt[s].tolist()
        return row


def time_dependent_dijkstra(indptr, indices, travel_times, source: int, target: int, depart: float,
                            slot_length: float, *, cyclic: bool = True, fifo_check: bool = True) -> TimedPath:
    """Earliest-arrival path leaving ``source`` at time ``depart`` (time-dependent Dijkstra).

    Label-setting on arrival times: the heap holds the earliest known arrival at each node, and an
    edge ``(u, v)`` entered at time ``a_u`` delivers ``a_u + tt_e(a_u)`` (see the module docstring
    for ``tt_e``). Exact under FIFO. O((n + m) log n).

    Parameters
    ----------
    indptr, indices : CSR arrays.
    travel_times : float [T, m] (or [m] for constant times), >= 0.
    depart : departure time, same clock as the slots (slot 0 starts at 0).
    slot_length : length of a slot, > 0.
    cyclic : repeat the profile every ``T * slot_length``; else hold the last slot's value.
    fifo_check : verify FIFO first (O(T m)); raise InvalidArgumentError when it fails.

    Returns
    -------
    TimedPath with ``cost = arrival - depart``.

    Raises
    ------
    NoPathError, UnknownNameError, InvalidArgumentError (negative / non-finite travel time, not FIFO).
    """
    indptr, indices, _ = check_csr(indptr, indices)
    n = indptr.size - 1
    m = indices.size
    slot_length = _seconds(slot_length, "slot_length")
    tt = _check_profile(travel_times, m, slot_length)
    if fifo_check:
        check_fifo(tt, slot_length, cyclic)
    s = check_node(source, n, "source")
    t = check_node(target, n, "target")
    depart = _seconds(depart, "depart")
    if not math.isfinite(depart):
        raise InvalidArgumentError(f"depart must be a finite time, got {depart!r}")
    rows = _Rows(tt)
    L = float(slot_length)
    ptr, idx = indptr.tolist(), indices.tolist()
    arr = [INF] * n
    pred = [-1] * n
    pred_e = [-1] * n
    done = bytearray(n)
    arr[s] = depart
    counter = itertools.count()
    heap = [(depart, next(counter), s)]
    while heap:
        a, _, u = heappop(heap)
        if done[u]:
            continue
        done[u] = 1
        if u == t:
            break
        for e in range(ptr[u], ptr[u + 1]):
            v = idx[e]
            if done[v]:
                continue
            av = a + edge_travel_time(rows, e, a, L, cyclic)
            if av < arr[v]:
                arr[v] = av
                pred[v] = u
                pred_e[v] = e
                heappush(heap, (av, next(counter), v))
    if not done[t]:
        raise NoPathError(f"no path from node {s} to node {t}")
    nodes, edges = walk_back(pred, pred_e, s, t)
    times = [arr[v] for v in nodes]
    return TimedPath(tuple(nodes), tuple(edges), times[-1] - depart, depart=depart, arrival=times[-1],
                     times=tuple(times))
