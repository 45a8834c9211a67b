"""CPU step times with glibc's default malloc against `graphroute.machine.keep_freed_memory`.

    OMP_NUM_THREADS=1 python experiments/bench/cpu_malloc.py [--rounds 3] [--out experiments/results/cpu_malloc.md]

Three workloads, each in a fresh worker process (the malloc setting is per process and cannot be
undone), the two settings alternating round by round so that a change in the machine's load hits
both alike; medians over every timed step of every round:

- router pass: the shipped router's truncated pass (30 steps, wave included) for 64 targets on an
  unseen 100k-node grid (`graphroute.neural.router.route.cost_to_go`, what `route` / `compare
  --task paths` run);
- POMO TSP20 training step: the configuration of experiments/bench/train_speed.py (6 layers, 128
  dims, batch 64, 20 starts);
- NBFNet UMLS training step: experiments/configs/kg_umls.yaml, batch 64 (experiments/bench/kg_speed.py);
- NBFNet WN18RR training step: experiments/configs/kg_wn18rr.yaml, batch 8 (the CPU setting of kg.md):
  every layer allocates ``[40,943 nodes, 8, 32]`` states (42 MB), above glibc's mmap threshold.

`graphroute route`, `graphroute compare --task paths`, `train --task kg` and `evaluate --task kg` apply
the setting (`GRAPHROUTE_MALLOC=system` turns it off); VRP and router training do not: it did not help
the POMO step measured here.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from graphroute.problems.io import atomic_write_text
from _args import positive_int

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "experiments/bench"))  # the sibling scripts' workloads, as router_ablation.py does
WORKLOADS = ("router pass", "POMO TSP20 training step", "NBFNet UMLS training step", "NBFNet WN18RR training step")


def worker(what: str, steps: int) -> list[float]:
    import numpy as np
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    if what == "router pass":
        from graphroute.graphs.synthetic import synthetic_graph
        from graphroute.neural.router.model import RouterGraph
        from graphroute.neural.router.route import cost_to_go
        from graphroute.neural.router.train import load_router

        g = synthetic_graph("grid", 100_000, seed=5)
        rg = RouterGraph.from_graph(g, None)
        model, _ = load_router(ROOT / "data/checkpoints/router_road.pt")
        targets = np.random.default_rng(0).choice(g.n_nodes, 64, replace=False)
        times = []
        for _ in range(steps + 1):
            t0 = time.perf_counter()
            cost_to_go(model, rg, targets, batch=64, steps=30, with_wave=True)
            times.append(time.perf_counter() - t0)
        return times[1:]
    if what == "POMO TSP20 training step":
        import train_speed

        return train_speed.worker_graphroute("train", steps)
    from graphroute.neural.kg.data import KGData
    from graphroute.neural.kg.train import KGConfig

    if what == "NBFNet UMLS training step":
        cfg = KGConfig.from_yaml(ROOT / "experiments/configs/kg_umls.yaml")
    else:
        cfg = KGConfig.from_yaml(ROOT / "experiments/configs/kg_wn18rr.yaml")
        cfg = KGConfig.from_dict({**cfg.__dict__, "batch_size": 8})
    data = KGData.from_path(ROOT / cfg.data)
    import kg_speed

    return kg_speed.step_times(cfg, data, steps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=positive_int, default=3)
    ap.add_argument("--steps", type=positive_int, default=4)
    ap.add_argument("--out", type=Path, default=ROOT / "experiments/results/cpu_malloc.md")
    ap.add_argument("--worker", choices=WORKLOADS)
    ap.add_argument("--malloc", choices=("system", "keep"))
    a = ap.parse_args()
    if a.worker:
        from graphroute.machine import keep_freed_memory

        applied = keep_freed_memory() if a.malloc == "keep" else False
        if a.malloc == "keep" and not applied:
            raise SystemExit("keep_freed_memory() could not be applied here (not Linux with glibc)")
        print(json.dumps(worker(a.worker, a.steps)))
        return

    from graphroute.machine import machine_info

    res: dict[tuple[str, str], list[float]] = {}
    for r in range(a.rounds):
        for what in WORKLOADS:
            for mode in (("system", "keep") if r % 2 == 0 else ("keep", "system")):
                cmd = [sys.executable, __file__, "--worker", what, "--malloc", mode, "--steps", str(a.steps)]
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                                     env={**os.environ, "GRAPHROUTE_MALLOC": "system" if mode == "system" else ""})
                if out.returncode:
                    raise SystemExit(f"{what} ({mode}) failed:\n{out.stderr[-2000:]}")
                times = json.loads(out.stdout.strip().splitlines()[-1])
                res.setdefault((what, mode), []).extend(times)
                print(f"round {r} {what} [{mode}]: " + " ".join(f"{t:.3f}" for t in times), flush=True)
    lines = [
        "# CPU step times: glibc's default malloc against keep_freed_memory()",
        "",
        f"Command: `OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')} python experiments/bench/cpu_malloc.py "
        f"--rounds {a.rounds} --steps {a.steps}`",
        "",
        f"Machine: {machine_info()}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. "
        f"{a.rounds} rounds x {a.steps} timed steps per setting, the settings alternating; medians.",
        "",
        "| workload | default malloc (s) | keep_freed_memory (s) | speed-up |",
        "| --- | ---: | ---: | ---: |",
    ]
    for what in WORKLOADS:
        s, k = statistics.median(res[(what, "system")]), statistics.median(res[(what, "keep")])
        lines.append(f"| {what} | {s:.3f} | {k:.3f} | {s / k:.2f}x |")
    lines.append("")
    atomic_write_text(a.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
