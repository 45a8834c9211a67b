"""KG training details a mutation audit found unchecked: the seeded subsample of max_train_triples,
steps per epoch rounded up, the epoch step of a twice-stopped run, and what export keeps."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg import train as kg_train  # noqa: E402
from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.train import KGConfig, export_checkpoint, train_kg  # noqa: E402


def cfg_for(kg, **kw) -> KGConfig:
    base = dict(data=str(kg), model="distmult", dim=8, epochs=1, batch_size=64, lr=0.01, dropout=0.0, seed=0)
    base.update(kw)
    return KGConfig(**base)


def spy_batches(monkeypatch) -> list[np.ndarray]:
    """Record every batch the training loss sees (rows ``(entity, relation, target)``)."""
    seen: list[np.ndarray] = []
    real = kg_train._loss

    def loss(cfg, scorer, model, batch, train_known, keep_triples=None):  # noqa: ANN001, ANN202
        seen.append(batch.detach().cpu().numpy().copy())
        return real(cfg, scorer, model, batch, train_known, keep_triples)

    monkeypatch.setattr(kg_train, "_loss", loss)
    return seen


def log_rows(path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_max_train_triples_is_a_seeded_sample_without_replacement(tmp_path, random_kg, monkeypatch):  # T31
    seen = spy_batches(monkeypatch)
    k, seed = 10, 3
    train_kg(cfg_for(random_kg, max_train_triples=k, seed=seed), tmp_path / "run")
    data = KGData.from_path(random_kg)
    assert len(data.train) == 48
    idx = np.random.default_rng(seed).choice(len(data.train), k, replace=False)
    expected = data.with_inverse(data.train[idx])
    trained = np.concatenate(seen)
    assert len(trained) == 2 * k  # one epoch: every sampled triple once in each direction
    as_set = lambda rows: sorted(map(tuple, np.asarray(rows).tolist()))  # noqa: E731
    assert as_set(trained) == as_set(expected)
    assert as_set(trained) != as_set(data.with_inverse(data.train[:k]))  # not the first k rows


def test_a_partial_last_batch_is_a_step(tmp_path, random_kg, monkeypatch):  # T39
    seen = spy_batches(monkeypatch)
    res = train_kg(cfg_for(random_kg, batch_size=64), tmp_path / "run")
    n_queries = 2 * len(KGData.from_path(random_kg).train)
    assert n_queries == 96 and math.ceil(96 / 64) == 2
    rows = log_rows(tmp_path / "run" / "log.csv")
    assert len(rows) == 1 and int(rows[0]["steps"]) == 2 and int(rows[0]["step"]) == 2
    assert res.step == 2
    assert [len(b) for b in seen] == [64, 32]


def test_epoch_step_adds_up_over_stopped_calls(tmp_path, random_kg):  # T27
    cfg = cfg_for(random_kg, batch_size=16, epochs=2)  # 96 queries: 6 steps an epoch
    out = tmp_path / "run"
    train_kg(cfg, out, max_steps=2)
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["epoch"] == 0 and ck["epoch_step"] == 2
    train_kg(cfg, out, resume=out / "last.pt", max_steps=2)
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["epoch"] == 0 and ck["epoch_step"] == 4
    assert ck["metrics"]["step"] == 4
    train_kg(cfg, out, resume=out / "last.pt", max_steps=2)
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["epoch"] == 1 and ck["epoch_step"] == 0  # 6 of 6: the epoch is finished


def test_export_keeps_the_metrics(tmp_path, random_kg):  # T38
    train_kg(cfg_for(random_kg), tmp_path / "run")
    src = torch.load(tmp_path / "run" / "best.pt", weights_only=False)
    dst = export_checkpoint(tmp_path / "run" / "best.pt", tmp_path / "shipped.pt")
    ck = torch.load(dst, weights_only=False)
    assert "metrics" in ck and ck["metrics"] == src["metrics"]
    assert ck["metrics"]["valid_mrr"] == src["metrics"]["valid_mrr"]
    assert "optimizer" not in ck and "rng" not in ck
    for key in ("history", "best_valid_mrr", "epoch", "vocab", "config"):
        assert ck[key] == src[key]
