"""NBFNet's grouped sparse propagation against a per-edge reference; edge removal; gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.nbfnet import EdgeIndex, NBFNet  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model  # noqa: E402


def reference_forward(model, heads, rels, n, aggregate):
    """NBFNet's boundary, layers and scorer written out; ``aggregate(x, w, boundary) -> agg`` per layer."""
    q = model.query(rels)
    b = len(heads)
    boundary = torch.zeros(b, n, model.dim, dtype=q.dtype)
    boundary[torch.arange(b), heads] = q
    x = boundary
    for rel, lin, norm in zip(model.relation, model.linear, model.norm):
        w = rel(q).view(b, model.num_relations, model.dim)
        x = x + torch.relu(norm(lin(torch.cat([x, aggregate(x, w, boundary)], -1))))
    return model.mlp(torch.cat([x, q[:, None].expand(-1, n, -1)], -1)).squeeze(-1)


def reference_scores(model, heads, rels, src, dst, etype, n, edge_weight=None):
    """NBFNet written message by message: x(v) += x(u) * w_etype(q) for every edge u -> v."""

    def aggregate(x, w, boundary):
        msg = x[:, src] * w[:, etype]
        if edge_weight is not None:
            msg = msg * edge_weight[None, :, None]
        agg = boundary.clone()
        for e in range(len(src)):
            agg[:, dst[e]] += msg[:, e]
        return agg

    return reference_forward(model, heads, rels, n, aggregate)


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


@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_edge_weight_gradient_matches_finite_differences(random_kg, aggregate):
    torch.manual_seed(1)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=4, layers=2, aggregate=aggregate).double()
    w = torch.ones(len(src), dtype=torch.float64, requires_grad=True)
    h, r, t = torch.tensor([2]), torch.tensor([1]), 7
    score = model(h, r, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w))[0, t]
    (grad,) = torch.autograd.grad(score, w)
    assert grad.abs().sum() > 0
    for e in (0, 5, len(src) - 1):
        w2 = torch.ones(len(src), dtype=torch.float64)
        w2[e] += 1e-6
        s2 = model(h, r, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w2))[0, t]
        assert float(s2.detach() - score.detach()) / 1e-6 == pytest.approx(float(grad[e]), abs=1e-4)


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


def reference_pna_scores(model, heads, rels, src, dst, etype, n, edge_weight=None):
    """PNA aggregation written node by node: the messages into v plus v's boundary, reduced in Python."""
    logdeg = torch.tensor([np.log(1 + int((dst == v).sum())) for v in range(n)], dtype=torch.float64)
    amp = logdeg / logdeg.mean()

    def aggregate(x, w, boundary):
        agg = torch.zeros(*x.shape[:2], 12 * model.dim, dtype=x.dtype)
        for v in range(n):
            into = [e for e in range(len(src)) if int(dst[e]) == v]
            ew = [1.0 if edge_weight is None else edge_weight[e] for e in into]
            msgs = [x[:, src[e]] * w[:, etype[e]] * c for e, c in zip(into, ew)] + [boundary[:, v]]
            sqs = [(x[:, src[e]] * w[:, etype[e]]) ** 2 * c for e, c in zip(into, ew)] + [boundary[:, v] ** 2]
            m = torch.stack(msgs)  # [k, B, d]
            mean, sq = m.mean(0), torch.stack(sqs).mean(0)
            std = (sq - mean**2).clamp(min=1e-6).sqrt()
            feats = torch.stack([mean, m.max(0).values, m.min(0).values, std], -1)  # [B, d, 4]
            scales = torch.stack([torch.ones_like(amp[v]), amp[v], 1 / amp[v].clamp(min=1e-2)]).to(x.dtype)
            agg[:, v] = (feats[..., None] * scales).flatten(1)
        return agg

    return reference_forward(model, heads, rels, n, aggregate)


def test_pna_aggregation_equals_node_by_node(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=4, layers=2, aggregate="pna").double()
    assert model.linear[0].in_features == 13 * 4
    heads, rels = torch.tensor([0, 5, 11]), torch.tensor([0, 4, 5])
    w = torch.rand(len(src), dtype=torch.float64)
    got = model(heads, rels, EdgeIndex(src, dst, et, data.num_entities, edge_weight=w))
    want = reference_pna_scores(model, heads, rels, src, dst, et, data.num_entities, edge_weight=w)
    assert torch.allclose(got, want, atol=1e-10)
    # a node without in-edges gets attenuation 1 / 0.01 and its boundary alone as every statistic
    keep = dst != 3
    got = model(heads, rels, EdgeIndex(src[keep], dst[keep], et[keep], data.num_entities))
    want = reference_pna_scores(model, heads, rels, src[keep], dst[keep], et[keep], data.num_entities)
    assert torch.allclose(got, want, atol=1e-10)


def test_remove_one_hop_drops_every_edge_between_the_pair(random_kg):
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=4, layers=1), data)
    batch = torch.as_tensor(data.with_inverse(data.train[:2]))
    own = Scorer(model, data).graph(batch)
    one_hop = Scorer(model, data, remove_one_hop=True).graph(batch)
    pairs = {(int(h), int(t)) for h, _, t in batch.tolist()}
    pairs |= {(t, h) for h, t in pairs}
    src, dst, _ = data.graph_edges()
    between = sum((int(u), int(v)) in pairs for u, v in zip(src, dst))
    assert one_hop.src.numel() == len(src) - between <= own.src.numel()
    assert not any((int(u), int(v)) in pairs for u, v in zip(one_hop.src, one_hop.dst))


