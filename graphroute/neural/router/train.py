"""Training of the Bellman-Ford-aligned router on seeded synthetic graphs with exact Dijkstra labels.

One file, a plain loop, the conventions of :mod:`graphroute.neural.train`: a typed YAML config
(:class:`RouterConfig`), a CSV log, ``last.pt`` written atomically every ``checkpoint_every`` steps
(config, weights, optimizer, step, random state) and ``best.pt`` at every validation (``val_every``)
that lowers the validation error, ``resume`` from ``last.pt``. Every step draws its
graph and targets from its own seed, so a run resumed from any step's ``last.pt`` gives the losses of
an uninterrupted one.

Stops that keep the run: ``time_limit`` and Ctrl-C, which finishes the step in progress (its
validation included) and writes a resumable ``last.pt`` at it. A diverged run (a non-finite loss,
weight or validation error) stops with :class:`~graphroute.exceptions.TrainingDivergedError` and
writes nothing of the diverged state: ``last.pt`` / ``best.pt`` stay the last good ones.

Each step draws a graph (perturbed grid, Delaunay or random geometric, ``min_nodes .. max_nodes``
nodes) from the step's own seed, ``batch_targets`` random targets, and exact costs to them by one
scipy Dijkstra on the reversed graph. The loss is the relative error ``|h - d| / (d + w_med)`` of the
prediction after every message-passing step (deep supervision: an estimate that is right early lets
inference stop early), averaged, with the final step counted ``final_weight`` times.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from graphroute.exceptions import ConfigError, InvalidArgumentError
from graphroute.graphs.synthetic import MAX_NODES
from graphroute.neural.config import floats_from_text, read_config_file
from graphroute.neural.random_state import keeps_caller_state
from graphroute.neural.router.route import MAX_STEPS
from graphroute.neural.runs import (CtrlC, TrainingInterrupted, check_export_target, checked_step, config_changes, diverged,
                                    finite_weights, time_limit_note)

KINDS = ("grid", "delaunay", "geometric")
#: Upper bounds of the size keys of :class:`RouterConfig`, far above any real run (hidden 32, graphs of
#: a few thousand nodes, 16 targets), so that a typo (``hidden: 99999999999``) is one line naming the
#: key, not an allocation error deep in torch. Graph sizes share the synthetic generator's node limit,
#: message-passing steps the limit of ``graphroute route --steps``.
MAX_SIZES = {"hidden": 65_536, "min_nodes": MAX_NODES, "max_nodes": MAX_NODES, "batch_targets": 1_000_000,
             "steps": 100_000_000, "max_mp_steps": MAX_STEPS, "val_steps": MAX_STEPS, "val_graphs": 10_000,
             "threads": 1_024}
LOG_FIELDS = ["step", "loss", "final_rel_err", "val_rel_err", "nodes", "s_per_step", "elapsed_s"]


@dataclass
class RouterConfig:
    """Typed configuration; ``from_yaml`` rejects unknown keys and bad values by name."""

    task: str = "router"
    hidden: int = 32
    kinds: tuple = KINDS
    min_nodes: int = 100
    max_nodes: int = 1000
    weight: str = "time"
    batch_targets: int = 16
    steps: int = 300
    max_mp_steps: int = 200  # message-passing steps per forward pass in training (until converged)
    final_weight: float = 4.0
    lr: float = 3e-3
    seed: int = 0
    val_graphs: int = 4
    val_steps: int = 10  # truncated pass used for validation: the learned estimate, before the wave arrives
    val_every: int = 50
    checkpoint_every: int = 50
    threads: int | None = 1

    def __post_init__(self) -> None:
        if isinstance(self.kinds, str):  # "kinds: grid" (or --set kinds=grid): one kind, not its letters
            self.kinds = (self.kinds,)
        if not isinstance(self.kinds, (list, tuple)):
            raise ConfigError(f"config key 'kinds' must be a list of graph kinds ({', '.join(KINDS)}), "
                              f"got {type(self.kinds).__name__} {self.kinds!r}")
        self.kinds = tuple(self.kinds)
        if self.task != "router":
            raise ConfigError(f"config key 'task' must be 'router', got {self.task!r}")
        for k in self.kinds:
            if k not in KINDS:
                raise ConfigError(f"config key 'kinds' has unknown kind {k!r}; available: {', '.join(KINDS)}")
        if not self.kinds:
            raise ConfigError("config key 'kinds' must name at least one graph kind")
        for key in ("hidden", "min_nodes", "max_nodes", "batch_targets", "steps", "max_mp_steps", "val_steps",
                    "val_every", "checkpoint_every"):
            v = getattr(self, key)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"config key {key!r} must be a positive integer, got {v!r}")
            if v > MAX_SIZES.get(key, v):
                raise ConfigError(f"config key {key!r} must be at most {MAX_SIZES[key]:,}, got {v!r}")
        if self.min_nodes < 4 or self.max_nodes < self.min_nodes:
            raise ConfigError(f"config keys 'min_nodes' ({self.min_nodes}) and 'max_nodes' ({self.max_nodes}) "
                              "need 4 <= min_nodes <= max_nodes")
        if self.weight not in ("time", "length"):
            raise ConfigError(f"config key 'weight' must be time or length, got {self.weight!r}")
        for key in ("lr", "final_weight"):
            v = getattr(self, key)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0 or not math.isfinite(v):
                raise ConfigError(f"config key {key!r} must be a positive number, got {v!r}")
        if not isinstance(self.val_graphs, int) or isinstance(self.val_graphs, bool) or self.val_graphs < 1:
            raise ConfigError(f"config key 'val_graphs' must be a positive integer (validation picks best.pt), "
                              f"got {self.val_graphs!r}")
        if self.val_graphs > MAX_SIZES["val_graphs"]:
            raise ConfigError(f"config key 'val_graphs' must be at most {MAX_SIZES['val_graphs']:,}, "
                              f"got {self.val_graphs!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError(f"config key 'seed' must be an integer >= 0, got {self.seed!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or isinstance(self.threads, bool)
                                         or self.threads < 1):
            raise ConfigError(f"config key 'threads' must be a positive integer or null, got {self.threads!r}")
        if self.threads is not None and self.threads > MAX_SIZES["threads"]:
            raise ConfigError(f"config key 'threads' must be at most {MAX_SIZES['threads']:,}, got {self.threads!r}")

    @classmethod
    def from_dict(cls, d: Any, source: str = "config") -> RouterConfig:
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: expected a mapping of keys to values")
        known = [f.name for f in dataclasses.fields(cls)]
        for key in d:
            if key not in known:
                raise ConfigError(f"{source}: unknown config key {key!r}; known keys: {', '.join(known)}")
        d = floats_from_text(d, cls)
        try:
            return cls(**d)
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> RouterConfig:
        return cls.from_dict(read_config_file(path, "router"), source=str(path))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["kinds"] = list(self.kinds)
        return d


@dataclass
class RouterRunResult:
    step: int
    elapsed_s: float
    metrics: dict
    out_dir: Path
    #: set when ``time_limit`` stopped the run (where, how to continue), as the other tasks do
    note: str | None = None


def exact_costs_to(indptr, indices, weights, targets) -> np.ndarray:
    """Exact cost from every node to each target: float64 ``[n, B]`` (scipy Dijkstra on the reversed graph)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = len(indptr) - 1
    a = csr_matrix((np.asarray(weights, dtype=np.float64), indices, indptr), shape=(n, n))
    return np.atleast_2d(dijkstra(a.T.tocsr(), directed=True, indices=np.asarray(targets))).T


