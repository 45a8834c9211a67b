"""DDP on CPU (gloo, two ranks): rank 0 decides stops and failures for every rank, and every rank
keeps its own batch generator across a resume. Each test launches torchrun on a small worker script."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from graphroute.neural.config import TrainConfig
from graphroute.neural.train import _restore_generator

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "experiments" / "configs" / "test_tiny.yaml"

WORKER = textwrap.dedent('''
    import json, os, sys, time
    from types import SimpleNamespace

    import torch
    from graphroute.neural import train as mod
    from graphroute.neural.config import TrainConfig

    mode, tiny, out = sys.argv[1], sys.argv[2], sys.argv[3]
    rank = int(os.environ["RANK"])
    cfg = TrainConfig.from_yaml(tiny).replace(steps=4, val_every=2, checkpoint_every=2, val_size=8)
    kw = {}
    batches = []
    real_sample = mod.sample_batch

    def sample(*args, **kwargs):
        data = real_sample(*args, **kwargs)
        batches.append(float(data.locs.sum()))
        return data

    mod.sample_batch = sample
    if mode == "clock":  # rank 1's clock runs 1000 s a step: alone it would stop before step 2
        kw["time_limit_s"] = 1500.0
        if rank == 1:
            mod.time = SimpleNamespace(perf_counter=lambda: 1000.0 * len(batches))
    if mode == "nan":  # rank 0's second validation is nan
        calls = []
        real = mod.Validator.__call__

        def validate(self, *a, **k):
            cost, gap = real(self, *a, **k)
            calls.append(1)
            return (float("nan"), gap) if cost is not None and len(calls) == 2 else (cost, gap)

        mod.Validator.__call__ = validate
    if mode == "first":
        kw["max_steps"] = 2
    if mode == "resume":
        kw["resume"] = os.path.join(out, "last.pt")
    if mode == "ctrlc":  # torchrun passes its SIGINT on to each rank: rank 1 gets it a step before rank 0
        import signal
        cfg = cfg.replace(steps=6, checkpoint_every=6)
        real_sample_ctrlc = mod.sample_batch

        def sample_ctrlc(*args, **kwargs):
            if len(batches) == 2 - rank:
                signal.raise_signal(signal.SIGINT)  # this thread: the handler has run when it returns
            return real_sample_ctrlc(*args, **kwargs)

        mod.sample_batch = sample_ctrlc
    if mode == "ctrlc-resume":
        cfg = cfg.replace(steps=6, checkpoint_every=6)
        kw["resume"] = os.path.join(out, "last.pt")
    try:
        r = mod.train(cfg, out, device="cpu", **kw)
        res = {"step": r.step, "note": r.note}
    except BaseException as exc:  # TrainingInterrupted is a KeyboardInterrupt
        res = {"error": type(exc).__name__, "message": str(exc)}
    res["batches"] = batches
    with open(os.path.join(out, f"{mode}.rank{rank}.json"), "w") as fh:
        json.dump(res, fh)
''')


def launch(tmp_path: Path, mode: str) -> list[dict]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / "run"
    out.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone", str(script), mode,
           str(TINY), str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=240,
                         env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-3000:]
    return [json.loads((out / f"{mode}.rank{r}.json").read_text()) for r in range(2)]


@pytest.mark.slow
def test_rank_0s_clock_stops_every_rank_at_the_same_step(tmp_path):
    """Each rank used to check the time limit on its own clock: rank 1 stopped after one step and
    rank 0 waited in the next all-reduce ("Connection closed by peer")."""
    ranks = launch(tmp_path, "clock")
    assert [r.get("step") for r in ranks] == [4, 4], ranks


@pytest.mark.slow
def test_a_nan_validation_on_rank_0_stops_every_rank(tmp_path):
    """Only rank 0 validates; it used to raise alone and leave rank 1 waiting."""
    ranks = launch(tmp_path, "nan")
    assert [r.get("error") for r in ranks] == ["TrainingDivergedError"] * 2, ranks
    assert all("the validation cost is nan at step 4 of 4" in r["message"] for r in ranks)


@pytest.mark.slow
def test_a_resumed_run_keeps_each_ranks_own_batches(tmp_path):
    """last.pt used to hold rank 0's generator only, which every rank restored: after --resume all
    ranks drew the same batches (an effective batch of 1/K)."""
    first = launch(tmp_path, "first")
    assert [r["step"] for r in first] == [2, 2]
    ck = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert len(ck["generators"]) == 2 and not torch.equal(ck["generators"][0], ck["generators"][1])
    resumed = launch(tmp_path, "resume")
    assert [r["step"] for r in resumed] == [4, 4] and all(r["note"] is None for r in resumed)
    assert resumed[0]["batches"] != resumed[1]["batches"]


@pytest.mark.slow
def test_ctrl_c_under_torchrun_stops_every_rank_after_the_same_step_with_a_resumable_last_pt(tmp_path):
    """Ctrl-C under torchrun used to keep only the periodic checkpoints (here none before step 6): the
    ranks ignored SIGINT's request and the launcher killed them. Rank 1's SIGINT comes during step 2,
    rank 0's during step 3: rank 0 decides, both stop after step 3, last.pt holds both generators."""
    ranks = launch(tmp_path, "ctrlc")
    assert [r.get("error") for r in ranks] == ["TrainingInterrupted"] * 2, ranks
    assert all("interrupted at step 3 of 6" in r["message"] for r in ranks)
    ck = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert ck["step"] == 3 and len(ck["generators"]) == 2
    resumed = launch(tmp_path, "ctrlc-resume")
    assert [r["step"] for r in resumed] == [6, 6] and all(r["note"] is None for r in resumed)


