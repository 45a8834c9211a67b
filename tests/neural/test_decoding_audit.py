"""Decoding behaviour a mutation audit of graphroute/neural/decoding.py found unpinned: single-start CVRP
with a start offset and without a leading depot visit, the inverse-CDF sampler at the ends of its
range and on unnormalised weights, the dihedral images against the symmetry group of the unit square,
matrix augmentation as identical copies, and the lazy "done" check for TSP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from graphroute.check import check
from graphroute.neural.decoding import _sample, augment, dihedral8, rollout
from graphroute.neural.envs import actions_to_routes, from_instances, sample_batch, tour_cost
from graphroute.neural.evaluate import eval_instances
from graphroute.neural.models import AttentionModel, ModelConfig
from graphroute.problems.instance import Solution


def tiny(problem: str) -> AttentionModel:
    torch.manual_seed(0)
    return AttentionModel(ModelConfig(problem=problem, embed_dim=16, num_layers=1, num_heads=2, ff_dim=32)).eval()


# ---------------------------------------------------------------------- single-start CVRP
@torch.no_grad()
def test_single_start_cvrp_actions_have_no_leading_depot_visit():
    """``num_starts=1``: the depot start is implicit; every route in the actions is closed by exactly
    one depot visit, and the checker's cost is the rollout's."""
    insts = eval_instances("cvrp", 8, 5, seed=2)
    data = from_instances(insts)
    r = rollout(tiny("cvrp"), data, num_starts=1)
    assert r.actions.shape[1] == 1 and (r.actions[:, 0, 0] != 0).all()
    for b, inst in enumerate(insts):
        seq = r.actions[b, 0]
        routes = actions_to_routes(seq, True)
        last = int(seq.nonzero().max())  # after the last customer: its depot visit, then padding
        assert int((seq[: last + 2] == 0).sum()) == len(routes)  # every depot visit ends one route
        res = check(inst, Solution(routes))
        assert res.feasible and res.cost == pytest.approx(float(r.cost[b, 0]), rel=1e-5)


@torch.no_grad()
@pytest.mark.parametrize("offset", [1, 3])
def test_single_start_cvrp_with_an_offset_starts_at_that_customer(offset):
    """``start_offset=o`` with one start: customer ``o + 1`` (as the multi-start pass it splits)."""
    data = sample_batch("cvrp", 4, 6, generator=torch.Generator().manual_seed(1))
    model = tiny("cvrp")
    one = rollout(model, data, num_starts=1, start_offset=offset)
    assert one.actions[:, 0, 0].tolist() == [offset + 1] * 4
    full = rollout(model, data)  # starts 1..6: start o + 1 is column o
    n = one.actions.shape[2]
    torch.testing.assert_close(one.cost[:, 0], full.cost[:, offset])
    assert torch.equal(one.actions[:, 0], full.actions[:, offset, :n])


# ---------------------------------------------------------------------- the sampler
def test_sample_at_u_zero_skips_leading_zero_probabilities(monkeypatch):
    """A uniform draw of exactly 0.0 (float32 ``rand`` returns it with probability 2**-24, which a
    long training run meets): the first index with positive probability, never a masked one."""
    probs = torch.tensor([[0.0, 0.0, 0.25, 0.0, 0.75], [0.0, 1.0, 0.0, 0.0, 0.0]])
    monkeypatch.setattr(torch, "rand", lambda *a, **k: torch.zeros(*a[0], dtype=k.get("dtype")))
    assert _sample(probs, None).tolist() == [2, 1]


def test_sample_scales_the_draw_by_the_total_weight():
    """Weights that do not sum to 1 (a float32 softmax sums to 1 only within rounding): the draw
    covers the total, so a zero-weight last node is never picked and the ratios hold."""
    gen = torch.Generator().manual_seed(0)
    w = torch.tensor([[0.0, 0.2, 0.0, 0.3, 0.0]]).expand(20000, 5)
    picks = _sample(w, gen)
    assert set(picks.tolist()) == {1, 3}
    assert abs((picks == 3).float().mean().item() - 0.6) < 0.02
    almost = torch.tensor([[0.5, 0.5 - 1e-6, 0.0]]).expand(50000, 3)  # sums to 1 - 1e-6
    assert not (_sample(almost, gen) == 2).any()


# ---------------------------------------------------------------------- augmentation
def square_symmetries():
    """The dihedral group of the unit square, generated from a quarter turn and a mirror."""
    rot = lambda p: np.stack([1 - p[:, 1], p[:, 0]], 1)  # noqa: E731
    mir = lambda p: np.stack([1 - p[:, 0], p[:, 1]], 1)  # noqa: E731
    group = []
    for m, r in itertools.product(range(2), range(4)):
        def g(p, m=m, r=r):
            for _ in range(r):
                p = rot(p)
            return mir(p) if m else p
        group.append(g)
    return group


def test_dihedral8_images_are_the_eight_symmetries_of_the_square():
    locs = torch.rand(3, 7, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    aug = dihedral8(locs)
    assert aug.shape == (24, 7, 2)
    assert aug.min() >= 0 and aug.max() <= 1
    torch.testing.assert_close(aug[:3], locs)  # the identity first
    used = []
    for k in range(8):
        img = aug[3 * k:3 * (k + 1)].numpy()
        match = [i for i, g in enumerate(square_symmetries())
                 if all(np.allclose(g(locs[b].numpy()), img[b]) for b in range(3))]
        assert len(match) == 1, f"image {k} is not one symmetry of the square applied to every point"
        used.append(match[0])
    assert sorted(used) == list(range(8))


@pytest.mark.parametrize("problem", ["atsp", "acvrp"])
def test_augmenting_matrix_data_gives_identical_copies(problem):
    data = sample_batch(problem, 3, 5, generator=torch.Generator().manual_seed(0))
    aug = augment(data, 8)
    assert aug.batch_size == 24 and aug.locs is None
    for k in range(8):
        assert torch.equal(aug.dist[3 * k:3 * (k + 1)], data.dist)
        if data.is_cvrp:
            assert torch.equal(aug.demand[3 * k:3 * (k + 1)], data.demand)


# ---------------------------------------------------------------------- lazy "done" checks
@pytest.mark.parametrize("problem", ["tsp", "atsp"])
@pytest.mark.parametrize("strategy", ["greedy", "sample"])
def test_done_every_changes_nothing_for_tsp(problem, strategy, monkeypatch):
    """``done_every`` > 1 (CUDA's default) on a TSP: a tour has exactly N actions, so nothing is cut
    and nothing is stepped past the end (no -inf-only rows: finite log-probabilities)."""
    from graphroute.neural import decoding

    class Guarded(decoding.RoutingEnv):
        def step(self, action):
            # a TSP environment is never done again after N actions: stepping on would loop forever
            assert len(self.actions) < self.N, "stepped a finished TSP construction"
            super().step(action)

    monkeypatch.setattr(decoding, "RoutingEnv", Guarded)
    model = tiny(problem)
    data = sample_batch(problem, 4, 7, generator=torch.Generator().manual_seed(4))
    runs = [rollout(model, data, strategy=strategy, with_logp=True, chunk=None, done_every=k,
                    generator=torch.Generator().manual_seed(2)) for k in (1, 8)]
    assert runs[0].actions.shape == (4, 7, 7) and torch.isfinite(runs[0].logp).all()
    for r in runs[1:]:
        assert torch.equal(r.actions, runs[0].actions)
        torch.testing.assert_close(r.cost, runs[0].cost)
        torch.testing.assert_close(r.logp, runs[0].logp)
    torch.testing.assert_close(runs[0].cost, tour_cost(data, runs[0].actions))
