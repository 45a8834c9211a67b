"""How POMO training (``--task vrp``) stops: divergence (never saved), Ctrl-C (saved, resumable), and a
refused resume that names each changed key."""

from __future__ import annotations

import csv
import dataclasses
import signal
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import graphroute.neural.train as mod  # noqa: E402
from graphroute.exceptions import ConfigError, TrainingDivergedError  # noqa: E402
from graphroute.neural.config import TrainConfig  # noqa: E402
from graphroute.neural.runs import TrainingInterrupted  # noqa: E402
from graphroute.neural.train import load_checkpoint, train  # noqa: E402
from tests.conftest import poison_optimizer_step  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "experiments" / "configs" / "test_tiny.yaml"


def tiny(**kw):
    """Steps of a few ms: 16 steps, a log row every 3 steps and at each validation (every 5), last.pt every 5."""
    return TrainConfig.from_yaml(TINY).replace(**{"steps": 16, "log_every": 3, "val_every": 5, "checkpoint_every": 5,
                                                  **kw})


def rows(run: Path, drop=("inst_per_s", "elapsed_s")) -> list[dict]:
    with (run / "log.csv").open() as fh:
        return [{k: v for k, v in r.items() if k not in drop} for r in csv.DictReader(fh)]


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = load_checkpoint(a)["model"], load_checkpoint(b)["model"]
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], rtol=0, atol=0)


def all_finite(path: Path) -> bool:
    return all(torch.isfinite(v).all() for v in load_checkpoint(path)["model"].values())


def press_ctrl_c(times: int = 1) -> None:
    for _ in range(times):
        # raise() delivers to this (the main) thread and runs the Python handler before returning;
        # os.kill to the process could land on a torch worker thread and reach the handler late
        signal.raise_signal(signal.SIGINT)


def ctrl_c_during_step(monkeypatch, step: int, times: int = 1) -> None:
    """Ctrl-C while step ``step`` samples its batch (the step has not finished)."""
    real, calls = mod.sample_batch, []

    def sample_batch(*args, **kw):
        calls.append(1)
        if len(calls) == step:
            press_ctrl_c(times)
        return real(*args, **kw)

    monkeypatch.setattr(mod, "sample_batch", sample_batch)


# --- Ctrl-C ------------------------------------------------------------------------------------------------


