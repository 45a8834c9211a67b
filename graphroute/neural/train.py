"""POMO training in one plain PyTorch loop (Kwon et al., 2020), readable top to bottom.

Each step samples ``batch_size`` fresh instances, rolls out ``num_starts`` solutions per instance by
sampling (one per start node), and applies REINFORCE with the shared baseline: the advantage of a
rollout is its cost minus the mean cost of the rollouts of the same instance.

``train(config, out_dir)`` writes into ``out_dir``:

* ``last.pt`` / ``best.pt``: checkpoints (atomic) holding the config, model, optimizer, step, random
  generator state and metrics; ``train(..., resume=path)`` continues the same run (on CPU with the
  same seed it reproduces the same losses). ``best.pt`` is written by a validation (every
  ``val_every`` steps and at the last step) that improves on the earlier ones; a fresh run removes
  the ``last.pt`` / ``best.pt`` of an earlier run in the folder when it starts, and any run removes
  the temp files a killed checkpoint write left (:func:`remove_stale_temp_files`);
* ``log.csv``: one row per ``log_every`` steps (and TensorBoard events when ``tensorboard`` is
  installed). ``last.pt`` also holds the steps of the logging window not yet written, so that a run
  stopped early (``time_limit_s``, Ctrl-C) and resumed writes the same rows as an uninterrupted one.

Stops that keep the run: ``time_limit_s``, ``max_steps``, and Ctrl-C, which finishes the step in
progress (its validation and checkpoint included), writes a resumable ``last.pt`` at it and raises
:class:`~graphroute.neural.runs.TrainingInterrupted`. A diverged run (a non-finite loss, weight or
validation cost) stops with :class:`~graphroute.exceptions.TrainingDivergedError` and writes nothing of
the diverged state: ``last.pt`` / ``best.pt`` stay the last good ones.

Devices: CPU (``threads`` sets torch's thread count), CUDA with bf16 autocast (``amp``) and optional
``torch.compile`` of the encoder layers (``compile``). Several GPUs: launch with ``torchrun
--nproc_per_node=K -m graphroute_cli.main train --config C``; each rank draws ``batch_size / K``
instances from its own generator and DistributedDataParallel averages the gradients (rank 0 validates,
logs and saves, with every rank's generator state, so a resumed run keeps each rank's own batches).
Rank 0 decides for all ranks, in one small broadcast a step, whether to stop (its clock against
``time_limit_s``, or a Ctrl-C that torchrun passed on to it) or fail (a non-finite validation cost): a
rank deciding alone would leave the others waiting in the next all-reduce. The DDP path has run on CPU (gloo, two ranks; slow tests), not
on several GPUs.
"""

from __future__ import annotations

import csv
import gc
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from graphroute.exceptions import ConfigError, InvalidArgumentError
from graphroute.neural.config import TrainConfig
from graphroute.neural.decoding import Rollout, rollout
from graphroute.neural.envs import VRPData, sample_batch
from graphroute.neural.models import AttentionModel, ModelConfig
from graphroute.neural.random_state import keeps_caller_state
from graphroute.neural.runs import (CtrlC, TrainingInterrupted, check_export_target, config_changes, diverged,
                                    finite_weights, optimizer_step, require_checkpoint_file, same_path,
                                    time_limit_note)

LOG_FIELDS = ["step", "loss", "cost", "val_cost", "val_gap_pct", "inst_per_s", "lr", "elapsed_s"]


class Policy(nn.Module):
    """``forward`` = one sampled POMO rollout with log-probabilities (what DDP needs to wrap)."""

    def __init__(self, model: AttentionModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, data: VRPData, num_starts: int | None, generator: torch.Generator) -> Rollout:
        return rollout(self.model, data, num_starts=num_starts, strategy="sample", generator=generator,
                       with_logp=True)


def build_model(cfg: TrainConfig) -> AttentionModel:
    return AttentionModel(ModelConfig(problem=cfg.problem, embed_dim=cfg.embed_dim, num_layers=cfg.num_layers,
                                      num_heads=cfg.num_heads, ff_dim=cfg.ff_dim, tanh_clip=cfg.tanh_clip))


