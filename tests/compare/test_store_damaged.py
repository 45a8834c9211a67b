"""A results folder whose ``results.sqlite`` is not a comparison's store (garbage, another program's
database, a folder) is refused in one line naming the file, with or without ``--fresh``, and is left
as it was: graphroute never removes a file it cannot tell it wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphroute
from graphroute.compare.store import ResultStore
from graphroute.exceptions import InvalidArgumentError
from graphroute_cli.main import app
from tests.cli._errors import one_line_error

TSP20 = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples" / "tsp20.json"


def _garbage(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.sqlite").write_text("garbage\n")
    return folder / "results.sqlite"


def _foreign(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / "results.sqlite")
    db.execute("CREATE TABLE runs (a INTEGER)")
    db.commit()
    db.close()
    return folder / "results.sqlite"


def _folder(folder: Path) -> Path:
    (folder / "results.sqlite").mkdir(parents=True)
    return folder / "results.sqlite"


@pytest.mark.parametrize("make, why", [(_garbage, "file is not a database"),
                                       (_foreign, "its table 'runs' lacks bks, cost"),
                                       (_folder, "is not a file")])
def test_the_store_refuses_a_file_that_is_not_one_of_its_own(tmp_path, make, why):
    path = make(tmp_path / "out")
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(InvalidArgumentError, match=rf"^{path}.*{why}.*remove it, or give another --out folder$"):
        ResultStore(tmp_path / "out")
    assert (path.read_bytes() if path.is_file() else None) == before


@pytest.mark.parametrize("fresh", [[], ["--fresh"]])
@pytest.mark.parametrize("make", [_garbage, _foreign, _folder])
def test_compare_on_a_damaged_store_is_one_line_before_any_progress(tmp_path, make, fresh):
    path = make(tmp_path / "out")
    res = CliRunner().invoke(app, ["compare", str(TSP20), "--solvers", "savings", "-t", "0.2",
                                   "--out", str(tmp_path / "out"), *fresh])
    one_line_error(res, str(path), "remove it, or give another --out folder")
    assert res.stdout == ""  # no progress bar, no table
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["results.sqlite"]


def test_a_store_from_an_earlier_comparison_still_opens(tmp_path):
    """The schema check accepts the store's own file (the columns it creates)."""
    ResultStore(tmp_path / "out").close()
    s = ResultStore(tmp_path / "out")
    assert s.rows() == []
    s.close()
