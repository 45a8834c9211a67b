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
    # no loss to log: an empty cell, not "nan" (which reads like a diverged run)
    assert [row["loss"] for row in csv.DictReader(open(tmp_path / "r" / "log.csv"))] == [""]
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


@pytest.mark.parametrize("model", ["nbfnet", "distmult"])
def test_stop_inside_an_epoch_and_resume_matches_a_straight_run(tmp_path, random_kg, model):
    """A stop part-way through an epoch (time limit or max_steps) records the steps done; resuming
    trains the rest of that epoch with the same batches and draws, to the same weights."""
    cfg = KGConfig(data=str(random_kg), model=model, dim=8, layers=2, epochs=2, batch_size=16, lr=0.02, seed=1,
                   fact_ratio=0.7 if model == "nbfnet" else 1.0)  # 96 queries: 6 steps per epoch
    straight = train_kg(cfg, tmp_path / "a")
    part = train_kg(cfg, tmp_path / "b", max_steps=4)
    ck = torch.load(tmp_path / "b" / "last.pt", weights_only=False)
    assert (ck["epoch"], ck["epoch_step"], part.step) == (0, 4, 4)
    resumed = train_kg(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    assert resumed.step == straight.step == 12
    a = torch.load(tmp_path / "a" / "last.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=False)["model"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
    rows = list(csv.DictReader(open(tmp_path / "b" / "log.csv")))
    assert [(r["epoch"], r["steps"]) for r in rows] == [("1", "4"), ("1", "2"), ("2", "6")]


def test_resume_refuses_exported_and_retrieval_checkpoints(tmp_path, random_kg, family_kg):
    from graphroute.neural.kg.train import export_checkpoint

    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1, batch_size=32)
    train_kg(cfg, tmp_path / "a")
    export_checkpoint(tmp_path / "a" / "best.pt", tmp_path / "shipped.pt")
    with pytest.raises(InvalidArgumentError, match="exported checkpoint.*resume from a run's last.pt"):
        train_kg(KGConfig(**{**cfg.__dict__, "epochs": 2}), tmp_path / "a", resume=tmp_path / "shipped.pt")
    ret = KGConfig(data=str(family_kg), model="retrieval", paths_k=2)
    train_kg(ret, tmp_path / "r")
    with pytest.raises(InvalidArgumentError, match="nothing to resume"):
        train_kg(ret, tmp_path / "r", resume=tmp_path / "r" / "last.pt")


def test_a_kg_without_valid_triples_is_refused_before_anything_is_written(tmp_path, random_kg):
    (random_kg / "valid.txt").unlink()
    with pytest.raises(InvalidArgumentError, match="no valid triples"):
        train_kg(KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_fresh_run_starts_a_fresh_log(tmp_path, random_kg, family_kg):
    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=3), tmp_path / "a")
    train_kg(KGConfig(data=str(family_kg), model="retrieval", paths_k=2), tmp_path / "a")
    rows = list(csv.DictReader(open(tmp_path / "a" / "log.csv")))
    assert len(rows) == 1 and rows[0]["rules"] and rows[0]["pairs_fitted"] == rows[0]["pairs_total"]


def test_retrieval_time_limit_fits_a_sample_of_pairs(tmp_path, family_kg):
    res = train_kg(KGConfig(data=str(family_kg), model="retrieval", paths_k=2), tmp_path / "r", time_limit=1e-9)
    assert res.metrics["pairs_fitted"] == 1 < res.metrics["pairs_total"]
    # walkthrough finding: the run said only that it went over the limit, not that the fit used a sample
    assert res.note.startswith(f"the time limit stopped the rule counting at 1 of {res.metrics['pairs_total']:,} "
                               "training entity pairs")
    full = train_kg(KGConfig(data=str(family_kg), model="retrieval", paths_k=2), tmp_path / "f")
    assert full.note is None


def test_reordered_kg_files_rank_the_same_and_another_kg_is_refused_by_name(tmp_path, random_kg):
    """Ids follow the order of the files: a checkpoint matches a KG by its names, not its counts."""
    from graphroute.neural.kg.data import KGData

    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=8, epochs=5, batch_size=16), tmp_path / "a")
    m, _, data = load_kg_model(tmp_path / "a" / "best.pt")
    want = evaluate(m, data, "test")
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for name in ("train", "valid", "test"):
        lines = (random_kg / f"{name}.txt").read_text().splitlines(keepends=True)
        (shuffled / f"{name}.txt").write_text("".join(lines[::-1]))
    other = KGData.from_path(shuffled)
    assert other.entity_names != data.entity_names  # the ids really differ
    m2, _, data2 = load_kg_model(tmp_path / "a" / "best.pt", other)
    assert evaluate(m2, data2, "test") == pytest.approx(want)
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for name in ("train", "valid", "test"):
        (renamed / f"{name}.txt").write_text((random_kg / f"{name}.txt").read_text().replace("e3\t", "x3\t")
                                             .replace("\te3\n", "\tx3\n"))
    with pytest.raises(InvalidArgumentError, match="not the KG best.pt was trained on: 1 entity names"):
        load_kg_model(tmp_path / "a" / "best.pt", KGData.from_path(renamed))


@pytest.mark.parametrize("bad, message", [
    ({"seed": -1}, "'seed' must be an integer >= 0"),
    ({"max_train_triples": 0}, "'max_train_triples' must be a positive integer or null"),
    ({"max_eval_queries": -3}, "'max_eval_queries' must be a positive integer or null"),
])
def test_config_errors_before_training(bad, message):
    with pytest.raises(ConfigError, match=message):
        KGConfig.from_dict(bad)


