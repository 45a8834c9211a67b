"""`graphroute train`: the earlier-run note comes only once a run really starts (never for a refused one,
so it never repeats a rejected argument), and a time-limit stop says how to continue on every task."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute_cli.main import app  # noqa: E402
from tests.neural.kg.conftest import random_triples, write_kg  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
VRP = REPO / "experiments/configs/test_tiny.yaml"
ROUTER = REPO / "experiments/configs/router_tiny.yaml"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def tiny_kg(tmp_path: Path) -> Path:
    """12 entities, 3 relations, 60 random triples (48 / 6 / 6) and a config for it (6 steps an epoch)."""
    rows = random_triples()
    kg = write_kg(tmp_path / "kg", rows[:48], rows[48:54], rows[54:])
    cfg = tmp_path / "kg.yaml"
    cfg.write_text(f"data: {kg}\nmodel: distmult\ndim: 4\nepochs: 1\nbatch_size: 16\n")
    return cfg


@pytest.mark.parametrize("task", ["vrp", "router", "kg"])
def test_a_refused_start_prints_no_earlier_run_note(tmp_path, task):
    config = {"vrp": VRP, "router": ROUTER}.get(task) or tiny_kg(tmp_path)
    out = tmp_path / "run"
    first = run("train", "--task", task, "--config", config, "--out", out, "--device", "cpu")
    assert first.exit_code == 0, first.output
    assert (out / "last.pt").exists()
    other = "kg" if task != "kg" else "vrp"  # a config of another task
    for bad, says in [(["--task", task, "--set", "stpes=5"], "unknown config key 'stpes'"),
                      (["--task", task, "--device", "gpu"], "unknown device 'gpu'"),
                      (["--task", task, "--device", "cuda:99"], "cuda"),
                      (["--task", other], "config")]:
        res = run("train", "--config", config, "--out", out, *bad)
        assert res.exit_code == 1, (bad, res.output)
        assert says in res.stderr, (bad, res.stderr)
        assert "earlier run" not in res.output and "--resume" not in res.output, (bad, res.output)
        assert not res.stdout.strip(), (bad, res.stdout)  # no empty progress bar either
        assert (out / "last.pt").exists()  # a refused run removes nothing
    res = run("train", "--task", task, "--config", config, "--out", out, "--device", "cpu")
    assert res.exit_code == 0, res.output
    assert "holds an earlier run" in res.stdout


def test_router_time_limit_says_how_to_continue_like_the_other_tasks(tmp_path):
    out = tmp_path / "run"
    res = run("train", "--task", "router", "--config", ROUTER, "--out", out, "--device", "cpu",
              "--set", "steps=1000", "--time-limit", "0.01")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert re.search(rf"note: stopped by the time limit at step \d+ of 1000; --resume {re.escape(str(out))}/last.pt "
                     "continues the run", text), text
    assert (f"to continue: graphroute train --task router --config {ROUTER} --set steps=1000 --device cpu "
            f"--resume {out / 'last.pt'}") in text
    done = int(re.search(r"at step (\d+) of 1000", text).group(1))
    res = run("train", "--task", "router", "--config", ROUTER, "--device", "cpu", "--set", f"steps={done + 1}",
              "--resume", out / "last.pt")
    assert res.exit_code == 0 and f"done: step {done + 1}" in res.stdout and "time limit" not in res.stdout


def test_kg_progress_shows_the_validation_just_computed_and_log_has_the_global_step(tmp_path):
    from graphroute.neural.kg.train import KGConfig, train_kg

    cfg_path = tiny_kg(tmp_path)
    cfg = KGConfig(data=str(tmp_path / "kg"), model="distmult", dim=4, epochs=2, batch_size=16, lr=0.05)
    seen: list[dict] = []
    first = train_kg(cfg, tmp_path / "r", max_steps=4, on_progress=seen.append)
    assert f"valid MRR {first.metrics['valid_mrr']:.3f}" in seen[-1]["info"] and seen[-1]["step"] == 4
    seen.clear()
    resumed = train_kg(cfg, tmp_path / "r", resume=tmp_path / "r" / "last.pt", on_progress=seen.append)
    assert resumed.step == 12 and seen[-1]["step"] == 12
    assert f"valid MRR {resumed.metrics['valid_mrr']:.3f}" in seen[-1]["info"]
    rows = list(csv.DictReader(open(tmp_path / "r" / "log.csv")))
    # steps: the optimizer steps of the row (they sum to the run's); step: the global step at the row
    assert [(r["epoch"], r["steps"], r["step"]) for r in rows] == [("1", "4", "4"), ("1", "2", "6"), ("2", "6", "12")]
    assert cfg_path.exists()


def test_out_under_a_file_is_named_before_anything_runs(tmp_path):
    """It was a raw 'Not a directory: ...'."""
    (tmp_path / "file").write_text("x")
    res = CliRunner().invoke(app, ["train", "--config", str(REPO / "experiments/configs/test_tiny.yaml"),
                                   "--out", str(tmp_path / "file" / "sub"), "--set", "steps=1"])
    assert res.exit_code == 1
    assert res.stderr.strip() == f"error: --out {tmp_path / 'file' / 'sub'}: {tmp_path / 'file'} is a file; give a folder"
