"""``graph build kg --names FILE``: how many of the file's ids named an entity is kept in ``meta["names"]``,
and a file that names none (a wrong file, another KG's ids) is warned about when the graph is built."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graphroute.graphs.kg import names_warnings, read_kg
from graphroute_cli.main import app


@pytest.fixture
def kg(tmp_path):
    (tmp_path / "train.txt").write_text("a\tr\tb\nb\tr\tc\n")
    return tmp_path


@pytest.mark.parametrize("text, lines, matched, warning", [
    ("a\tAlpha\nzz\tZed\n", 2, 1, None),
    ("x\tfoo\ny\tbar\n", 2, 0, "none of its 2 ids is an entity of this KG"),
    ("no tab on this line\n", 0, 0, "it has no 'id<TAB>name' line"),
])
def test_names_file_counts_and_warning(kg, text, lines, matched, warning):
    (kg / "names.tsv").write_text(text)
    g = read_kg(kg / "train.txt", names=kg / "names.tsv")
    assert g.meta["names"] == {"file": str(kg / "names.tsv"), "lines": lines, "matched": matched}
    got = names_warnings(g.meta)
    if warning is None:
        assert got == [] and g.node_names[0] == "Alpha"
    else:
        assert got == [f"the names file {kg / 'names.tsv'} names no entity: {warning}; entities are shown by id"]
        assert list(g.node_names) == ["a", "b", "c"]


def test_graph_build_kg_warns_once_and_still_writes(kg):
    (kg / "names.tsv").write_text("x\tfoo\n")
    res = CliRunner().invoke(app, ["graph", "build", "kg", str(kg / "train.txt"), "--names", str(kg / "names.tsv"),
                                   "--out", str(kg / "g.graph.npz"), "--json"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("warning: the names file") == 1 and (kg / "g.graph.npz").is_file()


def test_a_graph_read_without_names_has_no_names_meta(kg):
    assert "names" not in read_kg(kg / "train.txt").meta
