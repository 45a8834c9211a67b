"""diverse_k_paths / path_overlap argument checks: a relations array must have one id per edge, and
path_overlap says why it cannot take the relations measure instead of calling it unknown."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths.dijkstra import Path
from graphroute.paths.diverse import diverse_k_paths, path_overlap

# 0->1, 0->2, 1->3, 2->3
G = ([0, 2, 3, 4, 4], [1, 2, 3, 3], [1.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("relations", [[0], [0, 1, 2, 3, 4]])
def test_relations_of_the_wrong_length_are_refused_naming_both_lengths(relations):
    with pytest.raises(InvalidArgumentError, match=f"relations has {len(relations)} values for 4 edges"):
        diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=relations)


def test_relations_of_the_wrong_shape_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"relations must be a 1-D array.*shape \[2, 2\]"):
        diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[[0, 1], [2, 3]])


def test_relations_of_the_right_length_still_work():
    assert len(diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[0, 0, 1, 1])) == 1  # both read "0 1"
    paths = diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[0, 1, 1, 1])
    assert sorted(p.nodes for p in paths) == [(0, 1, 3), (0, 2, 3)]


def test_path_overlap_explains_that_relations_belong_to_diverse_k_paths():
    p = Path((0, 1), (0,), 1.0)
    with pytest.raises(InvalidArgumentError, match="diverse_k_paths") as info:
        path_overlap(p, p, "relations")
    assert "unknown" not in str(info.value)
    with pytest.raises(InvalidArgumentError, match="unknown overlap measure 'cosine'; available: jaccard, length, nodes"):
        path_overlap(p, p, "cosine")


_IP, _IX, _W = [0, 2, 3, 4], [1, 2, 2, 0], [1.0, 5.0, 1.0, 1.0]


@pytest.mark.parametrize("kw,msg", [
    ({"weights": ["a", "b", "c", "d"]}, "weights must hold numbers"),
    ({"max_overlap": "a"}, "max_overlap must be a number in [0, 1], got 'a'"),
    ({"max_overlap": None}, "max_overlap must be a number in [0, 1], got None"),
    ({"budget": "x"}, "budget must be an integer"),
    ({"budget": 2.7}, "budget must be an integer"),  # it was truncated to 2
    ({"budget": True}, "budget must be an integer"),  # it was taken as 1
    ({"max_cost": "x"}, "max_cost must be a number or None, got 'x'"),
    ({"max_cost": float("nan")}, "max_cost must be a number or None, got nan"),  # it was ignored
])
def test_bad_arguments_are_one_invalid_argument_error(kw, msg):
    """Walkthrough finding: these let raw ValueError / TypeError out, or were silently truncated or ignored."""
    w = kw.pop("weights", _W)
    with pytest.raises(InvalidArgumentError) as err:
        diverse_k_paths(_IP, _IX, w, 0, 2, 3, **kw)
    assert msg in str(err.value)


def test_a_max_cost_below_the_shortest_path_keeps_none():
    assert diverse_k_paths(_IP, _IX, _W, 0, 2, 3, max_cost=-1) == []
    assert [p.nodes for p in diverse_k_paths(_IP, _IX, _W, 0, 2, 3, max_cost=2)] == [(0, 1, 2)]


def test_stats_say_when_the_budget_cut_the_search_short():
    """paths --diverse stopped at its hidden 50 x K budget with fewer than K paths and said nothing."""
    from graphroute.paths.diverse import diverse_k_paths

    # a 3 x 3 grid of two-way unit edges: from corner to corner, many paths, two edge-disjoint ones
    n, edges = 3, []
    for r in range(n):
        for c in range(n):
            v = r * n + c
            if c + 1 < n:
                edges += [(v, v + 1), (v + 1, v)]
            if r + 1 < n:
                edges += [(v, v + n), (v + n, v)]
    edges.sort()
    indptr = np.searchsorted([u for u, _ in edges], np.arange(n * n + 1))
    indices = np.array([v for _, v in edges])
    w = np.ones(len(edges))
    stats: dict = {}
    kept = diverse_k_paths(indptr, indices, w, 0, 8, 3, max_overlap=0.0, budget=3, stats=stats)
    assert len(kept) < 3 and stats == {"examined": 3, "budget": 3, "budget_reached": True}
    stats = {}
    kept = diverse_k_paths(indptr, indices, w, 0, 8, 3, max_overlap=0.0, budget=10_000, stats=stats)
    assert len(kept) == 2 and stats["budget_reached"] is False  # the paths ran out: no larger budget helps
