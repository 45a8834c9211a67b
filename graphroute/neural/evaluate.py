"""Evaluate a checkpoint on a seeded instance set against a reference solver.

The set is ``graphroute.problems.generate.generate(problem, size, seed=seed + i)`` for
``i < num`` (the same instances ``graphroute generate`` writes). Model solutions are converted to
routes and costed by the checker; reference costs (PyVRP or OR-Tools through
:func:`graphroute.solvers.solve`) are cached so that each instance is solved once per solver and time
limit: read from the project's table ``experiments/results/reference_costs.csv`` (the references of
the published results) and from a user cache, and written only to the user cache,
``$GRAPHROUTE_REFERENCE_CACHE`` or ``$XDG_CACHE_HOME/graphroute/reference_costs.csv`` (default
``~/.cache/...``), so that running ``evaluate`` never edits a tracked file. Setting
``GRAPHROUTE_REFERENCE_CACHE=experiments/results/reference_costs.csv`` extends the project's table.
Costs are cached per time limit: the published n = 20 references used 0.5 s per instance and the
n = 50 ones 1.0 s (``data/checkpoints/README.md``); when some are not cached at the asked time but
all are at another, ``on_note`` of :func:`evaluate_checkpoint` says so before solving.

A damaged cache never feeds a reference: a row whose cost or time limit is not a finite number > 0,
or that has missing or extra cells, is left out (its key counts as not cached, and ``on_note`` says
how many rows of which file), and new rows are only appended under the cache's own header. A cache
that is a folder, cannot be read or written, or has another header (when costs must be added) is
refused with a one-line :class:`InvalidArgumentError` naming ``GRAPHROUTE_REFERENCE_CACHE``
before anything is solved: running without it would re-solve every reference on every run without
a word.

Matrix models (ATSP, ACVRP) always decode x1 (a matrix has no dihedral symmetry) and their
instances are MatNet-style matrices: the result reports ``augment`` 1 and ``distribution``
``matnet`` for them.
"""

from __future__ import annotations

import csv
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.validate import is_real

REPO = Path(__file__).resolve().parents[2]
REFERENCE_CSV = REPO / "experiments" / "results" / "reference_costs.csv"


