"""The capacity mask of instances is exact at any capacity (integer load), not within a float tolerance."""

import numpy as np
import torch

from graphroute.check import check
from graphroute.neural.envs import RoutingEnv, actions_to_routes, from_instances
from graphroute.problems.instance import Instance, Solution


def _inst(demands, capacity):
    rng = np.random.default_rng(0)
    n = len(demands)
    return Instance("cvrp", coords=rng.random((n, 2)), distance_type="EXACT",
                    demands=np.array(demands), capacity=capacity)


def test_a_customer_one_unit_over_a_large_capacity_is_masked():
    """150000 + 50001 > 200000: the fractions differ by 5e-6, below the float tolerance of 1e-5."""
    inst = _inst([0, 150000, 50001], 200000)
    env = RoutingEnv(from_instances([inst]), 1)
    env.reset()  # starts at customer 1
    assert env.mask[0, 0].tolist() == [True, False, False]
    env.step(torch.tensor([[0]]))
    assert env.mask[0, 0].tolist() == [False, False, True]


def test_exact_fits_are_allowed_at_a_huge_capacity():
    cap = 10**15 + 7
    inst = _inst([0, cap - 3, 3], cap)
    env = RoutingEnv(from_instances([inst]), 1)
    env.reset()
    assert env.mask[0, 0].tolist() == [True, False, True]


def test_random_rollouts_at_large_capacities_are_feasible():
    rng = np.random.default_rng(1)
    for cap in (200000, 10**9):
        d = [0] + [int(x) for x in rng.integers(cap // 4, cap // 4 + 3, size=9)]
        inst = _inst(d, cap)
        data = from_instances([inst])
        env = RoutingEnv(data, 9)
        env.reset()
        g = torch.Generator().manual_seed(0)
        while not env.done:
            p = env.mask.float()
            env.step(torch.multinomial(p.view(-1, p.shape[-1]), 1, generator=g).view(p.shape[:2]))
        acts = torch.stack(env.actions, 2)[0]
        for row in acts:
            assert check(inst, Solution(actions_to_routes(row, True))).feasible
