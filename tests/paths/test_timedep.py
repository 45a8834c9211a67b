"""Time-dependent Dijkstra: static Dijkstra for constant times, brute force and label correcting on FIFO profiles."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths import dijkstra, time_dependent_dijkstra
from graphroute.paths.timedep import check_fifo, edge_travel_time
from tests.paths._graphs import digraphs, to_csr

SLOT = 300.0


def fifo_profile(rng, m: int, n_slots: int) -> np.ndarray:
    """Random travel times in [10, 600] whose drop between consecutive slots never exceeds SLOT."""
    tt = np.empty((n_slots, m))
    tt[0] = rng.uniform(10, 600, m)
    for s in range(1, n_slots):
        tt[s] = np.clip(tt[s - 1] + rng.uniform(-SLOT, SLOT, m), 10, 600)
    # close the cycle: the last slot must not exceed the first by more than SLOT
    tt[-1] = np.minimum(tt[-1], tt[0] + SLOT)
    return tt


def arrival_along(path_edges, tt, depart, cyclic=True):
    t = depart
    for e in path_edges:
        t += edge_travel_time(tt, e, t, SLOT, cyclic)
    return t


def brute_force(n, csr, tt, s, t, depart):
    """Earliest arrival over all simple paths (no waiting), enumerated with networkx."""
    indptr, indices, _ = csr
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            g.add_edge(u, int(indices[e]), key=e)
    best = math.inf
    for path in nx.all_simple_edge_paths(g, s, t):
        best = min(best, arrival_along([key for _, _, key in path], tt, depart))
    return best


def label_correcting(n, csr, tt, s, depart):
    """Bellman-Ford style earliest arrival at every node."""
    indptr, indices, _ = csr
    arr = [math.inf] * n
    arr[s] = depart
    for _ in range(n):
        changed = False
        for u in range(n):
            if arr[u] == math.inf:
                continue
            for e in range(indptr[u], indptr[u + 1]):
                a = arr[u] + edge_travel_time(tt, e, arr[u], SLOT)
                if a < arr[indices[e]] - 1e-9:
                    arr[indices[e]] = a
                    changed = True
        if not changed:
            break
    return arr


@settings(max_examples=60, deadline=None)
@given(digraphs(max_nodes=10, max_edges=30, parallel=True, float_weights=True), st.floats(0, 1e5))
def test_constant_times_equal_static_dijkstra(graph, depart):
    n, edges = graph
    csr = to_csr(n, edges)
    tt = np.tile(csr[2], (4, 1))
    for t in range(1, n):
        try:
            ref = dijkstra(*csr, 0, t)
        except NoPathError:
            with pytest.raises(NoPathError):
                time_dependent_dijkstra(csr[0], csr[1], tt, 0, t, depart, SLOT)
            continue
        got = time_dependent_dijkstra(csr[0], csr[1], tt, 0, t, depart, SLOT)
        assert math.isclose(got.cost, ref.cost, rel_tol=1e-9, abs_tol=1e-6)
        assert got.nodes[0] == 0 and got.nodes[-1] == t


@settings(max_examples=40, deadline=None)
@given(digraphs(max_nodes=7, max_edges=16, parallel=True), st.integers(0, 2**31), st.floats(0, 12 * SLOT))
def test_fifo_profiles_match_brute_force_and_label_correcting(graph, seed, depart):
    n, edges = graph
    csr = to_csr(n, edges)
    tt = fifo_profile(np.random.default_rng(seed), len(edges), 12)
    check_fifo(tt, SLOT)
    arr = label_correcting(n, csr, tt, 0, depart)
    for t in range(1, n):
        best = brute_force(n, csr, tt, 0, t, depart)
        assert math.isclose(arr[t], best, rel_tol=1e-9) or arr[t] == best
        if best == math.inf:
            with pytest.raises(NoPathError):
                time_dependent_dijkstra(csr[0], csr[1], tt, 0, t, depart, SLOT)
            continue
        got = time_dependent_dijkstra(csr[0], csr[1], tt, 0, t, depart, SLOT)
        assert math.isclose(got.arrival, best, rel_tol=1e-9)
        # the timetable replays: each arrival is the previous one plus the edge's travel time then
        assert math.isclose(arrival_along(got.edges, tt, depart), got.arrival, rel_tol=1e-12)
        assert got.times[0] == depart and len(got.times) == len(got.nodes)


def test_rush_hour_takes_the_other_road():
    # 0 -> 1 -> 3 is fast at night and slow at 8:00; 0 -> 2 -> 3 is always 20 min
    csr = to_csr(4, [(0, 1, 0), (0, 2, 0), (1, 3, 0), (2, 3, 0)])
    slots = 24  # hourly
    tt = np.full((slots, 4), 600.0)
    tt[:, 0] = 300.0
    tt[7:10, 0] = 3000.0  # 0 -> 1 jammed 7:00-9:00
    night = time_dependent_dijkstra(csr[0], csr[1], tt, 0, 3, 2 * 3600, 3600.0)
    rush = time_dependent_dijkstra(csr[0], csr[1], tt, 0, 3, 8 * 3600, 3600.0)
    assert night.nodes == (0, 1, 3) and night.cost == 900.0
    assert rush.nodes == (0, 2, 3) and rush.cost == 1200.0


def test_not_fifo_and_bad_profiles_are_rejected():
    csr = to_csr(2, [(0, 1, 0)])
    with pytest.raises(InvalidArgumentError, match="edge 0 fall by 500 between slots 0 and 1"):
        time_dependent_dijkstra(csr[0], csr[1], np.array([[600.0], [100.0]]), 0, 1, 0.0, SLOT)
    with pytest.raises(InvalidArgumentError, match="travel time of edge 0 in slot 1"):
        time_dependent_dijkstra(csr[0], csr[1], np.array([[600.0], [-1.0]]), 0, 1, 0.0, SLOT)
    with pytest.raises(InvalidArgumentError, match="shape"):
        time_dependent_dijkstra(csr[0], csr[1], np.ones((2, 3)), 0, 1, 0.0, SLOT)
    with pytest.raises(InvalidArgumentError, match="slot_length"):
        time_dependent_dijkstra(csr[0], csr[1], np.ones((2, 1)), 0, 1, 0.0, 0.0)
    with pytest.raises(NoPathError):
        time_dependent_dijkstra(csr[0], csr[1], np.ones((2, 1)), 1, 0, 0.0, SLOT)


def test_interpolation_and_wrap_around():
    tt = np.array([[100.0], [300.0], [200.0]])
    assert edge_travel_time(tt, 0, 0.0, 60.0) == 100.0
    assert edge_travel_time(tt, 0, 30.0, 60.0) == 200.0
    assert edge_travel_time(tt, 0, 150.0, 60.0) == 150.0  # halfway from slot 2 back to slot 0
    assert edge_travel_time(tt, 0, 180.0 + 30.0, 60.0) == 200.0  # next day
    assert edge_travel_time(tt, 0, 150.0, 60.0, cyclic=False) == 200.0
