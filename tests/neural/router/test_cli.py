"""`graphroute route` through Typer's CliRunner: modes, JSON shape, pairs files and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from graphroute.graphs import save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute_cli.main import app

REPO = Path(__file__).resolve().parents[3]
CKPT = REPO / "data/checkpoints/router_road.pt"
runner = CliRunner()


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    return save_graph(synthetic_graph("grid", 100, seed=3), tmp_path_factory.mktemp("g") / "grid.graph.npz")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("mode", ["greedy", "astar", "k"])
def test_route_json(graph_file, mode):
    k = ["--k", 2] if mode == "k" else []  # --k applies to --mode k only
    res = run("route", graph_file, "--router", CKPT, "-s", 0, "-t", 99, "--mode", mode, *k, "--exact", "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["queries"][0]
    assert q["success"] and q["paths"][0]["nodes"][0] == "0" and q["paths"][0]["nodes"][-1] == "99"
    assert q["stretch"] >= 1 - 1e-12
    if mode == "astar":
        assert q["stretch"] == pytest.approx(1.0)
    if mode == "k":
        assert len(q["paths"]) == 2


def test_route_pairs_file_and_table(graph_file, tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("# source target\n0 99\n5 50\n")
    res = run("route", graph_file, "--router", CKPT, "--pairs", pairs)
    assert res.exit_code == 0, res.output
    assert "router greedy" in res.output


@pytest.mark.parametrize("args, message", [
    (["-s", 0], "give --source and --target"),
    (["-s", 0, "-t", 5000], "unknown node '5000'"),
    (["-s", 0, "-t", 5, "--mode", "fast"], "unknown mode 'fast'"),
    (["-s", 0, "-t", 5, "--mode", "k", "--k", 0], "--k must be at least 1"),
    (["-s", 0, "-t", 5, "--mode", "astar", "--k", 2], "--k applies to --mode k"),
    (["-s", 0, "-t", 5, "--steps", -1], "--steps must be auto, 0 (run to convergence) or a positive number"),
    (["-s", 0, "-t", 5, "--router", "missing.pt"], "router checkpoint not found"),
    (["-s", 0, "-t", 5, "--router", REPO / "pyproject.toml"], "not a readable checkpoint"),
])
def test_route_bad_input_is_one_line(graph_file, args, message):
    args = list(args)
    if "--router" not in args:
        args += ["--router", CKPT]
    res = run("route", graph_file, *args)
    assert res.exit_code == 1
    assert message in res.output and "Traceback" not in res.output


def test_route_missing_graph(tmp_path):
    res = run("route", tmp_path / "nope.graph.npz", "--router", CKPT, "-s", 0, "-t", 1)
    assert res.exit_code == 1 and "no such file" in res.output


def test_compare_task_paths_json_and_csv(graph_file, tmp_path):
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", graph_file, "--router", CKPT, "--queries", 12, "--steps", 5, "--k", 2,
              "--k-queries", 3, "--out", out, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["task"] == "paths" and info["baseline"] == "Dijkstra" and info["steps"] == 5
    by = {r["method"]: r for r in info["rows"]}
    assert {"router greedy", "untrained greedy", "learned A*", "Euclidean A*", "geo forwarding", "Dijkstra",
            "router K=2", "Yen K=2"} == set(by)
    assert by["Dijkstra"]["speed_vs_baseline"] == pytest.approx(1.0)
    for exact in ("learned A*", "Euclidean A*", "Dijkstra"):
        assert by[exact]["success"] == 1.0 and by[exact]["mean_stretch"] == pytest.approx(1.0)
    assert by["Yen K=2"]["median_expanded"] is None  # NaN never reaches the JSON
    assert by["Dijkstra"]["median_expanded"] is None  # not counted: no number (the table shows "-"), not 0
    lines = (out / "paths_summary.csv").read_text().splitlines()
    dij = next(line for line in lines if line.startswith("Dijkstra,")).split(",")
    assert dij[lines[0].split(",").index("median_expanded")] == ""
    assert lines[0].startswith("method,steps,queries,success,mean_stretch,p95_stretch,share_optimal")
    assert len(lines) == 1 + len(info["rows"]) and (out / "paths_summary.md").is_file()
    assert not list(out.glob("*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["--baseline", "ortools"], "unknown baseline 'ortools' for --task paths"),
    (["--queries", "0"], "--queries must be at least 1"),
    (["--methods", "teleport"], "unknown method 'teleport'"),
    (["--router", "nope.pt"], "router checkpoint not found"),
    (["--queries", "99999999999999999999"], "--queries must be at most 1,000,000"),
    (["--k", "99999999999999999999"], "--k must be at most 1,000,000"),
    (["--out", "FILE/cmp"], "is a file, not a folder"),  # refused before the run, not after it
])
def test_compare_task_paths_bad_input(graph_file, args, message, tmp_path):
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / a) if a.startswith("FILE") else a for a in args]
    res = run("compare", "--task", "paths", graph_file, *args)
    assert res.exit_code == 1 and message in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_compare_task_paths_needs_one_graph(graph_file):
    res = run("compare", "--task", "paths")
    assert res.exit_code == 1 and "exactly one GRAPH file" in res.output
    res = run("compare", "--task", "maze", graph_file)
    assert res.exit_code == 1 and "unknown task 'maze'" in res.output


@pytest.mark.parametrize("steps", [0, 3])
def test_route_steps(graph_file, steps):
    """--steps 0 runs the pass to convergence (exact: greedy is optimal); a short pass still arrives."""
    res = run("route", graph_file, "--router", CKPT, "-s", 0, "-t", 99, "--steps", steps, "--exact", "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["queries"][0]
    assert q["success"] and q["stretch"] >= 1 - 1e-12
    if steps == 0:
        assert q["stretch"] == pytest.approx(1.0)


def test_compare_task_paths_contract(tmp_path):
    from tests.graphs.test_contract import chain_graph

    f = save_graph(chain_graph(3), tmp_path / "chains.graph.npz")
    res = run("compare", "--task", "paths", f, "--router", CKPT, "--queries", 8, "--k-queries", 2, "--contract",
              "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["contracted"] is True and info["nodes"] < info["graph_nodes"]
    by = {r["method"]: r for r in info["rows"]}
    assert by["Dijkstra"]["success"] == 1.0 and by["learned A*"]["mean_stretch"] == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["greedy", "astar", "k"])
def test_route_contract_expands_to_real_paths(tmp_path, mode):
    from tests.graphs.test_contract import chain_graph

    g = chain_graph(5)
    f = save_graph(g, tmp_path / "chains.graph.npz")
    s, t = 0, g.n_nodes - 3  # the target may be a shape point inside a chain: --contract keeps it
    plain = json.loads(run("route", f, "--router", CKPT, "-s", s, "-t", t, "--mode", mode, "--exact", "--no-contract",
                           "--json").stdout)
    res = run("route", f, "--router", CKPT, "-s", s, "-t", t, "--mode", mode, "--exact", "--contract", "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["queries"][0]
    assert q["success"] and q["optimal_cost"] == pytest.approx(plain["queries"][0]["optimal_cost"])
    w = {}
    for u, v, c in zip(g.sources().tolist(), g.indices.tolist(), g.weights().tolist()):
        w[(u, v)] = min(c, w.get((u, v), np.inf))
    for p in q["paths"]:
        nodes = [int(x) for x in p["nodes"]]
        assert nodes[0] == s and nodes[-1] == t
        assert sum(w[(u, v)] for u, v in zip(nodes, nodes[1:])) == pytest.approx(p["cost"])
    if mode == "astar":
        assert q["stretch"] == pytest.approx(1.0)


def test_route_defaults_contract_road_like_graphs_and_run_auto_steps(graph_file, tmp_path):
    """Defaults: chains are contracted when common (not on a grid), the pass depth is chosen per query."""
    from tests.graphs.test_contract import chain_graph

    chains = save_graph(chain_graph(5), tmp_path / "chains.graph.npz")
    for f, contracted in ((chains, True), (graph_file, False)):
        res = run("route", f, "--router", CKPT, "-s", 0, "-t", 7, "--exact", "--json")
        assert res.exit_code == 0, res.output
        info = json.loads(res.stdout)
        assert info["contracted"] is contracted and info["steps"] == "auto"
        assert info["queries"][0]["success"]
    res = run("route", graph_file, "--router", CKPT, "-s", 0, "-t", 7, "--steps", "many")
    assert res.exit_code == 1 and "--steps must be auto" in res.output


def test_compare_task_paths_auto_steps(graph_file, tmp_path):
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", graph_file, "--router", CKPT, "--queries", 10, "--k-queries", 2,
              "--methods", "router greedy,router K,Dijkstra", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["steps"] == "auto" and info["contracted"] is False  # a grid has no chains
    by = {r["method"]: r for r in info["rows"]}
    assert by["router greedy"]["success"] == 1.0 and by["router greedy"]["steps"] == "auto"
    assert by["router greedy"]["steps_used"] >= 1 and by["router K=3"]["steps_used"] >= 1
    assert by["Dijkstra"]["steps_used"] is None
    header = (out / "paths_summary.csv").read_text().splitlines()[0].split(",")
    assert header[-1] == "steps_used" and header[:2] == ["method", "steps"]
    res = run("compare", "--task", "paths", graph_file, "--router", CKPT, "--steps", "0")
    assert res.exit_code == 1 and "--steps must be auto or a positive number" in res.output


def _strict_json(text: str):
    def no_constant(name):  # noqa: ANN001, ANN202
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=no_constant)


@pytest.mark.parametrize("mode", ["greedy", "astar", "k"])
def test_route_unreachable_is_valid_json_with_a_reason(tmp_path, mode):
    """One-way 0 -> 1 -> 2: 2 -> 0 has no route; optimal_cost / stretch are null (not Infinity), every mode
    gives the reason, and the other pair of the batch is routed."""
    from graphroute.graphs import from_edges

    g = from_edges(np.array([0, 1]), np.array([1, 2]), 3, kind="synthetic", coords=np.array([[0, 0], [1, 0], [2, 0.0]]),
                   edge_attrs={"length": np.ones(2), "time": np.ones(2)})
    f = save_graph(g, tmp_path / "oneway.graph.npz")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("2 0\n0 2\n")
    res = run("route", f, "--router", CKPT, "--pairs", pairs, "--mode", mode, "--exact", "--no-contract", "--json")
    assert res.exit_code == 0, res.output
    bad, good = _strict_json(res.stdout)["queries"]
    assert bad["success"] is False and bad["paths"] == [] and bad["reason"]
    assert bad["optimal_cost"] is None and bad["stretch"] is None
    assert good["success"] and good["paths"][0]["nodes"] == ["0", "1", "2"] and good["optimal_cost"] == 2.0
    table = run("route", f, "--router", CKPT, "--pairs", pairs, "--mode", mode, "--exact", "--no-contract")
    assert table.exit_code == 0, table.output


@pytest.mark.parametrize("weight, best", [("length", 2.0), ("time", 2.0), ("hops", 2.0)])
def test_route_contracted_with_another_weight_is_optimal(tmp_path, weight, best):
    """Chain 0 - 1 - 2 with two parallel 1 -> 2 edges (time 1, length 10) and (time 2, length 1); default
    weight time. Contracted, each --weight must see its own cheapest parallel edge (the reviewer's case
    gave 11 "optimal" for length)."""
    from graphroute.graphs import from_edges

    g = from_edges(np.array([0, 1, 1, 1, 2]), np.array([1, 2, 2, 0, 1]), 3, kind="road",
                   coords=np.array([[0, 0], [0.001, 0], [0.002, 0.0]]),
                   edge_attrs={"time": np.array([1.0, 1.0, 2.0, 1.0, 1.0]),
                               "length": np.array([1.0, 10.0, 1.0, 1.0, 1.0])}, meta={"default_weight": "time"})
    f = save_graph(g, tmp_path / "par.graph.npz")
    for contract in ("--contract", "--no-contract"):
        res = run("route", f, "--router", CKPT, "-s", 0, "-t", 2, "-w", weight, "--mode", "astar", "--exact",
                  contract, "--json")
        assert res.exit_code == 0, res.output
        q = _strict_json(res.stdout)["queries"][0]
        assert q["optimal_cost"] == best and q["paths"][0]["cost"] == best, contract


def test_route_huge_k_is_one_line(graph_file):
    res = run("route", graph_file, "--router", CKPT, "-s", 0, "-t", 5, "--mode", "k", "--k", "99999999999999999999")
    assert res.exit_code == 1 and "--k must be at most" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("mode", ["greedy", "astar", "k"])
def test_route_source_is_target_gives_that_node_contracted_or_not(tmp_path, mode):
    """The reviewer's DIMACS chain 1 -> 2 -> 3, route 1 -> 1: ["1"] at cost 0 (contracted it was [],
    and the table showed hops -1)."""
    from graphroute.graphs import read_any

    gr = tmp_path / "chain3.gr"
    gr.write_text("p sp 3 2\na 1 2 5\na 2 3 7\n")
    f = save_graph(read_any(gr), tmp_path / "chain3.graph.npz")
    for contract in ("--contract", "--no-contract"):
        res = run("route", f, "--router", CKPT, "-s", 1, "-t", 1, "--mode", mode, "--exact", contract, "--json")
        assert res.exit_code == 0, res.output
        q = _strict_json(res.stdout)["queries"][0]
        assert q["success"] and q["paths"] == [{"nodes": ["1"], "cost": 0.0}] and q["stretch"] == 1.0, contract
        table = run("route", f, "--router", CKPT, "-s", 1, "-t", 1, "--mode", mode, contract)
        assert table.exit_code == 0 and "-1" not in table.output, table.output



def test_compare_task_paths_rows_share_keys_and_say_what_dijkstra_is(graph_file, tmp_path):
    """Every JSON row has the same keys, those of the CSV, null where one does not apply (kth_mean_stretch
    was on the K rows only); the JSON, the table and paths_summary.md say that "Dijkstra" is graphroute's
    pure-Python Dijkstra."""
    from graphroute_cli.compare_paths import CSV_FIELDS

    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", graph_file, "--router", CKPT, "--queries", 6, "--steps", 3, "--k", 2,
              "--k-queries", 2, "--out", out, "--json")
    assert res.exit_code == 0, res.output
    info = _strict_json(res.stdout)
    assert all(list(r) == CSV_FIELDS for r in info["rows"])
    by = {r["method"]: r for r in info["rows"]}
    assert by["Dijkstra"]["kth_mean_stretch"] is None and by["router greedy"]["kth_mean_stretch"] is None
    assert by["Yen K=2"]["kth_mean_stretch"] >= 1.0 and by["Yen K=2"]["steps_used"] is None
    assert "pure-Python" in info["notes"]["Dijkstra"] and "10x" in info["notes"]["Dijkstra"]
    assert "converted" in info["notes"]["timing"]
    assert "Dijkstra: graphroute's pure-Python" in (out / "paths_summary.md").read_text()
    table = run("compare", "--task", "paths", graph_file, "--router", CKPT, "--queries", 4, "--steps", 3,
                "--k-queries", 0)
    assert table.exit_code == 0 and "Dijkstra: graphroute's pure-Python" in " ".join(table.output.split())
