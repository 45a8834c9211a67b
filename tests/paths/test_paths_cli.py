"""`graphroute paths` through Typer's CliRunner: tables, the JSON contract, KG verbalization, bad input."""

from __future__ import annotations

import json
from itertools import islice

import networkx as nx
import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

runner = CliRunner()

pytest.importorskip("graphroute.graphs")
graphs = pytest.importorskip("graphroute.graphs")
if not hasattr(graphs, "read_any"):
    pytest.skip("graphroute.graphs.read_any is not available yet", allow_module_level=True)

# DIMACS ids 1..6; two routes 1 -> 6 of cost 4 and 5, one of 9
GR = """c tiny test graph
p sp 6 8
a 1 2 1
a 2 3 1
a 3 6 2
a 1 4 2
a 4 5 2
a 5 6 1
a 1 6 9
a 6 1 1
"""

TRIPLES = """aspirin\ttreats\theadache
aspirin\tinteracts_with\twarfarin
warfarin\tcauses\tbleeding
headache\tsymptom_of\tmigraine
bleeding\tsymptom_of\tmigraine
aspirin\tcauses\tbleeding
"""


def run(*args):
    return runner.invoke(app, ["paths", *[str(a) for a in args]])


@pytest.fixture()
def gr(tmp_path):
    p = tmp_path / "tiny.gr"
    p.write_text(GR)
    return p


@pytest.fixture()
def kg(tmp_path):
    p = tmp_path / "train.txt"
    p.write_text(TRIPLES)
    return p


