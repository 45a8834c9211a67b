"""Training and filtered evaluation of knowledge-graph link predictors (NBFNet, DistMult).

One file, a plain loop: a typed YAML config (:class:`KGConfig`), epochs over the training triples
in both directions, a checkpoint per epoch written atomically (config, weights, optimizer, epoch,
random state, metrics), ``resume`` from it (same losses on CPU with the same seed), a CSV log.

NBFNet training follows the paper: for every batch the batch's own edges (and their inverses) are
removed from the message-passing graph, so the model cannot read the answer off a direct edge;
the loss is binary cross-entropy of the true tail against every other entity that is not a known
training answer, the negatives weighted by self-adversarial sampling (softmax of their scores at
``adversarial_temperature``). DistMult is trained 1-N with cross-entropy and N3 regularisation.

Stops that keep the run: ``time_limit`` (checked between steps, with the time of the validation that
ends the run kept back), ``max_steps``, and Ctrl-C, which finishes the step in progress and writes a
resumable ``last.pt`` at it (no validation: a user who presses Ctrl-C wants the prompt back). A
diverged run (a non-finite loss, weight or valid MRR) stops with :class:`TrainingDivergedError` and
writes nothing of the diverged state: ``last.pt`` / ``best.pt`` stay the last good ones.
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
from graphroute.exceptions import TrainingDivergedError  # noqa: F401  (raised by diverged(); importable from here)
from graphroute.neural.config import floats_from_text, read_config_file
from graphroute.neural.kg.data import KGData, filtered_ranks, known_answers, ranking_metrics
from graphroute.neural.random_state import keeps_caller_state
from graphroute.neural.runs import (CtrlC, InterruptedUnsaved, TrainingInterrupted, check_export_target, checked_step, diverged,
                                    time_limit_note)
from graphroute.neural.runs import config_changes as _config_changes
from graphroute.paths.yen import MAX_K
from graphroute.problems.io import staged_file

MODELS = ("nbfnet", "distmult", "retrieval")
_ANY_MODEL = frozenset({"data", "model", "seed", "max_train_triples", "max_eval_queries", "eval_batch_size"})
#: the config keys each model reads; a key written for another model would be silently ignored, so
#: ``run_from_yaml`` refuses it (``KGConfig`` itself, built from code, keeps every default)
MODEL_KEYS = {
    "nbfnet": _ANY_MODEL | {"dim", "layers", "epochs", "batch_size", "lr", "weight_decay", "adversarial_temperature",
                            "concat_hidden", "fact_ratio", "aggregate", "remove_one_hop", "dependent"},
    "distmult": _ANY_MODEL | {"dim", "epochs", "batch_size", "lr", "weight_decay", "n3", "dropout"},
    "retrieval": _ANY_MODEL | {"paths_k", "paths_max_overlap", "rule_alpha", "paths_max_len"},
}
#: Upper bounds of the size keys of :class:`KGConfig`, far above any real run (NBFNet: dim 32, 6 layers;
#: DistMult: dim up to a few thousand), so that a typo (``dim: 99999999999``) is one line naming the key,
#: not an allocation error deep in torch. ``paths_k`` shares the K of ``graphroute paths``.
MAX_SIZES = {"dim": 65_536, "layers": 64, "epochs": 1_000_000, "batch_size": 1_000_000,
             "eval_batch_size": 1_000_000, "paths_k": MAX_K}


@dataclass
class KGConfig:
    """Typed training configuration; ``from_yaml`` rejects unknown keys and bad values by name."""

    data: str = "../shared/data/kg/UMLS"
    model: str = "nbfnet"
    dim: int = 32
    layers: int = 6
    epochs: int = 10
    batch_size: int = 64
    lr: float = 5e-3
    weight_decay: float = 0.0
    adversarial_temperature: float = 0.5
    dropout: float = 0.2
    n3: float = 1e-3
    seed: int = 0
    max_train_triples: int | None = None  # subsample large KGs (FB15k-237, WN18RR) on CPU
    max_eval_queries: int | None = None
    eval_batch_size: int = 64
    concat_hidden: bool = False  # nbfnet: score from every layer's state
    fact_ratio: float = 1.0  # nbfnet: share of training triples kept in each batch's message-passing graph
    aggregate: str = "sum"  # nbfnet: sum, or pna (mean/max/min/std with degree scalers; NBFNet's FB15k-237 choice)
    remove_one_hop: bool = False  # nbfnet training: drop every edge between a query's head and tail, not only its own
    dependent: bool = True  # nbfnet: relation vectors computed from the query relation (else free per layer)
    paths_k: int = 10  # retrieval: diverse shortest paths per entity pair
    paths_max_overlap: float = 0.5  # retrieval: most edge Jaccard overlap between kept paths
    rule_alpha: float = 1.0  # retrieval: conf(s, r) = n(s, r) / (n(s) + rule_alpha)
    paths_max_len: int | None = None  # retrieval: most hops of a retrieved path (None: no limit)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(f"config key 'model' must be one of {', '.join(MODELS)}, got {self.model!r}")
        for key in ("dim", "layers", "epochs", "batch_size", "eval_batch_size", "paths_k"):
            v = getattr(self, key)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"config key {key!r} must be a positive integer, got {v!r}")
            if v > MAX_SIZES[key]:
                raise ConfigError(f"config key {key!r} must be at most {MAX_SIZES[key]:,}, got {v!r}")
        for key in ("lr", "weight_decay", "adversarial_temperature", "dropout", "n3", "paths_max_overlap",
                    "rule_alpha", "fact_ratio"):
            v = getattr(self, key)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 or not math.isfinite(v):
                raise ConfigError(f"config key {key!r} must be a number >= 0, got {v!r}")
        for key in ("paths_max_len", "max_train_triples", "max_eval_queries"):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise ConfigError(f"config key {key!r} must be a positive integer or null, got {v!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError(f"config key 'seed' must be an integer >= 0, got {self.seed!r}")
        for key in ("concat_hidden", "remove_one_hop", "dependent"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"config key {key!r} must be true or false, got {getattr(self, key)!r}")
        if self.aggregate not in ("sum", "pna"):
            raise ConfigError(f"config key 'aggregate' must be sum or pna, got {self.aggregate!r}")
        if not 0.0 < self.fact_ratio <= 1.0:
            raise ConfigError(f"config key 'fact_ratio' must be in (0, 1], got {self.fact_ratio!r}")

    @classmethod
    def from_dict(cls, d: Any, source: str = "config") -> KGConfig:
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: expected a mapping of keys to values")
        known = [f.name for f in dataclasses.fields(cls)]
        for key in d:
            if key not in known:
                raise ConfigError(f"{source}: unknown config key {key!r}; known keys: {', '.join(known)}")
        d = floats_from_text(d, cls)
        return cls(**d)

    @classmethod
    def from_yaml(cls, path: str | Path) -> KGConfig:
        return cls.from_dict(read_config_file(path, "kg"), source=str(path))


@dataclass
class KGRunResult:
    step: int  # optimizer steps of the whole run (a resumed run counts its earlier steps too)
    elapsed_s: float
    metrics: dict
    out_dir: Path
    #: set when ``time_limit`` stopped the run (where, how to continue) or could not be kept (by how much, why)
    note: str | None = None
    #: one-line warnings on the KG's splits (repeated lines removed, triples unseen in train, ...: KGData.warnings)
    warnings: list[str] = dataclasses.field(default_factory=list)


def build_model(cfg: KGConfig, data: KGData):  # noqa: ANN201
    from graphroute.neural.kg.distmult import DistMult
    from graphroute.neural.kg.nbfnet import NBFNet
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    if cfg.model == "nbfnet":
        return NBFNet(2 * data.num_relations, dim=cfg.dim, layers=cfg.layers, concat_hidden=cfg.concat_hidden,
                      aggregate=cfg.aggregate, dependent=cfg.dependent)
    if cfg.model == "retrieval":
        return PathRetrievalScorer(data, k=cfg.paths_k, max_overlap=cfg.paths_max_overlap, alpha=cfg.rule_alpha,
                                   max_len=cfg.paths_max_len)
    return DistMult(data.num_entities, 2 * data.num_relations, dim=cfg.dim, dropout=cfg.dropout)


class Scorer:
    """Scores ``[B, n]`` of every entity for a batch of ``(entity, relation, target)`` queries, for either model.

    NBFNet propagates over the training triples and their inverses; with ``remove_own_edges`` the
    batch's own triples (and inverses) are left out of that graph first (NBFNet's "remove easy edges"),
    with ``remove_one_hop`` every edge between a query's head and tail in either direction (NBFNet's
    FB15k-237 setting: that KG's test pairs have no direct edge by construction), and ``keep_triples`` (bool ``[num_train]``) leaves out further training triples with their inverses.
    """

    def __init__(self, model, data: KGData, device: str = "cpu", remove_one_hop: bool = False):  # noqa: ANN001
        import torch

        self.model = model
        self.device = device
        self.remove_one_hop = remove_one_hop
        self.n = data.num_entities
        self.num_rel = data.num_relations
        self.src, self.dst, self.etype = (torch.as_tensor(a, device=device) for a in data.graph_edges())
        self.keys = (self.src * (2 * self.num_rel) + self.etype) * self.n + self.dst
        self._full = None

    def graph(self, queries=None, keep_triples=None):  # noqa: ANN001, ANN201
        """The message-passing graph; without the queries' own edges when ``queries`` are given,
        and only the training triples in ``keep_triples`` when that is given."""
        import torch

        from graphroute.neural.kg.nbfnet import EdgeIndex

        if queries is None:
            if self._full is None:
                self._full = EdgeIndex(self.src, self.dst, self.etype, self.n)
            return self._full
        h, r, t = queries[:, 0], queries[:, 1], queries[:, 2]
        r_inv = torch.where(r < self.num_rel, r + self.num_rel, r - self.num_rel)
        k1 = (h * (2 * self.num_rel) + r) * self.n + t
        k2 = (t * (2 * self.num_rel) + r_inv) * self.n + h
        keep = ~torch.isin(self.keys, torch.cat([k1, k2]))
        if self.remove_one_hop:
            pairs = self.src * self.n + self.dst
            keep &= ~torch.isin(pairs, torch.cat([h * self.n + t, t * self.n + h]))
        if keep_triples is not None:  # graph_edges() lists the training triples, then their inverses
            keep &= torch.cat([keep_triples, keep_triples])
        return EdgeIndex(self.src[keep], self.dst[keep], self.etype[keep], self.n)

    def __call__(self, queries, *, remove_own_edges: bool = False, keep_triples=None):  # noqa: ANN001, ANN204
        import torch

        from graphroute.neural.kg.nbfnet import NBFNet
        from graphroute.neural.kg.retrieval import PathRetrievalScorer

        if isinstance(self.model, PathRetrievalScorer):
            return torch.as_tensor(self.model(queries.cpu().numpy()))
        queries = queries.to(self.device)
        if isinstance(self.model, NBFNet):
            if remove_own_edges:
                return self.model(queries[:, 0], queries[:, 1], self.graph(queries, keep_triples))
            return self.model(queries[:, 0], queries[:, 1], self.graph())
        return self.model(queries[:, 0], queries[:, 1])


def evaluate(model, data: KGData, split: str = "test", *, batch_size: int = 64,  # noqa: ANN001
             max_queries: int | None = None, seed: int = 0, device: str = "cpu") -> dict[str, float]:
    """Filtered MRR and Hits@1/3/10 on ``split`` in both directions (see :mod:`.data`)."""
    return ranking_metrics(query_ranks(model, data, split, batch_size=batch_size, max_queries=max_queries,
                                       seed=seed, device=device))


def query_ranks(model, data: KGData, split: str = "test", *, batch_size: int = 64,  # noqa: ANN001
                max_queries: int | None = None, seed: int = 0, device: str = "cpu") -> np.ndarray:
    """Filtered rank of every query of ``split``, in :meth:`KGData.with_inverse` order (all of them
    unless ``max_queries`` draws a seeded subset)."""
    import torch

    triples = {"valid": data.valid, "test": data.test, "train": data.train}.get(split)
    if triples is None:
        raise InvalidArgumentError(f"unknown split {split!r}; use train, valid or test")
    if not len(triples):
        raise InvalidArgumentError(f"the {split} split of {data.name} has no triples to rank")
    if max_queries is not None and max_queries < 1:
        raise InvalidArgumentError(f"max_queries must be at least 1, got {max_queries}")
    queries = data.with_inverse(triples)
    if max_queries is not None and len(queries) > max_queries:
        queries = queries[np.random.default_rng(seed).choice(len(queries), max_queries, replace=False)]
    known = known_answers(data)
    scorer = Scorer(model, data, device)
    if hasattr(model, "eval"):
        model.eval()
    ranks = []
    with torch.no_grad():
        for i in range(0, len(queries), batch_size):
            q = queries[i : i + batch_size]
            scores = scorer(torch.as_tensor(q)).double().cpu().numpy()
            ranks.append(filtered_ranks(scores, q, known))
    return np.concatenate(ranks) if ranks else np.zeros(0)


def _loss(cfg: KGConfig, scorer: Scorer, model, batch, train_known, keep_triples=None):  # noqa: ANN001, ANN202
    import torch
    import torch.nn.functional as F

    logits = scorer(batch, remove_own_edges=cfg.model == "nbfnet", keep_triples=keep_triples)  # [B, n]
    target = batch[:, 2]
    if cfg.model == "distmult":
        loss = F.cross_entropy(logits, target)
        return loss + cfg.n3 * model.n3(batch[:, 0], batch[:, 1]) / len(batch)
    neg_mask = torch.ones_like(logits, dtype=torch.bool)
    for i, (h, r) in enumerate(batch[:, :2].tolist()):
        neg_mask[i, list(train_known.get((h, r), ()))] = False
    neg_mask[torch.arange(len(batch)), target] = False
    pos = logits[torch.arange(len(batch)), target]
    with torch.no_grad():
        w = torch.softmax(logits.masked_fill(~neg_mask, float("-inf")) / max(cfg.adversarial_temperature, 1e-6), -1)
    neg_loss = -(w * F.logsigmoid(-logits)).masked_fill(~neg_mask, 0.0).sum(-1)
    return (-F.logsigmoid(pos) + neg_loss).mean()


@keeps_caller_state
def train_kg(cfg: KGConfig, out: str | Path, *, resume: str | Path | None = None, device: str = "cpu",
             on_progress: Callable[[dict], None] | None = None, time_limit: float | None = None,
             max_steps: int | None = None, on_start: Callable[[], None] | None = None) -> KGRunResult:
    """Train ``cfg.model`` on ``cfg.data``; checkpoints ``last.pt`` / ``best.pt`` and ``log.csv`` in ``out``.

    ``time_limit`` (seconds of this call) and ``max_steps`` (optimizer steps of this call) stop early,
    also inside an epoch: the checkpoint then records the steps done of the epoch in progress
    (``epoch_step``), and ``resume`` carries on from the next one with the same batches and random
    draws as an uninterrupted run. The time limit includes the validation that ends the run: the
    steps stop while the last validation's measured time (before the first one, an estimate from
    one timed validation batch) and one more step still fit; the first step of a call always runs.

    Ctrl-C (SIGINT, main thread) finishes the step in progress, writes ``last.pt`` there without
    validating (the steps of the unvalidated epoch are kept in it, so the resumed run logs the same
    rows) and raises :class:`TrainingInterrupted`; a second Ctrl-C stops at once without saving.

    ``resume`` checks the checkpoint against this call: the same config but ``epochs`` (the KG path
    compared resolved), and the same KG by entity and relation names; a KG whose files list the same
    names in another order is trained in the checkpoint's ids (:meth:`KGData.reindexed`).

    ``on_start()`` is called once the config, checkpoint and KG are checked, right before training
    starts (:func:`~graphroute.neural.train.start_fresh`).

    ``log.csv`` has a row per validation: ``steps`` counts the optimizer steps of that row (a resumed
    epoch's row counts those after the resume only; the rows' sum is the run's), ``step`` is the run's
    global step at the row (the progress bar's).

    Raises :class:`TrainingDivergedError` at the first non-finite loss, weight or valid MRR, before
    that state is saved.
    """
    import torch

    from graphroute.neural.train import load_checkpoint, refuse_torchrun, save_atomic, start_fresh

    refuse_torchrun("kg")
    out = Path(out)
    # as evaluate and the resume check read it: from here, else from the project root (the shipped configs'
    # ../shared/data/kg/UMLS, run from another folder, was "no such file or folder")
    data = KGData.from_path(_recorded_path(cfg.data))
    if not len(data.valid):
        raise InvalidArgumentError(f"{cfg.data} has no valid triples: training keeps the epoch with the best valid MRR "
                                   "(add a valid.txt split)")
    ck = None
    if resume is not None:
        ck = load_checkpoint(resume)
        if ck.get("task") != "kg":
            raise InvalidArgumentError(f"{resume} is not a knowledge-graph checkpoint")
        if cfg.model == "retrieval" or ck.get("config", {}).get("model") == "retrieval":
            raise InvalidArgumentError("the retrieval scorer is fitted in one pass and has nothing to resume; "
                                       "run without --resume")
        if "optimizer" not in ck:
            raise InvalidArgumentError(f"{resume} holds weights only (an exported checkpoint) and cannot be resumed; "
                                       "resume from a run's last.pt")
        was = KGConfig.from_dict(ck["config"], source=f"{resume} (checkpoint config)")
        changed = config_changes(was, cfg)
        if changed:
            raise InvalidArgumentError(f"{resume} was trained with another config ({'; '.join(changed)}); "
                                       "only 'epochs' may change")
        data = match_kg(ck, data, Path(resume).name)
    out.mkdir(parents=True, exist_ok=True)
    stale = start_fresh(out, resume, on_start, resumed_at=("epoch", int(ck["epoch"])) if ck is not None else None)
    log_path = out / "log.csv"
    if cfg.model == "retrieval":
        log_path.unlink(missing_ok=True)
        return _fit_retrieval(cfg, data, out, on_progress, time_limit)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, data).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    start_epoch, start_step, best, history, pending = 0, 0, -1.0, [], {}
    if ck is not None:
        try:
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InvalidArgumentError(f"{resume}: the saved state does not fit the model its config describes "
                                       f"({first_line})") from None
        torch.set_rng_state(ck["rng"])
        if ck.get("cuda_rng") is not None and torch.device(device).type == "cuda" \
                and len(ck["cuda_rng"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(ck["cuda_rng"])
        start_epoch, best, history = ck["epoch"], ck["best_valid_mrr"], ck["history"]
        if stale:  # best.pt came from beyond the resumed epoch and is gone: the next validation writes one
            best = -1.0
        start_step = int(ck.get("epoch_step", 0))
        if start_epoch >= cfg.epochs and not start_step:
            raise InvalidArgumentError(f"--resume {resume}: the run has done {start_epoch} epoch(s) and the config asks "
                                       f"for {cfg.epochs}, so there is nothing to train; raise epochs "
                                       f"(--set epochs=N) to go on")
        pending = ck.get("pending") or {}  # steps of an epoch that Ctrl-C stopped before its validation
    _write_log(log_path, history)  # a fresh run starts a fresh log; a resumed one keeps the checkpoint's rows
    train = data.train
    if cfg.max_train_triples is not None and len(train) > cfg.max_train_triples:
        train = train[np.random.default_rng(cfg.seed).choice(len(train), cfg.max_train_triples, replace=False)]
    queries = torch.as_tensor(data.with_inverse(train), device=device)
    train_known: dict[tuple[int, int], set[int]] = {}
    for h, r, t in data.with_inverse(data.train).tolist():
        train_known.setdefault((h, r), set()).add(t)
    scorer = Scorer(model, data, device, remove_one_hop=cfg.remove_one_hop)
    steps_per_epoch = math.ceil(len(queries) / cfg.batch_size)
    t0 = time.perf_counter()
    # log.csv's elapsed_s and the result's count the whole run, as the VRP trainer's do: a resumed run goes on
    # from its last row (plus the seconds of an epoch stopped before its validation), not from 0
    before = (float(history[-1].get("elapsed_s") or 0.0) if history else 0.0) + float(pending.get("train_s", 0.0))
    done = 0  # optimizer steps of this call
    metrics: dict = history[-1] if history else {}
    last_mrr = float(metrics["valid_mrr"]) if metrics.get("valid_mrr") not in (None, "") else None

    def report(step: int, epoch: int, loss: float) -> None:
        """One progress report; its words end with the last valid MRR (this call's once it has validated)."""
        if on_progress is None:
            return
        info = f"epoch {epoch + 1}/{cfg.epochs}  loss {loss:.4f}"
        if last_mrr is not None:
            info += f"  valid MRR {last_mrr:.3f}" + (f" (best {best:.3f})" if best > last_mrr else "")
        on_progress({"step": step, "total": cfg.epochs * steps_per_epoch, "loss": loss, "info": info})
    at = _at(start_epoch, start_step, steps_per_epoch)  # where the run stands, in words
    saved = f"{resume} ({at})" if ck is not None else None  # the last good checkpoint, for a divergence message
    valid_s = 0.0  # seconds of the last validation: what a time limit keeps back for the one that ends the run
    if time_limit is not None:
        valid_s = history[-1].get("valid_s") if history else None
        valid_s = float(valid_s) if valid_s not in (None, "") else validation_estimate(model, data, cfg, device)
    step_s = 0.0  # mean seconds of a step in this call
    stopped_by_time = False

    def time_is_up(next_step_s: float) -> bool:
        """Whether one more step of ``next_step_s`` and a validation no longer fit in the time limit."""
        return time_limit is not None and time.perf_counter() - t0 + next_step_s + valid_s > time_limit

    def steps_are_up() -> bool:
        return max_steps is not None and done >= max_steps

    def interrupted(epoch: int, stopped_at: int, losses: list[float], train_s: float) -> TrainingInterrupted:
        """Write ``last.pt`` at the last completed step (``stopped_at`` of epoch ``epoch``), unvalidated: the
        epoch's losses and seconds so far wait in ``pending`` for the row the resumed run writes."""
        state = _checkpoint(cfg, data, model.state_dict(), optimizer=opt.state_dict(), epoch=epoch,
                            epoch_step=stopped_at, rng=torch.get_rng_state(), cuda_rng=_cuda_rng(device), best_valid_mrr=best, history=history,
                            metrics=metrics, pending={"losses": losses, "train_s": train_s})
        save_atomic(state, out / "last.pt")
        return TrainingInterrupted(out / "last.pt", _at(epoch, stopped_at, steps_per_epoch))

    with CtrlC() as ctrl_c:
        for epoch in range(start_epoch, cfg.epochs):
            if steps_are_up() or (done and time_is_up(step_s)):  # the first step of a call always runs
                stopped_by_time = not steps_are_up()
                break
            model.train()
            gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
            perm = torch.randperm(len(queries), generator=gen).to(device)
            first = start_step if epoch == start_epoch else 0
            for _ in range(first if cfg.fact_ratio < 1.0 else 0):  # the random draws of the steps done before resuming
                torch.rand(len(data.train), generator=gen)
            carried = pending if epoch == start_epoch else {}
            losses = [float(x) for x in carried.get("losses", [])]
            new = 0  # steps of this epoch in this call
            t_epoch = time.perf_counter() - float(carried.get("train_s", 0.0))
            t_steps = time.perf_counter()
            for s in range(first, steps_per_epoch):
                where = f"epoch {epoch + 1}, step {s + 1} of {steps_per_epoch}"  # the step being taken
                batch = queries[perm[s * cfg.batch_size : (s + 1) * cfg.batch_size]]
                keep = None
                if cfg.fact_ratio < 1.0:
                    keep = (torch.rand(len(data.train), generator=gen) < cfg.fact_ratio).to(device)
                loss = _loss(cfg, scorer, model, batch, train_known, keep)
                value = checked_step(loss, opt, model, where, cfg.lr, saved)
                done += 1
                new += 1
                losses.append(value)
                step_s = (time.perf_counter() - t_steps) / new
                report(epoch * steps_per_epoch + s + 1, epoch, value)
                if ctrl_c.requested or steps_are_up():
                    break
                if s + 1 < steps_per_epoch and time_is_up(step_s):
                    stopped_by_time = True
                    break
            if not losses:
                break
            train_s = time.perf_counter() - t_epoch
            finished = first + new == steps_per_epoch
            if ctrl_c.requested:
                raise interrupted(epoch, first + new, losses, train_s)
            t_val = time.perf_counter()
            ctrl_c.at_once = True
            try:
                val = evaluate(model, data, "valid", batch_size=cfg.eval_batch_size, max_queries=cfg.max_eval_queries,
                               seed=cfg.seed, device=device)
            except KeyboardInterrupt:
                ctrl_c.at_once = False
                raise interrupted(epoch, first + new, losses, train_s) from None
            ctrl_c.at_once = False
            valid_s = time.perf_counter() - t_val
            if not math.isfinite(val["mrr"]):
                raise diverged(f"the valid MRR is {val['mrr']}", f"the end of epoch {epoch + 1}", cfg.lr, saved)
            metrics = {"epoch": epoch + 1, "loss": float(np.mean(losses)), "valid_mrr": val["mrr"],
                       "valid_hits@10": val["hits@10"], "elapsed_s": before + time.perf_counter() - t0,
                       "steps": len(losses), "s_per_step": train_s / len(losses), "valid_s": valid_s,
                       "step": epoch * steps_per_epoch + first + new}  # last: log.csv's columns only grow
            history.append(metrics)
            _write_log(log_path, [metrics], append=True)
            improved = val["mrr"] > best
            best = max(best, val["mrr"])
            last_mrr = val["mrr"]
            report(metrics["step"], epoch, metrics["loss"])  # the bar shows this validation's MRR, not the one before
            state = _checkpoint(cfg, data, model.state_dict(), optimizer=opt.state_dict(),
                                epoch=epoch + 1 if finished else epoch, epoch_step=0 if finished else first + new,
                                rng=torch.get_rng_state(), cuda_rng=_cuda_rng(device), best_valid_mrr=best, history=history, metrics=metrics)
            save_atomic(state, out / "last.pt")
            at = _at(epoch + 1, 0, steps_per_epoch) if finished else _at(epoch, first + new, steps_per_epoch)
            saved = f"{out / 'last.pt'} ({at})"
            if improved:
                save_atomic(state, out / "best.pt")
            if not finished:
                break
            if ctrl_c.requested and epoch + 1 < cfg.epochs:  # pressed during the validation's bookkeeping
                raise TrainingInterrupted(out / "last.pt", f"the end of epoch {epoch + 1}")
    total = sum(int(h.get("steps", 0)) for h in history)
    elapsed = time.perf_counter() - t0
    note = None
    if stopped_by_time:
        note = time_limit_note(at, out / "last.pt", after=f" after {elapsed:.1f} s (validation included)")
    if time_limit is not None and elapsed > time_limit:
        over = (f"the run took {elapsed:.1f} s, {elapsed - time_limit:.1f} s over the time limit: every call trains "
                "at least one step and validates it, and the time kept back for the validation is an estimate")
        note = f"{note}; {over}" if note else over
    return KGRunResult(step=total, elapsed_s=before + elapsed, metrics=metrics, out_dir=out, note=note,
                       warnings=data.warnings())


def _at(epochs_done: int, epoch_step: int, steps_per_epoch: int) -> str:
    """Where a checkpoint stands, in words: "the end of epoch 3" or "epoch 4, step 5 of 27"."""
    if epoch_step == 0:
        return f"the end of epoch {epochs_done}" if epochs_done else "the start"
    return f"epoch {epochs_done + 1}, step {epoch_step} of {steps_per_epoch}"


def validation_estimate(model, data: KGData, cfg: KGConfig, device: str = "cpu") -> float:  # noqa: ANN001
    """Seconds a validation of ``model`` should take, from timing its set-up and one batch of it:
    what a time limit keeps back before the first validation of a run has been measured. One batch
    of ``eval_batch_size`` queries, after a one-query warm-up (first calls pay for allocations),
    scaled to all of them."""
    import torch

    queries = data.with_inverse(data.valid)
    n = len(queries) if cfg.max_eval_queries is None else min(len(queries), cfg.max_eval_queries)
    b = min(cfg.eval_batch_size, n)
    t = time.perf_counter()
    known = known_answers(data)
    scorer = Scorer(model, data, device)
    setup = time.perf_counter() - t
    if hasattr(model, "eval"):
        model.eval()
    with torch.no_grad():
        scorer(torch.as_tensor(queries[:1]))
        t = time.perf_counter()
        q = queries[:b]
        filtered_ranks(scorer(torch.as_tensor(q)).double().cpu().numpy(), q, known)
    return setup + (time.perf_counter() - t) * n / b


def config_changes(was: KGConfig, now: KGConfig) -> list[str]:
    """``key: old -> new`` for every config key but ``epochs`` that differs; ``data`` counts only when
    the two paths are different folders (a relative and an absolute path to one KG are the same)."""
    return _config_changes(dataclasses.asdict(was), dataclasses.asdict(now), free=("epochs",),
                           paths={"data": _recorded_path})


def match_kg(ck: dict, data: KGData, what: str) -> KGData:
    """``data`` in the ids of the KG the checkpoint ``ck`` (``what``: its file name) was trained on.

    The sizes must match; then, when the checkpoint records its vocabulary (entity and relation names
    in id order), the names are matched (:meth:`KGData.reindexed`): a KG whose files list the same
    names in another order is remapped, another KG is refused by name. Both errors name the KGs.
    """
    if (data.num_entities, data.num_relations) != (ck["num_entities"], ck["num_relations"]):
        raise InvalidArgumentError(
            f"{what} was trained on a KG with {ck['num_entities']} entities and {ck['num_relations']} relations "
            f"({ck.get('config', {}).get('data', 'path not recorded')}); {data.name} has {data.num_entities} and "
            f"{data.num_relations}")
    vocab = ck.get("vocab")
    if vocab is None:
        return data
    # ids follow the order of the files: match them by the files' entity ids where both sides know them (so
    # a KG read with --names display names is the one its plain files give), else by the names recorded
    ids = vocab.get("entity_ids")
    if ids is not None and data.entity_ids is not None:
        return data.reindexed(ids, vocab["relations"], what=what, by_ids=True)
    if (ids is None and data.entity_ids is not None and data.entity_names != vocab["entities"]
            and set(data.entity_ids) == set(vocab["entities"])):  # an older checkpoint of the plain files
        return data.reindexed(vocab["entities"], vocab["relations"], what=what, by_ids=True)
    return data.reindexed(vocab["entities"], vocab["relations"], what=what)


def _cuda_rng(device: str) -> list | None:
    """The CUDA generators' states on a CUDA run (DistMult's dropout there draws from them, not from
    the CPU generator), so that a resumed run draws what an uninterrupted one would; None on CPU."""
    import torch

    return torch.cuda.get_rng_state_all() if torch.device(device).type == "cuda" else None


def _checkpoint(cfg: KGConfig, data: KGData, state: dict, **rest: Any) -> dict:
    """What ``last.pt`` / ``best.pt`` hold: task, config, weights (or rule table), the KG's sizes and
    vocabulary (entity and relation names in id order), progress."""
    return {"task": "kg", "config": dataclasses.asdict(cfg), "model_config": {"kg_model": cfg.model},
            "model": state, "num_entities": data.num_entities, "num_relations": data.num_relations,
            "vocab": {"entities": list(data.entity_names), "relations": list(data.relation_names),
                      **({"entity_ids": list(data.entity_ids)} if data.entity_ids is not None else {})},
            "data_resolved": str(_recorded_path(cfg.data).resolve()), **rest}


def _fit_retrieval(cfg: KGConfig, data: KGData, out: Path, on_progress: Callable[[dict], None] | None,
                   time_limit: float | None = None) -> KGRunResult:
    """"Training" of the retrieval scorer: retrieve paths for the training pairs and count the rule table
    (with ``time_limit``, from the random sample of pairs counted in the time left once the validation's
    estimate (:func:`retrieval_validation_estimate`) is kept back; when the validation alone needs more
    than the limit, nothing is kept back: the limit then bounds the counting only, and a note says so)."""
    from graphroute.neural.train import save_atomic

    t0 = time.perf_counter()
    model = build_model(cfg, data)

    def progress(i: int, total: int) -> None:
        if on_progress and (i == total or i % 100 == 0):
            on_progress({"step": i, "total": total, "loss": None, "info": f"entity pairs {i}/{total}"})

    deadline = valid_est = None
    if time_limit is not None:  # keep the validation's time back, unless it alone needs the whole limit
        valid_est = retrieval_validation_estimate(model, data, cfg, budget_s=0.05 * time_limit)
        deadline = t0 + time_limit - (valid_est if valid_est < time_limit else 0.0)
    try:
        model.fit(progress, deadline=deadline, seed=cfg.seed, max_triples=cfg.max_train_triples)
    except KeyboardInterrupt:  # nothing to keep: a half-counted rule table is not this config's scorer
        raise InterruptedUnsaved("the retrieval fit is one pass and saves nothing before it ends; run the command "
                                 "again (--time-limit bounds the fit)") from None
    fit_s = time.perf_counter() - t0
    t_val = time.perf_counter()
    val = evaluate(model, data, "valid", batch_size=cfg.eval_batch_size, max_queries=cfg.max_eval_queries,
                   seed=cfg.seed)
    metrics = {"epoch": 1, "loss": None, "valid_mrr": val["mrr"], "valid_hits@10": val["hits@10"],
               "elapsed_s": fit_s, "rules": len(model.rules), "pairs_fitted": model.pairs_fitted,
               "pairs_total": model.pairs_total, "valid_s": time.perf_counter() - t_val}
    _write_log(out / "log.csv", [metrics])
    ck = _checkpoint(cfg, data, model.state(), epoch=1, best_valid_mrr=val["mrr"], history=[metrics], metrics=metrics)
    save_atomic(ck, out / "last.pt")
    save_atomic(ck, out / "best.pt")
    elapsed = time.perf_counter() - t0
    note = None
    if time_limit is not None and elapsed > time_limit:
        if valid_est < time_limit:
            why = f"{valid_est:.1f} s were kept back for it"
        else:  # starving the fit to one pair would not bring the run under the limit: the limit bounds the fit only
            why = (f"it alone needs more than the limit (about {valid_est:.1f} s), so the limit bounds the rule "
                   f"counting only: {model.pairs_fitted} of {model.pairs_total} training pairs")
        note = (f"the run took {elapsed:.1f} s, {elapsed - time_limit:.1f} s over the time limit: the validation took "
                f"{metrics['valid_s']:.1f} s ({why})")
    if model.pairs_fitted < model.pairs_total:  # the limit cut the counting: say so, as the other models' stops do
        cut = (f"the time limit stopped the rule counting at {model.pairs_fitted:,} of {model.pairs_total:,} training "
               f"entity pairs (a seeded random sample): the rule table, and so the MRR, is that sample's; without "
               f"--time-limit every pair is counted (a retrieval fit cannot be resumed)")
        note = f"{cut}; {note}" if note else cut
    return KGRunResult(step=1, elapsed_s=elapsed, metrics=metrics, out_dir=out, note=note,
                       warnings=data.warnings())


def retrieval_validation_estimate(model, data: KGData, cfg: KGConfig, budget_s: float) -> float:  # noqa: ANN001
    """Seconds the retrieval scorer's validation should take: the entity pairs it may retrieve paths for
    (each query head with every tail within ``paths_max_len`` hops, or every reachable one: a bound,
    since only tails within the longest rule get scored) times the mean time of one retrieval, timed
    on a seeded sample of those pairs for at most ``budget_s`` (at least one pair; their paths are
    cached, so the validation does not retrieve them again). Pair retrieval is the validation's cost."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    queries = data.with_inverse(data.valid)
    if cfg.max_eval_queries is not None and len(queries) > cfg.max_eval_queries:
        queries = queries[np.random.default_rng(cfg.seed).choice(len(queries), cfg.max_eval_queries, replace=False)]
    heads = np.unique(queries[:, 0])
    indptr, indices, w, _ = model._graph()
    n = data.num_entities
    adj = csr_matrix((w, indices, indptr), shape=(n, n))
    pairs = []
    for i in range(0, len(heads), 256):  # [256, n] hop counts at a time
        hops = shortest_path(adj, unweighted=True, indices=heads[i : i + 256])
        reach = np.isfinite(hops) & (hops > 0)
        if cfg.paths_max_len is not None:
            reach &= hops <= cfg.paths_max_len
        rows, tails = np.nonzero(reach)
        pairs.append(np.stack([heads[i : i + 256][rows], tails], 1))
    pairs = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    if not len(pairs):
        return 0.0
    t = time.perf_counter()
    timed = 0
    for h, tail in pairs[np.random.default_rng(cfg.seed).permutation(len(pairs))[:256]].tolist():
        model.sequences(h, tail)
        timed += 1
        if time.perf_counter() - t > budget_s:
            break
    return (time.perf_counter() - t) / timed * (len(pairs) - timed)


def _write_log(path: Path, rows: list[dict], append: bool = False) -> None:
    """``log.csv``: ``rows`` appended, or the file rewritten with them (no file for no rows). A row with
    a column the file lacks (``valid_s``, added later, on a run resumed from an older checkpoint) has
    the file rewritten with the wider header, the old rows' new cells empty."""
    if not append:
        path.unlink(missing_ok=True)
    if not rows:
        return
    fields = list(rows[0])
    if path.exists():
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            old = list(reader)
            header = list(reader.fieldnames or fields)
        if not set(fields) <= set(header):
            header += [f for f in fields if f not in header]
            with staged_file(path) as tmp, open(tmp, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=header)
                w.writeheader()
                w.writerows(old)
        fields = header
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        if new:
            w.writeheader()
        w.writerows(rows)


def load_kg_model(path: str | Path, data: KGData | str | Path | None = None):  # noqa: ANN201
    """``(model, config, data)`` from a KG checkpoint; checks that the KG matches it.

    ``data``: the KG (loaded, or a path); by default the one its config names, found from the working
    directory or, for a relative path, from the project root (where the shipped configs' paths start).
    """
    from graphroute.neural.train import load_checkpoint

    ck = load_checkpoint(path)
    if ck.get("task") != "kg":
        raise InvalidArgumentError(f"{path} is not a knowledge-graph checkpoint")
    missing = [k for k in ("config", "num_entities", "num_relations") if k not in ck]
    if missing:
        raise InvalidArgumentError(f"{path} is not a complete KG checkpoint (no {', '.join(missing)})")
    cfg = KGConfig.from_dict(ck["config"], source=f"{path} (checkpoint config)")
    if not isinstance(data, KGData):
        source = Path(data) if data is not None else _trained_on(ck, cfg, Path(path).name)
        data = KGData.from_path(source)
        data.meta["read_from"] = str(source)  # the KG actually read (evaluate --json's data_path)
    try:
        data = match_kg(ck, data, Path(path).name)
    except InvalidArgumentError as exc:  # a warning on the KG's files (a header read as a triple) may be why
        said = data.warnings()
        if not said:
            raise
        raise InvalidArgumentError(f"{exc} (the KG's files: {said[0]})") from None
    if cfg.model == "retrieval":
        from graphroute.neural.kg.retrieval import PathRetrievalScorer

        return PathRetrievalScorer.from_state(data, ck["model"]), cfg, data
    model = build_model(cfg, data)
    try:
        model.load_state_dict({k: v.float() for k, v in ck["model"].items()})
    except (RuntimeError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InvalidArgumentError(f"{path}: the weights do not fit the model its config describes ({first})") from None
    model.eval()
    return model, cfg, data


def _trained_on(ck: dict, cfg: KGConfig, what: str) -> Path:
    """The KG a checkpoint was trained on: its config's ``data`` as given (from the working directory, or
    from the project root), else the absolute path recorded at training time (``data_resolved``: a run
    trained with a relative path, evaluated from another folder); else a one-line error."""
    path = _recorded_path(cfg.data)
    if path.exists():
        return path
    resolved = ck.get("data_resolved")
    if resolved and Path(resolved).exists():
        return Path(resolved)
    also = f" (nor at {resolved}, where it was when trained)" if resolved else ""
    raise InvalidArgumentError(f"{cfg.data}, the KG {what} was trained on, is not found from here{also}; "
                               "give the KG to use (--data)")


def _recorded_path(p: str) -> Path:
    """A KG path from a checkpoint's config: as given when it exists, else from the project root."""
    from graphroute.compare.suite import REPO_ROOT  # the project root, as suites resolve their paths

    path = Path(p)
    if path.exists() or path.is_absolute():
        return path
    return REPO_ROOT / path if (REPO_ROOT / path).exists() else path


def check_model_keys(model: str, written: dict, source: str) -> None:
    """Refuse a key ``written`` (a config file's or ``--set``'s) that ``model`` does not read, naming the
    models that do: a retrieval run with ``lr``, or an nbfnet run with ``dropout``, would otherwise ignore it."""
    for key in written:
        if key in MODEL_KEYS[model] or not any(key in keys for keys in MODEL_KEYS.values()):
            continue  # unknown keys are refused by KGConfig.from_dict, by name
        users = ", ".join(m for m in MODELS if key in MODEL_KEYS[m])
        raise ConfigError(f"{source}: config key {key!r} does not apply to model {model!r} (only {users} "
                          f"read{'s' if ', ' not in users else ''} it); remove it or choose that model")


def run_from_yaml(config: str | Path, *, out: str | Path, device: str = "auto", resume: str | Path | None = None,
                  on_progress: Callable[[dict], None] | None = None, time_limit: float | None = None,
                  overrides: dict | None = None, on_start: Callable[[], None] | None = None) -> KGRunResult:
    """Entry point of ``graphroute train --task kg`` (``device``: auto, cpu or cuda); ``on_start()``: called
    right before training starts, once everything is checked."""
    from graphroute.neural.train import resolve_device

    dev = str(resolve_device(device))
    cfg = KGConfig.from_yaml(config)
    if overrides:
        cfg = KGConfig.from_dict({**dataclasses.asdict(cfg), **overrides}, source="--set")
    check_model_keys(cfg.model, read_config_file(config, "kg"), str(config))
    check_model_keys(cfg.model, overrides or {}, "--set")
    return train_kg(cfg, out, resume=resume, device=dev, on_progress=on_progress, time_limit=time_limit,
                    on_start=on_start)


def export_checkpoint(src: str | Path, dst: str | Path) -> Path:
    """A shippable copy of a KG checkpoint: weights (or rule table), config, KG sizes and vocabulary (so
    that evaluation matches a KG by its names, as the original does) and metrics; no optimizer or
    random state (so it cannot be resumed, only evaluated and explained)."""
    from graphroute.neural.train import load_checkpoint, save_atomic

    check_export_target(src, dst)
    ck = load_checkpoint(src)
    if ck.get("task") != "kg":
        raise InvalidArgumentError(f"{src} is not a knowledge-graph checkpoint")
    keep = ("task", "config", "model_config", "model", "num_entities", "num_relations", "vocab", "epoch",
            "best_valid_mrr", "history", "metrics")
    dst = Path(dst)
    save_atomic({k: ck[k] for k in keep if k in ck}, dst)
    return dst
