"""route --steps is capped and compare --task paths refuses a negative seed in one line (fuzz review
defects 3 and 4): a 20-digit --steps ran forever, --seed -1 was a numpy ValueError traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.neural.router.evaluate import MAX_PAIR_SEED, random_pairs
from graphroute.neural.router.route import MAX_STEPS
from graphroute_cli.main import app
from graphroute_cli.route import parse_steps


def test_steps_cap():
    assert parse_steps(str(MAX_STEPS), allow_zero=True) == MAX_STEPS
    for value in (str(MAX_STEPS + 1), "99999999999999999999"):
        with pytest.raises(InvalidArgumentError, match=f"up to {MAX_STEPS:,}"):
            parse_steps(value, allow_zero=True)


def test_route_cli_huge_steps_is_one_line(tmp_path):
    g = save_graph(synthetic_graph("grid", 16), tmp_path / "g")
    res = CliRunner().invoke(app, ["route", str(g), "-s", "0", "-t", "15", "--steps", "99999999999999999999"])
    assert res.exit_code == 1 and "--steps must be" in res.stderr and "Traceback" not in res.output


def test_pair_seed():
    assert random_pairs(10, 3, seed=MAX_PAIR_SEED).shape == (3, 2)
    with pytest.raises(InvalidArgumentError, match="seed must be an integer in 0.."):
        random_pairs(10, 3, seed=-1)


def test_compare_paths_negative_seed_is_one_line(tmp_path):
    g = save_graph(synthetic_graph("grid", 16), tmp_path / "g")
    res = CliRunner().invoke(app, ["compare", "--task", "paths", str(g), "--queries", "3", "--seed", "-1"])
    assert res.exit_code == 1 and "--seed must be an integer in 0.." in res.stderr and "Traceback" not in res.output
