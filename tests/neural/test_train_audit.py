"""POMO training (graphroute.neural.train) against by-hand computations: the gradient each optimizer
step applies (REINFORCE with the per-instance shared baseline, gradient clipping, no accumulation), the
logged loss / cost / lr / throughput / elapsed columns, the learning-rate schedule, the best.pt choice
(first strict minimum, kept across a resume), the validation cost and gap, and where a run stops."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

import graphroute
import graphroute.neural.train as mod
from graphroute.exceptions import TrainingDivergedError
from graphroute.neural.config import TrainConfig
from graphroute.neural.train import load_checkpoint, train

REPO = Path(graphroute.__file__).resolve().parents[1]
TINY = REPO / "experiments" / "configs" / "test_tiny.yaml"


def tiny(**kw) -> TrainConfig:
    return TrainConfig.from_yaml(TINY).replace(**kw)


def rows(run: Path) -> list[dict]:
    with (run / "log.csv").open() as fh:
        return list(csv.DictReader(fh))


def by_hand_loss(cost: torch.Tensor, logp: torch.Tensor) -> torch.Tensor:
    """mean over (instance b, start p) of (c_bp - mean_p' c_bp') * logp_bp, written as
    mean_b [ mean_p c_bp logp_bp - (mean_p c_bp) (mean_p logp_bp) ]."""
    c = cost.detach().double()
    lp = logp.double()
    per_instance = (c * lp).mean(1) - c.mean(1) * lp.mean(1)
    return per_instance.mean()


@pytest.fixture
def recorder(monkeypatch):
    """Records, for every training rollout, the by-hand loss and its gradient (computed before the
    trainer's backward), and, at every Adam step, the gradients it applies, its lr and weight decay."""
    rec = SimpleNamespace(loss=[], cost=[], grads=[], applied=[], lr=[], wd=[], shapes=[])
    real_rollout = mod.rollout

    def rollout(model, data, **kw):  # noqa: ANN001
        r = real_rollout(model, data, **kw)
        if kw.get("with_logp"):
            loss = by_hand_loss(r.cost, r.logp)
            params = list(model.parameters())
            grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            rec.loss.append(float(loss.detach()))
            rec.cost.append(float(r.cost.detach().min(1).values.double().mean()))
            rec.grads.append([torch.zeros_like(p) if g is None else g.float() for p, g in zip(params, grads)])
            rec.shapes.append(tuple(r.cost.shape))
        return r

    real_step = torch.optim.Adam.step

    def step(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        params = [p for g in self.param_groups for p in g["params"]]
        rec.applied.append([torch.zeros_like(p) if p.grad is None else p.grad.detach().clone() for p in params])
        rec.lr.append(self.param_groups[0]["lr"])
        rec.wd.append(self.param_groups[0]["weight_decay"])
        return real_step(self, *a, **k)

    monkeypatch.setattr(mod, "rollout", rollout)
    monkeypatch.setattr(torch.optim.Adam, "step", step)
    return rec


@pytest.mark.parametrize("clip", [0.0, 1e-3])
def test_each_step_applies_the_clipped_gradient_of_the_pomo_loss(tmp_path, recorder, clip):
    """grad_clip 0: the gradient of the by-hand loss of that step alone (no accumulation over steps);
    grad_clip 1e-3: that gradient scaled to norm 1e-3."""
    cfg = tiny(steps=3, num_starts=5, grad_clip=clip, val_size=0, log_every=1)
    train(cfg, tmp_path, device="cpu")
    assert recorder.shapes == [(16, 5)] * 3  # batch_size x num_starts rollouts each step
    assert len(recorder.applied) == 3
    for want, got in zip(recorder.grads, recorder.applied):
        norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in want))
        assert norm > 10 * clip  # the clip really acts when set
        scale = clip / norm if clip else 1.0
        for w, g in zip(want, got):
            assert torch.allclose(g, w * scale, rtol=1e-3, atol=1e-7 if clip else 1e-6)


def test_logged_loss_and_cost_are_window_means_of_the_by_hand_values(tmp_path, recorder):
    """Rows every 2 steps: loss = mean of the two steps' POMO losses, cost = mean over the two steps
    of the mean (over instances) best-of-starts cost."""
    cfg = tiny(steps=4, val_size=0, log_every=2)
    train(cfg, tmp_path, device="cpu")
    got = rows(tmp_path)
    assert [r["step"] for r in got] == ["2", "4"]
    for k, r in enumerate(got):
        assert float(r["loss"]) == pytest.approx(sum(recorder.loss[2 * k:2 * k + 2]) / 2, rel=1e-5, abs=1e-8)
        assert float(r["cost"]) == pytest.approx(sum(recorder.cost[2 * k:2 * k + 2]) / 2, rel=1e-6)


