"""The public functions of route.py check their node positions, pairs and columns once, at the boundary:
a bad one is an InvalidArgumentError naming the argument and the value, never a silent wrong answer
(numpy's negative indexing, zip dropping queries) or an IndexError from torch / numpy."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.exceptions import InvalidArgumentError  # noqa: E402
from graphroute.graphs.synthetic import synthetic_graph  # noqa: E402
from graphroute.neural.router.model import BFRouter, RouterGraph  # noqa: E402
from graphroute.neural.router.route import cost_to_go, greedy_route, greedy_routes, k_alternatives  # noqa: E402


@pytest.fixture(scope="module")
def setup():
    g = synthetic_graph("grid", 16, seed=1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = BFRouter(hidden=4).eval()
    return g, model, RouterGraph.from_graph(g, None)


@pytest.mark.parametrize("targets, match", [
    ([-1], r"^targets\[0\] = -1 is outside 0\.\.15 \(node positions\)$"),
    ([3, 1000], r"^targets\[1\] = 1000 is outside 0\.\.15"),
    ([2.5], r"^targets\[0\] = 2\.5 is not an integer"),
    (["a"], r"^targets\[0\] = 'a' is not an integer"),
    ([True], r"^targets\[0\] = True is not an integer"),
])
def test_cost_to_go_refuses_bad_targets(setup, targets, match):
    _, model, rg = setup
    with pytest.raises(InvalidArgumentError, match=match):
        cost_to_go(model, rg, targets, steps=None)


def test_cost_to_go_takes_integer_valued_targets_as_before(setup):
    _, model, rg = setup
    h = cost_to_go(model, rg, np.array([15, 0]), steps=3)
    assert np.array_equal(h, cost_to_go(model, rg, [15.0, 0.0], steps=3))


def test_cost_to_go_refuses_zero_steps_and_points_to_none(setup):
    _, model, rg = setup
    with pytest.raises(InvalidArgumentError, match="steps=0 runs no message passing; pass steps=None"):
        cost_to_go(model, rg, [0], steps=0)
    with pytest.raises(InvalidArgumentError, match="steps=0"):
        cost_to_go(model, rg, [0], steps=np.int64(0))


@pytest.mark.parametrize("batch", [0, -1, 2.5])
def test_cost_to_go_refuses_a_bad_batch(setup, batch):
    _, model, rg = setup
    with pytest.raises(InvalidArgumentError, match="batch must be a positive integer"):
        cost_to_go(model, rg, [0], steps=2, batch=batch)


@pytest.mark.parametrize("reach, match", [
    (([3, 4], [0, 2]), r"^reach columns\[1\] = 2 is outside 0\.\.1"),
    (([3, -4], [0, 1]), r"^reach sources\[1\] = -4 is outside 0\.\.15"),
    (([3, 4, 5], [0, 1]), r"^reach has 3 sources but 2 columns"),
])
def test_cost_to_go_auto_refuses_bad_reach(setup, reach, match):
    _, model, rg = setup
    with pytest.raises(InvalidArgumentError, match=match):
        cost_to_go(model, rg, [0, 1], steps="auto", reach=reach)


@pytest.mark.parametrize("pairs, columns, match", [
    ([(0, 5), (1, 6)], [0], r"^columns must hold one column per pair \(2\), got shape \(1,\)$"),
    ([(0, 5)], [3], r"^columns\[0\] = 3 is outside 0\.\.0 \(the columns of h\)$"),
    ([(0, 5)], [-1], r"^columns\[0\] = -1 is outside 0\.\.0"),
    ([(0, 5), (1, -6)], [0, 0], r"^pairs\[1, 1\] = -6 is outside 0\.\.15 \(node positions\)$"),
    ([(0, 16)], [0], r"^pairs\[0, 1\] = 16 is outside"),
    ([0, 5], [0], r"^pairs must be \(source, target\) pairs"),
])
def test_greedy_routes_refuses_bad_pairs_and_columns(setup, pairs, columns, match):
    g, _, _ = setup
    with pytest.raises(InvalidArgumentError, match=match):
        greedy_routes(g.indptr, g.indices, g.weights(), np.zeros((g.n_nodes, 1)), pairs, columns)


def test_greedy_routes_valid_input_unchanged(setup):
    g, _, _ = setup
    h = np.random.default_rng(0).random((g.n_nodes, 2))
    pairs = [(0, 15), (3, 12), (15, 0)]
    routes = greedy_routes(g.indptr, g.indices, g.weights(), h, np.array(pairs), np.array([0, 1, 1]))
    assert len(routes) == 3
    for r, (s, t), c in zip(routes, pairs, [0, 1, 1]):
        assert r == greedy_route(g.indptr, g.indices, g.weights(), h[:, c], s, t)


@pytest.mark.parametrize("tries", [-1, 2.5, "3"])
def test_k_alternatives_refuses_bad_tries(setup, tries):
    g, _, _ = setup
    with pytest.raises(InvalidArgumentError, match="tries must be a non-negative integer"):
        k_alternatives(g.indptr, g.indices, g.weights(), np.zeros(g.n_nodes), 0, 15, tries=tries)
