"""Suite instance entries: every key is checked (type, range, unknown keys), the max_n filter counts
customers of a CVRP and cities of a TSP, and two road graphs that share a file stem give two instance
sets instead of one overwriting the other."""

from __future__ import annotations

import json

import pytest

from graphroute.compare.suite import resolve_instances
from graphroute.exceptions import ConfigError
from graphroute.problems.io import read_instance
from tests.cli._errors import one_line_error, run


def ring(path, n, step):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"p sp {n} {n}\n" + "".join(f"a {i} {i % n + 1} {step * i}\n" for i in range(1, n + 1)))
    return path


def test_two_road_graphs_with_one_stem_give_two_instance_sets(tmp_path):
    a, b = ring(tmp_path / "a" / "city.gr", 10, 3), ring(tmp_path / "b" / "city.gr", 10, 7)
    out = tmp_path / "out"
    refs = resolve_instances([{"road": {"graph": str(a), "customers": 4, "count": 2}},
                              {"road": {"graph": str(b), "customers": 4, "count": 2}}], out)
    assert len(refs) == 4 and len({r.key for r in refs}) == 4 and len({r.path for r in refs}) == 4
    assert [r.key for r in refs[:2]] == ["city-acvrp4-s0", "city-acvrp4-s1"]
    assert all(r.key.startswith("city-") and r.key.endswith(("-acvrp4-s0", "-acvrp4-s1")) for r in refs[2:])
    for r in refs:
        r.materialize()
    costs = [read_instance(r.path).distances.sum() for r in refs]
    assert costs[0] != costs[2]  # the second graph's instance, not the first one's again
    # the same file twice with the same options is one instance set
    again = resolve_instances([{"road": {"graph": str(a), "customers": 4}},
                               {"road": {"graph": str(a), "customers": 4}}], tmp_path / "o2")
    assert [r.key for r in again] == ["city-acvrp4-s0"]


def tsp(path, n):
    path.write_text(f"NAME: {path.stem}\nTYPE: TSP\nDIMENSION: {n}\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                    + "".join(f"{i + 1} {i * 7 % 11} {i * 3 % 5}\n" for i in range(n)) + "EOF\n")


def test_max_n_counts_cities_of_a_tsp(tmp_path, examples):
    d = tmp_path / "t"
    d.mkdir()
    tsp(d / "t5.tsp", 5)
    tsp(d / "t6.tsp", 6)
    (d / "j6.json").write_text(json.dumps({"problem": "tsp", "name": "j6",
                                           "coords": [[i, i * i % 7] for i in range(6)]}))
    keys = sorted(r.key for r in resolve_instances([{"glob": str(d), "max_n": 5}], tmp_path))
    assert keys == ["t5"]
    assert sorted(r.key for r in resolve_instances([{"glob": str(d), "max_n": 6}], tmp_path)) == ["j6", "t5", "t6"]
    # a CVRP JSON counts customers: cvrp50 has 50 and the depot
    assert [r.key for r in resolve_instances([{"glob": str(examples / "cvrp50.json"), "max_n": 50}], tmp_path)] == [
        "cvrp50"]


@pytest.mark.parametrize("entry,msg", [
    ({"generate": {"problem": "cvrp", "size": "abc"}}, "generate entry key 'size' must be an integer >= 1, got 'abc'"),
    ({"generate": {"problem": "cvrp", "size": 2.7}}, "key 'size' must be an integer >= 1, got 2.7"),
    ({"generate": {"problem": "cvrp", "size": True}}, "key 'size' must be an integer >= 1, got True"),
    ({"generate": {"problem": "cvrp", "size": 5, "asymmetric": "no"}}, "key 'asymmetric' must be true or false"),
    ({"generate": {"problem": "cvrp", "size": 5, "seed": "1"}}, "key 'seed' must be an integer, got '1'"),
    ({"road": {"customers": 3}}, "road entry needs graph"),
    ({"road": {"graph": "G", "customers": 3, "bogus": 1}}, "road entry needs graph and takes clustered, count"),
    ({"road": {"graph": "G", "customers": "x"}}, "road entry key 'customers' must be an integer >= 1, got 'x'"),
    ({"road": {"graph": "G", "customers": 3, "count": 0}}, "road entry key 'count' must be an integer >= 1, got 0"),
    ({"road": {"graph": "G", "customers": 3, "clustered": "false"}}, "key 'clustered' must be true or false"),
    ({"glob": "data/examples/tsp20.json", "max_n": "x"}, "glob entry key 'max_n' must be an integer >= 1"),
    ({"glob": "data/examples/tsp20.json", "maxn": 3}, "glob entry takes glob, max_n"),
])
def test_entry_keys_are_checked(tmp_path, entry, msg):
    g = ring(tmp_path / "G.gr", 6, 1)
    if "road" in entry and entry["road"].get("graph") == "G":
        entry = {"road": {**entry["road"], "graph": str(g)}}
    with pytest.raises(ConfigError) as exc:
        resolve_instances([entry], tmp_path / "out")
    assert msg in str(exc.value)


def test_a_whole_float_is_an_integer(tmp_path):
    refs = resolve_instances([{"generate": {"problem": "tsp", "size": 5.0, "count": 2.0}}], tmp_path)
    assert [r.key for r in refs] == ["tsp5-uniform-s0", "tsp5-uniform-s1"]


def test_compare_refuses_a_bad_entry_before_writing(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("name: s\ninstances:\n  - generate: {problem: cvrp, size: abc}\nsolvers: [nearest]\n"
                     "baseline: savings\ntime_limit: 1\n")
    out = tmp_path / "out"
    one_line_error(run("compare", "--suite", suite, "--out", out), "generate entry key 'size'")
    assert not out.exists()
