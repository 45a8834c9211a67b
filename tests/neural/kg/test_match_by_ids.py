"""A checkpoint is matched to a KG by the files' entity ids where both know them: the same KG read with
``--names`` display names (a graph built with them) and from its plain files is one KG, in either
direction; older checkpoints (display names only) still match the plain files."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import save_graph
from graphroute.graphs.kg import read_kg
from graphroute.neural.kg.data import KGData
from graphroute.neural.kg.train import _checkpoint, match_kg


@pytest.fixture
def kg(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("e1\tr\te2\ne2\tr\te3\ne3\ts\te1\n")
    (d / "valid.txt").write_text("e1\ts\te3\n")
    (d / "test.txt").write_text("e2\ts\te1\n")
    (tmp_path / "names.tsv").write_text("e1\tAlpha One\ne2\tBeta\ne3\tGamma\n")
    save_graph(read_kg(d, names=tmp_path / "names.tsv"), tmp_path / "named.graph.npz")
    return d, tmp_path / "named.graph.npz"


def _ck(data: KGData, ids: bool = True) -> dict:
    """What match_kg reads of a checkpoint; ``ids=False``: one written before entity ids were recorded."""
    ck = {"num_entities": data.num_entities, "num_relations": data.num_relations,
          "vocab": {"entities": list(data.entity_names), "relations": list(data.relation_names)}}
    if ids:
        ck["vocab"]["entity_ids"] = list(data.entity_ids)
    return ck


def _triples(data: KGData) -> set:
    """The training triples in the files' ids: the same whatever the ids' order."""
    return {(data.entity_ids[h], data.relation_names[r], data.entity_ids[t]) for h, r, t in data.train.tolist()}


@pytest.mark.parametrize("ids", [True, False])
def test_a_plain_files_checkpoint_matches_the_named_graph(kg, ids):
    plain, named = KGData.from_path(kg[0]), KGData.from_path(kg[1])
    got = match_kg(_ck(plain, ids), named, "best.pt")
    assert got.entity_ids == plain.entity_ids and _triples(got) == _triples(plain)
    assert sorted(got.entity_names) == ["Alpha One", "Beta", "Gamma"]  # the names of the KG given are kept
    assert got.entity_names[got.entity_ids.index("e1")] == "Alpha One"


def test_a_named_graph_checkpoint_matches_the_plain_files(kg):
    plain, named = KGData.from_path(kg[0]), KGData.from_path(kg[1])
    got = match_kg(_ck(named), plain, "best.pt")
    np.testing.assert_array_equal(got.train, named.train)
    assert got.entity_ids == named.entity_ids and got.entity_names == ["e1", "e2", "e3"]


def test_another_kg_is_still_refused_by_id(kg, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "train.txt").write_text("x1\tr\te2\ne2\tr\te3\ne3\ts\tx1\n")
    (other / "valid.txt").write_text("x1\ts\te3\n")
    (other / "test.txt").write_text("e2\ts\tx1\n")
    with pytest.raises(InvalidArgumentError, match="is not the KG best.pt was trained on: 1 entity names best.pt "
                                                   "does not know \\(e.g. 'x1'\\)"):
        match_kg(_ck(KGData.from_path(kg[0])), KGData.from_path(other), "best.pt")


def test_checkpoints_record_the_entity_ids(kg):
    from graphroute.neural.kg.train import KGConfig

    named = KGData.from_path(kg[1])
    ck = _checkpoint(KGConfig(data=str(kg[1])), named, {})
    assert ck["vocab"]["entity_ids"] == named.entity_ids and ck["vocab"]["entities"] == named.entity_names


def test_a_run_trained_with_a_relative_path_is_found_from_another_folder(kg, tmp_path, monkeypatch):
    """The checkpoint keeps the absolute path of its KG (data_resolved): evaluated from another working
    directory, the relative path in its config no longer resolves and the recorded one is read; when neither
    exists, one line says so and names --data."""
    from graphroute.neural.kg.train import KGConfig, _trained_on

    monkeypatch.chdir(kg[0].parent)
    cfg = KGConfig(data="kg")
    ck = _checkpoint(cfg, KGData.from_path("kg"), {})
    assert ck["data_resolved"] == str(kg[0].resolve())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert _trained_on(ck, cfg, "best.pt") == kg[0].resolve()
    ck["data_resolved"] = str(tmp_path / "gone")
    with pytest.raises(InvalidArgumentError, match=r"^kg, the KG best.pt was trained on, is not found from here "
                                                   r"\(nor at .*gone, where it was when trained\); give the KG to use "
                                                   r"\(--data\)$"):
        _trained_on(ck, cfg, "best.pt")


def test_a_kg_refused_for_its_size_names_a_header_read_as_a_triple(tmp_path, random_kg):
    """Walkthrough finding: with a header-like first line (foo bar baz) read as a triple, evaluate and
    explain said only "12 entities ... has 14"; the KG's own warning, which says why, never showed."""
    from graphroute.neural.kg.train import KGConfig, load_kg_model, train_kg
    from tests.neural.kg.conftest import random_triples, write_kg

    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=8, epochs=1, batch_size=16), tmp_path / "run")
    rows = random_triples()
    other = write_kg(tmp_path / "with_header", [("foo", "bar", "baz"), *rows[:48]], rows[48:54], rows[54:])
    with pytest.raises(InvalidArgumentError, match=r"has 14 and 4 \(the KG's files: the first line of the train file "
                                                   r"\(foo bar baz\) shares no entity"):
        load_kg_model(tmp_path / "run" / "last.pt", other)
