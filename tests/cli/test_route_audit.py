"""`graphroute route` (cli/route.py), mutation audit: option checks and their messages, --steps parsing
and pass-through, the contraction default, the shipped checkpoint, the table a person reads and the
JSON of --mode k and of batches with several targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute.graphs import save_graph  # noqa: E402
from graphroute.graphs.synthetic import synthetic_graph  # noqa: E402
from graphroute.paths.yen import MAX_K  # noqa: E402
from graphroute_cli.main import app  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CKPT = REPO / "data/checkpoints/router_road.pt"

# DIMACS ids 1..6; three routes 1 -> 6: 1 2 3 6 (cost 4), 1 4 5 6 (cost 5), 1 6 (cost 9)
GR = "p sp 6 8\na 1 2 1\na 2 3 1\na 3 6 2\na 1 4 2\na 4 5 2\na 5 6 1\na 1 6 9\na 6 1 1\n"


def run(*args, router=True):
    return CliRunner().invoke(app, ["route", *[str(a) for a in args], *(["--router", str(CKPT)] if router else [])])


def ok_json(res) -> dict:
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def one_line_error(res, *needles: str) -> None:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and not res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.count("│") >= 2]


def headers(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("┃")[1:-1]] for line in text.splitlines() if line.count("┃") >= 2]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("route")
    (d / "tiny.gr").write_text(GR)
    (d / "oneway.gr").write_text("p sp 3 2\na 1 2 1\na 2 3 1\n")
    (d / "pairs.txt").write_text("3 1\n1 3\n")
    # a two-way path 1 - 2 - 3 and a lone node: 1 node of 4 (a quarter) has two neighbours
    (d / "quarter.gr").write_text("p sp 4 4\na 1 2 1\na 2 1 1\na 2 3 1\na 3 2 1\n")
    (d / "fifth.gr").write_text("p sp 5 4\na 1 2 1\na 2 1 1\na 2 3 1\na 3 2 1\n")  # 1 of 5
    (d / "grid_pairs.txt").write_text("0 99\n99 0\n0 55\n")
    save_graph(synthetic_graph("grid", 100, seed=3), d / "grid.graph.npz")
    return {p.name: p for p in d.iterdir()}


# --- option checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [["-s", 1], ["-t", 6]])
def test_pairs_with_source_or_target_is_refused(files, given):
    one_line_error(run(files["tiny.gr"], "--pairs", files["pairs.txt"], *given),
                   "give either --source/--target or --pairs, not both")


def test_target_alone_is_refused(files):
    one_line_error(run(files["tiny.gr"], "-t", 6), "give --source and --target, or --pairs FILE")


def test_k_up_to_max_k_is_accepted(files):
    """--k MAX_K is in range: all three routes of the tiny graph, not an error."""
    q = ok_json(run(files["tiny.gr"], "-s", 1, "-t", 6, "--mode", "k", "--k", MAX_K, "--no-contract", "--json"))
    assert [p["cost"] for p in q["queries"][0]["paths"]] == [4.0, 5.0, 9.0]
    one_line_error(run(files["tiny.gr"], "-s", 1, "-t", 6, "--mode", "k", "--k", MAX_K + 1), f"at most {MAX_K:,}")


@pytest.mark.parametrize("steps", ["AUTO", " auto "])
def test_steps_auto_in_any_case(files, steps):
    info = ok_json(run(files["tiny.gr"], "-s", 1, "-t", 6, "--steps", steps, "--json"))
    assert info["queries"][0]["success"] and info["steps"] == "auto"


@pytest.mark.parametrize("steps, shown", [(" 12 ", 12), ("007", 7), ("0", 0)])
def test_json_steps_is_the_parsed_number_as_compare_gives_it(files, steps, shown):
    """route --json echoes --steps as compare --task paths --json does: a number (0: to convergence), not the text."""
    info = ok_json(run(files["tiny.gr"], "-s", 1, "-t", 6, "--steps", steps, "--json"))
    assert info["steps"] == shown and type(info["steps"]) is int


def test_bad_steps_names_the_value(files):
    one_line_error(run(files["tiny.gr"], "-s", 1, "-t", 6, "--steps", "many"), "got 'many'")


def test_missing_router_names_the_path(files, tmp_path):
    missing = tmp_path / "nope.pt"
    one_line_error(CliRunner().invoke(app, ["route", str(files["tiny.gr"]), "-s", "1", "-t", "6", "--router", str(missing)]),
                   f"router checkpoint not found: {missing}")


def test_a_folder_is_not_a_router_checkpoint(files, tmp_path):
    """A folder is named as one, not as missing; a run folder's best.pt is offered."""
    one_line_error(CliRunner().invoke(app, ["route", str(files["tiny.gr"]), "-s", "1", "-t", "6", "--router", str(tmp_path)]),
                   f"router checkpoint {tmp_path} is a folder, not a file; give a checkpoint file, a .pt file")
    (tmp_path / "best.pt").write_bytes(b"")
    one_line_error(CliRunner().invoke(app, ["route", str(files["tiny.gr"]), "-s", "1", "-t", "6", "--router", str(tmp_path)]),
                   f"give a checkpoint file, e.g. {tmp_path / 'best.pt'}")