def user_cache() -> Path:
    """Where new reference costs are written (see the module docstring)."""
    env = os.environ.get("GRAPHROUTE_REFERENCE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "graphroute" / "reference_costs.csv"
_FIELDS = ["instance", "solver", "time_limit", "cost", "runtime_s"]


def eval_instances(problem: str, size: int, num: int, seed: int, distribution: str = "uniform") -> list:
    """``num`` seeded instances (instance ``i`` from seed ``seed + i``); ``problem`` may be
    tsp, cvrp, atsp or acvrp (MatNet-style matrices)."""
    from graphroute.problems.generate import generate

    if problem not in ("tsp", "cvrp", "atsp", "acvrp"):
        raise InvalidArgumentError(f"unknown problem {problem!r}; available: tsp, cvrp, atsp, acvrp")
    if num < 1:
        raise InvalidArgumentError(f"--num must be at least 1, got {num}")
    asym = problem.startswith("a")
    base = problem[1:] if asym else problem
    return [generate(base, size, distribution=distribution, seed=seed + i, asymmetric=asym) for i in range(num)]


#: Bytes per node of a generated coordinate instance held in the set (float64 coordinates, int64
#: demands, the float32 batch built from them), and per matrix entry of a matrix instance.
INSTANCE_BYTES_PER_NODE = 48
INSTANCE_BYTES_PER_ARC = 16
#: Bytes per arc of one reference solve: PyVRP and OR-Tools take a dense ``n x n`` integer matrix,
#: built from the float distances (:func:`graphroute.baselines.ortools.integer_costs`) and copied
#: into the solver with its duration matrix.
REFERENCE_BYTES_PER_ARC = 48


def check_memory(need: int, device: str, what: str, advice: str) -> None:
    """Refuse with :class:`InvalidArgumentError` when ``need`` bytes clearly exceed the memory available
    on ``device`` (:func:`graphroute.memory.available_bytes`; no check where it is unknown). Linux
    would otherwise let the allocations through and kill the process part way (no ``MemoryError``)."""
    from graphroute.memory import available_bytes, fmt_bytes

    free = available_bytes(device)
    if free is not None and need > free:
        where = "GPU memory" if str(device).startswith("cuda") else "memory"
        raise InvalidArgumentError(f"{what}: about {fmt_bytes(need)} of {where} needed, {fmt_bytes(free)} "
                                   f"available; {advice}")


def check_eval_memory(problem: str, size: int, num: int, *, augment_k: int = 8, device: str = "cpu",
                      model_config: dict | None = None) -> None:
    """Refuse, before anything is generated, an evaluation whose instance set (on the host) or model
    decoding (on ``device``) cannot fit: ``--size 1000000`` would otherwise be killed by the system."""
    from graphroute.neural.decoding import decode_memory_bytes

    cfg = {k: v for k, v in (model_config or {}).items() if k in ("embed_dim", "num_heads", "ff_dim")}
    matrix = problem in ("atsp", "acvrp")
    nodes = size + 1 if problem in ("cvrp", "acvrp") else size
    per = INSTANCE_BYTES_PER_ARC * nodes * nodes if matrix else INSTANCE_BYTES_PER_NODE * nodes
    check_memory(num * per, "cpu", f"--num {num:,} instances of --size {size:,}", "lower --num or --size")
    starts = nodes - 1 if problem in ("cvrp", "acvrp") else nodes
    aug = "" if matrix else f" x{augment_k} augmentation,"
    need = decode_memory_bytes(problem, nodes, min(num, EVAL_CHUNK), augment_k=augment_k, device=device, **cfg)
    check_memory(need, device, f"decoding --size {size:,} ({min(num, EVAL_CHUNK):,} instances at a time,{aug} "
                               f"{starts:,} starts each)", "lower --size" + (" or --num" if matrix else
                                                                             " (or --num, or --augment 1)"))


def check_reference_memory(problem: str, size: int, solver: str, workers: int = 1) -> None:
    """Refuse reference solves whose dense distance matrices (one per worker) cannot fit in memory."""
    nodes = size + 1 if problem in ("cvrp", "acvrp") else size
    per = REFERENCE_BYTES_PER_ARC * nodes * nodes
    what = f"a {solver} reference solve of --size {size:,} (a {nodes:,} x {nodes:,} distance matrix)"
    if workers > 1:
        what = f"{workers} {solver} reference solves at once (--workers) of --size {size:,} ({nodes:,} x {nodes:,} " \
               "distance matrices)"
    check_memory(workers * per, "cpu", what, "lower --size" + (" or --workers" if workers > 1 else "")
                 + ", or pass --reference none")


@dataclass
class _CacheFile:
    """One cache file as read: its usable costs, its header (None: missing or empty) and how many of its
    rows were left out."""

    costs: dict[tuple[str, str, str], float]
    fields: list[str] | None = None
    bad_rows: int = 0

    @property
    def header_ok(self) -> bool:
        return self.fields is None or sorted(self.fields) == sorted(_FIELDS)


def _cache_label(p: Path) -> str:
    """How a message names the cache file ``p``: with the variable that chose it."""
    if p == REFERENCE_CSV:
        return f"the project's reference table {p}"
    if p == user_cache():
        if os.environ.get("GRAPHROUTE_REFERENCE_CACHE"):
            return f"the reference cache {p} (GRAPHROUTE_REFERENCE_CACHE)"
        return f"the reference cache {p} (the default; GRAPHROUTE_REFERENCE_CACHE sets another)"
    return f"the reference cache {p}"


def _positive(text: str | None) -> float | None:
    """``text`` as a finite number > 0, else None."""
    try:
        v = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _load(p: Path) -> _CacheFile:
    """Read one cache file, leaving out what cannot be a reference: a row whose cost or time limit is
    not a finite number > 0 (``abc``, ``nan``, ``-5``, ``0``: a gap divides by it), with an empty name
    or solver, with missing or extra cells, or that the csv module cannot read; every row of a file
    whose header is not the cache's columns. A missing file is empty. A folder, or a file that cannot
    be read, is an :class:`InvalidArgumentError` naming the file and ``GRAPHROUTE_REFERENCE_CACHE``."""
    try:
        if p.exists() and not p.is_file():
            what = "a folder" if p.is_dir() else "not a regular file"
            raise InvalidArgumentError(f"{_cache_label(p)} is {what}; the cache is a CSV file (set "
                                       "GRAPHROUTE_REFERENCE_CACHE to a file name)")
        fh = p.open(newline="", encoding="utf-8-sig", errors="replace")
    except FileNotFoundError:
        return _CacheFile({})
    except OSError as exc:
        raise InvalidArgumentError(f"{_cache_label(p)} cannot be read ({exc.strerror or exc}); set "
                                   "GRAPHROUTE_REFERENCE_CACHE to a file that can") from None
    with fh:
        rows = [r for r in _csv_rows(fh) if r != []]  # blank lines are no rows
    if not rows:
        return _CacheFile({})
    header, rows = rows[0] or [], rows[1:]
    out = _CacheFile({}, header)
    if not out.header_ok:
        out.bad_rows = len(rows)
        return out
    col = [header.index(name) for name in ("instance", "solver", "time_limit", "cost")]
    for r in rows:
        if r is None or len(r) != len(header):
            out.bad_rows += 1
            continue
        name, solver, t, cost = (r[c] for c in col)
        value = _positive(cost)
        if not name or not solver or _positive(t) is None or value is None:
            out.bad_rows += 1
            continue
        out.costs[(name, solver, t)] = value
    return out


def _csv_rows(fh) -> list[list[str] | None]:  # noqa: ANN001
    """The csv rows of ``fh``, None for a row the csv module refuses (a NUL byte, a field too long)."""
    reader, out = csv.reader(fh), []
    while True:
        try:
            out.append(next(reader))
        except StopIteration:
            return out
        except csv.Error:
            out.append(None)


def _describe(p: Path, f: _CacheFile) -> str | None:
    """What of ``f`` (read from ``p``) was left out, for a note; None when nothing was."""
    if not f.header_ok:
        return (f"{_cache_label(p)} is not used: its header is {_short(','.join(f.fields or []))!r}, not "
                f"{','.join(_FIELDS)!r}")
    if f.bad_rows:
        rows = "1 row" if f.bad_rows == 1 else f"{f.bad_rows} rows"
        return (f"{rows} of {_cache_label(p)} {'is' if f.bad_rows == 1 else 'are'} not used: a cost or time limit "
                "that is not a finite number > 0, or a missing, extra or unreadable cell; a key only such a row "
                "holds counts as not cached")
    return None


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "..."


def _read_cache(path: Path | None = None, issues: list[str] | None = None) -> dict[tuple[str, str, str], float]:
    """Cached costs of ``path``, or (``None``) of the user cache and the project's table together; a
    key in both takes the project's cost (the reference of the published results: a user cache can
    hold an older or another machine's cost for a key the project's table gained later). Rows that
    cannot be a reference are left out (:func:`_load`); ``issues`` gets one line per file that had some."""
    out: dict[tuple[str, str, str], float] = {}
    for p in [path] if path is not None else [user_cache(), REFERENCE_CSV]:
        f = _load(p)
        out.update(f.costs)
        said = _describe(p, f)
        if said and issues is not None:
            issues.append(said)
    return out


def reference_cache_note(issues: list[str]) -> str:
    """The one-line note of what :func:`_read_cache` left out (its ``issues``)."""
    return "; ".join(issues) + " (such costs are solved again where this set needs them)"


def check_cache_writable(path: Path | None = None) -> None:
    """Refuse, before anything is solved, a cache that new costs cannot be added to: its header is not
    the cache's (it may be another file, or damaged past its rows: appending would mix two tables, and
    rewriting it could destroy a user's file), or it or its folder cannot be written."""
    p = path if path is not None else user_cache()
    f = _load(p)
    if not f.header_ok:
        raise InvalidArgumentError(f"{_cache_label(p)} has the header {_short(','.join(f.fields or []))!r}, not "
                                   f"{','.join(_FIELDS)!r}, so new reference costs cannot be added to it; remove it "
                                   "(it only caches costs) or set GRAPHROUTE_REFERENCE_CACHE to another file")
    folder = p.parent
    while not folder.exists() and folder.parent != folder:  # _append creates the missing folders
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        why = f"{folder} is not a folder" if not folder.is_dir() else "permission denied"
        raise InvalidArgumentError(f"{_cache_label(p)} cannot be written ({why}); new reference costs are kept "
                                   "there: fix it or set GRAPHROUTE_REFERENCE_CACHE to another file")


def cached_reference(insts: list, solver: str = "pyvrp", time_limit: float | None = None,
                     path: Path | None = None) -> list[float] | None:
    """Cached reference costs for every instance, or None when any is missing. With
    ``time_limit=None`` any cached time limit is accepted (the longest wins)."""
    cache = _read_cache(path)
    out = []
    for inst in insts:
        hits = {float(t): c for (name, s, t), c in cache.items() if name == inst.name and s == solver}
        if time_limit is not None:
            hits = {t: c for t, c in hits.items() if abs(t - time_limit) < 1e-9}
        if not hits:
            return None
        out.append(hits[max(hits)])
    return out


def cached_reference_times(insts: list, solver: str = "pyvrp", path: Path | None = None) -> list[float]:
    """The time limits (ascending) at which a ``solver`` cost of every instance is cached."""
    cache = _read_cache(path)
    names = {inst.name for inst in insts}
    per_time: dict[float, set[str]] = {}
    for (name, s, t), _ in cache.items():
        if s == solver and name in names:
            per_time.setdefault(float(t), set()).add(name)
    return sorted(t for t, got in per_time.items() if got == names)


def reference_time_note(insts: list, solver: str, time_limit: float, path: Path | None = None) -> str | None:
    """A one-line note when some ``solver`` costs of ``insts`` are not cached at ``time_limit`` but
    all are at another time limit (so that a user can reuse them instead of solving); else None."""
    times = cached_reference_times(insts, solver, path)
    if not times or any(abs(t - time_limit) < 1e-9 for t in times):
        return None
    cache = _read_cache(path)
    key_t = f"{time_limit:g}"
    todo = sum(1 for inst in insts if (inst.name, solver, key_t) not in cache)
    other = ", ".join(f"{t:g}" for t in times)
    return (f"{todo} of the {len(insts)} {solver} reference costs are not cached at --reference-time {time_limit:g}, "
            f"but all are at {other} s (--reference-time {times[-1]:g} reuses them); solving {todo} at "
            f"{time_limit:g} s each")


def _solve_one(args: tuple) -> tuple[str, float, float, bool]:
    from graphroute.solvers import solve

    inst, solver, time_limit = args
    res = solve(inst, solver, time_limit=time_limit, seed=0)
    return inst.name, res.cost, res.runtime_s, res.feasible


def reference_costs(insts: list, solver: str = "pyvrp", time_limit: float = 1.0, *,
                    path: Path | None = None, workers: int = 1, on_done=None) -> list[float]:  # noqa: ANN001
    """Reference costs (checker's cost of the solver's routes), computing and appending to the cache
    (``path``, by default the user cache) only the missing ones, on ``workers`` processes.
    ``on_done(name)`` is called after each solve."""
    cache = _read_cache(path)
    out_path = path if path is not None else user_cache()
    key_t = f"{time_limit:g}"
    todo = [(inst, solver, time_limit) for inst in insts if (inst.name, solver, key_t) not in cache]
    if todo:
        check_cache_writable(out_path)
    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers)
        results = pool.map(_solve_one, todo)
    else:
        pool, results = None, map(_solve_one, todo)
    try:
        for name, cost, runtime, feasible in results:
            if not feasible:
                raise InvalidArgumentError(f"reference {solver} gave an infeasible solution on {name}")
            cache[(name, solver, key_t)] = _append(out_path, {"instance": name, "solver": solver, "time_limit": key_t,
                                                              "cost": repr(cost), "runtime_s": f"{runtime:.3f}"})
            if on_done is not None:
                on_done(name)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [cache[(inst.name, solver, key_t)] for inst in insts]


