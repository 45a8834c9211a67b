"""Nearest neighbour and Clarke-Wright savings against their stated rules, not only feasibility.

A mutation audit (2026-12-04) found mutants of both heuristics that stay feasible surviving the suite:
a CVRP route of nearest neighbour starting from the previous route's last customer, ties broken by
the highest index, savings skipping the route reversal or the tie order. These tests replay the rules.
"""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.baselines.constructive import nearest_neighbour, savings
from graphroute.check import check
from graphroute.problems.instance import Instance


def _random_instances():
    """Seeded TSP/CVRP, symmetric (integer coordinates) and asymmetric (small integer matrix: many ties)."""
    out = []
    for seed in range(48):
        rng = np.random.default_rng(seed)
        problem = "tsp" if seed % 2 else "cvrp"
        n = int(rng.integers(3, 11))
        kw = {}
        if problem == "cvrp":
            cap = int(rng.integers(3, 16))
            kw = {"demands": np.concatenate([[0], rng.integers(1, cap + 1, size=n - 1)]), "capacity": cap}
        if seed % 4 < 2:
            m = rng.integers(1, 6, size=(n, n)).astype(float)
            np.fill_diagonal(m, 0)
            out.append(Instance(problem, matrix=m, distance_type="EXPLICIT", **kw))
        else:
            out.append(Instance(problem, coords=rng.integers(0, 8, size=(n, 2)), distance_type="MAN_2D", **kw))
    return out


INSTANCES = _random_instances()


def _nearest(d, cur, candidates):
    """The closest candidate from ``cur``, ties to the lowest index (the documented rule)."""
    return min(candidates, key=lambda v: (d[cur, v], v))


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda i: f"{i.kind}{i.n}")
def test_nearest_neighbour_replays_its_rule(inst):
    """Every step goes to the closest unvisited node that fits (lowest index on ties); CVRP routes start
    at the depot and end only when no unvisited customer fits."""
    d, n = inst.distances, inst.n
    routes = nearest_neighbour(inst).routes
    unvisited = set(range(1, n))
    if inst.problem == "tsp":
        (tour,) = routes
        assert tour[0] == 0
        cur = 0
        for nxt in tour[1:]:
            assert nxt == _nearest(d, cur, unvisited)
            unvisited.remove(nxt)
            cur = nxt
        assert not unvisited
        return
    for route in routes:
        cur, load = 0, 0
        for nxt in route:
            fits = [v for v in unvisited if inst.demands[v] <= inst.capacity - load]
            assert nxt == _nearest(d, cur, fits)
            unvisited.remove(nxt)
            load += int(inst.demands[nxt])
            cur = nxt
        assert not [v for v in unvisited if inst.demands[v] <= inst.capacity - load], "route closed too early"
    assert not unvisited


def test_nearest_neighbour_cvrp_routes_start_from_the_depot():
    """A new CVRP route starts at the depot, not at the last customer of the previous route."""
    inst = Instance("cvrp", coords=[[0, 0], [10, 0], [12, 0], [-11, 0], [30, 0]], distance_type="EUC_2D",
                    demands=[0, 1, 1, 1, 1], capacity=2)
    # from the depot: 1 (10), 2 (12), full; then from the depot again: 3 (11 away) before 4 (30)
    assert nearest_neighbour(inst).routes == [[1, 2], [3, 4]]


def test_nearest_neighbour_breaks_ties_by_lowest_index():
    """Equidistant nodes: the lower index is taken first (TSP and CVRP)."""
    coords = [[0, 0], [1, 0], [-1, 0], [0, 1]]
    assert nearest_neighbour(Instance("tsp", coords=coords, distance_type="EUC_2D")).routes == [[0, 1, 3, 2]]
    cvrp = Instance("cvrp", coords=coords, distance_type="EUC_2D", demands=[0, 1, 1, 1], capacity=1)
    assert nearest_neighbour(cvrp).routes == [[1], [2], [3]]


def test_nearest_neighbour_fills_one_route_when_everything_fits():
    """All customers fit in one vehicle: one route, in nearest order."""
    inst = Instance("cvrp", coords=[[0, 0], [5, 0], [1, 0], [2, 0], [3, 0]], distance_type="EUC_2D",
                    demands=[0, 2, 2, 2, 2], capacity=8)
    assert nearest_neighbour(inst).routes == [[2, 3, 4, 1]]


def _saving(d, i, j):
    return d[i, 0] + d[0, j] - d[i, j]


@pytest.mark.parametrize("inst", [i for i in INSTANCES if i.problem == "cvrp"], ids=lambda i: f"{i.kind}{i.n}")
def test_savings_leaves_no_positive_merge(inst):
    """CVRP savings stops only when no two routes that fit together have a positive saving at their ends
    (end -> start; on symmetric instances any pair of ends, since a route may be reversed)."""
    d = inst.distances
    routes = savings(inst).routes
    assert check(inst, routes).feasible
    loads = [sum(int(inst.demands[v]) for v in r) for r in routes]
    for a, ra in enumerate(routes):
        for b, rb in enumerate(routes):
            if a == b or loads[a] + loads[b] > inst.capacity:
                continue
            ends = [(i, j) for i in {ra[0], ra[-1]} for j in {rb[0], rb[-1]}] if inst.symmetric else [(ra[-1], rb[0])]
            for i, j in ends:
                assert _saving(d, i, j) <= 0, (routes, i, j)


