"""Mutation audit of graphroute.paths.query: behaviour the other path tests let through.

Graphs are minimal objects with the Graph interface, as in tests/paths/test_query.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import k_shortest_paths
from graphroute.paths.query import parse_clock, read_pairs, run_query, time_profile, verbalize
from tests.paths._graphs import to_csr


def two_route_graph(kind="road", relations=None, extras=None, meta=None):
    """0 -> 1 -> 3 (length 2, time 20) and 0 -> 2 -> 3 (length 3, time 6), edge-disjoint; 0 -> 3 (length 10,
    time 10). Node ids "a".."d"."""
    indptr, indices, length = to_csr(4, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 10.0), (1, 3, 1.0), (2, 3, 2.0)])
    time = np.array([10.0, 3.0, 10.0, 10.0, 3.0])  # CSR order: 0->1, 0->2, 0->3, 1->3, 2->3
    names = ["a", "b", "c", "d"]
    return SimpleNamespace(
        indptr=indptr, indices=indices, kind=kind, meta=dict(meta or {}), extras=dict(extras or {}),
        edge_attrs={} if relations is None else {"relation": np.asarray(relations)},
        relation_names=["r0", "r1", "r2"],
        weights=lambda name=None: {None: length, "length": length, "time": time}[name],
        node_index=names.index, node_label=lambda i: names[i],
    )


def test_clock_hours_have_at_most_two_digits():
    """Q03: HH:MM is strict; "008:00" is not a time of day."""
    assert parse_clock("08:00") == 28800
    with pytest.raises(InvalidArgumentError, match="is not a time of day"):
        parse_clock("008:00")


def test_pairs_are_stripped_around_tabs(tmp_path):
    """Q10: names with spaces are tab-separated; spaces around the tab are not part of the names."""
    f = tmp_path / "pairs.txt"
    f.write_text("acetic acid \t vinegar\n")
    assert read_pairs(f) == [("acetic acid", "vinegar")]


def test_time_profile_needs_both_times_and_slot_length():
    """Q12: time slots without a slot length (or the reverse) are 'no time-dependent travel times', not a
    TypeError."""
    g = two_route_graph(extras={"time_slots": np.ones((96, 5))})
    with pytest.raises(InvalidArgumentError, match="graph has no time-dependent travel times"):
        time_profile(g)
    g = two_route_graph(meta={"slot_seconds": 900})
    with pytest.raises(InvalidArgumentError, match="graph has no time-dependent travel times"):
        time_profile(g)


@pytest.mark.parametrize("slots, ok", [(48, False), (95, False), (96, True)])
def test_depart_needs_a_profile_of_at_least_a_day(slots, ok):
    """Q15: 96 slots of 15 min are a day; 95 (23:45 h) or 48 (12 h) are refused."""
    g = two_route_graph(extras={"time_slots": np.full((slots, 5), 60.0)}, meta={"slot_seconds": 900})
    if ok:
        assert run_query(g, "a", "d", depart=parse_clock("08:00"))[0].arrival == 28800 + 60  # the direct edge
    else:
        with pytest.raises(InvalidArgumentError, match="less than a day"):
            run_query(g, "a", "d", depart=parse_clock("08:00"))


def test_depart_late_in_the_day_wraps_into_the_next_morning():
    """Q16: the daily profile is cyclic: leaving at 23:50 (slot 95 + 1/3) on an edge of 600 s then and 300 s
    at 00:00 takes 600 - 300 / 3 = 500 s, not the last slot's 600 s held."""
    tt = np.full((96, 5), 60.0)
    tt[95, 2], tt[0, 2] = 600.0, 300.0  # the direct edge 0 -> 3; the others stay at 60 s
    tt[:, [0, 1, 3, 4]] = 400.0  # the two-edge routes take 800 s
    g = two_route_graph(extras={"time_slots": tt}, meta={"slot_seconds": 900})
    p = run_query(g, "a", "d", depart=parse_clock("23:50"))[0]
    assert p.nodes == (0, 3) and p.arrival == 85800 + 500.0


