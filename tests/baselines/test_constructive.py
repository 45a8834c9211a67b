"""Nearest neighbour and Clarke-Wright savings: feasible on real and random instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.baselines.constructive import nearest_neighbour, savings
from graphroute.check import check
from graphroute.problems import Instance, read_instance

HEURISTICS = [nearest_neighbour, savings]


@st.composite
def small_instances(draw):
    """Random TSP/CVRP, symmetric (coordinates) or asymmetric (integer matrix), 1-12 customers."""
    problem = draw(st.sampled_from(["tsp", "cvrp"]))
    size = draw(st.integers(1, 12))
    n = size + 1 if problem == "cvrp" else size
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kw = {}
    if problem == "cvrp":
        cap = draw(st.integers(1, 30))
        kw = {"demands": np.concatenate([[0], rng.integers(0, cap + 1, size=size)]), "capacity": cap}
    if draw(st.booleans()):
        m = rng.integers(0, 100, size=(n, n)).astype(float)
        np.fill_diagonal(m, 0)
        return Instance(problem, matrix=m, distance_type="EXPLICIT", **kw)
    return Instance(problem, coords=rng.integers(0, 50, size=(n, 2)), distance_type="EUC_2D", **kw)


@pytest.mark.parametrize("heuristic", HEURISTICS, ids=lambda h: h.__name__)
@settings(max_examples=150, deadline=None)
@given(inst=small_instances())
def test_every_customer_once_and_capacity_respected(heuristic, inst):
    sol = heuristic(inst)
    res = check(inst, sol)
    assert res.feasible, res.violations
    if inst.problem == "cvrp":
        served = sorted(v for r in sol.routes for v in r)
        assert served == list(range(1, inst.n))
        assert all(load <= inst.capacity for load in res.loads)
    else:
        assert sorted(sol.routes[0]) == list(range(inst.n))


@pytest.mark.parametrize("heuristic", HEURISTICS, ids=lambda h: h.__name__)
@pytest.mark.parametrize("name", ["X-n101-k25", "X-n148-k46", "X-n204-k19", "X-n298-k31"])
def test_feasible_on_x(shared_data, heuristic, name):
    inst = read_instance(shared_data / "vrp" / "cvrplib" / "X" / f"{name}.vrp")
    res = check(inst, heuristic(inst))
    assert res.feasible, res.violations
    assert res.cost >= inst.bks


def test_savings_beats_nearest_neighbour_on_x(shared_data):
    # a known property of the two heuristics on CVRPLIB, and a guard against a broken merge rule
    inst = read_instance(shared_data / "vrp" / "cvrplib" / "X" / "X-n204-k19.vrp")
    assert check(inst, savings(inst)).cost < check(inst, nearest_neighbour(inst)).cost


def test_savings_hand_example():
    # depot in the middle of a line; savings must join 1-2 (same side) and leave 3 alone
    inst = Instance("cvrp", coords=[[0, 0], [5, 0], [10, 0], [-5, 0]], distance_type="EUC_2D",
                    demands=[0, 1, 1, 1], capacity=2)
    sol = savings(inst)
    assert sorted(sorted(r) for r in sol.routes) == [[1, 2], [3]]
    assert check(inst, sol).cost == 20 + 10


def test_nearest_neighbour_hand_example():
    inst = Instance("tsp", coords=[[0, 0], [10, 0], [1, 0], [2, 0]], distance_type="EUC_2D")
    assert nearest_neighbour(inst).routes == [[0, 2, 3, 1]]


def test_savings_merges_as_the_plain_clarke_wright_loop_does():
    """The loop skips customers already inside a route and runs on Python ints (4x faster at n = 1,000): the
    routes it builds are those of the textbook loop below, written independently, up to the direction of a
    route on symmetric instances (a failed merge attempt no longer reverses a route)."""
    from graphroute.problems.generate import generate

    def reference(inst):
        d, n = inst.distances, inst.n
        cands = sorted(((d[i, 0] + d[0, j] - d[i, j], -i, -j) for i in range(1, n) for j in range(1, n) if i != j
                        and (not inst.symmetric or i < j)), reverse=True)
        routes = {c: [c] for c in range(1, n)}
        where = {c: c for c in range(1, n)}
        for sv, mi, mj in cands:
            i, j = -mi, -mj
            if sv <= 0:
                break
            a, b = routes[where[i]], routes[where[j]]
            if a is b or sum(inst.demands[c] for c in a + b) > inst.capacity:
                continue
            if inst.symmetric:
                a = a if a[-1] == i else a[::-1]
                b = b if b[0] == j else b[::-1]
            if a[-1] != i or b[0] != j:
                continue
            del routes[where[j]]
            routes[where[i]] = a + b
            for c in b:
                where[c] = where[i]
        return sorted(tuple(min(r, r[::-1]) if inst.symmetric else r) for r in routes.values())

    for seed in range(12):
        inst = generate("cvrp", 30, seed=seed, asymmetric=seed % 2 == 1)
        got = savings(inst).routes
        assert sorted(tuple(min(r, r[::-1]) if inst.symmetric else r) for r in got) == reference(inst)
        assert check(inst, got).feasible
