"""load_graph checks every array of a graph file (fuzz review defect 1): each edit below was accepted
before and gave wrong answers (no path, infinite costs, an index error in a model) or crashed later."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from graphroute.graphs import from_edges, load_graph, save_graph
from graphroute.graphs.model import MAX_EDGE_WEIGHT, GraphFormatError, first_duplicate


def _road(tmp_path):
    g = from_edges([0, 0, 1, 2, 3], [1, 2, 2, 0, 0], 4, edge_attrs={"length": [1.0, 4.0, 2.0, 3.0, 1.5],
                                                                  "time": [1.0, 1.0, 1.0, 1.0, 1.0]},
                   kind="road", node_ids=np.array([10, 20, 30, 40]), coords=np.arange(8.0).reshape(4, 2),
                   meta={"default_weight": "time"},
                   extras={"time_slots": np.ones((2, 5))})
    return save_graph(g, tmp_path / "road")


def _kg(tmp_path):
    tr = np.array([[0, 0, 1], [1, 1, 2], [2, 0, 3]])
    g = from_edges(tr[:, 0], tr[:, 2], 4, edge_attrs={"relation": tr[:, 1]}, kind="kg",
                   node_ids=np.array(["a", "b", "c", "d"]), relation_names=["r", "s"],
                   meta={"num_relations": 2, "default_weight": "hops"},
                   extras={"triples_train": tr, "triples_test": np.array([[3, 1, 0]])})
    return save_graph(g, tmp_path / "kg")


def _edit(path, fn):
    with np.load(path) as z:
        arrays = {k: np.array(v) for k, v in z.items()}
    fn(arrays)
    np.savez(path, **arrays)
    return path


def _header(arrays, **changes):
    h = json.loads(str(arrays["header"]))
    h.update(changes)
    arrays["header"] = np.array(json.dumps(h))


def _set(key, index, value):
    def fn(a):
        a[key][index] = value
    return fn


ROAD_EDITS = {
    "nan coords": (_set("coords", (1, 0), np.nan), "coords are not finite at node 1"),
    "inf coords": (_set("coords", (2, 1), np.inf), "coords are not finite at node 2"),
    "huge time": (_set("edge__time", 3, 1e308), "'time' is 1e.308 on edge 3, above the largest weight"),
    "inf length": (_set("edge__length", 0, np.inf), "'length' is not finite on edge 0"),
    "fractional indptr": (lambda a: a.update(indptr=a["indptr"] + 0.5), "indptr must hold integers, got dtype float64"),
    "decreasing indptr": (_set("indptr", 2, 0), "indptr decreases at node 1"),
    "indptr end": (lambda a: a.update(indptr=a["indptr"][:-1]), "indptr ends at 4 but indices holds 5 edges"),
    "target out of range": (_set("indices", 4, 9), "indices holds node 9 at edge 4, outside 0..3"),
    "version true": (lambda a: _header(a, version=True), "unsupported graph format version true"),
    "version 1.0": (lambda a: _header(a, version=1.0), "unsupported graph format version 1.0"),
    "kind list": (lambda a: _header(a, kind=["road"]), "header kind"),
    "meta list": (lambda a: _header(a, meta=[1]), "header meta must be an object"),
    "edge_attrs string": (lambda a: _header(a, edge_attrs="length"), "header edge_attrs must be a list"),
    "missing attr": (lambda a: _header(a, edge_attrs=["length", "speed"]), "'edge__speed' but the file has no"),
    "duplicate ids": (_set("node_ids", 3, 10), "node_ids repeats 10 .nodes 0 and 3."),
    "float ids": (lambda a: a.update(node_ids=a["node_ids"] * 1.0), "node_ids must be a 1-d array of integers or strings"),
    "short ids": (lambda a: a.update(node_ids=a["node_ids"][:3]), "node_ids has 3 entries for 4 nodes"),
    "2-d attr": (lambda a: a.update(edge__length=a["edge__length"][:, None]), "edge__length must hold one value per edge"),
    "string attr": (lambda a: a.update(edge__length=a["edge__length"].astype(str)), "edge__length must hold numbers"),
    "slot nan": (_set("extra__time_slots", (1, 2), np.nan), "extra__time_slots holds nan at slot 1, edge 2"),
    "slot shape": (lambda a: a.update(extra__time_slots=np.ones((2, 4))), r"extra__time_slots must be floats of shape \[slots, 5\]"),
}

KG_EDITS = {
    "relation id out of range": (_set("edge__relation", 1, 7), "edge__relation holds relation 7 at edge 1, outside 0..1"),
    "float relations": (lambda a: a.update(edge__relation=a["edge__relation"] * 1.0), "edge__relation must hold integers"),
    "short relation_names": (lambda a: a.update(relation_names=a["relation_names"][:1]), "relation"),
    "names for fewer relations than meta": (lambda a: (a.update(relation_names=np.array(["r"])),
                                                       a.update(edge__relation=np.zeros(3, dtype=np.int64))),
                                            "relation_names has 1 names for 2 relations"),
    "1-d triples": (lambda a: a.update(extra__triples_train=a["extra__triples_train"].reshape(-1)),
                    r"extra__triples_train must have 2 dimension\(s\), got shape \[9\]"),
    "[k, 2] triples": (lambda a: a.update(extra__triples_train=a["extra__triples_train"][:, :2]),
                       r"must have shape \[k, 3\]"),
    "entity out of range": (_set("extra__triples_test", (0, 2), 99), r"extra__triples_test \(tails\) holds entity 99 at row 0"),
    "negative head": (_set("extra__triples_train", (2, 0), -1), r"\(heads\) holds entity -1 at row 2"),
    "triple relation out of range": (_set("extra__triples_train", (1, 1), 2), r"\(relations\) holds relation 2 at row 1"),
    "duplicate entity ids": (_set("node_ids", 2, "a"), "node_ids repeats a .nodes 0 and 2."),
    "num_relations bool": (lambda a: _header(a, meta={"num_relations": True}), "meta num_relations must be an integer"),
}


@pytest.mark.parametrize("case", list(ROAD_EDITS))
def test_road_file_edits_are_refused_in_one_line(tmp_path, case):
    fn, msg = ROAD_EDITS[case]
    assert load_graph(_road(tmp_path)).n_edges == 5  # the unedited file loads
    p = _edit(_road(tmp_path), fn)
    with pytest.raises(GraphFormatError, match=msg) as info:
        load_graph(p)
    assert "\n" not in str(info.value) and str(info.value).startswith(("road.graph.npz: ",))


@pytest.mark.parametrize("case", list(KG_EDITS))
def test_kg_file_edits_are_refused_in_one_line(tmp_path, case):
    fn, msg = KG_EDITS[case]
    assert load_graph(_kg(tmp_path)).n_edges == 3
    p = _edit(_kg(tmp_path), fn)
    with pytest.raises(GraphFormatError, match=msg) as info:
        load_graph(p)
    assert "\n" not in str(info.value) and str(info.value).startswith("kg.graph.npz: ")


def test_weights_above_the_bound_are_refused_when_built_too():
    with pytest.raises(Exception, match="above the largest weight"):
        from_edges([0], [1], 2, edge_attrs={"length": [MAX_EDGE_WEIGHT * 10]})
    from_edges([0], [1], 2, edge_attrs={"length": [MAX_EDGE_WEIGHT]})  # the bound itself is fine


def test_first_duplicate():
    assert first_duplicate(np.array([1, 2, 3])) is None
    assert first_duplicate(np.array([3, 1, 2, 1, 3])) == (1, 3)
    assert first_duplicate(np.array(["00012", "00021", "0001", "00210"])) is None
    assert first_duplicate(np.array(["x", "yy", "zzz", "yy", "x"])) == (1, 3)
    ids = np.array([f"{i:08d}" for i in range(50_000)])  # WN18RR-like ids: the hash must not collide
    assert first_duplicate(ids) is None
    ids[40_000] = ids[7]
    assert first_duplicate(ids) == (7, 40_000)


def test_cli_route_on_nan_coords_is_one_error_line(tmp_path):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    p = _edit(_road(tmp_path), _set("coords", (1, 0), np.nan))
    res = CliRunner().invoke(app, ["graph", "info", str(p)])
    assert res.exit_code == 1 and "coords are not finite at node 1" in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize("values,msg", [
    (np.array([-1, 5]), "negative length -1 on edge 0"),
    (np.array([2**62, 5]), "above the largest weight a graph may hold"),
    (np.array(["a", "b"]), "edge attribute 'length' must hold real numbers, got dtype <U1"),
    (np.array([1j, 2]), "must hold real numbers, got dtype complex128"),
    (np.array([True, False]), "must hold real numbers, got dtype bool"),
])
def test_integer_and_non_numeric_weights_are_checked_too(values, msg, tmp_path):
    """Walkthrough finding: only float attributes were checked, so an int64 length of -1 or 2**62 passed
    (a path cost 4.6e18), and a text length built a graph that save_graph wrote and load_graph refused."""
    from graphroute.exceptions import InvalidInstanceError

    with pytest.raises(InvalidInstanceError, match=re.escape(msg)):
        from_edges([0, 1], [1, 2], 3, edge_attrs={"length": values})
    g = from_edges([0, 1], [1, 2], 3, edge_attrs={"length": np.array([3, 5]), "relation": np.array([0, 7])})
    assert g.weights().tolist() == [3.0, 5.0]
