"""Filtered ranking against brute force; inverse-relation queries; name look-ups."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import UnknownNameError
from graphroute.neural.kg.data import KGData, filtered_ranks, known_answers, paired_bootstrap, ranking_metrics


def brute_rank(scores, h, r, t, data):
    """1 + #(better other candidates) + #(tied other candidates) / 2, true answers other than t removed."""
    known = set()
    for split in (data.train, data.valid, data.test):
        for a, b, c in split.tolist():
            if (a, b) == (h, r):
                known.add(c)  # tail query of (h, r, c)
            if r >= data.num_relations and (c, b + data.num_relations) == (h, r):
                known.add(a)  # head query (c, r^-1, ?) of (a, b, c)
    others = [e for e in range(data.num_entities) if e != t and e not in known]
    greater = sum(scores[e] > scores[t] for e in others)
    equal = sum(scores[e] == scores[t] for e in others)
    return 1 + greater + equal / 2


def test_filtered_ranking_matches_brute_force(random_kg):
    data = KGData.from_path(random_kg)
    queries = np.concatenate([data.with_inverse(data.test), data.with_inverse(data.valid)])
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=(len(queries), data.num_entities)).astype(float)  # many ties
    ranks = filtered_ranks(scores, queries, known_answers(data))
    expected = [brute_rank(scores[i], h, r, t, data) for i, (h, r, t) in enumerate(queries.tolist())]
    assert ranks.tolist() == expected
    m = ranking_metrics(ranks)
    assert m["mrr"] == pytest.approx(np.mean(1 / np.array(expected))) and m["queries"] == len(queries)
    assert m["hits@1"] == pytest.approx(np.mean(np.array(expected) <= 1))


def test_filtering_removes_other_true_tails_only():
    data = KGData("toy", 4, 1, np.array([[0, 0, 1], [0, 0, 2]]), np.zeros((0, 3), int), np.array([[0, 0, 3]]),
                  ["a", "b", "c", "d"], ["r"])
    scores = np.array([[0.0, 9.0, 8.0, 1.0]])  # b and c are true answers of (a, r, ?): filtered out
    assert filtered_ranks(scores, np.array([[0, 0, 3]]), known_answers(data)).tolist() == [1.0]
    scores = np.array([[5.0, 9.0, 8.0, 1.0]])  # a itself is not an answer: it stays a competitor
    assert filtered_ranks(scores, np.array([[0, 0, 3]]), known_answers(data)).tolist() == [2.0]


def test_inverse_queries(random_kg):
    data = KGData.from_path(random_kg)
    inv = data.with_inverse(data.test)
    n = len(data.test)
    assert np.array_equal(inv[n:, 0], data.test[:, 2]) and np.array_equal(inv[n:, 2], data.test[:, 0])
    assert np.all(inv[n:, 1] == data.test[:, 1] + data.num_relations)
    assert data.relation_label(int(inv[n, 1])).endswith("^-1")
    known = known_answers(data)
    for h, r, t in data.test.tolist():  # the head query of every test triple knows its head
        assert h in known[(t, r + data.num_relations)]
    src, dst, et = data.graph_edges()  # message passing sees every training edge both ways
    edges = set(zip(src.tolist(), et.tolist(), dst.tolist()))
    for h, r, t in data.train.tolist():
        assert (h, r, t) in edges and (t, r + data.num_relations, h) in edges


def test_names(random_kg):
    data = KGData.from_path(random_kg)
    assert data.entity_names[data.entity_index("e3")] == "e3"
    assert data.relation_index("r1^-1") == data.relation_index("r1") + data.num_relations
    with pytest.raises(UnknownNameError, match="unknown entity 'nobody'"):
        data.entity_index("nobody")
    with pytest.raises(UnknownNameError, match="unknown relation 'r9'"):
        data.relation_index("r9")


def test_paired_bootstrap_moves_a_triples_two_queries_together():
    rng = np.random.default_rng(0)
    k = 400
    # a triple's head query ranks as its tail query: resampling queries instead of triples would shrink
    # the interval by sqrt(2)
    a = np.tile(rng.integers(1, 20, size=k), 2).astype(float)
    b = np.tile(rng.integers(1, 20, size=k), 2).astype(float)
    out = paired_bootstrap(a, b, n_boot=4000, seed=3)
    d = (1 / a - 1 / b).reshape(2, k).mean(0)  # per triple: tail query i and head query k + i
    assert out["diff"] == pytest.approx(float(np.mean(1 / a - 1 / b)))
    assert out["triples"] == k
    # the percentile interval of a mean of k i.i.d. terms: about +-1.96 standard errors
    se = d.std(ddof=1) / np.sqrt(k)
    assert out["lo"] == pytest.approx(out["diff"] - 1.96 * se, abs=0.25 * se)
    assert out["hi"] == pytest.approx(out["diff"] + 1.96 * se, abs=0.25 * se)
    assert paired_bootstrap(a, b, n_boot=4000, seed=3) == out  # seeded


def test_paired_bootstrap_limits():
    same = np.array([1.0, 2.0, 5.0, 1.0])
    assert paired_bootstrap(same, same, n_boot=200) == {"diff": 0.0, "lo": 0.0, "hi": 0.0, "p_le_0": 1.0, "triples": 2}
    better = paired_bootstrap(np.ones(6), np.full(6, 2.0), n_boot=200)
    assert better["lo"] == better["hi"] == 0.5 and better["p_le_0"] == 0.0
    with pytest.raises(ValueError):
        paired_bootstrap(np.ones(3), np.ones(3))
