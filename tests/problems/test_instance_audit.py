"""Instance and Solution self-checks at their exact bounds and in the cases no other test builds: a matrix
entry of exactly MAX_DISTANCE, NaN in a matrix, a float capacity of exactly 2**53, booleans given directly
(not through JSON), mismatched matrix sizes, fractional route nodes. Each test pins a mutation the rest of
the suite let through (a mutation audit of graphroute/problems/instance.py)."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.check import check
from graphroute.exceptions import InvalidInstanceError, InvalidSolutionError
from graphroute.problems import Instance, Solution
from graphroute.problems.instance import MAX_DISTANCE, MAX_LOAD

M3 = [[0, 1, 2], [1, 0, 3], [2, 3, 0]]


def cvrp(**over):
    kw = dict(coords=[[0, 0], [1, 0], [0, 1]], distance_type="EUC_2D", demands=[0, 1, 1], capacity=2)
    kw.update(over)
    return Instance("cvrp", **kw)


# ------------------------------------------------------------------ matrices
def test_matrix_entry_of_exactly_max_distance_is_kept():
    inst = Instance("tsp", distance_type="EXPLICIT", matrix=[[0, MAX_DISTANCE], [MAX_DISTANCE, 0]])
    assert inst.distances[0, 1] == MAX_DISTANCE
    with pytest.raises(InvalidInstanceError, match="too large"):
        Instance("tsp", distance_type="EXPLICIT", matrix=[[0, np.nextafter(MAX_DISTANCE, np.inf)], [1, 0]])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("field", ["matrix", "durations"])
def test_non_finite_matrix_entry_is_refused(field, bad):
    m = np.array(M3, dtype=float)
    m[1, 2] = bad
    kw = {"matrix": M3, field: m}
    with pytest.raises(InvalidInstanceError, match=r"\[1\]\[2\] is not a finite number"):
        Instance("tsp", distance_type="EXPLICIT", **kw)


def test_non_square_matrix_is_refused():
    with pytest.raises(InvalidInstanceError, match=r"square matrix, got shape \(2, 3\)"):
        Instance("tsp", distance_type="EXPLICIT", matrix=[[0, 1, 2], [1, 0, 3]])


def test_matrix_and_coordinates_must_agree_in_size():
    with pytest.raises(InvalidInstanceError, match="distance matrix has 3 rows but there are 2 coordinates"):
        Instance("tsp", distance_type="EXPLICIT", matrix=M3, coords=[[0, 0], [1, 1]])


def test_durations_must_match_the_node_count():
    with pytest.raises(InvalidInstanceError, match="duration matrix has 2 rows, expected 3"):
        Instance("tsp", distance_type="EXPLICIT", matrix=M3, durations=[[0, 1], [1, 0]])
    with pytest.raises(InvalidInstanceError, match="duration matrix has 2 rows, expected 3"):
        Instance("tsp", coords=[[0, 0], [1, 0], [0, 1]], durations=[[0, 1], [1, 0]])


def test_matrix_with_a_coordinate_convention_is_refused():
    with pytest.raises(InvalidInstanceError, match="use EXPLICIT"):
        Instance("tsp", coords=[[0, 0], [1, 0], [0, 1]], distance_type="EUC_2D", matrix=M3)


def test_coordinate_convention_without_coordinates_is_refused():
    with pytest.raises(InvalidInstanceError, match="distance type CEIL_2D needs coordinates"):
        Instance("tsp", distance_type="CEIL_2D")


def test_distances_are_read_only():
    inst = Instance("tsp", coords=[[0, 0], [3, 4]], distance_type="EUC_2D")
    with pytest.raises(ValueError):
        inst.distances[0, 1] = 1.0
    assert inst.distances[0, 1] == 5


def test_integral_follows_an_explicit_matrix():
    assert Instance("tsp", distance_type="EXPLICIT", matrix=M3).integral
    assert not Instance("tsp", distance_type="EXPLICIT", matrix=[[0, 1.5], [1.5, 0]]).integral
    assert not Instance("tsp", coords=[[0, 0], [1, 1]], distance_type="EXACT").integral
    for kind in ("EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D"):
        assert Instance("tsp", coords=[[0, 0], [1, 1]], distance_type=kind).integral, kind


# ------------------------------------------------------------------ problem shapes
def test_cvrp_needs_a_customer():
    with pytest.raises(InvalidInstanceError, match="a cvrp instance needs at least 2 nodes, got 1"):
        Instance("cvrp", coords=[[0, 0]], distance_type="EUC_2D", demands=[0], capacity=1)
    assert Instance("tsp", coords=[[0, 0]], distance_type="EUC_2D").n == 1


@pytest.mark.parametrize("kw", [{"capacity": 5}, {"demands": [0, 1]}])
def test_tsp_has_no_loads(kw):
    with pytest.raises(InvalidInstanceError, match="a tsp instance has no demands or capacity"):
        Instance("tsp", coords=[[0, 0], [1, 1]], distance_type="EUC_2D", **kw)


def test_num_customers():
    assert cvrp().num_customers == 2
    assert Instance("tsp", coords=[[0, 0], [1, 0], [0, 1]]).num_customers == 3


# ------------------------------------------------------------------ loads at their bounds
def test_fractional_capacity_is_said_to_be_no_positive_integer():
    with pytest.raises(InvalidInstanceError, match="capacity must be a positive integer, got 2.5"):
        cvrp(capacity=2.5)


def test_boolean_demand_given_directly_is_refused():
    with pytest.raises(InvalidInstanceError, match="demand of node 1 must be an integer, got True"):
        cvrp(demands=[0, True, 1])
    with pytest.raises(InvalidInstanceError, match="must be an integer, got True"):
        cvrp(demands=[0, np.bool_(True), 1])


def test_float_capacity_of_exactly_2_53_is_exact_and_kept():
    inst = cvrp(capacity=float(2**53))
    assert inst.capacity == 2**53 and isinstance(inst.capacity, int)
    assert cvrp(demands=[0, float(2**53), 1], capacity=2**53 + 5).demands[1] == 2**53


def test_demand_and_total_of_exactly_max_load_are_kept():
    inst = cvrp(demands=[0, MAX_LOAD, 0], capacity=MAX_LOAD)
    assert int(inst.demands[1]) == MAX_LOAD
    inst = cvrp(demands=[0, MAX_LOAD - 1, 1], capacity=MAX_LOAD)
    assert int(inst.demands.sum()) == MAX_LOAD


def test_demand_equal_to_capacity_is_kept():
    assert list(cvrp(demands=[0, 2, 2], capacity=2).demands) == [0, 2, 2]


def test_zero_vehicles_is_no_positive_integer():
    with pytest.raises(InvalidInstanceError, match="num_vehicles must be a positive integer or null, got 0"):
        cvrp(num_vehicles=0)


# ------------------------------------------------------------------ solutions
def test_fractional_node_is_refused_and_whole_float_is_taken():
    inst = cvrp()
    with pytest.raises(InvalidSolutionError, match="route 1 holds a non-integer node 1.5"):
        check(inst, [[1.5, 2]])
    assert check(inst, [[1.0, 2.0]]).feasible


def test_boolean_node_is_refused():
    with pytest.raises(InvalidSolutionError, match="non-integer node True"):
        Solution([[True, 2]])


@pytest.mark.parametrize("routes", ["12", 5, None, {1: [1]}])
def test_routes_must_be_a_list(routes):
    with pytest.raises(InvalidSolutionError, match="routes must be a list of lists"):
        Solution(routes)


def test_num_routes_counts_non_empty_routes():
    assert Solution([[1], [], [2], []]).num_routes == 2 and Solution([]).num_routes == 0


@pytest.mark.parametrize("name", ["a\x00b", "a\tb", "line\nbreak"])
def test_a_name_with_a_control_character_is_refused(name):
    """A NUL in a JSON name reached the plots (a matplotlib glyph warning) and file names."""
    with pytest.raises(InvalidInstanceError, match="holds a control character"):
        Instance("tsp", coords=[[0, 0], [1, 1]], name=name)


def test_unicode_names_are_kept():
    assert Instance("tsp", coords=[[0, 0], [1, 1]], name="Zürich ring").name == "Zürich ring"