def sample_graph(cfg: RouterConfig, seed: int):
    """The seeded training / validation graph for ``seed``: ``(RouterGraph, Graph)``."""
    from graphroute.graphs.synthetic import synthetic_graph
    from graphroute.neural.router.model import RouterGraph

    tries = 20
    for attempt in range(tries):
        # the first draw is the one every run so far made; a draw whose largest strongly connected component
        # keeps under 4 nodes (a sparse geometric graph of few nodes) is drawn again, seeded, so a resume
        # meets the same graphs (it stopped training with "raise radius", a key the router config lacks)
        rng = np.random.default_rng(seed if attempt == 0 else [seed, attempt])
        kind = cfg.kinds[int(rng.integers(len(cfg.kinds)))]
        n = int(rng.integers(cfg.min_nodes, cfg.max_nodes + 1))
        gseed = seed if attempt == 0 else int(rng.integers(2**31))
        try:
            g = synthetic_graph(kind, n, seed=gseed, perturb=float(rng.uniform(0.1, 0.4)),
                                drop=float(rng.uniform(0, 0.1)) if kind == "grid" else 0.0)
        except InvalidArgumentError as exc:
            if "largest strongly connected component" not in str(exc):
                raise
            continue
        return RouterGraph.from_graph(g, cfg.weight), g
    raise ConfigError(f"config keys 'min_nodes' ({cfg.min_nodes}) and 'kinds' ({', '.join(cfg.kinds)}): {tries} "
                      f"graphs drawn for seed {seed} each kept fewer than 4 connected nodes; raise min_nodes")


