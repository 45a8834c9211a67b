"""synthetic_graph refuses arguments that would quietly give a degenerate graph or a raw TypeError."""

import re

import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.synthetic import synthetic_graph


@pytest.mark.parametrize("kind, kwargs, message", [
    ("grid", {"drop": 1.0}, "drop must be in"),
    ("grid", {"drop": -0.1}, "drop must be in"),
    ("grid", {"drop": float("nan")}, "drop must be in"),
    ("grid", {"perturb": float("inf")}, "perturb must be"),
    ("grid", {"perturb": -1.0}, "perturb must be"),
    ("geometric", {"radius": 0.0}, "radius must be"),
    ("geometric", {"radius": float("nan")}, "radius must be"),
])
def test_out_of_range_options_are_refused(kind, kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        synthetic_graph(kind, 100, **kwargs)


@pytest.mark.parametrize("kind", ["grid", "geometric", "delaunay"])
@pytest.mark.parametrize("n", [100.5, True, "100"])
def test_the_node_count_must_be_an_integer(kind, n):
    with pytest.raises(InvalidArgumentError, match="must be an integer"):
        synthetic_graph(kind, n)


def test_valid_options_still_build():
    assert synthetic_graph("grid", 100, drop=0.2).n_nodes > 4
    assert synthetic_graph("geometric", 100, radius=3.0).n_nodes > 4


@pytest.mark.parametrize("kw,msg", [
    ({"kind": "grid", "perturb": "x"}, "perturb must be a number, got str 'x'"),
    ({"kind": "grid", "drop": None}, "drop must be a number, got NoneType None"),
    ({"kind": "grid", "speed_spread": None}, "speed_spread must be a number"),
    ({"kind": "geometric", "radius": "x"}, "radius must be a number, got str 'x'"),
    ({"kind": "geometric", "radius": 1e-9}, "keeps only 1 of 100 nodes; raise radius"),
    ({"kind": "grid", "drop": 0.99}, "keeps only 2 of 100 nodes; lower drop"),
])
def test_non_numbers_and_degenerate_graphs_are_refused(kw, msg):
    """Walkthrough finding: raw TypeErrors from comparing text with numbers, and a 1-node 'graph' returned
    silently although n < 4 is refused."""
    with pytest.raises(InvalidArgumentError, match=re.escape(msg)):
        synthetic_graph(n=100, seed=0, **kw)
