"""K alternatives on graphs with parallel edges: parallel arcs of the input give one route (the same
nodes, as Yen counts them; rome99 has 11 such arcs and `route --mode k` listed 789 -> 788 twice), while
the chains a contraction joins into edges between the same junctions are different routes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from graphroute.graphs import from_edges
from graphroute.neural.router.route import k_alternatives
from graphroute_cli.main import app
from tests.paths.test_paths_cli import GR


def test_parallel_arcs_are_one_route_unless_told_apart_by_edges():
    g = from_edges([0, 0, 1], [1, 1, 2], 3, edge_attrs={"time": np.array([1.0, 2.0, 1.0])},
                   meta={"default_weight": "time"})
    paths = k_alternatives(g.indptr, g.indices, g.weights(), np.zeros(3), 0, 2, 2)
    assert [(p.nodes, p.cost) for p in paths] == [((0, 1, 2), 2.0)]  # one node sequence: one route
    paths = k_alternatives(g.indptr, g.indices, g.weights(), np.zeros(3), 0, 2, 2, same=lambda p: p.edges)
    assert [p.cost for p in paths] == pytest.approx([2.0, 3.0])  # as chains of a contracted graph are
    assert paths[0].nodes == paths[1].nodes == (0, 1, 2) and paths[0].edges != paths[1].edges


def test_route_k_lists_a_route_over_parallel_arcs_once(tmp_path):
    (tmp_path / "p.gr").write_text("p sp 6 7\na 1 2 5\na 2 3 5\na 3 1 5\na 4 1 2\na 5 6 1\na 6 5 1\na 1 2 3\n")
    for contract in ("--contract", "--no-contract"):
        res = CliRunner().invoke(app, ["route", str(tmp_path / "p.gr"), "-s", "4", "-t", "3", "--mode", "k", "--k", "3",
                                       contract, "--json"])
        assert res.exit_code == 0, res.output
        paths = json.loads(res.output)["queries"][0]["paths"]
        assert [(p["nodes"], p["cost"]) for p in paths] == [(["4", "1", "2", "3"], 10.0)], contract


@pytest.mark.parametrize("contract", ["--contract", "--no-contract"])
def test_route_k_finds_the_same_routes_on_the_contracted_graph(tmp_path, contract):
    (tmp_path / "tiny.gr").write_text(GR)
    graph = tmp_path / "t.graph.npz"
    assert CliRunner().invoke(app, ["graph", "build", "road", str(tmp_path / "tiny.gr"), "--out", str(graph)]).exit_code == 0
    res = CliRunner().invoke(app, ["route", str(graph), "-s", "1", "-t", "6", "--mode", "k", "--k", "3", "--exact",
                                   contract, "--json"])
    assert res.exit_code == 0, res.output
    q = json.loads(res.output)
    assert q["contracted"] == (contract == "--contract")
    paths = q["queries"][0]["paths"]
    assert [(p["nodes"], p["cost"]) for p in paths] == [(["1", "2", "3", "6"], 4.0), (["1", "4", "5", "6"], 5.0),
                                                        (["1", "6"], 9.0)]


def test_yen_on_split_parallel_edges_counts_each_parallel_edge():
    """Walkthrough finding: on a contracted road graph two chains between the same junctions are parallel
    edges, and Yen (paths as node sequences) kept only the cheaper: its K=3 on Monaco missed true third
    paths. split_parallel_edges gives each extra parallel edge a node of its own at zero cost."""
    from graphroute.neural.router.evaluate import split_parallel_edges
    from graphroute.paths import k_shortest_paths

    g = from_edges([0, 0, 1, 0, 1], [1, 1, 2, 2, 2], 3, edge_attrs={"time": np.array([1.0, 2.0, 1.0, 2.5, 4.0])},
                   meta={"default_weight": "time"})
    w = g.weights()
    assert [p.cost for p in k_shortest_paths(g.indptr, g.indices, w, 0, 2, 9)] == [2.0, 2.5]
    ip, ix, w2 = split_parallel_edges(g.indptr, g.indices, w)
    assert len(ip) - 1 == 5  # two extra parallel edges: two new nodes
    costs = [p.cost for p in k_shortest_paths(ip, ix, w2, 0, 2, 9)]
    assert costs == [2.0, 2.5, 3.0, 5.0, 6.0]  # every combination of the parallel edges, by cost
    simple = (np.array([0, 1, 1]), np.array([1]), np.array([1.0]))
    assert [a.tolist() for a in split_parallel_edges(*simple)] == [a.tolist() for a in simple]  # nothing parallel
