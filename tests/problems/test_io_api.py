"""write_instance with a meta dict a researcher fills from numpy: plain JSON, or a one-line refusal."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphroute as gr
from graphroute.exceptions import InvalidInstanceError


def test_generated_with_a_numpy_seed_writes_and_reads_back(tmp_path):
    gr.write_instance(gr.generate("tsp", 5, seed=np.int64(2)), tmp_path / "x.json")
    back = gr.read_instance(tmp_path / "x.json")
    assert back.meta["seed"] == 2 and back.name == "tsp5-uniform-s2"


def test_numpy_values_in_meta_become_plain_json(tmp_path):
    inst = gr.generate("tsp", 3, seed=1)
    inst.meta.update(a=np.float32(0.5), b=np.arange(3), c=(np.int64(1), np.bool_(True)), d={np.int64(2): [np.int8(3)]},
                     e=np.str_("x"))
    gr.write_instance(inst, tmp_path / "m.json")
    meta = json.loads((tmp_path / "m.json").read_text())["meta"]
    assert meta == {"generator": "graphroute", "distribution": "uniform", "seed": 1,
                    "a": 0.5, "b": [0, 1, 2], "c": [1, True], "d": {"2": [3]}, "e": "x"}
    assert gr.read_instance(tmp_path / "m.json").meta["b"] == [0, 1, 2]


@pytest.mark.parametrize("value, msg", [
    ({1, 2}, r"meta\['bad'\] is a set, which JSON cannot hold"),
    ([1, object()], r"meta\['bad'\]\[1\] is a object, which JSON cannot hold"),
    ({(1, 2): 3}, r"meta\['bad'\] has a key of type tuple"),
])
def test_meta_json_cannot_hold_is_refused_naming_the_key(tmp_path, value, msg):
    inst = gr.generate("tsp", 3, seed=1)
    inst.meta["bad"] = value
    with pytest.raises(InvalidInstanceError, match=msg):
        gr.write_instance(inst, tmp_path / "b.json")
    assert not (tmp_path / "b.json").exists()


def test_a_name_that_is_not_a_string_never_reaches_a_file():
    with pytest.raises(InvalidInstanceError, match="name must be a string"):
        gr.Instance("tsp", coords=[[0, 0], [1, 1]], name=5)


def test_write_instance_refuses_a_name_of_another_format_and_non_instances(tmp_path):
    """Walkthrough finding: write_instance(inst, 'x.vrp') wrote JSON under a .vrp name, which read_instance
    then refused as VRPLIB; a folder, None or a non-Instance gave raw errors."""
    inst = gr.generate("tsp", 5, seed=0)
    with pytest.raises(gr.InvalidArgumentError, match=r"x\.vrp: write_instance writes graphroute JSON"):
        gr.write_instance(inst, tmp_path / "x.vrp")
    assert not (tmp_path / "x.vrp").exists()
    with pytest.raises(gr.InvalidArgumentError, match="path must be a file path, got NoneType"):
        gr.write_instance(inst, None)
    with pytest.raises(gr.InvalidArgumentError, match="writes an Instance, got dict"):
        gr.write_instance({"problem": "tsp"}, tmp_path / "d.json")
    with pytest.raises(gr.InvalidArgumentError, match="name the file .json"):
        gr.write_instance(inst, tmp_path / "plain")  # read_instance could not tell its format
    gr.write_instance(inst, tmp_path / "ok.JSON")
    assert gr.read_instance(tmp_path / "ok.JSON").n == 5
