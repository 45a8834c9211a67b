"""CLI: graphroute train / evaluate --task kg and graphroute explain, good and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute.neural.kg.train import KGConfig, train_kg  # noqa: E402
from graphroute_cli.main import app  # noqa: E402
from tests.conftest import REPO  # noqa: E402


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def nbf_ckpt(tmp_path, random_kg):
    train_kg(KGConfig(data=str(random_kg), model="nbfnet", dim=8, layers=2, epochs=1, batch_size=32), tmp_path / "n")
    return tmp_path / "n" / "last.pt"


def test_train_cli_task_kg(tmp_path, shared_data):
    cfg = REPO / "experiments/configs/kg_tiny.yaml"
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run" / "last.pt").exists() and (tmp_path / "run" / "log.csv").exists()
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "run2", "--set", "modle=nbfnet")
    assert res.exit_code != 0 and "unknown config key 'modle'" in res.stderr


def test_evaluate_prints_the_table(nbf_ckpt, random_kg):
    res = run("evaluate", "--task", "kg", "--checkpoint", nbf_ckpt, "--split", "valid")
    assert res.exit_code == 0, res.output
    assert "MRR" in res.stdout and "Hits@10" in res.stdout and "nbfnet" in res.stdout
    res = run("evaluate", "--task", "kg", "--checkpoint", nbf_ckpt, "--json")
    out = json.loads(res.stdout)
    assert out["split"] == "test" and out["queries"] == 12 and 0 < out["mrr"] <= 1


def test_explain_shows_tails_and_paths(nbf_ckpt, random_kg):
    res = run("explain", random_kg, "--checkpoint", nbf_ckpt, "--head", "e1", "--relation", "r0", "--top", "3")
    assert res.exit_code == 0, res.output
    assert "(e1, r0, ?)" in res.stdout and "3." in res.stdout and "-[" in res.stdout
    res = run("explain", random_kg, "--checkpoint", nbf_ckpt, "--head", "e1", "--relation", "r0^-1", "--top", "2",
              "--paths", "2", "--json")
    out = json.loads(res.stdout)
    assert len(out["predictions"]) == 2 and all(len(p["paths"]) <= 2 for p in out["predictions"])
    assert all(path["text"].startswith("e1 -[") for p in out["predictions"] for path in p["paths"])


@pytest.mark.parametrize("args, message", [
    (["--head", "nobody", "--relation", "r0"], "unknown entity 'nobody'"),
    (["--head", "e1", "--relation", "knows"], "unknown relation 'knows'"),
    (["--head", "e1", "--relation", "r0", "--top", "0"], "--top and --paths must be at least 1"),
])
def test_explain_bad_names(nbf_ckpt, random_kg, args, message):
    res = run("explain", random_kg, "--checkpoint", nbf_ckpt, *args)
    assert res.exit_code == 1 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_explain_bad_files(tmp_path, nbf_ckpt, random_kg, family_kg):
    res = run("explain", random_kg, "--checkpoint", tmp_path / "missing.pt", "--head", "e1", "--relation", "r0")
    assert res.exit_code == 1 and "checkpoint not found" in res.stderr
    res = run("explain", family_kg, "--checkpoint", nbf_ckpt, "--head", "g0", "--relation", "parent_of")
    assert res.exit_code == 1 and "was trained on a KG with 12 entities" in res.stderr
    res = run("explain", tmp_path / "nokg", "--checkpoint", nbf_ckpt, "--head", "e1", "--relation", "r0")
    assert res.exit_code == 1 and "no such file" in res.stderr
    not_ckpt = tmp_path / "junk.pt"
    not_ckpt.write_text("hello")
    res = run("explain", random_kg, "--checkpoint", not_ckpt, "--head", "e1", "--relation", "r0")
    assert res.exit_code == 1 and "not a readable checkpoint" in res.stderr
    train_kg(KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=1), tmp_path / "d")
    res = run("explain", random_kg, "--checkpoint", tmp_path / "d" / "last.pt", "--head", "e1", "--relation", "r0")
    assert res.exit_code == 1 and "DistMult checkpoint has no paths" in res.stderr


def test_evaluate_bad_input(tmp_path, nbf_ckpt):
    res = run("evaluate", "--task", "kg", "--checkpoint", tmp_path / "missing.pt")
    assert res.exit_code == 1 and "checkpoint not found" in res.stderr
    res = run("evaluate", "--task", "kg", "--checkpoint", nbf_ckpt, "--split", "dev")
    assert res.exit_code == 1 and "unknown split 'dev'" in res.stderr
    res = run("evaluate", "--task", "graph", "--checkpoint", nbf_ckpt)
    assert res.exit_code == 1 and "unknown task 'graph'" in res.stderr
    res = run("evaluate", "--checkpoint", nbf_ckpt)  # --task vrp, the default
    assert res.exit_code == 1 and "not a routing (VRP) checkpoint (task 'kg'); evaluate it with --task kg" in res.stderr
    res = run("evaluate", "--task", "kg", "--checkpoint", nbf_ckpt, "--num", 5, "--reference", "none")
    assert res.exit_code == 1 and "--num, --reference do not apply to --task kg" in res.stderr
    for n in (0, -5):
        res = run("evaluate", "--task", "kg", "--checkpoint", nbf_ckpt, "--max-queries", n, "--json")
        assert res.exit_code == 1 and "--max-queries must be at least 1" in res.stderr and not res.stdout


def test_train_bad_run_options_leave_nothing_behind(tmp_path, random_kg):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data: {random_kg}\nmodel: distmult\ndim: 4\nepochs: 1\n")
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "r1", "--time-limit", -5)
    assert res.exit_code == 1 and "--time-limit must be a positive number" in res.stderr
    afile = tmp_path / "afile"
    afile.write_text("x")
    res = run("train", "--task", "kg", "--config", cfg, "--out", afile)
    assert res.exit_code == 1 and "is a file, not a run folder" in res.stderr
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "r2", "--resume", tmp_path / "nope.pt")
    assert res.exit_code == 1 and "checkpoint not found" in res.stderr
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "r3", "--device", "tpu")
    assert res.exit_code == 1 and "unknown device 'tpu'" in res.stderr
    assert not any((tmp_path / d).exists() for d in ("r1", "r2", "r3"))
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "r4")
    assert res.exit_code == 0 and "done" in res.stdout and "step 2" in res.stdout  # 48 triples x 2 / batch 64
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "r4")
    assert res.exit_code == 0 and "holds an earlier run" in res.stdout


def test_explain_checks_the_kg_before_the_names(tmp_path, nbf_ckpt, family_kg):
    res = run("explain", family_kg, "--checkpoint", nbf_ckpt, "--head", "e1", "--relation", "r0")
    assert res.exit_code == 1 and "was trained on a KG with 12 entities" in res.stderr


@pytest.mark.parametrize("name, kg, at_least", [("kg_umls.pt", "UMLS", 0.9), ("kg_kinship.pt", "Kinship", 0.85),
                                              ("kg_umls_pna.pt", "UMLS", 0.9)])
def test_shipped_checkpoints_rank_and_explain(shared_data, name, kg, at_least):
    ckpt = REPO / "data" / "checkpoints" / name
    res = run("evaluate", "--task", "kg", "--checkpoint", ckpt, "--max-queries", 64, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["mrr"] >= at_least  # full test MRR in experiments/results/kg.md
    head = (shared_data / "kg" / kg / "test.txt").read_text().split("\t")[0]
    res = run("explain", shared_data / "kg" / kg, "--checkpoint", ckpt, "--head", head,
              "--relation", (shared_data / "kg" / kg / "test.txt").read_text().split("\t")[1], "--top", 2, "--json")
    assert res.exit_code == 0, res.output
    assert all(p["paths"] for p in json.loads(res.stdout)["predictions"])


def test_evaluate_finds_the_kg_from_any_directory_or_from_data(shared_data, tmp_path, monkeypatch):
    """The shipped checkpoints record '../shared/data/kg/UMLS' (relative to the project): found from
    another working directory too; --data points elsewhere, and a KG of another size is refused."""
    ckpt = REPO / "data" / "checkpoints" / "kg_umls.pt"
    monkeypatch.chdir(tmp_path)
    res = run("evaluate", "--task", "kg", "--checkpoint", ckpt, "--max-queries", 16, "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)  # "data" as recorded; "data_path" the folder read, from the project root
    assert obj["data"] == "../shared/data/kg/UMLS" and Path(obj["data_path"]) == REPO / obj["data"]
    res = run("evaluate", "--task", "kg", "--checkpoint", ckpt, "--max-queries", 16, "--json",
              "--data", shared_data / "kg" / "UMLS")
    assert res.exit_code == 0 and json.loads(res.stdout)["data"].endswith("UMLS")
    res = run("evaluate", "--task", "kg", "--checkpoint", ckpt, "--data", shared_data / "kg" / "Kinship")
    assert res.exit_code == 1 and "was trained on a KG with 135 entities" in res.stderr


def test_train_finds_the_configs_kg_from_another_directory(shared_data, tmp_path, monkeypatch):
    """Walkthrough: evaluate found '../shared/data/kg/UMLS' from the project root, train did not ("no such
    file or folder" when run from /tmp with the shipped config)."""
    monkeypatch.chdir(tmp_path)
    res = run("train", "--task", "kg", "--config", REPO / "experiments/configs/kg_tiny.yaml", "--out", "run",
              "--set", "epochs=1", "--set", "max_train_triples=64")
    assert res.exit_code == 0, res.output
    res = run("evaluate", "--task", "kg", "--checkpoint", "run/last.pt", "--max-queries", 8)
    assert res.exit_code == 0, res.output
    # the title names the folder read, not the recorded relative path that does not exist from here
    squeezed = "".join(res.stdout.split())  # a long path may be folded at the terminal's width
    assert "".join(f"on {REPO / '../shared/data/kg/UMLS'} test".split()) in squeezed


def test_commands_warn_about_what_the_splits_hold(tmp_path):
    """Repeated lines, test triples also in train and triples unseen in train change the numbers:
    graph build kg, train, evaluate (also in --json) and explain each say so in one line."""
    kg = tmp_path / "kg"
    kg.mkdir()
    train = [f"e{i}\tr{i % 3}\te{(i + 1) % 12}" for i in range(24)]
    (kg / "train.txt").write_text("\n".join(train + train[:2]) + "\n")  # 2 repeated lines
    (kg / "valid.txt").write_text("e0\tr0\te5\n")
    (kg / "test.txt").write_text(f"{train[3]}\ne1\tr1\tnew_entity\n")  # one leaked, one unseen
    runner = CliRunner()
    res = runner.invoke(app, ["graph", "build", "kg", str(kg), "--out", str(tmp_path / "k.graph.npz")])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert text.count("warning: ") >= 2 and "no training triple has" in text, text
    out = tmp_path / "run"
    res = runner.invoke(app, ["train", "--task", "kg", "--config", str(REPO / "experiments" / "configs" / "kg_umls_distmult.yaml"),
                              "--set", f"data={kg}", "--set", "epochs=1", "--out", str(out), "--device", "cpu"])
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: ") >= 2, res.output
    res = runner.invoke(app, ["evaluate", "--task", "kg", "--checkpoint", str(out / "best.pt"), "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["data_warnings"]) >= 2 and "warning: " in res.stderr
