"""How router training (``--task router``) stops: divergence (never saved), Ctrl-C (saved, resumable), a
refused resume that names each changed key, and a log that matches the checkpoint it resumes from."""

from __future__ import annotations

import csv
import signal
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import graphroute.neural.router.train as mod  # noqa: E402
from graphroute.exceptions import InvalidArgumentError, TrainingDivergedError  # noqa: E402
from graphroute.neural.router.train import RouterConfig, train_router  # noqa: E402
from graphroute.neural.runs import TrainingInterrupted  # noqa: E402
from tests.conftest import ctrl_c_at, poison_optimizer_step  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
TINY = REPO / "experiments/configs/router_tiny.yaml"


def tiny(**kw) -> RouterConfig:
    """8 steps of graphs of 16-49 nodes; validation every 2 steps (best.pt where it improves), last.pt every 3."""
    return RouterConfig.from_dict({**RouterConfig.from_yaml(TINY).to_dict(), "steps": 8, "val_every": 2,
                                   "checkpoint_every": 3, **kw})


def rows(run: Path, drop=("s_per_step", "elapsed_s")) -> list[dict]:
    with (run / "log.csv").open() as fh:
        return [{k: v for k, v in r.items() if k not in drop} for r in csv.DictReader(fh)]


def ck(path: Path) -> dict:
    return torch.load(path, weights_only=False)


def assert_same_weights(a: Path, b: Path) -> None:
    for k, v in ck(a)["model"].items():
        torch.testing.assert_close(v, ck(b)["model"][k], rtol=0, atol=0)



# --- Ctrl-C ------------------------------------------------------------------------------------------------


