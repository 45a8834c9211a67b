"""What the trainers share (graphroute.neural.runs): the Ctrl-C handler, the divergence message, the
resume check's config diff; and that the module stays light."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graphroute.exceptions import GraphrouteError, TrainingDivergedError
from graphroute.neural.runs import CtrlC, TrainingInterrupted, config_changes, diverged

REPO = Path(__file__).resolve().parents[2]


def test_the_module_does_not_import_torch():
    code = "import sys, graphroute.neural.runs; assert 'torch' not in sys.modules, 'torch imported'"
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_the_kg_trainer_raises_the_shared_classes():
    kg = pytest.importorskip("graphroute.neural.kg.train")
    assert kg.TrainingDivergedError is TrainingDivergedError and kg.TrainingInterrupted is TrainingInterrupted


# --- CtrlC -------------------------------------------------------------------------------------------------


def test_the_first_ctrl_c_asks_the_second_stops():
    with CtrlC() as c:
        handler = signal.getsignal(signal.SIGINT)
        handler(signal.SIGINT, None)
        assert c.requested
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGINT, None)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_at_once_raises_on_the_first():
    with CtrlC() as c:
        c.at_once = True
        with pytest.raises(KeyboardInterrupt):
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)


@pytest.mark.parametrize("case", ["disabled", "ignored", "thread"])
def test_it_leaves_sigint_alone_where_it_should(case):
    """Disabled (torchrun ranks), a SIGINT someone ignores, or a thread that is not the main one."""
    seen = {}

    def enter():
        with CtrlC(enabled=case != "disabled"):
            seen["handler"] = signal.getsignal(signal.SIGINT)

    if case == "ignored":
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            enter()
        finally:
            signal.signal(signal.SIGINT, old)
        assert seen["handler"] is signal.SIG_IGN
        return
    if case == "thread":
        t = threading.Thread(target=enter)
        t.start()
        t.join()
    else:
        enter()
    assert seen["handler"] is signal.default_int_handler


def test_training_interrupted_is_a_keyboard_interrupt_that_says_where():
    exc = TrainingInterrupted(Path("runs/x/last.pt"), "step 4 of 9")
    assert isinstance(exc, KeyboardInterrupt) and exc.where == "step 4 of 9"
    assert str(exc) == "interrupted at step 4 of 9; runs/x/last.pt holds the run there"


# --- divergence --------------------------------------------------------------------------------------------


def test_the_divergence_error_is_one_line_naming_where_lr_and_the_last_good_checkpoint():
    err = diverged("the loss is nan", "step 7 of 9", 0.5, "runs/x/last.pt (step 5)")
    assert isinstance(err, GraphrouteError)
    assert str(err) == ("training diverged: the loss is nan at step 7 of 9; lower the learning rate (config key "
                        "'lr', now 0.5); runs/x/last.pt (step 5) is the last good checkpoint")
    assert str(diverged("x", "y", 1e-3, None)).endswith("now 0.001); no checkpoint was written")


# --- config_changes ----------------------------------------------------------------------------------------


def test_config_changes_lists_old_and_new_values_but_not_free_keys():
    was = {"lr": 0.1, "steps": 10, "kinds": ["grid"], "gone": 1}
    now = {"lr": 0.2, "steps": 20, "kinds": ["grid"], "new": True}
    assert config_changes(was, now, free=("steps",)) == [
        "lr: 0.1 -> 0.2", "new: (not recorded) -> True", "gone: 1 -> (not recorded)"]
    assert config_changes(was, was) == []


def test_config_changes_compares_paths_resolved(tmp_path, monkeypatch):
    (tmp_path / "kg").mkdir()
    monkeypatch.chdir(tmp_path)
    paths = {"data": Path}
    assert config_changes({"data": "kg"}, {"data": str(tmp_path / "kg")}, paths=paths) == []
    assert config_changes({"data": "./kg/"}, {"data": "kg"}, paths=paths) == []
    assert config_changes({"data": "kg"}, {"data": "other"}, paths=paths) == ["data: 'kg' -> 'other'"]
    assert config_changes({"data": "kg"}, {"data": str(tmp_path / "kg")}) != []  # not a path key: as text
    # the checkpoint's recorded path is found as the trainer says (a KG path from the project root, say)
    assert config_changes({"data": "x"}, {"data": "kg"}, paths={"data": lambda p: tmp_path / "kg"}) == []
