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
              "--resume", tmp_path / "last.pt", "--set", "steps=6")
    assert res.exit_code == 0 and "step 6" in res.output, res.output


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


def test_train_accepts_lr_written_like_the_help(tmp_path):
    """``--set lr=1e-4`` (the example of --help; YAML reads it as text) and ``lr: 1e-4`` in a file."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text((REPO / "experiments/configs/test_tiny.yaml").read_text() + "weight_decay: 1e-6\n")
    res = run("train", "--config", cfg, "--device", "cpu", "--out", tmp_path / "r", "--set", "lr=1e-4",
              "--set", "steps=1")
    assert res.exit_code == 0, res.output
    import torch

    ck = torch.load(tmp_path / "r" / "last.pt", weights_only=False)
    assert ck["config"]["lr"] == 1e-4 and ck["config"]["weight_decay"] == 1e-6


@pytest.mark.parametrize("sets, message", [
    (["grad_clip=-1"], "config key 'grad_clip' must be a positive number"),
    (["num_heads=0"], "config key 'num_heads' must be at least 1, got 0"),
    (["val_seed=-5"], "config key 'val_seed' must be an integer in 0.."),
    (["threads=-2"], "config key 'threads' must be at least 1"),
])
def test_train_bad_values_are_one_line(tmp_path, sets, message):
    args = [a for s in sets for a in ("--set", s)]
    res = run("train", "--config", REPO / "experiments/configs/test_tiny.yaml", "--device", "cpu", "--out", tmp_path,
              *args)
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_train_empty_and_other_task_configs(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    res = run("train", "--config", empty, "--out", tmp_path / "r")
    assert res.exit_code == 1 and f"config file {empty} is empty" in res.output
    res = run("train", "--config", REPO / "experiments/configs/router_tiny.yaml", "--out", tmp_path / "r")
    assert res.exit_code == 1 and "this looks like a router config (task: router): pass --task router" in res.output


def test_train_resume_from_an_exported_checkpoint(tmp_path):
    ck = CHECKPOINTS / "pomo_tsp20.pt"
    if not ck.is_file():
        pytest.skip("no shipped checkpoint pomo_tsp20.pt")
    res = run("train", "--config", REPO / "experiments/configs/pomo_tsp20.yaml", "--device", "cpu", "--out", tmp_path,
              "--resume", ck)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "an exported checkpoint has no optimizer state" in res.output and f"--set init_from={ck}" in res.output


def test_train_time_limit_stop_before_validation_is_explained(tmp_path):
    """A stop before the first validation says there is no best.pt yet (and a second run in the
    folder drops the first run's best.pt)."""
    cfg = REPO / "experiments/configs/test_tiny.yaml"
    assert run("train", "--config", cfg, "--device", "cpu", "--out", tmp_path).exit_code == 0
    assert (tmp_path / "best.pt").is_file()
    res = run("train", "--config", cfg, "--device", "cpu", "--out", tmp_path, "--time-limit", 1e-12)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "removes its last.pt and best.pt when training starts" in out
    assert "stopped by the time limit at step 0 of 4" in out and "no validation has run yet" in out
    assert not (tmp_path / "best.pt").exists() and (tmp_path / "last.pt").is_file()


def test_solve_neural_out_of_memory_is_one_line(examples, monkeypatch):
    if not (CHECKPOINTS / "pomo_tsp20.pt").is_file():
        pytest.skip("no shipped checkpoint pomo_tsp20.pt")
    from graphroute.neural import solve as mod

    def oom(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 99999999999 bytes.\n"
                           "Error code 12 (Cannot allocate memory)")

    monkeypatch.setattr(mod, "_best_solutions", oom)
    res = run("solve", examples / "tsp20.json", "--solver", "neural")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.count("\n") == 1 and "error: neural: out of memory decoding" in res.stderr


@pytest.mark.skipif(not (CHECKPOINTS / "matnet_atsp20.pt").is_file(), reason="no shipped checkpoint matnet_atsp20.pt")
def test_evaluate_reports_the_augmentation_and_distribution_used():
    """Matrix models decode x1 whatever --augment: the JSON and the table say x1 and matnet."""
    res = run("evaluate", "--checkpoint", CHECKPOINTS / "matnet_atsp20.pt", "--num", 2, "--reference", "none", "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["augment"] == 1 and obj["augment_requested"] == 8 and obj["distribution"] == "matnet"
    res = run("evaluate", "--checkpoint", CHECKPOINTS / "matnet_atsp20.pt", "--num", 2, "--reference", "none")
    assert res.exit_code == 0, res.output
    assert "atsp20 matnet instances" in res.output and "neural x1 aug" in res.output and "x8" not in res.output
    res = run("evaluate", "--checkpoint", CHECKPOINTS / "pomo_tsp20.pt", "--num", 2, "--reference", "none", "--json")
    obj = json.loads(res.stdout)
    assert obj["augment"] == 8 and obj["distribution"] == "uniform"


@pytest.mark.skipif(not (CHECKPOINTS / "pomo_tsp20.pt").is_file(), reason="no shipped checkpoint pomo_tsp20.pt")
def test_evaluate_notes_references_cached_at_another_time(tmp_path, monkeypatch):
    """References cached only at 0.5 s: asking for 1 s says so (on stderr under --json) before solving."""
    from graphroute.neural import evaluate as ev

    cache = tmp_path / "refs.csv"
    cache.write_text("instance,solver,time_limit,cost,runtime_s\n"
                     "tsp20-uniform-s2026,savings,0.5,4.0,0\ntsp20-uniform-s2027,savings,0.5,4.0,0\n")
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(cache))
    monkeypatch.setattr(ev, "REFERENCE_CSV", tmp_path / "none.csv")
    args = ("evaluate", "--checkpoint", CHECKPOINTS / "pomo_tsp20.pt", "--num", 2, "--reference", "savings")
    res = run(*args, "--json")
    assert res.exit_code == 0, res.output
    assert "2 of the 2 savings reference costs are not cached at --reference-time 1, but all are at 0.5 s" in res.stderr
    json.loads(res.stdout)  # the note stays off stdout
    res = run(*args, "--reference-time", 0.5, "--json")
    assert res.exit_code == 0 and "note" not in res.stderr and json.loads(res.stdout)["reference_mean_cost"] == 4.0
