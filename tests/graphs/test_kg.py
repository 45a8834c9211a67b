"""Knowledge graphs: published counts of the shared KGs, inverse edges, splits, bad lines."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs import load_graph, save_graph
from graphroute.graphs.kg import read_kg


@pytest.mark.parametrize(
    "name,ents,rels,train",
    [("UMLS", 135, 46, 5216), ("Kinship", 104, 25, 8544), ("WN18RR", 40943, 11, 86835),
     ("FB15k-237", 14541, 237, 272115), ("DrugBank-DDI", 1710, 86, 134641)],
)
def test_shared_kgs(shared_data, name, ents, rels, train):
    g = read_kg(shared_data / "kg" / name)
    assert g.meta["num_entities"] == ents and g.meta["num_relations"] == rels
    assert g.n_edges == train == len(g.extras["triples_train"])
    assert g.meta["skipped_lines"] == 0


def test_wn18rr_ids_stay_strings(shared_data):
    g = read_kg(shared_data / "kg/WN18RR")
    assert g.node_label(0) == "00260881" and g.node_index("00260881") == 0


def test_drugbank_names(shared_data):
    g = read_kg(shared_data / "kg/DrugBank-DDI")
    assert g.node_index("DB00997") == g.node_index("Doxorubicin")


def test_tiny_kg_inverse_and_round_trip(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tlikes\tb\nb\tlikes\tc\n\nc\thates\ta\n")
    (d / "valid.txt").write_text("a\tlikes\tc\n")
    (d / "test.txt").write_text("c\tlikes\td\n")
    g = read_kg(d, inverse=True)
    assert g.meta["skipped_lines"] == 0 and g.meta["num_entities"] == 4
    assert g.relation_names == ["likes", "hates", "likes^-1", "hates^-1"]
    assert g.n_edges == 6
    arcs = {(g.node_label(u), g.relation_label(r), g.node_label(v))
            for u, v, r in zip(g.sources(), g.indices, g.edge_attrs["relation"])}
    assert ("b", "likes^-1", "a") in arcs and ("a", "hates^-1", "c") in arcs
    back = load_graph(save_graph(g, tmp_path / "g"))
    np.testing.assert_array_equal(back.extras["triples_test"], [[2, 0, 3]])
    assert back.relation_names == g.relation_names


def test_missing_kg(tmp_path):
    with pytest.raises(InvalidInstanceError, match="no train.txt"):
        read_kg(tmp_path)
    with pytest.raises(InvalidInstanceError, match="no such file"):
        read_kg(tmp_path / "nope")


def test_names_file_and_single_triples_file(tmp_path):
    from graphroute.graphs import read_any

    p = tmp_path / "triples.tsv"
    p.write_text("Q1\tP31\tQ5\nQ2\tP31\tQ5\n")
    (tmp_path / "names.tsv").write_text("Q1\taspirin\nQ5\theadache\n")
    g = read_kg(p, names=tmp_path / "names.tsv")
    assert [g.node_label(i) for i in range(3)] == ["aspirin", "headache", "Q2"]  # Q2 has no name: its id
    assert g.node_index("aspirin") == g.node_index("Q1") == 0
    assert read_any(p).n_edges == 2 and read_any(p).meta["triples"]["valid"] == 0


@pytest.mark.parametrize(
    "files,msg",
    [
        ({"node2id.json": "{bad", "train.txt": "0 1 3\n"}, "not a JSON object"),
        ({"node2id.json": '{"DB1": 0, "DB2": 1}', "train.txt": "0 1 x\n"}, "label 'x' is not an integer"),
        ({"node2id.json": '{"DB1": 0, "DB2": 1}', "train.txt": "0 5 3\n"}, "entity id 5 is not in node2id.json"),
    ],
)
def test_bad_sumgnn_folders_through_cli(tmp_path, files, msg):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "o.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "kg", str(tmp_path), "-o", str(out)])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_truncated_gzip_split(tmp_path, shared_data):
    raw = (shared_data / "kg/WN18RR/train.txt.gz").read_bytes()
    (tmp_path / "train.txt.gz").write_bytes(raw[:5000])
    with pytest.raises(InvalidInstanceError, match="cannot read"):
        read_kg(tmp_path)


def test_header_line_and_space_separated_triples(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.tsv").write_text("head\trelation\ttail\nnew york\tlocated in\tusa\nparis\tlocated in\tfrance\n")
    (d / "valid.txt").write_text("a r b\n")
    g = read_kg(d)
    assert g.meta["skipped_lines"] == 0 and g.n_edges == 2
    assert g.node_index("new york") == 0 and "head" not in g.node_ids.tolist()
    assert g.relation_names == ["located in", "r"] and g.meta["triples"]["valid"] == 1


@pytest.mark.parametrize("line", ["broken line", "a\tlikes", "a\tlikes\tb\tc", "a\t\tb", "a b c d"])
def test_malformed_triple_line_is_an_error(tmp_path, line):
    """A line that is not a triple names its file and line number instead of being dropped silently."""
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text(f"a\tlikes\tb\n{line}\nb\tlikes\tc\n")
    with pytest.raises(InvalidInstanceError, match=r"train.txt line 2: expected head, relation and tail"):
        read_kg(d)


def test_unreadable_names_file_is_an_error(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tlikes\tb\n")
    (tmp_path / "names.tsv").write_bytes(b"a\t\xff\xfe\n")
    with pytest.raises(InvalidInstanceError, match="cannot read the names file"):
        read_kg(d, names=tmp_path / "names.tsv")
    with pytest.raises(InvalidInstanceError, match="cannot read the names file"):
        read_kg(d, names=tmp_path / "missing.tsv")
