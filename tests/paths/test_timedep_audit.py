"""Mutation audit of graphroute.paths.timedep: behaviour the other path tests let through.

The other tests use cyclic 2-D profiles, FIFO checks on, departures >= 0; these cover the rest of the
documented interface: constant [m] profiles, cyclic=False, fifo_check=False, negative times and the
argument checks.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import dijkstra, time_dependent_dijkstra
from graphroute.paths.timedep import check_fifo, edge_travel_time
from tests.paths._graphs import random_graph, to_csr


def test_constant_profile_as_a_1d_array():
    """T01: travel_times [m] means constant times (the docstring): static Dijkstra's path and cost."""
    n, edges = random_graph(30, 0.12, seed=8)
    indptr, indices, weights = to_csr(n, edges)
    for t in (5, 17, 29):
        ref = dijkstra(indptr, indices, weights, 0, t)
        got = time_dependent_dijkstra(indptr, indices, weights, 0, t, 1000.0, 60.0)
        assert got.cost == ref.cost and got.arrival == 1000.0 + ref.cost
        assert got.times[0] == 1000.0 and len(got.times) == len(got.nodes)


@pytest.mark.parametrize("tt, slot, message", [
    (np.empty((0, 1)), 60.0, "travel_times has no time slot"),
    (np.array([[60.0], [math.inf]]), 60.0, "travel time of edge 0 in slot 1 is .*inf"),
    (np.array([[60.0], [np.nan]]), 60.0, "travel time of edge 0 in slot 1 is .*nan"),
    (np.array([[60.0]]), math.inf, "slot_length must be > 0, got inf"),
    (np.array([[60.0]]), math.nan, "slot_length must be > 0, got nan"),
])
def test_bad_profiles_are_invalid_arguments(tt, slot, message):
    """T02, T03, T06: an empty profile, infinite travel times and an infinite slot length are refused
    up front (not a ZeroDivisionError or an endless slot 0 later)."""
    with pytest.raises(InvalidArgumentError, match=message):
        time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 0.0, slot)


@pytest.mark.parametrize("depart", [math.nan, math.inf, -math.inf])
def test_depart_must_be_finite(depart):
    """T23."""
    with pytest.raises(InvalidArgumentError, match="depart must be a finite time"):
        time_dependent_dijkstra([0, 1, 1], [1], np.array([[60.0]]), 0, 1, depart, 60.0)


def test_non_cyclic_profiles_do_not_wrap_around():
    """T08, T21: without cyclic the last slot does not lead back to the first, so a large drop from the last
    slot to the first is no FIFO violation; T20: past the profile the last value holds."""
    tt = np.array([[100.0], [600.0]])  # rises by 500 (allowed), wraps down by 500 > 300 (only when cyclic)
    with pytest.raises(InvalidArgumentError, match="not FIFO"):
        check_fifo(tt, 300.0, cyclic=True)
    check_fifo(tt, 300.0, cyclic=False)
    with pytest.raises(InvalidArgumentError, match="not FIFO"):
        time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 0.0, 300.0)
    p = time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 1000.0, 300.0, cyclic=False)
    assert p.arrival == 1600.0 and p.cost == 600.0  # held at the last slot's 600
    # cyclic, FIFO profile: at 1000 s = slot 3.33 = slot 1 + 1/3 of the way back to slot 0
    tt = np.array([[100.0], [400.0]])
    cyc = time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 1000.0, 300.0)
    hold = time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 1000.0, 300.0, cyclic=False)
    assert cyc.cost == pytest.approx(300.0, rel=1e-12) and hold.cost == 400.0


