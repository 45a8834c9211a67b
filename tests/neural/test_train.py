"""Training: a tiny run lowers the cost; resume reproduces the same losses; checkpoints load."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from graphroute.neural.config import TrainConfig
from graphroute.neural.train import export_checkpoint, load_checkpoint, model_from_checkpoint, train

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "experiments" / "configs" / "test_tiny.yaml"


def losses(run: Path) -> list[float]:
    with (run / "log.csv").open() as fh:
        return [float(r["loss"]) for r in csv.DictReader(fh)]


def test_tiny_run_lowers_the_cost(tmp_path):
    cfg = TrainConfig.from_yaml(TINY).replace(steps=60, val_size=64, val_every=60, lr=3e-3, batch_size=32)
    before = train(cfg.replace(steps=1), tmp_path / "a", device="cpu").metrics["val_cost"]
    after = train(cfg, tmp_path / "b", device="cpu").metrics["val_cost"]
    assert after < 0.97 * before


@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_resume_gives_the_same_losses(tmp_path, problem):
    cfg = TrainConfig.from_yaml(TINY).replace(problem=problem, steps=6, checkpoint_every=3, val_every=3)
    train(cfg, tmp_path / "straight", device="cpu")
    train(cfg, tmp_path / "split", device="cpu", max_steps=3)
    ck = load_checkpoint(tmp_path / "split" / "last.pt")
    assert ck["step"] == 3
    train(cfg, tmp_path / "split", device="cpu", resume=tmp_path / "split" / "last.pt")
    assert losses(tmp_path / "split") == losses(tmp_path / "straight")
    assert len(losses(tmp_path / "straight")) == 6


def test_resume_rejects_another_config(tmp_path):
    from graphroute.exceptions import ConfigError

    cfg = TrainConfig.from_yaml(TINY).replace(steps=2)
    train(cfg, tmp_path, device="cpu")
    with pytest.raises(ConfigError, match="embed_dim"):
        train(cfg.replace(embed_dim=64), tmp_path, device="cpu", resume=tmp_path / "last.pt")


def test_export_is_small_and_loads(tmp_path):
    cfg = TrainConfig.from_yaml(TINY).replace(steps=2)
    train(cfg, tmp_path, device="cpu")
    small = export_checkpoint(tmp_path / "last.pt", tmp_path / "small.pt")
    ck = load_checkpoint(small)
    assert "optimizer" not in ck and small.stat().st_size < (tmp_path / "last.pt").stat().st_size
    model = model_from_checkpoint(ck)
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_bad_checkpoint_is_named(tmp_path):
    from graphroute.exceptions import InvalidArgumentError

    bad = tmp_path / "x.pt"
    bad.write_text("not a checkpoint")
    with pytest.raises(InvalidArgumentError, match="x.pt"):
        load_checkpoint(bad)
    with pytest.raises(InvalidArgumentError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_bf16_compile_and_resume(tmp_path):
    cfg = TrainConfig.from_yaml(TINY).replace(steps=4, compile=True, amp=True)
    r = train(cfg, tmp_path, device="cuda", max_steps=2)
    assert r.step == 2
    assert train(cfg, tmp_path, device="cuda", resume=tmp_path / "last.pt").step == 4


@pytest.mark.slow
def test_torchrun_ddp_on_cpu(tmp_path):
    """Two ranks with the gloo backend: the DistributedDataParallel path runs and rank 0 writes."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "-m", "graphroute_cli.main", "train",
           "--config", str(TINY), "--device", "cpu", "--out", str(tmp_path)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(losses(tmp_path)) == 4 and (tmp_path / "last.pt").is_file()


def rows(run: Path, drop=("inst_per_s", "elapsed_s")) -> list[dict]:
    with (run / "log.csv").open() as fh:
        return [{k: v for k, v in r.items() if k not in drop} for r in csv.DictReader(fh)]


def test_a_time_limit_stop_keeps_the_log_window(tmp_path, step_clock):
    """Stopped at step 8 (log_every 3: steps 7 and 8 not logged yet) and resumed, the log has the
    rows of an uninterrupted run: the step-9 row averages steps 7-9, not step 9 alone."""
    cfg = TrainConfig.from_yaml(TINY).replace(steps=16, log_every=3, val_every=5, checkpoint_every=5)
    train(cfg, tmp_path / "straight", device="cpu")
    step_clock[0] = 0
    r = train(cfg, tmp_path / "split", device="cpu", time_limit_s=7.5)
    assert r.step == 8 and load_checkpoint(tmp_path / "split" / "last.pt")["step"] == 8
    assert [row["step"] for row in rows(tmp_path / "split")] == ["3", "5", "6"]
    train(cfg, tmp_path / "split", device="cpu", resume=tmp_path / "split" / "last.pt")
    assert rows(tmp_path / "split") == rows(tmp_path / "straight")
    assert [row["step"] for row in rows(tmp_path / "straight")] == ["3", "5", "6", "9", "10", "12", "15", "16"]