def test_default_router_is_the_shipped_checkpoint(files):
    q = ok_json(run(files["tiny.gr"], "-s", 1, "-t", 6, "--json", router=False))["queries"][0]
    assert q["success"] and q["paths"][0]["nodes"] == ["1", "2", "3", "6"]


# --- contraction --------------------------------------------------------------------------------------


def test_contraction_default_starts_at_a_quarter_of_chain_nodes(files):
    assert ok_json(run(files["quarter.gr"], "-s", 1, "-t", 3, "--json"))["contracted"] is True
    assert ok_json(run(files["fifth.gr"], "-s", 1, "-t", 3, "--json"))["contracted"] is False


def test_contract_flags_override_the_default(files):
    assert ok_json(run(files["quarter.gr"], "-s", 1, "-t", 3, "--no-contract", "--json"))["contracted"] is False
    info = ok_json(run(files["fifth.gr"], "-s", 1, "-t", 3, "--contract", "--json"))
    assert info["contracted"] is True and info["queries"][0]["paths"][0]["nodes"] == ["1", "2", "3"]


# --- the pass and the searches ------------------------------------------------------------------------


@pytest.mark.parametrize("contract", ["--contract", "--no-contract"])
def test_steps_reach_the_pass(files, contract):
    """A one-step pass is a poor estimate: learned A* expands more nodes than after a full pass (--steps 0)."""
    expanded = {}
    for steps in ("1", "0"):
        q = ok_json(run(files["grid.graph.npz"], "-s", 0, "-t", 99, "--mode", "astar", "--steps", steps, contract,
                        "--json"))["queries"][0]
        assert q["success"]
        expanded[steps] = q["expanded"]
    assert expanded["1"] > expanded["0"]


def test_full_pass_is_exact_for_the_chosen_weight(files):
    """--steps 0 with -w length: the pass is exact Bellman-Ford on lengths, so greedy is optimal for length
    (the grid's default weight is time; an estimate of times is off by about 6% here)."""
    q = ok_json(run(files["grid.graph.npz"], "-s", 0, "-t", 99, "-w", "length", "--steps", 0, "--exact",
                    "--json"))["queries"][0]
    assert q["success"] and q["stretch"] == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["astar", "k"])