def test_ctrl_c_inside_a_logging_window_saves_a_run_that_resumes_as_if_never_stopped(tmp_path, monkeypatch):
    """Ctrl-C during step 8 (steps 7 and 8 not logged yet, no checkpoint due): step 8 finishes, last.pt is
    written there with the logging window, and the resumed run writes the rows and weights of an
    uninterrupted one. The old loop raised KeyboardInterrupt in step 8 and kept only step 5's last.pt."""
    cfg = tiny()
    train(cfg, tmp_path / "straight", device="cpu")
    ctrl_c_during_step(monkeypatch, 8)
    with pytest.raises(TrainingInterrupted) as err:
        train(cfg, tmp_path / "split", device="cpu")
    assert isinstance(err.value, KeyboardInterrupt)
    last = tmp_path / "split" / "last.pt"
    assert err.value.checkpoint == last and err.value.where == "step 8 of 16"
    ck = load_checkpoint(last)
    assert ck["step"] == 8 and len(ck["log_window"]["losses"]) == 2
    assert [r["step"] for r in rows(tmp_path / "split")] == ["3", "5", "6"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back
    monkeypatch.undo()
    res = train(cfg, tmp_path / "split", device="cpu", resume=last)
    assert res.step == 16
    assert rows(tmp_path / "split") == rows(tmp_path / "straight")
    assert_same_weights(tmp_path / "straight" / "last.pt", last)
    assert load_checkpoint(tmp_path / "split" / "best.pt")["step"] == load_checkpoint(
        tmp_path / "straight" / "best.pt")["step"]


def test_ctrl_c_during_a_validation_lets_it_finish_and_keeps_best_pt(tmp_path, monkeypatch):
    """Ctrl-C while step 10 validates: the validation, its best.pt and log row complete first (a resumed run
    would not validate step 10 again), then the run stops at step 10."""
    cfg = tiny()
    train(cfg, tmp_path / "straight", device="cpu")
    real, calls = mod.Validator.__call__, []

    def validate(self, *args, **kw):
        calls.append(1)
        if len(calls) == 2:  # step 10
            press_ctrl_c()
        return real(self, *args, **kw)

    monkeypatch.setattr(mod.Validator, "__call__", validate)
    with pytest.raises(TrainingInterrupted, match="interrupted at step 10 of 16"):
        train(cfg, tmp_path / "split", device="cpu")
    assert [r["step"] for r in rows(tmp_path / "split")] == ["3", "5", "6", "9", "10"]
    assert rows(tmp_path / "split")[-1]["val_cost"] != ""
    monkeypatch.undo()
    train(cfg, tmp_path / "split", device="cpu", resume=tmp_path / "split" / "last.pt")
    assert rows(tmp_path / "split") == rows(tmp_path / "straight")
    assert_same_weights(tmp_path / "straight" / "best.pt", tmp_path / "split" / "best.pt")
    assert_same_weights(tmp_path / "straight" / "last.pt", tmp_path / "split" / "last.pt")


def test_a_second_ctrl_c_stops_at_once_without_saving(tmp_path, monkeypatch):
    ctrl_c_during_step(monkeypatch, 3, times=2)
    with pytest.raises(KeyboardInterrupt) as err:
        train(tiny(), tmp_path, device="cpu")
    assert not isinstance(err.value, TrainingInterrupted)
    assert not (tmp_path / "last.pt").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_in_the_last_step_finishes_the_run(tmp_path, monkeypatch):
    """Nothing is left to resume: the run ends as usual."""
    ctrl_c_during_step(monkeypatch, 4)
    res = train(tiny(steps=4), tmp_path, device="cpu")
    assert res.step == 4 and load_checkpoint(tmp_path / "last.pt")["step"] == 4


# --- divergence --------------------------------------------------------------------------------------------


def test_a_learning_rate_that_diverges_stops_training_and_writes_nothing(tmp_path):
    """lr 1e8: the loss is NaN at step 2. The old loop trained on and wrote NaN weights into last.pt."""
    with pytest.raises(TrainingDivergedError) as err:
        train(tiny(lr=1e8), tmp_path, device="cpu")
    msg = str(err.value)
    assert msg.startswith("training diverged: the loss is nan at step 2 of 16; lower the learning rate "
                          "(config key 'lr', now 1e+08)")
    assert msg.endswith("no checkpoint was written") and "\n" not in msg
    assert not (tmp_path / "last.pt").exists() and not (tmp_path / "best.pt").exists()


def test_a_learning_rate_beyond_float32_stops_training_in_one_line(tmp_path):
    """lr 1e39 cannot be a float32: Adam's step raised a RuntimeError that reached the user as a traceback."""
    with pytest.raises(TrainingDivergedError, match=r"^training diverged: the optimizer step overflowed .* at step 1 "
                                                    r"of 16; lower the learning rate \(config key 'lr', now 1e\+39\)"):
        train(tiny(lr=1e39), tmp_path, device="cpu")
    assert not (tmp_path / "last.pt").exists()


def test_a_nan_loss_later_keeps_the_last_good_checkpoints(tmp_path, monkeypatch):
    real, calls = mod.rollout, []

    def rollout(*args, **kw):
        r = real(*args, **kw)
        if kw.get("with_logp"):  # training rollouts, not validation
            calls.append(1)
            if len(calls) == 7:
                return dataclasses.replace(r, logp=r.logp * float("nan"))
        return r

    monkeypatch.setattr(mod, "rollout", rollout)
    last = tmp_path / "last.pt"
    with pytest.raises(TrainingDivergedError, match=rf"the loss is nan at step 7 of 16; .*; {last} \(step 5\) is "
                                                    "the last good checkpoint"):
        train(tiny(), tmp_path, device="cpu")
    assert load_checkpoint(last)["step"] == 5 and all_finite(last)
    assert load_checkpoint(tmp_path / "best.pt")["step"] == 5 and all_finite(tmp_path / "best.pt")
    assert [r["step"] for r in rows(tmp_path)] == ["3", "5", "6"]


def test_weights_that_become_infinite_stop_training(tmp_path, monkeypatch):
    """A finite loss whose update overflows the weights: caught before the next step or a checkpoint."""
    poison_optimizer_step(monkeypatch, 5, float("inf"))
    with pytest.raises(TrainingDivergedError, match="the weights became NaN or infinite at step 5 of 16"):
        train(tiny(), tmp_path, device="cpu")
    assert not (tmp_path / "last.pt").exists() and not (tmp_path / "best.pt").exists()


def test_a_non_finite_validation_cost_stops_before_its_checkpoint(tmp_path, monkeypatch):
    real, calls = mod.Validator.__call__, []

    def validate(self, *args, **kw):
        calls.append(1)
        cost, gap = real(self, *args, **kw)
        return (float("nan"), gap) if len(calls) == 2 else (cost, gap)

    monkeypatch.setattr(mod.Validator, "__call__", validate)
    with pytest.raises(TrainingDivergedError, match="the validation cost is nan at step 10 of 16"):
        train(tiny(), tmp_path, device="cpu")
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 5
    assert load_checkpoint(tmp_path / "best.pt")["step"] == 5


# --- a refused resume --------------------------------------------------------------------------------------


def test_a_refused_resume_names_each_changed_key_with_both_values(tmp_path):
    """The old message said only 'differs from the checkpoint's in embed_dim, lr'."""
    cfg = TrainConfig.from_yaml(TINY).replace(steps=2)
    train(cfg, tmp_path, device="cpu")
    with pytest.raises(ConfigError) as err:
        train(cfg.replace(embed_dim=64, lr=2e-3, steps=4, log_every=2), tmp_path, device="cpu",
              resume=tmp_path / "last.pt")
    msg = str(err.value)
    assert "(embed_dim: 32 -> 64; lr: 0.001 -> 0.002)" in msg and "log_every" not in msg.split(";")[0]
    assert msg.endswith("only steps, threads, val_every, checkpoint_every, log_every, compile, init_from may change")


# --- the command -------------------------------------------------------------------------------------------


def cli(*args):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_ctrl_c_says_how_to_resume_and_exits_130(tmp_path, monkeypatch):
    ctrl_c_during_step(monkeypatch, 3)
    out = tmp_path / "run"
    res = cli("train", "--config", TINY, "--device", "cpu", "--out", out, "--set", "steps=8", "--set",
              "checkpoint_every=5")
    assert res.exit_code == 130, res.output
    last = out / "last.pt"
    assert res.stderr.strip() == (f"error: interrupted at step 3 of 8; {last} holds the run there: "
                                  f"graphroute train --task vrp --config {TINY} --set steps=8 --set checkpoint_every=5 "
                                  f"--device cpu --resume {last} continues it")
    assert load_checkpoint(last)["step"] == 3
    monkeypatch.undo()
    # the printed command as it is (it used to drop the --set overrides: that one trained to the file's 4 steps)
    command = res.stderr.split("holds the run there: ")[1].removesuffix(" continues it\n").split()
    assert command[:2] == ["graphroute", "train"]
    res = cli(*command[1:], "--out", out)
    assert res.exit_code == 0 and "step 8" in res.stdout, res.output


def test_a_resume_with_nothing_left_to_train_is_refused(tmp_path):
    """It used to print 'done: step 4' and exit 0 without training (e.g. a resume that forgot --set steps=N)."""
    train(TrainConfig.from_yaml(TINY), tmp_path, device="cpu")
    res = cli("train", "--config", TINY, "--device", "cpu", "--resume", tmp_path / "last.pt")
    assert res.exit_code == 1
    assert res.stderr.strip() == (f"error: --resume {tmp_path / 'last.pt'}: the run is at step 4 and the config asks "
                                  "for 4 steps, so there is nothing to train; raise steps (--set steps=N) to go on")


def test_cli_a_diverging_run_is_one_line_and_exit_1(tmp_path):
    res = cli("train", "--config", TINY, "--device", "cpu", "--out", tmp_path / "run", "--set", "lr=1e8")
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output
    assert err.startswith("error: training diverged: the loss is nan at step 2 of 4") and "lower the learning" in err
    assert not (tmp_path / "run" / "last.pt").exists()
