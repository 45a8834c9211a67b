"""K-Paths-style retrieval scorer: paths from graphroute.paths, the rule table by hand, noisy-or scores."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.retrieval import PathRetrievalScorer, pair_graph
from graphroute.neural.kg.train import evaluate


def test_pair_graph_holds_every_training_edge(random_kg):
    data = KGData.from_path(random_kg)
    indptr, indices, w, rels = pair_graph(data)
    pairs = {(u, int(v)) for u in range(data.num_entities) for v in indices[indptr[u]:indptr[u + 1]]}
    assert pairs == set(rels) and len(w) == len(pairs)
    for h, r, t in data.train.tolist():
        assert r in rels[(h, t)] and r + data.num_relations in rels[(t, h)]


def test_retrieved_paths_are_the_shortest_loopless_ones(random_kg):
    data = KGData.from_path(random_kg)
    s = PathRetrievalScorer(data, k=3, max_overlap=1.0)  # overlap 1: plain Yen
    g = nx.DiGraph(list(s._graph()[3]))
    for h, t in [(0, 5), (3, 9), (7, 1)]:
        got = s.paths(h, t)
        want = list(itertools.islice(nx.shortest_simple_paths(g, h, t), 3))
        assert [len(p) for p in got] == [len(p) for p in want]
        for nodes in got:
            assert nodes[0] == h and nodes[-1] == t and len(set(nodes)) == len(nodes)
            assert all(g.has_edge(u, v) for u, v in zip(nodes, nodes[1:]))


def test_rule_table_by_hand(family_kg):
    data = KGData.from_path(family_kg)
    s = PathRetrievalScorer(data, k=10, alpha=1.0).fit()
    par, gp = data.relation_index("parent_of"), data.relation_index("grandparent_of")
    rule = (par, par)
    # every training grandparent triple (10 of them) has the path parent_of . parent_of; so do the
    # 2 + 2 held-out grandparent pairs, which are not training triples and do not count.
    train_gp = int((data.train[:, 1] == gp).sum())
    assert s.rules[rule][gp] == pytest.approx(train_gp / (train_gp + 1.0))
    # the one-hop rule "grandparent_of => grandparent_of" never counts the triple itself
    assert (gp,) not in s.rules or s.rules[(gp,)][gp] == 0


def test_scores_are_noisy_or_and_rank_the_held_out_grandchildren_first(family_kg):
    data = KGData.from_path(family_kg)
    s = PathRetrievalScorer(data, k=10).fit()
    for h, r, t in data.test.tolist():
        scores = s(np.array([[h, r, t]]))[0]
        conf = [s.rules[q][r] for q in s.sequences(h, t) if q in s.rules]
        assert scores[t] == pytest.approx(1 - np.prod([1 - c for c in conf]))
        assert scores[h] == 0
    res = evaluate(s, data, "test")
    assert res["mrr"] > 0.6 and res["queries"] == 2 * len(data.test)


def test_ranking_skips_only_tails_no_rule_can_reach(tmp_path):
    """Tails farther than the longest rule body are skipped; every score equals the all-tails noisy-or."""
    rng = np.random.default_rng(4)
    lines = [f"e{i}\tnext\te{i + 1}" for i in range(40)]  # a long chain: far tails exist
    lines += [f"e{int(a)}\tlink\te{int(b)}" for a, b in rng.integers(0, 10, (25, 2)) if a != b]  # a dense end
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n")
    for split in ("valid", "test"):
        (tmp_path / f"{split}.txt").write_text("e0\tnext\te1\n")
    data = KGData.from_path(tmp_path)
    s = PathRetrievalScorer(data, k=4).fit()
    longest = max(len(q) for q in s.rules)
    n_skipped = 0
    for h in range(0, data.num_entities, 3):
        got = s.head_scores(h)
        want = np.ones_like(got)
        for t in range(data.num_entities):  # brute force: every tail, every retrieved sequence
            if t != h:
                for q in s.sequences(h, t):
                    if q in s.rules:
                        want[t] *= 1.0 - s.rules[q]
        np.testing.assert_allclose(got, 1.0 - want)
        skipped = set(range(data.num_entities)) - set(s.candidates(h).tolist()) - {h}
        assert all(min(map(len, s.sequences(h, t)), default=longest + 1) > longest for t in skipped)
        n_skipped += len(skipped)
    assert n_skipped > 0  # the shortcut is exercised


def test_max_len_caps_retrieved_paths_and_rule_bodies(family_kg):
    data = KGData.from_path(family_kg)
    s = PathRetrievalScorer(data, k=10, max_len=2).fit()
    assert s.rules and max(len(q) for q in s.rules) <= 2
    for h in range(data.num_entities):
        for t in s.candidates(h).tolist():
            assert all(len(nodes) - 1 <= 2 for nodes in s.paths(h, t))
    again = PathRetrievalScorer.from_state(data, s.state())
    assert again.max_len == 2
    np.testing.assert_allclose(again.head_scores(0), s.head_scores(0))


def test_max_train_triples_counts_a_seeded_sample_of_the_triples(random_kg):
    """Walkthrough: max_train_triples was silently ignored by the retrieval scorer (all pairs counted)."""
    data = KGData.from_path(random_kg)
    full = PathRetrievalScorer(data, k=5).fit(seed=3)
    assert PathRetrievalScorer(data, k=5).fit(seed=3, max_triples=len(data.train)).rules.keys() == full.rules.keys()
    m = len(data.train) // 3
    part = PathRetrievalScorer(data, k=5).fit(seed=3, max_triples=m)
    picked = data.train[np.random.default_rng(3).choice(len(data.train), m, replace=False)]
    pairs = {(h, t) for h, _, t in picked.tolist()} | {(t, h) for h, _, t in picked.tolist()}
    assert part.pairs_total == len(pairs) < full.pairs_total
    # the paths run over the whole graph, so the sample's rule bodies are among the full fit's
    assert set(part.rules) <= set(full.rules)
