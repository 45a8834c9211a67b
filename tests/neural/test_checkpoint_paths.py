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


@pytest.mark.parametrize("damage, msg", [
    ("nan", "hold NaN or infinite values"),
    ("layers", "the saved weights do not fit the model its settings describe"),
    ("extra", "the saved weights do not fit the model its settings describe"),
    ("unknown key", "its model settings are not a model this graphroute builds"),
])
def test_a_damaged_vrp_checkpoint_is_one_line_in_solve_and_evaluate(tmp_path, damage, msg):
    """NaN weights hung `solve -s neural` on CVRP; settings that do not fit the weights were tracebacks."""
    torch = pytest.importorskip("torch")
    ck = torch.load(ROOT / "data/checkpoints/pomo_cvrp20.pt", weights_only=False)
    if damage == "nan":
        ck["model"] = {k: torch.full_like(v, float("nan")) for k, v in ck["model"].items()}
    elif damage == "layers":
        ck["model_config"] = {**ck["model_config"], "num_layers": 3}
    elif damage == "extra":
        ck["model"] = {**ck["model"], "extra.weight": torch.zeros(2)}
    else:
        ck["model_config"] = {**ck["model_config"], "bogus": 1}
    bad = tmp_path / "bad.pt"
    torch.save(ck, bad)
    ex = ROOT / "data" / "examples"
    for args in (["solve", str(ex / "cvrp50.json"), "-s", "neural", "--checkpoint", str(bad), "-t", "5"],
                 ["evaluate", "--checkpoint", str(bad), "--num", "1", "--reference", "none"]):
        one_line_error(CliRunner().invoke(app, args), msg)