def test_lr_decay_and_weight_decay_reach_the_optimizer(tmp_path, recorder):
    """lr_decay_at 0.5 of 4 steps: steps 3 and 4 (step index >= 2) run at lr / 10."""
    cfg = tiny(steps=4, lr=2e-3, lr_decay_at=0.5, weight_decay=0.01, val_size=0, log_every=1)
    train(cfg, tmp_path, device="cpu")
    assert recorder.lr == pytest.approx([2e-3, 2e-3, 2e-4, 2e-4])
    assert [float(r["lr"]) for r in rows(tmp_path)] == pytest.approx([2e-3, 2e-3, 2e-4, 2e-4])
    assert recorder.wd == [0.01] * 4


def test_training_rollouts_are_sampled_from_the_generator():
    from graphroute.neural.decoding import rollout
    from graphroute.neural.envs import sample_batch

    model = mod.build_model(tiny())
    data = sample_batch("tsp", 4, 8, generator=torch.Generator().manual_seed(0))
    got = mod.Policy(model)(data, 8, torch.Generator().manual_seed(3))
    want = rollout(model, data, num_starts=8, strategy="sample", generator=torch.Generator().manual_seed(3),
                   with_logp=True)
    greedy = rollout(model, data, num_starts=8)
    assert torch.equal(got.actions, want.actions) and torch.allclose(got.logp, want.logp)
    assert not torch.equal(got.actions, greedy.actions)


# --- validation and best.pt ---------------------------------------------------------------------------------


@pytest.fixture
def scripted_validation(monkeypatch):
    """Validation costs taken in turn from the list returned (runs share it: a resume continues it)."""
    script: list[float] = []

    def validate(self, model, device):  # noqa: ANN001, ANN202
        return script.pop(0), None

    monkeypatch.setattr(mod.Validator, "__call__", validate)
    return script


def test_best_pt_is_the_first_strict_minimum(tmp_path, scripted_validation):
    scripted_validation.extend([3.0, 1.0, 2.0, 1.0])  # steps 2, 4, 6, 8
    train(tiny(steps=8, val_every=2, checkpoint_every=100), tmp_path, device="cpu")
    best = load_checkpoint(tmp_path / "best.pt")
    assert best["step"] == 4 and best["metrics"]["val_cost"] == 1.0 and best["best_val"] == 1.0
    assert [r["val_cost"] for r in rows(tmp_path) if r["val_cost"]] == ["3.0", "1.0", "2.0", "1.0"]


def test_a_resumed_run_keeps_the_best_validation_of_before(tmp_path, scripted_validation):
    """Best 1.0 at step 4 before the stop; 2.0 and 1.5 after the resume do not replace best.pt."""
    cfg = tiny(steps=8, val_every=2, checkpoint_every=100)
    scripted_validation.extend([3.0, 1.0])
    train(cfg, tmp_path, device="cpu", max_steps=4)
    assert load_checkpoint(tmp_path / "last.pt")["best_val"] == 1.0
    scripted_validation.extend([2.0, 1.5])
    train(cfg, tmp_path, device="cpu", resume=tmp_path / "last.pt")
    assert not scripted_validation
    best = load_checkpoint(tmp_path / "best.pt")
    assert best["step"] == 4 and best["metrics"]["val_cost"] == 1.0


def test_an_infinite_validation_cost_stops_training(tmp_path, scripted_validation):
    scripted_validation.extend([2.0, float("inf")])
    with pytest.raises(TrainingDivergedError, match="the validation cost is inf at step 4 of 8"):
        train(tiny(steps=8, val_every=2), tmp_path, device="cpu")
    assert load_checkpoint(tmp_path / "best.pt")["step"] == 2


def test_an_infinite_loss_stops_training_before_its_backward(tmp_path, monkeypatch):
    """A loss of +inf (not nan) is caught as such, at the step it happens."""
    import dataclasses

    real, calls = mod.rollout, []

    def rollout(*args, **kw):
        r = real(*args, **kw)
        if kw.get("with_logp"):
            calls.append(1)
            if len(calls) == 2:
                adv = r.cost - r.cost.mean(1, keepdim=True)
                boost = torch.where(adv > 0, torch.tensor(float("inf")), torch.tensor(0.0))
                return dataclasses.replace(r, logp=r.logp + boost)
        return r

    monkeypatch.setattr(mod, "rollout", rollout)
    with pytest.raises(TrainingDivergedError, match="the loss is inf at step 2 of 4"):
        train(tiny(), tmp_path, device="cpu")


