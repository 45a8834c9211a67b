"""`graphroute train`: what a mutation audit of cli/train.py found unchecked: --time-limit bounds, the default
run folder, the earlier-run note, the clean-up of a failed run, the resume command (quoting, --set, --device),
the progress line, the done line, warnings, notes and RANK. A stand-in trainer (registered where the real
one is) keeps each run instant; one real tiny router run checks the default folder end to end."""

from __future__ import annotations

import shlex
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute_cli.main import app  # noqa: E402
from tests.cli._errors import one_line_error  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ROUTER = REPO / "experiments" / "configs" / "router_tiny.yaml"


def run(*args, **kw):
    return CliRunner().invoke(app, [str(a) for a in args], **kw)


def flat(text: str) -> str:
    return " ".join(text.split())


class FakeTrainer:
    """Stands in for ``run_from_yaml`` of ``--task router``: records its arguments, calls ``on_start``, writes
    ``files`` (name -> text, None for a folder) into ``out``, sends the ``reports`` to ``on_progress`` and
    returns (or raises) what it is given."""

    def __init__(self, *, reports=(), files=None, raises=None, note=None, warnings=(), step=4):
        self.reports, self.raises = list(reports), raises
        self.files = {"last.pt": "x"} if files is None else files
        self.note, self.warnings, self.step = note, list(warnings), step
        self.calls: list[dict] = []

    def __call__(self, config_path, *, out, device, resume, on_progress, time_limit, overrides,  # noqa: ANN001
                 on_start):
        self.calls.append({"config": config_path, "out": out, "device": device, "resume": resume,
                           "time_limit": time_limit, "overrides": overrides})
        on_start()
        Path(out).mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            if text is None:
                (Path(out) / name).mkdir()
            else:
                (Path(out) / name).write_text(text)
        for m in self.reports:
            on_progress(m)
        if self.raises is not None:
            raise self.raises
        return SimpleNamespace(step=self.step, elapsed_s=1.25, metrics={}, out_dir=out, note=self.note,
                               warnings=self.warnings)


@pytest.fixture()
def trainer(monkeypatch):
    """Install a FakeTrainer as the router trainer; call the fixture's result to configure it."""
    import graphroute.neural.router.train as router_train

    made: list[FakeTrainer] = []

    def install(**kw) -> FakeTrainer:
        t = FakeTrainer(**kw)
        monkeypatch.setattr(router_train, "run_from_yaml", t)
        made.append(t)
        return t

    return install


@pytest.fixture()
def config(tmp_path) -> Path:
    c = tmp_path / "my cfg.yaml"  # a space: the resume command must quote it
    c.write_text(ROUTER.read_text())
    return c


def train(config: Path, *args, **kw):
    return run("train", "--task", "router", "--config", config, *args, **kw)


# --- options checked before training -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_time_limit_must_be_positive(trainer, config, tmp_path, value):
    t = trainer()
    res = train(config, "--out", tmp_path / "run", "--time-limit", value)
    one_line_error(res, "--time-limit must be a positive number of seconds")
    assert not t.calls and not (tmp_path / "run").exists()


def test_a_tiny_positive_time_limit_reaches_the_trainer(trainer, config, tmp_path):
    t = trainer()
    res = train(config, "--out", tmp_path / "run", "--time-limit", "1e-9", "--set", "steps=7", "--device", "cpu")
    assert res.exit_code == 0, res.output
    assert t.calls[0]["time_limit"] == 1e-9 and t.calls[0]["overrides"] == {"steps": 7}
    assert t.calls[0]["device"] == "cpu" and t.calls[0]["resume"] is None


def test_a_missing_config_is_refused_before_the_trainer(trainer, tmp_path):
    t = trainer()
    missing = tmp_path / "nope.yaml"
    one_line_error(train(missing, "--out", tmp_path / "run"), f"config file not found: {missing}")
    assert not t.calls and not (tmp_path / "run").exists()


