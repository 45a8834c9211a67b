"""A damaged reference-cost cache (graphroute.neural.evaluate) never crashes ``evaluate`` and never feeds a
bad reference. A header without ``instance`` gave a KeyError traceback, a cost ``abc`` a ValueError,
``-5`` was used (mean gap -180%, exit 0), ``nan`` gave a null reference without a word, and a folder
named no variable. Now unusable rows are left out (re-solved) with one note naming the file and the
count, appends keep the file readable, and a cache that cannot be used is one line naming
GRAPHROUTE_REFERENCE_CACHE before anything is solved."""

from __future__ import annotations

import csv
import os

import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.neural import evaluate as ev
from tests.neural.test_evaluate_audit import _checkpoint  # a tiny TSP model, seeded

HEAD = "instance,solver,time_limit,cost,runtime_s\n"


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """A user cache (GRAPHROUTE_REFERENCE_CACHE) and a project table in tmp_path, neither written yet."""
    user, project = tmp_path / "cache.csv", tmp_path / "project.csv"
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(user))
    monkeypatch.setattr(ev, "REFERENCE_CSV", project)
    return user, project


@pytest.mark.parametrize("row", [
    "b,pyvrp,0.5,abc,0.1", "b,pyvrp,0.5,-5,0.1", "b,pyvrp,0.5,0,0.1", "b,pyvrp,0.5,nan,0.1",
    "b,pyvrp,0.5,inf,0.1", "b,pyvrp,0.5,,0.1", "b,pyvrp,abc,2.0,0.1", "b,pyvrp,nan,2.0,0.1",
    "b,pyvrp,-1,2.0,0.1", ",pyvrp,0.5,2.0,0.1", "b,,0.5,2.0,0.1", "b,pyvrp,0.5", "b,pyvrp,0.5,2.0,0.1,extra",
    "b,pyvrp,0.5,2\x00,0.1", 'b,pyvrp,0.5,"2.0',
])
def test_a_row_that_cannot_be_a_reference_is_left_out_and_counted(row, caches):
    user, _ = caches
    user.write_text(HEAD + "a,pyvrp,0.5,2.5,0.1\n" + row + "\nc,pyvrp,1,3.5,0.1\n")
    issues: list[str] = []
    got = ev._read_cache(issues=issues)
    assert got == {("a", "pyvrp", "0.5"): 2.5, ("c", "pyvrp", "1"): 3.5} or \
        (row.endswith('"2.0') and got == {("a", "pyvrp", "0.5"): 2.5})  # an open quote swallows the rest
    assert issues == [f"1 row of the reference cache {user} (GRAPHROUTE_REFERENCE_CACHE) is not used: a cost or "
                      "time limit that is not a finite number > 0, or a missing, extra or unreadable cell; a key "
                      "only such a row holds counts as not cached"]
    assert ev.cached_reference([Named("b")], path=user) is None
    assert ev.cached_reference_times([Named("a")], path=user) == [0.5]


def test_a_wrong_header_leaves_every_row_out_and_blocks_writes_without_touching_the_file(caches):
    user, project = caches
    for text in ("garbage,,\n", "instance,solver\na,pyvrp\n", "\x00\x01binary\n"):
        user.write_text(text)
        issues: list[str] = []
        assert ev._read_cache(issues=issues) == {}
        assert issues[0].startswith(f"the reference cache {user} (GRAPHROUTE_REFERENCE_CACHE) is not used: its header is ")
        with pytest.raises(InvalidArgumentError, match=r"GRAPHROUTE_REFERENCE_CACHE\) has the header .*, not "
                                                       r"'instance,solver,time_limit,cost,runtime_s', so new "
                                                       r"reference costs cannot be added to it; remove it"):
            ev.check_cache_writable()
        row = {"instance": "x", "solver": "pyvrp", "time_limit": "0.5", "cost": "6.37", "runtime_s": "0.5"}
        with pytest.raises(InvalidArgumentError, match="has the header"):
            ev._append(user, row)
        assert user.read_text() == text


def test_reference_costs_refuse_a_foreign_header_before_solving(caches, monkeypatch):
    user, _ = caches
    user.write_text("garbage,,\n")
    monkeypatch.setattr(ev, "_solve_one", lambda args: pytest.fail("solved before the cache was checked"))
    with pytest.raises(InvalidArgumentError, match="has the header 'garbage,,'"):
        ev.reference_costs([Named("a")], "pyvrp", 0.5)


def test_appends_keep_the_file_readable(tmp_path):
    """An empty file gets the header; a last line cut short does not swallow the next row; a file with
    the columns in another order gets rows in its own order."""
    row = {"instance": "x", "solver": "pyvrp", "time_limit": "0.5", "cost": "6.37", "runtime_s": "0.5"}
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert ev._append(empty, row) == 6.37
    assert ev._read_cache(empty) == {("x", "pyvrp", "0.5"): 6.37}
    cut = tmp_path / "cut.csv"
    cut.write_text(HEAD + "a,pyvrp,0.5,2.5,0.1")  # no line break at the end
    ev._append(cut, row)
    assert ev._read_cache(cut) == {("a", "pyvrp", "0.5"): 2.5, ("x", "pyvrp", "0.5"): 6.37}
    other = tmp_path / "other.csv"
    other.write_text("cost,instance,solver,time_limit,runtime_s\n2.5,a,pyvrp,0.5,0.1\n")
    ev._append(other, row)
    with other.open(newline="") as fh:
        assert list(csv.reader(fh))[-1] == ["6.37", "x", "pyvrp", "0.5", "0.5"]
    assert ev._read_cache(other) == {("a", "pyvrp", "0.5"): 2.5, ("x", "pyvrp", "0.5"): 6.37}


