"""graphroute evaluate with a damaged reference cache (GRAPHROUTE_REFERENCE_CACHE): one line naming the
variable for a cache it cannot use (it was a KeyError or ValueError traceback, or an error that named no
variable), a note and fresh references for rows it cannot trust (a cost of -5 gave a gap of -180%)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.cli._errors import one_line_error, run  # noqa: E402

CKPT = Path(__file__).resolve().parents[2] / "data" / "checkpoints" / "pomo_tsp20.pt"
pytestmark = pytest.mark.skipif(not CKPT.is_file(), reason="no shipped checkpoints")
ARGS = ("evaluate", "--checkpoint", CKPT, "--num", 2, "--seed", 9, "--reference-time", 0.2)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    from graphroute.neural import evaluate as ev

    path = tmp_path / "c.csv"
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(path))
    monkeypatch.setattr(ev, "_solve_one", lambda args: (args[0].name, 4.0, 0.2, True))  # no PyVRP run
    return path


@pytest.mark.parametrize("text", ["garbage,,\n", "instance,solver\n"])
def test_a_foreign_header_is_one_line_naming_the_variable(cache, text):
    cache.write_text(text)
    one_line_error(run(*ARGS), "GRAPHROUTE_REFERENCE_CACHE) has the header", "remove it")
    assert cache.read_text() == text


def test_a_folder_is_one_line_naming_the_variable(cache):
    cache.mkdir()
    one_line_error(run(*ARGS), f"error: the reference cache {cache} (GRAPHROUTE_REFERENCE_CACHE) is a folder")


@pytest.mark.parametrize("cost", ["abc", "-5", "nan"])
def test_a_bad_cost_is_noted_and_solved_again(cache, cost):
    cache.write_text("instance,solver,time_limit,cost,runtime_s\n"
                     f"tsp20-uniform-s9,pyvrp,0.2,{cost},0.2\ntsp20-uniform-s10,pyvrp,0.2,{cost},0.2\n")
    res = run(*ARGS, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["reference_mean_cost"] == 4.0 and out["mean_gap_pct"] is not None
    assert res.stderr.count("note: ") == 1
    assert f"note: 2 rows of the reference cache {cache} (GRAPHROUTE_REFERENCE_CACHE) are not used" in res.stderr
