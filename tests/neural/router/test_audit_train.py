"""Router training: validation measures the truncated estimate, and best.pt holds the lowest validation error."""
from __future__ import annotations

from pathlib import Path

import torch

import graphroute.neural.router.train as mod
from graphroute.neural.router.model import BFRouter
from graphroute.neural.router.train import RouterConfig, train_router

TINY = Path(__file__).resolve().parents[3] / "experiments/configs/router_tiny.yaml"


def test_validation_measures_the_truncated_estimate():
    cfg = RouterConfig.from_dict({**RouterConfig.from_yaml(TINY).to_dict(), "val_steps": 1})
    assert mod.validate(BFRouter(hidden=cfg.hidden).eval(), cfg)["val_rel_err"] > 1e-3


def test_best_pt_is_the_lowest_validation_not_the_last_improvement(tmp_path, monkeypatch):
    vals = iter([0.5, 0.3, 0.6, 0.4])
    monkeypatch.setattr(mod, "validate", lambda model, cfg: {"val_rel_err": next(vals)})
    cfg = RouterConfig.from_dict({**RouterConfig.from_yaml(TINY).to_dict(), "steps": 4, "val_every": 1,
                                  "checkpoint_every": 4})
    train_router(cfg, tmp_path)
    best = torch.load(tmp_path / "best.pt", weights_only=False)
    assert best["step"] == 2 and best["best_val"] == 0.3