def test_a_time_limit_stop_before_validation_says_so(tmp_path, step_clock):
    cfg = TrainConfig.from_yaml(TINY).replace(steps=20, val_every=10)
    r = train(cfg, tmp_path, device="cpu", time_limit_s=3.5)
    assert r.step == 4 and (tmp_path / "last.pt").is_file() and not (tmp_path / "best.pt").exists()
    assert "no validation has run yet" in r.note and "val_every" in r.note and "best.pt" in r.note
    step_clock[0] = 0
    r = train(cfg, tmp_path, device="cpu", resume=tmp_path / "last.pt", time_limit_s=7.5)
    assert r.step == 12 and (tmp_path / "best.pt").is_file()
    assert "stopped by the time limit at step 12" in r.note and "no validation" not in r.note


def test_a_fresh_run_removes_the_earlier_checkpoints(tmp_path):
    """A run that never validates leaves no best.pt of the earlier run beside its own last.pt; a run
    that fails on its config leaves the earlier run alone."""
    from graphroute.exceptions import ConfigError

    cfg = TrainConfig.from_yaml(TINY)
    train(cfg, tmp_path, device="cpu")
    assert (tmp_path / "best.pt").is_file()
    before = (tmp_path / "last.pt").read_bytes()
    with pytest.raises(ConfigError, match="init_from"):
        train(cfg.replace(problem="cvrp", init_from=str(tmp_path / "last.pt")), tmp_path, device="cpu")
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "last.pt").read_bytes() == before
    train(cfg.replace(steps=3, val_every=10), tmp_path, device="cpu", max_steps=2)
    assert not (tmp_path / "best.pt").exists() and load_checkpoint(tmp_path / "last.pt")["step"] == 2


def test_leftover_temp_files_are_removed(tmp_path):
    cfg = TrainConfig.from_yaml(TINY).replace(steps=2)
    tmp_path.mkdir(exist_ok=True)
    stale = [tmp_path / ".last.pt.424242.tmp", tmp_path / ".best.pt.17.tmp"]
    keep = [tmp_path / ".last.pt.tmp", tmp_path / "notes.tmp"]
    for p in stale + keep:
        p.write_bytes(b"partial")
    train(cfg, tmp_path, device="cpu", max_steps=1)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in keep)
    stale[0].write_bytes(b"partial")
    train(cfg, tmp_path, device="cpu", resume=tmp_path / "last.pt")
    assert not stale[0].exists()


def test_resume_from_an_exported_checkpoint_is_refused(tmp_path):
    from graphroute.exceptions import ConfigError

    cfg = TrainConfig.from_yaml(TINY).replace(steps=2)
    train(cfg, tmp_path, device="cpu")
    small = export_checkpoint(tmp_path / "last.pt", tmp_path / "small.pt")
    with pytest.raises(ConfigError, match=r"exported checkpoint has no optimizer state .*--set init_from=.*small\.pt"):
        train(cfg.replace(steps=4), tmp_path / "b", device="cpu", resume=small)


def test_init_from_another_model_is_named(tmp_path):
    from graphroute.exceptions import ConfigError

    cfg = TrainConfig.from_yaml(TINY).replace(steps=1)
    train(cfg, tmp_path / "a", device="cpu")
    src = tmp_path / "a" / "last.pt"
    with pytest.raises(ConfigError, match=r"init_from .*last\.pt: its model differs .* in problem 'tsp' "
                                          r"\(this config: 'cvrp'\), embed_dim 32 \(this config: 16\)"):
        train(cfg.replace(problem="cvrp", embed_dim=16, init_from=str(src)), tmp_path / "b", device="cpu")
    torch.save({"task": "kg", "model": {}, "model_config": {"kg_model": "nbfnet"}, "config": {}}, tmp_path / "kg.pt")
    with pytest.raises(ConfigError, match=r"init_from .*kg\.pt: not a routing \(VRP\) checkpoint"):
        train(cfg.replace(init_from=str(tmp_path / "kg.pt")), tmp_path / "c", device="cpu")
    train(cfg.replace(init_from=str(src)), tmp_path / "d", device="cpu")  # the same shape loads