def test_validation_is_the_mean_best_of_starts_greedy_cost_over_every_instance(monkeypatch, tmp_path):
    """300 instances (more than one chunk of 256); the gap is against the mean cached reference cost."""
    from graphroute.neural.decoding import rollout
    from graphroute.neural.evaluate import eval_instances
    from graphroute.neural.envs import from_instances

    cfg = tiny(val_size=300, size=6)
    insts = eval_instances(cfg.problem, cfg.size, cfg.val_size, cfg.val_seed, cfg.distribution)
    cache = tmp_path / "ref.csv"
    refs = [1.0 + (i % 3) for i in range(300)]  # mean 2.0
    with cache.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instance", "solver", "time_limit", "cost", "runtime_s"])
        for inst, c in zip(insts, refs):
            w.writerow([inst.name, "pyvrp", "0.5", repr(c), "0.5"])
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(cache))
    val = mod.Validator.build(cfg)
    assert val.reference_mean == pytest.approx(2.0)
    model = mod.build_model(cfg)
    cost, gap = val(model, torch.device("cpu"))
    data = from_instances(insts)
    with torch.no_grad():
        per = [float(rollout(model, data[i:i + 1]).cost.min()) for i in range(300)]
    want = sum(per) / 300
    assert cost == pytest.approx(want, rel=1e-5)
    assert gap == pytest.approx(100.0 * (want / 2.0 - 1.0), rel=1e-4)
    assert model.training  # validation puts the model back in training mode


# --- time, throughput and where a run stops ---------------------------------------------------------------


def test_throughput_and_elapsed_survive_a_time_limit_stop(tmp_path, step_clock):
    """1 s a step of 16 instances: every row says 16 instances/s and elapsed = step, also the row
    whose logging window a time-limit stop (after step 5) split; the resumed run ends at 6 s."""
    cfg = tiny(steps=6, log_every=2, val_every=3, checkpoint_every=3)
    r = train(cfg, tmp_path / "split", device="cpu", time_limit_s=4.5)
    assert r.step == 5 and load_checkpoint(tmp_path / "split" / "last.pt")["elapsed_s"] == 5.0
    r = train(cfg, tmp_path / "split", device="cpu", resume=tmp_path / "split" / "last.pt")
    assert r.step == 6 and r.elapsed_s == 6.0
    assert load_checkpoint(tmp_path / "split" / "last.pt")["elapsed_s"] == 6.0
    got = rows(tmp_path / "split")
    assert [x["step"] for x in got] == ["2", "3", "4", "6"]
    assert [float(x["inst_per_s"]) for x in got] == [16.0] * 4
    assert [float(x["elapsed_s"]) for x in got] == [2.0, 3.0, 4.0, 6.0]


def test_resuming_from_an_earlier_checkpoint_drops_the_later_log_rows(tmp_path):
    cfg = tiny(steps=6, log_every=1, val_every=3, checkpoint_every=3)
    train(cfg, tmp_path / "straight", device="cpu")
    run = tmp_path / "run"
    train(cfg, run, device="cpu", max_steps=3)
    shutil.copy(run / "last.pt", tmp_path / "at3.pt")
    train(cfg, run, device="cpu", resume=run / "last.pt")
    train(cfg, run, device="cpu", resume=tmp_path / "at3.pt")  # again from step 3
    drop = ("inst_per_s", "elapsed_s")
    strip = lambda rs: [{k: v for k, v in x.items() if k not in drop} for x in rs]  # noqa: E731
    assert [x["step"] for x in rows(run)] == ["1", "2", "3", "4", "5", "6"]
    assert strip(rows(run)) == strip(rows(tmp_path / "straight"))


def test_max_steps_counts_from_the_resumed_step_and_never_passes_the_schedule(tmp_path):
    cfg = tiny(steps=6, val_every=100, checkpoint_every=100)
    assert train(cfg, tmp_path, device="cpu", max_steps=2).step == 2
    assert train(cfg, tmp_path, device="cpu", max_steps=2, resume=tmp_path / "last.pt").step == 4
    assert train(cfg, tmp_path, device="cpu", max_steps=50, resume=tmp_path / "last.pt").step == 6
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 6


