"""Router passes: numpy integer step counts are step counts everywhere; bools and negatives are refused
with InvalidArgumentError, never a bare ValueError."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.exceptions import InvalidArgumentError  # noqa: E402
from graphroute.graphs.synthetic import synthetic_graph  # noqa: E402
from graphroute.neural.router.model import BFRouter, RouterGraph  # noqa: E402
from graphroute.neural.router.route import cost_to_go  # noqa: E402


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    g = synthetic_graph("grid", 49, seed=1)
    return BFRouter(hidden=8).eval(), RouterGraph.from_graph(g, None)


@pytest.mark.parametrize("steps", [np.int64(3), np.int32(3), np.uint8(3)])
def test_numpy_integer_steps_are_the_same_as_int(setup, steps):
    model, rg = setup
    assert np.array_equal(cost_to_go(model, rg, [0], steps=steps), cost_to_go(model, rg, [0], steps=3))
    with torch.no_grad():
        assert torch.equal(model(rg, [0], steps=steps), model(rg, [0], steps=3))


@pytest.mark.parametrize("steps", [True, np.bool_(True), -1, np.int64(-2), 2.5, "3"])
def test_bad_steps_raise_invalid_argument(setup, steps):
    model, rg = setup
    with pytest.raises(InvalidArgumentError, match="steps must be a non-negative integer"):
        with torch.no_grad():
            model(rg, [0], steps=steps)
    with pytest.raises(InvalidArgumentError):
        cost_to_go(model, rg, [0], steps=steps)


def test_auto_without_reach_is_an_invalid_argument(setup):
    model, rg = setup
    with pytest.raises(InvalidArgumentError, match="auto"), torch.no_grad():
        model(rg, [0], steps="auto")
