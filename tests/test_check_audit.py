"""The checker against values worked out by hand from the TSPLIB 95 formulas, and the corners of
:func:`check` no other test reaches: node 0 of a TSP tour, repeated TSP nodes, the node just past the
last, travel times, the fleet count with empty routes, zero-load routes and exact violation lists.
Each test pins a mutation the rest of the suite let through (a mutation audit of graphroute/check.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphroute.check import check, edge_cost, gap_pct
from graphroute.exceptions import InfeasibleError, InvalidSolutionError
from graphroute.problems import Instance

SQUARE = Instance("cvrp", name="sq", coords=[[0, 0], [3, 0], [3, 4], [0, 4], [6, 0]], distance_type="EUC_2D",
                  demands=[0, 2, 2, 2, 3], capacity=5)
TSP = Instance("tsp", name="t3", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]], distance_type="EXPLICIT")


# ------------------------------------------------------------------ edge costs, by hand
@pytest.mark.parametrize(
    "kind,b,want",
    [
        ("EXACT", (1, 1), math.sqrt(2)),
        ("EXACT", (3, 4), 5.0),
        ("EUC_2D", (1.5, 2), 3.0),  # 2.5 exactly: nint rounds half up, not to even
        ("EUC_2D", (0.3, 0.4), 1.0),  # 0.5 up
        ("CEIL_2D", (3, 4), 5.0),  # a whole distance is not rounded up further
        ("CEIL_2D", (1, 1), 2.0),
        ("ATT", (30, 10), 10.0),  # r = sqrt(1000 / 10) = 10 exactly: t = 10 is not < r
        ("ATT", (10, 0), 4.0),  # r = 3.16..., t = 3 < r
        ("ATT", (0, 22.5), 8.0),  # r = 7.115..., t = 7 < r
        ("MAN_2D", (1.2, 2.4), 4.0),  # nint(3.6)
        ("MAN_2D", (1, 2), 3.0),
        ("MAN_2D", (0.25, 0.25), 1.0),  # nint(0.5)
        ("MAX_2D", (1.2, 2.6), 3.0),  # nint(2.6): the larger of the two
        ("MAX_2D", (2.5, 1), 3.0),
        ("MAX_2D", (3, 7), 7.0),
    ],
)
def test_edge_cost_by_hand(kind, b, want):
    inst = Instance("tsp", coords=[[0, 0], list(b)], distance_type=kind)
    assert edge_cost(inst, 0, 1) == pytest.approx(want, abs=1e-12)
    assert edge_cost(inst, 1, 0) == pytest.approx(want, abs=1e-12)
    assert inst.distances[0, 1] == pytest.approx(want, abs=1e-12)  # the vectorised matrix agrees
    assert check(inst, [[0, 1]]).cost == pytest.approx(2 * want, abs=1e-12)


@pytest.mark.parametrize("kind", ["EXACT", "EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D"])
def test_checker_and_matrix_agree_on_ties(kind):
    """Coordinates on a half-unit grid hit the rounding ties (2.5, integral r of ATT, whole distances)."""
    rng = np.random.default_rng(7)
    coords = rng.integers(-60, 60, size=(40, 2)) / 2.0
    coords[1] = coords[0] + [30, 10]  # an ATT distance of exactly 10
    coords[2] = coords[0] + [1.5, 2]  # a Euclidean distance of exactly 2.5
    inst = Instance("tsp", coords=coords, distance_type=kind)
    ref = np.array([[edge_cost(inst, i, j) for j in range(inst.n)] for i in range(inst.n)])
    np.testing.assert_array_equal(inst.distances, ref)
    assert not ref.diagonal().any()


def test_explicit_diagonal_is_never_travelled():
    one = Instance("tsp", matrix=[[9999]], distance_type="EXPLICIT", durations=[[7]])
    res = check(one, [[0]])
    assert res.feasible and res.cost == 0 and res.duration == 0


# ------------------------------------------------------------------ tsp
def test_tsp_tour_missing_node_0_is_refused():
    res = check(TSP, [[1, 2]])
    assert res.violations == ["node(s) never visited: 0"]


def test_tsp_tour_repeating_a_node_is_refused():
    res = check(TSP, [[0, 1, 2, 1]])
    assert res.violations == ["node(s) visited more than once: 1"]
    with pytest.raises(InfeasibleError, match="more than once: 1"):
        check(TSP, [[0, 1, 2, 1]], enforce=True)


def test_tsp_of_two_tours_costs_both():
    res = check(TSP, [[0, 1], [2]])
    assert res.cost == 1 + 9 + 0 and res.violations == ["a tsp solution is one tour, got 2 routes"]


def test_tsp_durations_close_the_tour_in_travel_direction():
    inst = Instance("tsp", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]], distance_type="EXPLICIT",
                    durations=[[0, 1, 2], [10, 0, 3], [20, 30, 0]])
    assert check(inst, [[0, 1, 2]]).duration == 1 + 3 + 20
    assert check(inst, [[0, 2, 1]]).duration == 2 + 30 + 10


def test_cvrp_durations_in_travel_direction():
    inst = Instance("cvrp", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]], distance_type="EXPLICIT",
                    durations=[[0, 1, 2], [10, 0, 3], [20, 30, 0]], demands=[0, 1, 1], capacity=2)
    res = check(inst, [[1, 2]])
    assert res.feasible and res.cost == 3 and res.duration == 24


# ------------------------------------------------------------------ out of range
def test_node_just_past_the_last_is_out_of_range():
    res = check(SQUARE, [[1, 2], [3], [4, 5]])
    assert "route 3 visits node 5, but nodes are 0..4" in res.violations
    assert res.cost == check(SQUARE, [[1, 2], [3], [4]]).cost
    with pytest.raises(InvalidSolutionError, match="visits node 5"):
        check(SQUARE, [[1, 2], [3], [4, 5]], enforce=True)
    res = check(TSP, [[0, 1, 2, 3]])
    assert res.violations == ["route 1 visits node 3, but nodes are 0..2"] and res.cost == 3


# ------------------------------------------------------------------ cvrp
def test_feasible_solution_passes_enforce():
    res = check(SQUARE, [[1, 2], [3], [4]], enforce=True)
    assert res.feasible and res.cost == 32


def test_depot_at_an_end_and_inside_is_inside():
    res = check(SQUARE, [[0, 1, 0, 2], [3], [4]])
    assert res.violations == ["route 1 visits the depot (0) inside the route"]


def test_depot_in_a_route_is_not_a_repeated_node():
    res = check(SQUARE, [[0, 1, 2, 0], [3], [4]])
    assert res.violations == ["route 1 includes the depot (0) at its ends: routes must leave the depot out "
                              "(every route starts and ends there)"]


def test_empty_routes_are_no_vehicles():
    inst = Instance("cvrp", coords=SQUARE.coords, distance_type="EUC_2D", demands=[0, 2, 2, 2, 3], capacity=5,
                    num_vehicles=3)
    res = check(inst, [[1, 2], [], [3], [], [4]])
    assert res.feasible and res.num_routes == 3
    assert not check(inst, [[1], [2], [3], [4]]).feasible


def test_a_route_of_zero_demand_customers_has_load_0():
    inst = Instance("cvrp", coords=[[0, 0], [1, 0], [0, 1]], distance_type="EUC_2D", demands=[0, 0, 1], capacity=1)
    res = check(inst, [[1], [2]])
    assert res.feasible and res.loads == [0, 1] and res.cost == 4


def test_eight_missing_nodes_are_listed_without_a_count():
    inst = Instance("cvrp", coords=[[i, 0] for i in range(10)], distance_type="EUC_2D", demands=[0] + [1] * 9,
                    capacity=9)
    assert check(inst, [[1]]).violations == ["node(s) never visited: 2, 3, 4, 5, 6, 7, 8, 9"]
    assert check(inst, [[9]]).violations == ["node(s) never visited: 1, 2, 3, 4, 5, 6, 7, 8"]
    assert check(inst, []).violations == ["node(s) never visited: 1, 2, 3, 4, 5, 6, 7, 8 ... (9 in all)"]


def test_gap_of_a_non_finite_cost_is_none():
    assert gap_pct(math.inf, 100) is None and gap_pct(math.nan, 100) is None
    assert gap_pct(150, 100) == pytest.approx(50.0)


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_node_is_refused_as_a_non_integer(bad):
    # int(inf) raised OverflowError and int(nan) a plain ValueError before the non-integer check
    sq = Instance("cvrp", coords=[[0, 0], [3, 0], [3, 4]], distance_type="EUC_2D", demands=[0, 1, 1], capacity=5)
    with pytest.raises(InvalidSolutionError, match="non-integer node"):
        check(sq, [[1, bad]])


def test_empty_routes_are_unused_vehicles():
    """The documented convention (README, check docstring): no violation, not counted, not against the fleet."""
    inst = Instance("cvrp", coords=[[0, 0], [1, 0], [0, 1]], demands=[0, 1, 1], capacity=1, num_vehicles=2)
    res = check(inst, [[1], [], [2], []])
    assert res.feasible and res.num_routes == 2 and res.cost == check(inst, [[1], [2]]).cost
    tsp = Instance("tsp", coords=[[0, 0], [1, 0], [0, 1]])
    assert check(tsp, [[0, 1, 2], []]).feasible
