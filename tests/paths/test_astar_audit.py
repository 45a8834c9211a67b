"""Mutation audit of graphroute.paths.astar: behaviour the other path tests let through.

The A* tests only check that the bound is admissible and the path exact; a distance or a scale that is
wrong but still a lower bound passes them. These tests pin the values themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import astar, geometric_heuristic, geometric_scale
from graphroute.paths.astar import EARTH_RADIUS_M, geometric_distance
from tests.paths._graphs import to_csr


def _great_circle(a, b):
    """Reference: the angle between the two unit vectors (law of cosines via the dot and cross product)."""
    def unit(p):
        lon, lat = math.radians(p[0]), math.radians(p[1])
        return np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])

    u, v = unit(a), unit(b)
    return EARTH_RADIUS_M * math.atan2(np.linalg.norm(np.cross(u, v)), float(u @ v))


def test_haversine_distance_by_hand_and_by_vectors():
    """A01-A05, A25: one degree along the equator or a meridian is R * pi / 180; along the 60th parallel the
    great circle is a little shorter than half of it; (lon, lat) order; random points against the vector
    formula."""
    one_degree = EARTH_RADIUS_M * math.pi / 180  # 111 195.08 m
    assert geometric_distance([0.0, 0.0], [1.0, 0.0]) == pytest.approx(one_degree, rel=1e-12)
    assert geometric_distance([0.0, 0.0], [0.0, 1.0]) == pytest.approx(one_degree, rel=1e-12)
    assert geometric_distance([0.0, 60.0], [0.0, 61.0]) == pytest.approx(one_degree, rel=1e-12)
    along_60 = 2 * EARTH_RADIUS_M * math.asin(0.5 * math.sin(math.radians(0.5)))  # cos 60 = 1/2
    assert geometric_distance([10.0, 60.0], [11.0, 60.0]) == pytest.approx(along_60, rel=1e-12)
    assert 55_590 < along_60 < 55_600
    # the first coordinate is the longitude: (60, 0) -> (61, 0) runs along the equator
    assert geometric_distance([60.0, 0.0], [61.0, 0.0]) == pytest.approx(one_degree, rel=1e-12)
    rng = np.random.default_rng(5)
    a = np.column_stack([rng.uniform(-180, 180, 50), rng.uniform(-80, 80, 50)])
    b = a + rng.uniform(-0.5, 0.5, (50, 2))  # also short distances, where rounding of the input shows
    got = geometric_distance(a, b)
    assert got.shape == (50,)
    for i in range(50):
        assert got[i] == pytest.approx(_great_circle(a[i], b[i]), rel=1e-9)


def test_euclidean_distance_by_hand():
    """A06: straight-line distance (3-4-5), not the grid distance."""
    assert geometric_distance([1.0, 1.0], [4.0, 5.0], "euclidean") == 5.0
    assert geometric_distance(np.zeros((2, 2)), [[3.0, 4.0], [-6.0, 8.0]], "euclidean").tolist() == [5.0, 10.0]


def test_scale_is_the_smallest_ratio_shrunk_by_1e9():
    """A10, A11, A24: scale = min(weight / length) * (1 - 1e-9), the largest safe factor."""
    coords = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])
    # lengths 5, 4, 3; ratios 10 / 5 = 2, 12 / 4 = 3, 7.5 / 3 = 2.5
    csr = to_csr(3, [(0, 1, 10.0), (1, 2, 12.0), (2, 0, 7.5)])
    assert geometric_scale(*csr, coords, "euclidean") == 2.0 * (1.0 - 1e-9)


def test_zero_length_edges_impose_nothing():
    """A07, A08: an edge between coincident points does not enter the scale (a free one would make
    0 / 0); a graph of only such edges has scale 0."""
    coords = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    csr = to_csr(3, [(0, 1, 0.0), (1, 0, 2.0), (1, 2, 10.0)])
    with np.errstate(invalid="ignore", divide="ignore"):
        assert geometric_scale(*csr, coords, "euclidean") == 2.0 * (1.0 - 1e-9)
        assert geometric_scale(*to_csr(2, [(0, 1, 1.0), (1, 0, 0.0)]), np.ones((2, 2)), "euclidean") == 0.0


def test_bound_stays_below_an_edge_whose_ratio_rounds_up():
    """A10: for this edge (7.8 / d) * d rounds to 7.800000000000001 > 7.8; the 1e-9 shrink keeps the bound
    admissible (h[source] <= the only path's cost)."""
    coords = np.array([[3.1, 4.9], [8.9, 9.3]])
    csr = to_csr(2, [(0, 1, 7.8)])
    d = float(geometric_distance(coords[0], coords[1], "euclidean"))
    assert (7.8 / d) * d > 7.8  # the rounding this test is about
    h = geometric_heuristic(coords, 1, geometric_scale(*csr, coords, "euclidean"), "euclidean")
    assert h[0] <= 7.8 and h[1] == 0.0
    assert astar(*csr, 0, 1, h).cost == 7.8


def test_coords_and_heuristic_shapes_are_checked():
    """A12, A20: coords must be [n, 2] and the heuristic [n]; a wrong shape is InvalidArgumentError."""
    csr = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    with pytest.raises(InvalidArgumentError, match=r"coords has shape \(3, 3\), expected \(3, 2\)"):
        geometric_scale(*csr, np.zeros((3, 3)), "euclidean")
    with pytest.raises(InvalidArgumentError, match=r"heuristic has shape \(3, 1\), expected \(3,\)"):
        astar(*csr, 0, 2, np.zeros((3, 1)))
    with pytest.raises(InvalidArgumentError, match="heuristic has shape"):
        astar(*csr, 0, 2, np.zeros((1, 3)))


def test_parallel_ties_go_to_the_lower_edge_position_like_dijkstra():
    """A15: between equal parallel edges A* keeps the first one found, the lower CSR position, as dijkstra
    does (relaxing on <= takes the later one; on a zero-weight cycle it even makes the predecessors
    circular and the walk back from the target never ends)."""
    from graphroute.paths import dijkstra

    # 0 -> 1 twice (positions 0, 1), 1 -> 2 three times (2, 3, 4), all weight 1; a zero bound and an exact one
    indptr, indices, weights = [0, 2, 5, 5], [1, 1, 2, 2, 2], [1.0] * 5
    for h in (np.zeros(3), np.array([2.0, 1.0, 0.0])):
        p = astar(indptr, indices, weights, 0, 2, h)
        assert p.nodes == (0, 1, 2) and p.edges == (0, 2) and p.cost == 2.0
        assert p.edges == dijkstra(indptr, indices, weights, 0, 2).edges


def test_a_nan_heuristic_is_refused_not_a_wrong_path():
    """Walkthrough finding: a NaN heuristic (or a NaN scale) returned a path 2.9x longer than Dijkstra's."""
    from graphroute.graphs.synthetic import synthetic_graph

    g = synthetic_graph("delaunay", 200, seed=2)
    w = g.weights()
    with pytest.raises(InvalidArgumentError, match=r"heuristic\[0\] is nan"):
        astar(g.indptr, g.indices, w, 3, 100, np.full(200, np.nan))
    with pytest.raises(InvalidArgumentError, match="heuristic must hold numbers"):
        astar(g.indptr, g.indices, w, 3, 100, ["a"] * 200)
    for scale in (math.nan, -1.0, "1", None, True):
        with pytest.raises(InvalidArgumentError, match="scale must be a finite number >= 0"):
            geometric_heuristic(g.coords, 100, scale, metric="euclidean")
