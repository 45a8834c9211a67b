"""Suites and instance resolution: the max_n filter at its edge, folders and .gz files, keys of two files
with one stem, generate and road entries (count, seed, options), and what a suite file may not say."""

from __future__ import annotations

import gzip
import shutil

import pytest

from graphroute.compare.suite import REPO_ROOT, Suite, find_suite, resolve_instances
from graphroute.exceptions import ConfigError, GraphrouteError
from graphroute.problems.io import read_instance


@pytest.fixture
def xdir(shared_data, tmp_path):
    """X-n101-k25 (DIMENSION 101: 100 customers and the depot) and X-n110-k13, with their .sol files."""
    d = tmp_path / "X"
    d.mkdir()
    for name in ("X-n101-k25", "X-n110-k13"):
        for ext in (".vrp", ".sol"):
            shutil.copy(shared_data / "vrp/cvrplib/X" / f"{name}{ext}", d)
    return d


def keys(refs):
    return sorted(r.key for r in refs)


# --- glob entries --------------------------------------------------------------------------------------------


def test_max_n_filter(xdir, tmp_path):
    def pick(max_n):
        return keys(resolve_instances([{"glob": str(xdir / "*.vrp"), "max_n": max_n}], tmp_path))

    assert pick(100) == ["X-n101-k25"]  # DIMENSION 101 = 100 customers and the depot: kept
    assert pick(109) == ["X-n101-k25", "X-n110-k13"]
    assert pick(108) == ["X-n101-k25"]
    with pytest.raises(GraphrouteError, match="the instance list is empty"):
        pick(99)


def test_a_folder_gives_its_instance_files_only(xdir, tmp_path):
    (xdir / "notes.txt").write_text("x")
    refs = resolve_instances([str(xdir)], tmp_path)
    assert keys(refs) == ["X-n101-k25", "X-n110-k13"]  # not the .sol files, not notes.txt


def test_gzipped_files_are_found_and_keyed_without_gz(xdir, tmp_path):
    src = xdir / "X-n101-k25.vrp"
    gz = tmp_path / "gz"
    gz.mkdir()
    with open(src, "rb") as fi, gzip.open(gz / "X-n101-k25.vrp.gz", "wb") as fo:
        fo.write(fi.read())
    refs = resolve_instances([str(gz)], tmp_path)
    assert [r.key for r in refs] == ["X-n101-k25"]
    assert read_instance(refs[0].path).n == 101


def test_two_files_with_one_stem_both_run(examples, tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(examples / "tsp20.json", tmp_path / sub / "tsp20.json")
    refs = resolve_instances([str(tmp_path / "a" / "tsp20.json"), str(tmp_path / "b" / "tsp20.json")], tmp_path)
    assert len(refs) == 2 and len({r.key for r in refs}) == 2
    assert all(r.key.startswith("tsp20-") for r in refs)
    assert sorted(r.path for r in refs) == [str(tmp_path / "a" / "tsp20.json"), str(tmp_path / "b" / "tsp20.json")]


def test_relative_paths_fall_back_to_the_repo_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing named data/examples here
    refs = resolve_instances(["data/examples/tsp20.json"], tmp_path)
    assert [r.path for r in refs] == [str(REPO_ROOT / "data/examples/tsp20.json")]


def test_an_entry_names_one_source():
    with pytest.raises(ConfigError, match="needs exactly one of glob, generate, road"):
        resolve_instances([{"glob": "data/examples/tsp20.json", "generate": {"problem": "tsp"}}], REPO_ROOT)


# --- generate and road entries --------------------------------------------------------------------------------


def test_generate_entry_count_seed_and_asymmetric(tmp_path):
    refs = resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 2, "seed": 4,
                                            "asymmetric": True}}], tmp_path)
    assert len(refs) == 2 and all(r.pending is not None for r in refs)
    assert [r.key.rsplit("-s", 1)[1] for r in refs] == ["4", "5"]
    for r in refs:
        r.materialize()
        inst = read_instance(r.path)
        assert inst.kind == "acvrp" and not inst.symmetric
    with pytest.raises(ConfigError, match="generate entry key .count. must be an integer >= 1, got 0"):
        resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 0}}], tmp_path)


@pytest.fixture
def ring_graph(tmp_path):
    n = 12  # a one-way ring, strongly connected
    gr = tmp_path / "ring.gr"
    gr.write_text(f"p sp {n} {n}\n" + "".join(f"a {i} {i % n + 1} {10 * i}\n" for i in range(1, n + 1)))
    return gr


def test_road_entry_count_seed_customers_and_clustered(ring_graph, tmp_path):
    out = tmp_path / "o"
    refs = resolve_instances([{"road": {"graph": str(ring_graph), "customers": 5, "count": 2, "seed": 3}},
                              {"road": {"graph": str(ring_graph), "customers": 4, "seed": 0, "clustered": True}}], out)
    assert [r.key for r in refs] == ["ring-acvrp5-s3", "ring-acvrp5-s4", "ring-acvrp4-cl-s0"]
    insts = []
    for r in refs:
        r.materialize()
        insts.append(read_instance(r.path))
    assert [i.n for i in insts] == [6, 6, 5]
    assert [i.meta["seed"] for i in insts] == [3, 4, 0]
    assert insts[0].meta["node_ids"] != insts[1].meta["node_ids"]  # seed + k: two different draws
    assert [i.meta["clustered"] for i in insts] == [False, False, True]


# --- suite files ---------------------------------------------------------------------------------------------


def write_suite(tmp_path, text):
    p = tmp_path / "s.yaml"
    p.write_text("name: s\ninstances: [data/examples/tsp20.json]\n" + text)
    return p


