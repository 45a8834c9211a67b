"""graphroute.paths.query on a minimal object with the Graph interface (the CLI tests use real graphs)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError, UnknownNameError
from graphroute.paths.query import parse_clock, read_pairs, run_query, time_profile, verbalize
from tests.paths._graphs import to_csr


def tiny_kg():
    # aspirin(0) -treats-> headache(1) -symptom_of-> migraine(2); aspirin -causes-> migraine (cost 5)
    indptr, indices, weights = to_csr(3, [(0, 1, 1.0), (0, 2, 5.0), (1, 2, 1.0)])
    names = ["aspirin", "headache", "migraine"]

    def node_index(key):
        if key not in names:
            raise UnknownNameError(f"unknown entity {key!r}")
        return names.index(key)

    return SimpleNamespace(
        indptr=indptr, indices=indices, kind="kg", meta={},
        edge_attrs={"relation": np.array([0, 2, 1])},  # CSR order: 0->1 treats, 0->2 causes, 1->2 symptom_of
        relation_names=["treats", "symptom_of", "causes"],
        weights=lambda name=None: weights, node_index=node_index, node_label=lambda i: names[i],
    )


def test_run_query_and_verbalize():
    g = tiny_kg()
    paths = run_query(g, "aspirin", "migraine", k=5)
    assert [p.cost for p in paths] == [2.0, 5.0]
    assert verbalize(g, paths[0]) == "aspirin -[treats]-> headache -[symptom_of]-> migraine"
    assert verbalize(g, paths[1]) == "aspirin -[causes]-> migraine"
    assert len(run_query(g, "aspirin", "migraine", k=5, diverse=True)) == 2  # relation sequences differ
    with pytest.raises(UnknownNameError, match="ibuprofen"):
        run_query(g, "ibuprofen", "migraine")
    with pytest.raises(InvalidArgumentError, match="no time-dependent travel times"):
        run_query(g, "aspirin", "migraine", depart=8 * 3600)


def test_time_profile_is_read_from_the_graph():
    g = tiny_kg()
    g.extras = {"time_slots": np.ones((96, 3)) * 60}
    g.meta["slot_seconds"] = 900
    tt, slot = time_profile(g)
    assert tt.shape == (96, 3) and slot == 900.0
    p = run_query(g, "aspirin", "migraine", depart=parse_clock("08:00"))[0]
    assert p.arrival == 8 * 3600 + 60 and p.nodes == (0, 2)  # every edge takes 60 s: the direct one wins


def test_depart_on_a_profile_shorter_than_a_day_is_refused():
    """A speed series of less than a day repeats every few hours: 08:00 would silently wrap around it."""
    g = tiny_kg()
    g.extras = {"time_slots": np.ones((4, 3)) * 60}
    g.meta["slot_seconds"] = 900
    with pytest.raises(InvalidArgumentError, match=r"covers only 1:00 h \(4 slots of 900 s\), less than a day"):
        run_query(g, "aspirin", "migraine", depart=parse_clock("08:00"))


def test_depart_does_not_combine_with_diverse_or_weight():
    g = tiny_kg()
    g.extras = {"time_slots": np.ones((96, 3)) * 60}
    g.meta["slot_seconds"] = 900
    for kw in ({"diverse": True}, {"weight": "length"}):
        with pytest.raises(InvalidArgumentError, match="does not combine"):
            run_query(g, "aspirin", "migraine", depart=0.0, **kw)


def test_no_path_names_the_users_nodes():
    from graphroute.exceptions import NoPathError

    g = tiny_kg()
    with pytest.raises(NoPathError, match="^no path from node migraine to node aspirin$"):
        run_query(g, "migraine", "aspirin")
    g.extras = {"time_slots": np.ones((96, 3)) * 60}
    g.meta["slot_seconds"] = 900
    with pytest.raises(NoPathError, match="^no path from node migraine to node aspirin$"):
        run_query(g, "migraine", "aspirin", depart=0.0)


def test_read_pairs_not_utf8(tmp_path):
    f = tmp_path / "pairs.txt"
    f.write_bytes(b"1 2\n\xff\xfe 3\n")
    with pytest.raises(InvalidArgumentError, match="not a UTF-8 text file"):
        read_pairs(f)


def test_k_is_capped():
    from graphroute.paths.yen import MAX_K

    with pytest.raises(InvalidArgumentError, match="k must be at most"):
        run_query(tiny_kg(), "aspirin", "migraine", k=MAX_K + 1)


@pytest.mark.parametrize("text,seconds", [("08:00", 28800), ("8:05:30", 29130), ("0:00", 0), (" 23:59:59 ", 86399)])
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


# a bare number used to be seconds ("8" -> 00:00:08) and hours ran to 999 (99:00 wrapped round the day)
@pytest.mark.parametrize("text", ["8h", "08:75", "-5", "nan", "8", "3600", "24:00", "99:00", "8:5", "08:00:60",
                                  "08:00:30.5", "-1:00", "", "８:00"])
def test_parse_clock_rejects(text):
    with pytest.raises(InvalidArgumentError, match="is not a time of day HH:MM or HH:MM:SS"):
        parse_clock(text)


def test_read_pairs(tmp_path):
    f = tmp_path / "pairs.txt"
    f.write_text("# comment\n1 2\n\nacetic acid\tvinegar\n")
    assert read_pairs(f) == [("1", "2"), ("acetic acid", "vinegar")]
    f.write_text("1 2 3\n")
    with pytest.raises(InvalidArgumentError, match="line 1"):
        read_pairs(f)
    f.write_text("# nothing\n")
    with pytest.raises(InvalidArgumentError, match="no 'source target'"):
        read_pairs(f)


def test_clock_text_reads_a_time_of_day_and_days_past_midnight():
    from graphroute.paths.query import clock_text

    assert clock_text(8 * 3600 + 17 * 60 + 5) == "08:17:05"
    assert clock_text(86400 + 190) == "+1d 00:03:10"
    assert clock_text(0.4) == "00:00:00"