def test_an_out_that_is_a_file_is_refused(trainer, config, tmp_path):
    f = tmp_path / "file"
    f.write_text("keep")
    t = trainer()
    one_line_error(train(config, "--out", f), f"--out {f} is a file, not a run folder")
    assert not t.calls and f.read_text() == "keep"


# --- the run folder ------------------------------------------------------------------------------------------


def test_default_folder_is_runs_slash_config_name(trainer, config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t = trainer()
    res = train(config)
    assert res.exit_code == 0, res.output
    assert t.calls[0]["out"] == Path("runs") / "my cfg"
    assert (tmp_path / "runs" / "my cfg" / "last.pt").is_file()


def test_a_resumed_run_defaults_to_the_checkpoints_folder_and_gets_no_earlier_run_note(trainer, config, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "mine"
    run_dir.mkdir()
    (run_dir / "last.pt").write_text("x")
    t = trainer()
    res = train(config, "--resume", run_dir / "last.pt")
    assert res.exit_code == 0, res.output
    assert t.calls[0]["out"] == run_dir and t.calls[0]["resume"] == run_dir / "last.pt"
    assert "earlier run" not in res.stdout and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("name, earlier", [("run", "best.pt"), ("run", "last.pt"), ("run[red]x", "last.pt")])
def test_either_checkpoint_marks_an_earlier_run(trainer, config, tmp_path, name, earlier):
    """best.pt or last.pt marks it; a folder name with [brackets] is printed literally, not read as rich markup."""
    out = tmp_path / name
    out.mkdir()
    (out / earlier).write_text("x")
    trainer()
    res = train(config, "--out", out)
    assert res.exit_code == 0, res.output
    assert f"note: {out} holds an earlier run" in flat(res.stdout)


def test_a_folder_without_checkpoints_gets_no_earlier_run_note(trainer, config, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "log.csv").write_text("step\n")
    trainer()
    res = train(config, "--out", out)
    assert res.exit_code == 0, res.output
    assert "earlier run" not in res.stdout


# --- a failed run ----------------------------------------------------------------------------------------------


def test_a_run_that_fails_removes_the_empty_folder_it_created(trainer, config, tmp_path):
    out = tmp_path / "run"
    trainer(files={}, raises=MemoryError())
    one_line_error(train(config, "--out", out), "out of memory")
    assert not out.exists()


def test_a_failed_run_also_removes_the_parent_folders_it_created(trainer, config, tmp_path):
    """--out new/deep/run failing before its first logged step removes run/ and the empty new/deep/ that the
    trainer's mkdir(parents=True) created (they were left behind); a parent that was there stays."""
    out = tmp_path / "new" / "deep" / "run"
    trainer(files={}, raises=MemoryError())
    one_line_error(train(config, "--out", out), "out of memory")
    assert not out.exists()
    assert not (tmp_path / "new").exists(), sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))


def test_a_run_that_fails_keeps_a_folder_that_was_there(trainer, config, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    trainer(files={"log.csv": "step,loss\n"}, raises=MemoryError())
    res = train(config, "--out", out)
    one_line_error(res, "out of memory")
    assert out.is_dir() and (out / "log.csv").is_file()


def test_a_failed_run_keeps_a_log_with_rows(trainer, config, tmp_path):
    """Only a log.csv holding its header alone is no output; one with a logged step stays."""
    out = tmp_path / "run"
    trainer(files={"log.csv": "step,loss\n1,0.5\n"}, raises=MemoryError())
    res = train(config, "--out", out)
    one_line_error(res, "out of memory")
    assert (out / "log.csv").read_text() == "step,loss\n1,0.5\n"


def test_a_header_only_log_beside_other_files_is_kept(trainer, config, tmp_path):
    out = tmp_path / "run"
    trainer(files={"log.csv": "step,loss\n", "config.yaml": "steps: 3\n"}, raises=MemoryError())
    one_line_error(train(config, "--out", out), "out of memory")
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "log.csv"]


def test_an_unreadable_log_is_left_alone(trainer, config, tmp_path):
    """A log.csv that cannot be read (here a folder) is not taken for an empty log: the error is the run's own."""
    out = tmp_path / "run"
    trainer(files={"log.csv": None}, raises=MemoryError())
    one_line_error(train(config, "--out", out), "out of memory")
    assert (out / "log.csv").is_dir()


