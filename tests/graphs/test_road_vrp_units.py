"""Road VRP instances keep their graph's length units: metres and whole-number lengths are rounded to
integers (exact), synthetic lattice units of about 1 keep their real values (rounding made costs of
0 and 1 out of them)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from graphroute.graphs.model import from_edges
from graphroute.graphs.road_vrp import road_vrp_instance
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.solvers import solve


def nx_matrix(g, stops):
    G = nx.DiGraph()
    for u, v, w in zip(g.sources(), g.indices, g.weights("length")):
        if not G.has_edge(u, v) or G[u][v]["w"] > w:
            G.add_edge(int(u), int(v), w=float(w))
    return np.array([[nx.dijkstra_path_length(G, a, b, weight="w") for b in stops] for a in stops])


def test_synthetic_lengths_are_not_rounded_away():
    g = synthetic_graph("grid", 36, seed=0, perturb=0.3)  # edges of about one lattice unit
    inst = road_vrp_instance(g, customers=6, seed=2)
    stops = [int(i) for i in inst.meta["node_ids"]]
    ref = nx_matrix(g, stops)
    np.testing.assert_allclose(inst.distances, ref, rtol=1e-12)
    assert not inst.integral and len(np.unique(inst.distances)) > 10
    res = solve(inst, "ortools", time_limit=1, seed=0)
    by_hand = sum(inst.distances[a, b] for r in res.routes for a, b in zip([0, *r], [*r, 0]))
    assert res.feasible and res.cost > 1 and abs(res.cost - by_hand) < 1e-9
    times = inst.durations
    assert times is not None and not np.array_equal(times, np.round(times, 1))


def test_whole_number_lengths_stay_integral():
    n = 8  # a one-way ring with lengths 3, 6, 9, ... (DIMACS-like: no times, kind road)
    src = np.arange(n)
    g = from_edges(src, (src + 1) % n, n, edge_attrs={"length": 3.0 * (src + 1)}, kind="road")
    inst = road_vrp_instance(g, customers=4, seed=0)
    assert inst.integral and inst.durations is None
    stops = [int(i) for i in inst.meta["node_ids"]]
    np.testing.assert_array_equal(inst.distances, nx_matrix(g, stops))
