"""Instance self-checks, JSON round trips and the table of bad inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems import Instance, generate, instance_from_dict, instance_to_dict, read_instance, write_instance
from graphroute.problems.distances import distance_matrix
from graphroute.problems.generate import capacity_for


def cvrp_dict(**over):
    d = {
        "format": "graphroute.instance", "version": 1, "name": "t", "problem": "cvrp",
        "coords": [[0, 0], [1, 0], [0, 1], [1, 1]], "demands": [0, 1, 2, 3], "capacity": 5,
    }
    d.update(over)
    return {k: v for k, v in d.items() if v is not ...}


@pytest.mark.parametrize(
    "over,msg",
    [
        ({"coords": [[0, 0], [1, float("nan")], [0, 1], [1, 1]]}, "coordinates of node 1 are not finite"),
        ({"coords": [[0, 0], [1, float("inf")], [0, 1], [1, 1]]}, "not finite"),
        ({"demands": [0, -1, 2, 3]}, "demand of node 1 is negative"),
        ({"demands": [0, 1, 9, 3]}, r"demand of node 2 \(9\) exceeds vehicle capacity 5"),
        ({"demands": [0, 1, 2]}, "expected 4 demands"),
        ({"demands": [1, 1, 2, 3]}, "depot"),
        ({"demands": [0, 1.5, 2, 3]}, "must be an integer"),
        ({"capacity": 0}, "capacity must be a positive integer"),
        ({"capacity": "5"}, "field 'capacity' must be a number"),
        ({"capacity": ...}, "needs a capacity"),
        ({"problem": "vrptw"}, "unknown problem 'vrptw'"),
        ({"problem": ...}, "missing field 'problem'"),
        ({"coords": "abc"}, "coords"),
        ({"coords": [[0, 0, 1], [1, 0, 1]]}, r"shape \[n, 2\]"),
        ({"coords": [[0, 0], [1]]}, "coords"),
        ({"distance": "EXPLICIT", "coords": ..., "matrix": [[0, 1], [1, 0], [2, 2]]}, "square"),
        ({"distance": "EXPLICIT", "coords": ..., "matrix": [[0, -1], [1, 0]], "demands": [0, 1]}, "negative"),
        ({"distance": "EUC_3D"}, "unknown distance type"),
        ({"version": 7}, "version"),
        ({"extra": 1}, "unknown field"),
        ({"num_vehicles": 1}, "cannot carry the total demand"),
        ({"num_vehicles": True}, "must be an integer"),
    ],
)
def test_bad_instances(over, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        instance_from_dict(cvrp_dict(**over))


def test_not_an_object():
    with pytest.raises(InvalidInstanceError, match="JSON object"):
        instance_from_dict([1, 2])


@pytest.mark.parametrize("problem,size,asym", [("tsp", 20, False), ("cvrp", 50, False), ("cvrp", 12, True), ("tsp", 9, True)])
def test_json_round_trip(tmp_path, problem, size, asym):
    inst = generate(problem, size, seed=3, asymmetric=asym)
    inst.bks = 123.5
    path = tmp_path / "i.json"
    write_instance(inst, path)
    back = read_instance(path)
    assert back.kind == inst.kind and back.name == inst.name and back.bks == 123.5
    np.testing.assert_array_equal(back.distances, inst.distances)
    if problem == "cvrp":
        assert back.capacity == inst.capacity and np.array_equal(back.demands, inst.demands)
    assert instance_to_dict(back) == instance_to_dict(inst)
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_json_defaults_and_shipped_examples(examples):
    names = sorted(p.stem for p in examples.glob("*.json"))
    assert {"tsp20", "tsp100", "cvrp50", "cvrp100", "acvrp30"} <= set(names)
    for p in examples.glob("*.json"):
        inst = read_instance(p)
        assert json.loads(p.read_text())["version"] == 1
        assert inst.n > 1
    assert read_instance(examples / "acvrp30.json").kind == "acvrp"


@pytest.mark.parametrize(
    "text,msg",
    [("{", "malformed JSON"), ('{"problem": "tsp", "coords": [[0, 0], [1', "malformed JSON"), ("", "malformed JSON"),
     ('{"problem": "tsp", "name": "x', r"malformed JSON \(Unterminated string starting at line 1\)")],
)
def test_malformed_files(tmp_path, text, msg):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(InvalidInstanceError, match=msg):
        read_instance(p)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(InvalidInstanceError, match="no such file"):
        read_instance(tmp_path / "nope.json")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InvalidInstanceError, match="unknown instance format '.csv'"):
        read_instance(tmp_path / "x.csv")


def test_capacity_rule():
    assert [capacity_for(n) for n in (20, 50, 100)] == [30, 40, 50]


def test_generators_are_seeded():
    a, b = generate("cvrp", 30, seed=5, distribution="mixed"), generate("cvrp", 30, seed=5, distribution="mixed")
    np.testing.assert_array_equal(a.coords, b.coords)
    assert not np.array_equal(a.coords, generate("cvrp", 30, seed=6, distribution="mixed").coords)
    m = generate("tsp", 15, seed=1, asymmetric=True).distances
    # MatNet-style matrices satisfy the triangle inequality
    via = (m[:, :, None] + m[None, :, :]).min(axis=1)
    assert np.all(m <= via + 1e-9)


coord = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coord, coord), min_size=2, max_size=6))
def test_distance_conventions_rounding(points):
    c = np.array(points)
    exact = distance_matrix(c, "EXACT")
    np.testing.assert_array_equal(distance_matrix(c, "EUC_2D"), np.floor(exact + 0.5))
    np.testing.assert_array_equal(distance_matrix(c, "CEIL_2D"), np.ceil(exact))
    att = distance_matrix(c, "ATT")
    assert np.all(att >= np.sqrt(exact**2 / 10.0) - 1e-9) and np.all(att - np.sqrt(exact**2 / 10.0) < 1.0 + 1e-9)


def test_geo_known_value():
    # TSPLIB GEO: two cities of burma14 (16.47 96.10) and (16.47 94.44)
    inst = Instance("tsp", coords=[[16.47, 96.10], [16.47, 94.44]], distance_type="GEO")
    assert inst.distances[0, 1] == 153.0 and math.isclose(inst.distances[1, 0], 153.0)


def test_ragged_matrix_names_the_row_lengths():
    """A matrix whose rows differ in length is reported as such, not as "must hold only numbers"."""
    with pytest.raises(InvalidInstanceError, match="'matrix' must have rows of equal length, got rows of 2 to 3"):
        instance_from_dict({"problem": "tsp", "distance": "EXPLICIT", "matrix": [[0, 1], [1, 0, 2]]})


@pytest.mark.parametrize("cap", [float("inf"), float("nan")])
def test_a_capacity_that_is_not_finite_says_so(cap):
    """Walkthrough finding: JSON 1e400 (inf) was refused as 'too large; at most 9223372036854775807'."""
    with pytest.raises(InvalidInstanceError, match=r"capacity is not finite \((inf|nan)\)"):
        Instance("cvrp", coords=[[0, 0], [1, 1]], demands=[0, 1], capacity=cap)
