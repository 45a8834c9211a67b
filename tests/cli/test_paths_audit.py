"""`graphroute paths` (cli/paths.py), mutation audit: option conflicts, defaults passed to the library,
the table a person reads (title, columns, ranks, abbreviated node lists) and batch failures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from graphroute.graphs import read_any, save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.paths.query import run_query
from graphroute_cli.main import app

# DIMACS ids 1..6; three routes 1 -> 6: 1 2 3 6 (cost 4), 1 4 5 6 (cost 5), 1 6 (cost 9)
GR = "p sp 6 8\na 1 2 1\na 2 3 1\na 3 6 2\na 1 4 2\na 4 5 2\na 5 6 1\na 1 6 9\na 6 1 1\n"


def run(*args):
    return CliRunner().invoke(app, ["paths", *[str(a) for a in args]])


def one_line_error(res, needle: str) -> None:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and not res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr


def rows(text: str) -> list[list[str]]:
    """Cells of the body rows of the rich tables in ``text``."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.count("│") >= 2]


def headers(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("┃")[1:-1]] for line in text.splitlines() if line.count("┃") >= 2]


@pytest.fixture()
def gr(tmp_path):
    p = tmp_path / "tiny.gr"
    p.write_text(GR)
    return p


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return save_graph(synthetic_graph("grid", 36, seed=1), tmp_path_factory.mktemp("g") / "g36")


def chain(tmp_path, n: int):
    """One-way chain 1 -> 2 -> ... -> n, unit arcs."""
    p = tmp_path / f"chain{n}.gr"
    p.write_text(f"p sp {n} {n - 1}\n" + "".join(f"a {i} {i + 1} 1\n" for i in range(1, n)))
    return p


def nodes_of(res) -> list[list[str]]:
    assert res.exit_code == 0, res.output
    return [p["nodes"] for p in json.loads(res.stdout)["queries"][0]["paths"]]


# --- option conflicts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra,named", [(["--overlap", "jaccard"], "--overlap"), (["--max-overlap", "0.3"], "--max-overlap")])
def test_depart_refuses_overlap_options(gr, extra, named):
    """--depart with --overlap / --max-overlap (no --diverse) names the clash, not "--diverse" advice."""
    one_line_error(run(gr, "-s", 1, "-t", 6, "--depart", "08:00", *extra), f"does not combine with {named}")


@pytest.mark.parametrize("given", [["-s", 1], ["-t", 6], ["-s", 1, "-t", 6]])
def test_pairs_with_source_or_target_is_refused(gr, tmp_path, given):
    """--pairs with either --source or --target (or both) is one error, not a silent choice."""
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1 6\n")
    one_line_error(run(gr, "--pairs", pairs, *given), "give either --source/--target or --pairs, not both")


def test_target_alone_is_refused(gr):
    one_line_error(run(gr, "-t", 6), "give --source and --target, or --pairs FILE")


@pytest.mark.parametrize("value", ["0", "1"])
def test_max_overlap_bounds_are_accepted(gr, value):
    """0 and 1 are both in [0, 1]."""
    res = run(gr, "-s", 1, "-t", 6, "--k", 3, "--diverse", "--max-overlap", value, "--json")
    assert [len(p) for p in nodes_of(res)] == [4, 4, 2]


@pytest.mark.parametrize("value", ["1.5", "-0.25"])
def test_max_overlap_out_of_range_names_the_value(gr, value):
    one_line_error(run(gr, "-s", 1, "-t", 6, "--diverse", "--max-overlap", value), f"got {float(value):g}")


def test_dimacs_length_is_in_file_units_not_metres(tmp_path):
    """Walkthrough: a DIMACS graph's cost was labelled 'length (m)'; DIMACS lengths are the file's units."""
    gr = tmp_path / "g3.gr"
    gr.write_text("p sp 3 3\na 1 2 3\na 2 3 4\na 3 1 1\n")
    res = run(gr, "-s", 1, "-t", 3)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())  # the title wraps at the table's width
    assert "cost = length (file units)" in text and "(m)" not in text


