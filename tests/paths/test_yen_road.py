"""Yen on a shared road graph (rome99, DIMACS): same K = 10 cost sequence as networkx and scipy."""

from __future__ import annotations

from itertools import islice

import networkx as nx
import numpy as np
import pytest

from graphroute.paths import k_shortest_paths
from tests.paths.test_yen import assert_same_costs, check_paths, scipy_costs


def _read_any():
    graphs = pytest.importorskip("graphroute.graphs")
    if not hasattr(graphs, "read_any"):
        pytest.skip("graphroute.graphs.read_any is not available yet")
    return graphs.read_any


@pytest.fixture(scope="module")
def rome(shared_data):
    path = shared_data / "road" / "rome99-dimacs"
    files = sorted(path.glob("*.gr*"))
    if not files:
        pytest.skip(f"no .gr file in {path}")
    return _read_any()(files[0])


@pytest.mark.slow
def test_rome99_yen_k10_matches_networkx_and_scipy(rome):
    w = rome.weights()
    csr = (rome.indptr, rome.indices, w)
    g = nx.DiGraph()
    for u in range(len(rome.indptr) - 1):
        for e in range(rome.indptr[u], rome.indptr[u + 1]):
            v = int(rome.indices[e])
            if v != u and (not g.has_edge(u, v) or w[e] < g[u][v]["weight"]):
                g.add_edge(u, v, weight=float(w[e]))
    rng = np.random.default_rng(99)
    n = len(rome.indptr) - 1
    for s, t in rng.integers(0, n, size=(4, 2)).tolist():
        ref = [nx.path_weight(g, p, "weight") for p in islice(nx.shortest_simple_paths(g, s, t, weight="weight"), 10)]
        paths = k_shortest_paths(*csr, s, t, 10)
        check_paths(paths, csr, s, t)
        assert_same_costs([p.cost for p in paths], ref)
        assert_same_costs([p.cost for p in paths], scipy_costs(csr, s, t, 10))