def relative_loss(preds, exact, w_med: float):  # noqa: ANN001, ANN201
    """Mean of ``min(|h - d| / (d + w_med), 1)`` (``inf`` predictions count 1)."""
    import torch

    err = (preds - exact).abs() / (exact + w_med)
    return torch.nan_to_num(err, nan=1.0, posinf=1.0).clamp(max=1.0).mean()


def batch_loss(model, rg, exact, targets, cfg: RouterConfig):  # noqa: ANN001, ANN201
    """Deep-supervised relative error over every message-passing step until convergence."""
    import torch

    h = model.init_estimate(rg, targets)
    w_eff = model.edge_costs(rg, targets)
    losses = [relative_loss(h, exact, rg.w_med)]
    for _ in range(cfg.max_mp_steps):
        new = model.bellman(h, rg, w_eff, targets)
        converged = torch.equal(new, h)
        h = new
        if converged:
            break
        losses.append(relative_loss(h, exact, rg.w_med))
    final = relative_loss(h, exact, rg.w_med)
    return (torch.stack(losses).sum() + cfg.final_weight * final) / (len(losses) + cfg.final_weight), final


def validate(model, cfg: RouterConfig) -> dict:  # noqa: ANN001
    """Mean relative error of truncated predictions (``val_steps`` steps) on ``val_graphs`` fixed graphs
    (seeds 10^7 + i): how good the learned estimate is before the exact wave has arrived everywhere."""
    import torch

    errs = []
    dev = next(model.parameters()).device
    with torch.no_grad():
        for i in range(cfg.val_graphs):
            rg, _ = sample_graph(cfg, 10_000_000 + i)
            targets = torch.from_numpy(np.random.default_rng(i).choice(rg.n, min(16, rg.n), replace=False))
            exact = torch.from_numpy(exact_costs_to(*_csr(rg), targets.numpy())).to(dev)
            h = model(rg.to(dev), targets.to(dev), steps=cfg.val_steps)
            errs.append(float(relative_loss(h, exact, rg.w_med)))
    return {"val_rel_err": float(np.mean(errs)) if errs else float("nan")}


def _csr(rg):  # noqa: ANN001, ANN202
    """(indptr, indices, weights) of the forward graph stored in a RouterGraph."""
    u, v = rg.edge_index.cpu().numpy()
    indptr = np.zeros(rg.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(v, minlength=rg.n), out=indptr[1:])
    return indptr, u, rg.w.cpu().numpy()


