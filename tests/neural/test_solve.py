"""solve_neural on files of other conventions and sizes; checkpoint choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphroute.check import check
from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.solve import pick_checkpoint, solve_neural
from graphroute.problems.generate import generate
from graphroute.problems.instance import Instance

CHECKPOINTS = Path(__file__).resolve().parents[2] / "data" / "checkpoints"
needs_shipped = pytest.mark.skipif(not (CHECKPOINTS / "pomo_cvrp20.pt").is_file(), reason="no shipped checkpoints")


@needs_shipped
def test_picks_nearest_size():
    assert pick_checkpoint("cvrp", 23).name == "pomo_cvrp20.pt"
    assert pick_checkpoint("tsp", 200).name == "pomo_tsp50.pt"


def test_missing_family_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidArgumentError, match="no shipped cvrp checkpoint"):
        pick_checkpoint("cvrp", 20, tmp_path)


@needs_shipped
def test_vrplib_scale_coordinates_keep_file_convention():
    base = generate("cvrp", 15, seed=4)
    big = Instance("cvrp", name="big", coords=np.round(base.coords * 1000), distance_type="EUC_2D",
                   demands=base.demands, capacity=base.capacity)
    sol = solve_neural(big, time_limit=1, augment=8)
    res = check(big, sol)
    assert res.feasible and res.cost == int(res.cost)  # EUC_2D costs are whole numbers
    assert sol.meta["model_cost"] < res.cost  # the model's own units are the unit square


@needs_shipped
def test_tiny_instances_and_bad_augment():
    inst = generate("tsp", 3, seed=0)
    assert check(inst, solve_neural(inst, time_limit=1)).feasible
    with pytest.raises(InvalidArgumentError, match="augment"):
        solve_neural(generate("tsp", 10, seed=0), time_limit=1, augment=2)


@needs_shipped
def test_augmentation_passes_stop_at_the_time_limit():
    """x8 runs the eight dihedral passes when they fit, only the pilot (its first PILOT_STARTS starts)
    when the limit is spent, and the best of the eight is no worse than the identity pass alone."""
    from graphroute.neural.solve import PILOT_STARTS

    inst = generate("cvrp", 20, seed=3)
    full = solve_neural(inst, time_limit=600, augment=8)
    short = solve_neural(inst, time_limit=1e-6, augment=8)
    one = solve_neural(inst, time_limit=600, augment=1)
    assert full.meta["augment_used"] == 8 and short.meta["augment_used"] == 1 == one.meta["augment_used"]
    assert full.meta["starts"] == one.meta["starts"] == 20 and short.meta["starts"] == PILOT_STARTS
    assert full.meta["model_cost"] <= one.meta["model_cost"] <= short.meta["model_cost"]
    assert check(inst, full).feasible and check(inst, short).feasible


def _unlimited_routes(inst, checkpoint):
    """The routes of the rule before the pilot: every start (up to MAX_STARTS) on each of the eight
    dihedral copies one at a time, the first strictly best kept."""
    from graphroute.neural.decoding import augment, best_solutions
    from graphroute.neural.envs import actions_to_routes, from_instances
    from graphroute.neural.solve import MAX_STARTS
    from graphroute.neural.train import load_checkpoint, model_from_checkpoint

    model = model_from_checkpoint(load_checkpoint(checkpoint))
    copies = augment(from_instances([inst]), 8)
    best, seq = float("inf"), None
    for i in range(8):
        cost, seqs = best_solutions(model, copies[i:i + 1], augment_k=1, num_starts=min(inst.num_customers, MAX_STARTS))
        if float(cost[0]) < best:
            best, seq = float(cost[0]), seqs[0]
    return actions_to_routes(seq, inst.problem == "cvrp")


@needs_shipped
@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_a_limit_that_fits_gives_the_unlimited_routes(problem):
    """The pilot only sizes the passes: when everything fits the routes are those of every start x8."""
    inst = generate(problem, 20, seed=5)
    sol = solve_neural(inst, time_limit=600, augment=8)
    assert sol.meta["starts"] == sol.meta["max_starts"] == 20 and sol.meta["augment_used"] == 8
    expected = _unlimited_routes(inst, CHECKPOINTS / f"pomo_{problem}20.pt")
    assert [list(r) for r in sol.routes] == [list(r) for r in expected]


@needs_shipped
def test_the_pilot_sizes_the_identity_pass(monkeypatch):
    """On a fake clock where a pass costs 1/64 s per start, a 1 s limit leaves 60 starts after the
    4-start pilot (no augmentation pass fits): the identity pass is cut, not run with all 100."""
    from graphroute.neural import solve as mod

    clock = [0.0]
    real = mod._best_solutions

    def timed(model, data, num_starts):
        clock[0] += num_starts / 64
        return real(model, data, num_starts)

    monkeypatch.setattr(mod, "_now", lambda: clock[0])
    monkeypatch.setattr(mod, "_best_solutions", timed)
    inst = generate("tsp", 120, seed=1)
    sol = mod.solve_neural(inst, time_limit=1.0, augment=8)
    assert (sol.meta["pilot_starts"], sol.meta["starts"], sol.meta["max_starts"]) == (mod.PILOT_STARTS, 60, 100)
    assert sol.meta["augment_used"] == 1 and clock[0] == 1.0
    assert check(inst, sol).feasible


def test_starts_that_fit():
    from graphroute.neural.solve import starts_that_fit

    assert starts_that_fit(0.4, 4, 1.0, 100) == 10
    assert starts_that_fit(0.4, 4, -3.0, 100) == 4  # the limit is spent: the pilot is the pass
    assert starts_that_fit(0.4, 4, 1e9, 100) == 100
    assert starts_that_fit(0.0, 4, 0.5, 20) == 20


@needs_shipped
def test_the_clock_starts_before_torch_is_imported():
    """A slow ``import torch`` (made 1 s slower here) is counted: with a 0.5 s limit only the pilot runs."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, time\n"
        "class Slow:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch':\n"
        "            time.sleep(1.0)\n"
        "sys.meta_path.insert(0, Slow())\n"
        "from graphroute.neural.solve import solve_neural\n"
        "from graphroute.problems.generate import generate\n"
        "assert 'torch' not in sys.modules\n"
        "print(json.dumps(solve_neural(generate('tsp', 20, seed=0), time_limit=0.5).meta))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    meta = json.loads(res.stdout.splitlines()[-1])
    assert meta["augment_used"] == 1 and meta["starts"] == meta["pilot_starts"] < 20


@needs_shipped
def test_out_of_memory_is_one_line(monkeypatch):
    from graphroute.exceptions import SolverError
    from graphroute.neural import solve as mod

    def oom(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: "
                           "you tried to allocate 123456789 bytes. Error code 12 (Cannot allocate memory)")

    monkeypatch.setattr(mod, "_best_solutions", oom)
    with pytest.raises(SolverError, match=r"out of memory decoding .* \(20 nodes, 4 starts\)"):
        mod.solve_neural(generate("tsp", 20, seed=0), time_limit=1)


def test_a_checkpoint_of_another_task_is_refused(tmp_path):
    import torch

    torch.save({"task": "kg", "model": {}, "model_config": {"kg_model": "nbfnet"}, "config": {}}, tmp_path / "kg.pt")
    with pytest.raises(InvalidArgumentError, match="not a routing .VRP. checkpoint .task 'kg'."):
        solve_neural(generate("tsp", 10, seed=0), time_limit=1, checkpoint=tmp_path / "kg.pt")