@pytest.mark.parametrize("device, message", [
    ("cuda:x", "unknown device 'cuda:x'; use auto, cpu, cuda or cuda:N"),
    ("cuda:7", "--device cuda:7: this machine has 1 GPU (cuda:0 to cuda:0)"),
])
def test_a_device_this_machine_lacks_is_one_line(monkeypatch, device, message):
    """``cuda:x`` and ``cuda:7`` on a one-GPU machine used to be tracebacks at the first tensor."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.train import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(InvalidArgumentError) as err:
        resolve_device(device)
    assert str(err.value) == message


def test_under_torchrun_each_rank_takes_its_local_gpu(monkeypatch):
    """An explicit cuda:N used to put every rank on that one GPU."""
    from graphroute.neural.train import _distributed_device

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert _distributed_device(torch.device("cuda", 0)) == torch.device("cuda", 1)
    assert _distributed_device(torch.device("cpu")) == torch.device("cpu")


def test_resume_drops_a_best_checkpoint_from_beyond_the_resumed_step(tmp_path):
    """Walkthrough finding: after a kill -9 between checkpoints, best.pt (written at every improving
    validation) could be from step 146 while last.pt was at step 100. The resume cut log.csv back to
    step 100 but kept that best.pt, a model of steps the resumed run then redid differently."""
    cfg = TrainConfig.from_yaml(TINY).replace(steps=4, checkpoint_every=2, val_every=1)
    train(cfg, tmp_path, device="cpu")
    best = tmp_path / "best.pt"
    ck = torch.load(best, weights_only=False)
    ck["step"] = 9  # as a killed run leaves it: a validation after the last checkpoint
    torch.save(ck, best)
    res = train(cfg.replace(steps=6), tmp_path, device="cpu", resume=tmp_path / "last.pt")
    assert res.note and "best.pt (step 9) came from beyond the resumed step 4" in res.note
    assert load_checkpoint(best)["step"] in (5, 6)  # a new one, from the resumed run's own validations
    # nothing stale: a best.pt at or before the resumed step is kept
    res = train(cfg.replace(steps=8), tmp_path, device="cpu", resume=tmp_path / "last.pt")
    assert not res.note or "came from beyond" not in res.note


def test_a_resume_that_raises_steps_never_undoes_a_learning_rate_decay(tmp_path):
    """lr_decay_at is a fraction of steps: resumed from 12 to 30 steps (decay at 0.5), the rate went back up
    from 2e-5 to 2e-4 at step 13 and down again at step 15."""
    import csv

    cfg = TrainConfig.from_yaml(TINY).replace(steps=12, lr=2e-4, lr_decay_at=0.5, log_every=1, val_every=12,
                                              checkpoint_every=12)
    train(cfg, tmp_path, device="cpu")
    train(cfg.replace(steps=30), tmp_path, device="cpu", resume=tmp_path / "last.pt")
    lrs = {int(r["step"]): float(r["lr"]) for r in csv.DictReader(open(tmp_path / "log.csv"))}
    assert lrs[6] == pytest.approx(2e-4) and lrs[7] == pytest.approx(2e-5)  # decayed at 0.5 x 12
    assert all(lrs[s] == pytest.approx(2e-5) for s in range(7, 31))  # and stays decayed after the resume


def test_a_checkpoint_from_before_the_decay_key_keeps_its_drop_too(tmp_path):
    """A last.pt written before lr_decayed_from existed: its optimizer state shows the divided rate."""
    import csv

    import torch

    cfg = TrainConfig.from_yaml(TINY).replace(steps=12, lr=2e-4, lr_decay_at=0.5, log_every=1, val_every=12,
                                              checkpoint_every=12)
    train(cfg, tmp_path, device="cpu")
    ck = torch.load(tmp_path / "last.pt", weights_only=False)
    del ck["lr_decayed_from"]  # as an older version wrote it
    torch.save(ck, tmp_path / "last.pt")
    train(cfg.replace(steps=30), tmp_path, device="cpu", resume=tmp_path / "last.pt")
    lrs = {int(r["step"]): float(r["lr"]) for r in csv.DictReader(open(tmp_path / "log.csv"))}
    assert all(lrs[s] == pytest.approx(2e-5) for s in range(13, 31))
