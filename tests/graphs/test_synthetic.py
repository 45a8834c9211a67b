"""Synthetic graphs: seeded, strongly connected, about the requested size, Delaunay edges exact."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.synthetic import synthetic_graph


@pytest.mark.parametrize("kind", ["grid", "geometric", "delaunay"])
def test_seeded_connected_sized(kind):
    a, b = synthetic_graph(kind, 900, seed=3), synthetic_graph(kind, 900, seed=3)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.edge_attrs["time"], b.edge_attrs["time"])
    assert not np.array_equal(a.coords, synthetic_graph(kind, 900, seed=4).coords)
    assert 0.9 * 900 <= a.n_nodes <= 1.1 * 900
    assert connected_components(a.to_scipy(), directed=True, connection="strong")[0] == 1
    np.testing.assert_allclose(a.edge_attrs["length"], np.linalg.norm(a.coords[a.sources()] - a.coords[a.indices], axis=1))
    assert np.all(a.edge_attrs["time"] > 0) and not np.allclose(a.edge_attrs["time"], a.edge_attrs["length"])


def test_delaunay_matches_scipy():
    from scipy.spatial import Delaunay

    g = synthetic_graph("delaunay", 200, seed=1)
    tri = Delaunay(g.coords)
    ref = {tuple(sorted((int(s[i]), int(s[j])))) for s in tri.simplices for i in range(3) for j in range(i + 1, 3)}
    ours = {tuple(sorted((int(u), int(v)))) for u, v in zip(g.sources(), g.indices)}
    assert ours == ref


def test_bad_kind():
    with pytest.raises(InvalidArgumentError, match="unknown synthetic graph kind"):
        synthetic_graph("hex", 100)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seed(seed):
    with pytest.raises(InvalidArgumentError, match="seed must be an integer >= 0"):
        synthetic_graph("grid", 16, seed=seed)
