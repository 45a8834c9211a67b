"""Audit C: the retrieval scorer against brute force (rule table, noisy-or, caches, state, deadline)."""

from __future__ import annotations

import itertools
import time

import networkx as nx
import numpy as np
import pytest

from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.retrieval import PathRetrievalScorer

# 6 entities, 2 relations (inverses 2, 3). Pair (0, 1) has both relations; (0, 2) has both relations too.
TRAIN = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 2], [0, 1, 2], [0, 0, 2], [2, 1, 3], [1, 1, 3], [3, 0, 4],
                  [4, 1, 5], [2, 0, 5]])
KG = KGData("audit", 6, 2, TRAIN, np.zeros((0, 3), dtype=np.int64), np.array([[1, 0, 4]]), [f"e{i}" for i in range(6)],
            ["a", "b"])


def all_simple_sequences(h, t, max_len, cap):
    """S(h, t) with every simple path of at most ``max_len`` hops (networkx), capped like the scorer."""
    rels: dict = {}
    for u, r, v in KG.with_inverse(KG.train).tolist():
        rels.setdefault((u, v), set()).add(r)
    g = nx.DiGraph(list(rels))
    out = set()
    if h == t:
        return out
    for nodes in nx.all_simple_paths(g, h, t, cutoff=max_len):
        hops = [tuple(sorted(rels[(u, v)])) for u, v in zip(nodes, nodes[1:])]
        out.update(itertools.islice(itertools.product(*hops), cap))
    return out


def brute_rules(pairs_seqs, alpha):
    n, tot = {}, {}
    for (h, r, t), seqs in pairs_seqs:
        for s in seqs:
            if s == (r,):
                continue
            n.setdefault(s, np.zeros(4))[r] += 1
            tot[s] = tot.get(s, 0) + 1
    return {s: c / (tot[s] + alpha) for s, c in n.items()}


@pytest.mark.parametrize("cap", [64, 2])
def test_rule_table_and_scores_equal_brute_force_over_every_simple_path(cap):
    # k large and overlap 1: every simple path of at most 3 hops is retrieved
    s = PathRetrievalScorer(KG, k=200, max_overlap=1.0, alpha=0.5, max_len=3, max_sequences=cap).fit()
    for h in range(6):
        for t in range(6):
            if h != t:
                assert set(s.sequences(h, t)) == all_simple_sequences(h, t, 3, cap), (h, t)
    triples = KG.with_inverse(KG.train).tolist()
    want = brute_rules([((h, r, t), all_simple_sequences(h, t, 3, cap)) for h, r, t in triples], 0.5)
    assert set(s.rules) == set(want)
    for q in want:
        np.testing.assert_allclose(s.rules[q], want[q])
    for h in range(6):
        for r in range(4):
            got = s(np.array([[h, r, 0]]))[0]
            for t in range(6):
                miss = 1.0
                if t != h:
                    for q in all_simple_sequences(h, t, 3, cap):
                        if q in want:
                            miss *= 1.0 - want[q][r]
                assert got[t] == pytest.approx(1.0 - miss), (h, r, t)


def test_max_overlap_zero_keeps_only_edge_disjoint_paths():
    s = PathRetrievalScorer(KG, k=10, max_overlap=0.0)
    plain = PathRetrievalScorer(KG, k=10, max_overlap=1.0)
    found_shared = False
    for h, t in itertools.permutations(range(6), 2):
        got = s.paths(h, t)
        edge_sets = [set(zip(p, p[1:])) for p in got]
        for a, b in itertools.combinations(edge_sets, 2):
            assert not a & b, (h, t, got)
        every = plain.paths(h, t)
        found_shared |= any(set(zip(a, a[1:])) & set(zip(b, b[1:])) for a, b in itertools.combinations(every, 2))
    assert found_shared  # plain Yen returns overlapping paths here, so the filter is exercised


def test_scores_asked_before_fit_do_not_stick():
    s = PathRetrievalScorer(KG, k=10)
    assert not s.head_scores(0).any()  # no rules yet: every score 0
    s.fit()
    fresh = PathRetrievalScorer(KG, k=10).fit()
    assert fresh.head_scores(0).any()
    np.testing.assert_allclose(s.head_scores(0), fresh.head_scores(0))
    np.testing.assert_array_equal(s.candidates(0), fresh.candidates(0))


def test_state_round_trip_keeps_every_setting():
    s = PathRetrievalScorer(KG, k=3, max_overlap=0.2, alpha=2.5, max_sequences=5, max_len=3).fit()
    again = PathRetrievalScorer.from_state(KG, s.state())
    for key in ("k", "max_overlap", "alpha", "max_sequences", "max_len"):
        assert getattr(again, key) == getattr(s, key), key
    for h in range(6):
        np.testing.assert_allclose(again.head_scores(h), s.head_scores(h))


def test_deadline_counts_the_seeded_sample_of_pairs(monkeypatch):
    """perf_counter stays at 0 until 3 pairs are counted, then jumps past the deadline: the rule table
    is the brute-force one of the first 3 pairs of the seeded permutation."""
    done = {"n": 0}
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0 if done["n"] < 3 else 1e9)
    s = PathRetrievalScorer(KG, k=200, max_overlap=1.0, alpha=1.0, max_len=3)
    s.fit(lambda i, total: done.__setitem__("n", i), deadline=1.0, seed=7)
    monkeypatch.undo()
    by_pair: dict = {}
    for h, r, t in KG.with_inverse(KG.train).tolist():
        by_pair.setdefault((h, t), []).append(r)
    items = sorted(by_pair.items())
    items = [items[i] for i in np.random.default_rng(7).permutation(len(items))][:3]
    assert (s.pairs_fitted, s.pairs_total) == (3, len(by_pair))
    want = brute_rules([((h, r, t), all_simple_sequences(h, t, 3, 64)) for (h, t), rs in items for r in rs], 1.0)
    assert set(s.rules) == set(want)
    for q in want:
        np.testing.assert_allclose(s.rules[q], want[q])


def test_a_deadline_already_past_still_counts_one_pair(monkeypatch):
    monkeypatch.setattr(time, "perf_counter", lambda: 1e9)
    s = PathRetrievalScorer(KG, k=4).fit(deadline=0.0)
    monkeypatch.undo()
    assert s.pairs_fitted == 1 and s.rules


def test_the_head_itself_scores_zero_even_with_a_self_loop_fact():
    """A self-loop triple (0, r, 0) counts the empty relation sequence () as a rule body; it must not fire
    for the candidate t = h (the head is no candidate)."""
    kg = KGData("loop", 3, 1, np.array([[0, 0, 0], [0, 0, 1], [1, 0, 2], [0, 0, 2]]), np.zeros((0, 3), dtype=np.int64),
                np.zeros((0, 3), dtype=np.int64), ["a", "b", "c"], ["r"])
    s = PathRetrievalScorer(kg).fit()
    for h in range(3):
        assert not s.head_scores(h)[h].any()
        assert h not in s.candidates(h).tolist()


def test_a_self_loop_fact_makes_no_empty_rule():
    """(h, r, h) has the empty relation sequence as its only "path": it is no rule and is not counted."""
    kg = KGData("x", 3, 1, np.array([[0, 0, 0], [0, 0, 1], [1, 0, 2], [0, 0, 2]]), np.zeros((0, 3), int),
                np.zeros((0, 3), int), list("abc"), ["r"])
    scorer = PathRetrievalScorer(kg).fit()
    assert () not in scorer.rules and scorer.rules
