"""The result store as a user relies on it (mutation audit 2026-12-04): what survives closing and
reopening, that a rerun row replaces the old one, every column a row keeps, the order of rows and
files, which files are recorded, that ``--fresh`` forgets everything, and how a grid difference is
named in the refusal."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from graphroute.compare.store import STATUSES, ResultStore, first_difference
from graphroute.exceptions import InvalidArgumentError

ROW = {"instance": "tsp20", "solver": "savings", "seed": 0, "status": "ok", "cost": 12.5, "feasible": True,
       "runtime_s": 0.25, "num_routes": 1, "bks": 11.0, "problem": "tsp", "n": 20, "error": "late",
       "path": "solutions/tsp20__savings__0.json"}


@pytest.fixture
def store(tmp_path):
    s = ResultStore(tmp_path / "out")
    yield s
    s.close()


def reopen(store: ResultStore) -> ResultStore:
    store.close()
    return ResultStore(store.folder)


def test_grid_files_and_rows_survive_closing_and_reopening(tmp_path):
    """Each write is committed as it happens: an interrupted comparison keeps all of it."""
    store = ResultStore(tmp_path / "out")
    store.bind_grid({"seeds": [0, 1], "baseline": "savings"})
    store.add_file(tmp_path / "out" / "instances" / "a.json")
    store.add(ROW)
    store = reopen(store)
    try:
        assert store.grid() == {"seeds": [0, 1], "baseline": "savings"}
        assert store.files() == [tmp_path / "out" / "instances" / "a.json"]
        assert store.done() == {("tsp20", "savings", 0)}
    finally:
        store.close()


@pytest.mark.parametrize("step", ["grid", "file", "row"])
def test_each_write_alone_is_committed(tmp_path, step):
    """A grid, a file or a row written last before the process ends is not lost."""
    store = ResultStore(tmp_path / "out")
    if step == "grid":
        store.bind_grid({"t": 1.0})
    elif step == "file":
        store.add_file(tmp_path / "out" / "x.json")
    else:
        store.add(ROW)
    store.close()
    db = sqlite3.connect(tmp_path / "out" / "results.sqlite")
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("grid", "files", "runs")}
    db.close()
    assert counts == {"grid": int(step == "grid"), "files": int(step == "file"), "runs": int(step == "row")}


def test_the_store_is_a_wal_database_readers_can_open_while_it_writes(store):
    db = sqlite3.connect(store.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_a_row_keeps_every_column_and_when_it_finished(store):
    before = time.time()
    store.add(ROW)
    (row,) = store.rows()
    assert {k: row[k] for k in ROW} == {**ROW, "feasible": 1}
    assert before - 1 <= row["finished_at"] <= time.time() + 1


def test_a_row_added_again_replaces_the_old_one(store):
    store.add({**ROW, "status": "crashed", "cost": None, "error": "worker died"})
    store.add(ROW)
    rows = store.rows()
    assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["cost"] == 12.5 and rows[0]["error"] == "late"


def test_every_documented_status_is_stored(store):
    for seed, status in enumerate(STATUSES):
        store.add({**ROW, "seed": seed, "status": status})
    assert [r["status"] for r in store.rows()] == list(STATUSES)
    assert set(STATUSES) == {"ok", "infeasible", "failed", "timeout", "crashed", "unsupported"}


def test_rows_are_ordered_by_instance_solver_and_seed(store):
    keys = [("b", "savings", 1), ("a", "savings", 10), ("b", "nearest", 0), ("a", "savings", 2), ("b", "savings", 0)]
    for i, s, seed in keys:
        store.add({**ROW, "instance": i, "solver": s, "seed": seed})
    assert [(r["instance"], r["solver"], r["seed"]) for r in store.rows()] == sorted(keys)


def test_done_names_instance_solver_and_seed(store):
    store.add({**ROW, "instance": "cvrp50", "solver": "nearest", "seed": 3})
    assert store.done() == {("cvrp50", "nearest", 3)}


def test_files_are_recorded_once_sorted_and_inside_the_folder(store, tmp_path):
    out = tmp_path / "out"
    store.add_file(out / "instances" / "b.json")
    store.add_file(out / "instances" / "a.json")
    store.add_file(out / "instances" / "b.json")  # recorded twice: no error, one entry
    store.add_file(tmp_path / "elsewhere.json")  # outside the folder: never ours to remove
    assert store.files() == [out / "instances" / "a.json", out / "instances" / "b.json"]


def test_a_store_opened_by_a_relative_path_records_its_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = ResultStore("out")
    try:
        store.add_file(tmp_path / "out" / "instances" / "a.json")
        store.add_file("out/instances/b.json")
        assert store.files() == [Path("out/instances/a.json"), Path("out/instances/b.json")]
    finally:
        store.close()


def test_fresh_forgets_the_grid_its_runs_and_its_files(store, tmp_path):
    store.bind_grid({"t": 1.0})
    store.add_file(tmp_path / "out" / "instances" / "a.json")
    store.add(ROW)
    store.bind_grid({"t": 2.0}, fresh=True)
    assert store.grid() == {"t": 2.0} and store.files() == [] and store.rows() == [] and store.done() == set()


def test_the_same_grid_binds_again_without_a_change(store):
    store.bind_grid({"t": 1.0, "seeds": [0]})
    store.bind_grid({"seeds": [0], "t": 1.0})
    assert store.grid() == {"t": 1.0, "seeds": [0]}


def test_a_grid_with_a_key_the_folders_grid_lacks_is_refused(store):
    store.bind_grid({"a": 1})
    with pytest.raises(InvalidArgumentError) as err:
        store.bind_grid({"a": 1, "b": 2})
    assert "b: \"(none)\" there, 2 now" in str(err.value) and "use another --out or --fresh" in str(err.value)


def test_the_refusal_names_the_first_difference(store):
    store.bind_grid({"seeds": [0, 1], "time_limit": 1.0})
    with pytest.raises(InvalidArgumentError, match=r"different grid \(seeds: 1 there only; 2 now only\)"):
        store.bind_grid({"seeds": [0, 2], "time_limit": 1.0})


def test_first_difference_follows_nested_keys():
    old = {"options": {"savings": {"x": "1"}}, "seeds": [0]}
    new = {"options": {"savings": {"x": "2"}}, "seeds": [0]}
    assert first_difference(old, new) == 'options.savings.x: "1" there, "2" now'


def test_first_difference_names_a_key_one_side_lacks():
    assert first_difference({"a": 1}, {"a": 1, "b": [2]}) == 'b: "(none)" there, [2] now'
    assert first_difference({"a": 1, "b": 3}, {"a": 1}) == 'b: 3 there, "(none)" now'


def test_first_difference_names_a_nested_key_one_side_lacks_with_its_dot():
    """REAL BUG (store.py:131): a nested key one side lacks lost its dot, 'options.savings' + 'x' read
    'options.savingsx' (a rerun that drops one solver's option said 'optionssavings: ...')."""
    assert first_difference({"o": {"k": 1}}, {"o": {}}) == 'o.k: 1 there, "(none)" now'
    old = {"options": {"savings": {"x": "1"}}}
    assert first_difference(old, {"options": {}}) == 'options.savings: {"x": "1"} there, "(none)" now'


def test_first_difference_of_lists_of_different_length():
    """Lists of names or numbers (solvers, seeds) say what was added or removed: the sorted lists compared
    position by position read 'solvers[0]: "neural" there, "ortools" now' for one added solver."""
    assert first_difference({"s": [0, 1, 2]}, {"s": [0, 1]}) == "s: 2 there only"
    assert first_difference({"s": [0]}, {"s": [0, 5, 6]}) == "s: 5, 6 now only"
    assert first_difference({"s": ["neural", "savings"]}, {"s": ["ortools", "savings"]}) == (
        's: "neural" there only; "ortools" now only')
    assert first_difference({"s": [[1], [2]]}, {"s": [[1]]}) == "s: 2 items there, 1 now; [1]: [2] there only"


def test_first_difference_shortens_long_values_to_sixty_characters():
    exact = "x" * 58  # 60 characters with its quotes: shown whole
    long = "y" * 59
    assert first_difference({"k": exact}, {"k": 1}) == f'k: "{exact}" there, 1 now'
    shown = first_difference({"k": long}, {"k": 1}).split(" there")[0]
    assert shown == 'k: "' + "y" * 56 + "..." and len(shown) - len("k: ") == 60
