"""`graphroute compare --task paths`: what a mutation audit of cli/compare_paths.py found unchecked: the
inclusive bounds of its options, the largest-SCC restriction, graphs without coordinates, the seed and
weight that reach the comparison, non-finite values in the CSV and the table, and paths_summary.md."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute.graphs import from_edges, read_any, save_graph  # noqa: E402
from graphroute.graphs.synthetic import synthetic_graph  # noqa: E402
from graphroute_cli.compare_paths import CSV_FIELDS, MAX_QUERIES  # noqa: E402
from graphroute_cli.main import app  # noqa: E402
from tests.cli._errors import one_line_error  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CKPT = REPO / "data" / "checkpoints" / "router_road.pt"
# DIMACS ids 1..6, strongly connected, no coordinates: 1 -> 2 -> 3 -> 6, 1 -> 4 -> 5 -> 6, 1 -> 6, 6 -> 1
GR = "p sp 6 8\na 1 2 1\na 2 3 1\na 3 6 2\na 1 4 2\na 4 5 2\na 5 6 1\na 1 6 9\na 6 1 1\n"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def strict_json(text: str) -> dict:
    def no_constant(name):  # noqa: ANN001, ANN202
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=no_constant)


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory) -> Path:
    return save_graph(synthetic_graph("grid", 36, seed=3), tmp_path_factory.mktemp("g") / "grid.graph.npz")


@pytest.fixture(scope="module")
def tail_file(tmp_path_factory) -> Path:
    """The 36-node grid plus node 36 with one edge 36 -> 0 and none into it: a 37-node graph whose largest
    strongly connected component is the grid."""
    g = synthetic_graph("grid", 36, seed=3)
    src = np.append(g.sources(), 36)
    dst = np.append(g.indices, 0)
    attrs = {k: np.append(np.asarray(v, dtype=float), 1.0) for k, v in g.edge_attrs.items()}
    coords = np.vstack([g.coords, g.coords[0] + 0.01])
    tail = from_edges(src, dst, 37, kind="synthetic", coords=coords, edge_attrs=attrs,
                      meta={"default_weight": g.default_weight})
    return save_graph(tail, tmp_path_factory.mktemp("t") / "tail.graph.npz")


class FakeCompare:
    """Stands in for compare_routers: records what it was given and returns fixed rows (one per method),
    with a NaN and an infinity where the real one can give them."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, g, model, pairs, **kw):  # noqa: ANN001
        self.calls.append({"graph": g, "pairs": np.asarray(pairs).copy(), **kw})
        rows = []
        for m in kw["methods"]:
            base = m == "Dijkstra"
            rows.append({"method": m, "steps": None if base else kw["steps"], "queries": len(pairs),
                         "success": 0.5, "mean_stretch": math.inf if m == "router greedy" else 1.25,
                         "p95_stretch": math.nan, "share_optimal": 0.25,
                         "median_expanded": math.nan if base else 7.0,
                         "queries_per_s": 100.0 if base else 300.0, "seconds": 0.5,
                         "kth_mean_stretch": math.nan, "steps_used": None if base else 2})
        return rows


@pytest.fixture()
def fake(monkeypatch) -> FakeCompare:
    import graphroute.neural.router.evaluate as ev

    f = FakeCompare()
    monkeypatch.setattr(ev, "compare_routers", f)
    return f


# --- option bounds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--queries", MAX_QUERIES, "--seed", -1], "--seed must be an integer in 0.."),  # the cap itself is allowed
    (["--queries", 1, "--steps", 0], "--steps must be auto or a positive number"),
    (["--k-queries", -1], "--k-queries must be at least 0, got -1"),
    (["--k-queries", 0, "--k", 0], "--k must be at least 1, got 0"),
    (["--k", 1, "--out", "FILE/cmp"], "is a file, not a folder"),
    (["--k", 1_000_000, "--out", "FILE/cmp"], "is a file, not a folder"),
    (["--k", 1_000_001], "--k must be at most 1,000,000, got 1000001"),
    (["--queries", MAX_QUERIES + 1], f"--queries must be at most {MAX_QUERIES:,}, got {MAX_QUERIES + 1}"),
])
def test_option_bounds_are_inclusive_and_checked_in_order(grid_file, tmp_path, args, message):
    """The smallest and largest allowed values pass their own check (the next check then speaks)."""
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / a) if str(a).startswith("FILE") else a for a in args]
    res = run("compare", "--task", "paths", grid_file, "--router", CKPT, *args)
    one_line_error(res, message)


