"""`graphroute graph build|info` through CliRunner, bad input included."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

runner = CliRunner()


def test_build_and_info(tmp_path, shared_data):
    out = tmp_path / "rome.graph.npz"
    res = runner.invoke(app, ["graph", "build", "road", str(shared_data / "road/rome99-dimacs/rome99.gr"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["graph", "info", str(out), "--json"])
    info = json.loads(res.stdout)
    assert info["nodes"] == 3353 and info["edges"] == 8870 and info["strong_components"] == 1
    res = runner.invoke(app, ["graph", "build", "kg", str(shared_data / "kg/UMLS"), "--inverse", "-o", str(tmp_path / "u"), "--json"])
    assert json.loads(res.stdout)["relations"] == 92


@pytest.mark.parametrize(
    "args,msg",
    [
        (["graph", "build", "road", "missing.osm.pbf"], "no such file"),
        (["graph", "build", "synthetic", "hex"], "unknown synthetic graph kind"),
        (["graph", "info", "nothing.graph.npz"], "no such file"),
        (["graph", "build", "kg", "."], "no train.txt"),
    ],
)
def test_bad_input(tmp_path, args, msg):
    out = tmp_path / "o.graph.npz"
    res = runner.invoke(app, [*args, "-o", str(out)] if args[1] == "build" else args)
    assert res.exit_code != 0 and msg in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_truncated_dimacs(tmp_path):
    p = tmp_path / "t.gr"
    p.write_text("p sp 3 5\na 1 2 1\n")
    res = runner.invoke(app, ["graph", "build", "road", str(p), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and "truncated" in res.stderr


def test_info_table_is_readable(tmp_path):
    (tmp_path / "train.txt").write_text("a\tr\tb\nb\tr\ta\n\n")
    res = runner.invoke(app, ["graph", "info", str(tmp_path)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in res.stdout.splitlines() if line.count("│") == 3}
    assert rows["default_weight"] == "hops" and rows["nodes"] == "2" and rows["meta.skipped_lines"] == "0"
    assert rows["out_degree"] == "min 1, mean 1, max 1" and rows["extras"].startswith("triples_train [2, 3]")


def test_malformed_kg_line_is_one_line_error(tmp_path):
    (tmp_path / "train.txt").write_text("a\tr\tb\nx\ty\n")
    res = runner.invoke(app, ["graph", "info", str(tmp_path)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "line 2: expected head, relation and tail" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_meta_value_of_none_shows_as_a_dash_not_python_none():
    from graphroute_cli.graph import _cell

    assert _cell(None) == "-" and _cell(True) == "True" and _cell([1, None]) == "[1, -]"
