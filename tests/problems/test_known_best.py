"""Known best costs beside a file: which one is taken, whether its routes hold, and what is said."""

from __future__ import annotations

import json

import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems import instance_from_dict, parse_tsplib, read_instance
from graphroute.solvers import solve

# 4 nodes on a 10 x 10 square, EUC_2D; routes [1, 3] and [2] cost 10 + 10 + 14 and 20 = 54
from tests.problems.test_input_limits import CVRP as _WITH_COMMENT  # noqa: E402

CVRP = _WITH_COMMENT.replace("COMMENT : {comment}\n", "").replace("{extra}", "")

SQUARE = """NAME : {name}
TYPE : TSP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
{extra}NODE_COORD_SECTION
1 0 0
2 0 10
3 10 10
4 10 0
EOF
"""
FIXED = "FIXED_EDGES_SECTION\n1 3\n-1\n"


def _cvrp(tmp_path, sol: str, name: str = "sq"):
    (tmp_path / f"{name}.vrp").write_text(CVRP.format(name=name))
    (tmp_path / f"{name}.sol").write_text(sol)
    return read_instance(tmp_path / f"{name}.vrp")


# ------------------------------------------------------------------ item 2: a .sol's routes are re-costed
def test_sol_whose_routes_cost_its_cost_line_is_checked(tmp_path):
    inst = _cvrp(tmp_path, "Route #1: 1 3\nRoute #2: 2\nCost 54\n")
    assert (inst.bks, inst.bks_checked) == (54.0, True) and "bks_note" not in inst.meta


def test_sol_whose_routes_cost_otherwise_keeps_the_cost_line_with_a_note(tmp_path):
    inst = _cvrp(tmp_path, "Route #1: 1 3\nRoute #2: 2\nCost 52\n")
    assert (inst.bks, inst.bks_source, inst.bks_checked) == (52.0, "sq.sol", False)
    assert inst.meta["bks_note"] == "sq.sol: its routes cost 54 (Cost line 52); the Cost line is the reference"


def test_sol_whose_routes_are_infeasible_keeps_the_cost_line_with_a_note(tmp_path):
    inst = _cvrp(tmp_path, "Route #1: 1 1\nRoute #2: 2\nCost 54\n")
    assert (inst.bks, inst.bks_checked) == (54.0, False)
    note = inst.meta["bks_note"]
    assert note.startswith("sq.sol: its routes are not a feasible solution of this instance (")
    assert "more than once: 1" in note and "never visited: 3" in note
    assert note.endswith("the Cost line 54 is the reference")


def test_sol_check_reaches_solve_json(tmp_path):
    inst = _cvrp(tmp_path, "Route #1: 1 3\nRoute #2: 2\nCost 52\n")
    obj = solve(inst, "savings", time_limit=1).to_dict()
    assert obj["bks_checked"] is False and "routes cost 54" in obj["meta"]["bks_note"]
    assert list(obj)[-2:] == ["below_bks", "bks_checked"]


@pytest.mark.parametrize(
    "name,note",
    [
        ("B/B-n50-k8", "B-n50-k8.sol: its routes are not a feasible solution of this instance (node(s) visited "
                       "more than once: 2; node(s) never visited: 3); the Cost line 1312 is the reference"),
        ("B/B-n57-k7", "B-n57-k7.sol: its routes cost 1155 (Cost line 1153); the Cost line is the reference"),
        ("E/E-n30-k3", "E-n30-k3.sol: its routes cost 537 (Cost line 534); the Cost line is the reference"),
    ],
)
def test_shipped_defective_sol_files_are_noted(shared_data, name, note):
    inst = read_instance(shared_data / f"vrp/cvrplib/classic/{name}.vrp")
    assert inst.bks_checked is False and inst.meta["bks_note"] == note


def test_shipped_good_sol_is_checked(shared_data):
    inst = read_instance(shared_data / "vrp/cvrplib/classic/E/E-n13-k4.vrp")
    assert (inst.bks, inst.bks_checked) == (247.0, True) and "bks_note" not in inst.meta


