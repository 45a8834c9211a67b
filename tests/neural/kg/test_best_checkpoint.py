"""KG training: best.pt is the highest valid MRR (earlier epoch on ties, kept across resume), chosen on valid,
ranking ranks the split asked for, max_queries samples without repeats, negatives exclude every training
answer and epochs reshuffle."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphroute.neural.kg.train as kg_train  # noqa: E402
from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.train import KGConfig, build_model, query_ranks, train_kg  # noqa: E402
from graphroute.neural.kg.train import evaluate as REAL_EVALUATE  # noqa: E402
from tests.neural.kg.conftest import random_triples, write_kg  # noqa: E402


@pytest.fixture
def kg(tmp_path):
    rows = random_triples()
    return write_kg(tmp_path / "kg", rows[:48], rows[48:52], rows[52:])  # 4 valid, 8 test


def scripted(monkeypatch, mrrs):
    """kg_train.evaluate returns the next MRR of ``mrrs`` and records the split it was asked for."""
    real, splits = REAL_EVALUATE, []

    def evaluate(model, data, split="test", **kw):
        splits.append(split)
        res = real(model, data, split, **kw)
        return {**res, "mrr": mrrs[len(splits) - 1]}

    monkeypatch.setattr(kg_train, "evaluate", evaluate)
    return splits


def cfg(kg, epochs):
    return KGConfig(data=str(kg), model="distmult", dim=4, epochs=epochs, batch_size=32, seed=0)


def best_epoch(run):
    return torch.load(run / "best.pt", weights_only=False)["epoch"]


def test_best_pt_is_the_epoch_of_the_highest_valid_mrr(tmp_path, kg, monkeypatch):
    splits = scripted(monkeypatch, [0.5, 0.3, 0.4])
    train_kg(cfg(kg, 3), tmp_path / "run")
    assert splits == ["valid"] * 3
    assert best_epoch(tmp_path / "run") == 1
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["best_valid_mrr"] == 0.5


def test_a_tie_keeps_the_earlier_epoch(tmp_path, kg, monkeypatch):
    scripted(monkeypatch, [0.5, 0.5])
    train_kg(cfg(kg, 2), tmp_path / "run")
    assert best_epoch(tmp_path / "run") == 1


def test_resume_keeps_the_best_mrr_of_the_earlier_epochs(tmp_path, kg, monkeypatch):
    scripted(monkeypatch, [0.5, 0.3])
    train_kg(cfg(kg, 2), tmp_path / "run")
    scripted(monkeypatch, [0.4])
    train_kg(cfg(kg, 3), tmp_path / "run", resume=tmp_path / "run" / "last.pt")
    assert best_epoch(tmp_path / "run") == 1


def test_evaluate_ranks_the_split_asked_for(kg):
    data = KGData.from_path(kg)
    torch.manual_seed(0)
    m = build_model(KGConfig(data=str(kg), model="distmult", dim=4), data)
    assert len(query_ranks(m, data, "valid")) == 2 * len(data.valid) == 8
    assert len(query_ranks(m, data, "test")) == 2 * len(data.test) == 16


def test_max_queries_is_a_sample_without_repeats(kg):
    data = KGData.from_path(kg)
    torch.manual_seed(0)
    m = build_model(KGConfig(data=str(kg), model="distmult", dim=4, dropout=0.0), data)
    every = query_ranks(m, data, "test")
    pick = np.random.default_rng(3).choice(16, 12, replace=False)
    assert query_ranks(m, data, "test", max_queries=12, seed=3).tolist() == every[pick].tolist()


def test_negatives_exclude_every_training_answer_and_epochs_reshuffle(tmp_path, kg, monkeypatch):
    real, seen = kg_train._loss, []

    def spy(cfg_, scorer, model, batch, train_known, keep=None):
        seen.append((batch.clone(), train_known))
        return real(cfg_, scorer, model, batch, train_known, keep)

    monkeypatch.setattr(kg_train, "_loss", spy)
    c = KGConfig(data=str(kg), model="distmult", dim=4, epochs=2, batch_size=96, seed=0, max_train_triples=10)
    train_kg(c, tmp_path / "run")
    data = KGData.from_path(kg)
    want = {}
    for h, r, t in data.with_inverse(data.train).tolist():
        want.setdefault((h, r), set()).add(t)
    assert seen[0][1] == want  # all 48 training triples, not the 10 sampled
    (b1, _), (b2, _) = seen
    assert sorted(b1.tolist()) == sorted(b2.tolist()) and b1.tolist() != b2.tolist()