def test_savings_reverses_a_route_to_merge_at_its_end():
    """Symmetric: customer 1's route [1, 2] is reversed so that 3 joins at 1's side."""
    # on a line at x = 3, 2, 1: s(1,2) = 4 first, then s(1,3) = 2 (tie with s(2,3), lower pair first)
    inst = Instance("cvrp", coords=[[0, 0], [3, 0], [2, 0], [1, 0]], distance_type="EUC_2D",
                    demands=[0, 1, 1, 1], capacity=5)
    assert savings(inst).routes == [[2, 1, 3]]


def test_savings_reverses_the_second_route_to_merge_at_its_start():
    """Symmetric: the route ending in j is reversed so that j comes first and the merge happens."""
    # EUC_2D: d(0,1)=30 d(0,2)=20 d(0,3)=40 d(1,3)=10 d(1,2)=36 d(2,3)=45; s(1,3)=60 -> [1, 3];
    # s(2,3)=15 -> [2] + reversed [3, 1]; s(1,2)=14: same route. Cost 20 + 45 + 10 + 30.
    inst = Instance("cvrp", coords=[[0, 0], [30, 0], [0, 20], [40, 0]], distance_type="EUC_2D",
                    demands=[0, 1, 1, 1], capacity=3)
    assert savings(inst).routes == [[2, 3, 1]]
    assert check(inst, savings(inst)).cost == 105


def test_savings_takes_ties_in_index_order():
    """Equal savings are merged lowest (i, j) first (pairs i < j on symmetric instances)."""
    # corners of a square around the depot: adjacent corners save 14 + 14 - 20 = 8, opposite ones 0;
    # (1,2) -> [1, 2]; (1,4) -> reversed [2, 1] + [4]; (2,3) and (3,4) exceed the capacity
    inst = Instance("cvrp", coords=[[0, 0], [10, 10], [-10, 10], [-10, -10], [10, -10]], distance_type="EUC_2D",
                    demands=[0, 1, 1, 1, 1], capacity=3)
    assert savings(inst).routes == [[2, 1, 4], [3]]


def test_savings_does_not_merge_a_zero_saving():
    """Customers on opposite sides of the depot save nothing: savings keeps them apart (rule: stop at <= 0)."""
    inst = Instance("cvrp", coords=[[0, 0], [4, 0], [-4, 0]], distance_type="EUC_2D", demands=[0, 1, 1], capacity=5)
    assert sorted(savings(inst).routes) == [[1], [2]]


def test_savings_tsp_keeps_merging_past_zero_savings():
    """TSP (unlimited capacity) merges zero savings too: one chain through the hub's both sides."""
    # x = 1, -1, 2: s(1,3) = 2 -> [1, 3]; s(1,2) = 0 -> reversed [3, 1] + [2]
    inst = Instance("tsp", coords=[[0, 0], [1, 0], [-1, 0], [2, 0]], distance_type="EUC_2D")
    assert savings(inst).routes == [[0, 3, 1, 2]]


def test_savings_tsp_merges_negative_savings_in_asymmetric_instances():
    """ATSP: merging continues below zero, the least negative saving first."""
    # s(2,1) = 4 + 2 - 7 = -1 beats s(1,2) = 2 + 2 - 6 = -2: the tour is 0 -> 2 -> 1 -> 0 (cost 11),
    # not the unmerged 0 -> 1 -> 2 -> 0 (cost 12)
    inst = Instance("tsp", matrix=[[0, 2, 2], [2, 0, 6], [4, 7, 0]], distance_type="EXPLICIT")
    assert savings(inst).routes == [[0, 2, 1]]
    assert check(inst, savings(inst)).cost == 11


def test_savings_merges_into_one_route_when_the_load_is_exactly_the_capacity():
    """Merging is allowed when the two loads sum exactly to the capacity."""
    inst = Instance("cvrp", coords=[[0, 0], [5, 0], [6, 0]], distance_type="EUC_2D", demands=[0, 2, 3], capacity=5)
    assert savings(inst).routes == [[1, 2]]


def test_savings_asymmetric_never_reverses():
    """Asymmetric: routes are only joined end -> start, in the direction of each arc."""
    # cheap arcs 1 -> 2 -> 3 only; a reversal would cost 9 per arc
    r = [[0, 5, 5, 5], [5, 0, 1, 9], [5, 9, 0, 1], [5, 9, 9, 0]]
    inst = Instance("cvrp", matrix=r, distance_type="EXPLICIT", demands=[0, 1, 1, 1], capacity=5)
    assert savings(inst).routes == [[1, 2, 3]]
    assert check(inst, savings(inst)).cost == 5 + 1 + 1 + 5


def test_savings_two_node_instances():
    """The smallest instances: a two-city tour and a single-customer CVRP."""
    tsp = Instance("tsp", coords=[[0, 0], [3, 4]], distance_type="EUC_2D")
    assert savings(tsp).routes == [[0, 1]]
    cvrp = Instance("cvrp", coords=[[0, 0], [3, 4]], distance_type="EUC_2D", demands=[0, 1], capacity=1)
    assert savings(cvrp).routes == [[1]]


def test_nearest_neighbour_refuses_a_customer_that_can_never_fit():
    """An instance whose capacity was lowered after it was checked: an error, not an endless loop."""
    from graphroute.exceptions import InvalidInstanceError

    inst = Instance("cvrp", coords=[[0, 0], [1, 0], [2, 0]], distance_type="EUC_2D", demands=[0, 1, 3], capacity=3)
    inst.capacity = 2
    with pytest.raises(InvalidInstanceError, match="customer 2 has demand 3 above the capacity 2"):
        nearest_neighbour(inst)