def resolve_device(device: str) -> torch.device:
    """``auto``, ``cpu``, ``cuda`` or ``cuda:N`` checked here, so that a typo (``cuda:x``) or a GPU this
    machine lacks (``cuda:7`` on one GPU) is one line naming the device, not a traceback at the first
    tensor. Under torchrun :func:`train` replaces ``cuda:N`` by ``cuda:LOCAL_RANK`` (one GPU per rank)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not re.fullmatch(r"cuda:\d+", device):
        raise InvalidArgumentError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidArgumentError(f"--device {device} was asked for but CUDA is not available")
    if device.startswith("cuda:") and int(device[5:]) >= torch.cuda.device_count():
        n = torch.cuda.device_count()
        raise InvalidArgumentError(f"--device {device}: this machine has {n} GPU{'s' * (n != 1)} "
                                   f"(cuda:0 to cuda:{n - 1})")
    return torch.device(device)


def refuse_torchrun(task: str) -> None:
    """The KG and router trainers run in one process: under torchrun every rank would train the same
    run into the same folder, so WORLD_SIZE > 1 is refused by name."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        raise InvalidArgumentError(f"--task {task} runs in one process (WORLD_SIZE is {world}): "
                                   "only --task vrp supports torchrun; run it without torchrun")


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temp file in the same folder (``.NAME.PID.tmp``), then rename. A failed
    save (disk full, Ctrl-C) removes its temp file and leaves ``path`` as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temp_files(folder: str | Path, names: tuple[str, ...] = ("last.pt", "best.pt")) -> list[Path]:
    """Remove the temp files of :func:`save_atomic` for ``names`` in ``folder`` (``.last.pt.PID.tmp``:
    left behind when a process is killed while writing a checkpoint); returns the removed paths."""
    folder = Path(folder)
    pattern = re.compile(r"^\.(" + "|".join(re.escape(n) for n in names) + r")\.\d+\.tmp$")
    removed = []
    for p in folder.iterdir() if folder.is_dir() else []:
        if pattern.match(p.name) and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def start_fresh(out: Path, resume: str | Path | None, on_start: Callable[[], None] | None = None,
                resumed_at: tuple[str, int] | None = None) -> str | None:
    """The start of a training run in ``out`` (every task): leftover checkpoint temp files go, and a
    fresh run (no ``resume``) also removes an earlier run's ``last.pt`` / ``best.pt``, so that no
    checkpoint of another run is left beside this run's.

    A resumed run gives ``resumed_at = (key, value)``, where its checkpoint is (``("step", 100)``,
    ``("epoch", 3)``): a ``best.pt`` in ``out`` from beyond it (the run was killed after a validation
    that ``last.pt`` had not caught up with) belongs to steps the resumed run discards and redoes, as
    its ``log.csv`` rows are; it is removed, and the returned note says so (the trainer then forgets
    the best value too, so that its next validation writes a new ``best.pt``). Else None.

    Every trainer calls it once its config, device, checkpoint and data are checked, right before the
    first step; ``on_start()`` is called first (``graphroute train`` says there that an earlier run's
    checkpoints go: said before, a run refused for a typo would warn of a removal that never happens)."""
    if on_start is not None:
        on_start()
    remove_stale_temp_files(out)
    if resume is None:
        for name in ("best.pt", "last.pt"):
            (Path(out) / name).unlink(missing_ok=True)
        return None
    best = Path(out) / "best.pt"
    if resumed_at is None:
        return None
    key, at = resumed_at
    if not best.is_file():  # in the checkpoint's own folder: none yet (no validation before the stop)
        return None if same_path(best.parent, Path(resume).parent) else _best_of_resumed_run(best, Path(resume), key, at)
    try:
        there = torch.load(best, map_location="cpu", weights_only=False).get(key)
    except Exception:  # noqa: BLE001 - an unreadable best.pt is not this check's to judge; it stays
        return None
    if isinstance(there, (int, float)) and there > at:
        best.unlink()
        return (f"{best} ({key} {there}) came from beyond the resumed {key} {at} (a run stopped without saving "
                f"last.pt, such as a kill) and was removed; the next validation writes a new one")
    return None


