"""Audit C (mutation audit): the retrieval scorer's unreachable pairs, fit progress, candidate set,
defaults and checkpoint state, pinned against networkx and hand-made rule tables."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.retrieval import PathRetrievalScorer, pair_graph

EMPTY = np.zeros((0, 3), dtype=np.int64)

# two components: a chain 0 - 1 - 2 - 3 - 4 - 5 (relations alternate a, b) and a pair 6 - 7
CHAIN = np.array([[0, 0, 1], [1, 1, 2], [2, 0, 3], [3, 1, 4], [4, 0, 5], [0, 1, 2], [6, 0, 7]])
KG2 = KGData("two-parts", 8, 2, CHAIN, EMPTY, EMPTY, [f"e{i}" for i in range(8)], ["a", "b"])


def hop_distances(data: KGData, h: int) -> dict[int, int]:
    """Breadth-first hop counts from ``h`` over the training triples taken both ways (networkx)."""
    g = nx.Graph([(a, b) for a, _, b in data.train.tolist()])
    g.add_nodes_from(range(data.num_entities))
    return nx.single_source_shortest_path_length(g, h)


def test_an_unreachable_pair_has_no_path_no_sequence_and_scores_zero():
    """A tail in another component has no path (no NoPathError escapes) and scores 0 under every relation."""
    s = PathRetrievalScorer(KG2, k=4).fit()
    for h, t in [(0, 6), (7, 3), (5, 7)]:
        assert s.paths(h, t) == []
        assert s.sequences(h, t) == frozenset()
    scores = s(np.array([[0, r, 0] for r in range(4)]))
    assert scores.shape == (4, 8)
    assert not scores[:, 6:].any()
    assert scores[:, 1:6].any()  # the reachable side does score: the zero above is no accident


def test_fit_reports_progress_for_every_training_pair():
    """on_progress hears (1, N), (2, N), ..., (N, N), N the entity pairs of the triples taken both ways."""
    heard: list[tuple[int, int]] = []
    s = PathRetrievalScorer(KG2, k=2).fit(lambda i, total: heard.append((i, total)))
    pairs = {(h, t) for h, _, t in KG2.with_inverse(KG2.train).tolist()}
    n = len(pairs)
    assert heard == [(i, n) for i in range(1, n + 1)]
    assert (s.pairs_fitted, s.pairs_total) == (n, n)


def test_candidates_are_every_tail_within_the_longest_rule_body():
    """With max_len 3 but rule bodies of at most 2 relations, candidates(h) is exactly the tails 1 or 2 hops away."""
    conf = np.array([0.5, 0.0, 0.0, 0.0])
    state = {"k": 4, "max_overlap": 1.0, "alpha": 1.0, "max_sequences": 64, "max_len": 3,
             "rules": {(0, 1): conf, (1,): conf}}
    s = PathRetrievalScorer.from_state(KG2, state)
    for h in range(8):
        want = sorted(t for t, d in hop_distances(KG2, h).items() if 1 <= d <= 2)
        assert s.candidates(h).tolist() == want, h


def test_max_len_caps_the_candidates_below_a_longer_rule_table():
    """Rules longer than max_len (a table loaded with another cap) widen nothing: candidates stay within max_len hops."""
    rules = {(0, 1, 0, 1): np.array([0.5, 0.0, 0.0, 0.0])}
    s = PathRetrievalScorer(KG2, k=4, max_len=1, rules=rules)
    assert s.candidates(0).tolist() == sorted(t for t, d in hop_distances(KG2, 0).items() if d == 1)
    s2 = PathRetrievalScorer(KG2, k=4, rules=rules)  # no cap: 4 hops
    assert s2.candidates(0).tolist() == sorted(t for t, d in hop_distances(KG2, 0).items() if 1 <= d <= 4)


def test_an_unfitted_scorer_has_no_candidates_and_scores_nothing():
    s = PathRetrievalScorer(KG2)
    assert s.candidates(0).size == 0
    assert not s.head_scores(0).any()


def test_default_settings():
    """The documented defaults: k 10, max_overlap 0.5, alpha 1, 64 sequences per path, no hop limit."""
    state = PathRetrievalScorer(KG2).state()
    assert state == {"k": 10, "max_overlap": 0.5, "alpha": 1.0, "max_sequences": 64, "max_len": None, "rules": {}}


def test_single_path_scores_equal_the_hand_computed_noisy_or():
    """On a chain (one path per pair) the rule table and a score are small enough to write out by hand."""
    # chain 0 -a-> 1 -b-> 2 plus the fact 0 -c-> 2 (the rule a.b => c) and the copy 3 -a-> 4 -b-> 5, 3 -c-> 5
    train = np.array([[0, 0, 1], [1, 1, 2], [0, 2, 2], [3, 0, 4], [4, 1, 5], [3, 2, 5]])
    kg = KGData("rule", 6, 3, train, EMPTY, EMPTY, list("abcdef"), ["a", "b", "c"])
    s = PathRetrievalScorer(kg, k=10, max_overlap=1.0, alpha=1.0).fit()
    # (a, b) joins (0, 2) and (3, 5), both c-facts: n((a,b), c) = 2, n((a,b)) = 2, conf = 2 / 3
    assert s.rules[(0, 1)][2] == pytest.approx(2 / 3)
    assert s.rules[(0, 1)].sum() == pytest.approx(2 / 3)
    # the inverse direction: (b^-1, a^-1) => c^-1 (ids 4, 3 => 5)
    assert s.rules[(4, 3)][5] == pytest.approx(2 / 3)
    # tail 2 of (0, c, ?): S(0, 2) = {(c,), (a, b)}; (c,) => c was never counted on a fact other than itself
    got = s(np.array([[0, 2, 0]]))[0]
    want = 1 - (1 - 2 / 3) * (1 - s.rules.get((2,), np.zeros(6))[2])
    assert got[2] == pytest.approx(want)
    assert got[0] == 0


def test_pair_graph_csr_rows_are_sorted_by_source():
    """The CSR rows list, for each source, its out-neighbours (both directions of every triple)."""
    indptr, indices, w, rels = pair_graph(KG2)
    assert indptr[0] == 0 and indptr[-1] == len(indices) == len(w)
    for u in range(8):
        got = sorted(indices[indptr[u]:indptr[u + 1]].tolist())
        assert got == sorted(v for (a, v) in rels if a == u)
    assert rels[(0, 1)] == (0,) and rels[(1, 0)] == (2,) and rels[(0, 2)] == (1,) and rels[(2, 0)] == (3,)
    np.testing.assert_array_equal(w, 1.0)


def test_the_scorer_and_its_state_do_not_share_the_rules_dict_with_the_caller():
    """from_state copies the rule table and state() hands out a copy: the scorer caches what its rules give
    (candidates, head scores), so a caller's later change to either dict must not reach it."""
    conf = np.array([0.5, 0.0, 0.0, 0.0])
    state = {"k": 4, "max_overlap": 1.0, "alpha": 1.0, "max_sequences": 64, "max_len": 3, "rules": {(0,): conf}}
    s = PathRetrievalScorer.from_state(KG2, state)
    before = s.candidates(0).tolist()
    state["rules"][(0, 1, 0)] = conf  # a longer body would widen the candidates
    s.state()["rules"][(1, 0, 1)] = conf
    assert list(s.rules) == [(0,)]
    s._max_rule_len = None  # drop the cache: the answer must come from the scorer's own rules
    assert s.candidates(0).tolist() == before
