"""distance_matrix on its own (a mutation audit of graphroute/problems/distances.py): a convention it
does not compute (``EXPLICIT``, a misspelt or lower-case name) raises, never falls back to Euclidean;
the conventions it does compute agree with TSPLIB 95 worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphroute.problems.distances import DISTANCE_TYPES, distance_matrix

COORDS = np.array([[0.0, 0.0], [3.0, 4.0], [1.5, 2.0]])


@pytest.mark.parametrize("kind", ["EXPLICIT", "EUC_3D", "euc_2d", ""])
def test_a_convention_it_does_not_compute_raises(kind):
    with pytest.raises(ValueError, match="unknown distance type .*; available: EXACT, EUC_2D"):
        distance_matrix(COORDS, kind)


@pytest.mark.parametrize(
    "kind,want01,want02",
    [
        ("EXACT", 5.0, 2.5),
        ("EUC_2D", 5.0, 3.0),  # nint(2.5) = 3
        ("CEIL_2D", 5.0, 3.0),
        ("ATT", 2.0, 1.0),  # sqrt(25 / 10) = 1.58 -> 2; sqrt(6.25 / 10) = 0.79 -> 1
        ("MAN_2D", 7.0, 4.0),  # nint(3.5) = 4
        ("MAX_2D", 4.0, 2.0),
    ],
)
def test_planar_conventions_by_hand(kind, want01, want02):
    d = distance_matrix(COORDS, kind)
    assert d.dtype == np.float64 and d.shape == (3, 3) and not d.diagonal().any()
    assert d[0, 1] == d[1, 0] == want01 and d[0, 2] == d[2, 0] == want02


def test_every_listed_convention_but_explicit_is_computed():
    for kind in DISTANCE_TYPES:
        if kind != "EXPLICIT":
            assert np.all(np.isfinite(distance_matrix(COORDS, kind)))
    geo = distance_matrix(np.array([[16.47, 96.10], [16.47, 94.44]]), "GEO")  # burma14 cities 1 and 2
    assert geo[0, 1] == geo[1, 0] == 153.0 and math.isclose(geo[0, 0], 0.0)