def _append(path: Path, row: dict) -> float:
    """Add ``row`` to the cache file unless its key (instance, solver, time limit) is there already,
    and return the cost the file keeps for that key. Runs that share a cache (two evaluations at
    once, or one writing to the project's table) checked for missing keys when they started; the
    check is repeated here under a lock, so a key is written once and every run uses that cost
    (the published table once held a key twice, with costs 3.9% apart)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = (row["instance"], row["solver"], row["time_limit"])
    with _locked(path):
        known = _load(path)
        if not known.header_ok:  # never append under another table's header
            check_cache_writable(path)
        if key in known.costs:
            return known.costs[key]
        cut = path.exists() and not _ends_line(path)
        with path.open("a", newline="") as fh:  # one short line per write
            if cut:  # a last line cut short (a run killed mid-write) would swallow this row
                fh.write("\r\n")
            w = csv.DictWriter(fh, fieldnames=known.fields or _FIELDS)  # the file's own column order
            if known.fields is None:  # a new or empty file
                w.writeheader()
            w.writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
    return float(row["cost"])


def _ends_line(path: Path) -> bool:
    """Whether ``path`` is empty or ends with a line break."""
    with path.open("rb") as fh:
        if fh.seek(0, os.SEEK_END) == 0:
            return True
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) in (b"\n", b"\r")


class _locked:
    """An exclusive advisory lock on ``PATH.lock`` (``fcntl``; where it is missing, no lock)."""

    def __init__(self, path: Path):
        self.lock_path = path.with_name(path.name + ".lock")

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX
            self.fh = None
            return
        self.fh = open(self.lock_path, "w")  # noqa: SIM115
        fcntl.flock(self.fh, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()  # closing releases the lock


@dataclass
class EvalResult:
    checkpoint: str
    problem: str
    size: int
    num: int
    seed: int
    augment: int
    mean_cost: float | None  # None when no model solution is feasible
    time_s: float
    reference: str | None = None
    reference_mean_cost: float | None = None
    mean_gap_pct: float | None = None
    reference_time_s: float | None = None
    infeasible: int = 0
    #: ``uniform``, ``clustered`` or ``mixed`` locations, ``matnet`` for matrix problems
    distribution: str = "uniform"
    #: the ``augment_k`` asked for (``augment`` is the one used: 1 for matrix models)
    augment_requested: int | None = None
    #: the reference's mean over all ``num`` instances; ``reference_mean_cost`` (like ``mean_cost``
    #: and ``mean_gap_pct``) is over the ``num - infeasible`` instances the model solved feasibly,
    #: so that the two means compare
    reference_mean_cost_all: float | None = None


#: Instances per :func:`~graphroute.neural.decoding.best_solutions` call of :func:`model_costs`.
EVAL_CHUNK = 250


def model_costs(model, insts: list, *, augment_k: int = 8, device: str = "cpu",  # noqa: ANN001
                chunk: int = EVAL_CHUNK) -> tuple[list[float], list[list[list[int]]]]:
    """Checker costs and routes of the model's best solution (all starts x ``augment_k``) per instance."""
    from graphroute.check import check
    from graphroute.neural.decoding import best_solutions
    from graphroute.neural.envs import actions_to_routes, from_instances
    import torch

    from graphroute.problems.instance import Solution

    costs, routes = [], []
    for s in range(0, len(insts), chunk):
        part = insts[s:s + chunk]
        data = from_instances(part).to(device)
        _, seqs = best_solutions(model, data, augment_k=augment_k)
        # one copy to the host per chunk, not one per instance (a sync each on CUDA); CVRP sequences
        # of different lengths are padded with depot visits, which split no route
        host = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True).cpu().tolist()
        for inst, seq in zip(part, host):
            r = actions_to_routes(seq, inst.problem == "cvrp")
            res = check(inst, Solution(r))
            costs.append(res.cost if res.feasible else float("inf"))
            routes.append(r)
    return costs, routes