def test_budget_below_k_names_the_options(gr):
    """Walkthrough: the library's 'budget (2) must be at least k (5)' reached the user."""
    one_line_error(run(gr, "-s", 1, "-t", 6, "--k", 5, "--diverse", "--budget", 2), "--budget (2) must be at least --k (5)")


# --- what reaches the library ---------------------------------------------------------------------------


def test_default_k_is_ten(grid):
    """No --k: the 10 shortest paths (the grid has many more)."""
    assert len(nodes_of(run(grid, "-s", 0, "-t", 35, "--json"))) == 10
    assert len(nodes_of(run(grid, "-s", 0, "-t", 35, "--k", 11, "--json"))) == 11


def _lib(grid, **kw):
    return [[read_any(grid).node_label(v) for v in p.nodes] for p in run_query(read_any(grid), "0", "35", **kw)]


def test_weight_is_passed_on(grid):
    """-w length routes by length (not the graph's default, time), as the library does."""
    by_length = nodes_of(run(grid, "-s", 0, "-t", 35, "--k", 2, "-w", "length", "--json"))
    assert by_length == _lib(grid, k=2, weight="length")
    assert by_length != nodes_of(run(grid, "-s", 0, "-t", 35, "--k", 2, "--json"))


def test_diverse_options_are_passed_on(grid):
    """--diverse, --max-overlap and --overlap give the library's diverse paths for those values;
    the default overlap bound is 0.5."""
    def cli(*extra):
        return nodes_of(run(grid, "-s", 0, "-t", 35, "--k", 5, "--diverse", *extra, "--json"))

    tight_length = cli("--max-overlap", "0.2", "--overlap", "length")
    assert tight_length == _lib(grid, k=5, diverse=True, max_overlap=0.2, measure="length")
    tight_jaccard = cli("--max-overlap", "0.2", "--overlap", "jaccard")
    assert tight_jaccard == _lib(grid, k=5, diverse=True, max_overlap=0.2, measure="jaccard")
    assert tight_length != tight_jaccard  # the measure matters here
    loose = cli("--max-overlap", "0.6")
    assert loose == _lib(grid, k=5, diverse=True, max_overlap=0.6) and loose != tight_jaccard
    assert cli() == _lib(grid, k=5, diverse=True, max_overlap=0.5) != _lib(grid, k=5, diverse=True, max_overlap=0.3)
    assert cli() != nodes_of(run(grid, "-s", 0, "-t", 35, "--k", 5, "--json"))  # not plain Yen


# --- the table ------------------------------------------------------------------------------------------


def test_table_title_columns_ranks_costs_and_hops(gr):
    res = run(gr, "-s", 1, "-t", 6, "--k", 3)
    assert res.exit_code == 0, res.output
    assert "1 -> 6: 3 shortest paths" in res.stdout
    assert headers(res.stdout) == [["#", "cost", "hops", "nodes"]]
    assert rows(res.stdout) == [["1", "4", "3", "1 > 2 > 3 > 6"], ["2", "5", "3", "1 > 4 > 5 > 6"], ["3", "9", "1", "1 > 6"]]
    div = run(gr, "-s", 1, "-t", 6, "--k", 2, "--diverse")
    assert div.exit_code == 0 and "1 -> 6: 2 diverse paths" in div.stdout


def test_table_fractional_cost_has_two_decimals(tmp_path):
    p = tmp_path / "frac.gr"
    p.write_text("p sp 2 1\na 1 2 7\n")
    g = read_any(p)
    g.edge_attrs["length"] = g.edge_attrs["length"] / 4  # 1.75
    f = save_graph(g, tmp_path / "frac")
    res = run(f, "-s", 1, "-t", 2, "--k", 1)
    assert res.exit_code == 0, res.output
    assert rows(res.stdout) == [["1", "1.75", "1", "1 > 2"]]


def test_table_shows_nine_nodes_in_full(tmp_path):
    res = run(chain(tmp_path, 9), "-s", 1, "-t", 9, "--k", 1)
    assert res.exit_code == 0, res.output
    assert rows(res.stdout)[0][3] == " > ".join(str(i) for i in range(1, 10))


