"""Road-network CVRP instances: asymmetric matrices equal to Dijkstra, solvable, checked; CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from graphroute.graphs.road_vrp import road_vrp_instance
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.solvers import solve
from graphroute_cli.main import app


def test_instance_matches_dijkstra_and_solves(shared_data):
    from scipy.sparse.csgraph import dijkstra

    from graphroute.graphs.road import read_osm

    g = read_osm(shared_data / "road/monaco-osm/monaco.osm.gz")
    inst = road_vrp_instance(g, customers=12, seed=1)
    assert inst.kind == "acvrp" and inst.durations is not None
    assert np.all(np.diag(inst.distances) == 0)
    stops = [g.node_index(i) for i in inst.meta["node_ids"]]
    ref = dijkstra(g.to_scipy("length"), indices=stops)[:, stops]
    np.testing.assert_array_equal(inst.distances, np.round(ref))
    ref_t = dijkstra(g.to_scipy("time"), indices=stops)[:, stops]
    np.testing.assert_allclose(inst.durations, ref_t, atol=0.05 + 1e-9)
    assert not inst.symmetric and not np.array_equal(inst.distances, inst.distances.T)  # one-way streets
    for solver in ("savings", "pyvrp", "ortools"):
        res = solve(inst, solver, time_limit=1, seed=0)
        assert res.feasible and res.duration > 0


def test_clustered_and_seeded():
    g = synthetic_graph("grid", 400, seed=0)
    a = road_vrp_instance(g, customers=20, clustered=True, seed=5)
    b = road_vrp_instance(g, customers=20, clustered=True, seed=5)
    np.testing.assert_array_equal(a.matrix, b.matrix)
    assert len(set(a.meta["node_ids"])) == 21


def test_generate_vrp_cli(tmp_path):
    graph = tmp_path / "g.graph.npz"
    runner = CliRunner()
    res = runner.invoke(app, ["graph", "build", "synthetic", "grid", "-n", "300", "-o", str(graph)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "inst.json"
    res = runner.invoke(app, ["generate", "vrp", "--road", str(graph), "--customers", "15", "--out", str(out)])
    assert res.exit_code == 0, res.output
    obj = json.loads(out.read_text())
    assert obj["distance"] == "EXPLICIT"
    # walkthrough: meta said "road": "graph" and durations in "(s)" for a synthetic graph
    assert obj["meta"]["road"] == str(graph) and "road_source" not in obj["meta"]
    assert obj["meta"]["durations"] == "travel time (graph time units)"
    assert road_vrp_instance(synthetic_graph("grid", 300, seed=3), customers=5).meta["road"] == "synthetic grid graph, seed 3"
    res = runner.invoke(app, ["solve", str(out), "-s", "savings", "--json"])
    assert json.loads(res.stdout)["feasible"] is True
    res = runner.invoke(app, ["generate", "vrp", "--road", str(graph), "--customers", "500", "--out", str(tmp_path / "x.json")])
    assert res.exit_code != 0 and "need 501 nodes" in res.stderr and not (tmp_path / "x.json").exists()


def test_build_road_cli_then_info(tmp_path, shared_data):
    runner = CliRunner()
    out = tmp_path / "monaco.graph.npz"
    res = runner.invoke(app, ["graph", "build", "road", str(shared_data / "road/monaco-osm/monaco.osm.gz"),
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["strong_components"] == 1 and summary["default_weight"] == "time" and out.exists()
    res = runner.invoke(app, ["graph", "info", str(out), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["nodes"] == summary["nodes"]


@pytest.mark.parametrize(
    "name,text,msg",
    [
        ("missing.osm.pbf", None, "no such file"),
        ("trunc.gr", "p sp 3 3\na 1 2 1\n", "announces 3 arcs"),
        ("junk.osm.pbf", "not a pbf", "cannot read junk.osm.pbf"),
        # walkthrough P: pyosmium's "Could not detect file format" for these
        ("g.co", "v 1 1 1\n", "g.co: graph build road takes an OpenStreetMap .osm.pbf/.osm/.osm.gz/.osm.bz2 or a "
                               "DIMACS .gr/.gr.gz file (a .co file is read beside its .gr, or given with --co)"),
        ("dir", "FOLDER", "is a folder; graph build road takes an OpenStreetMap"),
        # and the DIMACS reader: a fifth field, a weight above the limit, no nodes
        ("five.gr", "p sp 3 1\na 1 2 3 9\n", "line 2: bad arc line 'a 1 2 3 9' (an arc line is 'a TAIL HEAD WEIGHT')"),
        ("big.gr", "p sp 3 1\na 1 2 1e300\n", "line 2: edge weight 1e+300 on arc 1 -> 2 is above the largest a graph "
                                              "may hold (1e+15)"),
        ("empty.gr", "p sp 0 0\n", "empty.gr: the 'p sp' line announces no nodes: nothing to route on"),
    ],
)
def test_build_road_cli_bad_input(tmp_path, name, text, msg):
    src = tmp_path / name
    if text == "FOLDER":
        src.mkdir()
    elif text is not None:
        src.write_text(text)
    out = tmp_path / "o.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "road", str(src), "--out", str(out)])
    assert res.exit_code != 0 and msg in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert not out.exists()


def test_andorra_example_is_reproducible_and_solved(tmp_path, shared_data, examples):
    """The shipped instance is what 'generate vrp' makes on Andorra; PyVRP and OR-Tools solve it."""
    from graphroute.problems.io import read_instance

    out = tmp_path / "acvrp-andorra50.json"
    res = CliRunner().invoke(app, ["generate", "vrp", "--road", str(shared_data / "road/andorra-osm/andorra.osm.pbf"),
                                   "--customers", "50", "--seed", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    mine, shipped = read_instance(out), read_instance(examples / "acvrp-andorra50.json")
    np.testing.assert_array_equal(mine.matrix, shipped.matrix)
    np.testing.assert_array_equal(mine.durations, shipped.durations)
    assert mine.meta["node_ids"] == shipped.meta["node_ids"]
    assert mine.meta["durations"] == "travel time (s)" and mine.meta["road"].endswith("andorra.osm.pbf")
    built = tmp_path / "andorra.graph.npz"
    assert CliRunner().invoke(app, ["graph", "build", "road", mine.meta["road"], "--out", str(built)]).exit_code == 0
    again = tmp_path / "again.json"
    res = CliRunner().invoke(app, ["generate", "vrp", "--road", str(built), "-n", "50", "--seed", "0", "--out", str(again)])
    assert res.exit_code == 0, res.output
    meta = read_instance(again).meta  # the file given, and the raw file it was built from
    assert meta["road"] == str(built) and meta["road_source"] == mine.meta["road"]
    for solver in ("pyvrp", "ortools"):
        assert solve(shipped, solver, time_limit=1, seed=0).feasible


def test_dimacs_graph_gives_costs_without_durations(tmp_path):
    from graphroute.graphs.road import read_dimacs

    gr = tmp_path / "ring.gr"
    n = 8
    gr.write_text(f"p sp {n} {n}\n" + "".join(f"a {i} {i % n + 1} {10 * i}\n" for i in range(1, n + 1)))
    inst = road_vrp_instance(read_dimacs(gr), customers=4, seed=0)
    assert inst.durations is None and inst.meta["durations"] is None
    assert solve(inst, "savings", time_limit=1, seed=0).feasible
