"""`graphroute generate random` and `generate vrp`, pinned where a mutation audit found them unchecked:
the --count / --seed / --out rules and their messages, options reaching the generator, what is said
on success, and that a run stopped half-way (an error, Ctrl-C) leaves no partial set and touches no
file or folder the user already had."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(res, needle: str, code: int = 1) -> None:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- argument rules
@pytest.mark.parametrize("count, bound", [(0, "least 1"), (-2, "least 1"), (100_001, "most 100,000")])
def test_count_out_of_range_is_refused_by_the_options_name(tmp_path, count, bound):
    one_line_error(run("generate", "random", "-n", 5, "--count", count, "--out", tmp_path / "set"),
                   f"--count must be at {bound}, got {count:,}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("seed, count, msg", [
    (-1, 3, f"seed must be an integer in 0..{2**63 - 1}, got -1"),
    # named with what was typed: it read 'got 9223372036854775808', a seed nobody gave
    (2**63 - 1, 2, f"--seed {2**63 - 1} with --count 2 uses seeds up to {2**63}, above the largest seed {2**63 - 1}"),
])
def test_every_seed_of_the_set_is_checked_before_any_instance(tmp_path, monkeypatch, seed, count, msg):
    """The first seed and the last (seed + count - 1) must both be valid, before any instance is made."""
    import importlib

    gen = importlib.import_module("graphroute.problems.generate")  # the package's name "generate" is the function
    calls = []
    monkeypatch.setattr(gen, "generate", lambda *a, **k: calls.append(k["seed"]))
    res = run("generate", "random", "-n", 5, "--seed", seed, "--count", count, "--out", tmp_path / "set")
    one_line_error(res, msg)
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_count_one_into_a_folder(tmp_path):
    res = run("generate", "random", "-p", "tsp", "-n", 5, "--out", tmp_path / "one")
    assert res.exit_code == 0, res.output
    assert names(tmp_path / "one") == ["tsp5-uniform-s0.json"]
    assert res.stdout == f"wrote 1 instance(s) to {tmp_path / 'one'}/\n"


def test_count_one_to_a_file_says_so(tmp_path):
    res = run("generate", "random", "-p", "tsp", "-n", 5, "--seed", 4, "--out", tmp_path / "i.json")
    assert res.exit_code == 0 and res.stdout == f"wrote {tmp_path / 'i.json'}\n"
    assert json.loads((tmp_path / "i.json").read_text())["name"] == "tsp5-uniform-s4"


def test_json_suffix_in_capitals_is_a_file(tmp_path):
    assert run("generate", "random", "-n", 5, "--out", tmp_path / "I.JSON").exit_code == 0
    assert (tmp_path / "I.JSON").is_file()


def test_a_folder_name_with_a_dot_is_a_folder(tmp_path):
    """Only .json means a file; ``sets.v1`` is a folder for a set."""
    res = run("generate", "random", "-n", 5, "--count", 2, "--out", tmp_path / "sets.v1")
    assert res.exit_code == 0, res.output
    assert names(tmp_path / "sets.v1") == ["cvrp5-uniform-s0.json", "cvrp5-uniform-s1.json"]
    assert res.stdout == f"wrote 2 instance(s) to {tmp_path / 'sets.v1'}/\n"


def test_a_set_onto_a_file_names_the_count(tmp_path):
    (tmp_path / "inst").write_text("x")
    one_line_error(run("generate", "random", "-n", 5, "--count", 3, "--out", tmp_path / "inst"),
                   f"--out {tmp_path / 'inst'} is a file; 3 instance(s) go to a folder")
    assert (tmp_path / "inst").read_text() == "x"


def test_a_set_onto_a_fifo_says_fifo(tmp_path):
    os.mkfifo(tmp_path / "q")
    one_line_error(run("generate", "random", "-n", 5, "--count", 2, "--out", tmp_path / "q"),
                   f"--out {tmp_path / 'q'} is a device or FIFO, not a folder; 2 instance(s) go to a folder")
    assert (tmp_path / "q").is_fifo()


def test_a_set_into_an_existing_folder_keeps_its_other_files(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "mine.txt").write_text("keep")
    res = run("generate", "random", "-n", 5, "--count", 2, "--seed", 3, "--out", d)
    assert res.exit_code == 0, res.output
    assert names(d) == ["cvrp5-uniform-s3.json", "cvrp5-uniform-s4.json", "mine.txt"]


@pytest.mark.parametrize("count, out, msg", [
    (2, "/proc/set", "--out /proc/set cannot be written (No such file or directory)"),
    (1, "/proc/one.json", "--out /proc/one.json cannot be written (No such file or directory)"),
])
def test_an_unwritable_out_is_refused_before_generating(monkeypatch, count, out, msg):
    import importlib

    gen = importlib.import_module("graphroute.problems.generate")  # the package's name "generate" is the function
    calls = []
    monkeypatch.setattr(gen, "generate", lambda *a, **k: calls.append(1))
    one_line_error(run("generate", "random", "-n", 5, "--count", count, "--out", out), msg)
    assert calls == []


def test_asymmetric_gives_an_explicit_matrix(tmp_path):
    res = run("generate", "random", "-p", "tsp", "-n", 4, "--asymmetric", "--out", tmp_path / "a.json")
    assert res.exit_code == 0, res.output
    obj = json.loads((tmp_path / "a.json").read_text())
    assert obj["name"] == "atsp4-matnet-s0" and len(obj["matrix"]) == 4 and "coords" not in obj


def test_distribution_is_passed_on(tmp_path):
    res = run("generate", "random", "-n", 5, "-d", "clustered", "--out", tmp_path / "c.json")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "c.json").read_text())["name"] == "cvrp5-clustered-s0"


def test_a_generator_bug_is_not_called_out_of_memory(tmp_path, monkeypatch):
    import importlib

    gen = importlib.import_module("graphroute.problems.generate")

    def bug(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(gen, "generate", bug)
    res = run("generate", "random", "-n", 5, "--out", tmp_path / "g.json")
    assert isinstance(res.exception, RuntimeError) and "out of memory" not in res.output


# ----------------------------------------------------------------------------- stopped half-way
@pytest.fixture()
def second_write_fails(monkeypatch):
    """Make the second instance file of a set (seed 1) fail to be written; the exception is set on the
    returned list."""
    import graphroute.problems.io as io

    real, exc = io.write_instance, [OSError(28, "No space left on device", "x.json")]

    def write_instance(inst, path):  # noqa: ANN001, ANN202
        if Path(path).name == "cvrp5-uniform-s1.json":
            raise exc[0]
        real(inst, path)

    monkeypatch.setattr(io, "write_instance", write_instance)
    return exc


@pytest.mark.parametrize("error, code", [(OSError(28, "No space left on device", "x.json"), 1),
                                         (KeyboardInterrupt(), 130)])
def test_a_set_stopped_half_way_leaves_nothing(tmp_path, second_write_fails, error, code):
    second_write_fails[0] = error
    out = tmp_path / "set"
    res = run("generate", "random", "-n", 5, "--count", 3, "--out", out)
    assert res.exit_code == code, res.output
    assert not out.exists()


def test_a_set_stopped_half_way_keeps_the_users_folder_and_files(tmp_path, second_write_fails):
    """Only what this run created is removed: an existing folder and a file it overwrote stay."""
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    (full / "cvrp5-uniform-s0.json").write_text("{}")
    assert run("generate", "random", "-n", 5, "--count", 3, "--out", empty).exit_code == 1
    assert empty.is_dir() and list(empty.iterdir()) == []
    assert run("generate", "random", "-n", 5, "--count", 3, "--out", full).exit_code == 1
    assert names(full) == ["cvrp5-uniform-s0.json"]


# ----------------------------------------------------------------------------- REAL BUGS (fail now)
def test_ctrl_c_right_after_a_file_is_written_leaves_no_partial_set(tmp_path, monkeypatch):
    """REAL BUG (cli/generate.py:408-411): a file is recorded for removal only after write_instance
    returns, so Ctrl-C between the rename and ``written.append`` leaves that file behind."""
    import graphroute.problems.io as io

    real, calls = io.write_instance, []

    def write_instance(inst, path):  # noqa: ANN001, ANN202
        real(inst, path)
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the signal handler runs just after the file is in place

    monkeypatch.setattr(io, "write_instance", write_instance)
    out = tmp_path / "set"
    res = run("generate", "random", "-n", 5, "--count", 3, "--out", out)
    assert res.exit_code == 130, res.output
    assert not out.exists() or names(out) == []


def test_ctrl_c_while_a_temporary_file_is_created_leaves_no_partial_set(tmp_path, monkeypatch):
    """Ctrl-C landing while the temporary file is created (the file exists, the call has not returned)
    left ``.NAME.xxxx.tmp`` in the set folder: mkstemp made it before the ``try`` that removes it (seen
    with a real SIGINT: test_fuzz_inputs' interrupted-set test failed now and then)."""
    import graphroute.problems.io as io

    real = os.open
    hit = []

    def interrupted_open(file, flags, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        fd = real(file, flags, *a, **k)
        if os.path.basename(str(file)).startswith(".cvrp5-uniform-s1.json.") and flags & os.O_CREAT:
            os.close(fd)
            hit.append(file)
            raise KeyboardInterrupt  # the file exists: the signal arrived during the os.open
        return fd

    monkeypatch.setattr(io.os, "open", interrupted_open)
    out = tmp_path / "set"
    res = run("generate", "random", "-n", 5, "--count", 3, "--out", out)
    assert hit, "the temporary file was not created with os.open"
    assert res.exit_code == 130, res.output
    assert not out.exists() or names(out) == []


# ----------------------------------------------------------------------------- generate vrp
@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    from graphroute.graphs import save_graph
    from graphroute.graphs.synthetic import synthetic_graph

    return save_graph(synthetic_graph("grid", 64, seed=0), tmp_path_factory.mktemp("road") / "g.graph.npz")


def test_generate_vrp_passes_every_option_on(grid, tmp_path):
    from graphroute.graphs import read_any
    from graphroute.graphs.road_vrp import road_vrp_instance
    from graphroute.problems.io import read_instance

    out = tmp_path / "Road.JSON"
    res = run("generate", "vrp", "--road", grid, "-n", 7, "--clustered", "--seed", 3, "--capacity", 9, "--out", out)
    assert res.exit_code == 0, res.output
    assert res.stdout == f"wrote {out} (acvrp, 7 customers, capacity 9)\n"
    got = read_instance(out)
    want = road_vrp_instance(read_any(grid), customers=7, clustered=True, seed=3, capacity=9, name="Road")
    assert got.name == "Road" and got.capacity == 9 and got.num_customers == 7
    assert got.matrix.tolist() == want.matrix.tolist()
    other = road_vrp_instance(read_any(grid), customers=7, clustered=False, seed=3, capacity=9)
    assert got.matrix.tolist() != other.matrix.tolist()  # --clustered made a difference


def test_generate_vrp_default_capacity_and_seed(grid, tmp_path):
    from graphroute.graphs import read_any
    from graphroute.graphs.road_vrp import road_vrp_instance
    from graphroute.problems.io import read_instance

    for seed in (0, 5):
        out = tmp_path / f"s{seed}.json"
        assert run("generate", "vrp", "--road", grid, "-n", 6, "--seed", seed, "--out", out).exit_code == 0
        want = road_vrp_instance(read_any(grid), customers=6, seed=seed, name=f"s{seed}")
        got = read_instance(out)
        assert got.capacity == want.capacity and got.matrix.tolist() == want.matrix.tolist()
    assert read_instance(tmp_path / "s0.json").matrix.tolist() != read_instance(tmp_path / "s5.json").matrix.tolist()


@pytest.mark.parametrize("name,text", [("pairs.txt", "1 3000\n"), ("dist.csv", "from,to,cost\n1,2,3\n")])
def test_vrp_road_that_is_no_road_file_says_so(tmp_path, name, text):
    """Walkthrough: a .txt given to --road was parsed as KG triples ('expected head, relation and tail')."""
    (tmp_path / name).write_text(text)
    res = run("generate", "vrp", "--road", tmp_path / name, "-n", 5, "--out", tmp_path / "x.json")
    one_line_error(res, f"--road takes a road graph (a .graph.npz, an OpenStreetMap .osm/.osm.pbf/.osm.gz/.osm.bz2 "
                        f"or a DIMACS .gr file), got {name}")
    assert not (tmp_path / "x.json").exists()