def test_bks_without_routes_is_not_checked(tmp_path, examples):
    assert read_instance(examples / "cvrp50.json", bks=700).bks_checked is None
    (tmp_path / "sq.vrp").write_text(CVRP.format(name="sq"))
    (tmp_path / "bks.csv").write_text("name,bks\nsq,54\n")
    assert read_instance(tmp_path / "sq.vrp").bks_checked is None


# ------------------------------------------------------------------ item 3: file name first; FIXED_EDGES
def test_file_name_row_wins_over_the_name_header_row(tmp_path):
    (tmp_path / "b.tsp").write_text(SQUARE.format(name="a", extra=""))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\na,41\nb,40\n")
    inst = read_instance(tmp_path / "b.tsp")
    assert (inst.name, inst.bks, inst.meta["name_header"]) == ("b", 40.0, "a")


def test_name_header_row_is_still_used_when_the_file_has_none(tmp_path):
    (tmp_path / "b.tsp").write_text(SQUARE.format(name="a", extra=""))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\na,40\n")
    assert read_instance(tmp_path / "b.tsp").bks == 40.0


def test_fixed_edges_take_the_plain_instance_closed_tour_value(tmp_path):
    (tmp_path / "sqhp.tsp").write_text(SQUARE.format(name="sq", extra=FIXED))
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="sq", extra=""))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nsq,40\nsqhp,30\n")
    inst = read_instance(tmp_path / "sqhp.tsp")
    assert (inst.name, inst.bks, inst.bks_source) == ("sqhp", 40.0, "optimal_tour_lengths.csv (sq)")
    assert inst.meta["note"] == ("FIXED_EDGES ignored: solved as the closed tour of sq's points (sq.tsp holds the "
                                 "same nodes); the known best 40 is sq's closed-tour value (sqhp's listed 30 is for "
                                 "the fixed-edge variant)")


@pytest.mark.parametrize(
    "plain,why",
    [
        (None, "no file sq.tsp with the same nodes beside it"),
        (SQUARE.format(name="sq", extra="").replace("4 10 0", "4 10 1"),
         "no file sq.tsp with the same nodes beside it"),  # other points: not the plain instance
        (SQUARE.format(name="sq", extra=""), None),
    ],
)
def test_fixed_edges_without_a_verified_plain_instance_have_no_bks(tmp_path, plain, why):
    (tmp_path / "sqhp.tsp").write_text(SQUARE.format(name="sq", extra=FIXED))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nsqhp,30\n")
    if plain is not None:
        (tmp_path / "sq.tsp").write_text(plain)
    inst = read_instance(tmp_path / "sqhp.tsp")
    why = why or "no known best for sq"
    assert inst.bks is None
    assert inst.meta["note"] == (f"FIXED_EDGES ignored: solved as a closed tour, with no known best ({why}; "
                                 "sqhp's listed 30 is for the fixed-edge variant)")


def test_linhp318_is_reported_as_itself_with_lin318s_closed_tour_optimum(shared_data):
    inst = read_instance(shared_data / "vrp/tsplib/linhp318.tsp")
    assert inst.name == "linhp318" and inst.meta["name_header"] == "lin318"
    assert (inst.bks, inst.bks_source) == (42029.0, "optimal_tour_lengths.csv (lin318)")
    assert "FIXED_EDGES ignored" in inst.meta["note"] and "41345 is for the fixed-edge variant" in inst.meta["note"]
    assert read_instance(shared_data / "vrp/tsplib/lin318.tsp").bks == 42029.0


# ------------------------------------------------------------------ item 9: NAME headers with a suffix
@pytest.mark.parametrize("header", ["sq.tsp", "sq.TSP", "sq.vrp", "sq.atsp", "sq.sop", "sq.hcp", "sq"])
def test_name_header_suffix_is_stripped(header):
    assert parse_tsplib(SQUARE.format(name=header, extra="")).name == "sq"


@pytest.mark.parametrize("name", ["pa561", "ulysses16"])
def test_shipped_names_without_suffix(shared_data, name):
    inst = read_instance(shared_data / f"vrp/tsplib/{name}.tsp")
    assert inst.name == name and "name_header" not in inst.meta and inst.bks is not None


