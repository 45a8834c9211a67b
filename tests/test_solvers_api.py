"""solve() takes an instance or the path of an instance file."""

from __future__ import annotations

import pytest

import graphroute as gr
from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError


@pytest.mark.parametrize("as_path", [str, lambda p: p])
def test_solve_reads_a_path(tmp_path, as_path):
    inst = gr.generate("cvrp", 6, seed=3)
    path = tmp_path / "c6.json"
    gr.write_instance(inst, path)
    res = gr.solve(as_path(path), "savings")
    assert res.instance == inst.name and res.feasible and res.cost == gr.solve(inst, "savings").cost


def test_solve_refuses_a_missing_file_and_a_non_instance(tmp_path):
    with pytest.raises(InvalidInstanceError, match="no such file"):
        gr.solve(tmp_path / "none.json", "nearest")
    with pytest.raises(InvalidArgumentError, match="instance must be an Instance or the path of an instance file, got int"):
        gr.solve(5, "nearest")


def test_json_duration_is_printed_to_twelve_significant_digits():
    """Road durations in tenths of a second summed to 2429.7999999999997 in solve --json."""
    import graphroute as gr

    inst = gr.Instance("cvrp", distance_type="EXPLICIT", matrix=[[0, 1, 1], [1, 0, 1], [1, 1, 0]],
                       durations=[[0, 0.1, 0.1], [0.1, 0, 0.1], [0.1, 0.1, 0]], demands=[0, 1, 1], capacity=5)
    res = gr.solve(inst, "savings", time_limit=1)
    assert res.duration == 0.30000000000000004 and res.to_dict()["duration"] == 0.3