def test_batch_with_several_targets_is_optimal_per_pair(files, mode):
    """Each pair uses the estimate of its own target: exact modes stay optimal on every pair."""
    info = ok_json(run(files["grid.graph.npz"], "--pairs", files["grid_pairs.txt"], "--mode", mode, "--exact", "--json"))
    qs = info["queries"]
    assert [(q["source"], q["target"]) for q in qs] == [("0", "99"), ("99", "0"), ("0", "55")]
    for q in qs:
        assert q["success"] and q["stretch"] == pytest.approx(1.0)
        assert q["paths"][0]["nodes"][0] == q["source"] and q["paths"][0]["nodes"][-1] == q["target"]
        if mode == "k":
            assert q["expanded"] is None  # K routes: no single expansion count
        else:
            assert type(q["expanded"]) is int


# --- the table ----------------------------------------------------------------------------------------


def test_table_with_exact(files):
    res = run(files["oneway.gr"], "--pairs", files["pairs.txt"], "--exact", "--no-contract")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].strip() == "router greedy on oneway.gr, steps auto"
    assert headers(res.stdout) == [["source", "target", "success", "cost", "hops", "expanded", "stretch"]]
    body = rows(res.stdout)
    assert body[0][:3] == ["3", "1", "no (no path from source to target)"] and body[0][3:5] == ["-", "-"]
    assert body[0][6] == "-"
    assert body[1][:5] == ["1", "3", "yes", "2", "2"] and body[1][5].isdigit() and body[1][6] == "1.0000"


def test_table_without_exact_has_no_stretch_column_and_says_contracted(files):
    res = run(files["quarter.gr"], "-s", 1, "-t", 3, "--mode", "k", "--k", 1)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].strip() == "router k on quarter.gr (chains contracted), steps auto"
    assert headers(res.stdout) == [["source", "target", "success", "cost", "hops", "expanded"]]
    assert rows(res.stdout) == [["1", "3", "yes", "2", "2", "-"]]


def test_table_stretch_of_each_alternative(files):
    """--mode k --exact: each row's stretch is its cost over the optimum (4, 5 and 9 over 4)."""
    res = run(files["tiny.gr"], "-s", 1, "-t", 6, "--mode", "k", "--k", 3, "--exact", "--no-contract")
    assert res.exit_code == 0, res.output
    assert [r[3] for r in rows(res.stdout)] == ["4", "5", "9"]
    assert [r[6] for r in rows(res.stdout)] == ["1.0000", "1.2500", "2.2500"]


def test_table_source_is_target_with_exact(files):
    """Optimal cost 0: the stretch is 1, not a division by zero."""
    res = run(files["tiny.gr"], "-s", 1, "-t", 1, "--exact", "--no-contract")
    assert res.exit_code == 0, res.output
    assert rows(res.stdout)[0][:5] == ["1", "1", "yes", "0", "0"] and rows(res.stdout)[0][6] == "1.0000"


# --- REAL BUG (see /work/audit/E/LOG.md): fails on the current code ----------------------------------------


@pytest.mark.parametrize("contract", ["--contract", "--no-contract"])
def test_astar_failure_reason_names_the_users_nodes(files, contract):
    """--mode astar explained 3 -> 1 (one-way 1 -> 2 -> 3) as "no path from node 2 to node 0": internal
    indices (of the contracted graph with --contract), where greedy and k say "no path from source to target"."""
    q = ok_json(run(files["oneway.gr"], "--pairs", files["pairs.txt"], "--mode", "astar", contract, "--json"))
    bad = q["queries"][0]
    assert bad["success"] is False and (bad["source"], bad["target"]) == ("3", "1")
    assert bad["reason"] in ("no path from source to target", "no path from node 3 to node 1"), bad["reason"]


def test_source_and_target_are_echoed_as_the_graph_names_them(files):
    """' 1 ' finds node 1 and the JSON says "1", as `paths` does (route echoed ' 1 ')."""
    q = ok_json(run(files["oneway.gr"], "--source", " 1 ", "--target", "3\t", "--mode", "astar", "--json"))
    item = q["queries"][0]
    assert (item["source"], item["target"]) == ("1", "3") and item["success"] is True
