"""Every shared TSPLIB / CVRPLIB file parses; distances agree with the checker's own scalar code."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from graphroute.check import check, edge_cost
from graphroute.exceptions import InvalidInstanceError
from graphroute.problems import parse_tsplib, read_instance, read_sol

from tests.conftest import SHARED_DATA


def _files(pattern: str) -> list:
    return sorted(SHARED_DATA.glob(pattern)) if SHARED_DATA.is_dir() else []


VRP_FILES = _files("vrp/cvrplib/**/*.vrp")
TSP_FILES = _files("vrp/tsplib/*.tsp")
DEFECTIVE = {"B-n50-k8", "B-n57-k7", "E-n30-k3"}


def _matrix_by_checker(inst, idx):
    return np.array([[edge_cost(inst, i, j) for j in idx] for i in idx])


@pytest.mark.parametrize("path", VRP_FILES + TSP_FILES, ids=lambda p: p.name)
def test_every_shared_instance_parses(path):
    inst = read_instance(path)
    assert inst.n >= 2
    assert inst.distances.shape == (inst.n, inst.n)
    assert np.all(np.isfinite(inst.distances))
    # the vectorised matrix and the checker's scalar code agree on a sample of arcs
    rng = np.random.default_rng(0)
    idx = rng.choice(inst.n, size=min(inst.n, 25), replace=False)
    np.testing.assert_array_equal(inst.distances[np.ix_(idx, idx)], _matrix_by_checker(inst, idx))
    if inst.problem == "cvrp":
        assert inst.demands[0] == 0 and inst.capacity > 0
    if inst.distance_type != "EXACT":
        assert inst.integral


def test_shared_files_found(shared_data):
    assert len(VRP_FILES) >= 100 and len(TSP_FILES) >= 50


@pytest.mark.parametrize("path", _files("vrp/cvrplib/X/*.vrp"), ids=lambda p: p.name)
def test_x_solutions_cost_exactly_bks(path):
    inst = read_instance(path)
    routes, cost = read_sol(path.with_suffix(".sol"))
    res = check(inst, routes)
    assert res.feasible, res.violations
    assert res.cost == cost == inst.bks


def test_x_bks_csv_agrees(shared_data):
    with open(shared_data / "vrp/cvrplib/X/bks.csv") as fh:
        rows = {r["name"]: float(r["bks"]) for r in csv.DictReader(fh)}
    for name, bks in rows.items():
        assert read_instance(shared_data / f"vrp/cvrplib/X/{name}.vrp").bks == bks


@pytest.mark.parametrize("path", _files("vrp/cvrplib/classic/*/*.vrp"), ids=lambda p: p.name)
def test_classic_solutions(path):
    inst = read_instance(path)
    routes, cost = read_sol(path.with_suffix(".sol"))
    res = check(inst, routes)
    if inst.name in DEFECTIVE:
        # the three defective files of the distribution: infeasible or not attaining the stated cost
        assert not res.feasible or res.cost != cost
    else:
        assert res.feasible, res.violations
        assert res.cost == cost


def test_defective_classic_reasons(shared_data):
    base = shared_data / "vrp/cvrplib/classic"
    inst = read_instance(base / "B/B-n50-k8.vrp")
    res = check(inst, read_sol(base / "B/B-n50-k8.sol")[0])
    assert not res.feasible
    assert any("more than once: 2" in v for v in res.violations)
    assert any("never visited: 3" in v for v in res.violations)
    for name, stated, real in [("B/B-n57-k7", 1153, 1155), ("E/E-n30-k3", 534, 537)]:
        inst = read_instance(base / f"{name}.vrp")
        routes, cost = read_sol(base / f"{name}.sol")
        res = check(inst, routes)
        assert res.feasible and cost == stated and res.cost == real


def test_euc2d_matches_vrplib_rounded(shared_data):
    """Cross-check against the vrplib package: its unrounded EUC_2D distances, nint-rounded, are ours."""
    import vrplib

    path = shared_data / "vrp/cvrplib/X/X-n101-k25.vrp"
    ref = vrplib.read_instance(str(path))
    ours = read_instance(path)
    np.testing.assert_array_equal(np.floor(ref["edge_weight"] + 0.5), ours.distances)
    np.testing.assert_array_equal(ref["demand"], ours.demands)
    assert ref["capacity"] == ours.capacity


def test_tsplib_optima_attached(shared_data):
    inst = read_instance(shared_data / "vrp/tsplib/att48.tsp")
    assert inst.distance_type == "ATT" and inst.bks == 10628
    assert read_instance(shared_data / "vrp/tsplib/dsj1000.tsp").distance_type == "CEIL_2D"
    hp = read_instance(shared_data / "vrp/tsplib/linhp318.tsp")
    # fixed edges are ignored: the closed tour of lin318's points, whose optimum is lin318's 42029
    assert hp.meta["fixed_edges"] == [[0, 213]] and hp.bks == 42029 and "FIXED_EDGES" in hp.meta["note"]


# --------------------------------------------------------------------------- synthetic files
def _explicit(fmt: str, body: str, n: int = 3) -> str:
    return f"NAME: t\nTYPE: TSP\nDIMENSION: {n}\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{body}\nEOF\n"


FULL = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])


@pytest.mark.parametrize(
    "fmt,body",
    [
        ("FULL_MATRIX", "0 1 2 1 0 3 2 3 0"),
        ("UPPER_ROW", "1 2 3"),
        ("LOWER_ROW", "1 2 3"),
        ("UPPER_DIAG_ROW", "0 1 2 0 3 0"),
        ("LOWER_DIAG_ROW", "0 1 0 2 3 0"),
        ("UPPER_COL", "1 2 3"),
        ("LOWER_DIAG_COL", "0 1 2 0 3 0"),
    ],
)
def test_explicit_formats(fmt, body):
    assert np.array_equal(parse_tsplib(_explicit(fmt, body)).distances, FULL)


def test_atsp_full_matrix_is_asymmetric():
    inst = parse_tsplib(_explicit("FULL_MATRIX", "0 1 2 5 0 3 2 3 0").replace("TYPE: TSP", "TYPE: ATSP"))
    assert inst.kind == "atsp" and inst.distances[1, 0] == 5


@pytest.mark.parametrize(
    "text,msg",
    [
        (_explicit("FULL_MATRIX", "0 1 2 1 0"), "truncated"),
        (_explicit("FULL_MATRIX", "0 1 x 1 0 3 2 3 0"), "not a number"),
        ("NAME: t\nTYPE: VRPTW\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n", "unsupported problem TYPE"),
        ("NAME: t\nTYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\n", "DIMENSION"),
        ("NAME: t\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n", "missing"),
        ("NAME: t\nTYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: XRAY\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n", "XRAY"),
        ("NAME: t\nTYPE: CVRP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nCAPACITY: 5\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n"
         "DEMAND_SECTION\n1 0\n2 9\nDEPOT_SECTION\n1\n-1\n", "exceeds vehicle capacity 5"),
        ("NAME: t\nTYPE: CVRP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nCAPACITY: 5\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n"
         "DEMAND_SECTION\n1 0\n2 1\nTIME_WINDOW_SECTION\n1 0 10\n", "TIME_WINDOW_SECTION"),
    ],
)
def test_bad_tsplib_text(text, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        parse_tsplib(text)
