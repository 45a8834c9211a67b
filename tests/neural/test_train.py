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
