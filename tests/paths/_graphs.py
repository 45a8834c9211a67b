"""Random directed weighted graphs for the path tests, as CSR arrays and as networkx DiGraphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import strategies as st


def to_csr(n: int, edges: list[tuple[int, int, float]]):
    """CSR arrays (edges grouped by source, in the given order within a source)."""
    edges = sorted(edges, key=lambda e: e[0])
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u, _, _ in edges:
        indptr[u + 1] += 1
    np.cumsum(indptr, out=indptr)
    indices = np.array([v for _, v, _ in edges], dtype=np.int64)
    weights = np.array([w for _, _, w in edges], dtype=np.float64)
    return indptr, indices, weights


def to_nx(n: int, edges) -> nx.DiGraph:
    """networkx DiGraph keeping the cheapest of parallel edges (the semantics of graphroute.paths)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, w in edges:
        if u == v:
            continue
        if not g.has_edge(u, v) or w < g[u][v]["weight"]:
            g.add_edge(u, v, weight=w)
    return g


@st.composite
def digraphs(draw, max_nodes: int = 12, max_edges: int = 40, parallel: bool = False, float_weights: bool = False):
    """(n, edges) with small integer weights (so ties are common) or floats; no self loops."""
    n = draw(st.integers(2, max_nodes))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    pairs = draw(st.lists(pair, max_size=max_edges, unique=not parallel))
    if float_weights:
        ws = draw(st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=len(pairs), max_size=len(pairs)))
    else:
        ws = draw(st.lists(st.integers(0, 4).map(float), min_size=len(pairs), max_size=len(pairs)))
    return n, [(u, v, w) for (u, v), w in zip(pairs, ws)]


def random_graph(n: int, p: float, seed: int, wmax: int = 9):
    """Seeded G(n, p) digraph with integer weights 1..wmax as (n, edges)."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    us, vs = np.nonzero(mask)
    ws = rng.integers(1, wmax + 1, size=us.size).astype(float)
    return n, list(zip(us.tolist(), vs.tolist(), ws.tolist()))