def _best_of_resumed_run(best: Path, resume: Path, key: str, at: int) -> str | None:
    """``out`` has no ``best.pt`` (a resume with ``--out`` another folder): the resumed run's own, beside
    its checkpoint, is copied in when it is from no later than the resumed point, so that ``out`` holds the
    best checkpoint of the whole run (the trainer carries its best value on and would write one only on a
    new best). Else a note: there is none to carry, and the trainer forgets its best value so that its
    next validation writes one."""
    src = resume.parent / "best.pt"
    try:
        ck = torch.load(src, map_location="cpu", weights_only=False) if src.is_file() else None
    except Exception:  # noqa: BLE001 - unreadable: as if there were none
        ck = None
    there = ck.get(key) if isinstance(ck, dict) else None
    if isinstance(there, (int, float)) and there <= at:
        save_atomic(ck, best)
        return None
    return (f"{best.parent} has no best.pt of this run up to {key} {at} (none beside {resume}); the next "
            f"validation writes one")


def load_checkpoint(path: str | Path) -> dict:
    p = require_checkpoint_file(path)
    try:
        ck = torch.load(p, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise InvalidArgumentError(f"{p} is not a readable checkpoint ({type(exc).__name__})") from None
    if not isinstance(ck, dict) or "model" not in ck or "model_config" not in ck:
        raise InvalidArgumentError(f"{p} is not a graphroute checkpoint (no model / model_config)")
    return ck


def require_vrp_checkpoint(ck: dict, path: str | Path) -> None:
    """Refuse a checkpoint of another task (knowledge graphs, the path router) by name."""
    if ck.get("task", "vrp") != "vrp" or not isinstance(ck.get("model_config"), dict) \
            or "problem" not in ck["model_config"]:
        hint = {"kg": "; evaluate it with --task kg", "router": "; it is run by 'graphroute route' and "
                "'graphroute compare --task paths'"}.get(ck.get("task"), "")
        raise InvalidArgumentError(f"{path} is not a routing (VRP) checkpoint (task {ck.get('task')!r}){hint}")


def _load_init_weights(model: AttentionModel, path: str | Path) -> None:
    """``init_from``: the weights of a routing checkpoint of the same model shape, else one
    :class:`ConfigError` naming the checkpoint and what differs."""
    warm = load_checkpoint(path)
    if warm.get("task", "vrp") != "vrp" or "problem" not in warm.get("model_config", {}):
        raise ConfigError(f"init_from {path}: not a routing (VRP) checkpoint (task {warm.get('task')!r}); "
                          "init_from needs a checkpoint of the same model shape")
    ours = _asdict(model.config)
    diff = [f"{k} {warm['model_config'].get(k)!r} (this config: {v!r})" for k, v in ours.items()
            if warm["model_config"].get(k) != v]
    if diff:
        raise ConfigError(f"init_from {path}: its model differs from this config's in {', '.join(diff)}; "
                          "init_from needs the same model shape")
    try:
        model.load_state_dict({k: v.float() for k, v in warm["model"].items()})
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        raise ConfigError(f"init_from {path}: its weights do not fit this config's model "
                          f"({first[-1].strip() if first else type(exc).__name__})") from None


def model_from_checkpoint(ck: dict, device: torch.device | str = "cpu", source: str | Path = "checkpoint") -> AttentionModel:
    """The model of a routing checkpoint, in eval mode on ``device``. Settings it cannot build, weights that
    do not fit them, and weights that are not finite (a damaged file, or a diverged run's: greedy decoding
    on NaN scores never ended) are one :class:`InvalidArgumentError` naming ``source``."""
    def first_line(exc: Exception) -> str:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    try:
        model = AttentionModel(ModelConfig(**ck["model_config"]))
    except (TypeError, ValueError, KeyError, InvalidArgumentError) as exc:
        raise InvalidArgumentError(f"{source}: its model settings are not a model this graphroute builds "
                                   f"({first_line(exc)})") from None
    try:
        state = {k: v.float() for k, v in ck["model"].items()}
        model.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidArgumentError(f"{source}: the saved weights do not fit the model its settings describe "
                                   f"({first_line(exc)})") from None
    bad = [k for k, v in state.items() if not bool(torch.isfinite(v).all())]
    if bad:
        raise InvalidArgumentError(f"{source}: weights {bad[0]}{f' and {len(bad) - 1} more' if len(bad) > 1 else ''} "
                                   "hold NaN or infinite values (a damaged file, or a run that diverged)")
    return model.to(device).eval()


@dataclass
class Validator:
    """Fixed validation set from ``val_seed`` (the same generator as ``graphroute evaluate``);
    cost = multi-start greedy without augmentation; gap against cached reference costs if any."""

    data: VRPData | None
    reference_mean: float | None = None
    #: instance units per model unit, per instance (matrix models: envs.matrix_factor; else 1): the gap
    #: compares costs in the reference's units (a model-unit cost against an integer matrix's reference
    #: read -100 %); ``val_cost`` stays in model units (for matrix models: matrices divided by their largest
    #: entry, where training's ``cost`` column has them undivided)
    factors: torch.Tensor | None = None

    @classmethod
    def build(cls, cfg: TrainConfig) -> "Validator":
        if cfg.val_size == 0:
            return cls(None)
        import numpy as np

        from graphroute.neural.evaluate import cached_reference, eval_instances
        from graphroute.neural.envs import from_instances, matrix_factor

        insts = eval_instances(cfg.problem, cfg.size, cfg.val_size, cfg.val_seed, cfg.distribution)
        ref = cached_reference(insts)
        factors = [matrix_factor(np.array(i.matrix, dtype=np.float64)) if cfg.problem in ("atsp", "acvrp")
                   else 1.0 for i in insts]
        return cls(from_instances(insts), None if ref is None else float(sum(ref) / len(ref)),
                   torch.tensor(factors, dtype=torch.float64))

    @torch.no_grad()
    def __call__(self, model: AttentionModel, device: torch.device) -> tuple[float | None, float | None]:
        """Mean greedy cost (and gap) in fp32 even when training uses bf16 autocast (``amp``): bf16
        rounding would make the best.pt choice noisy and ``val_cost`` differ from ``graphroute evaluate``."""
        if self.data is None:
            return None, None
        model.eval()
        costs = []
        for s in range(0, self.data.batch_size, 256):
            with torch.autocast(device.type, enabled=False):
                costs.append(rollout(model, self.data[s:s + 256].to(device)).cost.min(1).values.float())
        model.train()
        costs = torch.cat(costs).double().cpu()
        cost = float(costs.mean())
        if self.reference_mean is None:
            return cost, None
        units = costs if self.factors is None else costs * self.factors
        return cost, 100.0 * (float(units.mean()) / self.reference_mean - 1.0)


def _autocast(device: torch.device, amp: bool):  # noqa: ANN202
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=(device.type == "cuda" and amp))


