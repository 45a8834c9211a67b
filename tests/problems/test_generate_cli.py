"""`graphroute generate`: output path rules, seeds, option combinations; one-line errors, nothing written."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    "args,out,msg",
    [
        (["--seed", "-1"], "a.json", "seed must be an integer in 0.."),
        (["--count", "1"], "inst.txt", "--out must end in .json"),
        (["--count", "2"], "two.json", "--count 2 writes a folder"),
        (["--asymmetric", "--distribution", "clustered"], "q.json", "does not apply to asymmetric"),
    ],
)
def test_generate_random_refuses(tmp_path, args, out, msg):
    res = run("generate", "random", "--size", 5, *args, "--out", tmp_path / out)
    assert res.exit_code == 1 and msg in res.stderr, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_generate_random_count_onto_a_file(tmp_path):
    (tmp_path / "inst").write_text("x")
    res = run("generate", "random", "--size", 5, "--count", 3, "--out", tmp_path / "inst")
    assert res.exit_code == 1 and "is a file" in res.stderr and "Traceback" not in res.output


def test_generate_random_writes_file_and_folder(tmp_path):
    assert run("generate", "random", "--size", 5, "--out", tmp_path / "one.json").exit_code == 0
    assert json.loads((tmp_path / "one.json").read_text())["problem"] == "cvrp"
    assert run("generate", "random", "--size", 5, "--count", 2, "--out", tmp_path / "many").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["cvrp5-uniform-s0.json", "cvrp5-uniform-s1.json"]


def test_generate_random_has_help():
    res = run("generate", "random", "--help")
    assert res.exit_code == 0 and "Seeded random TSP / CVRP instances" in res.stdout


@pytest.mark.parametrize("args,msg", [(["--seed", "-1"], "seed must be an integer in 0.."),
                                      (["--out-name", "j.txt"], "--out must end in .json")])
def test_generate_vrp_refuses_before_reading_the_graph(tmp_path, args, msg):
    out = tmp_path / ("j.txt" if "--out-name" in args else "f.json")
    extra = [a for a in args if a not in ("--out-name", "j.txt")]
    res = run("generate", "vrp", "--road", tmp_path / "missing.osm.pbf", "--customers", 5, *extra, "--out", out)
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    assert not out.exists()
