"""Training-step and inference speed of graphroute's POMO against RL4CO 0.7.0's POMO, same machine.

    python experiments/bench/train_speed.py --rl4co-python /tmp/rl4co-venv/bin/python \
        --rounds 5 --steps 5 --threads 2 --out experiments/results/train_speed.md

Configuration (POMO TSP20): 6 encoder layers, 128 dims, 8 heads, feed-forward 512, instance norm,
batch 64, 20 starts, fp32, Adam. A *training step* is: sample a batch, multi-start sampling rollout
with log-likelihoods, shared-baseline REINFORCE loss, backward, optimizer step (RL4CO: the same
through ``POMO.policy`` in a bare loop, no Lightning trainer). *Inference* is multi-start greedy with
20 starts on 1,024 TSP20 instances (no augmentation), in ``torch.inference_mode``.

Each measurement runs in a fresh subprocess (RL4CO in its own virtual environment: it is not a
dependency of graphroute, see experiments/requirements-bench.txt); rounds alternate graphroute
and RL4CO so that load from other processes on a shared machine hits both alike. Reported: median
over all timed steps (after warm-up) and over rounds for inference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BATCH, SIZE, STARTS, INFER_N = 64, 20, 20, 1024


def worker_graphroute(what: str, steps: int) -> list[float]:
    import torch

    from graphroute.neural.decoding import rollout
    from graphroute.neural.envs import sample_batch
    from graphroute.neural.models import AttentionModel, ModelConfig

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = AttentionModel(ModelConfig(problem="tsp", embed_dim=128, num_layers=6, num_heads=8, ff_dim=512))
    if what == "train":
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        times = []
        for _ in range(steps + 2):
            t0 = time.perf_counter()
            data = sample_batch("tsp", BATCH, SIZE, generator=gen)
            r = rollout(model, data, num_starts=STARTS, strategy="sample", generator=gen, with_logp=True)
            loss = ((r.cost - r.cost.mean(1, keepdim=True)) * r.logp).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        return times[2:]
    model.eval()
    data = sample_batch("tsp", INFER_N, SIZE, generator=gen)
    times = []
    with torch.inference_mode():
        for _ in range(steps + 1):
            t0 = time.perf_counter()
            rollout(model, data, num_starts=STARTS)
            times.append(time.perf_counter() - t0)
    return times[1:]


def worker_rl4co(what: str, steps: int) -> list[float]:
    import torch
    from rl4co.envs import TSPEnv
    from rl4co.models import POMO
    from rl4co.utils.ops import unbatchify

    torch.manual_seed(0)
    env = TSPEnv(generator_params={"num_loc": SIZE})
    model = POMO(env, batch_size=BATCH)  # policy: 6 layers, 128 dims, 8 heads, ff 512, instance norm
    policy = model.policy
    if what == "train":
        opt = torch.optim.Adam(policy.parameters(), lr=1e-4)
        times = []
        for _ in range(steps + 2):
            t0 = time.perf_counter()
            td = env.reset(env.generator(batch_size=[BATCH]))
            out = policy(td, env, phase="train", decode_type="multistart_sampling", num_starts=STARTS)
            reward = unbatchify(out["reward"], (0, STARTS))
            ll = unbatchify(out["log_likelihood"], (0, STARTS))
            loss = -((reward - reward.mean(-1, keepdim=True)) * ll).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        return times[2:]
    policy.eval()
    td0 = env.generator(batch_size=[INFER_N])
    times = []
    with torch.inference_mode():
        for _ in range(steps + 1):
            t0 = time.perf_counter()
            td = env.reset(td0.clone())
            policy(td, env, phase="test", decode_type="multistart_greedy", num_starts=STARTS)
            times.append(time.perf_counter() - t0)
    return times[1:]


def run_worker(python: str, impl: str, what: str, steps: int, threads: int) -> list[float]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [python, __file__, "--worker", impl, "--what", what, "--steps", str(steps), "--threads", str(threads)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2])
    if res.returncode != 0:
        raise SystemExit(f"{impl} {what} worker failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", choices=["graphroute", "rl4co"])
    ap.add_argument("--what", choices=["train", "infer"], default="train")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rl4co-python", default="/tmp/rl4co-venv/bin/python")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    if a.worker:
        import torch

        torch.set_num_threads(a.threads)
        fn = worker_graphroute if a.worker == "graphroute" else worker_rl4co
        print(json.dumps(fn(a.what, a.steps)))
        return
    try:  # a fresh clone has no RL4CO interpreter: its column then says 'not installed'
        have_rl4co = subprocess.run([a.rl4co_python, "-c", "import rl4co"], capture_output=True).returncode == 0
    except OSError:
        have_rl4co = False
    res: dict[tuple[str, str], list[float]] = {}
    for r in range(a.rounds):
        for what in ("train", "infer"):
            impls = ["graphroute", "rl4co"] if r % 2 == 0 else ["rl4co", "graphroute"]
            for impl in impls:
                if impl == "rl4co" and not have_rl4co:
                    continue
                python = sys.executable if impl == "graphroute" else a.rl4co_python
                steps = a.steps if what == "train" else 1
                times = run_worker(python, impl, what, steps, a.threads)
                res.setdefault((impl, what), []).extend(times)
                print(f"round {r} {impl:10s} {what}: " + " ".join(f"{t:.3f}" for t in times), flush=True)
    report(a, res, have_rl4co)


def report(a: argparse.Namespace, res: dict, have_rl4co: bool) -> None:
    cpu = next((ln.split(":", 1)[1].strip() for ln in subprocess.run(["lscpu"], capture_output=True, text=True)
                .stdout.splitlines() if ln.startswith("Model name")), platform.processor())
    import torch

    med = {k: statistics.median(v) for k, v in res.items()}
    lines = [
        "# Training and inference speed: graphroute POMO vs RL4CO 0.7.0 POMO (TSP20, CPU)",
        "",
        "```",
        f"python experiments/bench/train_speed.py --rl4co-python {a.rl4co_python} --rounds {a.rounds} "
        f"--steps {a.steps} --threads {a.threads} --out {a.out}",
        "```",
        "",
        f"The RL4CO interpreter is a separate virtual environment: `python -m venv {Path(a.rl4co_python).parent.parent} "
        f"&& {Path(a.rl4co_python).parent}/pip install -r experiments/requirements-bench.txt`.",
        "",
        f"Machine: {cpu}, {os.cpu_count()} logical CPUs, timed on the CPU; torch {torch.__version__}, {a.threads} "
        f"threads per process; one process at a time; load average {os.getloadavg()[0]:.2f} at the end. Rounds "
        f"alternate graphroute and RL4CO so that any background load affects both alike.",
        "",
        f"Configuration: 6 encoder layers, 128 dims, 8 heads, ff 512, batch {BATCH}, {STARTS} starts, fp32. "
        f"Training: median of {a.rounds} rounds x {a.steps} timed steps (2 warm-up steps per process). "
        f"Inference: multi-start greedy, {STARTS} starts, {INFER_N} instances, median of {a.rounds} rounds.",
        "",
        "| measure | graphroute | RL4CO 0.7.0 | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    g_t, g_i = med[("graphroute", "train")], INFER_N / med[("graphroute", "infer")]
    if have_rl4co:
        r_t, r_i = med[("rl4co", "train")], INFER_N / med[("rl4co", "infer")]
        lines += [f"| training step (s, lower is better) | {g_t:.3f} | {r_t:.3f} | {r_t / g_t:.2f}x faster |",
                  f"| inference (instances/s, higher is better) | {g_i:.0f} | {r_i:.0f} | {g_i / r_i:.2f}x faster |"]
    else:
        lines += [f"| training step (s) | {g_t:.3f} | not installed | - |",
                  f"| inference (instances/s) | {g_i:.0f} | not installed | - |"]
    lines += ["", "Raw timings (s):", ""]
    for (impl, what), v in sorted(res.items()):
        lines.append(f"- {impl} {what}: " + ", ".join(f"{t:.3f}" for t in v))
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from graphroute.problems.io import atomic_write_text

        atomic_write_text(a.out, text)


if __name__ == "__main__":
    main()
