"""The attention encoder-decoder for routing (Kool et al., 2019) in its POMO form (Kwon et al., 2020).

Encoder: a linear embedding of each node (coordinates; plus the normalised demand for CVRP, with a
separate embedding for the depot), then ``num_layers`` blocks of multi-head self-attention and a
feed-forward net, each with a residual connection and instance normalisation (as POMO).

For matrix problems (ATSP / ACVRP) the encoder is edge-aware, in the spirit of MatNet's mixed-score
attention (Kwon et al., 2021) kept compact: each head adds a learned function of the arc pair
``(d_ij, d_ji)`` to its attention scores (an additive bias passed to ``scaled_dot_product_attention``),
and node features are row / column statistics of the matrix. The decoder then also sees the distance
from the current node to each candidate.

Decoder (one step for all ``[B, P]`` constructions at once): the query is a projection of the context
(first and current node for TSP; current node and remaining load for CVRP), a multi-head glimpse over
the node embeddings (masked), then single-head compatibilities clipped with ``C * tanh``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.envs import PROBLEMS, RoutingEnv, VRPData


#: Largest ``B * H * N * N`` for which the decoder precomputes its score tables (4 bytes each, three
#: tables); beyond it (large instances, big inference batches) each step uses SDPA instead.
TABLE_MAX_ELEMENTS = 1 << 25

#: Up to this many nodes the CPU encoder computes attention with two batched matmuls (the score
#: tensor ``[B * H, N, N]`` is small); beyond it, and on CUDA, ``scaled_dot_product_attention``.
BMM_ATTENTION_MAX_NODES = 128


@dataclass(frozen=True)
class ModelConfig:
    problem: str = "tsp"
    embed_dim: int = 128
    num_layers: int = 6
    num_heads: int = 8
    ff_dim: int = 512
    tanh_clip: float = 10.0

    def __post_init__(self) -> None:
        if self.problem not in PROBLEMS:
            raise InvalidArgumentError(f"unknown problem {self.problem!r}; available: {', '.join(PROBLEMS)}")
        if self.embed_dim % self.num_heads:
            raise InvalidArgumentError(f"embed_dim ({self.embed_dim}) must be divisible by num_heads ({self.num_heads})")


class InstanceNorm(nn.Module):
    """Normalise each feature over the nodes of one instance (POMO's choice). ``x: [B, N, d]``."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm1d(d, affine=True, track_running_stats=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Two-pass mean / variance over dim 1, then one fused multiply-add. Same values as
        # ``self.norm(x.transpose(1, 2)).transpose(1, 2)`` (tested) but about 4x faster forward and
        # 1.3x with its backward on a CPU, where batch_norm runs on the transposed (strided) layout.
        xc = x - x.mean(1, keepdim=True)
        var = (xc * xc).mean(1, keepdim=True)
        return torch.addcmul(self.norm.bias, xc, self.norm.weight * torch.rsqrt(var + self.norm.eps))


class EncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d)
        self.norm1 = InstanceNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d))
        self.norm2 = InstanceNorm(d)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """``x: [B, N, d]``; ``bias: [B, H, N, N]`` added to the attention scores (edge-aware) or None."""
        if x.is_cuda or torch.is_autocast_enabled(x.device.type):
            return self._forward_sdpa(x, bias)
        B, N, d = x.shape
        H = self.heads
        x2 = x.reshape(B * N, d)
        qkv = F.linear(x2, self.qkv.weight).view(B, N, 3, H, d // H)
        if N > BMM_ATTENTION_MAX_NODES:
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            h = F.scaled_dot_product_attention(q, k, v, attn_mask=None if bias is None else bias.to(q.dtype))
            h = h.transpose(1, 2).reshape(B * N, d)
        else:
            h = _bmm_attention(qkv, bias).view(B * N, d)
        # CPU: 2-D products updated in place. Autograd keeps what it needs (addmm saves its inputs,
        # ReLU its output) and none of them is a view (an in-place op on a view makes the backward
        # copy the whole base). Fewer fresh tensors: about 1.3x faster than _forward_sdpa here.
        y = torch.addmm(self.out.bias, h, self.out.weight.t()).add_(x2)
        x2 = self.norm1(y.view(B, N, d)).view(B * N, d)
        f = torch.addmm(self.ff[0].bias, x2, self.ff[0].weight.t()).relu_()
        y = torch.addmm(self.ff[2].bias, f, self.ff[2].weight.t()).add_(x2)
        return self.norm2(y.view(B, N, d))

    def _forward_sdpa(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """The same layer out of place with ``scaled_dot_product_attention``: CUDA (fused attention
        kernels; under bf16 autocast the residual sums stay fp32) and the reference in tests."""
        B, N, d = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=None if bias is None else bias.to(q.dtype))
        x = self.norm1(x + self.out(h.transpose(1, 2).reshape(B, N, d)))
        return self.norm2(x + self.ff(x))


def _bmm_attention(qkv: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """Multi-head attention of ``qkv: [B, N, 3, H, dk]`` -> ``[B, N, H * dk]``, optional additive
    ``bias: [B, H, N, N]``. For the short sequences of routing instances on a CPU this is about 1.5x
    faster with its backward than ``scaled_dot_product_attention``'s flash kernel (same values, tested)."""
    B, N, _, H, dk = qkv.shape
    q, k, v = qkv.permute(2, 0, 3, 1, 4).reshape(3, B * H, N, dk)
    base = q.new_zeros(()).expand(B * H, N, N) if bias is None else bias.to(q.dtype).reshape(B * H, N, N)
    s = torch.baddbmm(base, q, k.transpose(1, 2), beta=0.0 if bias is None else 1.0, alpha=1.0 / math.sqrt(dk))
    h = torch.bmm(s.softmax(-1), v)  # [B * H, N, dk]
    return h.view(B, H, N, dk).transpose(1, 2).reshape(B, N, H * dk)


class AttentionModel(nn.Module):
    """POMO attention model. ``AttentionModel(ModelConfig(problem="cvrp"))``; see the module docstring."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        d, H = config.embed_dim, config.num_heads
        self.cvrp = config.problem in ("cvrp", "acvrp")
        self.matrix = config.problem in ("atsp", "acvrp")
        node_in = 4 if self.matrix else 2
        if self.cvrp:
            self.embed_depot = nn.Linear(node_in, d)
            self.embed = nn.Linear(node_in + 1, d)
        else:
            self.embed = nn.Linear(node_in, d)
        if self.matrix:
            self.edge_bias = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, H))
            self.dist_weight = nn.Parameter(torch.tensor(-1.0))
        self.layers = nn.ModuleList(EncoderLayer(d, H, config.ff_dim) for _ in range(config.num_layers))
        self.glimpse_kv = nn.Linear(d, 2 * d, bias=False)
        self.logit_k = nn.Linear(d, d, bias=False)
        ctx = d + 1 if self.cvrp else 2 * d
        self.query = nn.Linear(ctx, d, bias=False)
        self.glimpse_out = nn.Linear(d, d)

    # ------------------------------------------------------------------ encoder
    def _node_features(self, data: VRPData) -> torch.Tensor:
        if not self.matrix:
            return data.locs  # type: ignore[return-value]
        m = data.dist
        return torch.stack([m.mean(2), _offdiag_min(m, 2), m.mean(1), _offdiag_min(m, 1)], dim=-1)  # type: ignore[union-attr]

    def encode(self, data: VRPData) -> torch.Tensor:
        """Node embeddings ``[B, N, d]``."""
        f = self._node_features(data)
        if self.cvrp:
            depot = self.embed_depot(f[:, :1])
            cust = self.embed(torch.cat([f[:, 1:], data.demand[:, 1:, None]], dim=-1))  # type: ignore[index]
            h = torch.cat([depot, cust], dim=1)
        else:
            h = self.embed(f)
        bias = None
        if self.matrix:
            m = data.dist
            bias = self.edge_bias(torch.stack([m, m.transpose(1, 2)], dim=-1)).permute(0, 3, 1, 2)  # type: ignore[union-attr]
        for layer in self.layers:
            h = layer(h, bias)
        return h

    # ------------------------------------------------------------------ decoder
    def precompute(self, h: torch.Tensor, data: VRPData, tables: bool | None = None) -> dict:
        """Per-instance tensors reused at every decoding step.

        Exact refactorings keep per-step work small: the context projection is split by context part
        (``[first, cur] W^T = first W_1^T + cur W_2^T``, so each node's share is computed once), and the
        glimpse output projection is folded into the logit keys (``(g W_o^T + b_o) K^T = g (K W_o)^T +
        K b_o``). Since the query is a sum of per-node terms, the glimpse scores are too: with
        ``tables`` (default: when the ``[B, N, H, N]`` tables hold at most :data:`TABLE_MAX_ELEMENTS`
        entries) the scores of every (context node, head, key) and the products ``V_h K_h'^T`` are
        computed once, and a step is a gather, a softmax and one batched matmul. Otherwise each step
        runs ``scaled_dot_product_attention``. Both give the same logits.
        """
        B, N, d = h.shape
        H = self.config.num_heads
        k, v = self.glimpse_kv(h).view(B, N, 2, H, d // H).permute(2, 0, 3, 1, 4)
        lk = self.logit_k(h)
        w = self.query.weight
        cache = {
            "k": k, "v": v,
            "logit_k": F.linear(lk, self.glimpse_out.weight.t()) / math.sqrt(d),  # [B, N, d]
            "logit_b": (lk @ self.glimpse_out.bias.to(lk.dtype)) / math.sqrt(d),  # [B, N]
            "dist": data.dist if self.matrix else None,
        }
        if self.cvrp:
            cache["q_cur"], cache["q_load"] = F.linear(h, w[:, :d]), w[:, d]
        else:
            cache["q_first"], cache["q_cur"] = F.linear(h, w[:, :d]), F.linear(h, w[:, d:])
        if tables is None:
            tables = B * H * N * N <= TABLE_MAX_ELEMENTS
        if tables:
            dk = d // H

            def scores(qn: torch.Tensor) -> torch.Tensor:  # [B, N, d] -> [B, N (context), H, N (key)]
                s = qn.view(B, N, H, dk).transpose(1, 2) @ k.transpose(-1, -2) / math.sqrt(dk)
                # contiguous, so that a step's row lookup (_rows) selects P rows instead of copying the
                # whole table at every step (X-n502-k39, one 4-start pass on one thread: 1.66 s -> 0.89 s)
                return s.transpose(1, 2).contiguous()

            cache["s_cur"] = scores(cache["q_cur"])
            if self.cvrp:
                qload = cache["q_load"].to(k.dtype).view(1, H, 1, dk)
                cache["s_load"] = ((k * qload).sum(-1) / math.sqrt(dk))[:, None]  # [B, 1, H, N]
            else:
                cache["s_first"] = scores(cache["q_first"])
            lkh = cache["logit_k"].to(v.dtype).view(B, N, H, dk).transpose(1, 2)  # [B, H, N, dk]
            cache["m"] = (v @ lkh.transpose(-1, -2)).reshape(B, H * N, N)  # [B, H * N (key), N (candidate)]
        return cache

    def decode_step(self, cache: dict, env: RoutingEnv) -> torch.Tensor:
        """Masked logits ``[B, P, N]`` (``-inf`` where not allowed) for the next action."""
        if "m" in cache:
            return self._decode_step_tables(cache, env)
        qc = cache["q_cur"]
        B, N, d = qc.shape
        P, H = env.P, self.config.num_heads
        q = qc.gather(1, env.current[..., None].expand(-1, -1, d))
        if self.cvrp:
            q = q + env.load[..., None].to(q.dtype) * cache["q_load"].to(q.dtype)
        else:
            if "q_first_g" not in cache or cache["q_first_g"].shape[1] != P:  # the first node never changes
                cache["q_first_g"] = cache["q_first"].gather(1, env.first[..., None].expand(-1, -1, d))
            q = q + cache["q_first_g"]
        q = q.view(B, P, H, d // H).transpose(1, 2)  # [B, H, P, dk]
        bias = env.bias  # [B, P, N], -inf where not allowed
        g = F.scaled_dot_product_attention(q, cache["k"], cache["v"], attn_mask=bias[:, None].to(q.dtype))
        g = g.transpose(1, 2).reshape(B, P, d)
        compat = torch.baddbmm(cache["logit_b"][:, None, :].to(g.dtype), g, cache["logit_k"].to(g.dtype).transpose(1, 2))
        return self._finish(compat, cache, env, bias)

    def _decode_step_tables(self, cache: dict, env: RoutingEnv) -> torch.Tensor:
        sc = cache["s_cur"]
        B, N, H, _ = sc.shape
        P = env.P
        # rows of the [B * N, H * N] table: one contiguous copy per (instance, start), several times
        # faster on a CPU than an element-wise gather; the sums below run in place on that fresh copy
        s = _rows(sc, env.current)  # [B, P, H, N]
        if self.cvrp:
            s = s.addcmul_(env.load[..., None, None].to(s.dtype), cache["s_load"])
        else:
            if "s_first_g" not in cache or cache["s_first_g"].shape[1] != P:  # the first node never changes
                cache["s_first_g"] = _rows(cache["s_first"], env.first)
            s = s.add_(cache["s_first_g"])
        bias = env.bias
        attn = s.float().add_(bias[:, :, None, :]).softmax(-1).to(cache["m"].dtype)
        compat = torch.baddbmm(cache["logit_b"][:, None, :].to(attn.dtype), attn.view(B, P, H * N), cache["m"])
        return self._finish(compat, cache, env, bias)

    def _finish(self, compat: torch.Tensor, cache: dict, env: RoutingEnv, bias: torch.Tensor) -> torch.Tensor:
        if self.matrix:
            N = compat.shape[-1]
            row = cache["dist"].gather(1, env.current[..., None].expand(-1, -1, N))
            compat = compat + self.dist_weight * row.to(compat.dtype)
        return self.config.tanh_clip * torch.tanh(compat.float()) + bias


def _rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``table: [B, N, ...]``, ``index: [B, P]`` -> ``table[b, index[b, p]]`` as ``[B, P, ...]``."""
    B, N = table.shape[:2]
    offset = torch.arange(0, B * N, N, device=table.device)[:, None]
    flat = table.reshape(B * N, -1).index_select(0, (index + offset).reshape(-1))
    return flat.view(*index.shape, *table.shape[2:])


def _offdiag_min(m: torch.Tensor, dim: int) -> torch.Tensor:
    eye = torch.eye(m.shape[-1], dtype=torch.bool, device=m.device)
    return m.masked_fill(eye, float("inf")).min(dim).values


def model_from_dict(d: dict) -> AttentionModel:
    return AttentionModel(ModelConfig(**d))


def model_config_dict(model: AttentionModel) -> dict:
    return asdict(model.config)
