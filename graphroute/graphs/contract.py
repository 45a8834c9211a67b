"""Chain contraction: replace runs of degree-2 nodes by single edges.

OpenStreetMap road graphs keep every shape point of a way as a node: 85-92% of the nodes of the
shared Monaco, North Bayreuth and Andorra graphs have exactly two neighbours, and a route crosses
hundreds of them (median 96, 193 and 536 edges from a random node to a random target). Contracting
them changes no shortest path between the remaining nodes (a chain has no branch to take) and divides
the number of edges on a route, which is what a message-passing pass needs to reach across the graph.

A node is kept when its number of distinct neighbours (either direction) is not 2, or when the caller
asks for it (``keep``). Every directed walk that leaves a kept node and runs through contracted nodes
to the next kept node becomes one edge whose numeric attributes (``length``, ``time``, ``weight``) are
the sums along the walk, plus ``hops`` (the number of original edges); walks that dead-end inside a
chain or return to where they started are dropped, and so are self-loops (with non-negative weights
none of them lies on a shortest path). Where a chain has parallel edges, the walk takes the cheapest
by ``weight`` (the weight that will be routed on; default the graph's), so shortest paths between the
kept nodes are unchanged for that weight. :func:`expand_nodes` maps a contracted route back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.model import Graph, from_edges

__all__ = ["Contraction", "chain_share", "contract_chains", "expand_nodes"]

#: ``chain_share`` from which the CLI contracts a graph unless told otherwise (OSM extracts: 0.85-0.92)
AUTO_CONTRACT_SHARE = 0.25


@dataclass
class Contraction:
    """A contracted graph and the maps back to the original one."""

    graph: Graph
    original: np.ndarray  # [n_c] original node index of each contracted node
    index: np.ndarray  # [n] contracted index of each original node (-1: contracted away)
    edge_nodes: list[tuple[int, ...]]  # per contracted edge (CSR order): the original nodes it runs through


def _undirected_degree(g: Graph) -> np.ndarray:
    """Number of distinct neighbours of each node, either direction, self-loops ignored."""
    src, dst = g.sources(), g.indices
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(np.stack([a[a != b], b[a != b]], 1), axis=0)
    return np.bincount(pairs.reshape(-1), minlength=g.n_nodes)


def chain_share(g: Graph) -> float:
    """Share of the nodes that :func:`contract_chains` would contract (exactly two neighbours)."""
    return float(np.mean(_undirected_degree(g) == 2)) if g.n_nodes else 0.0


def contract_chains(g: Graph, keep=None, weight: str | None = None) -> Contraction:
    """Contract the degree-2 chains of ``g`` (see the module docstring). ``keep``: node indices that
    must stay (query endpoints). ``weight``: the edge weight routes will use on the contracted graph
    (default the graph's); it picks among parallel edges inside a chain. O(n + m) Python steps."""
    n = g.n_nodes
    wsel = g.weights(weight).tolist()  # raises UnknownNameError for an unknown weight
    dst = g.indices
    kept = _undirected_degree(g) != 2
    if keep is not None:
        kept[np.asarray(keep, dtype=np.int64)] = True
    ptr, idx = g.indptr.tolist(), dst.tolist()
    attrs = {k: np.asarray(v) for k, v in g.edge_attrs.items() if np.asarray(v).ndim == 1 and
             np.issubdtype(np.asarray(v).dtype, np.number) and k != "relation"}
    cols = {k: v.tolist() for k, v in attrs.items()}
    kept_l = kept.tolist()
    new_src, new_dst, sums, through = [], [], {k: [] for k in attrs}, []
    own_hops = "hops" not in attrs  # hops of an already contracted graph are summed like any attribute
    if own_hops:
        sums["hops"] = []
    for u in np.flatnonzero(kept).tolist():
        for e in range(ptr[u], ptr[u + 1]):
            edges, prev, cur, ok = [e], u, idx[e], True
            while not kept_l[cur]:
                nxt = [f for f in range(ptr[cur], ptr[cur + 1]) if idx[f] != prev and idx[f] != cur]
                if not nxt or len(edges) > n:
                    ok = False  # dead end inside the chain (or a chain that is a pure cycle)
                    break
                f = min(nxt, key=wsel.__getitem__)  # parallel edges: the cheapest by the routed weight
                edges.append(f)
                prev, cur = cur, idx[f]
            if not ok or cur == u:
                continue
            new_src.append(u)
            new_dst.append(cur)
            for k in attrs:
                sums[k].append(sum(cols[k][f] for f in edges))
            if own_hops:
                sums["hops"].append(len(edges))
            through.append((u,) + tuple(idx[f] for f in edges))
    index = np.full(n, -1, dtype=np.int64)
    index[kept] = np.arange(int(kept.sum()))
    s = index[np.asarray(new_src, dtype=np.int64)]
    d = index[np.asarray(new_dst, dtype=np.int64)]
    order = np.argsort(s, kind="stable")
    dtypes = {**{k: v.dtype for k, v in attrs.items()}, "hops": np.float64}
    cg = from_edges(s, d, int(kept.sum()), edge_attrs={k: np.asarray(v, dtype=dtypes[k])
                                                       for k, v in sums.items()},
                    kind=g.kind, node_ids=None if g.node_ids is None else g.node_ids[kept],
                    node_names=None if g.node_names is None else [x for x, k in zip(g.node_names, kept_l) if k],
                    coords=None if g.coords is None else g.coords[kept], relation_names=g.relation_names,
                    meta={**g.meta, "contracted": {"kept_nodes": int(kept.sum()), "original_nodes": n,
                                                   "original_edges": g.n_edges,
                                                   "weight": weight or g.default_weight or "hops"}})
    return Contraction(cg, np.flatnonzero(kept), index, [through[i] for i in order.tolist()])


def expand_nodes(c: Contraction, edges, start: int | None = None) -> tuple[int, ...]:
    """Original node indices of a route given by its contracted edge positions (in order).

    ``start``: the contracted index of the route's first node. A route without edges (source ==
    target) has no edge to read its node from: it needs ``start`` and expands to that one node."""
    edges = tuple(edges)
    if not edges:
        if start is None:
            raise InvalidArgumentError("a route without edges needs its start node to expand")
        return (int(c.original[start]),)
    out: list[int] = []
    for e in edges:
        nodes = c.edge_nodes[e]
        out.extend(nodes if not out else nodes[1:])
    return tuple(out)
