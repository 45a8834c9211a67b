"""Audit tests for evaluate()/query_ranks()/Scorer in graphroute.neural.kg.train: mutants the suite let through."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData, ranking_metrics  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model, evaluate, query_ranks  # noqa: E402

TRAIN = np.array([[0, 0, 1], [1, 1, 2], [2, 2, 3], [3, 0, 4], [4, 1, 0], [1, 2, 3], [0, 1, 3], [2, 0, 4]])
TEST = np.array([[0, 0, 3], [4, 2, 2], [1, 0, 4], [3, 1, 1], [2, 1, 0]])
KG = KGData("audit", 5, 3, TRAIN, TEST[:0], TEST, [f"e{i}" for i in range(5)], ["a", "b", "c"])


@pytest.fixture
def model():
    torch.manual_seed(0)
    return build_model(KGConfig(data="x", dim=8, layers=2), KG)


def test_evaluate_draws_its_subset_with_the_seed_it_is_given(model):
    """evaluate(seed=s) scores the same seeded subset query_ranks(seed=s) ranks, whatever s."""
    every = query_ranks(model, KG, "test")
    assert len(set(every.tolist())) > 3  # subsets of different queries give different numbers
    seen = set()
    for seed in range(6):
        ranks = query_ranks(model, KG, "test", max_queries=3, seed=seed)
        pick = np.random.default_rng(seed).choice(len(every), 3, replace=False)
        assert ranks.tolist() == every[pick].tolist()
        got = evaluate(model, KG, "test", max_queries=3, seed=seed)
        assert got == ranking_metrics(ranks)
        seen.add(got["mrr"])
    assert len(seen) > 1  # the seed does change the subset here


def test_training_scores_use_only_the_kept_training_triples(model):
    """Scorer(..., remove_own_edges=True, keep_triples=m) propagates over graph(batch, m): the fact_ratio
    mask reaches the model, not only Scorer.graph."""
    model.eval()
    scorer = Scorer(model, KG)
    batch = torch.as_tensor(KG.with_inverse(KG.train[:1]))
    keep = torch.tensor([True, False, True, False, True, False, True, True])
    with torch.no_grad():
        got = scorer(batch, remove_own_edges=True, keep_triples=keep)
        want = model(batch[:, 0], batch[:, 1], scorer.graph(batch, keep))
        every = model(batch[:, 0], batch[:, 1], scorer.graph(batch))
    assert torch.equal(got, want)
    assert not torch.allclose(got, every)  # the mask matters on this graph
    g = scorer.graph(batch, keep)
    src, dst, et = KG.graph_edges()
    expect = {(int(s), int(r), int(d)) for i, (s, d, r) in enumerate(zip(src, dst, et))
              if keep[i % len(KG.train)] and i % len(KG.train) != 0}
    assert set(zip(g.src.tolist(), g.etype.tolist(), g.dst.tolist())) == expect



def test_query_ranks_keep_close_scores_apart():
    """Scores 0.5001 and 0.5002 (apart in float32, equal in float16) rank as two, not as a tie."""
    from graphroute.neural.kg.data import filtered_ranks, known_answers
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    data = KGData("p", 4, 1, np.array([[0, 0, 3]]), np.zeros((0, 3), np.int64), np.array([[0, 0, 1]]),
                  list("abcd"), ["r"])
    scorer = PathRetrievalScorer(data, rules={(0,): np.array([0.5, 0.5])})
    table = np.zeros((4, 2))
    table[1, 0], table[2, 0] = 0.5002, 0.5001  # tail query (a, r, ?): target b above c
    scorer._head_scores[0] = table  # the head's score cache, as head_scores() would fill it
    scorer._head_scores[1] = np.zeros((4, 2))
    queries = data.with_inverse(data.test)
    assert query_ranks(scorer, data, "test").tolist() == [1.0, 2.5]
    assert filtered_ranks(scorer(queries), queries, known_answers(data)).tolist() == [1.0, 2.5]

def test_retrieval_scores_are_ranked_at_full_precision():
    """query_ranks casts every score batch to float32 (``.float()``), but the
    retrieval scorer's noisy-or scores are float64 and crowd near 1 when many rules fire. Two candidates at
    1 - 1e-9 and 1 - 4e-9 (0.999999999 vs 0.999999996) both round to 1.0f and tie: the target ranks 1.5
    instead of 1 (or 2). Expected: the float64 filtered rank of data.filtered_ranks."""
    from graphroute.neural.kg.data import filtered_ranks, known_answers
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    data = KGData("p", 4, 1, np.array([[0, 0, 3]]), np.zeros((0, 3), np.int64), np.array([[0, 0, 1]]),
                  list("abcd"), ["r"])
    scorer = PathRetrievalScorer(data, rules={(0,): np.array([0.5, 0.5])})
    table = np.zeros((4, 2))
    table[1, 0], table[2, 0] = 1 - 1e-9, 1 - 4e-9  # tail query (a, r, ?): target b just above c
    scorer._head_scores[0] = table  # the head's score cache, as head_scores() would fill it
    scorer._head_scores[1] = np.zeros((4, 2))  # head query (b, r^-1, ?): every tail scores 0
    queries = data.with_inverse(data.test)
    want = filtered_ranks(scorer(queries), queries, known_answers(data))
    assert want.tolist() == [1.0, 2.5]  # head query: a ties with b, c and d at 0: 1 + 3 / 2
    assert query_ranks(scorer, data, "test").tolist() == want.tolist()
