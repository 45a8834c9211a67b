"""TSPLIB reading in the corners no shipped file reaches (text after EOF, data on a section's own line,
LOWER_COL, the default EDGE_WEIGHT_FORMAT, short or out-of-range node lines, several depots), and the
distance conventions against the literature: Held-Karp optima of the shared burma14 / ulysses16 (GEO) and
gr17 (EXPLICIT LOWER_DIAG_ROW) from the checker's own edge costs equal their published optimal lengths.
Each test pins a mutation the rest of the suite let through (a mutation audit of graphroute/problems)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from graphroute.check import edge_cost
from graphroute.exceptions import InvalidInstanceError, InvalidSolutionError
from graphroute.problems import parse_tsplib, read_instance
from graphroute.problems.tsplib import format_sol, read_sol

SHARED_DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()

COORDS = "NAME : c\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n{rows}EOF\n"
CVRP = ("NAME : v\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n{extra}NODE_COORD_SECTION\n"
        "1 0 0\n2 3 0\n3 0 4\nDEMAND_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n{depots}-1\nEOF\n")


def explicit(n: int, fmt: str | None, values: str, typ: str = "TSP") -> str:
    line = f"EDGE_WEIGHT_FORMAT : {fmt}\n" if fmt else ""
    return (f"NAME : u\nTYPE : {typ}\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\n{line}"
            f"EDGE_WEIGHT_SECTION\n{values}\nEOF\n")


def held_karp(d: np.ndarray) -> float:
    """Optimal closed-tour length of the (possibly asymmetric) matrix ``d``: O(2^n n^2) dynamic programme."""
    d = np.asarray(d, dtype=np.float64)
    m = len(d) - 1  # node 0 starts the tour; bit j stands for node j + 1
    full = 1 << m
    dp = np.full((full, m), np.inf)
    for j in range(m):
        dp[1 << j, j] = d[0, j + 1]
    pop = np.array([bin(x).count("1") for x in range(full)])
    inner = d[1:, 1:]
    for size in range(2, m + 1):
        masks = np.flatnonzero(pop == size)
        for j in range(m):
            sel = masks[(masks >> j) & 1 == 1]
            dp[sel, j] = (dp[sel ^ (1 << j)] + inner[:, j]).min(axis=1)
    return float((dp[full - 1] + d[1:, 0]).min())


def test_held_karp_agrees_with_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(5):
        d = rng.integers(1, 50, (6, 6))
        best = min(sum(d[a, b] for a, b in zip((0, *p), (*p, 0))) for p in itertools.permutations(range(1, 6)))
        assert held_karp(d) == best


@pytest.mark.parametrize("name", ["burma14", "ulysses16", "gr17"])
def test_small_tsplib_optima_from_the_checker(name):
    """GEO (with TSPLIB's truncated degrees, PI = 3.141592) and LOWER_DIAG_ROW give the published optima."""
    base = SHARED_DATA / "vrp" / "tsplib"
    if not (base / f"{name}.tsp").is_file():
        pytest.skip(f"shared benchmark data not found at {base}")
    with open(base / "optimal_tour_lengths.csv", newline="") as fh:
        optimum = {r["name"]: float(r["optimal_tour_length"]) for r in csv.DictReader(fh)}[name]
    inst = read_instance(base / f"{name}.tsp")
    ref = np.array([[edge_cost(inst, i, j) for j in range(inst.n)] for i in range(inst.n)])
    assert held_karp(ref) == optimum == inst.bks
    np.testing.assert_array_equal(inst.distances[~np.eye(inst.n, dtype=bool)], ref[~np.eye(inst.n, dtype=bool)])


# ------------------------------------------------------------------ file layout
def test_text_after_eof_is_ignored():
    inst = parse_tsplib(COORDS.format(rows="1 0 0\n2 3 4\n3 0 4\n") + "garbage that is no header\n4 9 9\n")
    assert inst.n == 3 and inst.distances[0, 1] == 5


def test_data_on_the_section_line_is_read():
    inst = parse_tsplib(explicit(3, "UPPER_ROW", "").replace("EDGE_WEIGHT_SECTION\n", "EDGE_WEIGHT_SECTION 1 2\n3"))
    assert inst.distances.tolist() == [[0, 1, 2], [1, 0, 3], [2, 3, 0]]


def test_a_header_line_closes_the_section():
    text = COORDS.format(rows="1 0 0\n2 3 4\nCOMMENT : inside\n3 0 4\n")
    with pytest.raises(InvalidInstanceError, match="unexpected line outside any section: '3 0 4'"):
        parse_tsplib(text)


def test_lower_col_is_read_column_by_column():
    # columns of the lower triangle: (1,0) (2,0) (3,0) | (2,1) (3,1) | (3,2)
    d = parse_tsplib(explicit(4, "LOWER_COL", "1 2 3 4 5 6")).distances
    assert (d[1, 0], d[2, 0], d[3, 0], d[2, 1], d[3, 1], d[3, 2]) == (1, 2, 3, 4, 5, 6)
    assert np.array_equal(d, d.T) and not d.diagonal().any()


def test_missing_edge_weight_format_means_full_matrix():
    d = parse_tsplib(explicit(3, None, "0 1 2 5 0 3 2 3 0", typ="ATSP")).distances
    assert d.tolist() == [[0, 1, 2], [5, 0, 3], [2, 3, 0]]


def test_display_data_gives_drawing_coordinates_only():
    text = explicit(3, "UPPER_ROW", "10 20 30").replace("EOF\n", "DISPLAY_DATA_SECTION\n1 0 0\n2 1 0\n3 0 1\nEOF\n")
    inst = parse_tsplib(text)
    assert inst.distance_type == "EXPLICIT" and inst.coords.tolist() == [[0, 0], [1, 0], [0, 1]]
    assert inst.distances[0, 1] == 10


# ------------------------------------------------------------------ node lines
def test_coordinate_line_with_one_number_is_too_short():
    with pytest.raises(InvalidInstanceError, match="line '2 5' has too few fields"):
        parse_tsplib(COORDS.format(rows="1 0 0\n2 5\n3 0 4\n"))


def test_node_just_past_dimension_is_refused():
    with pytest.raises(InvalidInstanceError, match=r"node 4 outside 1\.\.3"):
        parse_tsplib(COORDS.format(rows="1 0 0\n2 3 4\n4 0 4\n"))


def test_dimension_zero_is_refused():
    with pytest.raises(InvalidInstanceError, match="DIMENSION must be positive, got 0"):
        parse_tsplib(COORDS.replace("DIMENSION : 3", "DIMENSION : 0").format(rows="1 0 0\n"))


# ------------------------------------------------------------------ cvrp variants
def test_route_length_limit_is_an_unsupported_variant():
    with pytest.raises(InvalidInstanceError, match="header key DISTANCE"):
        parse_tsplib(CVRP.format(extra="DISTANCE : 100\n", depots="1\n"))
    assert parse_tsplib(CVRP.format(extra="", depots="1\n")).capacity == 10


def test_several_depots_are_refused():
    with pytest.raises(InvalidInstanceError, match=r"single-depot CVRP with the depot as node 1, got \[1, 2\]"):
        parse_tsplib(CVRP.format(extra="", depots="1\n2\n"))


# ------------------------------------------------------------------ .sol files
def test_sol_without_routes_is_refused(tmp_path):
    path = tmp_path / "x.sol"
    path.write_text("Cost 5\n")
    with pytest.raises(InvalidSolutionError, match="no 'Route #k:' lines found"):
        read_sol(path)


def test_format_sol_numbers_non_empty_routes_and_prints_whole_costs_as_integers(tmp_path):
    assert format_sol([[1], [], [2, 3]], 12.0) == "Route #1: 1\nRoute #2: 2 3\nCost 12\n"
    assert format_sol([[1]], 12.5) == "Route #1: 1\nCost 12.5\n"
    path = tmp_path / "y.sol"
    path.write_text(format_sol([[1], [], [2, 3]], 12.0))
    assert read_sol(path) == ([[1], [2, 3]], 12.0)


@pytest.mark.parametrize("typ", ["HCP", "SOP", "TOUR", "CVRPTW"])
def test_other_problem_types_are_refused(typ):
    with pytest.raises(InvalidInstanceError, match=f"unsupported problem TYPE '{typ}'"):
        parse_tsplib(COORDS.replace("TYPE : TSP", f"TYPE : {typ}").format(rows="1 0 0\n2 3 4\n3 0 4\n"))


def test_too_many_matrix_numbers_do_not_suggest_a_truncated_file(tmp_path):
    from graphroute.exceptions import InvalidInstanceError
    from graphroute.problems.io import read_instance

    text = ("NAME: a\nTYPE: ATSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
            "EDGE_WEIGHT_SECTION\n0 1 2\n3 0 1\n{}\nEOF\n")
    (tmp_path / "long.atsp").write_text(text.format("1 1 0 7 7"))
    with pytest.raises(InvalidInstanceError, match=r"holds 11 numbers, but FULL_MATRIX with DIMENSION 3 needs 9 "
                                                   r"\(a wrong DIMENSION or EDGE_WEIGHT_FORMAT\?\)"):
        read_instance(tmp_path / "long.atsp")
    (tmp_path / "short.atsp").write_text(text.format("1 1"))
    with pytest.raises(InvalidInstanceError, match=r"holds 8 numbers, .* needs 9 \(truncated file\?\)"):
        read_instance(tmp_path / "short.atsp")