# --- the graph that is compared ----------------------------------------------------------------------------


def test_pairs_come_from_the_largest_strongly_connected_component(tail_file, tmp_path):
    """A node no route reaches is left out: every pair is routable, nodes vs graph_nodes say so (also in the .md)."""
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", tail_file, "--router", CKPT, "--queries", 40, "--k-queries", 0,
              "--methods", "Dijkstra", "--no-contract", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    info = strict_json(res.stdout)
    assert info["nodes"] == 36 and info["graph_nodes"] == 37 and info["contracted"] is False
    assert info["rows"][0]["method"] == "Dijkstra" and info["rows"][0]["success"] == 1.0
    md = (out / "paths_summary.md").read_text()
    assert "largest strongly connected component: 36 of 37 nodes" in md and "chains contracted" not in md


def test_summary_names_the_router_relative_to_the_working_folder(tail_file, tmp_path, monkeypatch):
    """The shipped router resolves to an absolute path: the published tables named the author's checkout."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", tail_file, "--queries", 6, "--k-queries", 0,
              "--methods", "Dijkstra", "--no-contract", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    assert strict_json(res.stdout)["router"] == str(CKPT)  # the JSON keeps the resolved path
    assert "router data/checkpoints/router_road.pt, truncated" in (out / "paths_summary.md").read_text()
    monkeypatch.chdir(tmp_path)  # outside the working folder: the path as it is
    res = run("compare", "--task", "paths", tail_file, "--queries", 6, "--k-queries", 0,
              "--methods", "Dijkstra", "--no-contract", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    assert f"router {CKPT}, truncated" in (out / "paths_summary.md").read_text()


def test_a_graph_without_coordinates_runs_without_the_geometric_methods(tmp_path):
    """DIMACS without coordinates: Euclidean A* and geo forwarding are dropped, and cannot be the baseline."""
    gr = tmp_path / "six.gr"
    gr.write_text(GR)
    res = run("compare", "--task", "paths", gr, "--router", CKPT, "--queries", 6, "--k-queries", 0, "--steps", 3,
              "--no-contract", "--json")
    assert res.exit_code == 0, res.output
    methods = [r["method"] for r in strict_json(res.stdout)["rows"]]
    assert "Dijkstra" in methods and "router greedy" in methods
    assert "Euclidean A*" not in methods and "geo forwarding" not in methods


def test_k_queries_0_says_the_k_rows_were_not_run(tmp_path):
    """The default methods include router K and Yen K; --k-queries 0 used to drop their rows silently."""
    gr = tmp_path / "six.gr"
    gr.write_text(GR)
    res = run("compare", "--task", "paths", gr, "--router", CKPT, "--queries", 6, "--k-queries", 0, "--steps", 3,
              "--no-contract", "--json")
    info = strict_json(res.stdout)
    assert info["k_queries"] == 0 and not {"router K", "Yen K"} & {r["method"] for r in info["rows"]}
    assert info["notes"]["K alternatives"] == "router K and Yen K not run: --k-queries 0"
    res = run("compare", "--task", "paths", gr, "--router", CKPT, "--queries", 6, "--k-queries", 0, "--steps", 3,
              "--no-contract", "--methods", "Dijkstra,Yen K")
    assert res.exit_code == 0 and "Yen K not run: --k-queries 0" in res.stdout
    res = run("compare", "--task", "paths", gr, "--router", CKPT, "--queries", 3, "--k-queries", 9, "--steps", 3,
              "--no-contract", "--methods", "Dijkstra,Yen K", "--json")
    info = strict_json(res.stdout)
    assert info["k_queries"] == 3 and "K alternatives" not in info["notes"]
    assert next(r for r in info["rows"] if r["method"].startswith("Yen K"))["queries"] == 3


def test_no_coordinates_refuses_euclidean_baseline(tmp_path):
    gr = tmp_path / "six.gr"
    gr.write_text(GR)
    res = run("compare", "--task", "paths", gr, "--router", CKPT, "--queries", 2, "--baseline", "euclidean-astar",
              "--no-contract")
    one_line_error(res, "six.gr has no coordinates: Euclidean A* cannot be the baseline")


def test_an_unknown_weight_is_refused_not_ignored(grid_file):
    """--weight names an edge attribute the comparison routes on; a misspelt one is an error, not the default."""
    res = run("compare", "--task", "paths", grid_file, "--router", CKPT, "--queries", 2, "--k-queries", 0,
              "--methods", "Dijkstra", "--no-contract", "--weight", "lenght")
    one_line_error(res, "lenght")


def test_seed_picks_the_pairs_and_is_reported(grid_file, fake):
    """--seed gives the seeded pairs of random_pairs on the compared graph, and the JSON reports it."""
    from graphroute.neural.router.evaluate import random_pairs

    for seed in (0, 7):
        res = run("compare", "--task", "paths", grid_file, "--router", CKPT, "--queries", 9, "--seed", seed,
                  "--no-contract", "--json")
        assert res.exit_code == 0, res.output
        assert strict_json(res.stdout)["seed"] == seed
        assert np.array_equal(fake.calls[-1]["pairs"], random_pairs(36, 9, seed=seed))
    assert not np.array_equal(fake.calls[0]["pairs"], fake.calls[1]["pairs"])


def test_contraction_keeps_the_cheapest_parallel_edge_by_the_given_weight(tmp_path, fake):
    """Chain 0 - 1 - 2 with parallel 1 -> 2 edges (time 1, length 10) and (time 2, length 1), default weight
    time: contracted for --weight length, the graph compared has 0 -> 2 of length 2, not 11."""
    g = from_edges(np.array([0, 1, 1, 1, 2]), np.array([1, 2, 2, 0, 1]), 3, kind="road",
                   coords=np.array([[0, 0], [0.001, 0], [0.002, 0.0]]),
                   edge_attrs={"time": np.array([1.0, 1.0, 2.0, 1.0, 1.0]),
                               "length": np.array([1.0, 10.0, 1.0, 1.0, 1.0])}, meta={"default_weight": "time"})
    f = save_graph(g, tmp_path / "par.graph.npz")
    res = run("compare", "--task", "paths", f, "--router", CKPT, "--queries", 2, "--contract", "--weight", "length",
              "--json")
    assert res.exit_code == 0, res.output
    info = strict_json(res.stdout)
    assert info["contracted"] is True and info["nodes"] == 2 and info["weight"] == "length"
    cg = fake.calls[-1]["graph"]
    assert fake.calls[-1]["weight"] == "length"
    lengths = {(int(u), int(v)): float(w) for u, v, w in zip(cg.sources(), cg.indices, cg.weights("length"))}
    assert sorted(lengths.values()) == [2.0, 2.0]


# --- non-finite values, the table and the reports ------------------------------------------------------------


def test_non_finite_values_are_null_in_json_and_empty_in_the_csv(grid_file, tmp_path, fake):
    """NaN and infinity are no numbers: null in the JSON, an empty CSV cell; speed is against the baseline."""
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", grid_file, "--router", CKPT, "--queries", 4, "--steps", 3,
              "--methods", "router greedy,Dijkstra", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    by = {r["method"]: r for r in strict_json(res.stdout)["rows"]}
    assert by["router greedy"]["mean_stretch"] is None and by["router greedy"]["p95_stretch"] is None
    assert by["router greedy"]["speed_vs_baseline"] == 3.0 and by["Dijkstra"]["speed_vs_baseline"] == 1.0
    with open(out / "paths_summary.csv", newline="") as fh:
        rows = {r["method"]: r for r in csv.DictReader(fh)}
    assert list(rows["Dijkstra"]) == CSV_FIELDS
    assert rows["router greedy"]["mean_stretch"] == "" and rows["router greedy"]["p95_stretch"] == ""
    assert rows["Dijkstra"]["median_expanded"] == "" and rows["router greedy"]["median_expanded"] == "7.0"
    assert float(rows["router greedy"]["speed_vs_baseline"]) == 3.0


def test_table_shows_percentages_dashes_and_speed_against_the_baseline(grid_file, tmp_path, fake):
    """Table: success and optimal share in %, "-" for what has no number (NaN, infinity, Dijkstra's expansions),
    x base = queries/s over the baseline's, the notes, and where --out wrote its files."""
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", grid_file, "--router", CKPT, "--queries", 4, "--steps", 3,
              "--methods", "router greedy,Dijkstra", "--out", out)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    greedy = next(line for line in lines if "router greedy" in line).split()
    dijkstra = next(line for line in lines if line.strip("│| ").startswith("Dijkstra ")).split()
    cells = [c for c in greedy if c not in "│|"]
    # method (two words), steps, success %, stretch, p95, optimal %, expanded, queries/s, x base
    assert cells[2:] == ["3", "50.00", "-", "-", "25.0", "7", "300.0", "3.00"]
    cells = [c for c in dijkstra if c not in "│|"]
    assert cells[1:] == ["-", "50.00", "1.2500", "-", "25.0", "-", "100.0", "1.00"]
    text = " ".join(res.stdout.split())
    assert "grid.graph.npz: 36 nodes (largest SCC), 4 pairs" in text and "chains contracted" not in text
    assert "Dijkstra: graphroute's pure-Python" in text and "timing: every method" in text
    assert f"results: {out}/paths_summary.csv, {out}/paths_summary.md" in text


