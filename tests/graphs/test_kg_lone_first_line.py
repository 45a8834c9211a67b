"""A first line the reader does not take as a header (``e1 r e2``, ``node1 edge_type node2``) is read as a
triple, as the README says; when it shares no entity and no relation with any other triple it is most
likely a header, and a warning says so (at build, and on every command that reads the KG)."""

from __future__ import annotations

import pytest

from graphroute.graphs.kg import kg_warnings, read_kg
from graphroute.neural.kg.data import KGData


def _folder(tmp_path, train, valid="", test=""):
    for split, text in (("train", train), ("valid", valid), ("test", test)):
        if text:
            (tmp_path / f"{split}.txt").write_text(text)
    return tmp_path


@pytest.mark.parametrize("first", ["e1\tr\te2", "node1\tedge_type\tnode2", "x\tx_rel\tx"])
def test_an_unknown_header_is_read_as_a_triple_and_warned_about(tmp_path, first):
    g = read_kg(_folder(tmp_path, f"{first}\na\tp\tb\nb\tp\tc\n"))
    assert g.meta["triples"]["train"] == 3
    assert g.meta["lone_first_line"] == {"train": first.split("\t")}
    warning = [w for w in kg_warnings(g.meta) if "first line" in w]
    assert warning == [f"the first line of the train file ({first.replace(chr(9), ' ')}) shares no entity and no "
                       "relation with any other triple: if it is a header, name its columns head relation tail (or "
                       "remove it); it is read as a triple"]
    assert warning[0] in KGData.from_path(tmp_path).warnings()


@pytest.mark.parametrize("train", [
    "a\tp\tb\nb\tq\tc\n",  # shares entity b
    "a\tp\tb\nc\tp\td\n",  # shares relation p
    "head\trelation\ttail\na\tp\tb\nc\tq\td\n",  # a known header: dropped, not warned about
    "a\tp\tb\n",  # one triple: nothing to compare with
])
def test_no_warning_when_the_first_line_is_connected_or_a_known_header(tmp_path, train):
    g = read_kg(_folder(tmp_path, train))
    assert "lone_first_line" not in g.meta and not [w for w in kg_warnings(g.meta) if "first line" in w]


def test_each_split_is_checked_against_the_whole_kg(tmp_path):
    """A valid file's first line connected only to training triples is fine; a lone one is named by split."""
    g = read_kg(_folder(tmp_path, "a\tp\tb\nb\tp\tc\n", valid="a\tp\tc\n", test="t1\tcol\tt2\nc\tp\ta\n"))
    assert g.meta["lone_first_line"] == {"test": ["t1", "col", "t2"]}


def test_a_numeric_triples_csv_misread_as_traffic_says_how_to_read_it_as_a_kg(tmp_path):
    """32,1004,92 lines look like from,to,cost: when the traffic reader refuses the file, the error says it was
    read as traffic and names graph build kg (which reads it as triples)."""
    from graphroute.exceptions import InvalidInstanceError
    from graphroute.graphs import read_any

    f = tmp_path / "num.csv"
    f.write_text("1,5,2\n2,6,3\n1,5,4\n")  # relation 5 twice from entity 1: a repeated edge as traffic
    with pytest.raises(InvalidInstanceError, match=r"read as a traffic from,to,cost file; if it holds knowledge-graph "
                                                   r"triples, build it with 'graph build kg' first\)$"):
        read_any(f)
    assert read_kg(f).meta["triples"]["train"] == 3


def test_the_same_unknown_header_on_every_split_is_warned_about(tmp_path):
    """'e1 r e2' on top of train, valid and test shares names only with its own copies: it was warned about
    only as 'also training triples' (as one of two valid/test triples), not as a likely header."""
    g = read_kg(_folder(tmp_path, "e1\tr\te2\na\tp\tb\nb\tp\tc\n", valid="e1\tr\te2\na\tp\tc\n",
                        test="e1\tr\te2\nc\tp\ta\n"))
    assert g.meta["lone_first_line"] == {s: ["e1", "r", "e2"] for s in ("train", "valid", "test")}
    assert len([w for w in kg_warnings(g.meta) if "first line" in w]) == 3


def test_a_triple_repeated_on_top_of_two_splits_that_links_to_others_is_not_a_header(tmp_path):
    g = read_kg(_folder(tmp_path, "a\tp\tb\nb\tp\tc\n", valid="a\tp\tb\nc\tp\ta\n"))
    assert "lone_first_line" not in g.meta
