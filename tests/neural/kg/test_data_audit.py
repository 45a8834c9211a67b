"""Audit tests for graphroute.neural.kg.data: mutants the existing suite let through."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.neural.kg.data import KGData, filtered_ranks, known_answers, ranking_metrics


def test_a_tie_averaged_rank_just_past_k_is_no_hit():
    """Ranks are 1 + #greater + #tied / 2, so x.5 ranks occur; Hits@k counts rank <= k only:
    3.5 is no Hits@3, 10.5 no Hits@10, 1.5 no Hits@1; 1, 3 and 10 are hits."""
    m = ranking_metrics(np.array([1.5, 3.5, 10.5, 2.0, 1.0, 3.0, 10.0]))
    assert (m["hits@1"], m["hits@3"], m["hits@10"]) == pytest.approx((1 / 7, 4 / 7, 6 / 7))


def test_tied_ranks_come_from_filtered_ranks_and_count_as_described():
    """End to end on a hand-made KG: target tied with 5 unfiltered candidates at the top ->
    rank 1 + 5 / 2 = 3.5 (not a Hits@3); tied with 19 -> 10.5 (not a Hits@10)."""
    n = 25
    tr = np.array([[0, 0, 1], [0, 0, 2]], dtype=np.int64)  # 1 and 2 are known answers of (0, r, ?)
    data = KGData("ties", n, 1, tr, tr[:0], np.array([[0, 0, 3]]), [f"e{i}" for i in range(n)], ["r"])
    known = known_answers(data)
    q = np.array([[0, 0, 3], [0, 0, 3]])
    scores = np.zeros((2, n))
    scores[:, [1, 2]] = 9.0  # filtered out, never counted
    scores[0, [3, 4, 5, 6, 7, 8]] = 1.0  # target + 5 ties
    scores[1, 3:23] = 1.0  # target + 19 ties
    ranks = filtered_ranks(scores, q, known)
    assert ranks.tolist() == [3.5, 10.5]
    m = ranking_metrics(ranks)
    assert (m["hits@1"], m["hits@3"], m["hits@10"]) == (0.0, 0.0, 0.5)


def test_paired_bootstrap_averages_both_directions_of_a_triple():
    """Tail queries rank 1, head queries rank 2 for model A; B ranks all 1: per triple the difference
    is (0 + (1/2 - 1)) / 2 = -0.25, every resample too."""
    from graphroute.neural.kg.data import paired_bootstrap

    a = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    out = paired_bootstrap(a, np.ones(6), n_boot=300)
    assert out["diff"] == pytest.approx(-0.25)
    assert out["lo"] == pytest.approx(-0.25) and out["hi"] == pytest.approx(-0.25)
    assert out["p_le_0"] == 1.0 and out["triples"] == 3


def test_ties_are_exact_equality_of_the_scores_given():
    """A candidate 1e-12 above the target is above it (rank 2), not a tie (1.5) and not below (1):
    no rounding to float32, no tolerance. An exactly equal one is a tie."""
    data = KGData("eps", 3, 1, np.array([[0, 0, 2]]), np.zeros((0, 3), np.int64), np.array([[0, 0, 1]]),
                  ["a", "b", "c"], ["r"])
    known = known_answers(data)  # c is another answer of (a, r, ?): filtered; a stays a candidate
    q = np.array([[0, 0, 1]] * 3)
    scores = np.array([[1.0 + 1e-12, 1.0, 5.0],
                       [1.0, 1.0, 5.0],
                       [1.0 - 1e-12, 1.0, 5.0]])
    assert filtered_ranks(scores, q, known).tolist() == [2.0, 1.5, 1.0]
