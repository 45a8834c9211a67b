"""Reading and writing instances in the cases no other test builds: gzip and upper-case suffixes, the
.sol Cost-line tolerance, .opt.tour files (numbering, EOF, beside a CVRP), which known best wins, the
``optimum`` and ``solutions`` spellings, JSON round trips of fleets, durations and huge diagonals, and
file permissions. Each test pins a mutation the rest of the suite let through (a mutation audit of
graphroute/problems/io.py and tsplib.py)."""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems import Instance, instance_from_dict, read_instance, write_instance
from graphroute.problems.io import valid_bks
from graphroute.problems.tsplib import read_sol

# a 20 x 10 rectangle, EUC_2D: the perimeter 1-2-3-4 is 60, the crossing tour 1-3-2-4 is 22 + 20 + 22 + 20 = 84
RECT = ("NAME : {name}\nTYPE : TSP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
        "1 0 0\n2 0 10\n3 20 10\n4 20 0\nEOF\n")
# depot and 3 customers on a 10 x 10 square; routes [1, 3] and [2] cost 10 + 10 + 14 and 20 = 54
CVRP = ("NAME : {name}\nTYPE : CVRP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n"
        "1 0 0\n2 0 10\n3 10 0\n4 10 10\nDEMAND_SECTION\n1 0\n2 5\n3 5\n4 5\nDEPOT_SECTION\n1\n-1\nEOF\n")


# ------------------------------------------------------------------ file names
def test_gzip_instance_is_read_and_named_without_suffixes(tmp_path):
    with gzip.open(tmp_path / "r.tsp.gz", "wt") as fh:
        fh.write(RECT.format(name="r"))
    inst = read_instance(tmp_path / "r.tsp.gz")
    assert inst.name == "r" and inst.n == 4 and inst.distances[0, 2] == 22


def test_upper_case_suffix_is_read(tmp_path):
    (tmp_path / "R.TSP").write_text(RECT.format(name="R"))
    assert read_instance(tmp_path / "R.TSP").n == 4


def test_sol_with_a_byte_order_mark_keeps_its_first_route(tmp_path):
    (tmp_path / "a.sol").write_bytes("\ufeffRoute #1: 1 3\nRoute #2: 2\nCost 54\n".encode())
    assert read_sol(tmp_path / "a.sol") == ([[1, 3], [2]], 54.0)


def test_section_header_with_a_colon():
    from graphroute.problems import parse_tsplib

    inst = parse_tsplib(RECT.format(name="r").replace("NODE_COORD_SECTION\n", "NODE_COORD_SECTION:\n"))
    assert inst.n == 4 and inst.distances[0, 1] == 10


# ------------------------------------------------------------------ .sol Cost line tolerance
@pytest.mark.parametrize("cost", ["54.4", "54.00001", "53.9999"])
def test_integral_sol_cost_line_must_match_exactly(tmp_path, cost):
    (tmp_path / "sq.vrp").write_text(CVRP.format(name="sq"))
    (tmp_path / "sq.sol").write_text(f"Route #1: 1 3\nRoute #2: 2\nCost {cost}\n")
    inst = read_instance(tmp_path / "sq.vrp")
    assert inst.bks == float(cost) and inst.bks_checked is False
    assert inst.meta["bks_note"] == f"sq.sol: its routes cost 54 (Cost line {float(cost):g}); the Cost line is the reference"


def test_sol_without_cost_line_falls_through_to_the_table(tmp_path):
    (tmp_path / "sq.vrp").write_text(CVRP.format(name="sq"))
    (tmp_path / "sq.sol").write_text("Route #1: 1 3\nRoute #2: 2\n")
    (tmp_path / "bks.csv").write_text("name,bks\nsq,54\n")
    inst = read_instance(tmp_path / "sq.vrp")
    assert (inst.bks, inst.bks_source) == (54.0, "bks.csv") and "bks_note" not in inst.meta


# ------------------------------------------------------------------ .opt.tour
def test_opt_tour_is_numbered_from_1(tmp_path):
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    (tmp_path / "r.opt.tour").write_text("TOUR_SECTION\n1\n3\n2\n4\n-1\nEOF\n")
    inst = read_instance(tmp_path / "r.tsp")
    assert (inst.bks, inst.bks_checked) == (84.0, True)


def test_opt_tour_may_end_with_eof_alone(tmp_path):
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    (tmp_path / "r.opt.tour").write_text("TOUR_SECTION\n1 2 3 4\nEOF\n")
    assert read_instance(tmp_path / "r.tsp").bks == 60.0


