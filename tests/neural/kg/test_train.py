"""KG training: the loss goes down, resume repeats the losses, checkpoints load, configs name bad keys."""

from __future__ import annotations

import csv

import pytest

torch = pytest.importorskip("torch")

from graphroute.exceptions import ConfigError, InvalidArgumentError  # noqa: E402
from graphroute.neural.kg.train import KGConfig, evaluate, load_kg_model, train_kg  # noqa: E402


def losses(run_dir):
    return [float(row["loss"]) for row in csv.DictReader(open(run_dir / "log.csv"))]


@pytest.mark.parametrize("model", ["nbfnet", "nbfnet-pna", "distmult"])
def test_training_lowers_loss_and_resume_repeats(tmp_path, random_kg, model):
    extra = {"aggregate": "pna"} if model == "nbfnet-pna" else {}
    model = model.split("-")[0]
    cfg = KGConfig(data=str(random_kg), model=model, dim=8, layers=2, epochs=4, batch_size=16, lr=0.02, seed=3,
                   fact_ratio=0.7 if model == "nbfnet" else 1.0, **extra)
    full = train_kg(cfg, tmp_path / "a")
    first = losses(tmp_path / "a")
    assert first[-1] < first[0] and full.metrics["epoch"] == 4
    train_kg(KGConfig(**{**cfg.__dict__, "epochs": 2}), tmp_path / "b")
    train_kg(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    assert losses(tmp_path / "b") == pytest.approx(first, rel=1e-6)
    ck = torch.load(tmp_path / "a" / "last.pt", weights_only=False)
    assert ck["config"]["model"] == model and ck["metrics"]["epoch"] == 4 and "optimizer" in ck
    m, _, data = load_kg_model(tmp_path / "a" / "last.pt")
    if extra:
        assert m.aggregate == "pna"
    res = evaluate(m, data, "test")
    assert 0 < res["mrr"] <= 1 and res["queries"] == 2 * len(data.test)


def test_retrieval_fits_once_and_loads(tmp_path, family_kg):
    cfg = KGConfig(data=str(family_kg), model="retrieval", paths_k=5)
    res = train_kg(cfg, tmp_path / "r")
    assert res.metrics["rules"] > 0 and 0 < res.metrics["valid_mrr"] <= 1
    m, cfg2, data = load_kg_model(tmp_path / "r" / "best.pt")
    assert cfg2 == cfg and evaluate(m, data, "valid")["mrr"] == pytest.approx(res.metrics["valid_mrr"])


def test_resume_refuses_another_config(tmp_path, random_kg):
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1, batch_size=32)
    train_kg(cfg, tmp_path / "a")
    with pytest.raises(InvalidArgumentError, match="another config"):
        train_kg(KGConfig(**{**cfg.__dict__, "lr": 0.1}), tmp_path / "a", resume=tmp_path / "a" / "last.pt")


@pytest.mark.parametrize("bad, message", [
    ({"modle": "nbfnet"}, "unknown config key 'modle'"),
    ({"model": "transe"}, "'model' must be one of nbfnet, distmult, retrieval"),
    ({"layers": 0}, "'layers' must be a positive integer"),
    ({"lr": -1}, "'lr' must be a number >= 0"),
    ({"paths_k": 1.5}, "'paths_k' must be a positive integer"),
    ({"fact_ratio": 0}, "'fact_ratio' must be in \\(0, 1\\]"),
])
def test_config_errors_name_the_key(bad, message):
    with pytest.raises(ConfigError, match=message):
        KGConfig.from_dict(bad)


def test_checkpoint_with_an_unknown_config_key_is_refused_by_name(tmp_path, random_kg):
    """A checkpoint written by another version (a key this one lacks) gets a one-line error, for
    loading and for resuming alike, not a TypeError."""
    from graphroute.neural.train import load_checkpoint, save_atomic

    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1)
    train_kg(cfg, tmp_path / "a")
    ck = load_checkpoint(tmp_path / "a" / "last.pt")
    ck["config"]["from_the_future"] = 1
    save_atomic(ck, tmp_path / "b.pt")
    with pytest.raises(ConfigError, match="b.pt .checkpoint config.: unknown config key 'from_the_future'"):
        load_kg_model(tmp_path / "b.pt")
    with pytest.raises(ConfigError, match="unknown config key 'from_the_future'"):
        train_kg(KGConfig(**{**cfg.__dict__, "epochs": 2}), tmp_path / "a", resume=tmp_path / "b.pt")


def test_mismatched_kg_is_refused(tmp_path, random_kg, family_kg):
    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1), tmp_path / "a")
    from graphroute.neural.kg.data import KGData

    with pytest.raises(InvalidArgumentError, match="was trained on a KG with 12 entities"):
        load_kg_model(tmp_path / "a" / "last.pt", KGData.from_path(family_kg))
