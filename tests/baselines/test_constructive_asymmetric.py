"""Nearest neighbour and savings on an asymmetric matrix whose cheap arcs run one way round
(0 -> 3 -> 2 -> 1 -> 0 costs 4, the other way 36), and a customer whose demand equals the capacity. A
mutation audit (2026-12-02) found every arc-direction mutant of the two heuristics surviving the suite."""

from __future__ import annotations

import pytest

from graphroute.baselines.constructive import nearest_neighbour, savings
from graphroute.check import check
from graphroute.problems.instance import Instance

R = [[0, 9, 9, 1], [1, 0, 9, 9], [9, 1, 0, 9], [9, 9, 1, 0]]
ATSP = Instance("tsp", matrix=R, distance_type="EXPLICIT")
ACVRP = Instance("cvrp", matrix=R, distance_type="EXPLICIT", demands=[0, 1, 1, 1], capacity=10)


@pytest.mark.parametrize("heuristic", [nearest_neighbour, savings])
@pytest.mark.parametrize("inst", [ATSP, ACVRP], ids=["atsp", "acvrp"])
def test_asymmetric_arcs_are_taken_in_their_direction(heuristic, inst):
    res = check(inst, heuristic(inst))
    assert res.feasible and res.cost == 4


def test_nearest_neighbour_follows_the_cheap_direction():
    assert nearest_neighbour(ATSP).routes == [[0, 3, 2, 1]]
    assert nearest_neighbour(ACVRP).routes == [[3, 2, 1]]


def test_a_demand_equal_to_the_capacity_fits_one_vehicle():
    full = Instance("cvrp", coords=[[0, 0], [1, 0], [0, 1]], distance_type="EUC_2D", demands=[0, 2, 1], capacity=2)
    for heuristic in (nearest_neighbour, savings):
        res = check(full, heuristic(full))
        assert res.feasible and sorted(map(sorted, heuristic(full).routes)) == [[1], [2]]
