"""`graphroute graph build|info` (cli/graph.py), mutation audit: options reach the builders, --out is
checked first and reported as written, the summary of unusual graphs (no edges, no nodes, non-finite
meta) and the readable info table."""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest
from typer.testing import CliRunner

from graphroute.graphs import from_edges, read_any, save_graph
from graphroute_cli.main import app

TINY_GR = "p sp 3 4\na 1 2 1\na 2 1 2\na 2 3 7\na 3 2 7\n"

# two separate roads: 1 - 2 - 3 (residential) and 4 - 5 (primary), both two-way
TWO_ROADS_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="43.0" lon="7.0"/>
  <node id="2" lat="43.0" lon="7.001"/>
  <node id="3" lat="43.0" lon="7.002"/>
  <node id="4" lat="43.1" lon="7.0"/>
  <node id="5" lat="43.1" lon="7.001"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="4"/><nd ref="5"/><tag k="highway" v="primary"/></way>
</osm>
"""


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def ok_json(res) -> dict:
    assert res.exit_code == 0, res.output

    def no_constant(name):  # noqa: ANN001, ANN202
        raise ValueError(f"{name} is not JSON")

    return json.loads(res.stdout, parse_constant=no_constant)


def one_line_error(res, *needles: str) -> None:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def table(res) -> dict:
    """The two-column info table as {row name: cell}."""
    assert res.exit_code == 0, res.output
    return {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in res.stdout.splitlines() if line.count("│") == 3}


@pytest.fixture()
def tiny_gr(tmp_path):
    p = tmp_path / "tiny.gr"
    p.write_text(TINY_GR)
    return p


@pytest.fixture()
def kg_dir(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tr\tb\nb\ts\tc\na\tr\tb\n")  # the third line repeats the first
    return d


@pytest.fixture()
def traffic_dir(tmp_path):
    """Sensors a, b, c 1 km apart both ways, a day of 5-minute speeds (60 mph everywhere)."""
    d = tmp_path / "traffic"
    d.mkdir()
    (d / "distances.csv").write_text("a,b,1000\nb,a,1000\nb,c,1000\nc,b,1000\n")
    (d / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\nc,43.0,7.02\n")
    (d / "speed.csv").write_text("a,b,c\n" + "\n".join(["60,60,60"] * 288) + "\n")
    return d


# --- --out ----------------------------------------------------------------------------------------------


def test_out_without_suffix_is_reported_as_the_file_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    info = ok_json(run("graph", "build", "synthetic", "grid", "-n", 9, "-o", "g", "--json"))
    assert info["file"] == "g.graph.npz" and (tmp_path / "g.graph.npz").is_file() and not (tmp_path / "g").exists()
    res = run("graph", "build", "synthetic", "grid", "-n", 9, "-o", "h")
    assert res.exit_code == 0 and res.stdout.splitlines()[0].strip() == "wrote h.graph.npz"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_out_dot_npz_is_checked_as_the_graph_file_it_becomes(tmp_path):
    """--out x.npz writes x.graph.npz: a FIFO there is refused before the build, and left alone."""
    fifo = tmp_path / "x.graph.npz"
    os.mkfifo(fifo)
    one_line_error(run("graph", "build", "synthetic", "grid", "-n", 9, "-o", tmp_path / "x.npz"), "not a regular file")
    assert fifo.is_fifo()


@pytest.mark.parametrize("builder", ["road", "kg", "synthetic", "traffic"])
def test_unwritable_out_is_refused_naming_out(builder, tmp_path, tiny_gr, kg_dir, traffic_dir):
    (tmp_path / "FILE").write_text("not a folder")
    source = {"road": [tiny_gr], "kg": [kg_dir], "synthetic": ["grid", "-n", 9],
              "traffic": [traffic_dir / "distances.csv", "--sigma", 1000]}[builder]
    one_line_error(run("graph", "build", builder, *source, "-o", tmp_path / "FILE" / "g"), "--out")
    assert not list(tmp_path.rglob("*.graph.npz"))


# --- the summary ----------------------------------------------------------------------------------------


def test_info_on_a_graph_without_edges(tmp_path):
    p = tmp_path / "edgeless.gr"
    p.write_text("p sp 2 0\n")
    info = ok_json(run("graph", "info", p, "--json"))
    assert info["nodes"] == 2 and info["edges"] == 0 and "length_range" not in info
    assert info["strong_components"] == 2 and info["out_degree"] == {"min": 0, "mean": 0.0, "max": 0}
    assert table(run("graph", "info", p))["edges"] == "0"


def test_info_on_a_graph_without_nodes(tmp_path):
    g = from_edges(np.array([], int), np.array([], int), 0, kind="synthetic", coords=np.zeros((0, 2)),
                   edge_attrs={"length": np.zeros(0)})
    info = ok_json(run("graph", "info", save_graph(g, tmp_path / "zero"), "--json"))
    assert info["nodes"] == 0 and info["largest_component"] == 0 and "bbox" not in info


@pytest.fixture()
def odd_meta(tmp_path):
    g = from_edges(np.array([0, 1]), np.array([1, 0]), 2, kind="synthetic", edge_attrs={"length": np.array([1.0, 2.0])},
                   meta={"budget": float("inf"), "window": [0.5, float("nan")], "inner": {"x": float("-inf"), "ok": True},
                         "count": 12345, "area": 2500000.4, "ratio": 3.14159265})
    return save_graph(g, tmp_path / "odd")


def test_non_finite_meta_values_are_json_null(odd_meta):
    info = ok_json(run("graph", "info", odd_meta, "--json"))
    assert info["meta"]["budget"] is None and info["meta"]["window"] == [0.5, None]
    assert info["meta"]["inner"] == {"x": None, "ok": True}


def test_info_table_cells(odd_meta):
    rows = table(run("graph", "info", odd_meta))
    assert rows["meta.inner"] == "x -, ok True" and rows["meta.window"] == "[0.5, -]"
    assert rows["length_range"] == "[1, 2]" and rows["out_degree"] == "min 1, mean 1, max 1"
    assert rows["meta.count"] == "12,345" and rows["meta.area"] == "2,500,000" and rows["meta.ratio"] == "3.14159"


def test_info_table_title_is_the_file(tiny_gr, monkeypatch):
    monkeypatch.chdir(tiny_gr.parent)
    res = run("graph", "info", "tiny.gr")
    assert res.exit_code == 0 and res.stdout.splitlines()[0].strip() == "tiny.gr"


def test_meta_default_weight_is_not_repeated(tmp_path):
    """The default weight has its own key; a graph with no other build notes has no "meta"."""
    g = from_edges(np.array([0, 1]), np.array([1, 0]), 2, kind="road",
                   edge_attrs={"length": np.array([1.0, 2.0]), "time": np.array([3.0, 4.0])},
                   meta={"default_weight": "length"})
    info = ok_json(run("graph", "info", save_graph(g, tmp_path / "dw"), "--json"))
    assert info["default_weight"] == "length" and "meta" not in info


def test_graph_without_weights_routes_by_hops(tmp_path):
    """No edge attribute and no default in meta: the summary says "hops", not null."""
    g = from_edges(np.array([0, 1]), np.array([1, 0]), 2, kind="synthetic")
    info = ok_json(run("graph", "info", save_graph(g, tmp_path / "plain"), "--json"))
    assert info["default_weight"] == "hops" and info["edge_attrs"] == {} and "meta" not in info


# --- graph build road -----------------------------------------------------------------------------------


def test_build_gzipped_dimacs(tmp_path):
    p = tmp_path / "tiny.gr.gz"
    p.write_bytes(gzip.compress(TINY_GR.encode()))
    info = ok_json(run("graph", "build", "road", p, "-o", tmp_path / "t", "--json"))
    assert info["nodes"] == 3 and info["edges"] == 4 and info["meta"]["format"] == "dimacs"


def test_dimacs_weight_option(tiny_gr, tmp_path):
    info = ok_json(run("graph", "build", "road", tiny_gr, "--weight", "length", "-o", tmp_path / "t", "--json"))
    assert info["default_weight"] == "length"
    one_line_error(run("graph", "build", "road", tiny_gr, "--weight", "time", "-o", tmp_path / "u"),
                   "--weight time is not available")
    assert not (tmp_path / "u.graph.npz").exists()


def test_dimacs_co_option_names_the_coordinates(tiny_gr, tmp_path):
    co = tmp_path / "elsewhere.co"
    co.write_text("v 1 0 0\nv 2 2000000 1000000\nv 3 5000000 3000000\n")
    info = ok_json(run("graph", "build", "road", tiny_gr, "--co", co, "-o", tmp_path / "t", "--json"))
    assert info["bbox"] == pytest.approx([0.0, 0.0, 5.0, 3.0])


def test_osm_default_weight_and_keep_all(tmp_path):
    osm = tmp_path / "two.osm"
    osm.write_text(TWO_ROADS_OSM)
    info = ok_json(run("graph", "build", "road", osm, "-o", tmp_path / "a", "--json"))
    assert info["default_weight"] == "time" and info["nodes"] == 3 and info["strong_components"] == 1
    info = ok_json(run("graph", "build", "road", osm, "--weight", "length", "-o", tmp_path / "b", "--json"))
    assert info["default_weight"] == "length"
    info = ok_json(run("graph", "build", "road", osm, "--keep-all", "-o", tmp_path / "c", "--json"))
    assert info["nodes"] == 5 and info["strong_components"] == 2


# --- graph build kg / synthetic ------------------------------------------------------------------------


def test_kg_inverse_and_names(kg_dir, tmp_path):
    names = tmp_path / "names.tsv"
    names.write_text("a\tAlpha\nb\tBeta\nc\tGamma\n")
    info = ok_json(run("graph", "build", "kg", kg_dir, "--inverse", "--names", names, "-o", tmp_path / "k", "--json"))
    assert info["relations"] == 4 and info["edges"] == 4
    g = read_any(tmp_path / "k.graph.npz")
    assert sorted(g.node_label(i) for i in range(g.n_nodes)) == ["Alpha", "Beta", "Gamma"]
    assert ok_json(run("graph", "build", "kg", kg_dir, "-o", tmp_path / "p", "--json"))["relations"] == 2


def test_kg_warnings_go_to_stdout_or_stderr_under_json(kg_dir, tmp_path):
    warning = "1 repeated triple line(s) removed (1 train)"
    res = run("graph", "build", "kg", kg_dir, "-o", tmp_path / "k")
    assert res.exit_code == 0 and warning in " ".join(res.stdout.split())
    assert table(res)["meta.inverse"] == "False"
    res = run("graph", "build", "kg", kg_dir, "-o", tmp_path / "k", "--json")
    assert ok_json(res)["meta"]["duplicates_removed"]["train"] == 1 and warning in res.stderr


def test_synthetic_seed_and_nodes(tmp_path):
    info = ok_json(run("graph", "build", "synthetic", "grid", "-n", 16, "--seed", 7, "-o", tmp_path / "g", "--json"))
    assert info["nodes"] == 16 and info["meta"]["seed"] == 7 and info["meta"]["requested_nodes"] == 16


# --- graph build traffic -------------------------------------------------------------------------------


def test_traffic_defaults_five_minute_slots_in_mph(traffic_dir, tmp_path):
    info = ok_json(run("graph", "build", "traffic", traffic_dir / "distances.csv", "--sigma", 2000,
                       "-o", tmp_path / "t", "--json"))
    assert info["meta"]["sigma"] == 2000.0 and info["meta"]["slot_seconds"] == 300.0
    assert info["time_range"] == pytest.approx([1000 / (60 * 0.44704)] * 2)


def test_traffic_slot_minutes_speed_unit_and_sigma_are_passed_on(traffic_dir, tmp_path):
    info = ok_json(run("graph", "build", "traffic", traffic_dir / "distances.csv", "--sigma", 1500, "--slot-minutes", 10,
                       "--speed-unit", "kmh", "-o", tmp_path / "t", "--json"))
    assert info["meta"]["sigma"] == 1500.0 and info["meta"]["slot_seconds"] == 600.0 and info["meta"]["slots"] == 144
    assert info["time_range"] == pytest.approx([60.0, 60.0])  # 1 km at 60 km/h


def test_traffic_locations_and_ids_are_passed_on(tmp_path):
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\nb,c,1000\nc,b,1000\n")
    (tmp_path / "locs.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\nc,43.0,7.02\n")
    (tmp_path / "ids.txt").write_text("c\nb\na\n")
    info = ok_json(run("graph", "build", "traffic", tmp_path / "distances.csv", "--sigma", 2000, "--locations",
                       tmp_path / "locs.csv", "--ids", tmp_path / "ids.txt", "-o", tmp_path / "t", "--json"))
    assert info["bbox"] == pytest.approx([7.0, 43.0, 7.02, 43.0])
    assert info["meta"]["sensor_list"].endswith("ids.txt")
    g = read_any(tmp_path / "t.graph.npz")
    assert [g.node_label(i) for i in range(3)] == ["c", "b", "a"]


def test_traffic_speed_options_with_a_speed_series_are_accepted(traffic_dir, tmp_path):
    ok_json(run("graph", "build", "traffic", traffic_dir / "distances.csv", "--sigma", 2000, "--speed-unit", "kmh",
                "-o", tmp_path / "t", "--json"))
    (traffic_dir / "speed.csv").unlink()
    one_line_error(run("graph", "build", "traffic", traffic_dir / "distances.csv", "--sigma", 2000, "--speed-unit", "kmh",
                       "-o", tmp_path / "u"), "--speed-unit applies to a speed series")
    assert not (tmp_path / "u.graph.npz").exists()