def test_ctrl_c_between_checkpoints_saves_a_run_that_resumes_as_if_never_stopped(tmp_path):
    """Ctrl-C at step 5 (last.pt was due at 3 and 6): last.pt at step 5, and the resumed run logs the rows
    and ends with the weights and best.pt of an uninterrupted one. The old loop kept only step 3."""
    cfg = tiny()
    train_router(cfg, tmp_path / "straight")
    with pytest.raises(TrainingInterrupted) as err:
        train_router(cfg, tmp_path / "split", on_progress=ctrl_c_at(5))
    last = tmp_path / "split" / "last.pt"
    assert isinstance(err.value, KeyboardInterrupt)
    assert err.value.checkpoint == last and err.value.where == "step 5 of 8"
    best_before = ck(tmp_path / "split" / "best.pt")["step"]
    assert ck(last)["step"] == 5 and best_before in (2, 4)
    assert [r["step"] for r in rows(tmp_path / "split")] == ["1", "2", "3", "4", "5"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back
    res = train_router(cfg, tmp_path / "split", resume=last)
    assert res.step == 8
    assert rows(tmp_path / "split") == rows(tmp_path / "straight")
    assert_same_weights(tmp_path / "straight" / "last.pt", last)
    assert ck(tmp_path / "split" / "best.pt")["step"] == ck(tmp_path / "straight" / "best.pt")["step"]


def test_a_second_ctrl_c_stops_at_once_without_saving(tmp_path):
    with pytest.raises(KeyboardInterrupt) as err:
        train_router(tiny(), tmp_path, on_progress=ctrl_c_at(5, times=2))
    assert not isinstance(err.value, TrainingInterrupted)
    assert ck(tmp_path / "last.pt")["step"] == 3  # the periodic checkpoint only
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_resumed_run_drops_log_rows_past_its_checkpoint_and_a_fresh_run_starts_a_fresh_log(tmp_path):
    """The old loop appended: a fresh run in a used folder, or a resume from an earlier last.pt, logged
    steps twice."""
    cfg = tiny()
    train_router(cfg, tmp_path)
    train_router(cfg, tmp_path)
    assert [r["step"] for r in rows(tmp_path)] == [str(i) for i in range(1, 9)]
    with pytest.raises(KeyboardInterrupt):  # a killed run: rows 4 and 5 are past its last.pt (step 3)
        train_router(cfg, tmp_path / "b", on_progress=ctrl_c_at(5, times=2))
    train_router(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    assert rows(tmp_path / "b") == rows(tmp_path)


# --- divergence --------------------------------------------------------------------------------------------


def nan_loss_at(monkeypatch, step: int) -> None:
    real, calls = mod.batch_loss, []

    def batch_loss(*args, **kw):
        calls.append(1)
        loss, final = real(*args, **kw)
        return (loss * float("nan"), final) if len(calls) == step else (loss, final)

    monkeypatch.setattr(mod, "batch_loss", batch_loss)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    """The old loop stepped on the NaN loss and wrote NaN weights into last.pt at step 6."""
    nan_loss_at(monkeypatch, 5)
    last = tmp_path / "last.pt"
    with pytest.raises(TrainingDivergedError) as err:
        train_router(tiny(), tmp_path)
    assert str(err.value) == (f"training diverged: the loss is nan at step 5 of 8; lower the learning rate (config "
                              f"key 'lr', now 0.003); {last} (step 3) is the last good checkpoint")
    assert ck(last)["step"] == 3 and all(torch.isfinite(v).all() for v in ck(last)["model"].values())
    best = ck(tmp_path / "best.pt")  # validated at steps 2 and 4, before the NaN
    assert best["step"] in (2, 4) and all(torch.isfinite(v).all() for v in best["model"].values())


def test_weights_that_become_infinite_stop_training(tmp_path, monkeypatch):
    """The loss counts a NaN prediction as an error of 1, so NaN weights would train on with a finite loss."""
    poison_optimizer_step(monkeypatch, 2, float("nan"))
    with pytest.raises(TrainingDivergedError, match=r"the weights became NaN or infinite at step 2 of 8; .*; no "
                                                    "checkpoint was written"):
        train_router(tiny(), tmp_path)
    assert not (tmp_path / "last.pt").exists()


def test_a_non_finite_validation_error_stops_before_its_checkpoint(tmp_path, monkeypatch):
    real, calls = mod.validate, []

    def validate(*args, **kw):
        calls.append(1)
        return {"val_rel_err": float("inf")} if len(calls) == 3 else real(*args, **kw)

    monkeypatch.setattr(mod, "validate", validate)
    with pytest.raises(TrainingDivergedError, match="the validation error is inf at step 6 of 8"):
        train_router(tiny(), tmp_path)
    assert ck(tmp_path / "last.pt")["step"] == 3 and ck(tmp_path / "best.pt")["step"] in (2, 4)


# --- a refused resume --------------------------------------------------------------------------------------


def test_a_refused_resume_names_each_changed_key_with_both_values(tmp_path):
    """The old message said only 'was trained with another config'."""
    train_router(tiny(steps=2), tmp_path)
    with pytest.raises(InvalidArgumentError) as err:
        train_router(tiny(steps=4, hidden=4, kinds=["grid"]), tmp_path, resume=tmp_path / "last.pt")
    assert str(err.value) == (f"{tmp_path / 'last.pt'} was trained with another config (hidden: 8 -> 4; kinds: "
                              "['grid', 'delaunay', 'geometric'] -> ['grid']); only 'steps' may change")


# --- the command -------------------------------------------------------------------------------------------


def cli(*args):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_ctrl_c_says_how_to_resume_and_exits_130(tmp_path, monkeypatch):
    real, calls = mod.batch_loss, []

    def batch_loss(*args, **kw):
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C during step 2: the step finishes, then the run stops
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kw)

    monkeypatch.setattr(mod, "batch_loss", batch_loss)
    out = tmp_path / "run"
    res = cli("train", "--task", "router", "--config", TINY, "--out", out, "--device", "cpu")
    assert res.exit_code == 130, res.output
    last = out / "last.pt"
    assert res.stderr.strip() == (f"error: interrupted at step 2 of 3; {last} holds the run there: "
                                  f"graphroute train --task router --config {TINY} --device cpu --resume {last} continues it")
    assert ck(last)["step"] == 2
    monkeypatch.undo()
    res = cli("train", "--task", "router", "--config", TINY, "--out", out, "--device", "cpu", "--resume", last)
    assert res.exit_code == 0 and "step 3" in res.stdout


def test_cli_a_diverging_run_is_one_line_and_exit_1(tmp_path, monkeypatch):
    nan_loss_at(monkeypatch, 1)
    res = cli("train", "--task", "router", "--config", TINY, "--out", tmp_path / "run", "--device", "cpu")
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output
    assert err.startswith("error: training diverged: the loss is nan at step 1 of 3") and "no checkpoint" in err
    assert not (tmp_path / "run" / "last.pt").exists()


def test_cli_a_learning_rate_beyond_float32_is_a_divergence_not_a_traceback(tmp_path):
    """Walkthrough: --set lr=1e39 ended in torch Adam's 'cannot be converted to type float without overflow'."""
    res = cli("train", "--task", "router", "--config", TINY, "--out", tmp_path / "run", "--device", "cpu",
              "--set", "lr=1e39")
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output
    assert err.startswith("error: training diverged: the optimizer step overflowed") and "at step 1 of 3" in err
    assert "now 1e+39" in err and not (tmp_path / "run" / "last.pt").exists()


def test_a_resumed_run_goes_on_in_the_checkpoints_folder(tmp_path, monkeypatch):
    """Without --out, --resume runs/X/last.pt continues in runs/X, not in the config's default folder
    (which may hold another run: it was overwritten)."""
    monkeypatch.chdir(tmp_path)
    res = cli("train", "--task", "router", "--config", TINY, "--out", "mine", "--device", "cpu",
              "--time-limit", "0.01")
    assert res.exit_code == 0, res.output
    # more steps than the config's: the first run may finish all of them within its time limit on a fast machine
    res = cli("train", "--task", "router", "--config", TINY, "--resume", "mine/last.pt", "--device", "cpu",
              "--set", "steps=6")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "runs").exists() and (tmp_path / "mine" / "best.pt").exists()


