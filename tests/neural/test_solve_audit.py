"""solve_neural's choice of passes and of the answer, on a fake decoder and a fake clock: which copy and
starts each pass decodes, that the best pass wins (the first on ties), how the measured pass times size
the later passes and the augmentation, and the checkpoint picked by training size."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import graphroute
from graphroute.check import check
from graphroute.neural import solve as mod
from graphroute.problems.generate import generate

CHECKPOINTS = Path(graphroute.__file__).resolve().parents[1] / "data" / "checkpoints"
needs_shipped = pytest.mark.skipif(not (CHECKPOINTS / "pomo_tsp50.pt").is_file(), reason="no shipped checkpoints")


def fake_decoder(monkeypatch, inst, costs=None, pass_s=lambda s: 0.01):  # noqa: ANN001, ANN201
    """Replace the decoder: a pass of ``s`` starts advances the clock by ``pass_s(s)``; pass number k
    (from 1) returns cost ``costs[k - 1]`` (default k + 1) and a tour that names k. Records (copy
    index among the eight dihedral copies, start offset, starts) per pass."""
    from graphroute.neural.decoding import augment
    from graphroute.neural.envs import from_instances

    copies = augment(from_instances([inst]), 8)
    clock, calls, seqs = [0.0], [], []

    def decode(model, data, num_starts, start_offset=0):  # noqa: ANN001, ANN202
        i = next(j for j in range(8) if torch.equal(data.locs, copies.locs[j:j + 1]))
        calls.append((i, start_offset, num_starts))
        clock[0] += pass_s(num_starts)
        k = len(calls)
        seq = torch.roll(torch.arange(inst.n), k)
        seqs.append(seq.tolist())
        cost = costs[k - 1] if costs is not None else float(k + 1)
        return torch.tensor([cost]), [seq]

    monkeypatch.setattr(mod, "_now", lambda: clock[0])
    monkeypatch.setattr(mod, "_best_solutions", decode)
    return clock, calls, seqs


@needs_shipped
def test_every_copy_is_decoded_and_the_first_strictly_best_pass_wins(monkeypatch):
    inst = generate("tsp", 20, seed=5)
    costs = [5.0, 4.0, 6.0, 3.0, 7.0, 3.0, 8.0, 9.0, 10.0]  # pilot, all starts, copies 1..7
    _, calls, seqs = fake_decoder(monkeypatch, inst, costs)
    sol = mod.solve_neural(inst, time_limit=600, augment=8)
    assert calls == [(0, 0, 4), (0, 0, 20)] + [(i, 0, 20) for i in range(1, 8)]
    assert sol.meta["model_cost"] == 3.0 and sol.meta["augment_used"] == 8
    assert [list(r) for r in sol.routes] == [seqs[3]]  # copy 2's tour; copy 4's equal cost comes later


@needs_shipped
def test_the_best_of_the_identity_passes_is_kept(monkeypatch):
    """1/64 s a start, 1 s: passes of 4, 48 and 12 starts (test_solve.py); the 48-start one is best."""
    inst = generate("tsp", 120, seed=1)
    _, calls, seqs = fake_decoder(monkeypatch, inst, [5.0, 3.0, 4.0], pass_s=lambda s: s / 64)
    sol = mod.solve_neural(inst, time_limit=1.0, augment=8)
    assert calls == [(0, 0, 4), (0, 4, 48), (0, 52, 12)]
    assert sol.meta["model_cost"] == 3.0 and [list(r) for r in sol.routes] == [seqs[1]]


# A pass costs 0.5 s + 5 ms a start. Worked through for 4.0 s: the 4-start pilot takes 0.52 s (0.13 s a
# start: 26 starts fit in 3.48 s, not 100); the next pass is sized at PREDICT_MARGIN x 0.13 s a start:
# 21 starts (0.605 s); then 1.25 x 0.605 / 21 s a start fits 79 in 2.875 s, capped at the 75 left
# (0.875 s). The three passes took 2.0 s together, which bounds a 100-start pass: one augmentation
# pass (1.0 s) fits in the 2.0 s left, a second (still bounded by 2.0 s) does not.
SCHEDULES = [
    (1.0, [4], 1),  # after the pilot no pass fits, augmentation included
    (3.0, [4, 15, 39, 42], 1),
    (3.5, [4, 18, 58, 20], 1),
    (4.0, [4, 21, 75], 2),
    (13.5, [4, 79, 17], 8),  # 100 starts at 0.13 s would take 13 s > 12.98 s left: passes
    (14.0, [100], 8),  # they fit: one pass of every start (the pilot's among them)
]


@needs_shipped
@pytest.mark.parametrize("limit, passes, used", SCHEDULES)
def test_measured_pass_times_size_the_passes_and_the_augmentation(monkeypatch, limit, passes, used):
    inst = generate("tsp", 120, seed=1)
    clock, calls, _ = fake_decoder(monkeypatch, inst, pass_s=lambda s: 0.5 + 0.005 * s)
    sol = mod.solve_neural(inst, time_limit=limit, augment=8)
    assert sol.meta["identity_passes"] == passes and sol.meta["augment_used"] == used
    assert sol.meta["starts"] == sum(passes) == sum(k for i, _, k in calls if i == 0) - (4 if passes == [100] else 0)
    offsets = [o for i, o, _ in calls if i == 0]
    assert offsets == ([0, 0] if passes == [100] else [sum(passes[:j]) for j in range(len(passes))])
    assert clock[0] <= limit or passes == [4]  # only a pilot that alone overruns may exceed it


@needs_shipped
def test_a_cvrp_instance_with_fewer_customers_than_pilot_starts():
    inst = generate("cvrp", 3, seed=0)  # 3 customers
    sol = mod.solve_neural(inst, time_limit=600, augment=8)
    assert sol.meta["max_starts"] == 3 and sol.meta["pilot_starts"] == 3 and sol.meta["starts"] == 3
    assert check(inst, sol).feasible


@needs_shipped
def test_a_matrix_model_decodes_one_copy():
    inst = generate("tsp", 20, seed=0, asymmetric=True)
    sol = mod.solve_neural(inst, time_limit=600, augment=8)
    assert sol.meta["model_problem"] == "atsp" and sol.meta["augment_used"] == 1 and sol.meta["augment"] == 8
    assert check(inst, sol).feasible


def test_the_nearest_training_size_wins_and_a_tie_goes_to_the_larger(tmp_path):
    for problem, size in [("tsp", 20), ("tsp", 50), ("cvrp", 100)]:
        torch.save({"model": {}, "model_config": {"problem": problem}, "config": {"size": size}},
                   tmp_path / f"{problem}{size}.pt")
    torch.save({"task": "kg", "model": {}, "model_config": {"kg_model": "x"}, "config": {}}, tmp_path / "kg.pt")
    assert [(p, s) for p, s, _ in mod.shipped_checkpoints(tmp_path)] == [("cvrp", 100), ("tsp", 20), ("tsp", 50)]
    pick = lambda n: mod.pick_checkpoint("tsp", n, tmp_path).name  # noqa: E731
    assert [pick(n) for n in (5, 34, 35, 36, 200)] == ["tsp20.pt", "tsp20.pt", "tsp50.pt", "tsp50.pt", "tsp50.pt"]
    assert mod.pick_checkpoint("cvrp", 20, tmp_path).name == "cvrp100.pt"


@needs_shipped
def test_a_three_city_tsp_is_answered_without_decoding(monkeypatch):
    """Every tour of 3 cities costs the same on a symmetric instance: no pass runs."""
    def no_decoding(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("decoded a 3-city TSP")

    monkeypatch.setattr(mod, "_best_solutions", no_decoding)
    inst = generate("tsp", 3, seed=0)
    sol = mod.solve_neural(inst, time_limit=1)
    assert sol.meta["starts"] == 0 and check(inst, sol).feasible


def test_a_size_measured_twice_predicts_its_slower_time_whatever_the_order():
    times = mod.PassTimes()
    times.add(40, 3.0)
    times.add(40, 2.0)
    assert times.predict(40) == 3.0 and times.predict(20) == 3.0
    assert times.predict(80) == pytest.approx(mod.PREDICT_MARGIN * 6.0)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_a_three_city_atsp_gets_the_cheaper_direction(seed):
    # 0-1-2-0 and 0-2-1-0 cost differently on an asymmetric matrix; the shortcut returned the first
    from graphroute.check import check
    from graphroute.neural.solve import solve_neural
    from graphroute.problems.generate import generate
    from graphroute.problems.instance import Solution

    inst = generate("tsp", 3, seed=seed, asymmetric=True)
    both = [check(inst, Solution([r])).cost for r in ([0, 1, 2], [0, 2, 1])]
    assert both[0] != both[1]
    assert check(inst, solve_neural(inst, time_limit=1)).cost == min(both)
