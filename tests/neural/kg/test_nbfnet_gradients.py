"""Audit C: NBFNet's parameter gradients against a plain per-edge PyTorch reimplementation, and
gradcheck of the PNA edge statistics' hand-written backward."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.nbfnet import EdgeIndex, NBFNet, _PNAEdges  # noqa: E402

N, R2 = 7, 4


def graph():
    g = torch.Generator().manual_seed(3)
    src = torch.randint(0, N, (30,), generator=g)
    dst = torch.randint(0, N, (30,), generator=g)
    et = torch.randint(0, R2, (30,), generator=g)
    keep = dst != 6  # node 6 has no in-edge
    return src[keep], dst[keep], et[keep]


def reference(model, heads, rels, src, dst, et, ew, pna):
    """NBFNet written out edge by edge with autograd's own ops only."""
    q = model.query(rels)
    b, d = len(heads), model.dim
    boundary = torch.zeros(b, N, d, dtype=q.dtype)
    boundary[torch.arange(b), heads] = q
    x = boundary
    deg = torch.stack([(dst == v).sum() for v in range(N)]).double() + 1
    amp = deg.log() / deg.log().mean()
    for rel, lin, norm in zip(model.relation, model.linear, model.norm):
        w = rel(q).view(b, R2, d)
        msg = x[:, src] * w[:, et] * ew[None, :, None]
        if not pna:
            agg = boundary.clone()
            for e in range(len(src)):
                agg[:, dst[e]] = agg[:, dst[e]] + msg[:, e]
        else:
            sq = (x[:, src] * w[:, et]) ** 2 * ew[None, :, None]
            cols = []
            for v in range(N):
                into = (dst == v).nonzero().flatten()
                m = torch.cat([msg[:, into], boundary[:, v:v + 1]], 1)
                s2 = torch.cat([sq[:, into], boundary[:, v:v + 1] ** 2], 1)
                mean = m.mean(1)
                std = (s2.mean(1) - mean ** 2).clamp(min=1e-6).sqrt()
                f = torch.stack([mean, m.max(1).values, m.min(1).values, std], -1)
                sc = torch.stack([torch.ones_like(amp[v]), amp[v], 1 / amp[v].clamp(min=1e-2)])
                cols.append((f[..., None] * sc).flatten(1))
            agg = torch.stack(cols, 1)
        x = x + torch.relu(norm(lin(torch.cat([x, agg], -1))))
    return model.mlp(torch.cat([x, q[:, None].expand(-1, N, -1)], -1)).squeeze(-1)


@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_every_parameter_and_edge_weight_gradient_matches_the_reference(aggregate):
    torch.manual_seed(0)
    src, dst, et = graph()
    model = NBFNet(R2, dim=4, layers=3, aggregate=aggregate).double()
    heads, rels = torch.tensor([0, 2, 5]), torch.tensor([1, 3, 0])
    ew = (torch.rand(len(src), dtype=torch.float64) + 0.5).requires_grad_()
    coef = torch.randn(3, N, dtype=torch.float64)
    params = [ew, *model.parameters()]
    got = (model(heads, rels, EdgeIndex(src, dst, et, N, edge_weight=ew)) * coef).sum()
    g_got = torch.autograd.grad(got, params, allow_unused=True)
    want = (reference(model, heads, rels, src, dst, et, ew, aggregate == "pna") * coef).sum()
    g_want = torch.autograd.grad(want, params, allow_unused=True)
    assert float(got.detach()) == pytest.approx(float(want.detach()), abs=1e-10)
    names = ["edge_weight"] + [n for n, _ in model.named_parameters()]
    for name, a, b in zip(names, g_got, g_want):
        assert (a is None) == (b is None), name
        if a is not None:
            assert torch.allclose(a, b, atol=1e-9), name
    assert g_got[1].abs().sum() > 0  # the query embedding gets gradient (boundary, relations, scorer)


@pytest.mark.parametrize("weighted", [False, True])
def test_pna_edge_statistics_pass_gradcheck(weighted):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5, 2, 3, generator=g, dtype=torch.float64, requires_grad=True)  # continuous: no ties
    wt = torch.randn(3, 2, 3, generator=g, dtype=torch.float64, requires_grad=True)
    src, dst, et = torch.tensor([0, 1, 2, 3, 4, 0, 2]), torch.tensor([1, 1, 2, 0, 0, 3, 1]), torch.tensor([0, 1, 2, 0, 1, 2, 1])
    ew = (torch.rand(7, generator=g, dtype=torch.float64) + 0.5).requires_grad_() if weighted else None

    def f(x, wt, *rest):
        tot, sq, hi, lo = _PNAEdges.apply(x, wt, src, dst, et, rest[0] if rest else None)
        fin = torch.isfinite(hi)
        return tot, sq, torch.where(fin, hi, 0.0), torch.where(fin, lo, 0.0)

    assert torch.autograd.gradcheck(f, (x, wt, *([ew] if weighted else [])))