def test_a_bad_row_is_solved_again_and_the_good_cost_appended(caches, monkeypatch):
    user, _ = caches
    user.write_text(HEAD + "a,pyvrp,0.5,-5,0.1\nb,pyvrp,0.5,3.0,0.1\n")
    solved = []

    def solve_one(args):  # noqa: ANN001, ANN202
        solved.append(args[0].name)
        return args[0].name, 2.0, 0.1, True

    monkeypatch.setattr(ev, "_solve_one", solve_one)
    assert ev.reference_costs([Named("a"), Named("b")], "pyvrp", 0.5) == [2.0, 3.0]
    assert solved == ["a"]
    assert ev._read_cache() == {("a", "pyvrp", "0.5"): 2.0, ("b", "pyvrp", "0.5"): 3.0}
    assert ev.reference_costs([Named("a"), Named("b")], "pyvrp", 0.5) == [2.0, 3.0] and solved == ["a"]


def test_a_folder_is_one_error_naming_the_variable_or_the_default(caches, tmp_path, monkeypatch):
    user, _ = caches
    user.mkdir()
    with pytest.raises(InvalidArgumentError, match=rf"^the reference cache {user} \(GRAPHROUTE_REFERENCE_CACHE\) is "
                                                   r"a folder; the cache is a CSV file"):
        ev._read_cache()
    monkeypatch.delenv("GRAPHROUTE_REFERENCE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "graphroute" / "reference_costs.csv").mkdir(parents=True)
    with pytest.raises(InvalidArgumentError, match=r"reference_costs.csv \(the default; GRAPHROUTE_REFERENCE_CACHE "
                                                   r"sets another\) is a folder"):
        ev.cached_reference([Named("a")])


def test_a_cache_under_a_file_is_one_error_naming_the_variable(caches, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(tmp_path / "file" / "cache.csv"))
    with pytest.raises(InvalidArgumentError, match=r"GRAPHROUTE_REFERENCE_CACHE\) cannot be read \(Not a directory\)"):
        ev._read_cache()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads and writes any file")
def test_an_unreadable_cache_is_one_error_naming_the_variable(caches):
    user, _ = caches
    user.write_text(HEAD)
    user.chmod(0)
    try:
        with pytest.raises(InvalidArgumentError, match=r"GRAPHROUTE_REFERENCE_CACHE\) cannot be read \(Permission"):
            ev._read_cache()
    finally:
        user.chmod(0o644)


def test_evaluate_says_once_which_rows_it_left_out_and_uses_fresh_costs(caches, tmp_path, monkeypatch):
    """Costs -5 and nan in the cache: both re-solved (2.0), one note with the file and the count."""
    user, _ = caches
    names = [i.name for i in ev.eval_instances("tsp", 6, 2, 2026)]
    user.write_text(HEAD + f"{names[0]},pyvrp,1,-5,0.1\n{names[1]},pyvrp,1,nan,0.1\n")
    monkeypatch.setattr(ev, "model_costs", lambda model, insts, **kw: ([3.0] * len(insts), []))
    monkeypatch.setattr(ev, "_solve_one", lambda args: (args[0].name, 2.0, 0.1, True))
    notes: list[str] = []
    res = ev.evaluate_checkpoint(_checkpoint(tmp_path), num=2, on_note=notes.append)
    assert res.reference_mean_cost == 2.0 and res.mean_gap_pct == pytest.approx(50.0)
    assert len(notes) == 1 and notes[0].startswith(f"2 rows of the reference cache {user} "
                                                   "(GRAPHROUTE_REFERENCE_CACHE) are not used: ")


def test_evaluate_refuses_a_foreign_header_before_the_model_runs_unless_nothing_is_solved(caches, tmp_path,
                                                                                          monkeypatch):
    user, project = caches
    user.write_text("garbage,,\n")
    monkeypatch.setattr(ev, "model_costs", lambda *a, **kw: pytest.fail("the model ran"))
    with pytest.raises(InvalidArgumentError, match="GRAPHROUTE_REFERENCE_CACHE\\) has the header 'garbage,,'"):
        ev.evaluate_checkpoint(_checkpoint(tmp_path), num=2)
    names = [i.name for i in ev.eval_instances("tsp", 6, 2, 2026)]
    project.write_text(HEAD + "".join(f"{n},pyvrp,1,2.0,0.1\n" for n in names))
    monkeypatch.setattr(ev, "model_costs", lambda model, insts, **kw: ([3.0] * len(insts), []))
    notes: list[str] = []
    res = ev.evaluate_checkpoint(_checkpoint(tmp_path), num=2, on_note=notes.append)
    assert res.reference_mean_cost == 2.0
    assert notes == [f"the reference cache {user} (GRAPHROUTE_REFERENCE_CACHE) is not used: its header is "
                     "'garbage,,', not 'instance,solver,time_limit,cost,runtime_s' (such costs are solved again "
                     "where this set needs them)"]
    assert user.read_text() == "garbage,,\n"


def test_a_cache_that_cannot_be_written_is_refused_before_solving(caches, monkeypatch):
    user, _ = caches
    user.write_text(HEAD)
    monkeypatch.setattr(ev.os, "access", lambda path, mode: False)  # as a read-only folder does for a user
    monkeypatch.setattr(ev, "_solve_one", lambda args: pytest.fail("solved before the cache was checked"))
    with pytest.raises(InvalidArgumentError, match=r"GRAPHROUTE_REFERENCE_CACHE\) cannot be written \(permission "
                                                   r"denied\); new reference costs are kept there"):
        ev.reference_costs([Named("a")], "pyvrp", 0.5)