def test_reports_say_when_chains_were_contracted_and_what_auto_steps_mean(tmp_path, fake):
    """paths_summary.md and the table title say "chains contracted" only for a contracted graph; the .md explains
    --steps auto and gives the number otherwise."""
    from graphroute.graphs.contract import contract_chains
    from tests.graphs.test_contract import chain_graph

    f = save_graph(chain_graph(3), tmp_path / "chains.graph.npz")
    g = read_any(f)
    junctions = contract_chains(g.largest_scc()).graph.largest_scc().n_nodes
    assert junctions < g.largest_scc().n_nodes < g.n_nodes
    out = tmp_path / "cmp"
    res = run("compare", "--task", "paths", f, "--router", CKPT, "--queries", 4, "--contract", "--out", out)
    assert res.exit_code == 0, res.output
    assert "chains contracted" in " ".join(res.stdout.split())
    md = (out / "paths_summary.md").read_text()
    scc = g.largest_scc().n_nodes
    assert (f"- largest strongly connected component: {scc:,} of {g.n_nodes:,} nodes, chains contracted to "
            f"{junctions:,} junctions, ") in md  # it said "{junctions} of {g.n_nodes} nodes": two different graphs
    assert json.loads(run("compare", "--task", "paths", f, "--router", CKPT, "--queries", 4, "--contract",
                          "--json").stdout)["component_nodes"] == scc
    assert "T=auto steps (until the exact wave reaches the sources, x1.5)" in md
    res = run("compare", "--task", "paths", f, "--router", CKPT, "--queries", 4, "--no-contract", "--steps", 3,
              "--out", out)
    assert res.exit_code == 0, res.output
    assert "chains contracted" not in " ".join(res.stdout.split())
    md = (out / "paths_summary.md").read_text()
    assert "chains contracted" not in md and "T=3 steps, baseline Dijkstra" in md and "x1.5" not in md


def test_an_out_folder_where_nothing_can_be_written_is_refused_before_the_run(tmp_path, monkeypatch):
    """A read-only --out failed only after the whole comparison had run; it is refused up front now (the
    folder's refusal is simulated: the tests may run as root, who writes into read-only folders)."""
    import contextlib

    import graphroute.problems.io as gio

    @contextlib.contextmanager
    def refused(path):  # noqa: ANN001, ANN202
        raise PermissionError(13, "Permission denied", str(path))
        yield

    graph = save_graph(synthetic_graph("grid", 16, seed=0), tmp_path / "g.graph.npz")
    called = []
    monkeypatch.setattr("graphroute.neural.router.evaluate.compare_routers", lambda *a, **k: called.append(1))
    monkeypatch.setattr(gio, "temp_file_beside", refused)
    (tmp_path / "cmp").mkdir()
    res = run("compare", "--task", "paths", graph, "--router", CKPT, "--queries", 2, "--out", tmp_path / "cmp")
    one_line_error(res, f"--out {tmp_path / 'cmp'} cannot be written (Permission denied)")
    assert not called
