"""A KG name longer than MAX_NAME_CHARS is refused naming its line (fuzz review defect 5): names are
stored fixed-width, so one 100,000-character entity made UMLS's graph file 55 MB, and a 5M-character
line ran graph build kg and explain for minutes."""

from __future__ import annotations

import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.kg import MAX_NAME_CHARS, read_kg


def _write(folder, train):
    folder.mkdir()
    (folder / "train.txt").write_text(train)
    return folder


def test_long_entity_name_is_refused_with_its_line(tmp_path):
    kg = _write(tmp_path / "kg", "a\tr\tb\nb\tr\t" + "x" * (MAX_NAME_CHARS + 1) + "\n")
    with pytest.raises(InvalidInstanceError, match=f"train.txt line 2: a name of {MAX_NAME_CHARS + 1:,} characters"):
        read_kg(kg)


def test_long_relation_and_display_names_are_refused(tmp_path):
    kg = _write(tmp_path / "kg", "a\t" + "r" * 5000 + "\tb\n")
    with pytest.raises(InvalidInstanceError, match="line 1: a name of 5,000 characters"):
        read_kg(kg)
    ok = _write(tmp_path / "ok", "a\tr\tb\n")
    (tmp_path / "names.tsv").write_text("a\tAnn\nb\t" + "B" * 2000 + "\n")
    with pytest.raises(InvalidInstanceError, match="names.tsv line 2: a name of 2,000 characters"):
        read_kg(ok, names=tmp_path / "names.tsv")


def test_names_at_the_cap_still_build(tmp_path):
    name = "y" * MAX_NAME_CHARS
    g = read_kg(_write(tmp_path / "kg", f"a\tr\t{name}\n"))
    assert g.node_ids.tolist() == ["a", name]
