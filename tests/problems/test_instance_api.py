"""The Instance constructor as a researcher calls it from Python: it owns copies of the arrays it is
given, refuses values of the wrong type with one-line messages naming the field, and compares by value."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import graphroute as gr
from graphroute.exceptions import InvalidInstanceError

M = [[0.0, 1, 2], [1, 0, 3], [2, 3, 0]]
C = [[0.0, 0], [3, 0], [0, 4]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_explicit_matrix_is_copied_never_frozen_nor_aliased(dtype):
    m = np.array(M, dtype=dtype)
    inst = gr.Instance("tsp", matrix=m, distance_type="EXPLICIT")
    inst.distances  # caches and freezes the instance's own matrix
    assert m.flags.writeable and not np.shares_memory(m, inst.matrix)
    m[0, 1] = -100  # after the checks: must not reach the instance
    assert inst.matrix[0, 1] == 1 and gr.check(inst, [[0, 1, 2]]).cost == 6


def test_durations_are_copied():
    d = np.array(M)
    inst = gr.Instance("cvrp", matrix=M, distance_type="EXPLICIT", durations=d, demands=[0, 1, 1], capacity=2)
    d[0, 1] = -5
    assert inst.durations[0, 1] == 1 and not np.shares_memory(d, inst.durations)


def test_coords_are_copied_so_cached_distances_never_go_stale():
    c = np.array(C)
    inst = gr.Instance("tsp", coords=c)
    assert inst.distances[0, 2] == 4
    c[2] = [100, 100]
    assert inst.coords[2].tolist() == [0, 4] and gr.check(inst, [[0, 1, 2]]).cost == 12 == inst.distances.sum() / 2


def test_demands_and_meta_are_the_instances_own():
    dem, meta = np.array([0, 1, 1]), {"seed": 1}
    inst = gr.Instance("cvrp", coords=C, demands=dem, capacity=2, meta=meta)
    dem[1] = 99
    inst.meta["source"] = "x"
    assert inst.demands.tolist() == [0, 1, 1] and meta == {"seed": 1}


def test_a_list_is_converted_once():
    inst = gr.Instance("tsp", matrix=M, distance_type="EXPLICIT")
    assert inst.matrix.dtype == np.float64 and inst.matrix.flags.owndata


@pytest.mark.parametrize("kwargs, msg", [
    (dict(bks="abc"), r"known best cost \(bks\) must be a number, got str 'abc'"),
    (dict(bks=True), r"bks\) must be a number, got bool"),
    (dict(bks=10**400), r"bks\) must be a finite number > 0"),
    (dict(name=5), "name must be a string, got int 5"),
    (dict(meta=[1]), "meta must be a dict, got list"),
    (dict(bks_source=3), "bks_source must be a string or None"),
    (dict(coords=[["0", "1"], ["2", "3"]]), "coords must hold only numbers, got text"),
    (dict(coords=[[0, None], [1, 1]]), "coords must hold only numbers, got NoneType None"),
    (dict(coords=[[0, 10**400], [1, 1]]), "coords must be numbers"),
    (dict(num_vehicles=2), "a tsp instance is one tour: num_vehicles must be 1 or None, got 2"),
    (dict(num_vehicles="1"), "num_vehicles must be 1 or None, got '1'"),
])
def test_bad_fields_are_refused_naming_them(kwargs, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        gr.Instance("tsp", **{"coords": C, **kwargs})


@pytest.mark.parametrize("kwargs, msg", [
    (dict(demands=["0", "1", "1"]), "demand of node 0 must be a number, got str '0'"),
    (dict(demands=np.array(["0", "1", "1"])), "demand of node 0 must be a number, got str '0'"),
    (dict(capacity="10"), "capacity must be a number, got str '10'"),
    (dict(capacity=np.bool_(True)), "capacity must be a number, got bool"),
    (dict(matrix=np.array([[False, True], [True, False]]), distance_type="EXPLICIT", coords=None, demands=[0, 1]),
     "distance matrix must hold only numbers, got true/false"),
    (dict(durations=[["0", "1", "1"]] * 3), "duration matrix must hold only numbers, got text"),
])
def test_bad_cvrp_fields_are_refused_naming_them(kwargs, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        gr.Instance("cvrp", **{"coords": C, "demands": [0, 1, 1], "capacity": 10, **kwargs})


@pytest.mark.parametrize("cap", [10, 10.0, np.int32(10), np.float64(10), np.float32(10)])
def test_capacity_takes_any_real_number_type(cap):
    inst = gr.Instance("cvrp", coords=C, demands=[0, 1, 1], capacity=cap)
    assert inst.capacity == 10 and type(inst.capacity) is int


def test_tsp_num_vehicles_one_is_kept_as_an_int():
    assert type(gr.Instance("tsp", coords=C, num_vehicles=np.int64(1)).num_vehicles) is int


def test_meta_none_is_an_empty_dict_and_solves():
    inst = gr.Instance("tsp", coords=C, meta=None)
    assert inst.meta == {} and gr.solve(inst, "nearest").feasible


def test_equality_is_by_value():
    a, b = gr.generate("cvrp", 5, seed=1), gr.generate("cvrp", 5, seed=1)
    assert a == b and not (a != b) and a == a
    assert a != gr.generate("cvrp", 5, seed=2)
    assert a != dataclasses.replace(a, num_vehicles=5)
    c = gr.generate("cvrp", 5, seed=1)
    c.meta["ids"] = np.arange(3)  # arrays inside meta compare by value too
    d = gr.generate("cvrp", 5, seed=1)
    d.meta["ids"] = np.arange(3)
    assert c == d and c != a
    assert a != "cvrp" and a != None  # noqa: E711
    with pytest.raises(TypeError):
        hash(a)
