"""Seconds per NBFNet / DistMult training step on CPU, and the epoch time they imply.

    OMP_NUM_THREADS=1 python experiments/bench/kg_speed.py experiments/configs/kg_fb15k237.yaml --batch-size 8 --steps 5

Times ``--steps`` training steps (after one warm-up step) of the config's model on its KG with the
training loop's own loss (graphroute.neural.kg.train._loss: the batch's edges removed, fact_ratio
drop, adversarial BCE over all entities), median over the steps. An epoch is every training triple in
both directions: 2 * |train| / batch_size steps.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from graphroute.neural.config import parse_overrides
from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.train import KGConfig, Scorer, _loss, build_model


def step_times(cfg: KGConfig, data: KGData, steps: int) -> list[float]:
    """Seconds of ``steps`` training steps of ``cfg``'s model on ``data`` (after one warm-up step)."""
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, data)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    queries = torch.as_tensor(data.with_inverse(data.train))
    known: dict = {}
    for h, r, t in data.with_inverse(data.train).tolist():
        known.setdefault((h, r), set()).add(t)
    scorer = Scorer(model, data, remove_one_hop=cfg.remove_one_hop)
    gen = torch.Generator().manual_seed(0)
    times = []
    for i in range(steps + 1):
        batch = queries[torch.randint(len(queries), (cfg.batch_size,), generator=gen)]
        keep = torch.rand(len(data.train), generator=gen) < cfg.fact_ratio if cfg.fact_ratio < 1 else None
        t0 = time.perf_counter()
        loss = _loss(cfg, scorer, model, batch, known, keep)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config key, as graphroute train --set does (repeatable)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = KGConfig.from_yaml(args.config)
    over = {"batch_size": args.batch_size} if args.batch_size else {}
    over.update(parse_overrides(args.set))
    if over:
        cfg = KGConfig.from_dict({**cfg.__dict__, **over}, source="--set")
    data = KGData.from_path(cfg.data)
    times = step_times(cfg, data, args.steps)
    step = statistics.median(times)
    steps_per_epoch = int(np.ceil(2 * len(data.train) / cfg.batch_size))
    agg = f" ({cfg.aggregate})" if cfg.model == "nbfnet" else ""
    print(f"{data.name}: {cfg.model}{agg} dim {cfg.dim} x {cfg.layers} layers, batch {cfg.batch_size}, {args.threads} thread(s): "
          f"{step:.3f} s/step (median of {len(times)}), {1000 * step / 3600:.2f} h per 1k steps, "
          f"{steps_per_epoch} steps/epoch -> {steps_per_epoch * step / 3600:.2f} h per epoch")


if __name__ == "__main__":
    main()
