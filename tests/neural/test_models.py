"""The encoder's CPU fast paths against the torch reference computations they replace."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import graphroute.neural.models as models
from graphroute.neural.models import EncoderLayer, InstanceNorm, _rows


def test_instance_norm_matches_torch_and_its_gradients():
    torch.manual_seed(0)
    norm = InstanceNorm(16)
    with torch.no_grad():
        norm.norm.weight.uniform_(0.5, 2.0)
        norm.norm.bias.normal_()
    x = (torch.randn(5, 7, 16) * 3 + 2).requires_grad_()
    ref = norm.norm(x.transpose(1, 2)).transpose(1, 2)  # nn.InstanceNorm1d on [B, d, N]
    out = norm(x)
    assert torch.allclose(out, ref, atol=1e-5)
    gy = torch.randn_like(out)
    g_ref = torch.autograd.grad(ref, [x, norm.norm.weight, norm.norm.bias], gy)
    g_out = torch.autograd.grad(out, [x, norm.norm.weight, norm.norm.bias], gy)
    for a, b in zip(g_out, g_ref):
        assert torch.allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("with_bias", [False, True])
def test_bmm_attention_layer_matches_sdpa(monkeypatch, with_bias):
    torch.manual_seed(1)
    layer = EncoderLayer(32, 4, 64)
    x = torch.randn(3, 9, 32, requires_grad=True)
    bias = torch.randn(3, 4, 9, 9) if with_bias else None
    out = layer(x, bias)  # CPU, 9 nodes: 2-D in-place products, bmm attention
    ref = layer._forward_sdpa(x, bias)  # out of place, scaled_dot_product_attention
    monkeypatch.setattr(models, "BMM_ATTENTION_MAX_NODES", 0)
    mid = layer(x, bias)  # CPU with scaled_dot_product_attention (long sequences)
    gy = torch.randn_like(out)
    (g_ref,) = torch.autograd.grad(ref, x, gy)
    for y in (out, mid):
        assert torch.allclose(y, ref, atol=1e-5)
        (g,) = torch.autograd.grad(y, x, gy)
        assert torch.allclose(g, g_ref, atol=1e-4)
    params = list(layer.parameters())  # every weight gets the reference gradient
    for a, b in zip(torch.autograd.grad(layer(x, bias), params, gy), torch.autograd.grad(layer._forward_sdpa(x, bias), params, gy)):
        assert torch.allclose(a, b, atol=1e-4)


def test_bmm_attention_matches_manual_softmax_attention():
    torch.manual_seed(2)
    B, N, H, dk = 2, 5, 3, 4
    qkv = torch.randn(B, N, 3, H, dk)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    ref = F.softmax(q @ k.transpose(-1, -2) / dk**0.5, -1) @ v  # [B, H, N, dk]
    out = models._bmm_attention(qkv, None)
    assert torch.allclose(out, ref.transpose(1, 2).reshape(B, N, H * dk), atol=1e-6)


def test_rows_is_a_per_instance_gather():
    torch.manual_seed(3)
    table = torch.randn(4, 6, 2, 3)
    index = torch.randint(0, 6, (4, 5))
    ref = table.gather(1, index[..., None, None].expand(-1, -1, 2, 3))
    assert torch.equal(_rows(table, index), ref)
