"""Does torch.compile speed up router training (issue 5)? One training step, eager against compiled.

    OMP_NUM_THREADS=1 python experiments/bench/router_compile.py [--steps 30] [--device cpu|cuda] [--out FILE]

The step is the one `graphroute train --task router` takes (router_road.yaml: a fresh seeded
synthetic graph of 100-1,000 nodes, 16 targets, up to 40 deep-supervised Bellman steps, backward).
`BFRouter.bellman` is compiled with `torch.compile(dynamic=True)`, since every step brings a graph of
another size. Both runs see the same graphs and start from the same weights; the script checks that
their losses agree and reports the median step time after three warm-up steps (the first compiled
step, which compiles, is reported on its own).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

import numpy as np

from graphroute.problems.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[2]


def run(compiled: bool, steps: int, device: str) -> tuple[list[float], list[float]]:
    import torch

    from graphroute.neural.router.model import BFRouter
    from graphroute.neural.router.train import RouterConfig, _csr, batch_loss, exact_costs_to, sample_graph

    cfg = RouterConfig.from_yaml(ROOT / "experiments/configs/router_road.yaml")
    torch.manual_seed(0)
    model = BFRouter(hidden=cfg.hidden).to(device)
    if compiled:
        model.bellman = torch.compile(model.bellman, dynamic=True)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    times, losses = [], []
    for step in range(1, steps + 1):
        rg, _ = sample_graph(cfg, step)
        targets = torch.from_numpy(np.random.default_rng(step).choice(rg.n, min(cfg.batch_targets, rg.n), replace=False))
        exact = torch.from_numpy(exact_costs_to(*_csr(rg), targets.numpy())).to(device)
        rg = rg.to(device)
        targets = targets.to(device)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss, _ = batch_loss(model, rg, exact, targets, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        losses.append(float(loss.detach()))
    return times, losses


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=str(ROOT / "experiments/results/router_compile.md"))
    args = ap.parse_args()

    import torch

    if args.device == "cpu":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    eager_t, eager_l = run(False, args.steps, args.device)
    comp_t, comp_l = run(True, args.steps, args.device)
    dev = torch.cuda.get_device_name() if args.device.startswith("cuda") else (platform.processor() or platform.machine())
    worst = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(eager_l, comp_l))
    e, c = float(np.median(eager_t[3:])), float(np.median(comp_t[3:]))
    lines = [
        "# Router training step: eager against torch.compile",
        "",
        f"Command: `OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')} python experiments/bench/router_compile.py "
        f"--steps {args.steps} --device {args.device}`",
        "",
        f"Machine: {dev}, torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. Same graphs, same initial weights, "
        f"{args.steps} steps each, median over steps 4-{args.steps}.",
        "",
        "| mode | first step (s) | median step (ms) | vs eager |",
        "| --- | ---: | ---: | ---: |",
        f"| eager | {eager_t[0]:.2f} | {e * 1000:.1f} | 1.00 |",
        f"| `torch.compile(bellman, dynamic=True)` | {comp_t[0]:.2f} | {c * 1000:.1f} | {e / c:.2f}x |",
        "",
        f"Largest relative difference between the two runs' losses over the {args.steps} steps: {worst:.1e}.",
        "",
    ]
    atomic_write_text(args.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
