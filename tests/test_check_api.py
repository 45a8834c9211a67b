"""check() and gap_pct() called from Python with the shapes a researcher reaches for first."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphroute as gr
from graphroute.exceptions import InvalidArgumentError, InvalidSolutionError

SQUARE = gr.Instance("tsp", coords=[[0, 0], [1, 0], [1, 1], [0, 1]])


@pytest.mark.parametrize("flat", [[0, 1, 2, 3], np.arange(4), (0, 1, 2, 3)])
def test_a_flat_tour_is_refused_in_one_line(flat):
    with pytest.raises(InvalidSolutionError, match=r"route 1 must be a list of node indices, got the node 0: .*"
                                                   r"a tsp tour is passed as \[tour\]$"):
        gr.check(SQUARE, flat)


@pytest.mark.parametrize("routes", [[[0, 1, 2, 3]], np.arange(4)[None, :], [np.arange(4)], [range(4)], [(0, 1, 2, 3)]])
def test_lists_of_routes_in_any_sequence_shape_are_checked(routes):
    res = gr.check(SQUARE, routes)
    assert res.feasible and res.cost == 4


@pytest.mark.parametrize("solution, got", [(5, "int"), ("0123", "str"), (None, "NoneType")])
def test_a_solution_that_is_no_list_of_routes_is_refused(solution, got):
    with pytest.raises(InvalidSolutionError, match=f"a solution must be a Solution or a list of routes .*got {got}$"):
        gr.check(SQUARE, solution)


def test_check_needs_an_instance():
    with pytest.raises(InvalidArgumentError, match="instance must be an Instance, got str"):
        gr.check("square.json", [[0, 1, 2, 3]])


@pytest.mark.parametrize("cost, ref", [(100, math.nan), (100, math.inf), (100, -math.inf), (100, 0), (100, -5),
                                       (100, None), (math.nan, 50), (math.inf, 50), (None, 50)])
def test_gap_is_none_without_a_finite_positive_reference_or_a_finite_cost(cost, ref):
    assert gr.gap_pct(cost, ref) is None


def test_gap_of_numbers():
    assert gr.gap_pct(110, 100) == pytest.approx(10.0) and gr.gap_pct(np.float32(90), np.int64(100)) == pytest.approx(-10)


def test_a_set_as_a_route_is_refused_not_costed_in_hash_order():
    """Walkthrough finding: check() turned a set into a list and took its iteration order as the visits."""
    from pathlib import Path

    inst = gr.read_instance(Path(gr.__file__).resolve().parents[1] / "data" / "examples" / "cvrp50.json")
    routes = gr.solve(inst, "savings").routes
    with pytest.raises(InvalidSolutionError, match="got set \\(unordered: a route is a sequence in visiting order\\)"):
        gr.check(inst, [set(routes[0])] + routes[1:])
    assert gr.check(inst, [tuple(routes[0])] + routes[1:]).feasible  # a tuple is ordered: fine
