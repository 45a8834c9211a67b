"""What every training loop (``--task vrp``, ``router``, ``kg``) shares about how a run stops and resumes.

* :class:`CtrlC`: the first Ctrl-C only asks the loop to stop after the step in progress, so that it
  can write a resumable ``last.pt`` and raise :class:`TrainingInterrupted`; a second one stops at once.
* :func:`diverged`: the one-line :class:`~graphroute.exceptions.TrainingDivergedError` a loop raises at
  the first non-finite loss, weight or validation metric, before that state is saved.
* :func:`finite_weights`: the weights check after an optimizer step.
* :func:`config_changes`: ``key: old -> new`` for each key a ``--resume`` may not change.
* :func:`time_limit_note`: the note of a run that a time limit stopped, with the ``--resume`` that continues it.

A light module: no torch at import (``graphroute --help`` stays fast); :func:`finite_weights` imports
it when called, by which time a trainer has.
"""

from __future__ import annotations

import math
import signal
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from graphroute.exceptions import InvalidArgumentError, TrainingDivergedError

__all__ = ["CtrlC", "TrainingInterrupted", "config_changes", "diverged", "finite_weights", "time_limit_note"]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training after a completed step; ``checkpoint`` (``last.pt``) holds the run at
    ``where`` ("epoch 2, step 5 of 27", "step 40 of 300") and ``resume`` continues it. A
    ``KeyboardInterrupt``, so that whatever handles Ctrl-C still does (the CLI exits 130)."""

    def __init__(self, checkpoint: Path, where: str) -> None:
        super().__init__(f"interrupted at {where}; {checkpoint} holds the run there")
        self.checkpoint = checkpoint
        self.where = where


class InterruptedUnsaved(KeyboardInterrupt):
    """Ctrl-C stopped a run that had nothing to save (a one-pass fit): ``note`` says so, for the CLI's
    one line. A ``KeyboardInterrupt``, so whatever handles Ctrl-C still does (exit 130)."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class CtrlC:
    """SIGINT while installed (``with CtrlC() as c``): the first Ctrl-C only sets ``c.requested`` and the
    training loop stops after the step in progress, as a time limit does (a step cut in the middle can
    leave Adam's update half applied and the random state mid-draw, which no checkpoint should hold);
    a second one, or any one while ``at_once`` (a long validation: nothing to tear), raises
    ``KeyboardInterrupt`` at once. Only the main thread receives signals, and only the default handler
    is replaced (an ignored SIGINT stays ignored, a caller's own handler stays in charge): otherwise,
    and when ``enabled`` is false (torchrun ranks, which the launcher stops on its own terms), this does
    nothing and Ctrl-C raises ``KeyboardInterrupt`` where it lands, as without it."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.requested = False
        self.at_once = False
        self._old = None

    def __enter__(self) -> CtrlC:
        if self.enabled and threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested or self.at_once:
            raise KeyboardInterrupt
        self.requested = True


def diverged(what: str, where: str, lr: float, last_good: str | None) -> TrainingDivergedError:
    """The error of a run whose ``what`` ("the loss is nan") went non-finite at ``where`` ("step 7 of
    300"): one line that names the learning rate to lower and ``last_good`` ("runs/x/last.pt (step 5)"),
    the checkpoint the diverged state never overwrote, if any."""
    kept = f"{last_good} is the last good checkpoint" if last_good else "no checkpoint was written"
    return TrainingDivergedError(f"training diverged: {what} at {where}; lower the learning rate (config key "
                                 f"'lr', now {lr:g}); {kept}")


def time_limit_note(at: str, last: str | Path, *, after: str = "") -> str:
    """The note of a run that ``time_limit`` stopped at ``at`` ("step 40 of 300", "epoch 2, step 5 of 27"),
    the same words for every task: ``graphroute train`` prints it and, because it names ``last.pt``, the
    command that continues the run. ``after``: how long it ran, in words (" after 12.3 s ...")."""
    return f"stopped by the time limit{after} at {at}; --resume {last} continues the run"


def finite_weights(model: Any) -> bool:
    """Whether every parameter of ``model`` (a ``torch.nn.Module``) is finite; one device sync for all."""
    import torch

    params = list(model.parameters())
    return bool(torch.stack([torch.isfinite(p).all() for p in params]).all()) if params else True


_ABSENT = object()


def checked_step(loss: Any, opt: Any, model: Any, where: str, lr: float, last_good: str | None) -> float:
    """One optimizer step on ``loss`` that refuses to go on from a diverged state: a non-finite loss
    stops before ``backward`` and non-finite weights after ``opt.step()`` (:func:`diverged`, so
    nothing diverged is saved). Returns the loss as a float (one device sync, needed for the check)."""
    value = float(loss.detach())
    if not math.isfinite(value):
        raise diverged(f"the loss is {value}", where, lr, last_good)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    optimizer_step(opt, where, lr, last_good)
    if not finite_weights(model):
        raise diverged("the weights became NaN or infinite", where, lr, last_good)
    return value


def optimizer_step(opt: Any, where: str, lr: float, last_good: str | None) -> None:
    """``opt.step()``, where a learning rate beyond float32 (``lr: 1e39``) makes torch's update raise
    "value cannot be converted to type float without overflow": that is a divergence, one line, not a
    traceback."""
    try:
        opt.step()
    except RuntimeError as exc:
        if "overflow" not in str(exc):
            raise
        raise diverged(f"the optimizer step overflowed ({exc})", where, lr, last_good) from None


def config_changes(was: Mapping[str, Any], now: Mapping[str, Any], *, free: Iterable[str] = (),
                   paths: Mapping[str, Callable[[str], Path]] | None = None) -> list[str]:
    """``key: old -> new`` for every key of either config (``was``: the checkpoint's) that differs, but the
    ``free`` ones, in ``now``'s order; a key the checkpoint does not record shows as ``(not recorded)``.

    ``paths`` names the keys that hold a path, each with how to find the checkpoint's recorded one
    (relative paths start from the folder the run was launched in, which need not be this one): two
    such values count as the same when they resolve to the same file or folder, so a relative and an
    absolute path to one data set are no change.
    """
    free, paths = set(free), dict(paths or {})
    out = []
    for key in [*now, *(k for k in was if k not in now)]:
        if key in free:
            continue
        old, new = was.get(key, _ABSENT), now.get(key, _ABSENT)
        if old == new:
            continue
        if key in paths and isinstance(old, str) and isinstance(new, str) and \
                paths[key](old).resolve() == Path(new).resolve():
            continue
        out.append(f"{key}: {_show(old)} -> {_show(new)}")
    return out


def _show(v: Any) -> str:
    return "(not recorded)" if v is _ABSENT else repr(v)


def same_path(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file or folder: the same inode when both exist (links, ``./x``
    and ``x``), else the same resolved path."""
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return Path(a).resolve() == Path(b).resolve()


def check_export_target(src: str | Path, dst: str | Path) -> None:
    """Refuse to export a checkpoint onto itself: the export drops the optimizer and random state, so a
    run's ``last.pt`` exported in place could no longer be resumed."""
    if same_path(src, dst):
        raise InvalidArgumentError(f"export to {dst}: that is the checkpoint itself (an export keeps no optimizer "
                                   "state, so the run could no longer be resumed); write it elsewhere")


def require_checkpoint_file(path: str | Path, what: str = "checkpoint") -> Path:
    """``path`` if it is a file; else a one-line error: a folder is named as one (with its ``best.pt``
    when it is a run folder that has one), anything else is "not found"."""
    p = Path(path)
    if p.is_file():
        return p
    if p.is_dir():
        best = p / "best.pt"
        hint = f"e.g. {best}" if best.is_file() else "a .pt file"
        raise InvalidArgumentError(f"{what} {p} is a folder, not a file; give a checkpoint file, {hint}")
    if p.exists():  # /dev/null, a pipe, a socket: there, but no file to load
        raise InvalidArgumentError(f"{what} {p} is not a regular file; give a checkpoint file (.pt)")
    raise InvalidArgumentError(f"{what} not found: {p}")