def test_opt_tour_beside_a_cvrp_is_not_used(tmp_path):
    (tmp_path / "sq.vrp").write_text(CVRP.format(name="sq"))
    (tmp_path / "sq.opt.tour").write_text("TOUR_SECTION\n1\n2\n4\n3\n-1\nEOF\n")
    inst = read_instance(tmp_path / "sq.vrp")
    assert inst.bks is None and "bks_note" not in inst.meta


def test_listed_value_wins_over_the_opt_tour(tmp_path):
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    (tmp_path / "r.opt.tour").write_text("TOUR_SECTION\n1\n3\n2\n4\n-1\n")
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nr,60\n")
    inst = read_instance(tmp_path / "r.tsp")
    assert (inst.bks, inst.bks_source) == (60.0, "optimal_tour_lengths.csv")


# ------------------------------------------------------------------ tables
def test_optimum_column_is_read(tmp_path):
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    (tmp_path / "bks.csv").write_text("instance,optimum\nr,60\n")
    assert read_instance(tmp_path / "r.tsp").bks == 60.0


def test_solutions_list_matches_the_whole_name(tmp_path):
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    (tmp_path / "solutions").write_text("r2 : 99\nrr : 98\nr : 60\n")
    assert (read_instance(tmp_path / "r.tsp").bks, read_instance(tmp_path / "r.tsp").bks_source) == (60.0, "solutions")


def test_fixed_edge_file_beside_is_no_plain_instance(tmp_path):
    fixed = RECT.format(name="r").replace("EOF\n", "FIXED_EDGES_SECTION\n1 3\n-1\nEOF\n")
    (tmp_path / "rhp.tsp").write_text(fixed)
    (tmp_path / "r.tsp").write_text(fixed)  # same nodes, but fixed edges too: not the plain closed tour
    (tmp_path / "optimal_tour_lengths.csv").write_text("name,optimal_tour_length\nr,60\n")
    inst = read_instance(tmp_path / "rhp.tsp")
    assert inst.bks is None and "no file r.tsp with the same nodes beside it" in inst.meta["note"]


# ------------------------------------------------------------------ bks values
@pytest.mark.parametrize("bad", [True, False])
def test_boolean_bks_is_refused(tmp_path, bad):
    with pytest.raises(InvalidInstanceError, match="must be a finite number > 0"):
        valid_bks(bad)
    (tmp_path / "r.tsp").write_text(RECT.format(name="r"))
    with pytest.raises(InvalidInstanceError, match="must be a finite number > 0"):
        read_instance(tmp_path / "r.tsp", bks=bad)


# ------------------------------------------------------------------ JSON
def test_boolean_demand_in_json_names_the_field():
    obj = {"problem": "cvrp", "coords": [[0, 0], [1, 0]], "demands": [0, True], "capacity": 2}
    with pytest.raises(InvalidInstanceError, match="field 'demands' must hold only numbers"):
        instance_from_dict(obj)


def test_json_round_trip_keeps_fleet_durations_and_huge_diagonal(tmp_path):
    m = [[1e20, 1, 2], [1, 0, 3], [2, 3, 0]]
    inst = Instance("cvrp", name="f", distance_type="EXPLICIT", matrix=m, durations=[[0, 5, 6], [5, 0, 7], [6, 7, 0]],
                    demands=[0, 1, 1], capacity=1, num_vehicles=2)
    write_instance(inst, tmp_path / "f.json")
    back = read_instance(tmp_path / "f.json")
    assert back.num_vehicles == 2
    np.testing.assert_array_equal(back.durations, inst.durations)
    np.testing.assert_array_equal(back.matrix, inst.matrix)
    assert json.loads((tmp_path / "f.json").read_text())["matrix"][0][0] == 1e20


def test_written_file_follows_the_umask(tmp_path):
    write_instance(Instance("tsp", coords=[[0, 0], [1, 1]]), tmp_path / "p.json")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("field, value, got", [
    ("coords", [[0, 0], ["0.5", 1], [2, 2]], "got the text '0.5'"),
    ("coords", [[0, 0], [None, 1], [2, 2]], "got null"),
    ("coords", [[0, 0], [1, {"x": 1}], [2, 2]], "got dict"),
    ("matrix", [[0, 1, 2], [1, 0, "3"], [2, 3, 0]], "got the text '3'"),
])
def test_a_quoted_number_or_null_in_an_array_field_is_refused_by_name(field, value, got):
    """numpy would read "0.5" as 0.5 and null as NaN: the JSON must hold numbers, as demands must."""
    from graphroute.problems.io import instance_from_dict

    with pytest.raises(InvalidInstanceError, match=rf"^field '{field}' must hold only numbers, {got}$"):
        instance_from_dict({"problem": "tsp", field: value})
