"""Decoding: every decoded solution passes the checker with the model's cost; augmentation is exact."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphroute.check import check
from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.decoding import augment, best_solutions, dihedral8, rollout
from graphroute.neural.envs import actions_to_routes, from_instances, matrix_factor, sample_batch, tour_cost
from graphroute.neural.evaluate import eval_instances
from graphroute.neural.models import AttentionModel, ModelConfig
from graphroute.problems.instance import Solution

PROBLEMS = ["tsp", "cvrp", "atsp", "acvrp"]


def tiny(problem: str) -> AttentionModel:
    torch.manual_seed(0)
    return AttentionModel(ModelConfig(problem=problem, embed_dim=16, num_layers=1, num_heads=2, ff_dim=32)).eval()


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("strategy", ["greedy", "sample"])
def test_decoded_solutions_pass_checker(problem, strategy):
    insts = eval_instances(problem, 10, 3, seed=5)
    data = from_instances(insts)  # unit-square coordinates stay as they are; matrices / their max
    with torch.no_grad():
        r = rollout(tiny(problem), data, strategy=strategy, generator=torch.Generator().manual_seed(1))
    scale = [matrix_factor(np.array(i.matrix, dtype=float)) if problem.startswith("a") else 1.0 for i in insts]
    for b, inst in enumerate(insts):
        for p in range(r.actions.shape[1]):
            res = check(inst, Solution(actions_to_routes(r.actions[b, p], data.is_cvrp)))
            assert res.feasible, res.violations
            assert res.cost == pytest.approx(float(r.cost[b, p]) * scale[b], rel=1e-5)


@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_single_start_and_best_solutions(problem):
    insts = eval_instances(problem, 8, 4, seed=3)
    data, model = from_instances(insts), tiny(problem)
    with torch.no_grad():
        single = rollout(model, data, num_starts=1)
        multi = rollout(model, data)
    assert single.actions.shape[1] == 1 and multi.actions.shape[1] == 8
    cost1, _ = best_solutions(model, data, augment_k=1)
    cost8, seqs = best_solutions(model, data, augment_k=8)
    assert torch.allclose(cost1, multi.cost.min(1).values)
    assert (cost8 <= cost1 + 1e-6).all()
    for inst, seq, c in zip(insts, seqs, cost8):
        res = check(inst, Solution(actions_to_routes(seq, problem == "cvrp")))
        assert res.feasible and res.cost == pytest.approx(float(c), rel=1e-5)


@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_augmentation_leaves_costs_unchanged(problem):
    data = sample_batch(problem, 5, 12, generator=torch.Generator().manual_seed(2))
    aug = augment(data, 8)
    assert aug.batch_size == 40
    acts = rollout(tiny(problem), data).actions
    base = tour_cost(data, acts)
    for k in range(8):
        part = aug[k * 5:(k + 1) * 5]
        assert torch.allclose(tour_cost(part, acts), base, atol=1e-5)
    assert torch.allclose(dihedral8(data.locs)[:5], data.locs)
    assert not torch.allclose(aug.locs[5:10], data.locs)  # the copies really are transformed


def test_augment_rejects_other_factors():
    from graphroute.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="augment"):
        augment(sample_batch("tsp", 2, 5), 4)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_score_tables_match_attention(problem):
    """The precomputed-table decoder step and the SDPA step give the same logits and gradients."""
    from graphroute.neural.envs import RoutingEnv

    data = sample_batch(problem, 3, 9, generator=torch.Generator().manual_seed(4))
    model = tiny(problem).train()
    h = model.encode(data)
    env = RoutingEnv(data, 6)
    env.reset()
    env.step(env.mask.float().argmax(-1))  # one more step so that current != first
    a = model.decode_step(model.precompute(h, data, tables=True), env)
    b = model.decode_step(model.precompute(h, data, tables=False), env)
    assert torch.allclose(a, b, atol=1e-5)
    ga = torch.autograd.grad(a.logsumexp(-1).sum(), model.query.weight, retain_graph=True)[0]
    gb = torch.autograd.grad(b.logsumexp(-1).sum(), model.query.weight)[0]
    assert torch.allclose(ga, gb, atol=1e-5)


def test_sampling_never_picks_a_masked_node_and_follows_probs():
    from graphroute.neural.decoding import _sample

    gen = torch.Generator().manual_seed(0)
    probs = torch.tensor([[0.0, 0.25, 0.0, 0.75, 0.0]]).expand(20000, 5)
    picks = _sample(probs, gen)
    assert set(picks.tolist()) == {1, 3}
    assert abs((picks == 3).float().mean().item() - 0.75) < 0.02
    edge = torch.tensor([[1.0, 0.0, 0.0]])  # all mass on the first node
    assert (_sample(edge.expand(1000, 3), gen) == 0).all()


@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_inference_chunks_give_the_same_greedy_solutions(problem):
    model = tiny(problem).eval()
    data = sample_batch(problem, 23, 10, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        one = rollout(model, data, chunk=None, with_logp=True)
        chunked = rollout(model, data, chunk=5, with_logp=True)  # 5 + 5 + 5 + 5 + 3
        singles = rollout(model, data, chunk=1, with_logp=True)
        lengths = {rollout(model, data[i : i + 1], chunk=None).actions.shape[2] for i in range(23)}
    if problem == "cvrp":  # chunks of different lengths: padded with depot visits, not a crash
        assert len(lengths) > 1
    assert torch.equal(one.actions, chunked.actions) and torch.equal(one.actions, singles.actions)
    torch.testing.assert_close(one.cost, singles.cost)
    torch.testing.assert_close(one.cost, chunked.cost)
    torch.testing.assert_close(one.logp, chunked.logp)
    # with gradients (training) the batch is never split: the same graph, the same losses
    r = rollout(model, data, chunk=5, with_logp=True)
    assert r.logp.requires_grad and r.cost.shape == one.cost.shape


@pytest.mark.parametrize("problem", ["cvrp", "acvrp"])
@pytest.mark.parametrize("strategy", ["greedy", "sample"])
@pytest.mark.parametrize("num_starts", [None, 1])
def test_checking_done_every_k_steps_changes_nothing(problem, strategy, num_starts):
    """CUDA checks "all CVRP constructions done" every CUDA_DONE_EVERY steps (each check is a host
    sync); the steps taken past the end are cut and cost nothing: the same actions, costs and
    log-probabilities as checking every step, with and without gradients."""
    model = tiny(problem)
    data = sample_batch(problem, 6, 9, generator=torch.Generator().manual_seed(4))
    for grad in (False, True):
        with torch.set_grad_enabled(grad):
            runs = [rollout(model, data, num_starts=num_starts, strategy=strategy, with_logp=True, chunk=None,
                            done_every=k, generator=torch.Generator().manual_seed(2)) for k in (1, 8, 1000)]
        for r in runs[1:]:
            assert torch.equal(r.actions, runs[0].actions)
            assert torch.equal(r.cost, runs[0].cost)
            assert torch.equal(r.logp, runs[0].logp)
    assert runs[0].actions[..., -1].eq(0).all()  # ends at the depot, cut right there
    assert not runs[0].actions[..., -2].eq(0).all()


def test_done_every_must_be_positive():
    data = sample_batch("cvrp", 2, 5, generator=torch.Generator().manual_seed(0))
    with pytest.raises(InvalidArgumentError, match="done_every"):
        rollout(tiny("cvrp"), data, done_every=0)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("done_every", [1, 4])
def test_a_model_with_nan_weights_stops_decoding_with_an_error(problem, done_every):
    """NaN scores chose the depot at every CVRP step: `while True` never ended (a 47-minute run, 2 GB and
    growing, walkthrough). A rollout longer than any routing is now a SolverError."""
    from graphroute.exceptions import SolverError

    model = tiny(problem)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
        data = from_instances(eval_instances(problem, 8, 2, seed=5))
        if data.is_cvrp:
            with pytest.raises(SolverError, match="decoding did not finish within"):
                rollout(model, data, done_every=done_every)
        else:  # a tour ends after n steps whatever the scores (argmax of NaN is a masked index: infeasible, caught
            r = rollout(model, data, done_every=done_every)  # by the checker), so it ends without the guard
            assert r.actions.shape[-1] <= 8
