"""Every command that reads a checkpoint (solve -s neural, evaluate, evaluate --task kg, explain, route,
train --resume; route's --router: tests/cli/test_route_audit.py) names a folder given as one, instead of calling it missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphroute
from graphroute_cli.main import app
from tests.cli._errors import one_line_error

ROOT = Path(graphroute.__file__).resolve().parents[1]
KG = ROOT.parent / "shared" / "data" / "kg" / "UMLS"


def _commands(folder: Path) -> dict[str, list[str]]:
    ex = ROOT / "data" / "examples"
    return {
        "solve": ["solve", str(ex / "tsp20.json"), "-s", "neural", "--checkpoint", str(folder)],
        "evaluate": ["evaluate", "--checkpoint", str(folder), "--num", "1", "--reference", "none"],
        "evaluate kg": ["evaluate", "--task", "kg", "--checkpoint", str(folder)],
        "explain": ["explain", str(KG), "--checkpoint", str(folder), "--head", "virus", "--relation", "causes"],
        "train": ["train", "--config", str(ROOT / "experiments" / "configs" / "pomo_tsp20.yaml"), "--resume",
                  str(folder), "--out", str(folder.parent / "run")],
    }


@pytest.mark.parametrize("command", ["solve", "evaluate", "evaluate kg", "explain", "train"])
def test_a_folder_given_as_a_checkpoint_is_named_as_a_folder(tmp_path, command):
    pytest.importorskip("torch")
    folder = tmp_path / "run"
    folder.mkdir()
    args = _commands(folder)[command]
    if command == "explain" and not KG.is_dir():
        pytest.skip(f"{KG} is absent (../shared/data, see README)")
    res = CliRunner().invoke(app, args)
    one_line_error(res, f"{folder} is a folder, not a file; give a checkpoint file, a .pt file")
    (folder / "best.pt").write_bytes(b"")
    one_line_error(CliRunner().invoke(app, args), f"e.g. {folder / 'best.pt'}")


@pytest.mark.parametrize("command", ["solve", "evaluate", "evaluate kg", "train"])
def test_a_device_file_given_as_a_checkpoint_is_not_called_missing(tmp_path, command):
    """/dev/null exists: 'checkpoint not found: /dev/null' sent the user looking for a file that is there."""
    pytest.importorskip("torch")
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null on this system")
    args = [a if a != str(tmp_path / "x") else "/dev/null" for a in _commands(tmp_path / "x")[command]]
    one_line_error(CliRunner().invoke(app, args), "/dev/null is not a regular file; give a checkpoint file (.pt)")