@keeps_caller_state
def train_router(cfg: RouterConfig, out: str | Path, *, resume: str | Path | None = None, device: str = "cpu",
                 on_progress: Callable[[dict], None] | None = None, time_limit: float | None = None,
                 on_start: Callable[[], None] | None = None) -> RouterRunResult:
    """Train :class:`~graphroute.neural.router.model.BFRouter`; ``last.pt`` / ``best.pt`` and ``log.csv`` in ``out``.

    ``device``: ``cpu``, ``cuda[:i]`` or ``auto`` (CUDA when available). On CUDA the graph tensors,
    labels and the message passing move to the GPU; graph sampling and the Dijkstra labels stay on
    the CPU (scipy). The min-plus iterations stay in float64 (float32 in truncated inference passes)
    on every device: there is no bf16 path, because a bf16 sum keeps 8 significant bits (a path
    cost of 1,000 plus an edge of 3 is still 1,000), which would corrupt the labels being learned.

    ``resume`` continues from the checkpoint's step with the same config but ``steps`` (a refusal
    names each changed key); ``log.csv`` keeps the rows up to that step, and a fresh run starts a
    fresh one.

    Ctrl-C (SIGINT, main thread) lets the step in progress finish, its validation included (a few
    small graphs, ``val_graphs``), writes ``last.pt`` there and raises :class:`TrainingInterrupted`;
    a second Ctrl-C stops at once without saving.

    ``time_limit`` (seconds of this call) is checked after each step; the step it stops at is validated
    and saved in ``last.pt``, and ``RouterRunResult.note`` says where it stopped and how to continue.
    ``on_start()`` is called once the config, device and checkpoint are checked, right before the
    first step (:func:`~graphroute.neural.train.start_fresh`).

    Raises :class:`TrainingDivergedError` at the first non-finite loss (before its backward pass),
    weight (after the optimizer step) or validation error, before that state is saved. The loss
    counts a NaN prediction as an error of 1, so NaN weights show in the weights check first.
    """
    import torch

    from graphroute.neural.router.model import BFRouter
    from graphroute.neural.train import load_checkpoint, refuse_torchrun, resolve_device, save_atomic, start_fresh

    refuse_torchrun("router")
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    dev = resolve_device(device)
    model = BFRouter(hidden=cfg.hidden).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    start, best, metrics = 0, math.inf, {}
    saved = None  # the last good checkpoint, in words, for a divergence message
    if resume is not None:
        ck = load_checkpoint(resume)
        if ck.get("task") != "router":
            raise InvalidArgumentError(f"{resume} is {checkpoint_kind(ck)}; --task router resumes a --task router "
                                       "run's last.pt")
        changed = config_changes(ck["config"], cfg.to_dict(), free=("steps",))
        if changed:
            raise InvalidArgumentError(f"{resume} was trained with another config ({'; '.join(changed)}); "
                                       "only 'steps' may change")
        if "optimizer" not in ck or "rng" not in ck:  # the shipped router_road.pt, an export: KeyError 'optimizer'
            raise InvalidArgumentError(f"{resume} holds weights only (an exported checkpoint) and cannot be resumed; "
                                       "resume from a run's last.pt")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["rng"])
        start, best, metrics = ck["step"], ck["best_val"], ck.get("metrics", {})
        if start >= cfg.steps:
            raise InvalidArgumentError(f"--resume {resume}: the run is at step {start} and the config asks for "
                                       f"{cfg.steps} steps, so there is nothing to train; raise steps "
                                       "(--set steps=N) to go on")
        saved = f"{resume} (step {start})"
    if start_fresh(out, resume, on_start, resumed_at=("step", start) if resume is not None else None):
        best = math.inf  # best.pt came from beyond the resumed step and is gone: the next validation writes one
    log_path = out / "log.csv"
    _keep_log_rows(log_path, start)
    t0 = time.perf_counter()
    step = start
    note = None

    def checkpoint(last: bool, improved: bool) -> None:
        nonlocal saved
        ck = {"task": "router", "config": cfg.to_dict(), "model_config": {"hidden": cfg.hidden},
              "model": model.state_dict(), "optimizer": opt.state_dict(), "rng": torch.get_rng_state(),
              "step": step, "best_val": best, "metrics": metrics, "device": str(dev)}
        if last:
            save_atomic(ck, out / "last.pt")
            saved = f"{out / 'last.pt'} (step {step})"
        if improved:
            save_atomic(ck, out / "best.pt")

    with CtrlC() as ctrl_c:
        for step in range(start + 1, cfg.steps + 1):
            where = f"step {step} of {cfg.steps}"
            t_step = time.perf_counter()
            rg, _ = sample_graph(cfg, cfg.seed * 1_000_003 + step)
            rng = np.random.default_rng(cfg.seed * 7_919 + step)
            targets = torch.from_numpy(rng.choice(rg.n, min(cfg.batch_targets, rg.n), replace=False))
            exact = torch.from_numpy(exact_costs_to(*_csr(rg), targets.numpy())).to(dev)
            model.train()
            loss, final = batch_loss(model, rg.to(dev), exact, targets.to(dev), cfg)
            value = checked_step(loss, opt, model, where, cfg.lr, saved)
            metrics = {"step": step, "loss": value, "final_rel_err": float(final.detach()), "nodes": rg.n,
                       "s_per_step": time.perf_counter() - t_step, "elapsed_s": time.perf_counter() - t0}
            stop = time_limit is not None and time.perf_counter() - t0 > time_limit
            improved = False
            if step % cfg.val_every == 0 or step == cfg.steps or stop:
                model.eval()
                metrics.update(validate(model, cfg))
                if not math.isfinite(metrics["val_rel_err"]):
                    raise diverged(f"the validation error is {metrics['val_rel_err']}", where, cfg.lr, saved)
                improved = metrics["val_rel_err"] < best  # best.pt at every validation that improves,
                best = min(best, metrics["val_rel_err"])  # not only at those that fall on a checkpoint step
            _append_log(log_path, metrics)
            if on_progress:
                on_progress({"step": step, "total": cfg.steps, "loss": metrics["loss"],
                             "info": f"loss {metrics['loss']:.4f}  final rel err {metrics['final_rel_err']:.4f}"
                             + (f"  val {metrics['val_rel_err']:.4f}" if "val_rel_err" in metrics else "")})
            last = step % cfg.checkpoint_every == 0 or step == cfg.steps or stop or ctrl_c.requested
            if last or improved:
                checkpoint(last, improved)
            if stop:
                if step < cfg.steps:
                    note = time_limit_note(where, out / "last.pt")
                break
            if ctrl_c.requested and step < cfg.steps:
                raise TrainingInterrupted(out / "last.pt", where)
    return RouterRunResult(step=step, elapsed_s=time.perf_counter() - t0, metrics=metrics, out_dir=out, note=note)


