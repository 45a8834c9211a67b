"""Audit C (mutation audit): DistMult's score formula, initialisation and defaults (the existing tests
pinned N3 and dropout, but never a score)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.distmult import DistMult  # noqa: E402


def test_scores_are_the_trilinear_product_against_every_entity():
    """score(h, r, t) = sum_i e_h[i] w_r[i] e_t[i], for every entity t, one row per query."""
    m = DistMult(4, 3, dim=2, dropout=0.0).eval()
    with torch.no_grad():
        m.entity.weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0], [0.0, 1.0]]))
        m.relation.weight.copy_(torch.tensor([[2.0, 1.0], [0.5, -1.0], [1.0, 3.0]]))
    got = m(torch.tensor([0, 2, 1]), torch.tensor([1, 0, 2]))
    # query (0, r1): e_0 * w_1 = [0.5, -2]; query (2, r0): [6, -2]; query (1, r2): [-1, 1.5]
    want = torch.tensor([[0.5 - 4.0, -0.5 - 1.0, 1.5 + 4.0, -2.0],
                         [6.0 - 4.0, -6.0 - 1.0, 18.0 + 4.0, -2.0],
                         [-1.0 + 3.0, 1.0 + 0.75, -3.0 - 3.0, 1.5]])
    assert got.shape == (3, 4)
    assert torch.allclose(got, want)


def test_scores_equal_an_einsum_reference_on_random_weights():
    torch.manual_seed(0)
    m = DistMult(7, 4, dim=5, dropout=0.3).eval()
    heads, rels = torch.tensor([0, 3, 6, 3]), torch.tensor([0, 1, 3, 2])
    e, w = m.entity.weight, m.relation.weight
    want = torch.einsum("bd,bd,nd->bn", e[heads], w[rels], e)
    assert torch.allclose(m(heads, rels), want, atol=1e-6)


def test_embeddings_start_xavier_uniform():
    """Both tables start uniform in +-sqrt(6 / (rows + dim)) (Xavier/Glorot), filling that range."""
    torch.manual_seed(0)
    m = DistMult(60, 40, dim=50)
    for table in (m.entity.weight.detach(), m.relation.weight.detach()):
        bound = math.sqrt(6.0 / (table.shape[0] + table.shape[1]))
        assert table.abs().max() <= bound
        assert table.abs().max() > 0.95 * bound
        assert abs(float(table.mean())) < 0.1 * bound


def test_default_size_and_dropout():
    """DistMult(n, r) has 200-dimensional embeddings and dropout 0.2."""
    m = DistMult(5, 4)
    assert m.entity.weight.shape == (5, 200) and m.relation.weight.shape == (4, 200)
    assert isinstance(m.drop, torch.nn.Dropout) and m.drop.p == pytest.approx(0.2)


def test_training_dropout_zeroes_query_features_and_rescales_the_rest():
    """In training mode dropout acts on e_h * w_r: each score is a sum over the kept features, scaled by 1 / (1 - p)."""
    m = DistMult(2, 1, dim=1000, dropout=0.5).train()
    with torch.no_grad():
        m.entity.weight.fill_(1.0)
        m.relation.weight.fill_(1.0)
    torch.manual_seed(0)
    scores = m(torch.tensor([0]), torch.tensor([0]))  # every feature is 1 or 0: score = 2 * kept
    kept = float(scores[0, 0].detach()) / 2.0
    assert kept == int(kept) and 400 < kept < 600
    assert torch.equal(scores[0, 0], scores[0, 1])  # one query vector, dotted with every entity
