"""Planar coordinates far from the origin (UTM-like, millions of metres) give the router the same
estimates as the same graph near the origin: only differences are used, and the float32 parts of
the model see coordinates centred on the graph."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

from graphroute.graphs.synthetic import synthetic_graph
from graphroute.neural.router.model import RouterGraph
from graphroute.neural.router.route import cost_to_go
from graphroute.neural.router.train import load_router

CKPT = Path(__file__).resolve().parents[3] / "data" / "checkpoints" / "router_road.pt"


def test_far_offset_gives_the_same_cost_to_go():
    model, _ = load_router(CKPT)
    g = synthetic_graph("delaunay", 300, seed=4)
    assert g.kind not in ("road", "traffic")  # planar coordinates
    far = dataclasses.replace(g, coords=g.coords + np.array([4.5e6, 5.5e6]))
    targets = [0, 17, 123]
    with torch.no_grad():
        near_h = cost_to_go(model, RouterGraph.from_graph(g), targets, steps=3)
        far_h = cost_to_go(model, RouterGraph.from_graph(far), targets, steps=3)
    finite = np.isfinite(near_h)
    assert np.array_equal(finite, np.isfinite(far_h))
    np.testing.assert_allclose(far_h[finite], near_h[finite], rtol=1e-5)
