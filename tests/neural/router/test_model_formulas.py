"""BFRouter's geometric estimate, target cosines and edge correction against numpy
reimplementations of the module docstring's formulas; the truncated pass's dtype."""

from __future__ import annotations

import math

import numpy as np
import torch

from graphroute.neural.router.model import BFRouter, RouterGraph
from tests.neural.router.test_model import random_graph


def _setup(seed=1):
    g = random_graph(25, 100, seed).largest_scc()
    rg = RouterGraph.from_graph(g)
    torch.manual_seed(seed)
    model = BFRouter(hidden=8)
    with torch.no_grad():
        model.alpha_raw.fill_(0.4)
        model.beta_raw.fill_(-0.2)
        model.step.eps_raw.fill_(1.5)
        model.step.mlp[-1].weight.normal_(0.0, 1.0)
        model.step.mlp[-1].bias.normal_(0.0, 1.0)
    return g, rg, model


def _softplus(x):
    return math.log1p(math.exp(x))


def test_init_estimate_is_the_documented_geometric_formula():
    _, rg, model = _setup()
    targets = torch.tensor([0, 3, rg.n - 1])
    with torch.no_grad():
        h0 = model.init_estimate(rg, targets).numpy()
    pos = rg.pos.numpy()
    a, b = _softplus(0.4), _softplus(-0.2)
    for j, t in enumerate(targets.tolist()):
        d = pos - pos[t]
        l2 = np.hypot(d[:, 0], d[:, 1])
        l1 = np.abs(d[:, 0]) + np.abs(d[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = rg.c_med * l2 * (a + b * (l1 / l2 - 1.0))
        ref[t] = 0.0
        np.testing.assert_allclose(h0[:, j], ref, rtol=1e-6, atol=1e-12)  # softplus of float32 parameters
        assert np.all(h0[:, j] >= rg.c_med * l2 * a * (1 - 1e-12))  # L1 >= L2: the shape term is never negative


def test_target_cos_is_the_cosine_between_each_edge_and_the_direction_to_the_target():
    g, rg, model = _setup()
    targets = torch.tensor([2, 5])
    with torch.no_grad():
        cos = model.target_cos(rg, targets).numpy()
    pos = rg.pos.numpy()
    tail = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))  # edge e: tail -> g.indices[e]
    head = g.indices
    for j, t in enumerate(targets.tolist()):
        e = pos[head] - pos[tail]
        to_t = pos[t] - pos[tail]
        norm = np.hypot(*e.T) * np.hypot(*to_t.T)
        ref = np.where(norm > 0, (e * to_t).sum(1) / np.where(norm > 0, norm, 1.0), 0.0)
        np.testing.assert_allclose(cos[:, j], ref, atol=1e-5)
        into = head == t  # an edge straight into the target points at it
        assert np.allclose(cos[into, j], 1.0, atol=1e-5)


def test_edge_correction_is_within_a_quarter_and_follows_the_formula():
    _, rg, model = _setup()
    targets = torch.tensor([1, 4])
    with torch.no_grad():
        cos = model.target_cos(rg, targets)
        scale = model.step.edge_scale(rg.feats, cos).double().numpy()
        ab = model.step.mlp(rg.feats).double().numpy()
    eps = 0.25 / (1.0 + math.exp(-(1.5 - 2.0)))
    ref = 1.0 + eps * np.tanh(ab[:, :1] + ab[:, 1:] * cos.double().numpy())
    np.testing.assert_allclose(scale, ref, rtol=1e-5)
    assert np.ptp(scale) > 0.05  # the correction is really exercised
    with torch.no_grad():  # whatever the parameters, edge costs change by at most a quarter and stay positive
        model.step.eps_raw.fill_(50.0)
        model.step.mlp[-1].bias.fill_(100.0)
        big = model.step.edge_scale(rg.feats, cos).numpy()
        model.step.mlp[-1].bias.fill_(-100.0)
        small = model.step.edge_scale(rg.feats, cos).numpy()
    assert big.max() <= 1.25 + 1e-6 and small.min() >= 0.75 - 1e-6 and small.min() > 0


def test_truncated_pass_is_float32_outside_training_and_float64_under_autograd():
    _, rg, model = _setup()
    targets = torch.tensor([0, 1])
    with torch.no_grad():
        h, up = model(rg, targets, steps=3, return_wave=True)
    assert h.dtype == torch.float32 and up.dtype == torch.float32
    h = model(rg, targets, steps=3)
    assert h.dtype == torch.float64 and h.requires_grad
    with torch.no_grad():
        assert model(rg, targets).dtype == torch.float64  # a full pass is exact, float64
