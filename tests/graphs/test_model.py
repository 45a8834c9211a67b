"""Graph model: CSR invariants, lookups, transforms and the file format round trip."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError, UnknownNameError
from graphroute.graphs import from_edges, load_graph, read_any, save_graph


def small():
    return from_edges([0, 0, 1, 2, 3], [1, 2, 2, 0, 0], 4, edge_attrs={"length": [1.0, 4.0, 2.0, 3.0, 1.5]},
                      kind="road", node_ids=np.array([10, 20, 30, 40]), coords=np.arange(8.0).reshape(4, 2),
                      meta={"default_weight": "length"})


def test_csr_and_lookup():
    g = small()
    assert g.n_nodes == 4 and g.n_edges == 5
    assert g.indptr.tolist() == [0, 2, 3, 4, 5]
    assert g.sources().tolist() == [0, 0, 1, 2, 3]
    assert g.node_index("30") == 2 and g.node_index(40) == 3 and g.node_label(1) == "20"
    with pytest.raises(UnknownNameError, match="unknown node '99'"):
        g.node_index(99)
    with pytest.raises(UnknownNameError, match="unknown edge weight 'speed'"):
        g.weights("speed")


def test_a_shared_name_is_ambiguous_not_the_first_node():
    """Display names two nodes share (``graph build kg --names``) are refused by name, not resolved
    silently to the first; ids still work."""
    g = from_edges([0, 1], [1, 2], 3, edge_attrs={"length": [1.0, 1.0]}, kind="kg",
                   node_ids=np.array(["p1", "p2", "p3"]), node_names=["John Smith", "John Smith", "Ann"])
    with pytest.raises(UnknownNameError, match="'John Smith' is ambiguous: 2 nodes have it .ids p1, p2."):
        g.node_index("John Smith")
    assert g.node_index("p2") == 1 and g.node_index("Ann") == 2


def test_reverse_and_scc():
    g = small()
    r = g.reverse()
    fwd = sorted(zip(g.sources().tolist(), g.indices.tolist(), g.edge_attrs["length"].tolist()))
    bwd = sorted(zip(r.indices.tolist(), r.sources().tolist(), r.edge_attrs["length"].tolist()))
    assert fwd == bwd
    scc = g.largest_scc()  # 3 only reaches 0 and nobody reaches 3
    assert scc.n_nodes == 3 and scc.node_ids.tolist() == [10, 20, 30]


def test_networkx_agrees():
    nx = pytest.importorskip("networkx")
    g = small()
    G = g.to_networkx(weight="length")
    assert nx.dijkstra_path_length(G, 0, 2) == 3.0


@pytest.mark.parametrize("given, written", [("x", "x.graph.npz"), ("x.npz", "x.graph.npz"), ("x.NPZ", "x.graph.npz"),
                                            ("x.graph.npz", "x.graph.npz"), ("x.Graph.Npz", "x.Graph.Npz")])
def test_save_graph_suffix_in_any_case(tmp_path, given, written):
    """Walkthrough: --out x.NPZ wrote x.NPZ.graph.npz (files are read in any case)."""
    p = save_graph(small(), tmp_path / given)
    assert p.name == written and read_any(p).n_nodes == small().n_nodes


def test_round_trip(tmp_path):
    g = small()
    g.node_names = ["a", "b", "c", "d"]
    g.extras["split"] = np.array([0, 1, 2])
    p = save_graph(g, tmp_path / "x")
    assert p.name == "x.graph.npz"
    back = read_any(p)
    assert back.kind == "road" and back.node_names == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(back.indices, g.indices)
    np.testing.assert_array_equal(back.edge_attrs["length"], g.edge_attrs["length"])
    np.testing.assert_array_equal(back.extras["split"], [0, 1, 2])
    assert back.meta["default_weight"] == "length" and back.node_index("c") == 2


def test_bad_graphs(tmp_path):
    with pytest.raises(InvalidInstanceError, match="negative length"):
        from_edges([0], [1], 2, edge_attrs={"length": [-1.0]})
    with pytest.raises(InvalidInstanceError, match="endpoints"):
        from_edges([0], [5], 2)
    p = tmp_path / "t.graph.npz"
    save_graph(small(), p)
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(InvalidInstanceError, match="truncated"):
        load_graph(p)
    with pytest.raises(InvalidInstanceError, match="no such file"):
        read_any(tmp_path / "none.graph.npz")


def test_to_pyg():
    pytest.importorskip("torch_geometric")
    d = small().to_pyg()
    assert d.edge_index.shape == (2, 5) and d.edge_attr.shape == (5, 1) and d.num_nodes == 4


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None


if given is not None:

    @st.composite
    def graphs(draw):
        n = draw(st.integers(1, 12))
        m = draw(st.integers(0, 30))
        src = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
        dst = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
        length = draw(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=m, max_size=m))
        rel = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
        ids = draw(st.one_of(st.none(), st.lists(st.text("abcXYZ019_-:.", min_size=1, max_size=5), min_size=n, max_size=n, unique=True)))
        return from_edges(src, dst, n, edge_attrs={"length": np.array(length), "relation": np.array(rel, dtype=np.int64)},
                          kind="kg", node_ids=None if ids is None else np.array(ids, dtype=str),
                          relation_names=["a", "b", "c", "d"], meta={"note": "x", "default_weight": "length"},
                          extras={"triples_train": np.array([src, rel, dst], dtype=np.int64).T.reshape(-1, 3)})

    @settings(max_examples=40, deadline=None)
    @given(graphs())
    def test_round_trip_property(tmp_path_factory, g):
        back = load_graph(save_graph(g, tmp_path_factory.mktemp("rt") / "g"))
        for name in ("indptr", "indices"):
            np.testing.assert_array_equal(getattr(back, name), getattr(g, name))
        for k, v in g.edge_attrs.items():
            assert back.edge_attrs[k].dtype == v.dtype
            np.testing.assert_array_equal(back.edge_attrs[k], v)
        np.testing.assert_array_equal(back.extras["triples_train"], g.extras["triples_train"])
        assert back.relation_names == g.relation_names and back.meta == g.meta and back.kind == g.kind
        if g.node_ids is not None:
            assert back.node_ids.tolist() == g.node_ids.tolist()
            assert all(back.node_index(s) == g.node_index(s) for s in g.node_ids.tolist())
        # the CSR order is the stable sort of the input edges by source
        assert sorted(zip(back.sources().tolist(), back.indices.tolist())) == sorted(
            zip(g.sources().tolist(), g.indices.tolist()))


def test_foreign_and_future_files(tmp_path):
    p = tmp_path / "other.npz"
    np.savez(p, a=np.arange(3))
    with pytest.raises(InvalidInstanceError, match="not a graphroute graph file"):
        load_graph(p)
    import json

    q = save_graph(small(), tmp_path / "v")
    with np.load(q) as z:
        arrays = dict(z)
    header = json.loads(str(arrays["header"]))
    header["version"] = 99
    arrays["header"] = np.array(json.dumps(header))
    np.savez(q, **arrays)
    with pytest.raises(InvalidInstanceError, match="unsupported graph format version 99"):
        load_graph(q)


def test_negative_weight_in_file_is_refused(tmp_path):
    q = save_graph(small(), tmp_path / "neg")
    with np.load(q) as z:
        arrays = dict(z)
    arrays["edge__length"] = arrays["edge__length"] * -1
    np.savez(q, **arrays)
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    res = CliRunner().invoke(app, ["graph", "info", str(q)])
    assert res.exit_code == 1 and "negative length" in res.stderr and "Traceback" not in res.output


def test_pyg_kg_edge_types():
    pytest.importorskip("torch_geometric")
    g = from_edges([0, 1, 2], [1, 2, 0], 3, edge_attrs={"relation": np.array([0, 1, 1])}, kind="kg",
                   relation_names=["r0", "r1"])
    d = g.to_pyg()
    assert d.edge_type.tolist() == [0, 1, 1] and d.num_relations == 2
    assert d.edge_index.tolist() == [[0, 1, 2], [1, 2, 0]] and d.edge_attr is None


def test_pyg_kg_without_edges_or_relation_names():
    """No edges and no relation names: 0 relations (``max()`` of an empty array used to raise)."""
    pytest.importorskip("torch_geometric")
    g = from_edges(np.array([], np.int64), np.array([], np.int64), 3, kind="kg",
                   edge_attrs={"relation": np.array([], np.int64)})
    d = g.to_pyg()
    assert d.num_relations == 0 and d.edge_type.tolist() == [] and d.edge_index.shape == (2, 0) and d.num_nodes == 3
    g = from_edges([0, 1], [1, 2], 3, kind="kg", edge_attrs={"relation": np.array([0, 4])})
    assert g.to_pyg().num_relations == 5  # without names: the largest id + 1, as before


def test_per_edge_extras_follow_their_edges_through_subgraph_and_reverse():
    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 12, 60), rng.integers(0, 12, 60)
    keep_e = src != dst
    src, dst = src[keep_e], dst[keep_e]
    m = src.size
    g = from_edges(src, dst, 12, edge_attrs={"time": rng.uniform(1, 9, m)}, kind="traffic")
    # a per-edge profile whose value identifies the edge: slot s of an edge (u, v) is 1000 s + 100 u + v
    u = g.sources()
    g.extras = {"time_slots": 1000.0 * np.arange(3)[:, None] + 100.0 * u + g.indices, "other": np.arange(4)}

    def check(h):  # noqa: ANN001, ANN202
        tt = h.extras["time_slots"]
        assert tt.shape == (3, h.n_edges)
        ids = h.node_ids if h.node_ids is not None else np.arange(h.n_nodes)
        a, b = ids[h.sources()], ids[h.indices]
        if h.meta.get("reversed"):
            a, b = b, a
        np.testing.assert_array_equal(tt, 1000.0 * np.arange(3)[:, None] + 100.0 * a + b)
        np.testing.assert_array_equal(h.extras["other"], np.arange(4))

    g.node_ids = np.arange(12)
    keep = np.ones(12, dtype=bool)
    keep[[2, 7]] = False
    check(g.subgraph(keep))
    check(g.reverse())
    check(g.subgraph(keep).reverse())


def test_header_that_is_not_an_object(tmp_path):
    q = tmp_path / "list.graph.npz"
    np.savez(q, header=np.array("[1, 2]"), indptr=np.zeros(1, dtype=np.int64), indices=np.zeros(0, dtype=np.int64))
    with pytest.raises(InvalidInstanceError, match="not a graphroute graph file"):
        load_graph(q)


def test_save_below_a_file_is_one_error(tmp_path):
    from graphroute.exceptions import InvalidArgumentError

    (tmp_path / "somefile").write_text("x")
    with pytest.raises(InvalidArgumentError, match="somefile is a file, not a folder"):
        save_graph(small(), tmp_path / "somefile" / "deeper" / "x.graph.npz")
    assert (tmp_path / "somefile").read_text() == "x"


def test_contracted_graph_routes_hops_by_original_edges():
    g = from_edges(np.array([0, 1]), np.array([1, 2]), 3, edge_attrs={"length": np.array([1.0, 2.0]),
                                                                      "hops": np.array([3.0, 4.0])})
    assert g.weights("hops").tolist() == [3.0, 4.0]
    assert from_edges(np.array([0]), np.array([1]), 2).weights().tolist() == [1.0]


def test_networkx_nodes_carry_ids_names_and_coords():
    """Node keys stay 0..n-1 (CSR indices); the original ids, names and coordinates are node attributes."""
    pytest.importorskip("networkx")
    g = small()
    g.node_names = ["a", "b", "c", "d"]
    for G in (g.to_networkx(), g.to_networkx(weight="length")):
        assert sorted(G.nodes) == [0, 1, 2, 3] and G.graph["kind"] == "road"
        assert G.nodes[2] == {"id": 30, "name": "c", "x": 4.0, "y": 5.0}
        assert isinstance(G.nodes[2]["id"], int)  # a Python int, not a numpy scalar
    bare = from_edges([0], [1], 2)
    assert bare.to_networkx().nodes[1] == {}
    kg = from_edges([0], [1], 2, kind="kg", node_ids=np.array(["00260881", "x"]))
    assert kg.to_networkx().nodes[0] == {"id": "00260881"}


def test_pyg_keeps_node_labels_and_is_float32():
    pytest.importorskip("torch_geometric")
    import torch

    g = small()
    g.node_names = ["a", "b", "c", "d"]
    d = g.to_pyg()
    assert d.node_ids == [10, 20, 30, 40] and d.node_names == ["a", "b", "c", "d"]
    assert d.edge_attr.dtype == torch.float32 and d.pos.dtype == torch.float32
    assert "node_ids" not in from_edges([0], [1], 2).to_pyg()  # no ids: nothing to carry


def test_read_any_names_options_it_cannot_use(tmp_path):
    """Walkthrough finding: options were silently dropped for a .graph.npz and an unknown one reached the
    reader as a raw TypeError; read_any(5) was a raw TypeError too."""
    from graphroute.exceptions import InvalidArgumentError

    gr = tmp_path / "t.gr"
    gr.write_text("p sp 3 3\na 1 2 5\na 2 3 5\na 3 1 5\n")
    built = save_graph(read_any(gr), tmp_path / "t")
    with pytest.raises(InvalidArgumentError, match="t.graph.npz is a built graph: it takes no build options"):
        read_any(built, keep_largest_scc=False)
    with pytest.raises(InvalidArgumentError, match=r"read_dimacs \(t.gr\) has no option 'bogus'; its options: "):
        read_any(gr, bogus=1)
    with pytest.raises(InvalidArgumentError, match="read_any takes a file path, got int 5"):
        read_any(5)
    assert read_any(gr, keep_largest_scc=False).n_nodes == 3
