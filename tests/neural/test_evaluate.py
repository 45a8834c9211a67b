"""The reference-cost cache of graphroute.neural.evaluate: one row per key, in the published table and on write.

``reference_costs.csv`` is read by ``graphroute.neural.evaluate`` with the last row of a key winning, so a
second row for the same (instance, solver, time limit) silently replaced the first; the stale rows of
cvrp20-uniform-s10000000..02 sat there with a different cost (6.3743 vs the 6.1357 the loader used).
Read with the csv module only, so this test needs no torch.
"""

from __future__ import annotations

import csv
from collections import Counter

from tests.conftest import REPO

REFERENCE_COSTS = REPO / "experiments" / "results" / "reference_costs.csv"


def _rows() -> list[dict]:
    with REFERENCE_COSTS.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_reference_costs_have_one_row_per_key():
    keys = Counter((r["instance"], r["solver"], r["time_limit"]) for r in _rows())
    dup = sorted(k for k, c in keys.items() if c > 1)
    assert not dup, f"{len(dup)} duplicate key(s), e.g. {dup[:3]}"


def test_reference_costs_keep_the_values_the_loader_used():
    cost = {(r["instance"], r["solver"], r["time_limit"]): float(r["cost"]) for r in _rows()}
    assert cost["cvrp20-uniform-s10000000", "pyvrp", "0.5"] == 6.135710036053762
    assert cost["cvrp20-uniform-s10000002", "pyvrp", "0.5"] == 6.634479124274275


def test_a_key_is_written_once_and_the_first_cost_kept(tmp_path):
    """Two runs that both found a key missing when they started: the second keeps the first's cost
    (and uses it) instead of appending a second row that would silently replace it."""
    from graphroute.neural.evaluate import _append, _read_cache

    path = tmp_path / "cache" / "reference_costs.csv"
    row = {"instance": "x", "solver": "pyvrp", "time_limit": "0.5", "cost": "6.37", "runtime_s": "0.501"}
    assert _append(path, row) == 6.37
    assert _append(path, {**row, "cost": "6.13"}) == 6.37
    assert _append(path, {**row, "instance": "y", "cost": "1.5"}) == 1.5
    with path.open(newline="") as fh:
        assert [r["instance"] for r in csv.DictReader(fh)] == ["x", "y"]
    assert _read_cache(path) == {("x", "pyvrp", "0.5"): 6.37, ("y", "pyvrp", "0.5"): 1.5}


def test_the_project_table_wins_over_the_user_cache_for_one_key(tmp_path, monkeypatch):
    """The same (instance, solver, time limit) in both: the published reference is used, and a key
    only the user cache holds is still read."""
    from graphroute.neural import evaluate as ev

    project = tmp_path / "project.csv"
    user = tmp_path / "user.csv"
    head = "instance,solver,time_limit,cost,runtime_s\n"
    project.write_text(head + "a,pyvrp,0.5,2.0,0.5\n")
    user.write_text(head + "a,pyvrp,0.5,9.0,0.5\nb,pyvrp,0.5,3.0,0.5\n")
    monkeypatch.setattr(ev, "REFERENCE_CSV", project)
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(user))
    assert ev._read_cache() == {("a", "pyvrp", "0.5"): 2.0, ("b", "pyvrp", "0.5"): 3.0}
