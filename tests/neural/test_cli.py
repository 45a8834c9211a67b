"""`graphroute train`, `evaluate` and `solve --solver neural` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

REPO = Path(__file__).resolve().parents[2]
CHECKPOINTS = REPO / "data" / "checkpoints"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_train_runs_from_the_test_config(tmp_path):
    res = run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--device", "cpu", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "last.pt").is_file() and (tmp_path / "best.pt").is_file()
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,cost,val_cost") and len(rows) == 5
    res = run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--device", "cpu", "--out", tmp_path,
              "--resume", tmp_path / "last.pt")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("args, message", [
    (["--task", "routing"], "unknown task 'routing'"),
    (["--device", "tpu"], "unknown device"),
])
def test_train_bad_options(tmp_path, args, message):
    res = run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--out", tmp_path, *args)
    assert res.exit_code == 1 and message in res.output


def test_train_bad_config_names_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("problem: tsp\nlayers: 3\n")
    res = run("train", "--config", bad, "--out", tmp_path)
    assert res.exit_code == 1 and "'layers'" in res.output and "Traceback" not in res.output


def test_evaluate_without_reference(tmp_path):
    run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--device", "cpu", "--out", tmp_path)
    res = run("evaluate", "--checkpoint", tmp_path / "last.pt", "--num", 4, "--reference", "none", "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["problem"] == "tsp" and obj["size"] == 8 and obj["num"] == 4 and obj["mean_gap_pct"] is None
    res = run("evaluate", "--checkpoint", tmp_path / "last.pt", "--num", 4, "--reference", "none", "--size", 0)
    assert res.exit_code == 1 and "--size must be at least 1, got 0" in res.stderr


def test_evaluate_caches_references_outside_the_repository(tmp_path, monkeypatch):
    """New reference costs go to the user cache, never into the tracked table, and are read back."""
    from graphroute.neural import evaluate as ev

    table = ev.REFERENCE_CSV.read_bytes()
    cache = tmp_path / "cache" / "refs.csv"
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(cache))
    run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--device", "cpu", "--out", tmp_path / "r")
    args = ("evaluate", "--checkpoint", tmp_path / "r" / "last.pt", "--num", 3, "--seed", 777, "--reference", "savings",
            "--reference-time", 0.1, "--json")
    first = json.loads(run(*args).stdout)
    assert ev.REFERENCE_CSV.read_bytes() == table
    rows = cache.read_text().splitlines()
    assert len(rows) == 4 and rows[1].startswith("tsp8-uniform-s777,savings,0.1,")
    assert first["reference_mean_cost"] < 100
    cache.write_text("\n".join([rows[0]] + [",".join(r.split(",")[:3] + ["100.0", "0"]) for r in rows[1:]]) + "\n")
    second = json.loads(run(*args).stdout)
    assert second["reference_mean_cost"] == 100.0  # read from the cache, not solved again


@pytest.mark.skipif(not (CHECKPOINTS / "pomo_cvrp50.pt").is_file(), reason="no shipped checkpoint pomo_cvrp50.pt")
def test_solve_neural_offline_with_shipped_checkpoint(examples):
    res = run("solve", examples / "cvrp50.json", "--solver", "neural", "--augment", 1, "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["feasible"] and obj["meta"]["checkpoint"] == "pomo_cvrp50.pt" and obj["meta"]["augment"] == 1


def test_solve_neural_wrong_checkpoint_family(examples):
    ck = CHECKPOINTS / "pomo_tsp20.pt"
    if not ck.is_file():
        pytest.skip("no shipped checkpoint pomo_tsp20.pt")
    res = run("solve", examples / "cvrp50.json", "--solver", "neural", "--checkpoint", ck)
    assert res.exit_code == 1 and "tsp model" in res.output


def test_train_set_overrides_are_checked(tmp_path):
    cfg = REPO / "experiments/configs/test_tiny.yaml"
    res = run("train", "--config", cfg, "--device", "cpu", "--out", tmp_path, "--set", "steps=2", "--set", "lr=0.01")
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 3
    res = run("train", "--config", cfg, "--out", tmp_path, "--set", "stepz=2")
    assert res.exit_code == 1 and "'stepz'" in res.output
    res = run("train", "--config", cfg, "--out", tmp_path, "--set", "steps")
    assert res.exit_code == 1 and "KEY=VALUE" in res.output
