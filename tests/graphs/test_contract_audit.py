"""Chain contraction: cases a mutation audit found unchecked (node labels follow the kept nodes, the
relation attribute is not summed, sums stay float64, the weight in the metadata), and distances between
kept junctions of a real road network (Monaco) against scipy's Dijkstra on the full graph."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.graphs import from_edges
from graphroute.graphs.contract import contract_chains, expand_nodes


def _labelled_chain():
    """Junction 0 (three spokes) and junction 4 joined by the chain 0 - 1 - 2 - 3 - 4, both ways;
    spokes 0 - 5, 0 - 6 and 4 - 7, 4 - 8 (leaves: kept, degree 1). Node ids, names and coordinates
    all differ per node, so a label taken from the wrong node shows."""
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (0, 6), (4, 7), (4, 8)]
    src = [a for a, b in pairs] + [b for a, b in pairs]
    dst = [b for a, b in pairs] + [a for a, b in pairs]
    m = len(src)
    length = np.array([0.1 + 1e-9 * k for k in range(m)])  # float64 sums that float32 cannot hold
    return from_edges(np.array(src), np.array(dst), 9, kind="road",
                      edge_attrs={"length": length, "time": length * 2, "relation": np.arange(m) % 3},
                      node_ids=np.arange(100, 109), node_names=[f"n{i}" for i in range(9)],
                      coords=np.array([[float(i), 10.0 + i] for i in range(9)]), meta={"default_weight": "time"})


def test_labels_follow_the_kept_nodes():
    g = _labelled_chain()
    c = contract_chains(g)
    kept = c.original.tolist()
    assert kept == [0, 4, 5, 6, 7, 8]  # 1, 2, 3 contracted away
    assert c.graph.node_ids.tolist() == [100 + i for i in kept]
    assert c.graph.node_names == [f"n{i}" for i in kept]
    np.testing.assert_array_equal(c.graph.coords, g.coords[kept])


def test_relation_is_not_summed_and_sums_stay_float64():
    g = _labelled_chain()
    c = contract_chains(g)
    cg = c.graph
    assert "relation" not in cg.edge_attrs  # a sum of relation ids names no relation
    assert cg.edge_attrs["length"].dtype == np.float64
    a, b = int(c.index[0]), int(c.index[4])
    e = [f for f in range(cg.indptr[a], cg.indptr[a + 1]) if cg.indices[f] == b]
    assert len(e) == 1 and expand_nodes(c, e) == (0, 1, 2, 3, 4)
    walk = [next(f for f in range(g.indptr[u], g.indptr[u + 1]) if g.indices[f] == u + 1) for u in range(4)]
    want = sum(float(g.edge_attrs["length"][f]) for f in walk)  # edges 0->1, 1->2, 2->3, 3->4
    assert want != float(np.float32(want))
    assert cg.edge_attrs["length"][e[0]] == want  # exact, as float64 adds them
    assert cg.edge_attrs["hops"][e[0]] == 4.0


@pytest.mark.parametrize("weight,recorded", [(None, "time"), ("length", "length"), ("hops", "hops")])
def test_metadata_names_the_weight_used(weight, recorded):
    c = contract_chains(_labelled_chain(), weight=weight)
    assert c.graph.meta["contracted"]["weight"] == recorded


def test_monaco_distances_between_kept_nodes_unchanged(shared_data):
    """Real OSM graph (one-ways, parallel ways, short loops): for 15 kept sources, the time-distances to
    every kept node on the contracted graph equal those on the full graph (scipy Dijkstra)."""
    pytest.importorskip("osmium")
    from scipy.sparse.csgraph import dijkstra

    from graphroute.graphs.road import read_osm

    g = read_osm(shared_data / "road/monaco-osm/monaco.osm.gz")
    c = contract_chains(g)
    assert c.graph.n_nodes < 0.5 * g.n_nodes
    rng = np.random.default_rng(0)
    sources = rng.choice(c.graph.n_nodes, size=15, replace=False)
    full = dijkstra(g.to_scipy("time"), indices=c.original[sources])[:, c.original]
    small = dijkstra(c.graph.to_scipy("time"), indices=sources)
    np.testing.assert_allclose(small, full, rtol=1e-9)
    np.testing.assert_array_equal(c.graph.coords, g.coords[c.original])
    np.testing.assert_array_equal(c.graph.node_ids, g.node_ids[c.original])
    # every contracted edge expands to a walk of the full graph with the same length
    for e in rng.choice(c.graph.n_edges, size=50, replace=False).tolist():
        nodes = expand_nodes(c, [e])
        total = 0.0
        for u, v in zip(nodes, nodes[1:]):
            ts = [f for f in range(g.indptr[u], g.indptr[u + 1]) if g.indices[f] == v]
            assert ts
            total += min(g.edge_attrs["time"][ts])
        assert total == pytest.approx(float(c.graph.edge_attrs["time"][e]))