def test_negative_times_interpolate_from_the_previous_slot():
    """T12, T15: slot starts are multiples of the slot length, before 0 too: a cyclic profile at -30 s is
    halfway between the last slot (200) and slot 0 (100); a non-cyclic one holds slot 0 there."""
    tt = np.array([[100.0], [300.0], [200.0]])
    assert edge_travel_time(tt, 0, -30.0, 60.0) == 150.0
    assert edge_travel_time(tt, 0, -60.0, 60.0) == 200.0
    assert edge_travel_time(tt, 0, -30.0, 60.0, cyclic=False) == 100.0
    assert edge_travel_time(tt, 0, -90.0, 60.0, cyclic=False) == 100.0
    fifo = np.array([[100.0], [150.0], [120.0]])  # falls by at most 30 per 60 s slot
    p = time_dependent_dijkstra([0, 1, 1], [1], fifo, 0, 1, -30.0, 60.0)
    assert p.depart == -30.0 and p.arrival == 80.0 and p.times == (-30.0, 80.0)  # 110 s: halfway 120 -> 100


def test_fifo_check_can_be_turned_off():
    """T22: fifo_check=False searches a non-FIFO profile (the caller's responsibility) instead of raising."""
    tt = np.array([[600.0], [100.0]])
    with pytest.raises(InvalidArgumentError, match="not FIFO"):
        time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 0.0, 300.0)
    p = time_dependent_dijkstra([0, 1, 1], [1], tt, 0, 1, 0.0, 300.0, fifo_check=False)
    assert p.nodes == (0, 1) and p.arrival == 600.0


def test_interpolation_off_the_midpoint():
    """T17: the existing checks sit at slot starts and midpoints, where weighting the two slots either way
    gives the same value; a quarter of the way from 100 to 300 is 150, three quarters 250."""
    tt = np.array([[100.0], [300.0], [200.0]])
    assert edge_travel_time(tt, 0, 15.0, 60.0) == 150.0
    assert edge_travel_time(tt, 0, 45.0, 60.0) == 250.0
    assert edge_travel_time(tt, 0, 60.0 + 15.0, 60.0) == 275.0  # 300 -> 200
    assert edge_travel_time(tt, 0, 120.0 + 45.0, 60.0) == 125.0  # 200 -> 100 (wrap to slot 0)
    fifo = np.array([[100.0], [150.0], [120.0]])
    p = time_dependent_dijkstra([0, 1, 2, 2], [1, 2], np.hstack([fifo, fifo]), 0, 2, 15.0, 60.0)
    # leave at 15: 100 + 50 / 4 = 112.5 -> at node 1 at 127.5 = slot 2 + 7.5 s: 120 - 20 / 8 = 117.5
    assert p.times == (15.0, 127.5, 245.0)


def test_parallel_ties_go_to_the_lower_edge_position():
    """T24: equal parallel edges (the CSR convention of graphroute.paths): the lower position is taken, as
    static dijkstra does on the same constant times."""
    indptr, indices = [0, 2, 5, 5], [1, 1, 2, 2, 2]  # 0 -> 1 twice (0, 1), 1 -> 2 three times (2, 3, 4)
    tt = np.full((4, 5), 60.0)
    p = time_dependent_dijkstra(indptr, indices, tt, 0, 2, 0.0, 900.0)
    assert p.nodes == (0, 1, 2) and p.edges == (0, 2) and p.arrival == 120.0
    assert p.edges == dijkstra(indptr, indices, tt[0], 0, 2).edges


@pytest.mark.parametrize("kw,msg", [
    ({"travel_times": [["a"]]}, "travel_times must hold numbers"),
    ({"slot_length": "x"}, "slot_length must be a number of seconds, got str 'x'"),
    ({"slot_length": None}, "slot_length must be a number of seconds, got NoneType"),
    ({"depart": "8:00"}, "depart must be a number of seconds, got str '8:00'"),
    ({"depart": None}, "depart must be a number of seconds, got NoneType"),
])
def test_non_numeric_times_are_one_invalid_argument_error(kw, msg):
    """Walkthrough finding: these reached float() / np.asarray and raised raw ValueError / TypeError."""
    from graphroute.paths.timedep import time_dependent_dijkstra

    args = {"travel_times": [[1.0]], "slot_length": 300.0, "depart": 0.0, **kw}
    with pytest.raises(InvalidArgumentError, match=re.escape(msg)):
        time_dependent_dijkstra([0, 1, 1], [1], args["travel_times"], 0, 1, args["depart"], args["slot_length"])
