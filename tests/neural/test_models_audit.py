"""The attention model against a by-hand re-implementation of its formulas (Kool et al. / POMO / the
edge-aware MatNet-style bias), written from the module docstring with plain tensor ops: node features,
embeddings, the edge bias of each head from the arc pair (d_ij, d_ji), every encoder layer, and one
decoder step (context query, masked multi-head glimpse, single-head compatibilities / sqrt(d), the
distance term of the matrix models, C * tanh clipping). Both decoder paths (score tables and SDPA)
are compared with the reference, not only with each other."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from graphroute.neural.envs import RoutingEnv, sample_batch
from graphroute.neural.models import AttentionModel, InstanceNorm, ModelConfig

PROBLEMS = ["tsp", "cvrp", "atsp", "acvrp"]


def model_for(problem: str) -> AttentionModel:
    torch.manual_seed(11)
    model = AttentionModel(ModelConfig(problem=problem, embed_dim=16, num_layers=2, num_heads=4, ff_dim=24,
                                       tanh_clip=10.0))
    with torch.no_grad():  # weights away from their initial values (affine norms, dist weight)
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
        if model.matrix:
            model.dist_weight.fill_(-0.7)
    return model.eval()


def ref_features(model: AttentionModel, data) -> torch.Tensor:  # noqa: ANN001
    if not model.matrix:
        return data.locs
    m = data.dist
    B, N, _ = m.shape
    row_min = torch.stack([torch.stack([min(float(m[b, i, j]) for j in range(N) if j != i) * torch.ones(())
                                        for i in range(N)]) for b in range(B)])
    col_min = torch.stack([torch.stack([min(float(m[b, j, i]) for j in range(N) if j != i) * torch.ones(())
                                        for i in range(N)]) for b in range(B)])
    row_mean = torch.stack([torch.stack([m[b, i, :].sum() / N for i in range(N)]) for b in range(B)])
    col_mean = torch.stack([torch.stack([m[b, :, i].sum() / N for i in range(N)]) for b in range(B)])
    return torch.stack([row_mean, row_min, col_mean, col_min], dim=-1)


def ref_norm(norm: InstanceNorm, x: torch.Tensor) -> torch.Tensor:
    n = norm.norm
    return F.instance_norm(x.transpose(1, 2), weight=n.weight, bias=n.bias, eps=n.eps).transpose(1, 2)


def ref_encode(model: AttentionModel, data) -> torch.Tensor:  # noqa: ANN001
    d, H = model.config.embed_dim, model.config.num_heads
    dk = d // H
    f = ref_features(model, data)
    if model.cvrp:
        depot = f[:, :1] @ model.embed_depot.weight.T + model.embed_depot.bias
        cust_in = torch.cat([f[:, 1:], data.demand[:, 1:, None]], dim=-1)
        h = torch.cat([depot, cust_in @ model.embed.weight.T + model.embed.bias], dim=1)
    else:
        h = f @ model.embed.weight.T + model.embed.bias
    B, N, _ = h.shape
    bias = torch.zeros(B, H, N, N)
    if model.matrix:
        m = data.dist
        for i in range(N):
            for j in range(N):
                pair = torch.stack([m[:, i, j], m[:, j, i]], dim=-1)  # [B, 2]: arc i->j and its reverse
                bias[:, :, i, j] = model.edge_bias(pair)
    for layer in model.layers:
        qkv = h @ layer.qkv.weight.T
        q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        heads = []
        for a in range(H):
            sl = slice(a * dk, (a + 1) * dk)
            s = q[..., sl] @ k[..., sl].transpose(1, 2) / math.sqrt(dk) + bias[:, a]
            heads.append(torch.softmax(s, -1) @ v[..., sl])
        att = torch.cat(heads, -1) @ layer.out.weight.T + layer.out.bias
        h = ref_norm(layer.norm1, h + att)
        ff = torch.relu(h @ layer.ff[0].weight.T + layer.ff[0].bias) @ layer.ff[2].weight.T + layer.ff[2].bias
        h = ref_norm(layer.norm2, h + ff)
    return h


def ref_logits(model: AttentionModel, h: torch.Tensor, data, env: RoutingEnv) -> torch.Tensor:  # noqa: ANN001
    d, H, C = model.config.embed_dim, model.config.num_heads, model.config.tanh_clip
    dk = d // H
    B, N, _ = h.shape
    take = lambda idx: torch.stack([h[b, idx[b]] for b in range(B)])  # noqa: E731  [B, P, d]
    if model.cvrp:
        ctx = torch.cat([take(env.current), env.load[..., None]], dim=-1)
    else:
        ctx = torch.cat([take(env.first), take(env.current)], dim=-1)
    q = ctx @ model.query.weight.T  # [B, P, d]
    kv = h @ model.glimpse_kv.weight.T
    K, V = kv[..., :d], kv[..., d:]
    allowed = env.mask  # [B, P, N]
    heads = []
    for a in range(H):
        sl = slice(a * dk, (a + 1) * dk)
        s = q[..., sl] @ K[..., sl].transpose(1, 2) / math.sqrt(dk)
        s = s.masked_fill(~allowed, float("-inf"))
        heads.append(torch.softmax(s, -1) @ V[..., sl])
    g = torch.cat(heads, -1) @ model.glimpse_out.weight.T + model.glimpse_out.bias
    lk = h @ model.logit_k.weight.T
    compat = g @ lk.transpose(1, 2) / math.sqrt(d)
    if model.matrix:
        rows = torch.stack([data.dist[b, env.current[b]] for b in range(B)])  # d(current -> j)
        compat = compat + model.dist_weight * rows
    out = C * torch.tanh(compat)
    return out.masked_fill(~allowed, float("-inf"))


def state(problem: str):  # noqa: ANN201
    data = sample_batch(problem, 3, 7, generator=torch.Generator().manual_seed(5))
    env = RoutingEnv(data, 5)
    env.reset()
    for _ in range(2):  # current != first, some nodes visited, CVRP load below 1
        env.step(env.mask.float().argmax(-1))
    return data, env


@pytest.mark.parametrize("problem", PROBLEMS)
def test_encoder_matches_the_by_hand_formulas(problem):
    model = model_for(problem)
    data, _ = state(problem)
    with torch.no_grad():
        assert torch.allclose(model._node_features(data), ref_features(model, data), atol=1e-6)
        assert torch.allclose(model.encode(data), ref_encode(model, data), atol=1e-4)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("tables", [True, False])
def test_decoder_step_matches_the_by_hand_formulas(problem, tables):
    model = model_for(problem)
    data, env = state(problem)
    with torch.no_grad():
        h = model.encode(data)
        got = model.decode_step(model.precompute(h, data, tables=tables), env)
        want = ref_logits(model, h, data, env)
    assert torch.equal(torch.isinf(got), torch.isinf(want)) and torch.equal(torch.isinf(got), ~env.mask)
    fin = torch.isfinite(want)
    assert torch.allclose(got[fin], want[fin], atol=1e-4)


def test_instance_norm_of_a_constant_feature_is_its_bias():
    """A feature equal over the nodes (variance 0) gives the norm's bias, as torch's instance norm,
    not 0/0 (eps in the variance)."""
    torch.manual_seed(0)
    norm = InstanceNorm(4)
    with torch.no_grad():
        norm.norm.bias.copy_(torch.tensor([0.5, -1.0, 2.0, 0.0]))
    x = torch.randn(2, 6, 4)
    x[..., 1] = 3.0
    out = norm(x)
    assert torch.isfinite(out).all()
    assert torch.allclose(out, ref_norm(norm, x), atol=1e-4)
    assert torch.allclose(out[..., 1], torch.full((2, 6), -1.0), atol=1e-4)


def test_a_model_config_with_heads_not_dividing_the_width_is_refused():
    from graphroute.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=r"embed_dim \(10\) must be divisible by num_heads \(4\)"):
        ModelConfig(embed_dim=10, num_heads=4)
