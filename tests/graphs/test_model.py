"""Graph model: CSR invariants, lookups, transforms and the file format round trip."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError, UnknownNameError
from graphroute.graphs import Graph, from_edges, load_graph, read_any, save_graph


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
