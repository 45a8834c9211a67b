"""Audit C: evaluation ranks against a brute-force filtered ranking (eval mode, full message graph,
filter of every known answer); the message graph's own-edge removal against a set computation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.nbfnet import EdgeIndex  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model, query_ranks  # noqa: E402

# 5 entities, 3 relations; (0, r0, 1) has a second answer 2 in valid and 3 in test: filtering matters
TRAIN = np.array([[0, 0, 1], [1, 1, 2], [2, 2, 3], [3, 0, 4], [4, 1, 0], [1, 2, 3], [0, 1, 3], [2, 0, 4]])
VALID = np.array([[0, 0, 2], [3, 1, 1]])
TEST = np.array([[0, 0, 3], [4, 2, 2], [1, 0, 4]])
KG = KGData("audit", 5, 3, TRAIN, VALID, TEST, [f"e{i}" for i in range(5)], ["a", "b", "c"])


def brute_ranks(scores_of, split):
    """Filtered rank: 1 + #(non-answer candidates above) + half the ties, from raw per-query scores."""
    known: dict = {}
    for tr in (KG.train, KG.valid, KG.test):
        for h, r, t in KG.with_inverse(tr).tolist():
            known.setdefault((h, r), set()).add(t)
    out = []
    for h, r, t in KG.with_inverse(split).tolist():
        s = scores_of(h, r)
        cand = [s[e] for e in range(KG.num_entities) if e == t or e not in known[(h, r)]]
        out.append(1 + sum(c > s[t] for c in cand) + 0.5 * (sum(c == s[t] for c in cand) - 1))
    return np.array(out)


@pytest.mark.parametrize("split", ["test", "train"])
@pytest.mark.parametrize("model_name", ["nbfnet", "distmult"])
def test_query_ranks_equal_brute_force_in_eval_mode_on_the_full_graph(model_name, split):
    """Ranking (any split, the training one included) propagates over every training triple: no
    query's own edges are removed at evaluation."""
    torch.manual_seed(0)
    model = build_model(KGConfig(data="x", model=model_name, dim=8, layers=2, dropout=0.5), KG)
    model.train()  # left in training mode: evaluation must switch dropout off itself
    ranks = query_ranks(model, KG, split, batch_size=2)
    assert not model.training
    src, dst, et = (torch.as_tensor(a) for a in KG.graph_edges())
    full = EdgeIndex(src, dst, et, KG.num_entities)

    def scores_of(h, r):
        with torch.no_grad():
            if model_name == "nbfnet":
                return model(torch.tensor([h]), torch.tensor([r]), full)[0].tolist()
            return model(torch.tensor([h]), torch.tensor([r]))[0].tolist()

    np.testing.assert_allclose(ranks, brute_ranks(scores_of, getattr(KG, split)))
    assert np.array_equal(query_ranks(model, KG, split, batch_size=4), ranks)  # deterministic: no dropout


def test_filtering_removes_the_other_known_answers():
    """Scores fixed by hand (the entity id). Valid query (0, r0, 2): 1 (train) and 3 (test) are known
    answers and are filtered, 4 is above: rank 2 (unfiltered: 3)."""

    class Fixed(torch.nn.Module):
        def forward(self, heads, rels):
            return torch.arange(KG.num_entities, dtype=torch.float32).expand(len(heads), -1).clone()

    ranks = query_ranks(Fixed(), KG, "valid")
    want = brute_ranks(lambda h, r: list(range(KG.num_entities)), KG.valid)
    np.testing.assert_allclose(ranks, want)
    assert ranks[0] == 2.0  # unfiltered it would be 3


def edge_set(g):
    return sorted(zip(g.src.tolist(), g.etype.tolist(), g.dst.tolist()))


@pytest.mark.parametrize("one_hop", [False, True])
def test_removed_edges_are_exactly_the_batch_triples_and_inverses(one_hop):
    """Every batch of 1-3 training queries (both directions): the graph keeps exactly the edges a set
    computation keeps, on a KG whose relation ids make (u * R + r) keys collide across nodes."""
    model = build_model(KGConfig(data="x", dim=4, layers=1), KG)
    scorer = Scorer(model, KG, remove_one_hop=one_hop)
    every = [tuple(e) for e in zip(*(a.tolist() for a in KG.graph_edges()))]  # (src, dst, rel)
    queries = KG.with_inverse(KG.train)
    R = KG.num_relations
    for size in (1, 2):
        for batch in itertools.combinations(range(len(queries)), size):
            q = queries[list(batch)]
            drop = set()
            for h, r, t in q.tolist():
                drop |= {(h, t, r), (t, h, r + R if r < R else r - R)}
            keep = [(u, r, v) for u, v, r in every if (u, v, r) not in drop
                    and not (one_hop and any({u, v} == {h, t} for h, _, t in q.tolist()))]
            assert edge_set(scorer.graph(torch.as_tensor(q))) == sorted(keep), q.tolist()


def test_every_training_step_runs_in_train_mode_and_every_ranking_in_eval_mode(tmp_path, random_kg, monkeypatch):
    """Validation puts the model in eval mode; the next epoch must put it back (DistMult's dropout)."""
    from graphroute.neural.kg.distmult import DistMult
    from graphroute.neural.kg.train import train_kg

    seen = []
    forward = DistMult.forward

    def spy(self, heads, rels):
        seen.append((torch.is_grad_enabled(), self.training))
        return forward(self, heads, rels)

    monkeypatch.setattr(DistMult, "forward", spy)
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=2, batch_size=96, dropout=0.5)
    train_kg(cfg, tmp_path / "run")
    grad_modes = {mode for grad, mode in seen if grad}
    nograd_modes = {mode for grad, mode in seen if not grad}
    assert grad_modes == {True} and nograd_modes == {False}
    assert sum(1 for grad, _ in seen if grad) == 2  # 96 queries in one batch, 2 epochs


def test_max_queries_of_every_query_keeps_the_with_inverse_order():
    torch.manual_seed(0)
    model = build_model(KGConfig(data="x", dim=4, layers=1), KG)
    every = query_ranks(model, KG, "train")
    assert len(set(every.tolist())) >= 3  # distinct ranks: a reordering shows
    for cap in (len(every), len(every) + 5):
        assert query_ranks(model, KG, "train", max_queries=cap, seed=3).tolist() == every.tolist()
