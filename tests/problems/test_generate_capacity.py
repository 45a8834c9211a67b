"""generate's capacity argument: used as given, never replaced or dropped silently."""

import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems.generate import capacity_for, generate


def test_a_given_capacity_is_used():
    assert generate("cvrp", 10, capacity=9).capacity == 9
    assert generate("cvrp", 10).capacity == capacity_for(10)


@pytest.mark.parametrize("cap", [0, 8, -3, 2.5, True, "30"])
def test_a_capacity_below_a_demand_or_not_an_integer_is_refused(cap):
    with pytest.raises(InvalidInstanceError, match="capacity"):
        generate("cvrp", 10, capacity=cap)


def test_a_tsp_takes_no_capacity():
    with pytest.raises(InvalidInstanceError, match="has no capacity"):
        generate("tsp", 10, capacity=30)
