"""Synthetic graphs beyond "seeded, connected, about the size" (a mutation audit of
graphroute/graphs/synthetic.py): the grid side is round(sqrt(n)), jitter is symmetric, ``drop`` removes
that share of edges, the geometric radius is the documented sqrt(1.6 ln n / pi) (or the override), Delaunay
edges appear once per direction, speeds span [1 - s, 1 + s] and are the same both ways, and the argument
checks hold at their bounds. References: brute-force pair distances, scipy's Delaunay, hand counts."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import synthetic
from graphroute.graphs.synthetic import synthetic_graph


def _pairs(g):
    return list(zip(g.sources().tolist(), g.indices.tolist()))


@pytest.mark.parametrize("n,side", [(4, 2), (6, 2), (7, 3), (12, 3), (14, 4), (20, 4), (30, 5)])
def test_grid_side_is_the_rounded_square_root(n, side):
    """A full grid (no drop) keeps every node: side^2 nodes, 2 directions x 2 side (side - 1) edges."""
    g = synthetic_graph("grid", n, seed=1)
    assert g.n_nodes == side * side and g.n_edges == 4 * side * (side - 1)


def test_grid_jitter_is_symmetric_and_bounded():
    g = synthetic_graph("grid", 100, seed=2, perturb=0.3)  # side 10, nothing dropped: node k sits at (k // 10, k % 10)
    k = np.arange(100)
    off = g.coords - np.stack([k // 10, k % 10], 1)
    assert np.all(np.abs(off) <= 0.3) and off.min() < -0.25 and off.max() > 0.25
    flat = synthetic_graph("grid", 100, seed=2, perturb=0.0)
    np.testing.assert_array_equal(flat.coords, np.stack([k // 10, k % 10], 1).astype(float))


def test_grid_drop_removes_about_that_share_of_the_edges():
    full = synthetic_graph("grid", 400, seed=2)  # side 20: 760 undirected edges
    assert full.n_edges == 2 * 760
    g = synthetic_graph("grid", 400, seed=2, drop=0.1)
    assert g.n_nodes >= 0.8 * 400
    assert 0.8 * 760 <= g.n_edges / 2 <= 0.95 * 760  # ~684 before the largest component is taken


@pytest.mark.parametrize("n,radius", [(300, None), (200, 1.5)])
def test_geometric_edges_are_all_pairs_within_the_radius(n, radius):
    """Brute force over the kept nodes: the largest component is an induced subgraph, so its edges are
    exactly the pairs of kept nodes within the radius (both directions)."""
    g = synthetic_graph("geometric", n, seed=4, radius=radius)
    r = radius if radius is not None else np.sqrt(1.6 * np.log(n) / np.pi)
    d = np.linalg.norm(g.coords[:, None, :] - g.coords[None, :, :], axis=-1)
    i, j = np.nonzero((d <= r) & ~np.eye(g.n_nodes, dtype=bool))
    assert sorted(_pairs(g)) == sorted(zip(i.tolist(), j.tolist()))


def test_delaunay_edges_appear_once_per_direction():
    from scipy.spatial import Delaunay

    g = synthetic_graph("delaunay", 150, seed=6)
    ref = {tuple(sorted((int(s[a]), int(s[b])))) for s in Delaunay(g.coords).simplices for a in range(3) for b in range(a + 1, 3)}
    assert len(set(_pairs(g))) == g.n_edges == 2 * len(ref)


@pytest.mark.parametrize("spread", [0.5, 0.2, 0.0])
def test_speeds_span_the_spread_and_are_the_same_both_ways(spread):
    g = synthetic_graph("grid", 400, seed=3, speed_spread=spread)
    speed = g.edge_attrs["length"] / g.edge_attrs["time"]
    assert np.all(speed >= 1 - spread - 1e-12) and np.all(speed <= 1 + spread + 1e-12)
    if spread:
        assert speed.min() < 1 - 0.9 * spread and speed.max() > 1 + 0.9 * spread
    time = dict(zip(_pairs(g), g.edge_attrs["time"].tolist()))
    assert all(time[(u, v)] == time[(v, u)] for u, v in time)


def test_time_is_the_default_weight_and_meta_records_the_call():
    g = synthetic_graph("delaunay", 50, seed=5, speed_spread=0.25)
    assert g.default_weight == "time"
    np.testing.assert_array_equal(g.weights(), g.edge_attrs["time"])
    assert {k: g.meta[k] for k in ("generator", "requested_nodes", "seed", "speed_spread")} == {
        "generator": "delaunay", "requested_nodes": 50, "seed": 5, "speed_spread": 0.25}


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"n": 3}, "at least 4 nodes, got 3"),
        ({"speed_spread": 1.0}, r"speed_spread must be in \[0, 1\), got 1.0"),
        ({"speed_spread": -0.1}, r"speed_spread must be in \[0, 1\), got -0.1"),
    ],
)
def test_argument_bounds(kwargs, msg):
    with pytest.raises(InvalidArgumentError, match=msg):
        synthetic_graph("grid", **{"n": 16, **kwargs})


def test_node_cap_is_inclusive(monkeypatch):
    monkeypatch.setattr(synthetic, "MAX_NODES", 16)
    assert synthetic_graph("grid", 16).n_nodes == 16
    with pytest.raises(InvalidArgumentError, match="at most 16 nodes, got 17"):
        synthetic_graph("grid", 17)
