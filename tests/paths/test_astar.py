"""A* with the geometric bound against networkx; the bound is admissible on random geometric graphs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.exceptions import InvalidArgumentError, NoPathError
from graphroute.paths import astar, dijkstra_all, geometric_heuristic, geometric_scale
from graphroute.paths.astar import geometric_distance
from tests.paths._graphs import digraphs, to_csr, to_nx


def _geometric_graph(seed: int, n: int, metric: str):
    """Random digraph on random points; weight = geometric length * random factor >= 1 (like travel times)."""
    rng = np.random.default_rng(seed)
    if metric == "haversine":
        coords = np.column_stack([rng.uniform(1.40, 1.80, n), rng.uniform(42.40, 42.65, n)])  # Andorra-ish
    else:
        coords = rng.uniform(0, 100, (n, 2))
    edges = []
    for u in range(n):
        for v in rng.choice(n, size=4, replace=False).tolist():
            if u != v:
                d = float(geometric_distance(coords[u], coords[v], metric))
                edges.append((u, v, d * rng.uniform(1.0, 3.0) / 13.9))
    return n, edges, coords


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("seed", range(4))
def test_astar_geometric_bound_agrees_with_networkx(metric, seed):
    n, edges, coords = _geometric_graph(seed, 60, metric)
    csr = to_csr(n, edges)
    g = to_nx(n, edges)
    scale = geometric_scale(*csr, coords, metric)
    assert scale > 0
    for t in (0, 17, 42):
        h = geometric_heuristic(coords, t, scale, metric)
        dist_to_t = nx.single_source_dijkstra_path_length(g.reverse(), t)
        for v, d in dist_to_t.items():  # admissible
            assert h[v] <= d + 1e-9
        for s in (3, 29, 59):
            if s in dist_to_t:
                p = astar(*csr, s, t, h)
                assert math.isclose(p.cost, dist_to_t[s], rel_tol=1e-12)
                assert p.nodes[0] == s and p.nodes[-1] == t
            else:
                with pytest.raises(NoPathError):
                    astar(*csr, s, t, h)


@settings(max_examples=60, deadline=None)
@given(digraphs(parallel=True), st.data())
def test_astar_with_any_admissible_bound(graph, data):
    """A random admissible (not necessarily consistent) bound: a fraction of the true distance."""
    n, edges = graph
    csr = to_csr(n, edges)
    t = data.draw(st.integers(0, n - 1))
    rev = to_csr(n, [(v, u, w) for u, v, w in edges])
    dist_to_t, _ = dijkstra_all(*rev, t)
    frac = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    h = np.where(np.isfinite(dist_to_t), np.nan_to_num(dist_to_t, posinf=0.0) * frac, 0.0)
    ref = nx.single_source_dijkstra_path_length(to_nx(n, edges), 0)
    if t in ref:
        assert astar(*csr, 0, t, h).cost == ref[t]
    else:
        with pytest.raises(NoPathError):
            astar(*csr, 0, t, h)


def test_scale_is_zero_when_a_long_edge_is_free():
    coords = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    csr = to_csr(3, [(0, 1, 0.0), (1, 2, 1.0)])
    assert geometric_scale(*csr, coords, "euclidean") == 0.0


def test_bad_heuristic_shape_and_metric():
    csr = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    with pytest.raises(InvalidArgumentError, match="heuristic"):
        astar(*csr, 0, 2, np.zeros(2))
    with pytest.raises(InvalidArgumentError, match="unknown metric"):
        geometric_scale(*csr, np.zeros((3, 2)), "manhattan")
    with pytest.raises(InvalidArgumentError, match="coords"):
        geometric_scale(*csr, np.zeros((2, 2)))