def test_best_pt_is_the_best_validation_even_between_checkpoints(tmp_path):
    """Validation every step, last.pt only at the end: best.pt is the step with the lowest logged validation
    error. The old loop compared validations only at checkpoint steps, so best.pt was the last step."""
    train_router(tiny(val_every=1, checkpoint_every=8), tmp_path)
    vals = {int(r["step"]): float(r["val_rel_err"]) for r in rows(tmp_path)}
    best = ck(tmp_path / "best.pt")
    assert best["step"] == min(vals, key=vals.get) and best["best_val"] == pytest.approx(min(vals.values()))
    assert ck(tmp_path / "last.pt")["step"] == 8


def test_a_resume_with_nothing_left_to_train_is_refused(tmp_path):
    """It used to print 'done: step 3' and exit 0 without training (a resume that forgot --set steps=N)."""
    out = tmp_path / "run"
    assert cli("train", "--task", "router", "--config", TINY, "--out", out, "--device", "cpu").exit_code == 0
    res = cli("train", "--task", "router", "--config", TINY, "--device", "cpu", "--resume", out / "last.pt")
    assert res.exit_code == 1
    assert res.stderr.strip() == (f"error: --resume {out / 'last.pt'}: the run is at step 3 and the config asks for 3 "
                                  "steps, so there is nothing to train; raise steps (--set steps=N) to go on")


# --- walkthrough G: resumes into another folder, exported checkpoints, damaged files ------------------------


def test_a_resume_into_another_folder_brings_the_runs_best_pt(tmp_path):
    """--resume R/last.pt --out OTHER left OTHER without best.pt (no new best after the resume), so
    'route --checkpoint OTHER/best.pt' failed."""
    first = tmp_path / "R"
    train_router(tiny(steps=6), first)
    assert (first / "best.pt").is_file() and ck(first / "last.pt")["step"] == 6
    other = tmp_path / "OTHER"
    train_router(tiny(steps=8), other, resume=first / "last.pt")
    assert (other / "best.pt").is_file()
    assert ck(other / "best.pt")["best_val"] == min(ck(first / "best.pt")["best_val"], ck(other / "last.pt")["best_val"])


def test_a_resume_into_another_folder_without_a_best_pt_to_bring_writes_one(tmp_path):
    first = tmp_path / "R"
    train_router(tiny(steps=6), first)
    (first / "best.pt").unlink()
    other = tmp_path / "OTHER"
    train_router(tiny(steps=8), other, resume=first / "last.pt")
    assert ck(other / "best.pt")["step"] == 8  # the first validation after the resume writes one


def test_resuming_the_shipped_router_is_one_line_not_a_key_error(tmp_path):
    res = cli("train", "--task", "router", "--config", REPO / "experiments/configs/router_road.yaml",
              "--resume", REPO / "data/checkpoints/router_road.pt", "--out", tmp_path / "x", "--set", "steps=101")
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert res.stderr.strip().endswith("holds weights only (an exported checkpoint) and cannot be resumed; resume "
                                       "from a run's last.pt")


@pytest.mark.parametrize("damage, needle", [
    (lambda c: c.update(model_config={"hidden": 2 * c["model_config"]["hidden"]}), "(size mismatch for "),
    (lambda c: c["model"].pop(next(iter(c["model"]))), "(Missing key(s) in state_dict: "),
    (lambda c: c.update(model_config={}), "(no 'hidden')"),
    (lambda c: [v.fill_(float("nan")) for v in c["model"].values() if v.is_floating_point()], "NaN or infinite"),
])
def test_a_damaged_router_checkpoint_is_one_line(tmp_path, damage, needle):
    """Weights that do not fit the model config ended in torch tracebacks in route and compare; NaN routed."""
    c = ck(REPO / "data/checkpoints/router_road.pt")
    damage(c)
    bad = tmp_path / "bad.pt"
    torch.save(c, bad)
    with pytest.raises(InvalidArgumentError, match="is not a (readable|usable) router checkpoint") as err:
        mod.load_router(bad)
    assert needle in str(err.value)
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 3 3\na 1 2 1\na 2 3 1\na 3 1 1\n")
    res = cli("route", gr, "-s", 1, "-t", 3, "--checkpoint", bad)
    assert res.exit_code == 1 and "Traceback" not in res.output and needle in res.stderr, res.output