# ------------------------------------------------------------------ item 4: a known best of 0
def test_bks_zero_in_a_json_instance_is_an_error():
    with pytest.raises(InvalidInstanceError, match=r"known best cost \(bks\) must be a finite number > 0, got 0"):
        instance_from_dict({"problem": "tsp", "coords": [[0, 0], [1, 0]], "bks": 0})


def test_bks_zero_beside_the_file_is_not_used(tmp_path):
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="sq", extra=""))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nsq,0\n")
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks is None and "must be a finite number > 0, got 0; not used" in inst.meta["bks_note"]


def test_bks_zero_json_file(tmp_path):
    (tmp_path / "z.json").write_text(json.dumps({"problem": "tsp", "coords": [[0, 0], [1, 0]], "bks": 0}))
    with pytest.raises(InvalidInstanceError, match="> 0"):
        read_instance(tmp_path / "z.json")


@pytest.mark.parametrize("table,value,note", [
    ("optimal_tour_lengths.csv", "abc", "optimal_tour_lengths.csv: sq's optimal_tour_length 'abc' is not a number; not used"),
    ("optimal_tour_lengths.csv", "", "optimal_tour_lengths.csv: sq's optimal_tour_length '' is not a number; not used"),
    ("solutions", "abc", "solutions: sq's value 'abc' is not a number; not used"),
])
def test_a_known_best_that_is_not_a_number_is_noted_not_dropped(tmp_path, table, value, note):
    """0, nan and negative values got a bks_note; 'abc' and an empty cell were dropped without one."""
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="sq", extra=""))
    if table == "solutions":
        (tmp_path / "solutions").write_text(f"sq : {value}\n")
    else:
        (tmp_path / table).write_text(f"name,optimal_tour_length\nsq,{value}\n")
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks is None and inst.meta["bks_note"] == note


def test_an_instance_listed_twice_with_different_values_is_noted(tmp_path):
    """foo,784 then foo,785: the first was taken silently. The same row twice is fine."""
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="sq", extra=""))
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nsq,40\nsq,41,extra\n")
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks is None
    assert inst.meta["bks_note"] == "optimal_tour_lengths.csv: sq is listed 2 times with different values; not used"
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nsq,40\nsq,40\n")
    assert read_instance(tmp_path / "sq.tsp").bks == 40.0


@pytest.mark.parametrize("bad_sol", ["Cost 0\n", "Route #1: 1 2\nCost -5\n", None])
def test_an_unusable_value_is_skipped_for_the_next_source_and_said(tmp_path, bad_sol):
    """bks.csv's 0 (or an unusable .sol) stopped the lookup, so a valid 'solutions' entry was never read;
    the README says such a value is ignored: the next source is used and bks_note says what was skipped."""
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="sq", extra=""))
    (tmp_path / "bks.csv").write_text("name,bks\nsq,0\n")
    (tmp_path / "solutions").write_text("sq : 40\n")
    if bad_sol is not None:
        (tmp_path / "sq.sol").write_text(bad_sol)
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks == 40 and inst.bks_source == "solutions"
    assert "bks.csv" in inst.meta["bks_note"] and "not used" in inst.meta["bks_note"]
    if bad_sol is not None:
        assert inst.meta["bks_note"].startswith("sq.sol") or "in sq.sol" in inst.meta["bks_note"]
    (tmp_path / "solutions").write_text("sq : none\n")  # nothing usable anywhere: no bks, every reason said
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks is None and "bks.csv" in inst.meta["bks_note"] and "solutions" in inst.meta["bks_note"]


def test_an_unreadable_table_is_said_once_for_the_file_name_and_the_name_header(tmp_path):
    (tmp_path / "sq.tsp").write_text(SQUARE.format(name="square", extra=""))
    (tmp_path / "bks.csv").write_bytes(b"name,bks\n\xff\xfe,1\n")
    inst = read_instance(tmp_path / "sq.tsp")
    assert inst.bks is None and inst.meta["bks_note"].count("bks.csv") == 1
