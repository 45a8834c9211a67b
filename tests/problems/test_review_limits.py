"""Reader limits from the fuzz review: huge numbers, impossible names beside a file, unreadable tables,
DIMENSION beyond the file, duplicate node rows, oversized fleets, a folder given as an instance."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems import Instance, read_instance
from graphroute.problems.instance import MAX_COORD, MAX_DISTANCE
from graphroute.problems.tsplib import parse_tsplib
from graphroute.solvers import solve
from tests.problems.test_input_limits import CVRP

TSP4 = """NAME : {name}
TYPE : TSP
DIMENSION : {dim}
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 {x2} {y2}
3 10 0
4 10 10
EOF
"""

# the 4-node CVRP of test_input_limits, with room for a repeated DEMAND_SECTION row before node 3's
CVRP4 = CVRP.format(name="c", comment="", extra="").replace("2 5\n3 5\n", "2 5\n{dup}3 5\n")


def tsp4(name="t", dim=4, x2="0", y2="10"):
    return TSP4.format(name=name, dim=dim, x2=x2, y2=y2)


def write_json(path, **changes):
    obj = {"problem": "tsp", "coords": [[0, 0], [0, 1], [1, 1], [1, 0]]}
    obj.update(changes)
    path.write_text(json.dumps(obj))
    return path


# -- 1: numbers whose distances overflow (OverflowError, math domain error, a hang, "duration": Infinity)
@pytest.mark.parametrize("coords,node", [
    ([[0, 0], [1e308, -1e308], [1, 1]], 1),
    ([[0, 0], [1, 1], [-MAX_COORD * 1.01, 0]], 2),
])
def test_coordinates_whose_distances_overflow_are_refused(coords, node):
    with pytest.raises(InvalidInstanceError, match=f"coordinates of node {node} are too large"):
        Instance("tsp", coords=coords)


def test_coordinates_at_the_bound_still_give_finite_distances():
    inst = Instance("tsp", coords=[[-MAX_COORD, -MAX_COORD], [MAX_COORD, MAX_COORD]], distance_type="MAN_2D")
    assert inst.distances.max() <= MAX_DISTANCE
    assert solve(inst, "savings", time_limit=1).to_dict()["cost"] == 2 * MAX_DISTANCE


@pytest.mark.parametrize("field,what", [("matrix", "distance matrix"), ("durations", "duration matrix")])
def test_huge_matrix_entries_are_refused_naming_the_entry(tmp_path, field, what):
    m = [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1e308, 0, 1], [1, 1, 1, 0]]
    f = write_json(tmp_path / "m.json", **{field: m})
    with pytest.raises(InvalidInstanceError, match=rf"{what}\[2\]\[1\] is too large \(1e\+308\); at most 1e\+15"):
        read_instance(f)


def test_huge_diagonal_is_still_ignored():
    inst = Instance("tsp", matrix=[[1e300, 3], [4, 1e300]], distance_type="EXPLICIT")
    assert solve(inst, "nearest", time_limit=1).cost == 7


def test_huge_vrp_coordinate_row_is_one_error():
    with pytest.raises(InvalidInstanceError, match="coordinates of node 1 are too large"):
        parse_tsplib(tsp4(x2="1e308", y2="-1e308"))


# -- 2: instance names that no file system takes, or that lead out of the folder
def test_long_json_name_is_no_known_best_file(tmp_path):
    f = write_json(tmp_path / "ln.json", name="n" * 300)
    inst = read_instance(f)  # was OSError: File name too long (sol.exists())
    assert inst.name == "n" * 300 and inst.bks is None


def test_long_vrp_name_is_no_known_best_file(tmp_path):
    f = tmp_path / "ln.tsp"
    f.write_text(tsp4(name="n" * 300))
    inst = read_instance(f)
    assert inst.meta["name_header"] == "n" * 300 and inst.bks is None


@pytest.mark.parametrize("name", ["../secret", "sub/x"])  # "a\x00b" is refused as a name (test_instance_audit)
def test_names_never_look_outside_the_folder(tmp_path, name):
    (tmp_path / "secret.sol").write_text("Route #1: 1 2 3\nCost 5\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.sol").write_text("Route #1: 1 2 3\nCost 5\n")
    folder = tmp_path / "inner"
    folder.mkdir()
    inst = read_instance(write_json(folder / "i.json", name=name))
    assert inst.bks is None and "bks_note" not in inst.meta


# -- 3: a bks.csv that is not UTF-8 text is ignored and noted
def test_non_utf8_bks_csv_is_noted_not_fatal(tmp_path):
    f = tmp_path / "t.tsp"
    f.write_text(tsp4())
    (tmp_path / "bks.csv").write_bytes(b"name,bks\n\xf0\x28\x8c\xbc\xff\xfe,1\n")
    inst = read_instance(f)  # was UnicodeDecodeError
    assert inst.bks is None and inst.meta["bks_note"].startswith("bks.csv: unreadable (UnicodeDecodeError")


def test_readable_bks_csv_still_gives_the_value(tmp_path):
    f = tmp_path / "t.tsp"
    f.write_text(tsp4())
    (tmp_path / "bks.csv").write_text("name,bks\nt,42\n")
    inst = read_instance(f)
    assert inst.bks == 42 and inst.bks_source == "bks.csv"


# -- 4: DIMENSION larger than the file can hold (np.full "Maximum allowed dimension", a misleading OOM)
@pytest.mark.parametrize("dim", ["99999999999999999999999", "3000000000", "5"])
def test_dimension_beyond_the_file_is_one_error(dim):
    with pytest.raises(InvalidInstanceError, match=f"node\\(s\\) missing: DIMENSION is {dim} but the section has 4"):
        parse_tsplib(tsp4(dim=dim))


def test_explicit_dimension_beyond_the_file_is_one_error():
    text = ("NAME: e\nTYPE: TSP\nDIMENSION: 3000000000\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            "EDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3\nEOF\n")
    with pytest.raises(InvalidInstanceError, match="holds 3 numbers, but UPPER_ROW with DIMENSION 3000000000 needs"):
        parse_tsplib(text)


# -- 9: a node row given twice
def test_duplicate_coordinate_row_is_refused():
    text = tsp4().replace("3 10 0\n", "3 10 0\n2 5 5\n").replace("DIMENSION : 4", "DIMENSION : 4")
    with pytest.raises(InvalidInstanceError, match="node 2 given twice in NODE_COORD_SECTION"):
        parse_tsplib(text)


def test_duplicate_demand_row_is_refused():
    with pytest.raises(InvalidInstanceError, match="node 2 given twice in DEMAND_SECTION"):
        parse_tsplib(CVRP4.format(dup="2 3\n"))
    assert parse_tsplib(CVRP4.format(dup="")).demands.tolist() == [0, 5, 5, 5]


# -- 6: a fleet larger than the customers (TypeError in PyVRP / OR-Tools at 2**70, gigabytes at 10**9)
@pytest.mark.parametrize("k", [2**70, 10**9, 51])
def test_more_vehicles_than_customers_is_refused(examples, tmp_path, k):
    obj = json.loads((examples / "cvrp50.json").read_text())
    obj["num_vehicles"] = k
    f = tmp_path / "nv.json"
    f.write_text(json.dumps(obj))
    with pytest.raises(InvalidInstanceError, match=f"num_vehicles {k} is more than the 50 customer"):
        read_instance(f)
    obj["num_vehicles"] = 50
    f.write_text(json.dumps(obj))
    assert read_instance(f).num_vehicles == 50  # one per customer is still fine


# -- 12: a folder given as the instance
def test_folder_is_said_to_be_a_folder(tmp_path):
    with pytest.raises(InvalidInstanceError, match="is a folder, not an instance file"):
        read_instance(tmp_path)


def test_name_too_long_for_the_file_system_is_one_error(tmp_path):
    with pytest.raises(InvalidInstanceError, match="cannot read"):
        read_instance(tmp_path / ("n" * 300 + ".json"))
    assert os.path.isdir(tmp_path)


def test_distances_of_valid_instances_are_unchanged(examples):
    inst = read_instance(examples / "cvrp50.json")
    assert np.isfinite(inst.distances).all() and inst.distances.max() < 2


# --- wrong types the JSON reader let through (fuzz review, low) ---------------------------------------------


def _json(tmp_path, text: str):
    path = tmp_path / "i.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ('{"problem": "tsp", "coords": [[0, 0], [true, false], [1, 1]]}', "field 'coords' must hold only numbers, got true/false"),
    ('{"problem": "tsp", "matrix": [[0, 1], [false, 0]]}', "field 'matrix' must hold only numbers, got true/false"),
    ('{"version": true, "problem": "tsp", "coords": [[0, 0], [1, 1]]}', "field 'version' must be the integer 1 (the format version this graphroute reads), got True"),
    ('{"problem": "tsp", "coords": [[0, 0], [1, 1]], "problem": "cvrp"}', "i.json: key 'problem' given twice"),
    ('{"problem": "tsp", "coords": [[0, 0], [1, 1]], "meta": {"a": 1, "a": 2}}', "key 'a' given twice"),
    # "1" said "unsupported version '1'; this graphroute reads 1"; [] said "must be a list of lists"
    ('{"version": "1", "problem": "tsp", "coords": [[0, 0], [1, 1]]}',
     "field 'version' must be the integer 1 (the format version this graphroute reads), got '1'"),
    ('{"problem": "tsp", "coords": []}', "field 'coords' is empty: an instance needs at least 1 node"),
    ('{"problem": "tsp", "matrix": []}', "field 'matrix' is empty: an instance needs at least 1 node"),
])
def test_booleans_repeated_keys_and_unreadable_fields_are_refused_by_name(tmp_path, text, message):
    """JSON true/false were read as 1/0 and a repeated key kept its last value, without a word."""
    with pytest.raises(InvalidInstanceError, match=re.escape(message)):
        read_instance(_json(tmp_path, text))


def test_compare_refuses_address_without_ray(tmp_path):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    example = Path(__file__).resolve().parents[2] / "data" / "examples" / "tsp20.json"
    res = CliRunner().invoke(app, ["compare", str(example), "--baseline", "nearest", "--address",
                                   "host:1", "--out", str(tmp_path / "c")])
    assert res.exit_code == 1 and "--address is the Ray cluster's address: it needs --executor ray" in res.stderr
    assert not (tmp_path / "c").exists()


def test_problem_is_read_in_any_letter_case_like_distance(tmp_path):
    inst = read_instance(_json(tmp_path, '{"problem": "CVRP", "distance": "euc_2d", "coords": [[0, 0], [3, 4]], '
                                         '"demands": [0, 1], "capacity": 1}'))
    assert inst.problem == "cvrp" and inst.distance_type == "EUC_2D"
