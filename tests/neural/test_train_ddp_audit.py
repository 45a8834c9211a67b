"""DDP on CPU (gloo, two ranks; slow, like tests/neural/test_train_ddp.py): each rank samples
batch_size / K instances a step, so that the effective batch is batch_size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import graphroute

REPO = Path(graphroute.__file__).resolve().parents[1]
TINY = REPO / "experiments" / "configs" / "test_tiny.yaml"

WORKER = textwrap.dedent('''
    import json, os, sys
    from graphroute.neural import train as mod
    from graphroute.neural.config import TrainConfig

    tiny, out = sys.argv[1], sys.argv[2]
    rank = int(os.environ["RANK"])
    sizes = []
    real = mod.sample_batch

    def sample(problem, batch, *args, **kwargs):
        data = real(problem, batch, *args, **kwargs)
        sizes.append(data.batch_size)
        return data

    mod.sample_batch = sample
    r = mod.train(TrainConfig.from_yaml(tiny).replace(steps=2, batch_size=16, val_size=8), out, device="cpu")
    with open(os.path.join(out, f"sizes{rank}.json"), "w") as fh:
        json.dump({"sizes": sizes, "inst_per_s_positive": r.metrics.get("inst_per_s", 0) > 0}, fh)
''')


@pytest.mark.slow
def test_each_rank_samples_its_share_of_the_batch(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / "run"
    out.mkdir()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone", str(script), str(TINY),
           str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=240,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-3000:]
    got = [json.loads((out / f"sizes{r}.json").read_text())["sizes"] for r in range(2)]
    assert got == [[8, 8], [8, 8]]