def test_evaluate_refuses_an_empty_split_and_a_bad_sample_size(tmp_path, random_kg):
    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1), tmp_path / "a")
    m, _, data = load_kg_model(tmp_path / "a" / "last.pt")
    with pytest.raises(InvalidArgumentError, match="max_queries must be at least 1"):
        evaluate(m, data, "test", max_queries=0)
    (random_kg / "test.txt").write_text("")
    m, _, data = load_kg_model(tmp_path / "a" / "last.pt")
    with pytest.raises(InvalidArgumentError, match="the test split of random_kg has no triples"):
        evaluate(m, data, "test")


@pytest.mark.parametrize("module", ["graphroute.neural.kg.train:KGConfig", "graphroute.neural.router.train:RouterConfig"])
def test_kg_and_router_configs_take_floats_written_as_text_and_refuse_an_empty_file(tmp_path, module):
    """YAML reads 1e-4 (no dot) as text; the help's own example is --set lr=1e-4. An empty file is an error,
    not a default run."""
    import importlib

    mod, name = module.split(":")
    cls = getattr(importlib.import_module(mod), name)
    assert cls.from_dict({"lr": "1e-4"}).lr == pytest.approx(1e-4)
    f = tmp_path / "c.yaml"
    f.write_text("lr: 1e-4\n")
    assert cls.from_yaml(f).lr == pytest.approx(1e-4)
    f.write_text("# only a comment\n")
    with pytest.raises(ConfigError, match="is empty"):
        cls.from_yaml(f)
    with pytest.raises(ConfigError):
        cls.from_dict({"lr": "fast"})


def test_a_fresh_run_clears_the_earlier_runs_checkpoints_and_temp_files(tmp_path, random_kg):
    """As in the routing trainer: a fresh run removes an earlier run's best.pt / last.pt and killed writes'
    temp files; a resumed run keeps them."""
    out = tmp_path / "a"
    out.mkdir()
    (out / "best.pt").write_bytes(b"an earlier run's")
    (out / ".best.pt.77.tmp").write_bytes(b"half written")
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1, batch_size=32)
    train_kg(cfg, out)
    assert not (out / ".best.pt.77.tmp").exists()
    assert (out / "best.pt").read_bytes() != b"an earlier run's"
    load_kg_model(out / "best.pt")


def test_torchrun_is_refused_in_one_line(tmp_path, random_kg, monkeypatch):
    """Every rank used to train the same run into the same folder."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=8, epochs=1, batch_size=16, seed=3)
    with pytest.raises(InvalidArgumentError, match="only --task vrp supports torchrun"):
        train_kg(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_elapsed_goes_on_across_a_resume(tmp_path, random_kg, monkeypatch):
    """Walkthrough finding: log.csv's elapsed_s (kg.md's training-time column) restarted at 0 in a resumed
    run, so a run trained in two calls reported the second call's time only. A fake clock ticks 1 s per read."""
    import itertools

    from graphroute.neural.kg import train as kgtrain

    ticks = itertools.count()
    monkeypatch.setattr(kgtrain.time, "perf_counter", lambda: float(next(ticks)))
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=8, epochs=2, batch_size=16, lr=0.02, seed=3)
    train_kg(cfg, tmp_path)
    res = train_kg(KGConfig(**{**cfg.__dict__, "epochs": 4}), tmp_path, resume=tmp_path / "last.pt")
    elapsed = [float(r["elapsed_s"]) for r in csv.DictReader(open(tmp_path / "log.csv"))]
    assert len(elapsed) == 4 and all(b > a for a, b in zip(elapsed, elapsed[1:])), elapsed
    assert res.elapsed_s >= elapsed[-1]


def test_kg_training_keeps_the_callers_random_state(tmp_path, random_kg):
    from tests.neural.test_random_state import caller_state_kept

    cfg = KGConfig(data=str(random_kg), model="distmult", dim=8, epochs=1, batch_size=16, seed=3)
    caller_state_kept(lambda: train_kg(cfg, tmp_path / "a"))
    torch.manual_seed(999)
    train_kg(cfg, tmp_path / "b")
    assert losses(tmp_path / "a") == losses(tmp_path / "b")


@pytest.mark.parametrize("model, key, readers", [("retrieval", "lr", "nbfnet, distmult"),
                                                  ("nbfnet", "dropout", "distmult"),
                                                  ("distmult", "layers", "nbfnet"),
                                                  ("distmult", "paths_k", "retrieval")])
def test_a_key_the_chosen_model_does_not_read_is_refused_by_name(tmp_path, random_kg, model, key, readers):
    from graphroute.neural.kg.train import run_from_yaml

    value = {"lr": 0.1, "dropout": 0.1, "layers": 2, "paths_k": 3}[key]
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data: {random_kg}\nmodel: {model}\n")
    for where, written in (("--set", {}), (str(cfg), {key: value})):
        if written:
            cfg.write_text(cfg.read_text() + f"{key}: {value}\n")
        with pytest.raises(ConfigError, match=f"^{where}: config key '{key}' does not apply to model '{model}' "
                                              fr"\(only {readers} reads? it\)"):
            run_from_yaml(cfg, out=tmp_path / "run", overrides={key: value} if where == "--set" else None)
    assert not (tmp_path / "run").exists()


def test_every_shipped_kg_config_writes_only_keys_its_model_reads():
    from pathlib import Path

    from graphroute.neural.config import read_config_file
    from graphroute.neural.kg.train import check_model_keys

    shipped = sorted((Path(__file__).parents[3] / "experiments" / "configs").glob("kg_*.yaml"))
    assert len(shipped) >= 10
    for f in shipped:
        check_model_keys(KGConfig.from_yaml(f).model, read_config_file(f, "kg"), str(f))
