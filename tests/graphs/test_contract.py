"""Chain contraction: shortest paths between kept nodes unchanged (networkx), routes expand to real paths."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.graphs import from_edges
from graphroute.graphs.contract import contract_chains, expand_nodes


def chain_graph(seed: int):
    """Junctions joined by chains of shape points, some one-way, one dead-end spur, random weights."""
    rng = np.random.default_rng(seed)
    n_j = 6
    src, dst = [], []
    nxt = n_j
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 0), (0, 4), (4, 5), (5, 2), (1, 5)]:
        k = int(rng.integers(0, 5))
        nodes = [a] + list(range(nxt, nxt + k)) + [b]
        nxt += k
        oneway = rng.random() < 0.3
        for u, v in zip(nodes, nodes[1:]):
            src.append(u)
            dst.append(v)
            if not oneway:
                src.append(v)
                dst.append(u)
    src += [3, nxt]  # a one-way spur 3 -> x -> y: y is a dead end
    dst += [nxt, nxt + 1]
    nxt += 2
    m = len(src)
    return from_edges(np.array(src), np.array(dst), nxt, kind="road",
                      edge_attrs={"time": rng.uniform(1, 10, m), "length": rng.uniform(5, 50, m)},
                      coords=rng.random((nxt, 2)), meta={"default_weight": "time"})


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_contraction_keeps_shortest_paths_between_kept_nodes(seed):
    g = chain_graph(seed)
    c = contract_chains(g)
    cg = c.graph
    assert cg.n_nodes < g.n_nodes and {0, 1, 2, 3} <= set(c.original.tolist())  # 3-way junctions stay
    full = nx.DiGraph()
    for u, v, w in zip(g.sources().tolist(), g.indices.tolist(), g.weights().tolist()):
        if not full.has_edge(u, v) or full[u][v]["weight"] > w:
            full.add_edge(u, v, weight=w)
    small = nx.DiGraph()
    for e, (u, v, w) in enumerate(zip(cg.sources().tolist(), cg.indices.tolist(), cg.weights().tolist())):
        if not small.has_edge(u, v) or small[u][v]["weight"] > w:
            small.add_edge(u, v, weight=w, e=e)
    for i, a in enumerate(c.original.tolist()):
        want = nx.single_source_dijkstra_path_length(full, a) if a in full else {}
        got = nx.single_source_dijkstra_path_length(small, i) if i in small else {}
        for j, b in enumerate(c.original.tolist()):
            if b in want:
                assert got[j] == pytest.approx(want[b])
            else:
                assert j not in got
    # a contracted route expands to a path of the original graph with the same cost (time and length)
    for i, j in [(0, 2), (4, 3), (5, 0)]:
        if j in nx.descendants(small, i):
            route = nx.dijkstra_path(small, i, j)
            edges = [small[u][v]["e"] for u, v in zip(route, route[1:])]
            nodes = expand_nodes(c, edges)
            assert nodes[0] == c.original[i] and nodes[-1] == c.original[j]
            assert all(full.has_edge(u, v) for u, v in zip(nodes, nodes[1:]))
            assert sum(full[u][v]["weight"] for u, v in zip(nodes, nodes[1:])) == pytest.approx(
                float(cg.weights()[edges].sum()))


def test_keep_and_metadata():
    g = chain_graph(1)
    chain_node = 6 if g.n_nodes > 8 else 0
    c = contract_chains(g, keep=[chain_node])
    assert c.index[chain_node] >= 0 and c.original[c.index[chain_node]] == chain_node
    assert c.graph.meta["contracted"]["original_nodes"] == g.n_nodes
    assert c.graph.default_weight == "time" and c.graph.coords.shape == (c.graph.n_nodes, 2)
    assert np.all(c.index[c.original] == np.arange(c.graph.n_nodes))


def test_chain_share_counts_nodes_with_two_neighbours():
    from graphroute.graphs.contract import chain_share
    from graphroute.graphs.synthetic import synthetic_graph

    g = chain_graph(5)
    deg = {}
    for u, v in zip(g.sources().tolist(), g.indices.tolist()):
        if u != v:
            deg.setdefault(u, set()).add(v)
            deg.setdefault(v, set()).add(u)
    assert chain_share(g) == pytest.approx(sum(len(deg.get(i, ())) == 2 for i in range(g.n_nodes)) / g.n_nodes)
    assert chain_share(synthetic_graph("grid", 100, seed=0)) < 0.25 <= chain_share(g)


def _noisy_chain_graph(seed: int):
    """chain_graph plus self-loops (on chain and junction nodes) and parallel edges whose two weights
    disagree (cheap in time, dear in length and the other way round), some inside chains."""
    g = chain_graph(seed)
    rng = np.random.default_rng(seed + 1)
    src, dst = g.sources().tolist(), g.indices.tolist()
    time, length = g.edge_attrs["time"].tolist(), g.edge_attrs["length"].tolist()
    for e in rng.choice(len(src), size=len(src) // 3, replace=False).tolist():  # parallel twins
        src.append(src[e])
        dst.append(dst[e])
        time.append(time[e] + float(rng.uniform(1, 5)))
        length.append(length[e] * float(rng.uniform(0.05, 0.5)))
    for v in rng.choice(g.n_nodes, size=4, replace=False).tolist():  # self-loops, some very cheap
        src.append(v)
        dst.append(v)
        time.append(float(rng.choice([0.0, 0.5, 3.0])))
        length.append(float(rng.choice([0.0, 1.0, 30.0])))
    return from_edges(np.array(src), np.array(dst), g.n_nodes, kind="road", coords=g.coords,
                      edge_attrs={"time": np.array(time), "length": np.array(length)},
                      meta={"default_weight": "time"})


def _nx_dist(g, weights) -> dict:
    full = nx.MultiDiGraph()
    full.add_nodes_from(range(g.n_nodes))
    for u, v, w in zip(g.sources().tolist(), g.indices.tolist(), weights.tolist()):
        full.add_edge(u, v, weight=w)
    return dict(nx.all_pairs_dijkstra_path_length(full))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([None, "time", "length", "hops"]))
def test_contraction_with_self_loops_and_parallel_edges_matches_networkx(seed, weight):
    """Self-loops on chain nodes must not break a chain, and inside a chain the parallel edge is the
    cheapest by the weight routed on, for every weight (not only the default): every distance
    between kept nodes equals networkx's on the full multigraph, and every contracted edge expands
    to a real walk of the same cost."""
    g = _noisy_chain_graph(seed)
    c = contract_chains(g, weight=weight)
    cg = c.graph
    want = _nx_dist(g, g.weights(weight))
    got = _nx_dist(cg, cg.weights(weight))
    orig = c.original.tolist()
    for i, a in enumerate(orig):
        for j, b in enumerate(orig):
            if b in want[a]:
                assert got[i].get(j) == pytest.approx(want[a][b]), (a, b)
            else:
                assert j not in got[i]
    cheapest: dict = {}  # walk -> cheapest contracted edge along it (one per parallel first edge)
    for e, nodes in enumerate(c.edge_nodes):
        cheapest[nodes] = min(cheapest.get(nodes, np.inf), float(cg.weights(weight)[e]))
    for nodes, cost in cheapest.items():  # the walk exists and its cheapest cost is the edge's
        best = 0.0
        for u, v in zip(nodes, nodes[1:]):
            assert u != v
            ws = [g.weights(weight)[f] for f in range(g.indptr[u], g.indptr[u + 1]) if g.indices[f] == v]
            assert ws
            best += min(ws)
        assert cost == pytest.approx(best)


def test_self_loop_on_a_chain_node_keeps_the_chain():
    """The reviewer's DIMACS case: 1 <-> 2 <-> 3 with a self-loop on 2; 1 and 3 are junctions."""
    pairs = [(1, 2), (2, 3), (1, 4), (1, 5), (3, 6), (3, 7)]
    src = [a for a, b in pairs] + [b for a, b in pairs] + [2, 4]
    dst = [b for a, b in pairs] + [a for a, b in pairs] + [2, 5]
    w = [1.0] * len(pairs) * 2 + [0.5, 1.0]
    g = from_edges(np.array(src) - 1, np.array(dst) - 1, 7, kind="road", edge_attrs={"length": np.array(w)})
    c = contract_chains(g)
    assert c.index[1] == -1  # node 2 is contracted away
    a, b = int(c.index[0]), int(c.index[2])
    e = [f for f in range(c.graph.indptr[a], c.graph.indptr[a + 1]) if c.graph.indices[f] == b]
    assert len(e) == 1 and c.graph.weights()[e[0]] == 2.0 and expand_nodes(c, e) == (0, 1, 2)


def test_contracted_hops_count_original_edges():
    g = from_edges(np.array([0, 1, 2, 1, 2, 3]), np.array([1, 2, 3, 0, 1, 2]), 4, kind="road",
                   edge_attrs={"length": np.ones(6)})
    c = contract_chains(g)
    assert c.graph.n_nodes == 2 and sorted(c.graph.weights("hops").tolist()) == [3.0, 3.0]


def test_route_without_edges_expands_to_its_node():
    """source == target: no edge to read the node from; with ``start`` it is that one node (was ())."""
    from graphroute.exceptions import InvalidArgumentError

    g = from_edges(np.array([0, 1]), np.array([1, 2]), 3, kind="road", edge_attrs={"length": np.array([5.0, 7.0])})
    c = contract_chains(g, keep=[0])
    assert c.graph.n_nodes == 2 and c.index[1] == -1
    assert expand_nodes(c, (), int(c.index[2])) == (2,) and expand_nodes(c, [], int(c.index[0])) == (0,)
    assert expand_nodes(c, [0], int(c.index[0])) == (0, 1, 2)  # start changes nothing for a route with edges
    with pytest.raises(InvalidArgumentError, match="needs its start node"):
        expand_nodes(c, ())

