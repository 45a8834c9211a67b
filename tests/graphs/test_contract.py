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
