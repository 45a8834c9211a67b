"""CLI: graphroute train --task kg when training diverges, is interrupted, or resumes on a changed KG;
graphroute explain on a self-loop."""

from __future__ import annotations

import signal

import pytest

torch = pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

import graphroute.neural.kg.train as kg_train  # noqa: E402
from graphroute_cli.main import app  # noqa: E402
from tests.neural.kg.conftest import write_kg  # noqa: E402


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def config(tmp_path, random_kg):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data: {random_kg}\nmodel: nbfnet\ndim: 8\nlayers: 2\nepochs: 2\nbatch_size: 16\n")
    return cfg


def test_a_diverging_run_is_one_line_exit_1_and_leaves_no_folder(tmp_path, config):
    """The reviewer's lr=1e8: the old command logged loss nan and saved that epoch as best.pt."""
    res = run("train", "--task", "kg", "--config", config, "--set", "lr=1e8", "--out", tmp_path / "run")
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output
    assert "training diverged: the loss is nan at epoch 1, step" in err and "lower the learning rate" in err
    assert not (tmp_path / "run").exists()


def test_ctrl_c_saves_last_pt_says_how_to_resume_and_exits_130(tmp_path, config, monkeypatch):
    real = kg_train._loss
    calls = []

    def loss(*args, **kw):
        calls.append(1)
        if len(calls) == 3:  # Ctrl-C during step 3 of 6: the step finishes, then the run stops
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kw)

    monkeypatch.setattr(kg_train, "_loss", loss)
    out = tmp_path / "run"
    res = run("train", "--task", "kg", "--config", config, "--out", out)
    assert res.exit_code == 130, res.output
    last = out / "last.pt"
    assert res.stderr.strip() == (f"error: interrupted at epoch 1, step 3 of 6; {last} holds the run there: "
                                  f"graphroute train --task kg --config {config} --resume {last} continues it")
    assert torch.load(last, weights_only=False)["epoch_step"] == 3
    monkeypatch.setattr(kg_train, "_loss", real)
    res = run("train", "--task", "kg", "--config", config, "--out", out, "--resume", last)
    assert res.exit_code == 0 and "step 12" in res.stdout


def test_ctrl_c_in_a_retrieval_fit_says_nothing_was_saved(tmp_path, random_kg, monkeypatch):
    """Walkthrough: it printed a bare 'error: interrupted', where the README promises a saved last.pt."""
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    def fit(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(PathRetrievalScorer, "fit", fit)
    cfg = tmp_path / "r.yaml"
    cfg.write_text(f"data: {random_kg}\nmodel: retrieval\n")
    res = run("train", "--task", "kg", "--config", cfg, "--out", tmp_path / "run")
    assert res.exit_code == 130, res.output
    assert res.stderr.strip() == ("error: interrupted: the retrieval fit is one pass and saves nothing before it "
                                  "ends; run the command again (--time-limit bounds the fit)")
    assert not (tmp_path / "run").exists()


def test_resume_on_a_kg_with_more_entities_is_one_line_naming_the_kg(tmp_path, config, random_kg):
    out = tmp_path / "run"
    assert run("train", "--task", "kg", "--config", config, "--out", out).exit_code == 0
    with open(random_kg / "train.txt", "a") as fh:
        fh.write("e1\tr0\tnewcomer\n")
    res = run("train", "--task", "kg", "--config", config, "--out", out, "--resume", out / "last.pt", "--set",
              "epochs=3")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.strip() == (f"error: last.pt was trained on a KG with 12 entities and 3 relations ({random_kg}); "
                                  "random_kg has 13 and 3")


def test_resume_with_a_changed_key_names_it(tmp_path, config):
    out = tmp_path / "run"
    assert run("train", "--task", "kg", "--config", config, "--out", out).exit_code == 0
    res = run("train", "--task", "kg", "--config", config, "--out", out, "--resume", out / "last.pt",
              "--set", "epochs=3", "--set", "lr=0.01")
    assert res.exit_code == 1
    assert "another config (lr: 0.005 -> 0.01); only 'epochs' may change" in res.stderr


def test_a_time_limited_run_notes_where_it_stopped(tmp_path, config):
    res = run("train", "--task", "kg", "--config", config, "--set", "epochs=500", "--out", tmp_path / "run",
              "--time-limit", 1.5)
    assert res.exit_code == 0, res.output
    assert "stopped by the time limit after" in res.stdout and "--resume" in res.stdout


def test_explain_shows_a_self_loop(tmp_path):
    people = [f"p{i}" for i in range(6)]
    train = [(p, "selfOf", p) for p in people] + [(people[i], "knows", people[(i + 1) % 6]) for i in range(6)]
    kg = write_kg(tmp_path / "selfloop", train, [("p0", "knows", "p2")], [("p1", "knows", "p3")])
    cfg = kg_train.KGConfig(data=str(kg), model="nbfnet", dim=8, layers=2, epochs=1, batch_size=32)
    kg_train.train_kg(cfg, tmp_path / "n")
    res = run("explain", kg, "--checkpoint", tmp_path / "n" / "last.pt", "--head", "p0", "--relation", "selfOf",
              "--top", 6, "--paths", 2)
    assert res.exit_code == 0, res.output
    assert "p0 -[selfOf]-> p0" in res.stdout


def test_a_resume_of_a_finished_run_is_refused(tmp_path, config):
    """It used to print 'done' with 0.0 s of training and exit 0 (a resume that forgot --set epochs=N)."""
    out = tmp_path / "run"
    assert run("train", "--task", "kg", "--config", config, "--out", out).exit_code == 0
    res = run("train", "--task", "kg", "--config", config, "--resume", out / "last.pt")
    assert res.exit_code == 1, res.output
    assert res.stderr.strip() == (f"error: --resume {out / 'last.pt'}: the run has done 2 epoch(s) and the config asks "
                                  "for 2, so there is nothing to train; raise epochs (--set epochs=N) to go on")
    assert run("train", "--task", "kg", "--config", config, "--resume", out / "last.pt", "--set",
               "epochs=3").exit_code == 0
