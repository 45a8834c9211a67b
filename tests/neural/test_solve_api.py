"""solve_neural seeds its own random state: the caller's global torch RNG is untouched, and the answer
for a seed is the one it was when the function reseeded the global generator."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import graphroute as gr  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
needs_shipped = pytest.mark.skipif(not (ROOT / "data/checkpoints/pomo_tsp20.pt").is_file(),
                                   reason="no shipped checkpoints")


@needs_shipped
def test_neural_solve_leaves_the_global_torch_rng_alone():
    inst = gr.read_instance(ROOT / "data/examples/tsp20.json")
    torch.manual_seed(123)
    state = torch.get_rng_state()
    res = gr.solve(inst, "neural", time_limit=60, seed=5)
    assert torch.initial_seed() == 123
    assert torch.equal(torch.get_rng_state(), state)
    # the cost the shipped checkpoint gave on this file when solve_neural called torch.manual_seed(seed)
    assert res.cost == pytest.approx(3.6107287716426213, rel=1e-9)
    assert gr.solve(inst, "neural", time_limit=60, seed=5).routes == res.routes


def test_the_solution_names_the_checkpoint_file_it_came_from(tmp_path):
    """meta.checkpoint is a file name (best.pt of which run?); checkpoint_path is the file."""
    import shutil

    from graphroute.problems.io import read_instance
    from graphroute.solvers import solve

    repo = Path(__file__).resolve().parents[2]
    ck = tmp_path / "run" / "best.pt"
    ck.parent.mkdir()
    shutil.copy(repo / "data/checkpoints/pomo_tsp20.pt", ck)
    res = solve(read_instance(repo / "data/examples/tsp20.json"), "neural", time_limit=5, checkpoint=ck)
    assert res.meta["checkpoint"] == "best.pt" and res.meta["checkpoint_path"] == str(ck.resolve())