def evaluate_checkpoint(checkpoint: str | Path, *, problem: str | None = None, size: int | None = None,
                        num: int = 1000, seed: int = 2026, augment_k: int = 8, reference: str | None = "pyvrp",
                        reference_time: float = 1.0, distribution: str = "uniform", device: str = "cpu",
                        workers: int = 1, on_reference=None, on_note=None) -> EvalResult:  # noqa: ANN001
    """Mean checker cost of a checkpoint (x ``augment_k``, all starts) on the seeded set, and its
    mean per-instance gap to ``reference`` (cached).

    Matrix models decode x1 whatever ``augment_k`` (reported as ``augment``; the asked value is
    ``augment_requested``). ``on_reference(name)`` is called after each reference solve;
    ``on_note(text)`` with a one-line note before anything is solved: once when the caches hold rows
    that cannot be a reference (:func:`reference_cache_note`), and when some reference costs are not
    cached at ``reference_time`` but all are at another time limit (:func:`reference_time_note`).
    """
    from graphroute.neural.train import load_checkpoint, model_from_checkpoint, require_vrp_checkpoint, resolve_device

    for what, v in (("size", size), ("num", num), ("seed", seed), ("workers", workers)):
        if (v is not None or what != "size") and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise InvalidArgumentError(f"{what} must be an integer, got {type(v).__name__} {v!r:.40}")
    if size is not None and size < 1:
        raise InvalidArgumentError(f"--size must be at least 1, got {size}")
    if seed < 0:
        raise InvalidArgumentError(f"seed must be >= 0, got {seed}")
    if workers < 1:
        raise InvalidArgumentError(f"workers must be at least 1, got {workers}")
    if not is_real(reference_time) or not (math.isfinite(reference_time) and reference_time > 0):
        raise InvalidArgumentError(f"reference_time must be a number of seconds > 0, got {reference_time!r}")
    if not isinstance(device, str):
        raise InvalidArgumentError(f"device must be a string (auto, cpu, cuda or cuda:N), got {device!r}")
    device = str(resolve_device(device))  # 'tpu' was a raw torch RuntimeError at the first tensor
    ck = load_checkpoint(checkpoint)
    require_vrp_checkpoint(ck, checkpoint)
    problem = problem or ck["model_config"]["problem"]
    size = size or ck["config"]["size"]
    from graphroute.neural.envs import PROBLEMS, a_problem

    if problem not in PROBLEMS:  # it was "is a tsp model, not foo"
        raise InvalidArgumentError(f"unknown problem {problem!r}; available: {', '.join(PROBLEMS)}")
    if problem != ck["model_config"]["problem"]:
        trained = ck["model_config"]["problem"]
        raise InvalidArgumentError(f"checkpoint {Path(checkpoint).name} is {a_problem(trained)} "
                                   f"model, not {problem}")
    if num >= 1:  # else eval_instances says
        from graphroute.problems.generate import check_generate_size

        check_generate_size(size, asymmetric=problem in ("atsp", "acvrp"))
        check_eval_memory(problem, size, num, augment_k=augment_k, device=device, model_config=ck["model_config"])
    model = model_from_checkpoint(ck, device, source=checkpoint)
    insts = eval_instances(problem, size, num, seed, distribution)
    if reference:
        key_t = f"{reference_time:g}"
        issues: list[str] = []
        cache = _read_cache(issues=issues)
        todo = sum(1 for inst in insts if (inst.name, reference, key_t) not in cache)
        if todo:
            check_cache_writable()
            check_reference_memory(problem, size, reference, min(workers, todo))
        if issues and on_note is not None:
            on_note(reference_cache_note(issues))
    if reference and on_note is not None:
        note = reference_time_note(insts, reference, reference_time)
        if note:
            on_note(note)
    t0 = time.perf_counter()
    costs, _ = model_costs(model, insts, augment_k=augment_k, device=device)
    elapsed = time.perf_counter() - t0
    bad = sum(1 for c in costs if c == float("inf"))
    matrix = problem in ("atsp", "acvrp")
    res = EvalResult(str(checkpoint), problem, size, num, seed, 1 if matrix else augment_k,
                     # no feasible solution, no mean cost (0.0 read as a perfect one)
                     sum(c for c in costs if c != float("inf")) / (num - bad) if num > bad else None, elapsed,
                     infeasible=bad,
                     distribution="matnet" if matrix else distribution, augment_requested=augment_k)
    if reference:
        t1 = time.perf_counter()
        ref = reference_costs(insts, reference, reference_time, workers=workers, on_done=on_reference)
        res.reference, res.reference_time_s = f"{reference} {reference_time:g}s", time.perf_counter() - t1
        same = [r for c, r in zip(costs, ref) if c != float("inf")]
        res.reference_mean_cost = sum(same) / len(same) if same else None
        res.reference_mean_cost_all = sum(ref) / len(ref)
        gaps = [100.0 * (c / r - 1.0) for c, r in zip(costs, ref) if c != float("inf")]
        res.mean_gap_pct = sum(gaps) / len(gaps) if gaps else None
    return res
