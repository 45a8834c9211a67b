"""Bad inputs found by fuzzing every command: each gives one error line and exit 1 (never a
traceback), and leaves no output behind. One test per finding; each failed before its fix."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli._errors import one_line_error, run

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples"
CHECKPOINTS = REPO / "data" / "checkpoints"
CONFIGS = REPO / "experiments" / "configs"
TSP = {"problem": "tsp", "coords": [[0, 0], [1, 0], [1, 1], [0, 1]]}




def corrupt_gzip(data: bytes) -> bytes:
    """A gzip stream whose deflate data is damaged (zlib.error, not OSError, when read)."""
    z = bytearray(gzip.compress(data * 200))
    for k, x in ((20, 0xFF), (25, 0x55), (30, 0x13)):
        z[k] ^= x
    return bytes(z)


# ----------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("option, name", [("--out", "sol.json"), ("--plot", "routes.png")])
def test_solve_refuses_a_fifo_as_output(tmp_path, option, name):
    """The atomic rename replaced the FIFO (as root, ``--plot /dev/full`` replaced the device node)."""
    inst = tmp_path / "a.json"
    inst.write_text(json.dumps(TSP))
    fifo = tmp_path / name
    os.mkfifo(fifo)
    one_line_error(run("solve", inst, "--solver", "nearest", option, fifo), "not a regular file")
    assert fifo.is_fifo()


@pytest.mark.parametrize("build", [["synthetic", "grid", "--nodes", "9"], ["road", "GR"], ["kg", "KG"]])
def test_graph_build_refuses_a_fifo_as_output(tmp_path, build):
    gr = tmp_path / "x.gr"
    gr.write_text("p sp 3 3\na 1 2 5\na 2 3 5\na 3 1 5\n")
    kg = tmp_path / "kg"
    kg.mkdir()
    (kg / "train.txt").write_text("a\tr\tb\nb\tr\tc\n")
    build = [{"GR": gr, "KG": kg}.get(a, a) for a in build]
    fifo = tmp_path / "g.graph.npz"
    os.mkfifo(fifo)
    one_line_error(run("graph", "build", *build, "--out", tmp_path / "g"), "not a regular file")
    assert fifo.is_fifo()


def test_generate_refuses_a_fifo_and_a_path_under_a_file(tmp_path):
    fifo = tmp_path / "i.json"
    os.mkfifo(fifo)
    one_line_error(run("generate", "random", "-p", "tsp", "-n", 5, "--out", fifo), "not a regular file")
    assert fifo.is_fifo()
    (tmp_path / "f.json").write_text("{}")
    res = run("generate", "random", "-p", "tsp", "-n", 5, "--out", tmp_path / "f.json" / "x.json")
    one_line_error(res, "f.json is not a folder")  # was "File exists: .../f.json"
    res = run("generate", "random", "-p", "tsp", "-n", 5, "--count", 2, "--out", tmp_path / "f.json" / "sub")
    one_line_error(res, "f.json is a file")
    res = run("generate", "vrp", "--road", tmp_path / "nosuch.graph.npz", "--out", tmp_path / "f.json" / "v.json")
    one_line_error(res, "f.json is not a folder")  # checked before the road graph is even read


def test_generate_interrupted_leaves_no_partial_set(tmp_path):
    """Ctrl-C while a --count set is written removed nothing: 854 of 20,000 files stayed."""
    out = tmp_path / "set"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([sys.executable, "-m", "graphroute_cli.main", "generate", "random", "-p", "tsp", "-n", "200",
                          "--count", "5000", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for _ in range(3000):  # the folder appears once every instance is generated, then files follow
            if out.is_dir() and any(out.iterdir()):
                break
            if p.poll() is not None:
                pytest.skip("the set was written before it could be interrupted")
            import time

            time.sleep(0.01)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    if p.returncode == 0:
        pytest.skip("the set was written before it could be interrupted")
    assert p.returncode == 130 and b"interrupted" in err
    assert not out.exists() or not any(out.iterdir())


def test_compare_vrp_refuses_paths_options_and_a_file_as_out(tmp_path):
    inst = tmp_path / "a.json"
    inst.write_text(json.dumps(TSP))
    base = ["compare", inst, "-b", "nearest", "--solvers", "savings", "-t", "1", "--workers", 1]
    for extra, opt in ((["--seed", 1], "--seed"), (["--k", 0], "--k"), (["--queries", 5], "--queries"),
                       (["--router", tmp_path / "nosuch.pt"], "--router"), (["--no-contract"], "--contract")):
        one_line_error(run(*base, "--out", tmp_path / "r", *extra), opt, "for --task paths")  # were ignored
    assert not (tmp_path / "r").exists()
    one_line_error(run(*base, "--out", inst), "is a file")  # was "File exists"
    one_line_error(run(*base, "--out", inst / "sub"), "a.json is a file")  # was "Not a directory"


def test_compare_vrp_refuses_a_repeated_seed_or_solver(tmp_path):
    """0,0 ran once, silently (and a folder made with it was 'a different grid' to the same grid without the
    repeat); it is refused by name now, as a repeated config key is. The baseline listed again runs once."""
    inst = tmp_path / "a.json"
    inst.write_text(json.dumps(TSP))
    base = ["compare", inst, "-b", "nearest", "-t", "1", "--workers", 1, "--json"]
    one_line_error(run(*base, "--solvers", "nearest,savings", "--seeds", "0,0", "--out", tmp_path / "r"),
                   "--seeds lists 0 twice")
    res = run(*base, "--solvers", "nearest,savings", "--seeds", "0", "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["solvers"] == ["nearest", "savings"]
    res = run(*base, "--solvers", "savings", "--seeds", "0", "--out", tmp_path / "r")  # the same grid: resumes
    assert res.exit_code == 0, res.output


def test_compare_paths_on_a_ring_says_contraction_left_no_pairs(tmp_path):
    gr = tmp_path / "ring.gr"
    gr.write_text("p sp 3 3\na 1 2 5\na 2 3 5\na 3 1 5\n")
    res = run("compare", "--task", "paths", gr, "-q", 2)
    one_line_error(res, "3 nodes", "--no-contract")  # was "a graph with fewer than 2 nodes"


# ----------------------------------------------------------------------------- corrupt gzip
@pytest.mark.parametrize("name, text", [
    ("a.tsp.gz", "NAME: a\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 0\nEOF\n"),
    ("a.json.gz", json.dumps(TSP)),
])
def test_solve_corrupt_gzip_instance(tmp_path, name, text):
    f = tmp_path / name
    f.write_bytes(corrupt_gzip(text.encode()))
    one_line_error(run("solve", f, "--solver", "nearest"), f"cannot read {f}")


def test_graph_build_corrupt_gzip_kg_and_traffic(tmp_path):
    kg = tmp_path / "kg"
    kg.mkdir()
    (kg / "train.txt.gz").write_bytes(corrupt_gzip(b"a\tr\tb\nb\tr\tc\n"))
    one_line_error(run("graph", "build", "kg", kg, "--out", tmp_path / "k"), "train.txt.gz", "corrupt gzip")
    d = tmp_path / "d.csv.gz"
    d.write_bytes(corrupt_gzip(b"from,to,cost\na,b,10\nb,a,12\na,c,5\n"))
    one_line_error(run("graph", "build", "traffic", d, "--out", tmp_path / "t"), "d.csv.gz")
    assert not list(tmp_path.glob("*.graph.npz"))


# ----------------------------------------------------------------------------- graph build road
def test_graph_build_road_refuses_options_it_would_ignore(tmp_path):
    gr = tmp_path / "x.gr"
    gr.write_text("p sp 3 3\na 1 2 5\na 2 3 5\na 3 1 5\n")
    one_line_error(run("graph", "build", "road", gr, "--keep-all", "--out", tmp_path / "g"), "--keep-all")
    osm = tmp_path / "x.osm"
    osm.write_text('<osm version="0.6"><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>'
                   '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>')
    co = tmp_path / "x.co"
    co.write_text("v 1 0 0\n")
    one_line_error(run("graph", "build", "road", osm, "--co", co, "--out", tmp_path / "g"), "--co")
    assert not list(tmp_path.glob("*.graph.npz"))


# ----------------------------------------------------------------------------- traffic
def _pickle(path: Path, obj) -> Path:
    with open(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=4)
    return path


@pytest.mark.parametrize("obj, needle", [
    ([5, {}, np.zeros((2, 2))], "sensor ids must be a list"),  # TypeError: len(5)
    (["ab", {}, np.eye(2)], "sensor ids must be a list"),  # read as sensors 'a' and 'b'
    ([[["a"], ["b"]], {}, np.eye(2)], "sensor ids must be"),  # ids "['a']"
    ([["a", "b"], {}, [[0, 1], [1]]], "must hold numbers"),  # ValueError: inhomogeneous shape
    ([["a", "b"], {}, np.array([["x", "y"], ["z", "w"]])], "must hold numbers"),  # ValueError: not a float
    ([["a", "b"], {}, np.array([[0, 1j], [1, 0]])], "must hold numbers"),  # ComplexWarning, imaginary part dropped
    ([["a", "b"], {}, np.array([[0, 2.0], [1, 0]])], "lie in [0, 1]"),  # a kernel weight of 2 was kept
    ([["a", "b"], {}, np.array([[0, np.nan], [1, 0]])], "lie in [0, 1]"),
])
def test_graph_build_traffic_bad_adjacency_pickle(tmp_path, obj, needle):
    pkl = _pickle(tmp_path / "adj.pkl", obj)
    one_line_error(run("graph", "build", "traffic", pkl, "--out", tmp_path / "t"), "adj.pkl", needle)
    assert not list(tmp_path.glob("*.graph.npz"))


def test_graph_build_traffic_bad_distances(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("from,to,cost\na,b,1e308\nb,a,1e308\na,c,1\n")  # RuntimeWarning, then "weight is not finite"
    one_line_error(run("graph", "build", "traffic", d, "--out", tmp_path / "t"), "line 2", "above 1e+15")
    d.write_text("from,to,cost\na,b,10\na,b,20\nb,a,5\n")  # the last cost was kept silently
    one_line_error(run("graph", "build", "traffic", d, "--out", tmp_path / "t"), "line 3", "a -> b")
    one_line_error(run("graph", "build", "traffic", d, "--locations", tmp_path, "--out", tmp_path / "t"),
                   "is a folder")  # was "cannot read : [Errno 21] ... (truncated?)"
    assert not list(tmp_path.glob("*.graph.npz"))


def test_graph_build_traffic_bad_speed_series(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("from,to,cost\na,b,10\nb,a,12\na,c,5\nc,b,7\n")
    ok = tmp_path / "ok.npz"
    np.savez(ok, speed=np.full((288, 3), 50.0))
    cases = {"trunc.npz": ok.read_bytes()[:200]}  # BadZipFile traceback
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    np.savez(tmp_path / "nofeature.npz", speed=np.zeros((5, 3, 0)))  # IndexError traceback
    np.savez(tmp_path / "complex.npz", speed=np.ones((5, 3), complex))  # ComplexWarning
    np.savez(tmp_path / "empty.npz")  # "cannot read empty.npz: empty.npz: ... (truncated?)"
    (tmp_path / "dup.csv").write_text("a,a,b,c\n1,2,3,4\n")  # the second 'a' column won silently
    for name, needle in (("trunc.npz", "cannot read trunc.npz"), ("nofeature.npz", "no feature"),
                         ("complex.npz", "must hold numbers"), ("empty.npz", "no 'speed' or 'data' array"),
                         ("dup.csv", "heads two columns")):
        res = run("graph", "build", "traffic", d, "--speeds", tmp_path / name, "--out", tmp_path / "t")
        one_line_error(res, needle)
        assert "truncated?" not in res.stderr or name == "trunc.npz"
    assert not list(tmp_path.glob("*.graph.npz"))


# ----------------------------------------------------------------------------- knowledge graphs
@pytest.mark.parametrize("node2id, needle", [
    ('{"a": 0, "b": 0, "c": 1}', "id 0 is given to 'a' and 'b'"),  # 'a' vanished
    ('{"a": 0.7, "b": 1, "c": 2}', "not an integer"),  # int(0.7) = 0
    ('{"a": 0, "b": 1, "c": 2, "d": true}', "not an integer"),  # int(True) = 1, 'b' vanished
    ("[" * 100_000, "nested too deeply"),  # RecursionError traceback
])
def test_graph_build_kg_bad_node2id(tmp_path, node2id, needle):
    kg = tmp_path / "kg"
    kg.mkdir()
    (kg / "train.txt").write_text("0 1 5\n1 2 5\n")
    (kg / "node2id.json").write_text(node2id)
    one_line_error(run("graph", "build", "kg", kg, "--out", tmp_path / "k"), "node2id.json", needle)


# ----------------------------------------------------------------------------- train / evaluate
def test_train_refuses_bad_set_values_and_deep_yaml(tmp_path):
    cfg = CONFIGS / "test_tiny.yaml"
    out = tmp_path / "run"
    one_line_error(run("train", "-c", cfg, "--set", "lr=[", "--out", out), "--set lr=[", "not valid YAML")
    one_line_error(run("train", "-c", cfg, "--set", "lr=1", "--set", "lr=2", "--out", out), "given twice")
    one_line_error(run("train", "-c", cfg, "--set", "batch_size=99999999999999999999", "--out", out),
                   "at most 9223372036854775807")  # TypeError from torch.rand
    one_line_error(run("train", "--task", "router", "-c", CONFIGS / "router_tiny.yaml", "--set",
                       "seed=99999999999999999999", "--out", out), "--set seed")  # ValueError: Overflow
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    one_line_error(run("train", "-c", deep, "--out", out), "nested too deeply")  # RecursionError traceback
    big = tmp_path / "big.yaml"
    big.write_text((CONFIGS / "router_tiny.yaml").read_text() + "seed: 99999999999999999999\n")
    one_line_error(run("train", "--task", "router", "-c", big, "--out", out), "'seed'", "at most")
    one_line_error(run("train", "-c", tmp_path, "--out", out), "is a folder")  # was "config file not found"
    assert not out.exists()


def test_train_failing_at_its_first_step_leaves_no_folder(tmp_path, monkeypatch):
    """Out of memory at the first step left ``runs/X/log.csv`` holding only its header."""
    import graphroute.neural.train as train_mod

    def oom_after_log(config_path, *, out, **kw):  # noqa: ANN001, ANN003
        out.mkdir(parents=True, exist_ok=True)
        (out / "log.csv").write_text("step,loss,cost\n")
        raise MemoryError

    monkeypatch.setattr(train_mod, "run_from_yaml", oom_after_log)
    out = tmp_path / "run"
    res = run("train", "-c", CONFIGS / "test_tiny.yaml", "--out", out)
    one_line_error(res, "out of memory")
    assert not out.exists()


def test_evaluate_size_one_tsp_is_refused(tmp_path):
    res = run("evaluate", "--checkpoint", CHECKPOINTS / "pomo_tsp20.pt", "--size", 1, "--num", 2,
              "--reference", "savings", "--reference-time", "0.1")
    one_line_error(res, "--size 1")  # ZeroDivisionError traceback (a 0-cost reference tour)
