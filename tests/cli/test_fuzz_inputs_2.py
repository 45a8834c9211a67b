"""Bad inputs found by a second adversarial sweep: each gives one error line and exit 1 (never a
traceback, never a silent guess), and leaves no output behind. One test per finding; each failed
before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from graphroute.exceptions import ConfigError, GraphFormatError, InvalidInstanceError
from graphroute.graphs.model import from_edges, load_graph, save_graph
from graphroute.graphs.synthetic import synthetic_graph
from tests.cli._errors import one_line_error, run

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "experiments" / "configs"
ROUTER = REPO / "data" / "checkpoints" / "router_road.pt"




@pytest.fixture(scope="module")
def grid_file(tmp_path_factory) -> Path:
    return save_graph(synthetic_graph("grid", 100, seed=3), tmp_path_factory.mktemp("g") / "grid.graph.npz")


# ----------------------------------------------------------------------------- 1. OSM
def test_osm_node_with_a_nan_latitude_is_one_line(tmp_path):
    """osmium's InvalidLocationError (not a RuntimeError) escaped as a traceback."""
    osm = tmp_path / "nan.osm"
    osm.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
                   ' <node id="1" lat="nan" lon="1.0"/>\n <node id="2" lat="1.0" lon="1.001"/>\n'
                   ' <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>\n</osm>\n')
    one_line_error(run("graph", "build", "road", osm, "--out", tmp_path / "x"), "cannot read nan.osm", "nan")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nan.osm"]


# ----------------------------------------------------------------------------- 2. not a .npz
@pytest.mark.parametrize("content", [bytes(range(256)) * 2, b'{"format": "graphroute.graph"}\n',
                                     b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, "])
def test_graph_info_on_a_file_that_is_no_npz_archive(tmp_path, content):
    """np.load read junk as a pickle: 'This file contains pickled (object) data...'."""
    f = tmp_path / "junk.graph.npz"
    f.write_bytes(content)
    one_line_error(run("graph", "info", f), "junk.graph.npz is not a graph file (not a .npz archive)")


# ----------------------------------------------------------------------------- 3. default weight
def _line(meta):
    return from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), 3, edge_attrs={"length": np.array([1.0, 2.0, 3.0])},
                      kind="synthetic", meta=meta)


def test_graph_file_whose_default_weight_it_does_not_have_is_refused(tmp_path):
    """meta default_weight 'time' on a graph with only 'length': `paths` silently routed by length."""
    f = save_graph(_line({"default_weight": "time"}), tmp_path / "g")
    one_line_error(run("paths", f, "-s", 0, "-t", 2), "default_weight 'time' is not an edge attribute",
                   "available: length, hops")
    with pytest.raises(GraphFormatError, match="default_weight 'time'"):
        load_graph(f)


def test_graph_default_weights_the_project_writes_still_load(tmp_path):
    assert load_graph(save_graph(_line({"default_weight": "length"}), tmp_path / "a")).default_weight == "length"
    assert load_graph(save_graph(_line({"default_weight": "hops"}), tmp_path / "b")).weights("hops").sum() == 3
    kg = from_edges(np.array([0, 1]), np.array([1, 2]), 3, edge_attrs={"relation": np.array([0, 1])}, kind="kg",
                    relation_names=["r", "s"], meta={"num_relations": 2, "default_weight": "hops"})
    loaded = load_graph(save_graph(kg, tmp_path / "kg"))
    assert loaded.default_weight == "hops" and loaded.weights().tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------- 4. route --k
@pytest.mark.parametrize("mode", ["greedy", "astar"])
def test_route_k_without_mode_k_is_refused(grid_file, mode):
    """--k was ignored silently by the one-route modes."""
    one_line_error(run("route", grid_file, "--router", ROUTER, "-s", 0, "-t", 99, "--mode", mode, "--k", 3),
                   f"--k applies to --mode k (alternative routes), not --mode {mode}")


def test_route_mode_k_still_defaults_to_three_routes(grid_file):
    res = run("route", grid_file, "--router", ROUTER, "-s", 0, "-t", 99, "--mode", "k", "--json")
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["queries"][0]["paths"]) == 3


# ----------------------------------------------------------------------------- 5. model sizes
@pytest.mark.parametrize("task, config, setting, message", [
    ("kg", "kg_tiny.yaml", "dim=99999999999", "config key 'dim' must be at most 65,536, got 99999999999"),
    ("kg", "kg_tiny.yaml", "layers=100000000", "config key 'layers' must be at most 64"),
    ("kg", "kg_tiny.yaml", "batch_size=99999999999", "config key 'batch_size' must be at most 1,000,000"),
    ("router", "router_tiny.yaml", "hidden=99999999999", "config key 'hidden' must be at most 65,536"),
    ("router", "router_tiny.yaml", "threads=99999999999", "config key 'threads' must be at most 1,024"),
    ("router", "router_tiny.yaml", "max_mp_steps=99999999999", "config key 'max_mp_steps' must be at most 100,000"),
])
def test_train_refuses_huge_model_sizes_before_torch(tmp_path, task, config, setting, message):
    """torch got the size: a traceback (threads: 'Overflow when unpacking long'), an out-of-memory
    message, or a run that never ended, and an empty --out folder left behind."""
    out = tmp_path / "run"
    one_line_error(run("train", "--task", task, "--config", CONFIGS / config, "--set", setting, "--out", out), message)
    assert not out.exists()