def _keep_log_rows(path: Path, step: int) -> None:
    """``log.csv`` at the start of a run: the rows up to ``step`` (the resumed checkpoint's; a fresh run,
    step 0, keeps none). Rows an earlier call wrote after its last checkpoint go, so that a resumed run
    does not log those steps twice."""
    rows = []
    if step and path.exists():
        with open(path, newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("step", "").isdigit() and int(r["step"]) <= step]
    path.unlink(missing_ok=True)
    if rows:
        with open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=LOG_FIELDS, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)


def _append_log(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LOG_FIELDS, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)


def checkpoint_kind(ck: dict) -> str:
    """What a loaded checkpoint is, in words ("a VRP (POMO/MatNet) checkpoint, problem tsp"), for refusals."""
    task = ck.get("task")
    problem = (ck.get("model_config") or {}).get("problem") if isinstance(ck.get("model_config"), dict) else None
    if task == "router":
        return "a router (--task router) checkpoint"
    if task == "kg":
        return "a knowledge-graph (--task kg) checkpoint"
    if task in (None, "vrp") and problem is not None:
        return f"a VRP (POMO/MatNet, --task vrp) checkpoint for {problem}"
    return f"not a router checkpoint (task {task!r})"


def load_router(path: str | Path):  # noqa: ANN201
    """``(model, config)`` from a router checkpoint (``last.pt``, ``best.pt`` or a shipped file)."""
    from graphroute.neural.router.model import BFRouter
    from graphroute.neural.train import load_checkpoint

    ck = load_checkpoint(path)
    if ck.get("task") != "router":
        raise InvalidArgumentError(f"{path} is {checkpoint_kind(ck)}; route and compare --task paths need a "
                                   "--task router checkpoint (the best.pt of a graphroute train --task router run, "
                                   "or the shipped data/checkpoints/router_road.pt)")
    cfg = RouterConfig.from_dict(ck["config"], source=str(path))
    try:
        model = BFRouter(hidden=ck["model_config"]["hidden"])
        model.load_state_dict({k: v.float() for k, v in ck["model"].items()})
    except (KeyError, TypeError, AttributeError, RuntimeError, ValueError) as exc:  # edited, truncated, other version
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()] or [type(exc).__name__]
        # torch: "Error(s) in loading state_dict for BFRouter:" then the first mismatch on the next line
        why = f"no {exc}" if isinstance(exc, KeyError) else lines[min(1, len(lines) - 1)].rstrip(":.")
        raise InvalidArgumentError(f"{path} is not a readable router checkpoint: its weights do not fit its model "
                                   f"config ({why})") from None
    if not finite_weights(model):
        raise InvalidArgumentError(f"{path} is not a usable router checkpoint: it holds NaN or infinite weights")
    model.eval()
    return model, cfg


def export_checkpoint(src: str | Path, dst: str | Path, extra: dict | None = None) -> Path:
    """A shippable copy: weights, config, step and metrics; no optimizer or random state."""
    from graphroute.neural.train import load_checkpoint, save_atomic

    check_export_target(src, dst)
    ck = load_checkpoint(src)
    if ck.get("task") != "router":
        raise InvalidArgumentError(f"{src} is not a router checkpoint")
    keep = {k: ck[k] for k in ("task", "config", "model_config", "model", "step", "best_val", "metrics")}
    keep.update(extra or {})
    dst = Path(dst)
    save_atomic(keep, dst)
    return dst


def run_from_yaml(config: str | Path, *, out: str | Path, device: str = "auto", resume: str | Path | None = None,
                  on_progress: Callable[[dict], None] | None = None, time_limit: float | None = None,
                  overrides: dict | None = None, on_start: Callable[[], None] | None = None) -> RouterRunResult:
    """Entry point of ``graphroute train --task router``."""
    cfg = RouterConfig.from_yaml(config)
    if overrides:
        cfg = RouterConfig.from_dict({**cfg.to_dict(), **overrides}, source="--set")
    return train_router(cfg, out, resume=resume, device=device, on_progress=on_progress, time_limit=time_limit,
                        on_start=on_start)
