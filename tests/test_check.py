"""The one checker, on instances small enough to verify by hand."""

from __future__ import annotations

import pytest

from graphroute.check import check, gap_pct
from graphroute.exceptions import InfeasibleError, InvalidSolutionError
from graphroute.problems import Instance, Solution


@pytest.fixture()
def square():
    # depot at the origin, 4 customers on a 3-4-5 grid; EUC_2D
    return Instance(
        "cvrp", name="sq", coords=[[0, 0], [3, 0], [3, 4], [0, 4], [6, 0]], distance_type="EUC_2D",
        demands=[0, 2, 2, 2, 3], capacity=5,
    )


def test_hand_computed_cost(square):
    res = check(square, [[1, 2], [3], [4]])
    # 0-1 3, 1-2 4, 2-0 5 | 0-3-0 8 | 0-4-0 12
    assert res.feasible and res.cost == 12 + 8 + 12 and res.loads == [4, 2, 3] and res.num_routes == 3


@pytest.mark.parametrize(
    "routes,msg",
    [
        ([[1, 2, 3], [4]], "carries 6, above capacity 5"),
        ([[1, 2], [4]], "never visited: 3"),
        ([[1, 2], [2, 3], [4]], "more than once: 2"),
        ([[1, 0, 2], [3], [4]], "depot"),
    ],
)
def test_violations(square, routes, msg):
    res = check(square, routes)
    assert not res.feasible and any(msg in v for v in res.violations)
    with pytest.raises(InfeasibleError, match=msg):
        check(square, routes, enforce=True)


def test_unknown_node(square):
    with pytest.raises(InvalidSolutionError, match="visits node 9"):
        check(square, [[1, 9]], enforce=True)
    with pytest.raises(InvalidSolutionError, match="non-integer"):
        check(square, [[1, "a"]])


def test_unknown_node_is_a_violation_without_enforce(square):
    """The docstring says violations are returned unless enforce: out-of-range nodes were raised."""
    res = check(square, [[1, 2], [3, 9, -1], [4]])
    assert not res.feasible and "route 2 visits nodes 9, -1, but nodes are 0..4" in res.violations
    assert res.cost == check(square, [[1, 2], [3], [4]]).cost  # costed without the nodes that do not exist
    tsp = Instance("tsp", distance_type="EXPLICIT", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]])
    res = check(tsp, [[0, 1, 2, 7]])
    assert res.violations == ["route 1 visits node 7, but nodes are 0..2"] and res.cost == 3


def test_depot_at_route_ends_is_said_once_per_route(square):
    res = check(square, [[0, 1, 2, 0], [0, 3, 0], [4]])
    depot = [v for v in res.violations if "depot" in v]
    ends = "includes the depot (0) at its ends: routes must leave the depot out (every route starts and ends there)"
    assert depot == [f"route 1 {ends}", f"route 2 {ends}"]
    assert res.cost == check(square, [[1, 2], [3], [4]]).cost and res.loads == [4, 2, 3]
    inside = check(square, [[1, 0, 2, 0, 3], [4]]).violations
    assert [v for v in inside if "depot" in v] == ["route 1 visits the depot (0) inside the route"]


def test_route_numbers_agree_between_solution_and_check(square):
    """Solution numbered routes from 0, check from 1: both say route 2 for the second route now."""
    with pytest.raises(InvalidSolutionError, match="route 2 holds a non-integer node 'a'"):
        check(square, [[1, 2], [3, "a"], [4]])
    with pytest.raises(InvalidSolutionError, match="route 2 must be a list of node indices"):
        Solution([[1, 2], 3])
    assert any(v.startswith("route 2 carries") for v in check(square, [[1], [2, 3, 4]]).violations)


def test_fleet_limit(square):
    square.num_vehicles = 2
    res = check(square, [[1, 2], [3], [4]])
    assert any("only 2 vehicles" in v for v in res.violations)


def test_tsp_and_asymmetric():
    inst = Instance("tsp", distance_type="EXPLICIT", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]])
    assert check(inst, [[0, 1, 2]]).cost == 3
    assert check(inst, [[0, 2, 1]]).cost == 27
    assert check(inst, [[1, 2, 0]]).cost == 3  # rotation does not matter
    assert not check(inst, [[0, 1], [2]]).feasible
    assert any("never visited: 2" in v for v in check(inst, [[0, 1]]).violations)


def test_durations_are_summed():
    inst = Instance("cvrp", distance_type="EXPLICIT", matrix=[[0, 2], [3, 0]], durations=[[0, 10], [20, 0]],
                    demands=[0, 1], capacity=1)
    res = check(inst, [[1]])
    assert res.cost == 5 and res.duration == 30


def test_gap():
    assert gap_pct(101, 100) == pytest.approx(1.0)
    assert gap_pct(5, None) is None and gap_pct(5, 0) is None
