"""generate() keeps plain Python ints in meta, whatever integer type the seed came in."""

from __future__ import annotations

import numpy as np
import pytest

import graphroute as gr


@pytest.mark.parametrize("seed", [np.int64(2), np.uint32(2), 2])
def test_seed_in_meta_is_a_python_int(seed):
    inst = gr.generate("cvrp", 4, seed=seed, capacity=np.int64(20))
    assert type(inst.meta["seed"]) is int and inst.meta["seed"] == 2 and inst.name == "cvrp4-uniform-s2"
    assert inst == gr.generate("cvrp", 4, seed=2, capacity=20)