def test_a_refused_run_prints_nothing_on_stdout(trainer, config, tmp_path):
    """A trainer that refuses before its first report: no progress bar, not even an empty line."""
    from graphroute.exceptions import InvalidArgumentError

    trainer(files={}, raises=InvalidArgumentError("unknown config key 'stpes'"))
    res = train(config, "--out", tmp_path / "run")
    one_line_error(res, "unknown config key 'stpes'")
    assert res.stdout == ""


# --- Ctrl-C and the resume command --------------------------------------------------------------------------


def test_ctrl_c_names_where_and_a_shell_quoted_resume_command(trainer, config, tmp_path):
    from graphroute.neural.runs import TrainingInterrupted

    out = tmp_path / "run"
    last = out / "last.pt"
    trainer(raises=TrainingInterrupted(last, "step 3 of 9"))
    res = train(config, "--out", out, "--set", "steps=9", "--set", "lr=0.01", "--device", "cpu")
    assert res.exit_code == 130, res.output
    line = flat(res.stderr)
    assert f"interrupted at step 3 of 9; {last} holds the run there: " in line and line.endswith(" continues it")
    command = line.split(" holds the run there: ", 1)[1].rsplit(" continues it", 1)[0]
    assert shlex.split(command) == ["graphroute", "train", "--task", "router", "--config", str(config),
                                    "--set", "steps=9", "--set", "lr=0.01", "--device", "cpu", "--resume", str(last)]


def test_the_resume_command_leaves_out_device_auto(trainer, config, tmp_path):
    from graphroute.neural.runs import TrainingInterrupted

    out = tmp_path / "run"
    trainer(raises=TrainingInterrupted(out / "last.pt", "step 1 of 9"))
    res = train(config, "--out", out)
    assert res.exit_code == 130
    command = flat(res.stderr).split(" holds the run there: ", 1)[1].rsplit(" continues it", 1)[0]
    assert shlex.split(command) == ["graphroute", "train", "--task", "router", "--config", str(config),
                                    "--resume", str(out / "last.pt")]


def test_ctrl_c_under_debug_is_left_to_propagate(trainer, config, tmp_path):
    """--debug: the interrupt is raised on (exit 130), not turned into the one-line resume message."""
    from graphroute.neural.runs import TrainingInterrupted

    trainer(raises=TrainingInterrupted(tmp_path / "run" / "last.pt", "step 1 of 9"))
    res = run("--debug", "train", "--task", "router", "--config", config, "--out", tmp_path / "run")
    assert res.exit_code == 130
    assert "holds the run there" not in res.output


# --- what a finished run prints -----------------------------------------------------------------------------


def test_done_line_warnings_and_a_note_with_how_to_continue(trainer, config, tmp_path):
    out = tmp_path / "run"
    trainer(step=6, warnings=["the [graph] is small"],
            note=f"stopped by the time limit at step 6 of 9; --resume {out}/last.pt continues the run [see log]")
    res = train(config, "--out", out, "--set", "steps=9")
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert f"done: step 6, 1.2 s of training; checkpoints and log.csv in {out}" in text
    assert "warning: the [graph] is small" in text
    assert "continues the run [see log]" in text  # the note is printed as text, not as markup
    continue_at = text.index("to continue: ")
    assert shlex.split(text[continue_at + len("to continue: "):]) == [
        "graphroute", "train", "--task", "router", "--config", str(config), "--set", "steps=9",
        "--resume", str(out / "last.pt")]


def test_a_note_that_names_no_last_pt_gives_no_resume_command(trainer, config, tmp_path):
    trainer(note="validation skipped: no validation graphs")
    res = train(config, "--out", tmp_path / "run")
    assert res.exit_code == 0 and "note: validation skipped" in flat(res.stdout)
    assert "to continue" not in res.stdout


