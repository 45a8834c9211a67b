"""How KG training stops: divergence (never saved), Ctrl-C (saved, resumable), the time limit (validation inside)."""

from __future__ import annotations

import csv
import signal
import time

import pytest

torch = pytest.importorskip("torch")

import graphroute.neural.kg.train as kg_train  # noqa: E402
from graphroute.neural.kg.train import (  # noqa: E402
    KGConfig,
    TrainingDivergedError,
    TrainingInterrupted,
    train_kg,
)
from tests.conftest import ctrl_c_at, poison_optimizer_step  # noqa: E402


def rows(run_dir):
    return list(csv.DictReader(open(run_dir / "log.csv")))


def weights(path):
    return torch.load(path, weights_only=False)["model"]


def assert_same_weights(a, b):
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


def small(kg, model="distmult", **kw):
    """96 training queries, batch 16: 6 steps per epoch."""
    return KGConfig(**{"data": str(kg), "model": model, "dim": 8, "layers": 2, "epochs": 2, "batch_size": 16,
                       "lr": 0.02, "seed": 1, "fact_ratio": 0.7 if model == "nbfnet" else 1.0, **kw})


# --- divergence --------------------------------------------------------------------------------------------


def test_a_learning_rate_that_diverges_stops_training_and_writes_nothing(tmp_path, random_kg):
    """lr 1e8: NaN at the second step. The old loop trained on and saved the NaN model as best.pt."""
    with pytest.raises(TrainingDivergedError) as err:
        train_kg(small(random_kg, "nbfnet", lr=1e8), tmp_path / "run")
    msg = str(err.value)
    assert "training diverged" in msg and "epoch 1, step" in msg and "lower the learning rate" in msg
    assert "no checkpoint was written" in msg and "\n" not in msg
    assert not (tmp_path / "run" / "last.pt").exists() and not (tmp_path / "run" / "best.pt").exists()


def test_a_learning_rate_beyond_float32_stops_training_in_one_line(tmp_path, random_kg):
    with pytest.raises(TrainingDivergedError, match="the optimizer step overflowed .* at epoch 1, step 1 of"):
        train_kg(small(random_kg, "nbfnet", lr=1e39), tmp_path / "run")
    assert not (tmp_path / "run" / "last.pt").exists()


def test_divergence_in_a_later_epoch_keeps_the_last_good_checkpoints(tmp_path, random_kg, monkeypatch):
    real = kg_train._loss
    calls = []

    def loss_nan_at_step_8(*args, **kw):  # epoch 2, step 2
        calls.append(1)
        out = real(*args, **kw)
        return out * float("nan") if len(calls) == 8 else out

    monkeypatch.setattr(kg_train, "_loss", loss_nan_at_step_8)
    with pytest.raises(TrainingDivergedError, match=r"the loss is nan at epoch 2, step 2 of 6.*last.pt \(the end of "
                                                    r"epoch 1\) is the last good checkpoint"):
        train_kg(small(random_kg, epochs=3), tmp_path / "run")
    for name in ("last.pt", "best.pt"):
        ck = torch.load(tmp_path / "run" / name, weights_only=False)
        assert ck["epoch"] == 1 and all(torch.isfinite(v).all() for v in ck["model"].values())
    assert [r["epoch"] for r in rows(tmp_path / "run")] == ["1"]


def test_weights_that_become_infinite_stop_training(tmp_path, random_kg, monkeypatch):
    """A finite loss whose update overflows the weights: caught before the next step or a checkpoint."""
    poison_optimizer_step(monkeypatch, 3, float("inf"))
    with pytest.raises(TrainingDivergedError, match="the weights became NaN or infinite at epoch 1, step 3 of 6"):
        train_kg(small(random_kg), tmp_path / "run")
    assert not (tmp_path / "run" / "last.pt").exists()


def test_a_non_finite_valid_mrr_is_never_best(tmp_path, random_kg, monkeypatch):
    real = kg_train.evaluate
    calls = []

    def evaluate(*args, **kw):
        calls.append(1)
        res = real(*args, **kw)
        return {**res, "mrr": float("nan")} if len(calls) == 2 else res

    monkeypatch.setattr(kg_train, "evaluate", evaluate)
    with pytest.raises(TrainingDivergedError, match="the valid MRR is nan at the end of epoch 2"):
        train_kg(small(random_kg, epochs=3), tmp_path / "run")
    assert torch.load(tmp_path / "run" / "best.pt", weights_only=False)["epoch"] == 1
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["epoch"] == 1


# --- Ctrl-C ------------------------------------------------------------------------------------------------



