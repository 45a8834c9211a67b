"""graphroute.neural.runs: the weights check and the checked optimizer step of the KG and router
trainers, against by-hand expectations."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from graphroute.exceptions import TrainingDivergedError
from graphroute.neural.runs import checked_step, finite_weights


def test_finite_weights_sees_one_bad_element_in_any_parameter():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert finite_weights(model)
    params = list(model.parameters())
    for k in (0, len(params) - 1):  # the first and the last parameter
        for bad in (float("nan"), float("inf"), float("-inf")):
            saved = params[k].detach().clone()
            with torch.no_grad():
                params[k].view(-1)[1] = bad
            assert not finite_weights(model), (k, bad)
            with torch.no_grad():
                params[k].copy_(saved)
    assert finite_weights(model) and finite_weights(nn.ReLU())  # no parameters: nothing to check


def _linear():
    torch.manual_seed(1)
    model = nn.Linear(3, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def test_checked_step_applies_each_loss_alone():
    """Two steps: the second applies the gradient of its own loss only (no accumulation)."""
    model, opt = _linear()
    x1, x2 = torch.randn(5, 3), torch.randn(5, 3)
    loss1 = model(x1).pow(2).mean()
    assert checked_step(loss1, opt, model, "step 1", 0.1, None) == pytest.approx(float(loss1.detach()))
    before = [p.detach().clone() for p in model.parameters()]
    loss2 = model(x2).pow(2).mean()
    want = torch.autograd.grad(loss2, list(model.parameters()), retain_graph=True)
    value = checked_step(loss2, opt, model, "step 2", 0.1, None)
    assert value == pytest.approx(float(loss2.detach()))
    for p, b, g in zip(model.parameters(), before, want):
        assert torch.allclose(p.grad, g, atol=1e-7)
        assert torch.allclose(p.detach(), b - 0.1 * g, atol=1e-7)


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_checked_step_refuses_a_non_finite_loss_before_stepping(bad):
    model, opt = _linear()
    before = [p.detach().clone() for p in model.parameters()]
    loss = model(torch.randn(4, 3)).sum() * 0 + bad
    with pytest.raises(TrainingDivergedError, match=f"the loss is {bad} at step 3"):
        checked_step(loss, opt, model, "step 3", 0.1, "x/last.pt (step 2)")
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_checked_step_refuses_weights_that_overflow():
    """A finite loss whose update overflows float32: the weights check after the step raises."""
    w = nn.Parameter(torch.ones(1))
    model = nn.Module()
    model.w = w
    opt = torch.optim.SGD([w], lr=1e10)
    with pytest.raises(TrainingDivergedError, match="the weights became NaN or infinite at step 1"):
        checked_step(w.sum() * 1e30, opt, model, "step 1", 1e10, None)  # grad 1e30 x lr 1e10


def test_a_checkpoint_is_not_exported_onto_itself(tmp_path):
    """export_checkpoint(last.pt, last.pt) turned a resumable checkpoint into a weights-only one."""
    import pytest

    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.kg.train import export_checkpoint as export_kg
    from graphroute.neural.router.train import export_checkpoint as export_router
    from graphroute.neural.train import export_checkpoint

    ck = tmp_path / "last.pt"
    ck.write_bytes(b"a run's checkpoint")
    for export in (export_checkpoint, export_kg, export_router):
        for dst in (ck, tmp_path / "." / "last.pt"):
            with pytest.raises(InvalidArgumentError, match="that is the checkpoint itself"):
                export(ck, dst)
    assert ck.read_bytes() == b"a run's checkpoint"
