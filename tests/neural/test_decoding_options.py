"""POMO decoding options and instance scaling a mutation audit (2026-12-02) found unpinned: CVRP starts
at customers 1..n, ``num_starts`` clamped to n, ``start_offset``, the log-probability summed over every
step, eight distinct dihedral images, one common scale for both axes."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.decoding import dihedral8, rollout  # noqa: E402
from graphroute.neural.envs import RoutingEnv, from_instances, sample_batch  # noqa: E402
from graphroute.neural.models import AttentionModel, ModelConfig  # noqa: E402
from graphroute.problems.instance import Instance  # noqa: E402


def tiny(problem: str) -> AttentionModel:
    torch.manual_seed(0)
    return AttentionModel(ModelConfig(problem=problem, embed_dim=16, num_layers=1, num_heads=2, ff_dim=32)).eval()


def batch(problem: str, b: int, n: int):
    return sample_batch(problem, b, n, generator=torch.Generator().manual_seed(0))


def test_cvrp_starts_are_the_customers_not_the_depot():
    cv = batch("cvrp", 1, 5)
    assert RoutingEnv(cv, 5).default_starts().tolist() == [[1, 2, 3, 4, 5]]
    with torch.no_grad():
        assert rollout(tiny("cvrp"), cv).actions[0, :, 0].tolist() == [1, 2, 3, 4, 5]


@torch.no_grad()
def test_num_starts_above_n_is_clamped_and_start_offset_shifts_the_starts():
    assert tuple(rollout(tiny("tsp"), batch("tsp", 2, 5), num_starts=8).actions.shape) == (2, 5, 5)
    assert rollout(tiny("tsp"), batch("tsp", 1, 6), num_starts=3, start_offset=3).actions[0, :, 0].tolist() == [3, 4, 5]


@torch.no_grad()
def test_logp_sums_every_step():
    """With all weights 0 every choice is uniform: after the fixed start, 4 x 3 x 2 x 1 = 24 equally likely tours."""
    model = tiny("tsp")
    for p in model.parameters():
        p.zero_()
    r = rollout(model, batch("tsp", 2, 5), num_starts=1, with_logp=True)
    assert r.logp[:, 0].tolist() == pytest.approx([-math.log(24)] * 2, abs=1e-4)


def test_dihedral8_gives_eight_distinct_images():
    images = dihedral8(torch.tensor([[[0.1, 0.3]]]))
    assert len({tuple(round(x, 4) for x in img[0].tolist()) for img in images}) == 8


def test_instances_are_scaled_by_one_span_for_both_axes():
    flat = from_instances([Instance("tsp", coords=[[0, 0], [10, 0], [0, 2]], distance_type="EUC_2D")]).locs[0]
    torch.testing.assert_close(flat, torch.tensor([[0, 0], [1, 0], [0, 0.2]]))
    wide = from_instances([Instance("tsp", coords=[[0, 0], [2, 0], [0, 1]], distance_type="EUC_2D")]).locs[0]
    torch.testing.assert_close(wide, torch.tensor([[0, 0], [1, 0], [0, 0.5]]))