def test_config_aggregate_and_remove_one_hop_reach_the_model(random_kg):
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=4, layers=2, aggregate="pna"), data)
    assert model.aggregate == "pna"
    with pytest.raises(Exception, match="aggregate"):
        KGConfig(aggregate="max")
    with pytest.raises(Exception, match="remove_one_hop"):
        KGConfig(remove_one_hop="yes")


@pytest.mark.parametrize("chunk", [1, 1 << 19])
def test_pna_edge_statistics_match_autograd_with_ties(monkeypatch, chunk):
    from graphroute.neural.kg.nbfnet import _PNAEdges

    monkeypatch.setitem(_PNAEdges.CHUNK, "cpu", chunk)  # 1: one edge per chunk
    g = torch.Generator().manual_seed(0)
    n, r, e = 5, 3, 16
    x = torch.randint(-2, 3, (n, 3, 2), generator=g).double().requires_grad_()  # small integers: many ties
    wt = torch.randint(-2, 3, (r, 3, 2), generator=g).double().requires_grad_()
    src, dst, et = (torch.randint(0, k, (e,), generator=g) for k in (n, n, r))
    dst[:4] = torch.arange(4)  # node 4 may have no in-edge: its max / min stay -inf / +inf
    ew = torch.randint(1, 3, (e,), generator=g).double().requires_grad_()
    coef = [torch.randn(n, 3, 2, generator=g, dtype=torch.float64) for _ in range(4)]

    def loss(stats):
        return sum((torch.where(s.isinf(), 0.0, s) * c).sum() for s, c in zip(stats, coef))

    got = _PNAEdges.apply(x, wt, src, dst, et, ew)
    grads = torch.autograd.grad(loss(got), (x, wt, ew))

    a = x[src] * wt[et]  # the reference: every message materialised, autograd's own backward
    m = a * ew[:, None, None]
    index = dst.view(-1, 1, 1).expand_as(m)
    want = (torch.zeros(n, 3, 2, dtype=torch.float64).index_add(0, dst, m),
            torch.zeros(n, 3, 2, dtype=torch.float64).index_add(0, dst, a * a * ew[:, None, None]),
            torch.full((n, 3, 2), -torch.inf, dtype=torch.float64).scatter_reduce(0, index, m, "amax"),
            torch.full((n, 3, 2), torch.inf, dtype=torch.float64).scatter_reduce(0, index, m, "amin"))
    want_grads = torch.autograd.grad(loss(want), (x, wt, ew))
    for s, t in zip(got, want):
        assert torch.equal(s, t)
    for s, t in zip(grads, want_grads):
        assert torch.allclose(s, t)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_cuda_scores_and_gradients_match_cpu(random_kg, aggregate):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=8, layers=3, aggregate=aggregate).double()
    heads, rels = torch.tensor([0, 5, 11]), torch.tensor([0, 4, 5])
    out = {}
    for dev in ("cpu", "cuda"):
        m = model.to(dev)
        w = torch.ones(len(src), dtype=torch.float64, device=dev, requires_grad=True)
        g = EdgeIndex(src.to(dev), dst.to(dev), et.to(dev), data.num_entities, edge_weight=w)
        scores = m(heads.to(dev), rels.to(dev), g)
        (grad,) = torch.autograd.grad(scores.sum(), w)
        out[dev] = (scores.detach().cpu(), grad.cpu())
    assert torch.allclose(out["cpu"][0], out["cuda"][0], atol=1e-8)
    assert torch.allclose(out["cpu"][1], out["cuda"][1], atol=1e-8)


def test_independent_relations_are_shared_by_every_query(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    r2 = 2 * data.num_relations
    model = build_model(KGConfig(data=str(random_kg), dim=4, layers=2, dependent=False), data)
    dep = build_model(KGConfig(data=str(random_kg), dim=4, layers=2), data)
    assert model.relation[0].weight.shape == (r2, 4)
    assert sum(p.numel() for p in model.relation.parameters()) < sum(p.numel() for p in dep.relation.parameters())
    # with the same relation vectors for every query, the dependent form with W = 0 and c = those vectors is the same model
    with torch.no_grad():
        for lin, emb in zip(dep.relation, model.relation):
            lin.weight.zero_()
            lin.bias.copy_(emb.weight.reshape(-1))
        for a, b in ((dep.query, model.query), (dep.linear, model.linear), (dep.norm, model.norm), (dep.mlp, model.mlp)):
            a.load_state_dict(b.state_dict())
    graph = EdgeIndex(src, dst, et, data.num_entities)
    heads, rels = torch.tensor([0, 3]), torch.tensor([1, 2])
    assert torch.allclose(model(heads, rels, graph), dep(heads, rels, graph), atol=1e-6)
    scores = model(heads, rels, graph)
    scores.sum().backward()
    assert model.relation[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_a_float64_model_on_an_unweighted_graph(random_kg, aggregate):
    """A float64 model (the gradient checks use one) on a graph without edge weights: ``A`` is built in
    float32 and sparse.mm refused the mix."""
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    src, dst, et = (torch.as_tensor(a) for a in data.graph_edges())
    model = NBFNet(2 * data.num_relations, dim=4, layers=2, aggregate=aggregate).double()
    heads, rels = torch.tensor([0, 3]), torch.tensor([1, 2])
    got = model(heads, rels, EdgeIndex(src, dst, et, data.num_entities))
    ones = torch.ones(len(src), dtype=torch.float64)
    want = model(heads, rels, EdgeIndex(src, dst, et, data.num_entities, edge_weight=ones))
    assert got.dtype == torch.float64 and torch.allclose(got, want, atol=1e-12)
    if aggregate == "sum":
        assert torch.allclose(got, reference_scores(model, heads, rels, src, dst, et, data.num_entities), atol=1e-10)
