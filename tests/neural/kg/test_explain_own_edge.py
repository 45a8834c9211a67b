"""A training triple's own edge is always listed among its explanations (README), for every model that explains.

Was a bug for the retrieval scorer: its rule table never counts a triple as evidence for itself, so the one-hop
rule ``r => r`` has confidence 0, and explanations skip the rules at 0, the fact among them (UMLS, (virus, causes,
?): neoplastic_process marked known, none of its 100 paths the edge virus -[causes]-> neoplastic_process).
"""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.explain import predict, retrieval_paths
from graphroute.neural.kg.retrieval import PathRetrievalScorer


def hand_kg() -> KGData:
    """a=0, b=1, c=2; p=0, q=1, s=2 (inverses 3, 4, 5). Train: a -p-> b -p-> c, a -q-> c, a -s-> c.
    The pair (a, c) is joined by q and s and by the path p.p: fit() counts q => s and s => q (1 / (1 + 1))
    and p.p => q, p.p => s (1 / (2 + 1)), never s => s. The same holds backwards for (c, a)."""
    tr = np.array([[0, 0, 1], [1, 0, 2], [0, 1, 2], [0, 2, 2]], dtype=np.int64)
    return KGData("own", 3, 3, tr, tr[:0], tr[:0], list("abc"), ["p", "q", "s"])


def explained(scorer, data, h, r, t, k):
    return [(p.edges, p.weight) for p in retrieval_paths(scorer, data, h, r, t, k=k)]


def test_retrieval_lists_the_fact_itself_at_its_rule_confidence_zero():
    """(a, s, c): the rules q => s (0.5) and p.p => s (1/3), then the fact a -s-> c at conf(s => s) = 0; the
    fact keeps the last place when fewer paths are asked for, and is the one path at k=1."""
    data = hand_kg()
    scorer = PathRetrievalScorer(data).fit()
    assert scorer.rules[(2,)][2] == 0 and scorer.rules[(2,)][1] == 0.5  # s => q is a rule, s => s is not
    fact, q_edge, pp = [(0, 2, 2)], [(0, 1, 2)], [(0, 0, 1), (1, 0, 2)]
    assert explained(scorer, data, 0, 2, 2, 10) == [(q_edge, 0.5), (pp, pytest.approx(1 / 3)), (fact, 0.0)]
    assert explained(scorer, data, 0, 2, 2, 2) == [(q_edge, 0.5), (fact, 0.0)]
    assert explained(scorer, data, 0, 2, 2, 1) == [(fact, 0.0)]
    # the listed weights are what the score is made of: the fact adds nothing (noisy-or 1 - 0.5 * 2/3)
    assert scorer(np.array([[0, 2, 0]]))[0, 2] == pytest.approx(1 - 0.5 * (1 - 1 / 3) * (1 - 0.0))


def test_retrieval_lists_the_inverse_fact_for_an_inverse_query():
    """(c, s^-1, a) asks for the inverse of the training triple (a, s, c): its own edge is c -[s^-1]-> a."""
    data = hand_kg()
    scorer = PathRetrievalScorer(data).fit()
    assert data.relation_index("s^-1") == 5
    assert explained(scorer, data, 2, 5, 0, 10) == [([(2, 4, 0)], 0.5), ([(2, 3, 1), (1, 3, 0)], pytest.approx(1 / 3)),
                                                    ([(2, 5, 0)], 0.0)]
    assert explained(scorer, data, 2, 5, 0, 1) == [([(2, 5, 0)], 0.0)]


def test_retrieval_adds_no_edge_that_is_not_a_training_triple_and_lists_a_fact_once():
    """(a, s, b) and (a, p, c) are no training triples: no one-edge path a -[s]-> b or a -[p]-> c appears. A rule
    table that does give s => s a confidence (a hand-made one) lists the fact once, at that confidence."""
    data = hand_kg()
    scorer = PathRetrievalScorer(data).fit()
    for h, r, t in [(0, 2, 1), (0, 0, 2)]:
        assert [(h, r, t)] not in [edges for edges, _ in explained(scorer, data, h, r, t, 10)]
    conf = np.zeros(6)
    conf[2] = 0.9
    scorer = PathRetrievalScorer(data, rules={(2,): conf})
    assert explained(scorer, data, 0, 2, 2, 10) == [([(0, 2, 2)], 0.9)]


@pytest.mark.parametrize("kind", ["retrieval", "nbfnet"])
def test_every_known_answer_lists_its_own_edge(random_kg, kind):
    """predict, every answer of queries from training triples both ways: each known answer's paths hold its own
    edge, and with paths=1 that edge is the only one."""
    pytest.importorskip("torch")
    import torch

    from graphroute.neural.kg.train import KGConfig, build_model

    data = KGData.from_path(random_kg)
    if kind == "retrieval":
        model = PathRetrievalScorer(data).fit()
    else:
        torch.manual_seed(0)
        model = build_model(KGConfig(data=str(random_kg), dim=8, layers=3), data).eval()
    triples = data.with_inverse(data.train)
    queries = sorted({(int(h), int(r)) for h, r, _ in triples[::8]})  # a dozen queries, inverse ones included
    assert any(r >= data.num_relations for _, r in queries)
    known = 0
    for h, r in queries:
        for paths in (1, 3):
            for p in predict(model, data, h, r, top=data.num_entities, paths=paths):
                if p.known:
                    known += 1
                    assert [(h, r, p.tail)] in [q.edges for q in p.paths], (kind, h, r, p.tail)
                    assert paths > 1 or [q.edges for q in p.paths] == [[(h, r, p.tail)]]
    assert known >= 2 * len(queries)
