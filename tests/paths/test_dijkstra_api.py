"""The CSR boundary of graphroute.paths: index arrays and node positions must be whole numbers (never
truncated, never counted from the end), other inputs are refused in one line naming the argument and
the first bad value, and an empty graph is worded as such."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError, UnknownNameError
from graphroute.paths import bidirectional_dijkstra, dijkstra, dijkstra_matrix, prepare, reverse_csr
from graphroute.paths.astar import geometric_heuristic


@pytest.mark.parametrize("indptr, indices, msg", [
    ([0, 2, 3, 3], [1.7, 2, 2], r"indices must hold integers; indices\[0\] is 1\.7"),
    ([0, 1.5, 3, 3], [1, 2, 2], r"indptr must hold integers; indptr\[1\] is 1\.5"),
    ([0, 2, 3, 3], [1, np.nan, 2], r"indices\[1\] is nan"),
    ([0, 2, 3, 3], [1, np.inf, 2], r"indices\[1\] is inf"),
    ([0, 2, 3, 3], ["1", "2", "2"], r"indices\[0\] is '1'"),
    ([0, 2, 3, 3], [1, 2 ** 70, 2], rf"indices\[1\] is {2 ** 70}"),
    ([0, 2, 3, 3], np.array([1, 2 ** 63, 2], dtype=np.uint64), rf"indices\[1\] is {2 ** 63}"),
])
def test_index_arrays_that_are_not_whole_numbers_are_refused(indptr, indices, msg):
    with pytest.raises(InvalidArgumentError, match=msg):
        dijkstra(indptr, indices, [1.0, 5.0, 1.0], 0, 2)
    with pytest.raises(InvalidArgumentError, match=msg):
        prepare(indptr, indices, [1.0, 5.0, 1.0])


def test_reverse_csr_refuses_a_fractional_offset_too():
    with pytest.raises(InvalidArgumentError, match=r"indptr\[1\] is 1\.5"):
        reverse_csr([0, 1.5, 2], [1, 0])


def test_whole_floats_give_the_same_path_as_integers():
    from graphroute.paths.dijkstra import index_array

    want = dijkstra([0, 2, 3, 3], [1, 2, 2], [1.0, 5.0, 1.0], 0, 2)
    assert dijkstra([0.0, 2.0, 3.0, 3.0], np.array([1.0, 2.0, 2.0]), [1.0, 5.0, 1.0], 0, 2) == want
    assert bidirectional_dijkstra(np.array([0, 2, 3, 3], dtype=np.uint8), [1, 2, 2], [1.0, 5.0, 1.0], 0, 2) == want
    assert index_array(np.array([3, 4], dtype=np.int32), "x").dtype == np.int64


def test_weights_that_are_not_numbers_are_one_error():
    with pytest.raises(InvalidArgumentError, match="weights must hold numbers"):
        dijkstra([0, 1, 1], [1], ["a"], 0, 1)


@pytest.mark.parametrize("source, msg", [
    (-1, r"source -1 is not in the graph \(nodes 0\.\.2\)"),
    (np.int64(-3), r"source -3 is not in the graph"),
    (float("inf"), r"source inf is not in the graph"),
    (np.float64(0.5), r"source 0\.5 is not in the graph"),
    (True, r"source True is not a node index"),
    ("0", r"source '0' is not a node index"),
])
def test_bad_node_positions_are_refused_not_wrapped_or_truncated(source, msg):
    with pytest.raises(UnknownNameError, match=msg):
        dijkstra([0, 1, 2, 2], [1, 2], [1.0, 1.0], source, 2)


def test_numpy_and_whole_float_nodes_are_node_indices():
    want = dijkstra([0, 1, 2, 2], [1, 2], [1.0, 1.0], 0, 2)
    assert dijkstra([0, 1, 2, 2], [1, 2], [1.0, 1.0], np.float64(0.0), np.array(2)) == want
    assert dijkstra_matrix([0, 1, 2, 2], [1, 2], [1.0, 1.0], np.array([0.0]), [2]).tolist() == [[2.0]]


def test_an_empty_graph_says_it_has_no_nodes():
    with pytest.raises(UnknownNameError, match=r"source 0 is not in the graph \(the graph has no nodes\)"):
        dijkstra([0], [], [], 0, 0)


@pytest.mark.parametrize("target, msg", [(-1, r"target -1 is not in the graph \(nodes 0\.\.2\)"),
                                         (1.5, r"target 1\.5 is not in the graph")])
def test_geometric_heuristic_refuses_a_target_numpy_would_wrap_or_truncate(target, msg):
    with pytest.raises(UnknownNameError, match=msg):
        geometric_heuristic(np.zeros((3, 2)), target, 1.0)


@pytest.mark.parametrize("w", [np.array([1, 1, 1, 1j]), np.array([True, True, False, True])])
def test_complex_or_bool_weights_are_refused(w):
    """Walkthrough finding: complex weights lost their imaginary part (a numpy warning only), bools became 0/1."""
    with pytest.raises(InvalidArgumentError, match="weights must hold real numbers"):
        dijkstra([0, 2, 3, 4], [1, 2, 2, 0], w, 0, 2)


@pytest.mark.parametrize("limit", [-1, float("nan"), "5", None, True])
def test_dijkstra_all_refuses_a_limit_that_is_not_a_distance(limit):
    """Walkthrough finding: limit -1 left the source itself unreached and NaN was silently ignored."""
    from graphroute.paths import dijkstra_all

    with pytest.raises(InvalidArgumentError, match="limit must be a number >= 0"):
        dijkstra_all([0, 1, 1], [1], [1.0], 0, limit=limit)
    assert dijkstra_all([0, 1, 1], [1], [1.0], 0, limit=0)[0].tolist() == [0.0, float("inf")]