def test_size_bounds_are_inclusive():
    from graphroute.neural.kg.train import KGConfig
    from graphroute.neural.router.train import RouterConfig

    KGConfig(dim=65_536, layers=64)
    RouterConfig(hidden=65_536, threads=1_024)
    with pytest.raises(ConfigError, match="'layers' must be at most 64, got 65"):
        KGConfig(layers=65)


# ----------------------------------------------------------------------------- 6. generate
@pytest.mark.parametrize("args, message", [
    (["-n", 100_000_000], "size must be at most 1,000,000, got 100,000,000"),
    (["-n", 3_000, "-p", "tsp", "--asymmetric"], "size must be at most 2,000 for asymmetric instances"),
])
def test_generate_refuses_huge_sizes_at_once(tmp_path, args, message):
    """-n 100000000 ran for minutes (and then ran out of memory)."""
    out = tmp_path / "i.json"
    one_line_error(run("generate", "random", *args, "--out", out), message)
    assert not out.exists()


def test_compare_generate_refuses_a_huge_size(tmp_path):
    out = tmp_path / "cmp"
    one_line_error(run("compare", "--generate", "cvrp:100000000", "--out", out), "size must be at most 1,000,000")
    assert not out.exists()


def test_generated_set_count_is_capped():
    """For the callers (`generate random --count`, `compare --generate P:N:D:COUNT`)."""
    from graphroute.problems.generate import check_generate_count

    assert check_generate_count(100_000, 5) == 100_000
    with pytest.raises(InvalidInstanceError, match="count must be at most 100,000, got 100,000,000"):
        check_generate_count(100_000_000, 5)
    with pytest.raises(InvalidInstanceError, match="at most 10,000,000 in one set"):
        check_generate_count(1_000, 1_000_000)



@pytest.mark.parametrize("cmd", [["generate", "random", "-n", "5", "--count", "100000000"],
                                 ["compare", "--generate", "cvrp:5:uniform:100000000"]])
def test_a_huge_generated_set_is_refused_before_any_instance(tmp_path, cmd):
    """--count 100000000 generated instances for minutes before anything was said."""
    out = tmp_path / "out"
    one_line_error(run(*cmd, "--out", out), "count must be at most 100,000, got 100,000,000")
    assert not out.exists()

# ----------------------------------------------------------------------------- 7. DIMACS .co
def test_dimacs_coordinates_listing_a_node_twice(tmp_path):
    """The last line won silently."""
    (tmp_path / "t.gr").write_text("p sp 3 3\na 1 2 5\na 2 3 5\na 3 1 5\n")
    (tmp_path / "t.co").write_text("p aux sp co 3\nv 1 1000000 2000000\nv 2 1000000 2000000\nv 1 3000000 2000000\n"
                                   "v 3 1 1\n")
    one_line_error(run("graph", "build", "road", tmp_path / "t.gr", "--out", tmp_path / "g"),
                   "t.co line 4: node 1 listed twice (first on line 2)")
    assert not list(tmp_path.glob("g*"))


# ----------------------------------------------------------------------------- 8. TSPLIB header
def test_tsplib_header_key_given_twice(tmp_path):
    """DIMENSION: 3 then DIMENSION: 4: the last one won silently."""
    f = tmp_path / "dup.tsp"
    f.write_text("NAME: dup\nTYPE: TSP\nDIMENSION: 3\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                 "NODE_COORD_SECTION\n1 0 0\n2 1 0\n3 1 1\nEOF\n")
    out = tmp_path / "sol.json"
    one_line_error(run("solve", f, "--solver", "nearest", "--out", out), "header key DIMENSION given twice ('3', then '4')")
    assert not out.exists()


def test_tsplib_several_comment_lines_are_one_comment():
    from graphroute.problems.tsplib import parse_tsplib

    inst = parse_tsplib("NAME: c\nTYPE: TSP\nCOMMENT: first\nCOMMENT: second\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                        "NODE_COORD_SECTION\n1 0 0\n2 1 0\n3 1 1\nEOF\n")
    assert inst.meta["comment"] == "first second"


# ----------------------------------------------------------------------------- 9. empty weight
@pytest.mark.parametrize("command", ["paths", "route"])
def test_empty_weight_name_is_refused(grid_file, command):
    """-w '' was taken as "the default weight"."""
    extra = ["--router", ROUTER] if command == "route" else []
    one_line_error(run(command, grid_file, *extra, "-s", 0, "-t", 5, "-w", ""),
                   "empty edge weight name; available: length, time, hops")


def test_tsplib_header_key_repeated_with_the_same_value_is_read():
    """Only a key given two different ways is ambiguous; a repeated identical line is not refused."""
    from graphroute.problems.tsplib import parse_tsplib

    inst = parse_tsplib("NAME: c\nTYPE: TSP\nDIMENSION: 3\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                        "NODE_COORD_SECTION\n1 0 0\n2 1 0\n3 1 1\nEOF\n")
    assert inst.n == 3
