"""paths: --overlap / --max-overlap without --diverse are refused, not ignored (fuzz review defect 6)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graphroute.graphs import save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute_cli.main import app


@pytest.fixture
def grid(tmp_path):
    return save_graph(synthetic_graph("grid", 16), tmp_path / "g")


@pytest.mark.parametrize("args,msg", [
    (["--overlap", "jaccard"], "--overlap applies to --diverse paths"),
    (["--max-overlap", "0.3"], "--max-overlap applies to --diverse paths"),
    (["--overlap", "nodes", "--max-overlap", "0.3"], "--overlap and --max-overlap apply to --diverse"),
    (["--overlap", "bogus", "--diverse"], "unknown overlap measure 'bogus'"),
    (["--budget", "100"], "--budget applies to --diverse paths"),
])
def test_diverse_options_alone(grid, args, msg):
    res = CliRunner().invoke(app, ["paths", str(grid), "-s", "0", "-t", "15", "--k", "2", *args])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output


def test_diverse_options_with_diverse_still_work(grid):
    res = CliRunner().invoke(app, ["paths", str(grid), "-s", "0", "-t", "15", "--k", "2", "--diverse",
                                   "--overlap", "jaccard", "--max-overlap", "0.9", "--json"])
    assert res.exit_code == 0, res.output


@pytest.fixture
def kg(tmp_path):
    from tests.neural.kg.conftest import write_kg

    folder = write_kg(tmp_path / "k", [("a", "r1", "b"), ("b", "r2", "c"), ("a", "r3", "c")], [("a", "r1", "c")],
                      [("b", "r1", "c")])
    res = CliRunner().invoke(app, ["graph", "build", "kg", str(folder), "--out", str(tmp_path / "kg")])
    assert res.exit_code == 0, res.output
    return tmp_path / "kg.graph.npz"


@pytest.mark.parametrize("args,msg", [
    ([], "(the default on knowledge graphs)"),
    (["--overlap", "relations"], "--max-overlap does not apply to the relations measure: "),
])
def test_max_overlap_with_the_relations_measure_is_refused(kg, args, msg):
    """Walkthrough finding: on a KG the default measure (relations) never reads --max-overlap, yet 0.0 was
    accepted and gave the same paths as 0.5."""
    res = CliRunner().invoke(app, ["paths", str(kg), "-s", "a", "-t", "c", "--k", "3", "--diverse",
                                   "--max-overlap", "0.0", *args])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    ok = CliRunner().invoke(app, ["paths", str(kg), "-s", "a", "-t", "c", "--k", "3", "--diverse", "--overlap", "nodes",
                                  "--max-overlap", "0.0", "--json"])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("command", ["paths", "route"])
def test_an_unknown_node_in_a_pairs_file_names_its_line(grid, tmp_path, command):
    """Walkthrough finding: malformed lines were named by line, an unknown node was not."""
    pairs = tmp_path / "p.txt"
    pairs.write_text("0 15\n# a comment\n\n3 999\n")
    res = CliRunner().invoke(app, [command, str(grid), "--pairs", str(pairs)])
    assert res.exit_code == 1 and "p.txt: line 4: unknown node '999'" in res.stderr, res.output


def test_a_diverse_search_cut_by_its_budget_says_so(grid):
    """Fewer than K diverse paths because only 50 x K shortest paths were examined: a note, and the JSON says so."""
    import json

    base = ["paths", str(grid), "-s", "0", "-t", "15", "--k", "3", "--diverse", "--max-overlap", "0"]
    res = CliRunner().invoke(app, [*base, "--budget", "3"])
    assert res.exit_code == 0 and "diverse paths in the 3 shortest paths examined; --budget 6 looks further" in res.stdout
    q = json.loads(CliRunner().invoke(app, [*base, "--budget", "3", "--json"]).stdout)["queries"][0]
    assert (q["examined"], q["budget"], q["budget_reached"]) == (3, 3, True) and len(q["paths"]) < 3
    q = json.loads(CliRunner().invoke(app, [*base, "--json"]).stdout)["queries"][0]
    assert q["budget"] == 150 and len(q["paths"]) == 2  # a corner of a 4 x 4 grid has two edges: 2 at most