def test_table_abbreviates_longer_paths_to_four_and_four(tmp_path):
    res = run(chain(tmp_path, 12), "-s", 1, "-t", 12, "--k", 1)
    assert res.exit_code == 0, res.output
    assert rows(res.stdout)[0] == ["1", "11", "11", "1 > 2 > 3 > 4 > ... (4 more) ... > 9 > 10 > 11 > 12"]


def test_kg_table_has_a_path_column(tmp_path):
    (tmp_path / "train.txt").write_text("a\tr\tb\nb\ts\tc\n")
    res = run(tmp_path, "-s", "a", "-t", "c", "--k", 1)
    assert res.exit_code == 0, res.output
    assert headers(res.stdout) == [["#", "cost", "hops", "path"]]
    assert rows(res.stdout) == [["1", "2", "2", "a -[r]-> b -[s]-> c"]]


def test_batch_table_gives_a_failed_pair_one_line_and_no_table(tmp_path):
    p = tmp_path / "oneway.gr"
    p.write_text("p sp 3 2\na 1 2 1\na 2 3 1\n")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("3 1\n1 3\n")
    res = run(p, "--pairs", pairs)
    assert res.exit_code == 0, res.output
    assert "3 -> 1: no path from node 3 to node 1" in res.stdout
    assert "3 -> 1: 0" not in res.stdout and "1 -> 3: 1 shortest path," in res.stdout
    assert rows(res.stdout) == [["1", "2", "2", "1 > 2 > 3"]]


@pytest.fixture()
def traffic(tmp_path):
    """Sensors a, b, c 1 km apart both ways, a day of 5-minute speeds (mph)."""
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\nb,c,1000\nc,b,1000\n")
    (tmp_path / "graph_sensor_locations.csv").write_text(
        "sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\nc,43.0,7.02\n")
    (tmp_path / "speed.csv").write_text("a,b,c\n" + "\n".join(["60,30,45"] * 288) + "\n")
    out = tmp_path / "t.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "traffic", str(tmp_path / "distances.csv"), "--sigma", "1000",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_depart_table_title_says_earliest_arrival_and_when(traffic):
    res = run(traffic, "-s", "a", "-t", "c", "--depart", "08:00")
    assert res.exit_code == 0, res.output
    assert "a -> c: 1 earliest arrival, leaving 08:00" in " ".join(res.stdout.split())  # the title may wrap
    row = rows(res.stdout)[0]
    assert row[0] == "1" and row[3:] == ["2", "a > b > c"]
    cost = float(row[1].replace(",", ""))  # the arrival column: 08:00 plus the travel time, as a time of day
    arrival = 8 * 3600 + cost
    assert row[2] == f"{int(round(arrival)) // 3600:02d}:{int(round(arrival)) % 3600 // 60:02d}:{int(round(arrival)) % 60:02d}"
    assert "cost = time (s)" in " ".join(res.stdout.split())


def test_json_on_a_names_graph_gives_the_file_ids_beside_the_names(tmp_path):
    """--json on a KG built with --names: "nodes" are the display names and "ids" the same nodes as the files
    spell them (source/target may be typed either way); a graph without names has no "ids"."""
    kg = tmp_path / "kg"
    kg.mkdir()
    (kg / "train.txt").write_text("Q1\ttreats\tQ5\nQ5\tcauses\tQ7\nQ2\ttreats\tQ7\n")
    (kg / "names.tsv").write_text("Q1\taspirin\nQ5\theadache\n")
    res = run(kg / "train.txt", "--source", "Q1", "--target", "Q7", "--json")
    assert res.exit_code == 0, res.output
    plain = json.loads(res.stdout)["queries"][0]["paths"][0]
    assert plain["nodes"] == ["Q1", "Q5", "Q7"] and "ids" not in plain  # built without --names: ids only
    built = tmp_path / "named.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "kg", str(kg / "train.txt"), "--names", str(kg / "names.tsv"),
                                   "--out", str(built)])
    assert res.exit_code == 0, res.output
    res = run(built, "--source", "aspirin", "--target", "Q7", "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["queries"][0]
    assert (q["source"], q["target"]) == ("aspirin", "Q7")
    assert q["paths"][0]["nodes"] == ["aspirin", "headache", "Q7"]
    assert q["paths"][0]["ids"] == ["Q1", "Q5", "Q7"]