def test_json_contract_with_dimacs_ids(gr):
    res = run(gr, "--source", 1, "--target", 6, "--k", 3, "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert list(obj) == ["queries"] and len(obj["queries"]) == 1
    q = obj["queries"][0]
    assert str(q["source"]) == "1" and str(q["target"]) == "6"
    assert [p["cost"] for p in q["paths"]] == [4.0, 5.0, 9.0]
    assert [str(x) for x in q["paths"][0]["nodes"]] == ["1", "2", "3", "6"]
    assert [str(x) for x in q["paths"][2]["nodes"]] == ["1", "6"]
    # the documented keys: every query has success, every path nodes / cost / hops (edges on the path)
    assert list(q) == ["source", "target", "success", "paths"] and q["success"] is True
    assert all(list(p) == ["nodes", "cost", "hops"] and p["hops"] == len(p["nodes"]) - 1 for p in q["paths"])
    same = json.loads(run(gr, "--source", 1, "--target", 1, "--json").stdout)["queries"][0]["paths"]
    assert same == [{"nodes": ["1"], "cost": 0.0, "hops": 0}]


def test_table_and_pairs_file(gr, tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("# source target\n1 6\n\n4 3\n")
    res = run(gr, "--pairs", pairs, "--k", 2)
    assert res.exit_code == 0, res.output
    assert "1 -> 6" in res.stdout and "4 -> 3" in res.stdout
    res = run(gr, "--pairs", pairs, "--k", 2, "--json")
    obj = json.loads(res.stdout)
    assert [len(q["paths"]) for q in obj["queries"]] == [2, 1]  # 4 -> 5 -> 6 -> 1 -> 2 -> 3 is the only one
    assert obj["queries"][1]["paths"][0]["cost"] == 6.0


def test_diverse_drops_overlapping_paths(gr):
    plain = json.loads(run(gr, "-s", 1, "-t", 6, "--k", 3, "--json").stdout)["queries"][0]["paths"]
    div = json.loads(run(gr, "-s", 1, "-t", 6, "--k", 3, "--diverse", "--max-overlap", "0", "--json").stdout)
    costs = [p["cost"] for p in div["queries"][0]["paths"]]
    assert costs == [p["cost"] for p in plain]  # the three are edge-disjoint here


def test_kg_names_and_verbalized_paths(kg):
    res = run(kg, "--source", "aspirin", "--target", "migraine", "--k", 5, "--json")
    assert res.exit_code == 0, res.output
    paths = json.loads(res.stdout)["queries"][0]["paths"]
    assert [p["cost"] for p in paths] == [2.0, 2.0, 3.0]
    verbal = {p["verbalized"] for p in paths}
    assert "aspirin -[treats]-> headache -[symptom_of]-> migraine" in verbal
    assert "aspirin -[causes]-> bleeding -[symptom_of]-> migraine" in verbal
    assert "aspirin -[interacts_with]-> warfarin -[causes]-> bleeding -[symptom_of]-> migraine" in verbal
    table = run(kg, "--source", "aspirin", "--target", "migraine")
    assert table.exit_code == 0 and "-[treats]->" in table.stdout


def test_kg_diverse_relation_sequences(kg):
    res = run(kg, "-s", "aspirin", "-t", "migraine", "--k", 5, "--diverse", "--json")
    assert res.exit_code == 0, res.output
    paths = json.loads(res.stdout)["queries"][0]["paths"]
    seqs = [tuple(x for x in p["verbalized"].split() if x.startswith("-[")) for p in paths]
    assert len(seqs) == len(set(seqs))


def test_yen_on_the_cli_matches_networkx(gr):
    g = nx.DiGraph()
    for line in GR.splitlines():
        if line.startswith("a "):
            _, u, v, w = line.split()
            g.add_edge(u, v, weight=float(w))
    ref = [nx.path_weight(g, p, "weight") for p in islice(nx.shortest_simple_paths(g, "4", "2", weight="weight"), 10)]
    obj = json.loads(run(gr, "-s", 4, "-t", 2, "--json").stdout)
    assert [p["cost"] for p in obj["queries"][0]["paths"]] == ref


@pytest.mark.parametrize(
    "args,text",
    [
        (["-s", 1, "-t", 99], "99"),
        (["-s", "nowhere", "-t", 6], "nowhere"),
        (["-s", 1, "-t", 6, "--k", 0], "k must be a positive integer"),
        (["-s", 1, "-t", 6, "--k", -2], "k must be"),
        (["-s", 1], "--source and --target"),
        (["-s", 1, "-t", 6, "--max-overlap", 2], "--max-overlap"),
        (["-s", 1, "-t", 6, "--depart", "08:00"], "no time-dependent travel times"),
        (["-s", 1, "-t", 6, "--depart", "8 o'clock"], "departure time"),
        (["-s", 1, "-t", 6, "--diverse", "--overlap", "cosine"], "unknown overlap measure"),
    ],
)
def test_bad_input_is_one_line(gr, args, text):
    res = run(gr, *args)
    assert res.exit_code != 0
    assert text in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_no_path_negative_weight_and_bad_files(tmp_path):
    p = tmp_path / "oneway.gr"
    p.write_text("p sp 3 2\na 1 2 1\na 2 3 1\n")
    res = run(p, "-s", 3, "-t", 1)
    assert res.exit_code != 0 and "no path" in res.output
    neg = tmp_path / "neg.gr"
    neg.write_text("p sp 3 2\na 1 2 -1\na 2 3 1\n")
    res = run(neg, "-s", 1, "-t", 3)
    assert res.exit_code != 0 and "Traceback" not in res.output
    res = run(tmp_path / "missing.gr", "-s", 1, "-t", 3)
    assert res.exit_code != 0 and "missing.gr" in res.output
    trunc = tmp_path / "trunc.gr"
    trunc.write_text("p sp 3 5\na 1 2 1\na 2")
    res = run(trunc, "-s", 1, "-t", 2)
    assert res.exit_code != 0 and "Traceback" not in res.output
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1 2 3\n")
    res = run(p, "--pairs", pairs)
    assert res.exit_code != 0 and "line 1" in res.output


def test_pairs_batch_reports_each_pair(tmp_path):
    """One unreachable pair does not abort the batch: like `route --pairs`, each pair has its entry
    ("success", and "reason" on failure) and the command exits 0; a single query still fails (exit 1)."""
    p = tmp_path / "oneway.gr"
    p.write_text("p sp 3 2\na 1 2 1\na 2 3 1\n")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1 3\n3 1\n2 3\n")
    res = run(p, "--pairs", pairs, "--json")
    assert res.exit_code == 0, res.output
    qs = json.loads(res.stdout)["queries"]
    assert [q["success"] for q in qs] == [True, False, True]
    assert qs[1]["paths"] == [] and qs[1]["reason"] == "no path from node 3 to node 1"
    assert "reason" not in qs[0] and qs[0]["paths"][0]["nodes"] == ["1", "2", "3"]
    table = run(p, "--pairs", pairs)
    assert table.exit_code == 0 and "no path from node 3 to node 1" in table.stdout
    single = run(p, "-s", 3, "-t", 1, "--json")
    assert single.exit_code == 1 and "no path from node 3 to node 1" in single.output


def test_json_node_ids_are_strings(gr, kg):
    for f, s, t in ((gr, 1, 6), (kg, "aspirin", "migraine")):
        q = json.loads(run(f, "-s", s, "-t", t, "--json").stdout)["queries"][0]
        assert q["source"] == str(s) and all(isinstance(x, str) for p in q["paths"] for x in p["nodes"])


@pytest.mark.parametrize("extra,named", [
    (["--k", 3], "--k"), (["--diverse"], "--diverse"), (["-w", "length"], "--weight"),
    (["--k", 2, "--diverse"], "--k, --diverse"),
])
def test_depart_does_not_combine(gr, extra, named):
    res = run(gr, "-s", 1, "-t", 6, "--depart", "08:00", *extra)
    assert res.exit_code == 1 and f"does not combine with {named}" in res.output


def test_huge_k_and_undecodable_pairs_are_one_line(gr, tmp_path):
    res = run(gr, "-s", 1, "-t", 6, "--k", "99999999999999999999")
    assert res.exit_code == 1 and "k must be at most" in res.output and "Traceback" not in res.output
    pairs = tmp_path / "pairs.txt"
    pairs.write_bytes(b"1 6\n\xff 2\n")
    res = run(gr, "--pairs", pairs)
    assert res.exit_code == 1 and "not a UTF-8 text file" in res.output and "Traceback" not in res.output


def test_ids_are_echoed_stripped(gr):
    """' 1 ' finds node 1 and the JSON says "1", as the graph names it."""
    res = run(gr, "--source", " 1 ", "--target", "6\t", "--k", 1, "--json")
    assert res.exit_code == 0, res.output
    q = json.loads(res.stdout)["queries"][0]
    assert q["source"] == "1" and q["target"] == "6"
    res = run(gr, "--source", " 1 ", "--target", "6 ", "--k", 1)
    assert res.exit_code == 0 and "1 -> 6: 1 shortest path," in res.stdout


@pytest.mark.parametrize("depart", ["8", "28800", "99:00", "24:00", "8:00 pm", "08:60"])
def test_depart_must_be_a_time_of_day(gr, depart):
    """`--depart 8` used to mean 00:00:08 and `99:00` wrapped round the day: both are refused, one line, exit 1."""
    res = run(gr, "--source", 1, "--target", 6, "--depart", depart)
    assert res.exit_code == 1 and "is not a time of day HH:MM or HH:MM:SS" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
