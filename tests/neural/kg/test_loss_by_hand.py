"""KG losses computed by hand (DistMult cross-entropy + N3, NBFNet BCE with self-adversarial negatives) and
DistMult's N3 and dropout: a mutation audit found the formulas unpinned (only "the loss goes down")."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.distmult import DistMult  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, _loss, build_model  # noqa: E402

TOY = KGData("toy", 4, 2, np.array([[0, 0, 1], [1, 1, 0], [2, 1, 3]]), np.array([[0, 0, 3]]),
             np.array([[0, 1, 2]]), list("abcd"), ["r0", "r1"])


def test_n3_is_the_sum_of_cubed_absolute_values_of_head_and_relation():
    m = DistMult(3, 2, dim=2, dropout=0.0)
    with torch.no_grad():
        m.entity.weight[0] = torch.tensor([-2.0, 1.0])
        m.relation.weight[1] = torch.tensor([1.0, -0.5])
    assert m.n3(torch.tensor([0]), torch.tensor([1])).item() == pytest.approx(8 + 1 + 1 + 0.125)


def test_distmult_dropout_acts_in_training_only():
    torch.manual_seed(0)
    m = DistMult(4, 2, dim=16, dropout=0.5)
    h, r = torch.tensor([0, 1]), torch.tensor([0, 1])
    m.train()
    assert not torch.equal(m(h, r), m(h, r))
    m.eval()
    assert torch.equal(m(h, r), m(h, r))


def test_distmult_loss_is_cross_entropy_plus_scaled_n3():
    cfg = KGConfig(data="x", model="distmult", dim=4, dropout=0.0, n3=0.5)
    torch.manual_seed(0)
    m = build_model(cfg, TOY)
    batch = torch.tensor([[0, 0, 1], [1, 1, 0]])
    got = _loss(cfg, Scorer(m, TOY), m, batch, {})
    logits = m(batch[:, 0], batch[:, 1])
    want = F.cross_entropy(logits, batch[:, 2]) + 0.5 * m.n3(batch[:, 0], batch[:, 1]) / 2
    assert got.item() == pytest.approx(want.item(), rel=1e-6)


def test_nbfnet_loss_value_and_gradient_by_hand():
    """BCE of the target + self-adversarial negatives: softmax(logit / T) over the entities that are not
    known training answers, weights without gradient (RotatE / NBFNet)."""
    cfg = KGConfig(data="x", model="nbfnet", adversarial_temperature=0.5)
    logits = torch.tensor([[2.0, -1.0, 0.5, 1.0], [0.3, 1.5, -0.2, 0.0]], requires_grad=True)
    batch = torch.tensor([[0, 0, 1], [1, 1, 0]])
    known = {(0, 0): {1, 3}, (1, 1): {0}}  # entity 3 is another true tail of (0, r0): not a negative
    loss = _loss(cfg, lambda b, **kw: logits, None, batch, known)
    loss.backward()
    x = logits.detach().clone().requires_grad_(True)
    neg = torch.tensor([[True, False, True, False], [False, True, True, True]])
    w = torch.softmax(x.detach().masked_fill(~neg, float("-inf")) / 0.5, -1)
    pos = x[torch.arange(2), batch[:, 2]]
    want = (-F.logsigmoid(pos) + (-(w * F.logsigmoid(-x)) * neg).sum(-1)).mean()
    want.backward()
    assert loss.item() == pytest.approx(want.item(), rel=1e-6)
    torch.testing.assert_close(logits.grad, x.grad)
