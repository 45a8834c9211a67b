"""Training from Python leaves the caller's torch random stream and thread count as they were, and the
run itself is seeded as before (the same losses whatever the caller's state)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.config import TrainConfig  # noqa: E402
from graphroute.neural.router.train import run_from_yaml  # noqa: E402
from graphroute.neural.train import train  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def losses(run_dir):
    return [row["loss"] for row in csv.DictReader(open(run_dir / "log.csv"))]


def caller_state_kept(run) -> None:  # noqa: ANN001
    """``run()`` between two draws from the caller's seeded stream: the second draw is the one the
    stream gives without the run in between, and the thread count is back."""
    torch.manual_seed(123)
    expected = torch.rand(2)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch.manual_seed(123)
        first = torch.rand(1)
        run()
        second = torch.rand(1)
        assert torch.equal(torch.cat([first, second]), expected)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)


def test_vrp_training_keeps_the_callers_state_and_its_own_seed(tmp_path):
    cfg = TrainConfig.from_yaml(REPO / "experiments/configs/test_tiny.yaml").replace(steps=2, threads=1)
    caller_state_kept(lambda: train(cfg, tmp_path / "a", device="cpu"))
    torch.manual_seed(999)  # another caller state: the run's losses are its seed's alone
    train(cfg, tmp_path / "b", device="cpu")
    assert losses(tmp_path / "a") == losses(tmp_path / "b")


def test_router_training_keeps_the_callers_state(tmp_path):
    caller_state_kept(lambda: run_from_yaml(REPO / "experiments/configs/router_tiny.yaml", out=tmp_path / "a",
                                            overrides={"threads": 1}))
    torch.manual_seed(999)
    run_from_yaml(REPO / "experiments/configs/router_tiny.yaml", out=tmp_path / "b", overrides={"threads": 1})
    assert losses(tmp_path / "a") == losses(tmp_path / "b")