@dataclass
class TrainResult:
    step: int
    elapsed_s: float
    metrics: dict = field(default_factory=dict)
    out_dir: Path | None = None
    #: set when ``time_limit_s`` stopped the run (where it stopped, how to continue, whether best.pt exists)
    #: and when a resume had to reseed the batch generator (another device type or number of ranks)
    note: str | None = None


@keeps_caller_state
def train(
    cfg: TrainConfig,
    out_dir: str | Path,
    *,
    device: str = "auto",
    resume: str | Path | None = None,
    on_progress: Callable[[dict], None] | None = None,
    max_steps: int | None = None,
    time_limit_s: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> TrainResult:
    """Run (or continue) a POMO training run; see the module docstring.

    ``max_steps`` and ``time_limit_s`` (wall clock of this call, validation included, checked before
    each step) stop early, with ``last.pt``, without changing the planned schedule, so that ``resume``
    can carry on. No validation runs at such a stop: ``best.pt`` exists only once a validation step
    (every ``val_every`` steps) was reached; ``TrainResult.note`` says so after a time-limit stop.
    A fresh run (no ``resume``) removes the ``last.pt`` / ``best.pt`` of an earlier run in
    ``out_dir`` once its config, ``init_from`` and validation set are checked, before its first step;
    ``on_start()`` is called then, just before (see :func:`start_fresh`).

    Ctrl-C (SIGINT, main thread) lets the step in progress finish with its validation, log row and
    checkpoint when they are due (validation is short: ``val_size`` greedy rollouts, and letting it
    finish keeps a resumed run the same as an uninterrupted one), writes ``last.pt`` there and raises
    :class:`TrainingInterrupted`; a second Ctrl-C stops at once without saving. Under torchrun (whose
    ranks run in their own sessions: the launcher gets the Ctrl-C, sends each rank one SIGINT and
    kills them 30 s later) rank 0's SIGINT decides: every rank stops after the same step and
    ``last.pt`` holds every rank's generator, as a time limit would leave it.

    Resuming on another device type (CPU <-> CUDA) or with another number of ranks reseeds the batch
    generator (``seed + 7919 * rank + step``): the run goes on, but not bit-identical to an
    uninterrupted one, and ``TrainResult.note`` says so.

    Raises :class:`TrainingDivergedError` at the first non-finite loss (before its backward pass),
    weight (after the optimizer step) or validation cost, before that state is saved. Under torchrun
    the loss is not checked on its own (a rank stopping before the gradient all-reduce would leave the
    others waiting in it); a non-finite loss on any rank makes every rank's weights non-finite after
    the averaged step, which every rank then reports.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = _distributed_device(resolve_device(device))
    rank, world = _init_distributed(dev)
    if dev.type == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)

    ck = load_checkpoint(resume) if resume else None
    if ck is not None:
        require_vrp_checkpoint(ck, resume)
        if "optimizer" not in ck or "step" not in ck:
            raise ConfigError(f"--resume {resume}: an exported checkpoint has no optimizer state and cannot be "
                              f"resumed; use --set init_from={resume} to start a new run from its weights")
        free = ("steps", "threads", "val_every", "checkpoint_every", "log_every", "compile", "init_from")
        changed = config_changes(ck["config"], cfg.to_dict(), free=free)
        if changed:
            raise ConfigError(f"--resume {resume}: the config differs from the checkpoint's ({'; '.join(changed)}); "
                              f"only {', '.join(free)} may change")
    torch.manual_seed(cfg.seed + rank)
    model = build_model(cfg).to(dev)
    if cfg.init_from and ck is None:
        _load_init_weights(model, cfg.init_from)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed + 7919 * rank)
    step, elapsed, best_val = 0, 0.0, math.inf
    notes: list[str] = []
    saved = None  # the last good checkpoint, in words, for a divergence message
    if ck is not None:
        saved = f"{resume} (step {int(ck['step'])})"
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, elapsed = int(ck["step"]), float(ck.get("elapsed_s", 0.0))
        if step >= cfg.steps:
            raise ConfigError(f"--resume {resume}: the run is at step {step} and the config asks for {cfg.steps} "
                              f"steps, so there is nothing to train; raise steps (--set steps=N) to go on")
        best_val = float(ck.get("best_val", math.inf))
        reseeded = _restore_generator(gen, ck, rank, world, cfg.seed, step)
        if reseeded:
            notes.append(reseeded)
    if cfg.compile and dev.type == "cuda":
        for layer in model.layers:
            layer.compile()
    policy: nn.Module = Policy(model)
    try:
        if world > 1:
            policy = nn.parallel.DistributedDataParallel(policy)
        local_batch = max(1, cfg.batch_size // world)
        validator, failure = Validator(None), None
        if rank == 0:
            try:
                validator = Validator.build(cfg)
            except Exception as exc:  # re-raised below, after the other ranks are told to stop too
                if world == 1:
                    raise
                failure = exc
        if rank == 0:  # leftover temp files go; a fresh run also removes an earlier run's checkpoints, now
            stale = start_fresh(out, resume, on_start, resumed_at=("step", step) if ck is not None else None)
            if stale:
                notes.append(stale)
                best_val = math.inf  # rank 0's, the only one used
        log = _Log(out, step, enabled=rank == 0)

        def checkpoint(name: str, metrics: dict) -> None:
            """Called on every rank (each sends its batch generator's state); rank 0 writes."""
            nonlocal saved
            saved = f"{out / name} (step {step})"  # on every rank: rank 0 writes it for all of them
            generators = [gen.get_state()]
            if world > 1:
                generators = [None] * world
                torch.distributed.all_gather_object(generators, gen.get_state())
            if rank != 0:
                return
            state = {
                "format": "graphroute-pomo-1", "config": cfg.to_dict(), "model_config": _asdict(model.config),
                "model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "elapsed_s": elapsed,
                "generator": gen.get_state(), "generators": generators, "world_size": world, "best_val": best_val,
                "metrics": metrics, "torch": torch.__version__, "device": str(dev), "lr_decayed_from": decayed_from,
            }
            if name == "last.pt":  # the logging window not yet written (best.pt is saved before its row)
                state["log_window"] = {"losses": list(losses), "costs": list(costs), "instances": n_window,
                                       "seconds": time.perf_counter() - t_window}
            save_atomic(state, out / name)

        model.train()
        decayed_from = ck.get("lr_decayed_from") if ck is not None else None  # the step the rate was divided at
        if ck is not None and decayed_from is None and cfg.lr_decay_at:  # a checkpoint from before that key:
            groups = (ck.get("optimizer") or {}).get("param_groups") or [{}]  # its optimizer shows a drop made
            if float(groups[0].get("lr", cfg.lr)) < 0.5 * cfg.lr:
                decayed_from = int(ck["step"])
        last_metrics: dict = {}
        t_window, n_window, losses, costs = time.perf_counter(), 0, [], []
        window = ck.get("log_window") if ck is not None else None
        if window:
            losses, costs = list(window["losses"]), list(window["costs"])
            n_window, t_window = int(window["instances"]), t_window - float(window["seconds"])
        stop_at = cfg.steps if max_steps is None else min(cfg.steps, step + max_steps)
        t_start = time.perf_counter()

        def over_time() -> bool:  # rank 0's clock decides for every rank (see _agree)
            return rank == 0 and time_limit_s is not None and time.perf_counter() - t_start > time_limit_s

        code = _agree((FAILED if failure else GO) | (STOP if over_time() else GO), world, dev, failure)
        if failure is not None:
            raise failure
        with log, CtrlC() as ctrl_c:
            while step < stop_at:
                t0 = time.perf_counter()
                if code & STOP:  # the time limit, checked (by rank 0) before each step
                    stop_at = step
                    checkpoint("last.pt", last_metrics)
                    notes.insert(0, _time_limit_note(cfg, step, out, validated=best_val < math.inf))
                    break
                where = f"step {step + 1} of {cfg.steps}"  # the step being taken
                # lr_decay_at is a fraction of steps; a resume that raises steps moves a decay not yet
                # reached, but never undoes one that was (the rate went back up from 2e-5 to 2e-4)
                decayed = bool(cfg.lr_decay_at) and (step >= cfg.lr_decay_at * cfg.steps
                                                     or (decayed_from is not None and step >= decayed_from))
                if decayed and decayed_from is None:
                    decayed_from = step
                lr = cfg.lr * (0.1 if decayed else 1.0)
                for g in opt.param_groups:
                    g["lr"] = lr
                data = sample_batch(cfg.problem, local_batch, cfg.size, distribution=cfg.distribution, generator=gen,
                                    device=dev)
                with _autocast(dev, cfg.amp):
                    r = policy(data, cfg.num_starts, gen)
                cost = r.cost.float()
                advantage = cost - cost.mean(dim=1, keepdim=True)  # shared baseline
                loss = (advantage * r.logp).mean()  # minimise expected cost
                value = loss.item()
                if world == 1 and not math.isfinite(value):
                    raise diverged(f"the loss is {value}", where, cfg.lr, saved)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer_step(opt, where, cfg.lr, saved)
                if not finite_weights(model):
                    raise diverged("the weights became NaN or infinite", where, cfg.lr, saved)
                step += 1
                elapsed += time.perf_counter() - t0
                n_window += local_batch * world
                losses.append(value)
                costs.append(float(cost.min(1).values.mean()))
                val_cost = val_gap = None
                code = GO
                if step % cfg.val_every == 0 or step == cfg.steps:
                    val_cost, val_gap = validator(model, dev)
                    if val_cost is not None and not math.isfinite(val_cost):
                        failure = diverged(f"the validation cost is {val_cost}", f"step {step} of {cfg.steps}", cfg.lr,
                                           saved)
                        code |= FAILED
                    elif val_cost is not None and val_cost < best_val:
                        code |= BEST
                code = _agree(code | (STOP if step < stop_at and over_time() else GO)
                              | (INTERRUPT if rank == 0 and ctrl_c.requested else GO), world, dev, failure)
                if failure is not None:
                    raise failure
                # Ctrl-C: torchrun sends its SIGINT to every rank, rank 0's decides for all (one step for all)
                interrupted = ctrl_c.requested if world == 1 else bool(code & INTERRUPT)
                if code & BEST:
                    best_val = val_cost if val_cost is not None else best_val  # rank 0's; the others' stay unused
                    checkpoint("best.pt", {"step": step, "val_cost": val_cost, "val_gap_pct": val_gap})
                if step % cfg.log_every == 0 or val_cost is not None or step == stop_at:
                    now = time.perf_counter()
                    last_metrics = {
                        "step": step, "loss": sum(losses) / len(losses), "cost": sum(costs) / len(costs),
                        "val_cost": val_cost, "val_gap_pct": val_gap,
                        "inst_per_s": n_window / max(now - t_window, 1e-9), "lr": lr, "elapsed_s": elapsed,
                    }
                    log.write(last_metrics)
                    if on_progress is not None and rank == 0:
                        on_progress({**last_metrics, "total": cfg.steps})
                    t_window, n_window, losses, costs = now, 0, [], []
                if step % cfg.checkpoint_every == 0 or step == stop_at or interrupted:
                    checkpoint("last.pt", last_metrics)  # Ctrl-C: at this step, with the logging window
                if interrupted and step < stop_at:
                    _leave_together(world)
                    raise TrainingInterrupted(out / "last.pt", f"step {step} of {cfg.steps}")
        _leave_together(world)
        return TrainResult(step=step, elapsed_s=elapsed, metrics=last_metrics, out_dir=out,
                           note="; ".join(notes) or None)
    finally:
        # DDP holds the process group, and reference cycles keep it alive: collect it now, while the
        # interpreter is whole. Left to the exit (or to a traceback that holds this frame), gloo's
        # threads were torn down during finalisation and a rank aborted now and then ("terminate
        # called without an active exception", exit -6) after training had finished.
        if world > 1:
            policy = None  # noqa: F841 - the frame outlives a raise; drop the DDP wrapper from it
            gc.collect()


def _time_limit_note(cfg: TrainConfig, step: int, out: Path, validated: bool) -> str:
    msg = time_limit_note(f"step {step} of {cfg.steps}", out / "last.pt")
    if cfg.val_size == 0:
        return msg + "; validation is off (val_size 0), so there is no best.pt"
    if not validated:
        return (msg + f"; no validation has run yet (the first is at step {cfg.val_every}, val_every), so there is "
                f"no best.pt: lower val_every (--set val_every=K) or resume")
    return msg


def _asdict(mc: ModelConfig) -> dict:
    from dataclasses import asdict

    return asdict(mc)


def _distributed_device(dev: torch.device) -> torch.device:
    """Under torchrun (WORLD_SIZE > 1) a CUDA rank uses ``cuda:LOCAL_RANK`` whatever ``cuda:N`` was
    asked for: one explicit index for every rank would put them all on one GPU."""
    if int(os.environ.get("WORLD_SIZE", "1")) == 1 or dev.type != "cuda":
        return dev
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if local >= torch.cuda.device_count():
        raise InvalidArgumentError(f"torchrun rank with LOCAL_RANK {local} but this machine has "
                                   f"{torch.cuda.device_count()} GPU(s); lower --nproc_per_node")
    return torch.device("cuda", local)


def _init_distributed(dev: torch.device) -> tuple[int, int]:
    """Under torchrun (WORLD_SIZE > 1): pin this rank's GPU, then join the process group. The GPU is
    pinned first (and named by ``device_id``) so that NCCL's communicator is built on it, not on
    cuda:0 for every rank."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
            dist.init_process_group("nccl", device_id=dev)
        else:
            dist.init_process_group("gloo")
    elif dev.type == "cuda":
        torch.cuda.set_device(dev)
    return dist.get_rank(), world


#: Rank 0's word for every rank, one small broadcast a step (:func:`_agree`): the clocks of the ranks
#: differ, and only rank 0 validates, so a rank deciding alone would leave the others waiting in the
#: next all-reduce.
GO, STOP, FAILED, BEST, INTERRUPT = 0, 1, 2, 4, 8


def _leave_together(world: int) -> None:
    """Under torchrun, every rank waits for the others (rank 0 may still be writing a checkpoint) before
    the process group goes: a rank that leaves first aborts gloo's teardown."""
    if world > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


def _agree(code: int, world: int, dev: torch.device, failure: BaseException | None = None) -> int:
    """Rank 0's ``code`` (``STOP | FAILED | BEST`` bits) on every rank; with ``FAILED`` the ranks leave
    the process group together and every rank but 0 raises rank 0's ``failure`` in words (rank 0 raises
    its own, the caller's job)."""
    if world == 1:
        return code
    import torch.distributed as dist

    t = torch.tensor([code], dtype=torch.int64, device=dev)
    dist.broadcast(t, src=0)
    code = int(t.item())
    if code & FAILED:
        from graphroute.exceptions import GraphrouteError, TrainingDivergedError

        words = [None if failure is None else (isinstance(failure, TrainingDivergedError), str(failure))]
        dist.broadcast_object_list(words, src=0)
        # every rank is about to raise: leave the group together first, or a process that exits with
        # gloo's threads still running aborts ("terminate called without an active exception", exit -6)
        rank = dist.get_rank()
        _leave_together(world)
        if rank != 0:
            was_divergence, msg = words[0]
            raise (TrainingDivergedError(msg) if was_divergence else GraphrouteError(f"rank 0 failed: {msg}"))
    return code


def _restore_generator(gen: torch.Generator, ck: dict, rank: int, world: int, seed: int, step: int) -> str | None:
    """Set ``gen`` to this rank's saved state; else reseed it (``seed + 7919 * rank + step``, so every
    rank still draws its own batches) and say why: a checkpoint of another device type (a CUDA state
    is 16 bytes, a CPU one 5,056) or another number of ranks. Returns that note, or None."""
    states = ck.get("generators")
    if states is None and ck.get("generator") is not None:
        states = [ck["generator"]]  # one process, or rank 0's only (best.pt of an older run)
    if states is None:
        return None
    saved_type = torch.device(ck.get("device", "cpu")).type
    why = None
    if saved_type != gen.device.type:
        why = f"the checkpoint's random generator is on {saved_type} and this run is on {gen.device.type}"
    elif len(states) != world:
        why = f"the checkpoint was written by {len(states)} rank(s) and this run has {world}"
    else:
        try:
            gen.set_state(states[rank])
            return None
        except RuntimeError:  # a state of another size (another torch build)
            why = "the checkpoint's random generator state does not fit this torch's generator"
    gen.manual_seed(seed + 7919 * rank + step)
    return f"{why}: the batch generator was reseeded, so the resumed run is not bit-identical to an uninterrupted one"


class _Log:
    """``log.csv`` (rows after the resumed step are dropped) and TensorBoard when importable."""

    def __init__(self, out: Path, start_step: int, enabled: bool) -> None:
        self.enabled = enabled
        self.tb = None
        if not enabled:
            return
        self.path = out / "log.csv"
        rows = []
        if start_step and self.path.exists():
            with self.path.open() as fh:
                rows = [r for r in csv.DictReader(fh) if int(r["step"]) <= start_step]
        self.fh = self.path.open("w", newline="")
        self.writer = csv.DictWriter(self.fh, fieldnames=LOG_FIELDS)
        self.writer.writeheader()
        self.writer.writerows(rows)
        self.fh.flush()
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(out / "tb"))
        except ImportError:
            self.tb = None

    def write(self, m: dict) -> None:
        if not self.enabled:
            return
        self.writer.writerow({k: ("" if m.get(k) is None else m[k]) for k in LOG_FIELDS})
        self.fh.flush()
        if self.tb is not None:
            for k in LOG_FIELDS[1:]:
                if m.get(k) is not None:
                    self.tb.add_scalar(k, m[k], m["step"])

    def close(self) -> None:
        if self.enabled:
            self.fh.close()
            if self.tb is not None:
                self.tb.close()

    def __enter__(self) -> _Log:
        return self

    def __exit__(self, *exc: object) -> None:  # also when training stops on Ctrl-C or divergence
        self.close()


def export_checkpoint(src: str | Path, dst: str | Path, *, half: bool = True, extra: dict | None = None) -> Path:
    """A small inference-only copy: weights (fp16 unless ``half=False``), config, metrics; no optimizer."""
    check_export_target(src, dst)
    ck = load_checkpoint(src)
    small = {k: ck[k] for k in ("format", "config", "model_config", "step", "elapsed_s", "metrics", "torch", "device")
             if k in ck}
    small["model"] = {k: (v.half() if half and v.is_floating_point() else v) for k, v in ck["model"].items()}
    small.update(extra or {})
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(small, dst)
    return dst


def run_from_yaml(config: str | Path, *, out: str | Path, device: str = "auto", resume: str | Path | None = None,
                  on_progress: Callable[[dict], None] | None = None, time_limit: float | None = None,
                  overrides: dict | None = None, on_start: Callable[[], None] | None = None) -> TrainResult:
    """The ``graphroute train --task vrp`` entry point: load the YAML config (``overrides`` replace
    its keys, checked the same way; see :meth:`TrainConfig.from_yaml`) and :func:`train`. ``on_start()``:
    called once everything is checked, right before training starts (:func:`start_fresh`)."""
    cfg = TrainConfig.from_yaml(config, overrides)
    return train(cfg, out, device=device, resume=resume, on_progress=on_progress, time_limit_s=time_limit,
                 on_start=on_start)