def _gen_state(seed: int) -> torch.Tensor:
    return torch.Generator().manual_seed(seed).get_state()


def test_each_rank_restores_its_own_generator():
    ck = {"device": "cpu", "generators": [_gen_state(1), _gen_state(2)]}
    gen = torch.Generator()
    assert _restore_generator(gen, ck, rank=1, world=2, seed=0, step=5) is None
    assert torch.equal(gen.get_state(), _gen_state(2))


@pytest.mark.parametrize("ck, why", [
    ({"device": "cpu", "generators": [_gen_state(1), _gen_state(2)]}, "written by 2 rank(s) and this run has 1"),
    ({"device": "cuda:0", "generator": torch.zeros(16, dtype=torch.uint8)}, "is on cuda and this run is on cpu"),
    ({"device": "cpu", "generator": torch.zeros(16, dtype=torch.uint8)}, "does not fit"),
])
def test_a_generator_that_does_not_fit_is_reseeded_with_a_note(ck, why):
    """A CUDA state (16 bytes) used to crash a CPU resume: "Expected a CPUGeneratorImplState of size 5056"."""
    gen = torch.Generator()
    note = _restore_generator(gen, ck, rank=0, world=1, seed=3, step=7)
    assert why in note and "not bit-identical" in note
    assert torch.equal(gen.get_state(), _gen_state(3 + 7))


def test_a_cuda_checkpoint_resumes_on_cpu_with_a_note(tmp_path):
    from graphroute.neural.train import train

    cfg = TrainConfig.from_yaml(TINY).replace(steps=4)
    train(cfg, tmp_path, device="cpu", max_steps=2)
    ck = torch.load(tmp_path / "last.pt", weights_only=False)
    ck.update(device="cuda:0", generator=torch.zeros(16, dtype=torch.uint8), generators=[torch.zeros(16, dtype=torch.uint8)])
    torch.save(ck, tmp_path / "last.pt")
    r = train(cfg, tmp_path, device="cpu", resume=tmp_path / "last.pt")
    assert r.step == 4 and "not bit-identical" in r.note