@pytest.mark.parametrize("model", ["distmult", "nbfnet"])
def test_ctrl_c_inside_an_epoch_saves_a_resumable_checkpoint(tmp_path, random_kg, model):
    """Ctrl-C after step 3 of 6: last.pt at that step (no validation); resuming gives the weights and log
    rows of a run never interrupted. The old loop left nothing."""
    cfg = small(random_kg, model)
    straight = train_kg(cfg, tmp_path / "a")
    with pytest.raises(TrainingInterrupted) as err:
        train_kg(cfg, tmp_path / "b", on_progress=ctrl_c_at(3))
    assert isinstance(err.value, KeyboardInterrupt)
    assert err.value.checkpoint == tmp_path / "b" / "last.pt" and err.value.where == "epoch 1, step 3 of 6"
    ck = torch.load(tmp_path / "b" / "last.pt", weights_only=False)
    assert (ck["epoch"], ck["epoch_step"], len(ck["pending"]["losses"]), ck["history"]) == (0, 3, 3, [])
    assert not (tmp_path / "b" / "best.pt").exists()
    resumed = train_kg(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    assert resumed.step == straight.step == 12
    assert_same_weights(weights(tmp_path / "a" / "last.pt"), weights(tmp_path / "b" / "last.pt"))
    a, b = rows(tmp_path / "a"), rows(tmp_path / "b")
    assert [(r["epoch"], r["steps"]) for r in b] == [("1", "6"), ("2", "6")]
    assert [float(r["loss"]) for r in b] == pytest.approx([float(r["loss"]) for r in a], rel=1e-6)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_ctrl_c_during_validation_saves_the_finished_steps(tmp_path, random_kg, monkeypatch):
    cfg = small(random_kg)
    train_kg(cfg, tmp_path / "a")
    real = kg_train.evaluate
    calls = []

    def evaluate(*args, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(kg_train, "evaluate", evaluate)
    with pytest.raises(TrainingInterrupted, match="epoch 1, step 6 of 6"):
        train_kg(cfg, tmp_path / "b")
    ck = torch.load(tmp_path / "b" / "last.pt", weights_only=False)
    assert (ck["epoch"], ck["epoch_step"], len(ck["pending"]["losses"])) == (0, 6, 6)
    train_kg(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    assert_same_weights(weights(tmp_path / "a" / "last.pt"), weights(tmp_path / "b" / "last.pt"))
    assert [(r["epoch"], r["steps"]) for r in rows(tmp_path / "b")] == [("1", "6"), ("2", "6")]


def test_a_second_ctrl_c_stops_at_once_without_saving(tmp_path, random_kg):
    with pytest.raises(KeyboardInterrupt) as err:
        train_kg(small(random_kg), tmp_path / "run", on_progress=ctrl_c_at(3, times=2))
    assert not isinstance(err.value, TrainingInterrupted)
    assert not (tmp_path / "run" / "last.pt").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# --- the time limit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("epochs, batch_size, limit", [(1, 1, 1.2), (50, 16, 2.0)])
def test_the_time_limit_keeps_the_validation_inside_it(tmp_path, random_kg, monkeypatch, epochs, batch_size, limit):
    """Validation made slow (0.1 s a batch of 3 queries: 0.4 s) and steps of 10 ms or more: the run stops
    early enough for its last validation. One long epoch (96 steps): the first validation is estimated;
    many short ones: it is measured. The old loop checked the limit between steps only and validated
    after it (about 0.4 s over)."""
    real_ranks, real_loss = kg_train.filtered_ranks, kg_train._loss

    def slow_ranks(*args, **kw):
        time.sleep(0.1)
        return real_ranks(*args, **kw)

    def slow_loss(*args, **kw):
        time.sleep(0.01)
        return real_loss(*args, **kw)

    monkeypatch.setattr(kg_train, "filtered_ranks", slow_ranks)
    monkeypatch.setattr(kg_train, "_loss", slow_loss)
    cfg = small(random_kg, "distmult", epochs=epochs, eval_batch_size=3, batch_size=batch_size)
    res = train_kg(cfg, tmp_path / "run", time_limit=limit)
    assert res.elapsed_s <= limit + 0.15, res.note
    assert res.note and "stopped by the time limit" in res.note and "--resume" in res.note
    last = rows(tmp_path / "run")[-1]
    assert float(last["valid_s"]) >= 0.4 and 0 < float(last["valid_mrr"]) <= 1


def test_the_first_step_and_its_validation_always_run_and_an_overshoot_is_noted(tmp_path, random_kg):
    res = train_kg(small(random_kg), tmp_path / "run", time_limit=1e-6)
    assert res.step == 1 and (tmp_path / "run" / "last.pt").exists()
    assert "over the time limit" in res.note


def test_retrieval_keeps_its_validation_estimate_out_of_the_fit(tmp_path, family_kg, monkeypatch):
    """The retrieval scorer's fit gets the limit less the estimated validation time (the old fit took it all)."""
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    seen = {}
    real_fit = PathRetrievalScorer.fit

    def fit(self, on_progress=None, *, deadline=None, seed=0, max_triples=None):
        seen["left"] = deadline - time.perf_counter()
        return real_fit(self, on_progress, deadline=deadline, seed=seed, max_triples=max_triples)

    monkeypatch.setattr(kg_train, "retrieval_validation_estimate", lambda *a, **k: 30.0)
    monkeypatch.setattr(PathRetrievalScorer, "fit", fit)
    train_kg(KGConfig(data=str(family_kg), model="retrieval", paths_k=2), tmp_path / "r", time_limit=100.0)
    assert 60.0 < seen["left"] <= 70.0
    # a validation that alone needs more than the limit: nothing is kept back, the limit bounds the fit only
    monkeypatch.setattr(kg_train, "retrieval_validation_estimate", lambda *a, **k: 300.0)
    train_kg(KGConfig(data=str(family_kg), model="retrieval", paths_k=2), tmp_path / "r", time_limit=100.0)
    assert 90.0 < seen["left"] <= 100.0


def test_retrieval_validation_estimate_times_pairs_the_validation_reuses(family_kg):
    from graphroute.neural.kg.data import KGData

    data = KGData.from_path(family_kg)
    cfg = KGConfig(data=str(family_kg), model="retrieval", paths_k=2)
    model = kg_train.build_model(cfg, data)
    est = kg_train.retrieval_validation_estimate(model, data, cfg, budget_s=0.5)
    assert est >= 0 and model._paths  # the timed pairs' paths stay cached
