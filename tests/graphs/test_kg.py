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
    (d / "train.txt").write_text("a\tlikes\tb\nb\tlikes\tc\nbroken line\nc\thates\ta\n")
    (d / "valid.txt").write_text("a\tlikes\tc\n")
    (d / "test.txt").write_text("c\tlikes\td\n")
    g = read_kg(d, inverse=True)
    assert g.meta["skipped_lines"] == 1 and g.meta["num_entities"] == 4
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
