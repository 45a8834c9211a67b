"""Audit tests for graphroute.neural.kg.explain: mutants the existing suite let through."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.explain import beam_paths, verbalize


def tiny_kg() -> KGData:
    tr = np.array([[0, 0, 1], [1, 1, 2]], dtype=np.int64)
    return KGData(name="tiny", num_entities=3, num_relations=2, train=tr, valid=tr[:0], test=tr[:0],
                  entity_names=["a", "b", "c"], relation_names=["p", "q"])


def test_verbalize_marks_inverse_relations():
    """An edge walked backwards (relation id r + R) reads as ``r^-1``, never as the forward relation."""
    data = tiny_kg()
    assert verbalize(data, [(1, 2, 0), (0, 1, 2)]) == "b -[p^-1]-> a -[q]-> c"
    assert verbalize(data, [(2, 3, 1)]) == "c -[q^-1]-> b"


def test_default_beam_is_twice_k():
    """With k=1 the default beam (2) must keep the second-best prefix into node 3 (0->2->3), the only one
    that can still reach the tail without a loop; a beam of 1 keeps 0->1->3 and loses the best path.

    edges: 0:0->1 (-10), 1:0->2 (0), 2:1->3 (100), 3:2->3 (0), 4:3->1 (10), 5:1->5 (10)
    paths 0->5: [0, 5] mean 0; [1, 3, 4, 5] mean 5 (best).
    """
    src = np.array([0, 0, 1, 2, 3, 1])
    dst = np.array([1, 2, 3, 3, 1, 5])
    w = np.array([-10.0, 0.0, 100.0, 0.0, 10.0, 10.0])
    assert beam_paths(src, dst, w, 0, 5, max_hops=4, k=1, beam=2) == [(5.0, [1, 3, 4, 5])]
    assert beam_paths(src, dst, w, 0, 5, max_hops=4, k=1) == [(5.0, [1, 3, 4, 5])]


class _Layers:
    """gradient_paths reads only the number of layers (the most hops) off the model."""

    def __init__(self, layers: int):
        self.linear = [None] * layers


def test_gradient_paths_for_head_equals_tail_never_walk_an_edge_straight_back():
    """(0, p, 0): cycles through 0 only, never 0 -> 1 -> 0 over one triple and its inverse, even when
    those edges carry the highest importance. graph_edges(): 0:0-p->1, 1:1-q->2, 2:2-p->0, then inverses
    3:1-p^-1->0, 4:2-q^-1->1, 5:0-p^-1->2."""
    from graphroute.neural.kg.explain import gradient_paths

    tr = np.array([[0, 0, 1], [1, 1, 2], [2, 0, 0]], dtype=np.int64)
    data = KGData(name="cyc", num_entities=3, num_relations=2, train=tr, valid=tr[:0], test=tr[:0],
                  entity_names=["a", "b", "c"], relation_names=["p", "q"])
    g = np.array([9.0, 1.0, 1.0, 9.0, 0.0, 0.0])  # 0 -> 1 -> 0 (edges 0, 3) would be best by far
    got = gradient_paths(_Layers(3), data, 0, 0, 0, g, k=10)
    assert [p.edges for p in got] == [[(0, 0, 1), (1, 1, 2), (2, 0, 0)],  # mean 11 / 3
                                      [(0, 2, 2), (2, 3, 1), (1, 2, 0)]]  # mean 9 / 3
    assert [p.weight for p in got] == pytest.approx([11 / 3, 3.0])


def test_the_own_edge_is_the_query_relations_edge_with_its_own_importance():
    """(0, q, 1) with a p-edge 0 -> 1 beside it: the listed fact is edge 1 (0 -q-> 1), at its importance g[1],
    not the p-edge, and not at a made-up weight. graph_edges(): 0:0-p->1, 1:0-q->1, 2:0-p->2, 3:2-q->1, + inverses."""
    from graphroute.neural.kg.explain import gradient_paths

    tr = np.array([[0, 0, 1], [0, 1, 1], [0, 0, 2], [2, 1, 1]], dtype=np.int64)
    data = KGData(name="own", num_entities=3, num_relations=2, train=tr, valid=tr[:0], test=tr[:0],
                  entity_names=["a", "b", "c"], relation_names=["p", "q"])
    g = np.array([5.0, -1.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0])
    got = gradient_paths(_Layers(2), data, 0, 1, 1, g, k=2)
    assert [(p.edges, p.weight) for p in got] == [([(0, 0, 1)], 5.0), ([(0, 1, 1)], -1.0)]
    got = gradient_paths(_Layers(2), data, 0, 1, 1, g, k=3)
    assert [(p.edges, p.weight) for p in got] == [([(0, 0, 1)], 5.0), ([(0, 0, 2), (2, 1, 1)], 3.0),
                                                  ([(0, 1, 1)], -1.0)]


def test_retrieval_explanations_only_list_rules_that_imply_the_relation(tmp_path):
    """A retrieved path whose rule has confidence 0 for the asked relation explains nothing (the query's own
    edge, a training triple, is the one path listed at 0: the fact itself)."""
    from graphroute.neural.kg.explain import retrieval_paths
    from graphroute.neural.kg.retrieval import PathRetrievalScorer
    from tests.neural.kg.conftest import family_triples, write_kg

    data = KGData.from_path(write_kg(tmp_path / "fam", family_triples(), [], []))
    scorer = PathRetrievalScorer(data).fit()
    g0, par = data.entity_index("g0"), data.relation_index("parent_of")
    pp = (par, par)
    assert scorer.rules[pp][par] == 0 and scorer.rules[pp][data.relation_index("grandparent_of")] > 0
    for tail in range(data.num_entities):
        for p in retrieval_paths(scorer, data, g0, par, tail, k=50):
            if p.edges == [(g0, par, tail)]:
                continue
            assert p.weight > 0, p.text
            assert tuple(r for _, r, _ in p.edges) != pp


@pytest.fixture
def family(tmp_path):
    from graphroute.neural.kg.retrieval import PathRetrievalScorer
    from tests.neural.kg.conftest import family_triples, write_kg

    data = KGData.from_path(write_kg(tmp_path / "fam", family_triples(), [], []))
    return data, PathRetrievalScorer(data).fit()


def test_predict_breaks_score_ties_by_entity_id_and_caps_paths_at_max(family):
    """Many tails score 0 under the retrieval scorer: they follow in ascending entity id. paths=MAX_PATHS is allowed."""
    from graphroute.neural.kg.explain import MAX_PATHS, predict

    data, scorer = family
    g0, gp = data.entity_index("g0"), data.relation_index("grandparent_of")
    preds = predict(scorer, data, g0, gp, top=data.num_entities, paths=MAX_PATHS)
    scores = scorer(np.array([[g0, gp, g0]]))[0]
    assert [p.tail for p in preds] == sorted(range(data.num_entities), key=lambda t: (-scores[t], t))
    assert sum(p.score == 0 for p in preds) > 2  # ties do occur


def test_predict_marks_inverse_training_facts_as_known(family):
    """(k000, parent_of^-1, c00) is the inverse of the training triple (c00, parent_of, k000): known."""
    from graphroute.neural.kg.explain import predict

    data, scorer = family
    k, c = data.entity_index("k000"), data.entity_index("c00")
    inv = data.relation_index("parent_of^-1")
    preds = {p.tail: p for p in predict(scorer, data, k, inv, top=data.num_entities, paths=1)}
    truth = {(int(t), int(r) + data.num_relations, int(h)) for h, r, t in data.train}
    assert preds[c].known
    assert all(p.known == ((k, inv, t) in truth) for t, p in preds.items())


def test_retrieval_path_weight_is_the_rule_confidence_for_the_asked_relation(tmp_path):
    """parent.parent implies grandparent_of (12 pairs) and ancestor_of (6 pairs, g0's only): explaining
    ancestor_of weighs the path by conf(parent.parent => ancestor_of), not by its best relation. The query's own
    edge weighs conf(r => r), 0 where the table has no rule r."""
    from graphroute.neural.kg.explain import retrieval_paths
    from graphroute.neural.kg.retrieval import PathRetrievalScorer
    from tests.neural.kg.conftest import family_triples, write_kg

    rows = family_triples()
    rows += [("g0", "ancestor_of", t) for h, r, t in rows if h == "g0" and r == "grandparent_of"]
    data = KGData.from_path(write_kg(tmp_path / "anc", rows, [], []))
    scorer = PathRetrievalScorer(data).fit()
    par, anc = data.relation_index("parent_of"), data.relation_index("ancestor_of")
    assert 0 < scorer.rules[(par, par)][anc] < scorer.rules[(par, par)].max()
    g0 = data.entity_index("g0")
    for rel in range(2 * data.num_relations):
        for tail in range(data.num_entities):
            for p in retrieval_paths(scorer, data, g0, rel, tail, k=50):
                seq = tuple(r for _, r, _ in p.edges)
                assert p.weight == (scorer.rules[seq][rel] if seq in scorer.rules else 0.0)


def test_retrieval_explanations_use_the_scorers_capped_sequences_and_break_ties_by_path():
    """Entities a=0, b=1, c=2, d=3; relations p=0, q=1, s=2. (a, s, c) is implied by a -p-> d -p-> c and by
    a -q-> b -q-> c, each rule at confidence 1 / (1 + alpha) = 0.5: the tie goes to the smaller path
    (first edge (a, p, d) < (a, q, b)); then the training triple (a, s, c) itself, at 0. With max_sequences=1
    only the first relation sequence of a node path counts, in explanations as in scores."""
    from graphroute.neural.kg.explain import retrieval_paths
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    tr = np.array([[0, 0, 3], [3, 0, 2], [0, 1, 1], [1, 1, 2], [0, 2, 2]], dtype=np.int64)
    data = KGData("tie", 4, 3, tr, tr[:0], tr[:0], list("abcd"), ["p", "q", "s"])
    scorer = PathRetrievalScorer(data).fit()
    got = retrieval_paths(scorer, data, 0, 2, 2, k=10)
    assert [(p.edges, p.weight) for p in got] == [([(0, 0, 3), (3, 0, 2)], 0.5), ([(0, 1, 1), (1, 1, 2)], 0.5),
                                                  ([(0, 2, 2)], 0.0)]

    # a -p-> b and a -q-> b in parallel, then b -p-> c: (q, p) is a rule (from u -q-> v -p-> w) but with the
    # cap of 1 the scorer retrieves only (p, p) between a and c, so only that path explains (a, s, c)
    rows = [(0, 0, 1), (0, 1, 1), (1, 0, 2), (0, 2, 2), (3, 1, 4), (4, 0, 5), (3, 2, 5)]
    tr = np.array(rows, dtype=np.int64)
    data = KGData("cap", 6, 3, tr, tr[:0], tr[:0], list("abcuvw"), ["p", "q", "s"])
    scorer = PathRetrievalScorer(data, max_sequences=1).fit()
    assert (1, 0) in scorer.rules and scorer.sequences(0, 2) >= {(0, 0)} and (1, 0) not in scorer.sequences(0, 2)
    got = retrieval_paths(scorer, data, 0, 2, 2, k=10)
    assert got and all(tuple(r for _, r, _ in p.edges) in scorer.sequences(0, 2) for p in got)

def test_predict_orders_retrieval_answers_at_full_precision():
    """Was a bug: predict casts the scores to float32 (``.float()``). Retrieval scores are float64 noisy-or values;
    c at 1 - 1e-9 beats b at 1 - 4e-9, but both round to 1.0f, tie, and the tie-break by id puts b first
    (and both print as score 1.0). Expected order c, b; got b, c."""
    from graphroute.neural.kg.explain import predict
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    data = KGData("p", 4, 1, np.array([[0, 0, 3]]), np.zeros((0, 3), np.int64), np.zeros((0, 3), np.int64),
                  list("abcd"), ["r"])
    scorer = PathRetrievalScorer(data, rules={(0,): np.array([0.5, 0.5])})
    table = np.zeros((4, 2))
    table[2, 0], table[1, 0] = 1 - 1e-9, 1 - 4e-9
    scorer._head_scores[0] = table  # the head's score cache, as head_scores() would fill it
    preds = predict(scorer, data, 0, 0, top=2, paths=1)
    assert [p.tail for p in preds] == [2, 1]
    assert preds[0].score > preds[1].score
