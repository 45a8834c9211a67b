"""TSPLIB corners no shipped instance has: column-major EXPLICIT formats, a depot that is not node 1, a
fractional ``.sol`` cost. Each pins a mutation the rest of the suite let through (a mutation audit,
2026-12-02)."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems.tsplib import parse_tsplib, read_sol


def explicit(n: int, fmt: str, values: str) -> str:
    return (f"NAME : u\nTYPE : TSP\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : {fmt}\n"
            f"EDGE_WEIGHT_SECTION\n{values}\nEOF\n")


def test_upper_col_is_read_column_by_column():
    # columns of the upper triangle: (0,1) | (0,2) (1,2) | (0,3) (1,3) (2,3)
    d = parse_tsplib(explicit(4, "UPPER_COL", "1 2 3 4 5 6")).distances
    assert (d[0, 1], d[0, 2], d[1, 2], d[0, 3], d[1, 3], d[2, 3]) == (1, 2, 3, 4, 5, 6)
    assert np.array_equal(d, d.T) and not d.diagonal().any()


def test_upper_diag_col_is_read_column_by_column():
    d = parse_tsplib(explicit(3, "UPPER_DIAG_COL", "0 1 0 2 3 0")).distances
    assert (d[0, 1], d[0, 2], d[1, 2]) == (1, 2, 3) and np.array_equal(d, d.T) and not d.diagonal().any()


def test_a_depot_other_than_node_1_is_refused_not_misread():
    text = ("NAME : t\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n"
            "1 0 0\n2 1 0\n3 0 1\nDEMAND_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n2\n-1\nEOF\n")
    with pytest.raises(InvalidInstanceError, match=r"depot as node 1, got \[2\]"):
        parse_tsplib(text)


def test_a_fractional_sol_cost_is_kept(tmp_path):
    path = tmp_path / "x.sol"
    path.write_text("Route #1: 1 2\nCost 27591.5\n")
    routes, cost = read_sol(path)
    assert routes == [[1, 2]] and cost == 27591.5