@pytest.mark.parametrize("text,msg", [
    ("time_limit: .nan\n", "'time_limit' must be a positive number"),
    ("time_limit: .inf\n", "'time_limit' must be a positive number"),
    ("workers: 0\n", "'workers' must be an integer >= 1"),
    ("workers: true\n", "'workers' must be an integer >= 1"),
    ("seeds: [0, a]\n", "'seeds' must be a list of integers"),
    ("baseline: [ortools]\n", "'baseline' must be one solver name, got ['ortools']"),  # was an unhashable-list traceback
    ("solver: [savings]\n", "unknown key(s) solver"),
])
def test_suite_file_refusals(tmp_path, text, msg):
    with pytest.raises(ConfigError) as exc:
        Suite.from_yaml(write_suite(tmp_path, text))
    assert msg in str(exc.value)


@pytest.mark.parametrize("name", ["../../escape", "a/b", "..", "''", "a\\b", '"a\\x00b"', "7"])
def test_a_suite_name_is_a_plain_folder_name(tmp_path, name):
    """The default results folder is runs/compare/NAME: 'name: ../../escape' wrote outside runs/compare."""
    p = tmp_path / "s.yaml"
    p.write_text(f"name: {name}\ninstances: [data/examples/tsp20.json]\n")
    with pytest.raises(ConfigError, match=r"s.yaml: 'name' must be a plain folder name"):
        Suite.from_yaml(p)


def test_find_suite_by_path_then_by_name(tmp_path):
    p = write_suite(tmp_path, "baseline: savings\nsolvers: [nearest]\n")
    s = find_suite(str(p))
    assert (s.name, s.baseline, s.solvers, s.source) == ("s", "savings", ["nearest"], str(p))
    assert find_suite("demo").source.endswith("demo.yaml")


@pytest.mark.parametrize("options,msg", [
    ("{ortools: {bogus: 1}}", "unknown OR-Tools option(s): bogus"),
    ("{ortools: {settings: fast}}", "unknown OR-Tools settings 'fast'"),
    ("{neural: {augment: 0}}", "augment (--augment) must be 1 or 8, got 0"),
    ("{neural: {checkpoint: missing.pt}}", "checkpoint not found: missing.pt"),
])
def test_suite_options_are_checked_before_any_run(tmp_path, options, msg):
    """OR-Tools takes **options, so a typo passed the check and every baseline run 'failed' (exit 0, and the
    other solvers 'won'); neural's values were not checked either."""
    from graphroute.compare.core import Grid

    p = write_suite(tmp_path, f"solvers: [ortools, neural]\nbaseline: savings\noptions: {options}\n")
    suite = Suite.from_yaml(p)
    refs = resolve_instances([str(REPO_ROOT / "data/examples/tsp20.json")], tmp_path)
    with pytest.raises(GraphrouteError) as exc:
        Grid(instances=refs, solvers=suite.solvers, baseline=suite.baseline, time_limit=1.0, seeds=[0],
             options=suite.options)
    assert msg in str(exc.value)


@pytest.mark.parametrize("options,msg", [
    ("[1, 2]", "'options' must map solver names to mappings of options"),
    ("{ortools: 3}", "'options' must map solver names to mappings of options"),
    ("{ortool: {bogus: 1}}", "'options' names unknown solver(s) ortool; available:"),
])
def test_suite_options_of_the_wrong_shape_or_an_unknown_solver_are_refused(tmp_path, options, msg):
    """[1, 2] and {ortools: 3} were tracebacks; options under a misspelt solver were dropped silently."""
    with pytest.raises(ConfigError) as exc:
        Suite.from_yaml(write_suite(tmp_path, f"options: {options}\n"))
    assert msg in str(exc.value)


def test_one_file_under_two_spellings_is_one_instance(examples, tmp_path):
    """x/../x/f.json and a symlinked folder were two instances (hash-suffixed keys), each counted in every mean."""
    link = tmp_path / "link"
    link.symlink_to(examples)
    refs = resolve_instances([str(examples / "tsp20.json"), str(examples / ".." / examples.name / "tsp20.json"),
                              str(link / "tsp20.json")], tmp_path)
    assert [r.key for r in refs] == ["tsp20"]


def test_a_missing_suite_path_is_not_the_shipped_suite_of_that_name(tmp_path):
    """--suite /missing/dir/cvrplib-x-small.yaml silently ran the shipped cvrplib-x-small (the folder was dropped)."""
    from graphroute.exceptions import UnknownNameError

    with pytest.raises(UnknownNameError, match="no such suite file"):
        find_suite(str(tmp_path / "missing" / "cvrplib-x-small.yaml"))
    assert find_suite("cvrplib-x-small.yaml").name == "cvrplib-x-small"  # a bare name still finds the shipped one


def test_a_generated_instance_file_is_reused_only_when_it_is_the_one_asked_for(tmp_path):
    """A planted DIR/instances/NAME.json (capacity 1000 where the generator gives 30) ran without a word."""
    import json

    from graphroute.exceptions import InvalidArgumentError

    entry = {"generate": {"problem": "cvrp", "size": 20, "count": 1, "seed": 9}}
    (ref,) = resolve_instances([entry], tmp_path)
    path = tmp_path / "instances" / f"{ref.key}.json"
    path.parent.mkdir()
    path.write_text(ref.pending)
    assert resolve_instances([entry], tmp_path)[0].pending is None  # the very same file: reused
    obj = json.loads(path.read_text())
    obj["capacity"] = 1000
    path.write_text(json.dumps(obj))
    with pytest.raises(InvalidArgumentError, match="is not the instance this generate entry makes"):
        resolve_instances([entry], tmp_path)