def test_a_note_naming_a_last_pt_that_is_not_there_gives_no_resume_command(trainer, config, tmp_path):
    trainer(files={}, note="stopped; --resume last.pt continues the run")
    res = train(config, "--out", tmp_path / "run")
    assert res.exit_code == 0 and "note: stopped" in flat(res.stdout)
    assert "to continue" not in res.stdout


@pytest.mark.parametrize("rank, reports", [("0", True), ("1", False), ("2", False)])
def test_only_rank_zero_reports(trainer, config, tmp_path, monkeypatch, rank, reports):
    monkeypatch.setenv("RANK", rank)
    trainer()
    res = train(config, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert ("done: step 4" in res.stdout) is reports


def test_progress_line_keeps_the_last_validation_and_shows_dashes(trainer, config, tmp_path):
    """The bar, labelled with the config's name, counts steps against the total; the info shows the latest
    loss and cost and the last validation seen (a report without one keeps it); a missing number is "-"; a
    trainer's own info text wins."""
    reports = [{"step": 1, "total": 5, "loss": 0.5, "cost": 2.0, "val_cost": 1.5, "val_gap_pct": 3.25,
                "inst_per_s": 80},
               {"step": 4, "total": 5, "loss": 0.25, "cost": None, "val_cost": None, "val_gap_pct": None,
                "inst_per_s": None}]
    trainer(reports=reports)
    res = train(config, "--out", tmp_path / "a")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("my cfg ") and "4/5" in res.stdout  # labelled with the config's name
    assert "loss 0.2500  cost -  val 1.5000  gap 3.25%  - inst/s" in res.stdout
    trainer(reports=[{**reports[0], "info": "valid MRR 0.123"}])
    res = train(config, "--out", tmp_path / "b")
    assert res.exit_code == 0 and "valid MRR 0.123" in res.stdout and "loss 0.5000" not in res.stdout
    assert "1/5" in res.stdout


# --- end to end ----------------------------------------------------------------------------------------------


def test_a_real_tiny_router_run_into_the_default_folder(tmp_path, monkeypatch):
    """One step of the tiny router config, run from another folder: runs/router_tiny gets the checkpoints."""
    monkeypatch.chdir(tmp_path)
    res = run("train", "--task", "router", "--config", ROUTER, "--device", "cpu", "--set", "steps=1")
    assert res.exit_code == 0, res.output
    assert "done: step 1, " in res.stdout and "checkpoints and log.csv in runs/router_tiny" in flat(res.stdout)
    assert (tmp_path / "runs" / "router_tiny" / "last.pt").is_file()


def test_a_failed_run_keeps_parents_that_were_there_or_hold_other_files(trainer, config, tmp_path):
    """Only the folders the run made, and only while empty: a sibling file keeps its folder."""
    (tmp_path / "old").mkdir()
    out = tmp_path / "old" / "new" / "run"
    trainer(files={}, raises=MemoryError())
    one_line_error(train(config, "--out", out), "out of memory")
    assert (tmp_path / "old").is_dir() and not (tmp_path / "old" / "new").exists()
    (tmp_path / "old" / "new").mkdir()
    (tmp_path / "old" / "new" / "keep.txt").write_text("x")
    one_line_error(train(config, "--out", out), "out of memory")
    assert (tmp_path / "old" / "new" / "keep.txt").is_file() and not out.exists()


def test_under_torchrun_only_rank_0_draws_the_progress_bar(trainer, config, tmp_path, monkeypatch):
    """Every rank reports progress; a rank other than 0 prints nothing (not a second bar, not the done line)."""
    report = {"step": 1, "total": 5, "loss": 0.5, "cost": 2.0, "val_cost": None, "val_gap_pct": None, "inst_per_s": 80}
    trainer(reports=[report])
    monkeypatch.setenv("RANK", "1")
    res = train(config, "--out", tmp_path / "r1")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == ""
    monkeypatch.setenv("RANK", "0")
    res = train(config, "--out", tmp_path / "r0")
    assert res.exit_code == 0 and "1/5" in res.stdout and "done" in res.stdout, res.output
