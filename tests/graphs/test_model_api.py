"""The Graph's arrays as an API: read-only views (a caller's in-place edit must not silently change every
later route), index arrays of whole numbers (never truncated), unique node ids (as load_graph demands),
and messages that read right for a graph without nodes."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import GraphFormatError, InvalidArgumentError, InvalidInstanceError, UnknownNameError
from graphroute.graphs import Graph, from_edges, load_graph, save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.paths import dijkstra


def test_weights_are_a_read_only_view_of_the_graph_not_a_copy():
    g = synthetic_graph("delaunay", 100, seed=0)
    before = dijkstra(g.indptr, g.indices, g.weights(), 0, 99)
    w = g.weights()
    assert np.shares_memory(w, g.edge_attrs["time"])  # no copy: graphs can have millions of edges
    with pytest.raises(ValueError, match="read-only"):
        w[:] = 1.0
    assert dijkstra(g.indptr, g.indices, g.weights(), 0, 99) == before


@pytest.mark.parametrize("name", ["time", "length", "hops"])
def test_every_weight_is_read_only(name):
    g = synthetic_graph("delaunay", 30, seed=0)
    assert not g.weights(name).flags.writeable


def test_the_stored_arrays_are_read_only_and_the_callers_are_left_as_they_were():
    indptr, indices = np.array([0, 1, 2]), np.array([1, 0])
    length, coords, ids = np.array([1.0, 2.0]), np.zeros((2, 2)), np.array([10, 20])
    attrs = {"length": length}
    g = Graph(indptr, indices, attrs, coords=coords, node_ids=ids)
    for a in (g.indptr, g.indices, g.edge_attrs["length"], g.coords, g.node_ids):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 1
    assert all(a.flags.writeable for a in (indptr, indices, length, coords, ids))
    assert attrs["length"] is length and g.edge_attrs is not attrs


@pytest.mark.parametrize("src, dst, msg", [
    ([0.7, 1.2], [1, 0], r"src must hold integers; src\[0\] is 0\.7"),
    ([0, 1], [1, np.nan], r"dst must hold integers; dst\[1\] is nan"),
    ([0, 1], [True, False], r"dst must hold integers; dst\[0\] is True"),
])
def test_from_edges_refuses_endpoints_that_are_not_whole_numbers(src, dst, msg):
    with pytest.raises(InvalidArgumentError, match=msg):
        from_edges(src, dst, 2)


def test_from_edges_accepts_whole_floats_as_the_integers_they_are():
    g = from_edges(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 2)
    assert g.indptr.tolist() == [0, 1, 2] and g.indices.tolist() == [1, 0] and g.indices.dtype == np.int64


@pytest.mark.parametrize("n_nodes", [2.5, -1, True, "2"])
def test_from_edges_refuses_a_node_count_that_is_no_count(n_nodes):
    with pytest.raises(InvalidArgumentError, match="n_nodes must be an integer >= 0"):
        from_edges([], [], n_nodes)


def test_the_constructor_refuses_a_fractional_offset():
    with pytest.raises(InvalidArgumentError, match=r"indptr must hold integers; indptr\[1\] is 1\.5"):
        Graph([0, 1.5, 2], [1, 0])


@pytest.mark.parametrize("ids, shown", [(np.array(["x", "x"]), "x"), (np.array([7, 7]), "7")])
def test_duplicate_node_ids_are_refused_as_load_graph_refuses_them(tmp_path, ids, shown):
    msg = f"node_ids repeats {shown} \\(nodes 0 and 1\\); ids must be unique"
    with pytest.raises(InvalidInstanceError, match=msg):
        from_edges([0], [1], 2, node_ids=ids)
    with pytest.raises(InvalidInstanceError, match=msg):
        Graph([0, 1, 1], [1], node_ids=ids)
    good = save_graph(from_edges([0], [1], 2, node_ids=np.array(["x", "y"]) if shown == "x" else np.array([7, 8])),
                      tmp_path / "g")
    with np.load(good) as z:  # the same ids written by hand: load_graph's message, with the file name
        arrays = dict(z)
    arrays["node_ids"] = ids
    bad = tmp_path / "bad.graph.npz"
    np.savez(bad, **arrays)
    with pytest.raises(GraphFormatError, match="bad.graph.npz: " + msg):
        load_graph(bad)


def test_an_empty_graph_says_it_has_no_nodes():
    with pytest.raises(InvalidInstanceError, match=r"n_nodes is 0 \(the graph has no nodes\)"):
        from_edges([0], [1], 0)


def test_a_file_whose_relation_vocabulary_is_empty_says_so(tmp_path):
    g = from_edges([0], [1], 2, edge_attrs={"relation": np.array([0])}, kind="kg", relation_names=[])
    with pytest.raises(GraphFormatError, match="holds relation 0 at edge 0, but the graph has no relation at all"):
        load_graph(save_graph(g, tmp_path / "kg"))


@pytest.mark.parametrize("keep", [[0, 2], np.array([0, 2, 1]), np.ones((3, 1), dtype=bool)])
def test_subgraph_takes_a_mask_not_node_indices(keep):
    g = from_edges([0, 1], [1, 2], 3)
    with pytest.raises(InvalidArgumentError, match=r"keep must be a bool mask of shape \[3\]"):
        g.subgraph(keep)
    assert g.subgraph(np.array([1, 1, 0])).n_edges == 1  # a 0 / 1 mask still is one


@pytest.mark.parametrize("i, msg", [(-1, r"node index -1 is not in the graph \(nodes 0\.\.2\)"), (3, "node index 3")])
def test_node_label_refuses_an_index_outside_the_graph(i, msg):
    with pytest.raises(UnknownNameError, match=msg):
        from_edges([0], [1], 3, node_ids=np.array([10, 20, 30])).node_label(i)


def test_node_label_and_weights_name_a_wrong_type():
    """Walkthrough finding: node_label('3') / node_label(None) raised raw TypeErrors, node_label(3.0) returned
    '3.0' (no node's label), and weights(5) a raw AttributeError."""
    g = from_edges([0, 1], [1, 2], 3, edge_attrs={"length": np.array([1.0, 2.0])})
    for bad in ("3", None, 3.0, True):
        with pytest.raises(UnknownNameError, match="node_label takes a node position"):
            g.node_label(bad)
    assert g.node_label(np.int64(2)) == "2"
    with pytest.raises(UnknownNameError, match="an edge weight is named by a string, got int 5"):
        g.weights(5)
