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
def test_the_pilot_sizes_the_identity_passes(monkeypatch):
    """On a fake clock where a pass costs 1/64 s per start, a 1 s limit does not hold all 100 starts
    after the 4-start pilot: the next passes decode new starts (48, then 12 more: the first sized with
    the pilot's rate and PREDICT_MARGIN, the last within the passes' own times), no augmentation pass
    fits, and the limit is met exactly."""
    from graphroute.neural import solve as mod

    clock = [0.0]
    real = mod._best_solutions
    offsets = []

    def timed(model, data, num_starts, start_offset=0):
        clock[0] += num_starts / 64
        offsets.append((start_offset, num_starts))
        return real(model, data, num_starts, start_offset)

    monkeypatch.setattr(mod, "_now", lambda: clock[0])
    monkeypatch.setattr(mod, "_best_solutions", timed)
    inst = generate("tsp", 120, seed=1)
    sol = mod.solve_neural(inst, time_limit=1.0, augment=8)
    assert offsets == [(0, 4), (4, 48), (52, 12)]
    assert sol.meta["identity_passes"] == [4, 48, 12]
    assert (sol.meta["pilot_starts"], sol.meta["starts"], sol.meta["max_starts"]) == (mod.PILOT_STARTS, 64, 100)
    assert sol.meta["augment_used"] == 1 and clock[0] == 1.0
    assert check(inst, sol).feasible


@needs_shipped
@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_passes_with_disjoint_starts_find_the_one_pass_answer(problem):
    """Decoding starts 0..19 as passes of 4, 9 and 7 new starts gives the cost of one 20-start pass
    (greedy constructions of different starts do not interact)."""
    from graphroute.neural.decoding import best_solutions
    from graphroute.neural.envs import from_instances
    from graphroute.neural.train import load_checkpoint, model_from_checkpoint

    inst = generate(problem, 30, seed=2)
    model = model_from_checkpoint(load_checkpoint(CHECKPOINTS / f"pomo_{problem}20.pt"))
    data = from_instances([inst])
    whole, _ = best_solutions(model, data, augment_k=1, num_starts=20)
    parts = [best_solutions(model, data, augment_k=1, num_starts=k, start_offset=o)[0]
             for o, k in ((0, 4), (4, 9), (13, 7))]
    assert min(float(c[0]) for c in parts) == pytest.approx(float(whole[0]), rel=1e-6)
    with pytest.raises(InvalidArgumentError, match="start_offset"):
        best_solutions(model, data, augment_k=1, num_starts=2, start_offset=30)


def test_pass_times_bounds():
    """Every measured pass bounds the others: a smaller pass by its time, a larger one by its rate
    per start; beyond the largest measured, PREDICT_MARGIN more."""
    from graphroute.neural.solve import PREDICT_MARGIN, PassTimes

    t = PassTimes()
    t.add(4, 1.0)
    assert t.predict(4) == 1.0 and t.predict(2) == 1.0  # fewer starts take no longer
    assert t.predict(40) == pytest.approx(PREDICT_MARGIN * 10.0)
    t.add(40, 2.0)  # a pass grows much less than linearly: the rate of the larger pass is 0.05
    assert t.predict(20) == pytest.approx(2.0)  # bounded by the 40-start pass (not 5.0 from the 4-start rate)
    assert t.predict(8) == pytest.approx(2.0)  # min(2.0, 1.0 * 8 / 4)
    assert t.predict(5) == pytest.approx(1.25)
    assert t.predict(100) == pytest.approx(PREDICT_MARGIN * 5.0)
    t.add(40, 3.0)
    assert t.predict(40) == 3.0  # a measured size: its slowest measurement
    assert t.starts_that_fit(2.0, 100) == 8
    assert t.starts_that_fit(0.5, 100) == 0
    assert t.starts_that_fit(1e9, 60) == 60


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