def test_kg_diverse_defaults_to_relation_sequences():
    """Q17: on a knowledge graph --diverse keeps one path per relation sequence (K-Paths), however
    disjoint the paths; elsewhere the default is Jaccard."""
    # both two-edge routes read r0 r1, the direct edge r2 (CSR order: 0->1, 0->2, 0->3, 1->3, 2->3)
    kg = two_route_graph(kind="kg", relations=[0, 0, 2, 1, 1])
    assert [p.nodes for p in run_query(kg, "a", "d", k=3, diverse=True)] == [(0, 1, 3), (0, 3)]
    road = two_route_graph(relations=[0, 0, 2, 1, 1])
    assert [p.nodes for p in run_query(road, "a", "d", k=3, diverse=True)] == [(0, 1, 3), (0, 2, 3), (0, 3)]


def test_relations_measure_on_a_graph_without_relations():
    """Q18: the query layer says what is missing in the user's terms (--overlap)."""
    with pytest.raises(InvalidArgumentError, match="graph has no relation types; use --overlap"):
        run_query(two_route_graph(kind="kg"), "a", "d", k=3, diverse=True)


def test_diverse_options_reach_the_filter():
    """Q19, Q20: max_overlap and budget are passed on (defaults 0.5 and 50 k would give other answers)."""
    g = two_route_graph()
    # a graph where overlap matters: 0-1-3 (cost 2) and 0-1-2-3 (3) share 0 -> 1, Jaccard 1/4
    shared = SimpleNamespace(**vars(g))
    indptr, indices, w = to_csr(4, [(0, 1, 1.0), (1, 3, 1.0), (1, 2, 1.0), (2, 3, 1.0)])
    shared.indptr, shared.indices, shared.weights = indptr, indices, (lambda name=None: w)
    assert len(run_query(shared, "a", "d", k=2, diverse=True, max_overlap=0.25)) == 2
    assert len(run_query(shared, "a", "d", k=2, diverse=True, max_overlap=0.2)) == 1
    with pytest.raises(InvalidArgumentError, match=r"budget \(1\) must be at least k \(2\)"):
        run_query(g, "a", "d", k=2, diverse=True, budget=1)
    assert len(run_query(shared, "a", "d", k=2, diverse=True, max_overlap=1.0, budget=2)) == 2


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_paths_exactly(k):
    """Q21: k paths when there are more (networkx-free reference: the array function itself)."""
    g = two_route_graph()
    got = run_query(g, "a", "d", k=k)
    assert got == k_shortest_paths(g.indptr, g.indices, g.weights(), 0, 3, k) and len(got) == k


def test_weight_name_picks_the_weights():
    """Q26: weight="time" ranks the routes by time: 0-2-3 (6) before 0-3 (10) and 0-1-3 (20)."""
    g = two_route_graph()
    assert [p.nodes for p in run_query(g, "a", "d", k=3, weight="time")] == [(0, 2, 3), (0, 3), (0, 1, 3)]
    assert [p.nodes for p in run_query(g, "a", "d", k=3)] == [(0, 1, 3), (0, 2, 3), (0, 3)]


@pytest.mark.parametrize("k", [0, True, 2.5])
def test_k_is_checked_with_a_departure_too(k):
    """Q23: k is validated before the mode is chosen, also when depart makes it unused."""
    g = two_route_graph(extras={"time_slots": np.full((96, 5), 60.0)}, meta={"slot_seconds": 900})
    with pytest.raises(InvalidArgumentError, match="k must be a positive integer"):
        run_query(g, "a", "d", k=k, depart=0.0)


def test_verbalize_without_relations_and_with_unknown_relation_ids():
    """Q24, Q25: plain arrows without relation types; an id outside the names (also a negative one) is
    printed as the number, not wrapped around to the last name."""
    g = two_route_graph()
    p = run_query(g, "a", "d")[0]
    assert verbalize(g, p) == "a -> b -> d"
    kg = two_route_graph(kind="kg", relations=[-1, 0, 2, 7, 1])
    assert verbalize(kg, p) == "a -[-1]-> b -[7]-> d"
