"""Environments: masks only ever allow feasible steps; the cost equals the checker's."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graphroute.check import check
from graphroute.neural.envs import (
    RoutingEnv, VRPData, actions_to_routes, from_instances, sample_batch, tour_cost,
)
from graphroute.neural.evaluate import eval_instances
from graphroute.problems.instance import Solution

PROBLEMS = ["tsp", "cvrp", "atsp", "acvrp"]


def random_rollout(data: VRPData, starts: int, gen: torch.Generator) -> RoutingEnv:
    """Pick uniformly among the allowed nodes, checking feasibility of each step by hand."""
    env = RoutingEnv(data, starts)
    env.reset()
    served = torch.zeros_like(env.visited)
    served.scatter_(2, env.first[..., None], True)
    steps = 0
    while not env.done:
        mask = env.mask
        assert mask.any(-1).all(), "a state with no allowed action"
        if data.is_cvrp:
            cust = mask[..., 1:]
            assert not (cust & served[..., 1:]).any(), "a served customer is allowed again"
            fits = data.demand[:, None, 1:] <= env.load[..., None] + 1e-5
            assert not (cust & ~fits).any(), "a customer whose demand exceeds the load is allowed"
            assert not (mask[..., 0] & (env.current == 0) & ~env.all_served).any(), "depot twice in a row"
        else:
            assert not (mask & served).any(), "a visited city is allowed again"
        action = torch.multinomial(mask.float().view(-1, mask.shape[-1]), 1, generator=gen).view(mask.shape[:2])
        env.step(action)
        served.scatter_(2, action[..., None], True)
        if data.is_cvrp:
            assert (env.load >= -1e-5).all(), "load went negative"
        steps += 1
        assert steps <= 3 * data.num_nodes, "rollout does not terminate"
    assert served[..., 1 if data.is_cvrp else 0:].all(), "a node was never served"
    return env


@settings(max_examples=25, deadline=None)
@given(problem=st.sampled_from(PROBLEMS), size=st.integers(2, 12), seed=st.integers(0, 10_000),
       dist=st.sampled_from(["uniform", "clustered", "mixed"]))
def test_random_rollouts_respect_masks(problem, size, seed, dist):
    gen = torch.Generator().manual_seed(seed)
    data = sample_batch(problem, 3, size, distribution=dist, generator=gen)
    random_rollout(data, starts=size, gen=gen)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_cost_equals_checker(problem):
    insts = eval_instances(problem, 9, 4, seed=11)
    data = from_instances(insts, scale=False).to("cpu", torch.float64)
    data = VRPData(problem, locs=data.locs, dist=data.dist, demand=data.demand)
    if data.matrix_based:  # full float64 matrices: scaled ints are exact in float64 but not float32
        import numpy as np

        data.dist = torch.tensor(np.stack([i.matrix for i in insts]), dtype=torch.float64)
    env = random_rollout(data, starts=9, gen=torch.Generator().manual_seed(0))
    actions, cost = torch.stack(env.actions, 2), env.cost()
    for b, inst in enumerate(insts):
        for p in range(env.P):
            res = check(inst, Solution(actions_to_routes(actions[b, p], data.is_cvrp)))
            assert res.feasible, res.violations
            assert res.cost == pytest.approx(float(cost[b, p]), rel=1e-6)


def test_tour_cost_by_hand():
    locs = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]])
    assert float(tour_cost(VRPData("tsp", locs=locs), torch.tensor([[[0, 1, 2, 3]]]))) == pytest.approx(4.0)
    demand = torch.tensor([[0.0, 0.5, 0.5, 0.5]])
    # 0 -> 1 -> 2 -> 0 -> 3 -> 0 -> 0 (padding): 1 + 1 + sqrt2 + 1 + 1
    cost = tour_cost(VRPData("cvrp", locs=locs, demand=demand), torch.tensor([[[1, 2, 0, 3, 0, 0]]]))
    assert float(cost) == pytest.approx(4 + 2**0.5)


def test_actions_to_routes():
    assert actions_to_routes([3, 1, 0, 2, 0, 0], True) == [[3, 1], [2]]
    assert actions_to_routes([2, 0, 1], False) == [[2, 0, 1]]


def test_bad_inputs():
    from graphroute.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="unknown problem"):
        sample_batch("vrptw", 2, 5)
    with pytest.raises(InvalidArgumentError, match="distribution"):
        sample_batch("tsp", 2, 5, distribution="gaussian")
    with pytest.raises(InvalidArgumentError, match="num_starts"):
        RoutingEnv(sample_batch("cvrp", 2, 5), 6)


def test_matrix_scale_ignores_the_diagonal():
    """A TSPLIB .atsp diagonal (9999) must not set the model's distance scale."""
    import numpy as np

    from graphroute.neural.envs import from_instances
    from graphroute.problems.instance import Instance

    m = np.array([[0, 3, 5], [4, 0, 3], [5, 3, 0]], dtype=float)
    big = m + np.eye(3) * 9999
    a = from_instances([Instance("tsp", matrix=m, distance_type="EXPLICIT")])
    b = from_instances([Instance("tsp", matrix=big, distance_type="EXPLICIT")])
    assert torch.equal(a.dist, b.dist) and float(a.dist.max()) == 1.0


def test_a_model_cost_times_the_matrix_factor_is_the_instances_cost():
    """What the validation gap relies on (it compared model units with an integer matrix's reference: -100 %)."""
    import numpy as np

    from graphroute.neural.envs import matrix_factor

    insts = eval_instances("atsp", 12, 4, seed=2026)
    data = from_instances(insts)
    for b, inst in enumerate(insts):
        m = np.array(inst.matrix, dtype=float)
        assert float(data.dist[b, 0, 1]) * matrix_factor(m) == pytest.approx(m[0, 1], rel=1e-6)
    assert matrix_factor(np.zeros((3, 3))) == 1.0


@pytest.mark.parametrize("problem", ["cvrp", "acvrp"])
def test_a_finished_cvrp_construction_only_pads_with_free_depot_visits(problem):
    """What lets CUDA decoding check 'done' only every few steps: once every customer is served and
    the vehicle is back, only the depot is allowed, the step costs 0 and the state stays finished."""
    data = sample_batch(problem, 3, 6, generator=torch.Generator().manual_seed(1))
    env = random_rollout(data, 4, torch.Generator().manual_seed(2))
    assert env.done and bool(env.finished) and env.finished.dim() == 0
    before = env.cost()
    for _ in range(3):
        mask = env.mask
        assert mask[..., 0].all() and not mask[..., 1:].any()
        env.step(torch.zeros(env.B, env.P, dtype=torch.long))
        assert env.done
    torch.testing.assert_close(env.cost(), before)  # depot -> depot arcs have length 0
    fresh = RoutingEnv(data, 2)
    fresh.reset()
    assert not fresh.done and not bool(fresh.finished)
