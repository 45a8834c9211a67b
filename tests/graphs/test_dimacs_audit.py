"""DIMACS .gr / .co reading: cases a mutation audit found unchecked (id 0, extra header fields,
unexpected lines, missing or non-finite coordinates, a .co file that is not there, the SCC default)."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.road import read_dimacs


def _gr(tmp_path, text: str, co: str | None = None):
    gr = tmp_path / "g.gr"
    gr.write_text(text)
    if co is not None:
        (tmp_path / "g.co").write_text(co)
    return gr


@pytest.mark.parametrize("line", ["a 0 1 5", "a 1 0 5"])
def test_arc_on_node_zero_is_outside_the_range(tmp_path, line):
    gr = _gr(tmp_path, f"p sp 3 1\n{line}\n")
    with pytest.raises(InvalidInstanceError, match=r"g\.gr line 2: node id outside 1\.\.3"):
        read_dimacs(gr)


def test_problem_line_with_extra_fields_is_refused(tmp_path):
    gr = _gr(tmp_path, "p sp 3 1 7\na 1 2 5\n")
    with pytest.raises(InvalidInstanceError, match=r"line 1: bad problem line 'p sp 3 1 7'"):
        read_dimacs(gr)


@pytest.mark.parametrize("line", ["x 1 2 3", "e 1 2", "n 1"])
def test_unexpected_line_is_an_error_not_skipped(tmp_path, line):
    gr = _gr(tmp_path, f"p sp 3 1\na 1 2 5\n{line}\n")
    with pytest.raises(InvalidInstanceError, match=r"line 3: unexpected line"):
        read_dimacs(gr)


def test_coordinates_missing_for_some_nodes(tmp_path):
    gr = _gr(tmp_path, "p sp 3 1\na 1 2 5\n", co="v 1 7000000 43000000\nv 3 7001000 43001000\n")
    with pytest.raises(InvalidInstanceError, match=r"g\.co: coordinates missing for 1 nodes"):
        read_dimacs(gr)


def test_coordinate_of_node_zero_is_outside_the_range(tmp_path):
    gr = _gr(tmp_path, "p sp 2 1\na 1 2 5\n", co="v 0 1 1\nv 1 7000000 43000000\nv 2 7001000 43001000\n")
    with pytest.raises(InvalidInstanceError, match=r"g\.co line 1: node id 0 outside 1\.\.2"):
        read_dimacs(gr)


@pytest.mark.parametrize("xy", ["inf 43000000", "7000000 inf", "nan 1", "1 nan"])
def test_non_finite_coordinate_is_refused(tmp_path, xy):
    gr = _gr(tmp_path, "p sp 2 1\na 1 2 5\n", co=f"v 1 {xy}\nv 2 7001000 43001000\n")
    with pytest.raises(InvalidInstanceError, match=r"g\.co line 1: coordinate of node 1 is not finite"):
        read_dimacs(gr)


def test_short_coordinate_line_is_an_error(tmp_path):
    gr = _gr(tmp_path, "p sp 2 1\na 1 2 5\n", co="v 1 7000000\nv 2 7001000 43001000\n")
    with pytest.raises(InvalidInstanceError, match=r"g\.co line 1: bad coordinate line"):
        read_dimacs(gr)


def test_explicit_co_file_that_does_not_exist(tmp_path):
    gr = _gr(tmp_path, "p sp 2 1\na 1 2 5\n")
    with pytest.raises(InvalidInstanceError, match="no such file: .*elsewhere.co"):
        read_dimacs(gr, coords=tmp_path / "elsewhere.co")


def test_all_nodes_are_kept_unless_asked_for_the_scc(tmp_path):
    # 1 <-> 2 strongly connected, 2 -> 3 one-way, 4 isolated
    gr = _gr(tmp_path, "p sp 4 3\na 1 2 5\na 2 1 6\na 2 3 7\n")
    g = read_dimacs(gr)
    assert g.n_nodes == 4 and g.node_ids.tolist() == [1, 2, 3, 4] and g.n_edges == 3
    g = read_dimacs(gr, keep_largest_scc=False)
    assert g.n_nodes == 4
    s = read_dimacs(gr, keep_largest_scc=True)
    assert s.node_ids.tolist() == [1, 2] and sorted(s.edge_attrs["length"].tolist()) == [5.0, 6.0]
    np.testing.assert_array_equal(s.sources(), [0, 1])


@pytest.mark.parametrize("kind", ["max", "edge", "SP"])
def test_a_problem_type_other_than_sp_is_refused(tmp_path, kind):
    # a max-flow file ('p max n m') was read as a shortest-path graph
    gr = _gr(tmp_path, f"p {kind} 3 1\na 1 2 5\n")
    with pytest.raises(InvalidInstanceError, match=rf"line 1: problem type '{kind}', not 'sp'"):
        read_dimacs(gr)


def test_an_indented_comment_is_a_comment(tmp_path):
    g = read_dimacs(_gr(tmp_path, "c a road\n  c indented\np sp 3 1\n\tc tab\na 1 2 5\n"))
    assert g.n_nodes == 3 and g.n_edges == 1
