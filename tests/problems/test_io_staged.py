"""Staged writes (problems/io.py ``staged_file`` / ``temp_file_beside``) and the writers built on them:
a write that fails or is interrupted, even while its temporary file is being created, leaves the
target as it was and no temporary file behind; a name someone else holds is never removed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import graphroute
from graphroute.problems import io as gio
from graphroute.problems.io import atomic_write_text, read_instance, staged_file, temp_file_beside

EXAMPLES = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples"


@pytest.fixture
def interrupt_on_create(monkeypatch):
    """Make the next creation of a ``.tmp`` file succeed on disk, then raise KeyboardInterrupt, as a
    Ctrl-C landing just after the file exists (before the caller learns its name) would."""
    real_open = os.open

    def fake_open(path, flags, *args, **kwargs):  # noqa: ANN001, ANN202
        fd = real_open(path, flags, *args, **kwargs)
        if str(path).endswith(".tmp") and flags & os.O_CREAT:
            os.close(fd)
            monkeypatch.setattr(os, "open", real_open)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(os, "open", fake_open)


def test_staged_file_renames_into_place_with_the_umask_mode_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out.txt"
    with staged_file(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.txt.") and tmp.name.endswith(".tmp")
        assert tmp.exists() and not target.exists()
        tmp.write_text("new")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_staged_file_with_an_explicit_mode():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "g.npz"
        with staged_file(target, mode=0o640) as tmp:
            tmp.write_bytes(b"x")
        assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_block_that_raises_leaves_the_target_as_it_was(tmp_path, exc):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(type(exc)), staged_file(target) as tmp:
        tmp.write_text("half")
        raise exc
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_interrupt_while_the_temp_file_is_created_leaves_no_temp_file(tmp_path, interrupt_on_create):
    with pytest.raises(KeyboardInterrupt), temp_file_beside(tmp_path / "out.txt"):
        pytest.fail("the block must not run")
    assert list(tmp_path.iterdir()) == []


def test_a_name_held_by_someone_else_is_skipped_and_never_removed(tmp_path, monkeypatch):
    theirs = tmp_path / ".out.txt.taken.tmp"
    theirs.write_text("theirs")
    names = iter([str(theirs), str(tmp_path / ".out.txt.mine.tmp")])
    monkeypatch.setattr(gio, "_temp_names", lambda path: names)
    with temp_file_beside(tmp_path / "out.txt") as tmp:
        assert tmp.name == ".out.txt.mine.tmp"
    assert theirs.read_text() == "theirs" and [p.name for p in tmp_path.iterdir()] == [theirs.name]


def test_no_free_name_is_a_file_exists_error_naming_the_folder(tmp_path, monkeypatch):
    theirs = tmp_path / ".out.txt.taken.tmp"
    theirs.write_text("theirs")
    monkeypatch.setattr(gio, "_temp_names", lambda path: iter([str(theirs)]))
    with pytest.raises(FileExistsError) as err, temp_file_beside(tmp_path / "out.txt"):
        pass
    assert err.value.filename == str(tmp_path) and theirs.read_text() == "theirs"


def test_atomic_write_text_interrupted_while_creating_its_temp_file(tmp_path, interrupt_on_create):
    target = tmp_path / "i.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["i.json"]


def test_save_graph_interrupted_while_creating_its_temp_file(tmp_path, interrupt_on_create):
    from graphroute.graphs.model import from_edges, save_graph

    g = from_edges(np.array([0, 1]), np.array([1, 2]), 3, edge_attrs={"length": np.array([1.0, 2.0])})
    with pytest.raises(KeyboardInterrupt):
        save_graph(g, tmp_path / "g.npz")
    assert list(tmp_path.iterdir()) == []


def test_plot_routes_interrupted_while_creating_its_temp_file(tmp_path, interrupt_on_create):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from graphroute.plot import plot_routes

    inst = read_instance(EXAMPLES / "cvrp50.json")
    before = plt.get_fignums()
    with pytest.raises(KeyboardInterrupt):
        plot_routes(inst, [list(range(1, inst.n))], tmp_path / "r.png")
    assert list(tmp_path.iterdir()) == [] and plt.get_fignums() == before


def test_compare_figure_interrupted_while_creating_its_temp_file(tmp_path, interrupt_on_create):
    pytest.importorskip("matplotlib")
    from graphroute.compare.plots import plot_gap_vs_time

    rows = [{"solver": "a", "instance": "x", "n": 10, "runtime_s": 1.0, "gap_vs_bks_pct": 2.0,
             "gap_vs_baseline_pct": None}]
    with pytest.raises(KeyboardInterrupt):
        plot_gap_vs_time(rows, ["a"], tmp_path / "g.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("check, target", [("check_output_path", "out.json"), ("check_output_folder", "")])
def test_output_checks_interrupted_while_creating_their_probe_file(tmp_path, interrupt_on_create, check, target):
    from graphroute_cli import common

    with pytest.raises(KeyboardInterrupt):
        getattr(common, check)(tmp_path / target, "--out")
    assert list(tmp_path.iterdir()) == []


def test_save_atomic_that_fails_removes_its_temp_file_and_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from graphroute.neural.train import save_atomic

    path = tmp_path / "last.pt"
    save_atomic({"a": 1}, path)

    def broken_save(obj, f, *args, **kwargs):  # noqa: ANN001, ANN202
        Path(f).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        save_atomic({"a": 2}, path)
    monkeypatch.undo()
    assert torch.load(path) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_a_name_the_file_system_takes_is_written_though_its_temporary_name_would_be_too_long(tmp_path):
    """A 245-byte name is valid on ext4 (255 at most); '.NAME.XXXXXXXX.tmp' was 259 bytes, so the write (and
    the CLI's pre-check of --out) failed with 'File name too long', blaming the user's name."""
    target = tmp_path / ("a" * 241 + ".json")
    try:
        target.touch()
        target.unlink()
    except OSError:
        pytest.skip("this file system takes no 245-byte names")
    atomic_write_text(target, "{}\n")
    assert target.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir()] == [target.name]
