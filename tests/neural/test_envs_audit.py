"""Environment rules a mutation audit of graphroute/neural/envs.py found unpinned: the generators'
distributions (clusters, clipping, the mixed half, demands 1..9, the triangle inequality of the
matrices), ``num_starts`` >= 1, a full load at the start, customers that fill the remaining load
exactly, the last route of an action sequence without a trailing depot visit, and per-axis shifts when
instances are scaled. Each is checked against an independent reference: the numpy generators of
``graphroute.problems.generate``, scipy's shortest paths, integer loads and :func:`graphroute.check.check`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphroute.check import check
from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.envs import (
    RoutingEnv, VRPData, actions_to_routes, from_instances, sample_batch, sample_locs, sample_matrix,
)
from graphroute.neural.evaluate import eval_instances
from graphroute.problems.instance import Instance, Solution


# ---------------------------------------------------------------------- generators
@pytest.mark.parametrize("distribution", ["clustered", "mixed"])
def test_clustered_and_mixed_points_stay_in_the_unit_square(distribution):
    pts = sample_locs(64, 100, distribution, torch.Generator().manual_seed(0))
    assert pts.min() >= 0.0 and pts.max() <= 1.0
    assert (pts == 0.0).any() or (pts == 1.0).any()  # some Gaussian draws really were clipped


def test_clustered_spread_matches_the_numpy_generator():
    """3..7 clusters around uniform centres (numpy's ``sample_locations``): the mean per-instance
    coordinate spread is about 0.25; a single cluster (std 0.07) would give about 0.07."""
    from graphroute.problems.generate import sample_locations

    t = float(sample_locs(400, 50, "clustered", torch.Generator().manual_seed(0)).std(1).mean())
    rng = np.random.default_rng(0)
    ref = float(np.mean([sample_locations(rng, 50, "clustered").std(0, ddof=1).mean() for _ in range(400)]))
    assert t == pytest.approx(ref, rel=0.1)


def test_mixed_draws_about_half_of_its_points_uniformly():
    """From the same generator state, mixed starts from the clustered points and replaces each with a
    uniform one with probability 1/2."""
    clustered = sample_locs(16, 100, "clustered", torch.Generator().manual_seed(3))
    mixed = sample_locs(16, 100, "mixed", torch.Generator().manual_seed(3))
    changed = (clustered != mixed).any(-1).float().mean().item()
    assert 0.4 < changed < 0.6


@pytest.mark.parametrize("problem, size, capacity", [("cvrp", 20, 30), ("acvrp", 10, 20), ("cvrp", 50, 40)])
def test_sampled_demands_are_integers_1_to_9_over_the_capacity(problem, size, capacity):
    data = sample_batch(problem, 64, size, generator=torch.Generator().manual_seed(5))
    units = data.demand * capacity
    assert torch.allclose(units, units.round(), atol=1e-4)
    units = units.round().long()
    assert (units[:, 0] == 0).all()
    cust = units[:, 1:]
    assert cust.min() == 1 and cust.max() == 9  # both ends of 1..9 are drawn


def test_sampled_matrices_are_their_own_shortest_path_closure():
    """MatNet-style matrices: the closure of uniform arcs (scipy's Floyd-Warshall on the same raw draw),
    so the triangle inequality holds for every triple."""
    from scipy.sparse.csgraph import shortest_path

    B, n = 16, 7
    d = sample_matrix(B, n, torch.Generator().manual_seed(7)).double()
    via = d[:, :, :, None] + d[:, None, :, :]  # [b, i, k, j] = d[i, k] + d[k, j]
    assert (d <= via.min(2).values + 1e-6).all()
    raw = torch.rand(B, n, n, generator=torch.Generator().manual_seed(7)).clamp_min(1e-6).double().numpy()
    for b in range(B):
        np.fill_diagonal(raw[b], 0.0)
        ref = shortest_path(raw[b], method="FW", directed=True)
        np.testing.assert_allclose(d[b].numpy(), ref, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- environment
def test_num_starts_must_be_at_least_one():
    for problem in ("tsp", "cvrp"):
        with pytest.raises(InvalidArgumentError, match="num_starts"):
            RoutingEnv(sample_batch(problem, 2, 5), 0)


def cvrp_instance(demands: list[int], capacity: int) -> Instance:
    n = len(demands) + 1
    coords = [[0.5, 0.5]] + [[0.1 * i, 0.05 * i * i % 1.0] for i in range(1, n)]
    return Instance("cvrp", coords=np.array(coords), distance_type="EXACT",
                    demands=np.array([0] + demands), capacity=capacity)


@pytest.mark.parametrize("demands, capacity", [
    ([10, 10], 20),  # 0.5 + 0.5: the second customer fills the load exactly
    ([6, 6, 8], 20),  # float32: 1 - 0.3 - 0.3 = 0.39999998 < 0.4 = 8 / 20, yet 6 + 6 + 8 == 20 fits
    ([9, 9, 9, 3], 30),
])
def test_a_customer_that_fills_the_remaining_load_exactly_is_allowed(demands, capacity):
    inst = cvrp_instance(demands, capacity)
    data = from_instances([inst])
    env = RoutingEnv(data, 1)
    env.reset(torch.zeros(1, 1, dtype=torch.long))  # at the depot
    assert env.load.tolist() == [[1.0]]  # a full vehicle
    order = list(range(1, len(demands) + 1))
    for c in order:
        assert bool(env.mask[0, 0, c]), f"customer {c} fits the remaining capacity but is masked"
        env.step(torch.tensor([[c]]))
    assert env.mask[0, 0].tolist() == [True] + [False] * len(demands)  # full: back to the depot
    env.step(torch.zeros(1, 1, dtype=torch.long))
    assert env.done
    routes = actions_to_routes(torch.stack(env.actions, 2)[0, 0], True)
    assert routes == [order]
    res = check(inst, Solution(routes))
    assert res.feasible and res.loads == [capacity]
    assert float(env.cost()[0, 0]) == pytest.approx(res.cost, rel=1e-5)


def test_the_first_route_starts_with_a_full_load():
    """Starting at customer 1 (POMO), the load is 1 - d1 and the rest of the capacity is usable."""
    inst = cvrp_instance([4, 16], 20)
    env = RoutingEnv(from_instances([inst]), 2)
    env.reset()  # starts at customers 1 and 2
    torch.testing.assert_close(env.load, torch.tensor([[0.8, 0.2]]))
    assert env.mask[0, 0, 2] and env.mask[0, 1, 1]  # 4 + 16 == 20: each may take the other


@pytest.mark.parametrize("problem", ["cvrp", "acvrp"])
def test_masks_equal_an_integer_load_reference_on_random_rollouts(problem):
    """Every step of random rollouts: a customer is allowed iff unvisited and its integer demand fits
    the integer capacity left; the depot iff the vehicle is away from it or everything is served."""
    insts = eval_instances(problem, 8, 4, seed=21)
    data = from_instances(insts)
    dem = torch.tensor(np.stack([i.demands for i in insts]), dtype=torch.long)  # [B, N]
    cap = insts[0].capacity
    gen = torch.Generator().manual_seed(0)
    env = RoutingEnv(data, 8)
    env.reset()
    B, P, N = env.B, env.P, env.N
    left = cap - dem.gather(1, env.first)  # [B, P] integer capacity left
    seen = torch.zeros(B, P, N, dtype=torch.bool).scatter_(2, env.first[..., None], True)
    current = env.first.clone()
    exact = 0
    while not env.done:
        all_served = seen[..., 1:].all(-1)
        ref = ~seen & (dem[:, None, :] <= left[..., None]) & ~all_served[..., None]
        ref[..., 0] = (current != 0) | all_served
        assert torch.equal(env.mask, ref)
        exact += int((ref[..., 1:] & (dem[:, None, 1:] == left[..., None])).sum())
        action = torch.multinomial(ref.float().view(-1, N), 1, generator=gen).view(B, P)
        env.step(action)
        d = dem.gather(1, action)
        left = torch.where(action == 0, torch.full_like(left, cap), left - d)
        seen.scatter_(2, action[..., None], True)
        current = action
    assert exact > 0  # exact fits did come up
    acts = torch.stack(env.actions, 2)
    for b, inst in enumerate(insts):
        for p in range(P):
            res = check(inst, Solution(actions_to_routes(acts[b, p], True)))
            assert res.feasible, res.violations


def test_actions_to_routes_keeps_a_last_route_without_a_closing_depot_visit():
    assert actions_to_routes([1, 2, 0, 3], True) == [[1, 2], [3]]
    assert actions_to_routes(torch.tensor([2, 0, 1, 3]), True) == [[2], [1, 3]]
    assert actions_to_routes([0, 4], True) == [[4]]


def test_scaling_shifts_each_axis_by_its_own_minimum():
    """Coordinates far from the origin on one axis only: min-max scaling per axis (one span) puts
    every point in the unit square, the tour length shrinks by exactly the span."""
    coords = np.array([[100.0, 0.0], [110.0, 5.0], [104.0, 2.0], [107.0, 4.0]])
    inst = Instance("tsp", coords=coords, distance_type="EXACT")
    locs = from_instances([inst]).locs[0]
    assert float(locs.min()) >= 0.0 and float(locs.max()) <= 1.0
    torch.testing.assert_close(locs, torch.tensor((coords - coords.min(0)) / 10.0, dtype=torch.float32))
    from graphroute.neural.envs import tour_cost

    tour = [0, 2, 1, 3]
    model_cost = float(tour_cost(VRPData("tsp", locs=locs[None]), torch.tensor([[tour]])))
    assert model_cost * 10.0 == pytest.approx(check(inst, Solution([tour])).cost, rel=1e-5)
