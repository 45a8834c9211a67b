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
    """x8 runs the eight dihedral passes when they fit, the first one only when the limit is spent,
    and the best of the eight is no worse than the identity pass alone."""
    inst = generate("cvrp", 20, seed=3)
    full = solve_neural(inst, time_limit=600, augment=8)
    short = solve_neural(inst, time_limit=1e-6, augment=8)
    one = solve_neural(inst, time_limit=600, augment=1)
    assert full.meta["augment_used"] == 8 and short.meta["augment_used"] == 1 == one.meta["augment_used"]
    assert short.routes == one.routes and full.meta["model_cost"] <= one.meta["model_cost"]
    assert check(inst, full).feasible and check(inst, short).feasible


def test_a_checkpoint_of_another_task_is_refused(tmp_path):
    import torch

    torch.save({"task": "kg", "model": {}, "model_config": {"kg_model": "nbfnet"}, "config": {}}, tmp_path / "kg.pt")
    with pytest.raises(InvalidArgumentError, match="not a routing .VRP. checkpoint .task 'kg'."):
        solve_neural(generate("tsp", 10, seed=0), time_limit=1, checkpoint=tmp_path / "kg.pt")
