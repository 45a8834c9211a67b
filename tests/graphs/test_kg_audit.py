"""Knowledge graphs: cases a mutation audit found unchecked (the ``dev`` split name, vocabulary order
over train / valid / test, ``graph_split``, OpenKE count lines and vocabularies, the layout of a folder
with both ConvE and OpenKE files, the numeric-names flag, Hetionet drug names) and the shared KGs'
published split sizes."""

from __future__ import annotations

import gzip
import json

import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.kg import read_kg


def _folder(tmp_path, files: dict[str, str], name: str = "kg"):
    d = tmp_path / name
    d.mkdir()
    for fname, text in files.items():
        (d / fname).write_text(text)
    return d


def _named(g, split="train"):
    return [(g.node_ids[h], g.relation_names[r], g.node_ids[t]) for h, r, t in g.extras[f"triples_{split}"].tolist()]


@pytest.mark.parametrize("name,train,valid,test,unseen", [
    ("UMLS", 5216, 652, 661, {"valid": 0, "test": 0}),
    ("Kinship", 8544, 1068, 1074, {"valid": 0, "test": 0}),
    ("WN18RR", 86835, 3034, 3134, {"valid": 210, "test": 210}),
    ("DrugBank-DDI", 134641, 19224, 38419, {"valid": 10, "test": 15}),  # its validation split is dev.txt.gz
])
def test_shared_kg_split_sizes(shared_data, name, train, valid, test, unseen):
    """Split sizes from kg/MANIFEST.md; unseen counts from the kg module docstring."""
    g = read_kg(shared_data / "kg" / name)
    assert g.meta["triples"] == {"train": train, "valid": valid, "test": test}
    assert len(g.extras["triples_valid"]) == valid and len(g.extras["triples_test"]) == test
    assert g.meta["unseen_in_train"] == unseen


def test_dev_is_the_validation_split(tmp_path):
    d = _folder(tmp_path, {"train.txt": "a\tr\tb\n", "dev.txt": "b\tr\ta\n", "test.txt": "a\tr\ta\n"})
    g = read_kg(d)
    assert _named(g, "valid") == [("b", "r", "a")] and g.meta["triples"]["valid"] == 1


def test_vocabularies_follow_train_then_valid_then_test(tmp_path):
    d = _folder(tmp_path, {"train.txt": "b\tr\ta\n", "valid.txt": "x\ts\ty\n", "test.txt": "z\tt\tw\n"})
    g = read_kg(d)
    assert g.node_ids.tolist() == ["b", "a", "x", "y", "z", "w"]  # head before tail within a line
    assert g.relation_names == ["r", "s", "t"]


def test_graph_split_picks_the_edges(tmp_path):
    d = _folder(tmp_path, {"train.txt": "a\tr\tb\nb\tr\tc\n", "valid.txt": "c\ts\ta\n"})
    g = read_kg(d, graph_split="valid")
    edges = [(g.node_label(u), g.relation_label(r), g.node_label(v))
             for u, v, r in zip(g.sources().tolist(), g.indices.tolist(), g.edge_attrs["relation"].tolist())]
    assert edges == [("c", "s", "a")] and g.meta["graph_split"] == "valid"
    assert len(g.extras["triples_train"]) == 2  # the other splits are still kept


def test_an_empty_graph_split_is_one_error(tmp_path):
    d = _folder(tmp_path, {"train.txt": "a\tr\tb\n"})
    with pytest.raises(InvalidInstanceError, match="split 'valid' is empty or missing"):
        read_kg(d, graph_split="valid")


def _openke(tmp_path, ents="3\nAlice\t0\nBob\t1\ncarol\t2\n", train="2\n0 1 0\n1 2 0\n"):
    return _folder(tmp_path, {"entity2id.txt": ents, "relation2id.txt": "1\nknows\t0\n", "train2id.txt": train})


def test_openke_file_longer_than_its_count_line(tmp_path):
    d = _openke(tmp_path, train="1\n0 1 0\n1 2 0\n")
    with pytest.raises(InvalidInstanceError, match="announces 1 entries, the file has 2"):
        read_kg(d)


def test_openke_name_with_two_ids(tmp_path):
    d = _openke(tmp_path, ents="3\nAlice\t0\nBob\t1\nAlice\t2\n")
    with pytest.raises(InvalidInstanceError, match="the name 'Alice' has more than one id"):
        read_kg(d)


def test_a_folder_with_train_txt_is_conve_even_with_openke_files(tmp_path):
    d = _openke(tmp_path)
    (d / "train.txt").write_text("x\tlikes\ty\n")
    g = read_kg(d)
    assert g.meta["layout"] == "conve" and _named(g) == [("x", "likes", "y")]


def test_numeric_names_are_flagged_only_when_every_name_is_an_integer(tmp_path):
    g = read_kg(_folder(tmp_path, {"train.txt": "1\tknows\t2\n2\tknows\t3\n"}, name="mixed"))
    assert "numeric_names" not in g.meta
    g = read_kg(_folder(tmp_path, {"train.txt": "1\t0\t2\n2\t0\t3\n"}, name="ids"))
    assert g.meta["numeric_names"] is True


def test_hetionet_names_come_from_compound_rows_only(tmp_path):
    d = _folder(tmp_path, {"node2id.json": json.dumps({"DB1": 0, "DB2": 1}), "train.txt": "0 1 3\n"})
    with gzip.open(d / "hetionet-v1.0-nodes.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write("id\tname\tkind\nCompound::DB1\tAspirin\tCompound\nSide Effect::DB2\tNausea\tSide Effect\n")
    g = read_kg(d)
    assert g.node_names == ["Aspirin", "DB2"]  # DB2 has no Compound row: its id
