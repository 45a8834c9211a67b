"""NBFNet's grouped sparse propagation against a per-edge reference; edge removal; gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.nbfnet import EdgeIndex, NBFNet  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model  # noqa: E402


def reference_scores(model, heads, rels, src, dst, etype, n, edge_weight=None):
    """NBFNet written message by message: x(v) += x(u) * w_etype(q) for every edge u -> v."""
    q = model.query(rels)
    b = len(heads)
    boundary = torch.zeros(b, n, model.dim, dtype=q.dtype)
    boundary[torch.arange(b), heads] = q
    x = boundary
    for rel, lin, norm in zip(model.relation, model.linear, model.norm):
        w = rel(q).view(b, model.num_relations, model.dim)
        msg = x[:, src] * w[:, etype]
        if edge_weight is not None:
            msg = msg * edge_weight[None, :, None]
        agg = boundary.clone()
        for e in range(len(src)):
            agg[:, dst[e]] += msg[:, e]
        x = x + torch.relu(norm(lin(torch.cat([x, agg], -1))))
    return model.mlp(torch.cat([x, q[:, None].expand(-1, n, -1)], -1)).squeeze(-1)


def test_grouped_propagation_equals_per_edge(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=8, layers=3).double()
    heads, rels = torch.tensor([0, 5, 5, 11]), torch.tensor([0, 1, 4, 5])
    w = torch.rand(len(src), dtype=torch.float64)
    got = model(heads, rels, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w))
    want = reference_scores(model, heads, rels, src, dst, et, data.num_entities, edge_weight=w)
    assert got.shape == (4, data.num_entities)
    assert torch.allclose(got, want, atol=1e-10)


def test_concat_hidden_scores_from_every_layer(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    graph = EdgeIndex(src, dst, et, data.num_entities)
    model = NBFNet(2 * data.num_relations, dim=4, layers=3, concat_hidden=True)
    heads, rels = torch.tensor([1, 2]), torch.tensor([0, 3])
    states = model.node_states(heads, rels, graph)
    assert len(states) == 3 and model.mlp[0].in_features == 4 * 4
    q = model.query(rels)[None].expand(data.num_entities, -1, -1)
    want = model.mlp(torch.cat([*states, q], -1)).squeeze(-1).T
    assert torch.allclose(model(heads, rels, graph), want)


def test_edge_weight_gradient_matches_finite_differences(random_kg):
    torch.manual_seed(1)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=4, layers=2).double()
    w = torch.ones(len(src), dtype=torch.float64, requires_grad=True)
    h, r, t = torch.tensor([2]), torch.tensor([1]), 7
    score = model(h, r, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w))[0, t]
    (grad,) = torch.autograd.grad(score, w)
    for e in (0, 5, len(src) - 1):
        w2 = torch.ones(len(src), dtype=torch.float64)
        w2[e] += 1e-6
        s2 = model(h, r, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w2))[0, t]
        assert float(s2.detach() - score.detach()) / 1e-6 == pytest.approx(float(grad[e]), abs=1e-5)


def test_scorer_removes_the_batch_edges_and_their_inverses(random_kg):
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=4, layers=1), data)
    scorer = Scorer(model, data)
    batch = torch.as_tensor(data.with_inverse(data.train[:3])[[0, 1, 5]])  # two tail queries, one head query
    kept = scorer.graph(batch)
    full = scorer.graph()
    removed = {tuple(x) for x in data.with_inverse(data.train[:3]).tolist()}
    src, dst, et = data.graph_edges()
    want = sorted((r, v) for u, v, r in zip(src.tolist(), dst.tolist(), et.tolist()) if (u, r, v) not in removed)
    got_nnz = kept.A._nnz()
    assert got_nnz == len(src) - len(removed) and full.A._nnz() == len(src)
    assert sorted(set(want)) == sorted(zip(kept.pair_rel.tolist(), kept.pair_dst.tolist()))
