"""road_vrp_instance() keeps plain Python values in meta (written as JSON) and refuses a seed that is no integer."""

from __future__ import annotations

import numpy as np
import pytest

import graphroute as gr
from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.road_vrp import road_vrp_instance
from graphroute.graphs.synthetic import synthetic_graph


def test_numpy_seed_and_flag_write_as_json(tmp_path):
    g = synthetic_graph("grid", 25, seed=0)
    inst = road_vrp_instance(g, customers=3, seed=np.int64(4), clustered=np.bool_(False))
    assert type(inst.meta["seed"]) is int and type(inst.meta["clustered"]) is bool
    assert inst.meta == road_vrp_instance(g, customers=3, seed=4).meta
    gr.write_instance(inst, tmp_path / "r.json")
    assert gr.read_instance(tmp_path / "r.json").meta["seed"] == 4


@pytest.mark.parametrize("seed, msg", [(1.5, "seed must be an integer, got float 1.5"),
                                       ("1", "seed must be an integer, got str '1'"),
                                       (-1, "seed must be a non-negative integer, got -1")])
def test_bad_seed_is_refused(seed, msg):
    with pytest.raises(InvalidArgumentError, match=msg):
        road_vrp_instance(synthetic_graph("grid", 25, seed=0), customers=3, seed=seed)
