"""How the checker counts routes: a TSP answer of two tours (one of out-of-range nodes) or of none, and
empty CVRP routes that carry no load. Each pins a mutation that changed only the violations or loads
reported, which the rest of the suite let through (a mutation audit, 2026-12-02)."""

from __future__ import annotations

from graphroute.check import check
from graphroute.problems.instance import Instance

TSP = Instance("tsp", name="t3", matrix=[[0, 1, 9], [9, 0, 1], [1, 9, 0]], distance_type="EXPLICIT")
SQUARE = Instance("cvrp", name="sq", coords=[[0, 0], [3, 0], [3, 4], [0, 4], [6, 0]], distance_type="EUC_2D",
                  demands=[0, 2, 2, 2, 3], capacity=5)


def test_a_tour_of_out_of_range_nodes_still_counts_as_a_route():
    res = check(TSP, [[0, 1, 2], [7]])
    assert not res.feasible and "a tsp solution is one tour, got 2 routes" in res.violations


def test_no_tour_at_all_is_a_violation():
    res = check(TSP, [])
    assert not res.feasible and any("got 0 routes" in v for v in res.violations)


def test_empty_routes_carry_no_load():
    res = check(SQUARE, [[1, 2], [], [3], [4]])
    assert res.feasible and res.loads == [4, 2, 3] and res.cost == 12 + 8 + 12
