"""`route` / `compare --task paths` accept --checkpoint like solve, evaluate and explain; a checkpoint of
another task is named for what it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute.exceptions import InvalidArgumentError  # noqa: E402
from graphroute.graphs import save_graph  # noqa: E402
from graphroute.graphs.synthetic import synthetic_graph  # noqa: E402
from graphroute_cli.main import app  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CKPTS = REPO / "data/checkpoints"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    return save_graph(synthetic_graph("grid", 100, seed=3), tmp_path_factory.mktemp("g") / "grid.graph.npz")


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("option", ["--router", "--checkpoint"])
def test_route_takes_checkpoint_as_an_alias_of_router(graph_file, option):
    res = run("route", graph_file, option, CKPTS / "router_road.pt", "-s", 0, "-t", 99, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["queries"][0]["success"]


def test_compare_paths_takes_checkpoint_too(graph_file):
    res = run("compare", "--task", "paths", graph_file, "--checkpoint", CKPTS / "router_road.pt", "-q", 3,
              "--k-queries", 1, "--methods", "router greedy", "--json")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name, words", [("pomo_tsp20.pt", "a VRP (POMO/MatNet, --task vrp) checkpoint"),
                                         ("matnet_atsp20.pt", "a VRP (POMO/MatNet, --task vrp) checkpoint"),
                                         ("kg_umls.pt", "a knowledge-graph (--task kg) checkpoint")])
def test_a_checkpoint_of_another_task_is_named_for_what_it_is(graph_file, name, words):
    res = run("route", graph_file, "--checkpoint", CKPTS / name, "-s", 0, "-t", 9)
    assert res.exit_code == 1 and not res.stdout
    assert words in res.stderr and "need a --task router checkpoint" in res.stderr
    assert "task None" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_load_router_refusal_is_an_invalid_argument():
    from graphroute.neural.router.train import load_router

    with pytest.raises(InvalidArgumentError, match=r"VRP \(POMO/MatNet, --task vrp\) checkpoint for tsp"):
        load_router(CKPTS / "pomo_tsp20.pt")
