"""Graph model corners the rest of the suite let through (a mutation audit of graphroute/graphs/model.py):
the constructor's own CSR and length checks (``load_graph`` checks files separately), the exact edge a
negative weight is reported on, the fallback order of the default weight, lookups where an id and a name
collide, what ``reverse`` / ``subgraph`` / ``largest_scc`` carry along, parallel edges in ``to_scipy`` and
``to_networkx``, the stable CSR order of ``from_edges``, and file checks no other test edits in.
Each test pins a mutation that survived; references are networkx, brute force or hand-computed values."""

from __future__ import annotations

import os

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError, UnknownNameError
from graphroute.graphs import Graph, from_edges, load_graph, save_graph
from graphroute.graphs.model import GraphFormatError, first_duplicate, is_graph_file
from tests.graphs.test_model_validation import _edit, _header


# ------------------------------------------------------------------ the constructor's own checks
@pytest.mark.parametrize(
    "indptr,indices,msg",
    [
        ([0, 2, 1, 2], [0, 1], "non-decreasing"),  # decreases at node 1
        ([0, 1, 1], [0, 1], "end at the edge count"),  # two targets, indptr ends at 1
        ([0, 1, 1], [2], r"targets must lie in 0\.\.1"),  # target == n
        ([0, 1, 1], [-1], r"targets must lie in 0\.\.1"),
    ],
)
def test_constructor_refuses_a_broken_csr(indptr, indices, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        Graph(indptr=np.array(indptr), indices=np.array(indices))


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"kind": "roads"}, "unknown graph kind 'roads'"),
        ({"edge_attrs": {"length": np.array([1.0, 2.0, 3.0])}}, r"edge attribute 'length' has \(3,\) values for 2 edges"),
        ({"node_ids": np.array([10, 20])}, "2 node ids for 3 nodes"),
        ({"node_names": ["a", "b", "c", "d"]}, "4 node names for 3 nodes"),
        ({"coords": np.zeros((2, 2))}, r"coords must have shape \[3, 2\]"),
    ],
)
def test_constructor_refuses_labels_of_the_wrong_length(kwargs, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        Graph(indptr=np.array([0, 1, 2, 2]), indices=np.array([1, 2]), **kwargs)


def test_coords_are_float64_whatever_they_are_given_as():
    g = from_edges([0], [1], 2, coords=np.array([[1, 2], [3, 4]]))
    assert g.coords.dtype == np.float64 and g.coords.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    "attrs,msg",
    [
        ({"grade": [-np.inf]}, "'grade' is not finite on edge 0"),  # any float attribute, not only length
        ({"grade": [-1e300]}, "'grade' is -1e.300 on edge 0, above the largest weight"),
        ({"time": [-2.0]}, "negative time -2 on edge 0"),
        ({"weight": [-0.5]}, "negative weight -0.5 on edge 0"),
    ],
)
def test_non_finite_huge_negative_and_negative_weights_are_refused(attrs, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        from_edges([0], [1], 2, edge_attrs=attrs)


def test_negative_length_names_its_own_edge():
    """The first negative value, not the first non-positive one, and the edge's own source node: edge 1 is
    the first out-edge of node 1 (an ``indptr`` boundary, where a left search would give node 0)."""
    g_ids = np.array([10, 20, 30])
    with pytest.raises(InvalidInstanceError, match=r"^negative length -3 on edge 1 \(20 -> 30\)$"):
        from_edges([0, 1, 1], [1, 2, 0], 3, edge_attrs={"length": [0.0, -3.0, 2.0]}, node_ids=g_ids)


# ------------------------------------------------------------------ weights
def test_default_weight_falls_back_to_length_first_then_time():
    g = from_edges([0], [1], 2, edge_attrs={"time": [5.0], "length": [7.0]})  # time comes first in the dict
    assert g.default_weight == "length" and g.weights().tolist() == [7.0]
    g = from_edges([0], [1], 2, edge_attrs={"weight": [3.0], "time": [5.0]})
    assert g.default_weight == "time"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_weight_name_is_refused_not_taken_as_the_default(name):
    g = from_edges([0], [1], 2, edge_attrs={"length": [7.0]})
    with pytest.raises(UnknownNameError, match="empty edge weight name; available: length, hops"):
        g.weights(name)


def test_relation_ids_are_no_weight():
    g = from_edges([0, 1], [1, 0], 2, kind="kg", edge_attrs={"relation": np.array([3, 1])})
    with pytest.raises(UnknownNameError, match="unknown edge weight 'relation'"):
        g.weights("relation")
    assert g.weights().tolist() == [1.0, 1.0]  # hops


# ------------------------------------------------------------------ lookups
def test_an_id_wins_over_another_nodes_name():
    """Node 1 has id 'b'; node 0 has the name 'b': the id decides (names are only tried when no id matches)."""
    g = from_edges([0], [1], 2, kind="kg", node_ids=np.array(["a", "b"]), node_names=["b", "x"])
    assert g.node_index("b") == 1 and g.node_index("x") == 1 and g.node_index("a") == 0


def test_node_keys_are_stripped_and_bounded():
    g = from_edges([0, 1], [1, 2], 3, node_ids=np.array([10, 20, 30]))
    assert g.node_index(" 30 ") == 2
    bare = from_edges([0, 1], [1, 2], 3)
    assert [bare.node_index(k) for k in ("0", " 2", 1)] == [0, 2, 1]
    for k in ("3", "-1", 3):  # 3 is one past the last node
        with pytest.raises(UnknownNameError, match="graph has 3 nodes"):
            bare.node_index(k)


def test_relation_label_of_an_unknown_id_is_the_id():
    g = from_edges([0], [1], 2, kind="kg", edge_attrs={"relation": np.array([0])}, relation_names=["r0", "r1"])
    assert [g.relation_label(r) for r in (0, 1, 2, -1)] == ["r0", "r1", "2", "-1"]


# ------------------------------------------------------------------ transforms
def _labelled():
    return from_edges([0, 0, 1, 2, 3, 4], [1, 2, 2, 0, 4, 3], 5,
                      edge_attrs={"relation": np.array([0, 1, 0, 1, 0, 1])}, kind="kg",
                      node_ids=np.array(["a", "b", "c", "d", "e"]), coords=np.arange(10.0).reshape(5, 2),
                      relation_names=["r0", "r1"], meta={"note": "x"})


def test_reverse_keeps_labels_and_toggles_the_reversed_flag():
    nx = pytest.importorskip("networkx")
    g = _labelled()
    r = g.reverse()
    assert r.meta["reversed"] is True and r.reverse().meta["reversed"] is False
    assert r.relation_names == ["r0", "r1"] and r.node_ids.tolist() == g.node_ids.tolist()
    np.testing.assert_array_equal(r.coords, g.coords)
    ref = nx.MultiDiGraph(g.to_networkx()).reverse()
    assert sorted((u, v, d["relation"]) for u, v, d in ref.edges(data=True)) == sorted(
        zip(r.sources().tolist(), r.indices.tolist(), r.edge_attrs["relation"].tolist()))


def test_subgraph_keeps_relation_names_and_its_own_meta():
    g = _labelled()
    sub = g.subgraph(np.array([True, True, True, False, False]))
    assert sub.relation_names == ["r0", "r1"] and sub.node_ids.tolist() == ["a", "b", "c"]
    sub.meta["added"] = 1
    assert "added" not in g.meta


def test_largest_scc_against_networkx_and_its_summary():
    """Node 0 lies in a 2-cycle; the largest component is the 4-cycle 2 -> 3 -> 4 -> 5 -> 2."""
    nx = pytest.importorskip("networkx")
    g = from_edges([0, 1, 1, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5, 2], 6, edge_attrs={"length": np.arange(7.0)},
                   node_ids=np.array([100, 101, 102, 103, 104, 105]), meta={"note": "x"})
    ref = max(nx.strongly_connected_components(g.to_networkx()), key=len)
    scc = g.largest_scc()
    assert set(scc.node_ids.tolist()) == {100 + v for v in ref} == {102, 103, 104, 105}
    assert scc.meta["scc"] == {"components": 2, "kept_nodes": 4, "dropped_nodes": 2}
    assert "scc" not in g.meta and scc.meta["note"] == "x"


# ------------------------------------------------------------------ conversions
def _parallel():
    """Parallel edges 0 -> 1 (5, then 2), a self loop 1 -> 1 right after them, 2 -> 1 and 1 -> 0."""
    return from_edges([0, 0, 1, 2, 1], [1, 1, 1, 1, 0], 3, edge_attrs={"length": np.array([5.0, 2.0, 4.0, 3.0, 6.0]),
                                                                  "time": np.array([1.0, 9.0, 1.0, 1.0, 1.0])})


def _lightest(g, weight):
    best = {}
    for u, v, w in zip(g.sources().tolist(), g.indices.tolist(), g.weights(weight).tolist()):
        best[(u, v)] = min(w, best.get((u, v), np.inf))
    return best


@pytest.mark.parametrize("weight", ["length", "time"])
def test_to_scipy_keeps_the_lightest_parallel_edge(weight):
    g = _parallel()
    dense = g.to_scipy(weight).toarray()
    ref = np.zeros((3, 3))
    for (u, v), w in _lightest(g, weight).items():
        ref[u, v] = w
    np.testing.assert_array_equal(dense, ref)
    assert g.to_scipy().nnz == len(_lightest(g, weight))  # unweighted: one entry per (u, v) pair


@pytest.mark.parametrize("weight", ["length", "time"])
def test_weighted_networkx_keeps_the_lightest_parallel_edge_in_its_direction(weight):
    pytest.importorskip("networkx")
    g = _parallel()
    G = g.to_networkx(weight=weight)
    assert {(u, v): d["weight"] for u, v, d in G.edges(data=True)} == _lightest(g, weight)
    # walkthrough: the cost was stored only as "weight", so weight="time" in networkx silently counted hops
    assert {(u, v): d[weight] for u, v, d in G.edges(data=True)} == _lightest(g, weight)


def test_weighted_networkx_answers_under_the_weights_own_name():
    nx = pytest.importorskip("networkx")
    from graphroute.graphs.synthetic import synthetic_graph
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra as sp_dijkstra

    g = synthetic_graph("delaunay", 300, seed=0)
    G = g.to_networkx(weight="time")
    want = float(sp_dijkstra(csr_matrix((g.weights("time"), g.indices, g.indptr), shape=(300, 300)), indices=0)[299])
    assert nx.dijkstra_path_length(G, 0, 299, weight="time") == pytest.approx(want)
    assert nx.dijkstra_path_length(G, 0, 299) == pytest.approx(want)


def test_multigraph_networkx_keeps_every_edge_its_direction_and_attributes():
    pytest.importorskip("networkx")
    g = _parallel()
    G = g.to_networkx()
    got = sorted((u, v, d["length"], d["time"]) for u, v, d in G.edges(data=True))
    assert got == sorted(zip(g.sources().tolist(), g.indices.tolist(), g.edge_attrs["length"].tolist(),
                             g.edge_attrs["time"].tolist()))
    assert got == sorted([(0, 1, 5.0, 1.0), (0, 1, 2.0, 9.0), (1, 1, 4.0, 1.0), (2, 1, 3.0, 1.0), (1, 0, 6.0, 1.0)])


# ------------------------------------------------------------------ from_edges
def test_from_edges_is_stable_by_input_order():
    """40 edges from two sources, interleaved: within a source the input order is kept (an unstable
    sort keeps it only below numpy's insertion-sort threshold of 16)."""
    src = np.array([1, 0] * 20)
    g = from_edges(src, np.arange(40) % 3, 3, edge_attrs={"tag": np.arange(40.0)})
    order = list(range(1, 40, 2)) + list(range(0, 40, 2))  # node 0's edges (odd inputs), then node 1's
    assert g.edge_attrs["tag"].tolist() == [float(i) for i in order]
    assert g.indices.tolist() == [i % 3 for i in order]


@pytest.mark.parametrize("src,dst", [([2], [0]), ([-1], [0]), ([0], [-1])])
def test_from_edges_refuses_endpoints_out_of_range_in_one_error(src, dst):
    with pytest.raises(InvalidInstanceError, match=r"edge endpoints must lie in 0\.\.1"):
        from_edges(src, dst, 2)


# ------------------------------------------------------------------ file format
def _road():
    return from_edges([0, 0, 1, 2], [1, 2, 2, 0], 3, edge_attrs={"length": [1.0, 4.0, 2.0, 3.0],
                                                              "time": [2.0, 1.0, 1.0, 1.0]},
                      kind="road", node_ids=np.array([10, 20, 30]), coords=np.arange(6.0).reshape(3, 2),
                      extras={"time_slots": np.ones((2, 4))})


def test_npz_name_becomes_graph_npz_and_file_is_readable_by_all(tmp_path):
    p = save_graph(_road(), tmp_path / "x.npz")
    assert p.name == "x.graph.npz" and p.exists()
    assert os.stat(p).st_mode & 0o777 == 0o644  # not mkstemp's 0600
    assert is_graph_file(p) and is_graph_file("plain.npz") and not is_graph_file("x.graph")


def test_header_default_weight_applies_when_meta_has_none(tmp_path):
    p = _edit(save_graph(_road(), tmp_path / "g"), lambda a: _header(a, default_weight="time", meta={}))
    g = load_graph(p)
    assert g.default_weight == "time" and g.weights().tolist() == [2.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "edit,msg",
    [
        (lambda a: _header(a, edge_attrs=["length", "length"]), "header edge_attrs must be a list of distinct names"),
        (lambda a: _header(a, extras=["time_slots", "time_slots"]), "header extras must be a list of distinct names"),
        (lambda a: a.update(extra__time_slots=-np.ones((2, 4))), "extra__time_slots holds -1 at slot 0, edge 0"),
        (lambda a: a.update(indices=np.array([1, 2, 2, 2 ** 64 - 1], dtype=np.uint64)),
         "indices holds 18446744073709551615, above the int64 range"),
    ],
)
def test_road_file_edits_no_other_test_makes(tmp_path, edit, msg):
    p = _edit(save_graph(_road(), tmp_path / "road"), edit)
    with pytest.raises(GraphFormatError, match=msg):
        load_graph(p)


def _kg(meta, triples):
    return from_edges([0, 1], [1, 2], 3, edge_attrs={"relation": np.array([0, 1])}, kind="kg",
                      node_ids=np.array(["a", "b", "c"]), relation_names=["r", "s"], meta=meta,
                      extras={"triples_train": np.array(triples)})


def test_relation_names_bound_the_triples_without_num_relations(tmp_path):
    assert load_graph(save_graph(_kg({}, [[0, 1, 2]]), tmp_path / "ok")).n_edges == 2
    with pytest.raises(GraphFormatError, match=r"extra__triples_train \(relations\) holds relation 2 at row 1, outside 0\.\.1"):
        load_graph(save_graph(_kg({}, [[0, 1, 2], [1, 2, 0]]), tmp_path / "bad"))


def test_relation_is_no_default_weight_in_a_file(tmp_path):
    p = _edit(save_graph(_kg({}, [[0, 0, 1]]), tmp_path / "kg"), lambda a: _header(a, default_weight="relation"))
    with pytest.raises(GraphFormatError, match="default_weight 'relation' is not an edge attribute"):
        load_graph(p)


# ------------------------------------------------------------------ first_duplicate
def _first_duplicate_brute(values):
    for j in range(len(values)):
        for i in range(j):
            if values[i] == values[j]:
                return i, j
    return None


def test_first_duplicate_small_cases_by_hand():
    assert first_duplicate(np.array([5, 5])) == (0, 1)
    assert first_duplicate(np.array(["a", "a"])) == (0, 1)
    assert first_duplicate(np.array([1, 2, 2, 3])) == (1, 2)  # sorted but not strictly increasing
    assert first_duplicate(np.array([7, 7, 7])) == (0, 1)
    assert first_duplicate(np.array([4, 9, 4, 9, 4])) == (0, 2)
    assert first_duplicate(np.array([5])) is None and first_duplicate(np.array([], dtype=np.int64)) is None


def test_first_duplicate_against_brute_force():
    rng = np.random.default_rng(11)
    for trial in range(200):
        n = int(rng.integers(0, 12))
        v = rng.integers(0, 8, n)
        if trial % 3 == 0:
            v = np.sort(v)
        for values in (v, np.array([f"id{x}" for x in v.tolist()], dtype=str)):
            assert first_duplicate(values) == _first_duplicate_brute(values.tolist()), values


def test_sorted_duplicate_ids_in_a_file_are_refused(tmp_path):
    p = _edit(save_graph(_road(), tmp_path / "road"), lambda a: a.update(node_ids=np.array([10, 20, 20])))
    with pytest.raises(GraphFormatError, match=r"node_ids repeats 20 \(nodes 1 and 2\)"):
        load_graph(p)


def test_a_graph_file_with_a_pickled_array_is_not_called_truncated(tmp_path):
    """An object array (np.savez of Python objects) is a whole file graphroute did not write: 'truncated?' was wrong."""
    import zipfile

    import numpy as np

    from graphroute.exceptions import InvalidInstanceError
    from graphroute.graphs import load_graph, save_graph
    from graphroute.graphs.synthetic import synthetic_graph

    good = save_graph(synthetic_graph("grid", 9, seed=0), tmp_path / "g")
    with zipfile.ZipFile(good) as z:
        arrays = {name[:-4]: np.load(z.open(name), allow_pickle=False) for name in z.namelist()}
    arrays["node_ids"] = np.array([object()] * 9, dtype=object)
    np.savez(tmp_path / "obj.graph.npz", **arrays)
    with pytest.raises(InvalidInstanceError) as exc:
        load_graph(tmp_path / "obj.graph.npz")
    assert "allow_pickle" in str(exc.value) and "truncated" not in str(exc.value)
