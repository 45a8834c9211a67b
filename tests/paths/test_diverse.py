"""Diverse K-paths: kept paths respect max_overlap, are a cost-ordered greedy filter of Yen's paths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import diverse_k_paths, k_shortest_paths, path_overlap
from tests.paths._graphs import digraphs, random_graph, to_csr


@settings(max_examples=80, deadline=None)
@given(digraphs(max_nodes=10, max_edges=35), st.integers(1, 6), st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0]),
       st.sampled_from(["jaccard", "length", "nodes"]))
def test_kept_paths_respect_max_overlap_and_are_the_greedy_choice(graph, k, max_overlap, measure):
    n, edges = graph
    csr = to_csr(n, edges)
    try:
        all_paths = k_shortest_paths(*csr, 0, n - 1, 60)
    except Exception:
        return  # no path: covered by the Yen tests
    kept = diverse_k_paths(*csr, 0, n - 1, k, max_overlap=max_overlap, measure=measure, budget=60)
    assert 1 <= len(kept) <= k
    assert kept[0].cost == all_paths[0].cost
    for i, p in enumerate(kept):
        for q in kept[:i]:
            assert path_overlap(p, q, measure, csr[2]) <= max_overlap
    # greedy: replaying the filter over Yen's sequence gives the same kept costs
    expect = []
    for p in all_paths:
        if all(path_overlap(p, q, measure, csr[2]) <= max_overlap for q in expect):
            expect.append(p)
        if len(expect) == k:
            break
    assert [p.cost for p in kept] == [p.cost for p in expect]
    if max_overlap == 1.0:
        assert [p.cost for p in kept] == [p.cost for p in all_paths[:k]]


def test_zero_overlap_gives_edge_disjoint_paths():
    n, edges = random_graph(60, 0.1, seed=2)
    csr = to_csr(n, edges)
    kept = diverse_k_paths(*csr, 0, 59, 4, max_overlap=0.0, budget=2000)
    assert len(kept) >= 2
    sets = [set(zip(p.nodes, p.nodes[1:])) for p in kept]
    for i in range(len(sets)):
        for j in range(i):
            assert not sets[i] & sets[j]


def test_relation_sequences_are_unique():
    # two relations; every path 0 -> ... -> 3 of length 2 via 1 or 2
    edges = [(0, 1, 1.0), (0, 2, 1.0), (1, 3, 1.0), (2, 3, 1.0), (0, 3, 3.0)]
    csr = to_csr(4, edges)
    relations = np.array([0, 0, 2, 1, 1])  # CSR order: 0->1 r0, 0->2 r0, 0->3 r2, 1->3 r1, 2->3 r1
    kept = diverse_k_paths(*csr, 0, 3, 5, measure="relations", relations=relations)
    seqs = [tuple(int(relations[e]) for e in p.edges) for p in kept]
    assert seqs == [(0, 1), (2,)]
    assert len(k_shortest_paths(*csr, 0, 3, 5)) == 3


def test_overlap_measures_by_hand():
    csr = to_csr(4, [(0, 1, 3.0), (1, 3, 1.0), (0, 2, 1.0), (2, 1, 1.0)])
    p, q = k_shortest_paths(*csr, 0, 3, 2)  # p = 0-2-1-3 (3), q = 0-1-3 (4)
    assert p.nodes == (0, 2, 1, 3) and q.nodes == (0, 1, 3)
    assert path_overlap(q, p, "jaccard") == 1 / 4  # shared {1->3} of 4 distinct edges
    assert path_overlap(q, p, "length", csr[2]) == 1 / 4  # 1 of q's 4 length units
    assert path_overlap(p, q, "length", csr[2]) == 1 / 3
    assert path_overlap(p, q, "nodes") == 1 / 2  # {2, 1} vs {1}


@pytest.mark.parametrize(
    "kwargs,text",
    [
        ({"k": 0}, "k must be"),
        ({"max_overlap": 1.5}, "max_overlap"),
        ({"measure": "cosine"}, "unknown overlap measure"),
        ({"measure": "relations"}, "relation id"),
        ({"budget": 1, "k": 3}, "budget"),
    ],
)
def test_bad_input(kwargs, text):
    csr = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    args = {"k": 2} | kwargs
    k = args.pop("k")
    with pytest.raises(InvalidArgumentError, match=text):
        diverse_k_paths(*csr, 0, 2, k, **args)


@settings(max_examples=40, deadline=None)
@given(digraphs(max_nodes=10, max_edges=35), st.integers(1, 6), st.sampled_from([0.0, 0.5, 1.0]))
def test_max_cost_keeps_the_same_greedy_choice_among_short_paths(graph, k, max_overlap):
    n, edges = graph
    csr = to_csr(n, edges)
    try:
        all_paths = k_shortest_paths(*csr, 0, n - 1, 60)
    except Exception:
        return
    cap = all_paths[len(all_paths) // 2].cost
    capped = diverse_k_paths(*csr, 0, n - 1, k, max_overlap=max_overlap, budget=60, max_cost=cap)
    free = diverse_k_paths(*csr, 0, n - 1, k, max_overlap=max_overlap, budget=60)
    assert all(p.cost <= cap for p in capped)
    # the filter is greedy in Yen's order, so capping keeps exactly the uncapped choice's paths under the cap
    assert [p.nodes for p in capped] == [p.nodes for p in free if p.cost <= cap]