def test_the_stop_step_is_logged_without_validation(tmp_path):
    """val_size 0 and log_every 3: a 5-step run logs steps 3 and 5 (its last), a max_steps stop its own step."""
    r = train(tiny(steps=5, log_every=3, val_size=0), tmp_path / "a", device="cpu")
    assert [x["step"] for x in rows(tmp_path / "a")] == ["3", "5"] and r.metrics["step"] == 5
    r = train(tiny(steps=9, log_every=3, val_size=0), tmp_path / "b", device="cpu", max_steps=4)
    assert [x["step"] for x in rows(tmp_path / "b")] == ["3", "4"] and r.metrics["step"] == 4


# --- checkpoints ------------------------------------------------------------------------------------------


def test_an_export_is_half_precision_and_keeps_what_solve_needs(tmp_path):
    from graphroute.neural.solve import pick_checkpoint, shipped_checkpoints

    train(tiny(steps=1), tmp_path, device="cpu")
    out = tmp_path / "ship" / "pomo_tsp8.pt"
    mod.export_checkpoint(tmp_path / "last.pt", out)
    ck = load_checkpoint(out)
    assert all(v.dtype == torch.float16 for v in ck["model"].values() if v.is_floating_point())
    assert shipped_checkpoints(out.parent) == [("tsp", 8, out)] and pick_checkpoint("tsp", 9, out.parent) == out
    full = load_checkpoint(mod.export_checkpoint(tmp_path / "last.pt", tmp_path / "f.pt", half=False))
    assert all(v.dtype == torch.float32 for v in full["model"].values())


def test_only_the_temp_files_of_save_atomic_are_removed(tmp_path):
    names = [".last.pt.123.tmp", ".best.pt.9.tmp", ".last.pt.backup.tmp", ".last.pt.12a.tmp", "last.pt.5.tmp"]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    removed = mod.remove_stale_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == [".best.pt.9.tmp", ".last.pt.123.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".last.pt.backup.tmp", ".last.pt.12a.tmp",
                                                                  "last.pt.5.tmp"])


def test_an_older_checkpoint_with_one_generator_restores_it():
    state = torch.Generator().manual_seed(42).get_state()
    gen = torch.Generator()
    assert mod._restore_generator(gen, {"device": "cpu", "generator": state}, rank=0, world=1, seed=0, step=3) is None
    assert torch.equal(gen.get_state(), state)


def test_a_checkpoint_without_a_routing_model_config_is_refused():
    """An older KG / router checkpoint without a ``task`` key: refused by name, not a KeyError later."""
    from graphroute.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="not a routing .VRP. checkpoint"):
        mod.require_vrp_checkpoint({"model": {}, "model_config": {"kg_model": "nbfnet"}}, "old.pt")


def test_matrix_validation_gap_is_in_the_references_units(monkeypatch):
    """val_gap_pct of a matrix model was -100 %: model-unit costs against the integer matrix's reference."""
    import torch

    import graphroute.neural.evaluate as ev
    from graphroute.check import check
    from graphroute.neural.config import TrainConfig
    from graphroute.neural.decoding import rollout
    from graphroute.neural.envs import actions_to_routes
    from graphroute.neural.models import AttentionModel, ModelConfig
    from graphroute.neural.train import Validator
    from graphroute.problems.instance import Solution

    cfg = TrainConfig(problem="atsp", size=8, val_size=6, val_seed=77)
    insts = ev.eval_instances("atsp", 8, 6, 77)
    torch.manual_seed(0)
    model = AttentionModel(ModelConfig(problem="atsp", embed_dim=16, num_layers=1, num_heads=2, ff_dim=32))
    plain = Validator.build(cfg)
    with torch.no_grad():
        r = rollout(model.eval(), plain.data)
    best = r.cost.argmin(1)
    own = [check(i, Solution(actions_to_routes(r.actions[b, int(best[b])], False))).cost for b, i in enumerate(insts)]
    monkeypatch.setattr(ev, "cached_reference", lambda insts: own)  # the model's own greedy costs as the reference
    cost, gap = Validator.build(cfg)(model, torch.device("cpu"))
    assert cost == pytest.approx(float(r.cost.min(1).values.mean()), rel=1e-5)  # model units, as training's cost
    assert gap == pytest.approx(0.0, abs=1e-3)
