"""JSON contracts of the CLI that a mutation audit found unchecked: solve (plot title, integral
costs), paths --depart, route (stretch, expanded), compare --task paths, compare (vrp), evaluate --task kg,
explain and graph build/info."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

REPO = Path(__file__).resolve().parents[2]
CKPTS = REPO / "data" / "checkpoints"
ROUTER = CKPTS / "router_road.pt"
runner = CliRunner()

from tests.paths.test_paths_cli import GR  # noqa: E402  DIMACS ids 1..6; routes 1 -> 6 of cost 4 (1 2 3 6), 5 (1 4 5 6) and 9 (1 6)


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def ok_json(res) -> dict:
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture()
def gr(tmp_path) -> Path:
    p = tmp_path / "tiny.gr"
    p.write_text(GR)
    return p


# --- solve -------------------------------------------------------------------------------------------------


def test_solve_plot_title(examples, tmp_path, monkeypatch):  # S3
    import graphroute.plot
    from graphroute.problems.io import read_instance
    from graphroute_cli.common import fmt_num

    calls = []

    def fake_plot_routes(inst, routes, path, *, title=None):  # noqa: ANN001, ANN202
        calls.append({"inst": inst, "routes": routes, "path": path, "title": title})
        Path(path).write_bytes(b"")

    monkeypatch.setattr(graphroute.plot, "plot_routes", fake_plot_routes)
    file = examples / "tsp20.json"
    png = tmp_path / "r.png"
    obj = ok_json(run("solve", file, "-s", "nearest", "--plot", png, "--json"))
    assert len(calls) == 1
    name = read_instance(file).name
    gap = f", gap {obj['gap_to_bks_pct']:.2f}%" if obj.get("gap_to_bks_pct") is not None else ""
    assert calls[0]["title"] == f"{name} - nearest: {fmt_num(obj['cost'])}{gap}"
    assert calls[0]["title"].startswith(f"{name} - nearest: ")
    # drawn to a staged file beside the plot (same format), renamed into place once the run has succeeded
    assert Path(calls[0]["path"]).parent == png.parent and Path(calls[0]["path"]).suffix == ".png"
    assert png.exists() and not Path(calls[0]["path"]).exists()


TSP = """NAME: five
TYPE: TSP
DIMENSION: 5
EDGE_WEIGHT_TYPE: EUC_2D
NODE_COORD_SECTION
1 0 0
2 10 0
3 10 7
4 3 9
5 0 5
EOF
"""


def test_solve_json_integral_cost_is_an_integer(tmp_path):  # S4
    p = tmp_path / "five.tsp"
    p.write_text(TSP)
    res = run("solve", p, "-s", "nearest", "--json")
    obj = ok_json(res)
    assert type(obj["cost"]) is int and obj["cost"] > 0
    assert f'"cost": {obj["cost"]},' in res.stdout or f'"cost": {obj["cost"]}}}' in res.stdout
    assert f'"cost": {obj["cost"]}.0' not in res.stdout


def test_solve_result_to_dict_keeps_fractional_costs():
    from graphroute.solvers import SolveResult

    base = dict(solver="s", instance="i", problem="tsp", routes=[[0]], feasible=True, runtime_s=0.0, seed=0,
                time_limit_s=1.0, num_routes=1)
    d = SolveResult(cost=123.0, **base).to_dict()
    assert type(d["cost"]) is int and d["cost"] == 123
    assert SolveResult(cost=12.5, **base).to_dict()["cost"] == 12.5


# --- paths --depart ----------------------------------------------------------------------------------------


@pytest.fixture()
def traffic_csv(tmp_path) -> Path:
    """Sensors a, b, c in a line, 1 km apart, both ways; a day of 5-minute speeds (mph)."""
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\nb,c,1000\nc,b,1000\n")
    (tmp_path / "graph_sensor_locations.csv").write_text(
        "sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\nc,43.0,7.02\n")
    (tmp_path / "speed.csv").write_text("a,b,c\n" + "\n".join(["60,30,45"] * 288) + "\n")
    return tmp_path / "distances.csv"


def test_paths_depart_json(traffic_csv):  # P3
    g = traffic_csv.parent / "t.graph.npz"
    ok_json(run("graph", "build", "traffic", traffic_csv, "--sigma", 1000, "-o", g, "--json"))
    obj = ok_json(run("paths", g, "-s", "a", "-t", "c", "--depart", "08:00", "--json"))
    q = obj["queries"][0]
    assert q["success"] is True and len(q["paths"]) == 1
    p = q["paths"][0]
    assert p["nodes"] == ["a", "b", "c"]
    assert p["depart_s"] == 28800
    assert p["arrival_s"] > p["depart_s"]
    assert p["arrival_s"] == pytest.approx(28800 + 1000 / (60 * 0.44704) + 1000 / (30 * 0.44704), abs=1.0)


# --- route -------------------------------------------------------------------------------------------------


def test_route_k_stretch_is_the_first_paths(gr):  # RT2
    obj = ok_json(run("route", gr, "--router", ROUTER, "-s", 1, "-t", 6, "--mode", "k", "--k", 2, "--exact",
                      "--no-contract", "--json"))
    q = obj["queries"][0]
    assert [p["cost"] for p in q["paths"]] == [4.0, 5.0]
    assert q["optimal_cost"] == 4.0
    assert q["stretch"] == pytest.approx(q["paths"][0]["cost"] / q["optimal_cost"]) == pytest.approx(1.0)


def test_route_astar_reports_expansions(gr):  # RT3
    obj = ok_json(run("route", gr, "--router", ROUTER, "-s", 1, "-t", 6, "--mode", "astar", "--no-contract", "--json"))
    q = obj["queries"][0]
    assert q["success"] is True
    assert type(q["expanded"]) is int and q["expanded"] > 0


# --- compare --task paths ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory) -> Path:
    from graphroute.graphs import save_graph
    from graphroute.graphs.synthetic import synthetic_graph

    return save_graph(synthetic_graph("grid", 36, seed=3), tmp_path_factory.mktemp("g") / "grid.graph.npz")


def test_compare_paths_json_contract(grid_file, tmp_path):  # CQ2, CQ3, CQ5, CQ6
    from graphroute.graphs import read_any

    out = tmp_path / "cmp"
    info = ok_json(run("compare", "--task", "paths", grid_file, "--router", ROUTER, "--queries", 6, "--steps", 3,
                       "--k", 2, "--k-queries", 2, "--methods", "router greedy,Euclidean A*,Dijkstra",
                       "--out", out, "--json"))
    assert info["k"] == 2
    assert info["weight"] == read_any(grid_file).default_weight and info["weight"] is not None
    assert info["summary_csv"] == str(out / "paths_summary.csv")
    assert Path(info["summary_csv"]).is_file()
    by = {r["method"]: r for r in info["rows"]}
    base = by[info["baseline"]]
    assert info["baseline"] == "Dijkstra" and base["queries_per_s"] > 0
    assert base["speed_vs_baseline"] == pytest.approx(1.0)
    others = [r for r in info["rows"] if r["method"] != info["baseline"]]
    assert others
    for r in others:
        assert r["queries_per_s"] > 0
        assert r["speed_vs_baseline"] == pytest.approx(r["queries_per_s"] / base["queries_per_s"], rel=1e-9)


def test_compare_paths_explicit_weight_and_other_baseline(grid_file):
    info = ok_json(run("compare", "--task", "paths", grid_file, "--router", ROUTER, "--queries", 4, "--steps", 3,
                       "--k", 3, "--k-queries", 0, "--weight", "length", "--baseline", "euclidean-astar",
                       "--methods", "router greedy,Dijkstra", "--json"))
    assert info["weight"] == "length" and info["k"] == 3 and "summary_csv" not in info
    by = {r["method"]: r for r in info["rows"]}
    base = by["Euclidean A*"]
    for r in info["rows"]:
        assert r["speed_vs_baseline"] == pytest.approx(r["queries_per_s"] / base["queries_per_s"], rel=1e-9)


# --- compare (vrp) -----------------------------------------------------------------------------------------


def test_compare_json_names_results_csv(examples, tmp_path):  # CC1
    out = tmp_path / "cmp"
    info = ok_json(run("compare", examples / "tsp20.json", "--baseline", "nearest", "--solvers", "savings", "-t", 0.5,
                       "--workers", 1, "--seeds", 0, "--out", out, "--json"))
    assert info["results_csv"] == str(out / "results.csv")
    assert info["results_csv"].endswith("results.csv") and Path(info["results_csv"]).is_file()
    assert info["summary_md"] == str(out / "summary.md")
    assert info["out"] == str(out)


# --- evaluate --task kg / explain --------------------------------------------------------------------------


@pytest.mark.parametrize("name, model", [("kg_umls.pt", "nbfnet"), ("kg_umls_distmult.pt", "distmult")])
def test_evaluate_kg_json_contract(shared_data, name, model):  # E1, E2, E4, E5
    from graphroute.neural.train import resolve_device

    kg = shared_data / "kg" / "UMLS"
    res = ok_json(run("evaluate", "--task", "kg", "--checkpoint", CKPTS / name, "--split", "valid", "--data", kg,
                      "--max-queries", 4, "--device", "cpu", "--json"))
    assert res["split"] == "valid"
    assert res["data"] == str(kg)  # as given, not the checkpoint's recorded '../shared/data/kg/UMLS'
    assert res["device"] == "cpu"
    assert res["model"] == model
    assert res["checkpoint"] == str(CKPTS / name)
    if name == "kg_umls.pt":  # --device auto is reported resolved, never as "auto"
        res = ok_json(run("evaluate", "--task", "kg", "--checkpoint", CKPTS / name, "--data", kg,
                          "--max-queries", 2, "--device", "auto", "--json"))
        assert res["device"] == str(resolve_device("auto")) and res["split"] == "test"


def test_explain_json_echoes_head_and_relation(shared_data):  # X1
    kg = shared_data / "kg" / "UMLS"
    head, relation = (kg / "test.txt").read_text().split("\n")[0].split("\t")[:2]
    assert head != relation
    obj = ok_json(run("explain", kg, "--checkpoint", CKPTS / "kg_umls.pt", "--head", head,
                      "--relation", relation, "--top", 1, "--paths", 1, "--json"))
    assert obj["head"] == head
    assert obj["relation"] == relation
    assert obj["checkpoint"] == str(CKPTS / "kg_umls.pt")


# --- graph build / info ------------------------------------------------------------------------------------


@pytest.fixture()
def three_nodes(tmp_path) -> Path:
    """Arcs 1->2 (length 1), 2->1 (2), 2->3 (7); coordinates (0,0), (2,1), (5,3)."""
    gr = tmp_path / "three.gr"
    gr.write_text("p sp 3 3\na 1 2 1\na 2 1 2\na 2 3 7\n")
    (tmp_path / "three.co").write_text("v 1 0 0\nv 2 2000000 1000000\nv 3 5000000 3000000\n")
    return gr


def _check_three(info: dict) -> None:
    assert info["nodes"] == 3 and info["edges"] == 3
    assert info["strong_components"] == 2
    assert info["largest_component"] == 2
    assert info["bbox"] == pytest.approx([0.0, 0.0, 5.0, 3.0])
    assert info["length_range"] == pytest.approx([1.0, 7.0])
    assert info["out_degree"]["mean"] == pytest.approx(1.0)
    assert info["out_degree"]["min"] == 0 and info["out_degree"]["max"] == 2


def test_graph_info_json(three_nodes):  # G1, G2, G4, G5
    _check_three(ok_json(run("graph", "info", three_nodes, "--json")))


def test_graph_build_json_names_the_file(three_nodes, tmp_path):  # G6
    out = tmp_path / "three.graph.npz"
    info = ok_json(run("graph", "build", "road", three_nodes, "-o", out, "--json"))
    assert "file" in info and Path(info["file"]).is_file()
    assert Path(info["file"]).resolve() == out.resolve()
    _check_three(info)
    again = ok_json(run("graph", "info", info["file"], "--json"))
    _check_three(again)
    assert "file" not in again
