"""``solve --solver neural``: a trained POMO model on one graphroute instance.

Without an explicit checkpoint the shipped one (``data/checkpoints`` beside the package) of the
same model family with the nearest training size is used. Coordinates are scaled into the unit
square and matrices by their largest entry (:func:`~graphroute.neural.envs.from_instances`); the
routes are returned as they are, so the cost the checker reports is in the file's own convention.

The time limit counts from the call (importing torch and loading the model included) and is kept
by sizing the decoding passes: a pilot pass with the first :data:`PILOT_STARTS` starts is timed,
further passes decode as many more starts (up to :data:`MAX_STARTS`) as the passes timed so far say
fit in what is left, and the augmentation passes run while such a pass still fits (see
:func:`solve_neural`). The pilot itself always runs, so a limit too short
for one construction of a few starts (or one spent on loading already) is exceeded by the pilot.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from graphroute.exceptions import InvalidArgumentError, SolverError, is_out_of_memory
from graphroute.problems.instance import Instance, Solution

MAX_STARTS = 100  # POMO uses every node as a start; beyond 100 nodes we keep the first 100
#: starts of the pilot pass that measures the time per start (at least 2: see :func:`solve_neural`)
PILOT_STARTS = 4
#: safety factor on a pass time predicted beyond the largest pass measured (see :class:`PassTimes`)
PREDICT_MARGIN = 1.25


def checkpoint_dir() -> Path:
    """``data/checkpoints`` of the (editable) checkout this package lives in."""
    return Path(__file__).resolve().parents[2] / "data" / "checkpoints"


def shipped_checkpoints(folder: Path | None = None) -> list[tuple[str, int, Path]]:
    """``(model problem, training size, path)`` of every VRP solver checkpoint in ``folder``
    (knowledge-graph and router checkpoints that share the folder are skipped)."""
    from graphroute.neural.train import load_checkpoint

    folder = folder or checkpoint_dir()
    out = []
    for p in sorted(folder.glob("*.pt")) if folder.is_dir() else []:
        ck = load_checkpoint(p)
        if "problem" not in ck.get("model_config", {}) or "size" not in ck.get("config", {}):
            continue
        out.append((ck["model_config"]["problem"], int(ck["config"]["size"]), p))
    return out


def pick_checkpoint(problem: str, size: int, folder: Path | None = None) -> Path:
    """The shipped checkpoint for ``problem`` (tsp, cvrp, atsp, acvrp) nearest in training size
    (ties: the larger)."""
    folder = folder or checkpoint_dir()
    cands = [(abs(s - size), -s, p) for prob, s, p in shipped_checkpoints(folder) if prob == problem]
    if not cands:
        raise InvalidArgumentError(
            f"no shipped {problem} checkpoint in {folder}; pass --checkpoint PATH (train one with graphroute train)"
        )
    return min(cands)[2]


def check_neural_options(options: dict) -> None:
    """``augment`` 1 or 8 and a ``checkpoint`` that is a file, checked before any run (a compare suite's
    ``augment: 0`` or a missing checkpoint failed every neural run of the grid)."""
    augment = options.get("augment", 8)
    if isinstance(augment, bool) or augment not in (1, 8):
        raise InvalidArgumentError(f"augment (--augment) must be 1 or 8, got {augment!r}")
    if options.get("checkpoint") is not None:
        from graphroute.neural.runs import require_checkpoint_file

        require_checkpoint_file(options["checkpoint"])


def solve_neural(inst: Instance, *, time_limit: float, seed: int = 0, checkpoint: str | Path | None = None,
                 augment: int = 8) -> Solution:
    """Multi-start greedy (up to :data:`MAX_STARTS` starts) x ``augment`` with a POMO checkpoint.

    The time limit is counted from the call (importing torch and loading the checkpoint included)
    and kept as follows:

    1. a pilot pass decodes the identity copy with the first ``min(PILOT_STARTS, starts)`` starts
       (always: it is the answer of last resort);
    2. when the time per start, estimated as the pilot's time divided by its starts (an overestimate:
       the encoder and the per-step overhead are counted in it), fits every start (up to
       ``min(customers, MAX_STARTS)``) in what is left of ``time_limit``, the identity copy is decoded
       again with all of them (the pilot's among them: its result replaces the pilot's); otherwise the
       remaining starts are decoded in further passes with new starts each (the next ones in order),
       every pass as large as the passes measured so far say fits in what is left
       (:class:`PassTimes`: a pass's time grows much less than linearly in the starts, so the second
       pass is sized conservatively and the later ones closer), until all starts are decoded or none
       fits. Starts are always the first ones (nodes ``0..P-1``, CVRP customers ``1..P``);
    3. with ``augment=8`` (coordinate models only; matrix models have no symmetry and decode x1)
       the other seven dihedral copies are decoded one at a time with the identity copy's starts in
       one pass, each only while the time :class:`PassTimes` gives such a pass fits in what is left.

    The best solution of the passes run is returned. When the limit is generous the passes are
    exactly those of an unlimited run (all starts up to :data:`MAX_STARTS`, eight copies), so the
    routes do not depend on the limit. The pilot is never cut: a limit far too short for one
    construction (or one already spent on importing torch and loading the model) is exceeded by
    the pilot's time (X-n979-k58 at a 3 s limit: 8.4 s median on one shared CPU thread, import included,
    experiments/results/neural_time_limit.md).

    ``meta`` records the checkpoint file name, ``augment`` (asked) and ``augment_used`` (passes
    run), ``model_problem``, ``model_cost`` (the model's own cost in its normalised units),
    ``starts`` (starts of the identity copy and of each augmentation pass), ``pilot_starts`` (starts
    of the pilot pass), ``identity_passes`` (the starts of each pass over the identity copy: the
    pilot's and the further ones, or all of them in one), ``max_starts`` (the starts a run without a
    limit would use) and ``decode_s``.

    ``seed`` seeds torch's CPU generator for the call only (:func:`torch.random.fork_rng`): the
    caller's global random state is the same after the call as before it.

    Raises
    ------
    InvalidArgumentError
        ``augment`` not 1 or 8, no suitable checkpoint, a checkpoint of another problem.
    SolverError
        torch ran out of memory while decoding (one line, with the instance size and starts).
    """
    t_call = _now()  # before importing torch: the limit counts from the call
    import torch

    from graphroute.neural.envs import a_problem, model_problem
    from graphroute.neural.train import load_checkpoint, model_from_checkpoint, require_vrp_checkpoint

    check_neural_options({"augment": augment, "checkpoint": checkpoint})
    problem = model_problem(inst)
    path = Path(checkpoint) if checkpoint is not None else pick_checkpoint(problem, inst.num_customers)
    ck = load_checkpoint(path)
    require_vrp_checkpoint(ck, path)
    if ck["model_config"]["problem"] != problem:
        raise InvalidArgumentError(
            f"checkpoint {path.name} is {a_problem(ck['model_config']['problem'])} model; this instance needs {a_problem(problem)} model"
        )
    # "checkpoint" is the file name (best.pt of which run?): "checkpoint_path" says which file it was
    meta = {"checkpoint": path.name, "checkpoint_path": str(path.resolve()), "augment": augment, "model_problem": problem}
    n_cust = inst.num_customers
    if n_cust <= (1 if inst.problem == "cvrp" else 3):  # one possible answer (up to direction)
        routes = [[1]] if inst.problem == "cvrp" else [list(range(inst.n))]
        if inst.n == 3 and inst.problem != "cvrp" and not inst.symmetric:  # 0-1-2-0 and 0-2-1-0 differ
            d = inst.distances
            if d[0, 2] + d[2, 1] + d[1, 0] < d[0, 1] + d[1, 2] + d[2, 0]:
                routes = [[0, 2, 1]]
        return Solution(routes, meta={**meta, "model_cost": None, "starts": 0})
    max_starts = min(n_cust, MAX_STARTS)
    _check_memory(inst, problem, max_starts, ck["model_config"])
    with torch.random.fork_rng(devices=[]):  # seeded as before, the caller's random state left as it was
        torch.default_generator.manual_seed(seed)  # the CPU's: solve_neural runs on the CPU
        return _solve(inst, model_from_checkpoint(ck, source=path), meta, max_starts, time_limit, t_call, augment)


def _solve(inst: Instance, model, meta: dict, max_starts: int, time_limit: float, t_call: float,  # noqa: ANN001
           augment: int) -> Solution:
    """The passes of :func:`solve_neural` (steps 1-3 of its docstring), under its seeded random state."""
    from graphroute.neural.decoding import augment as augment_data
    from graphroute.neural.envs import actions_to_routes, from_instances

    t0 = _now()
    pilot = min(max_starts, PILOT_STARTS)  # >= 2: a CVRP pass of one start would not start at customer 1
    data = from_instances([inst])
    copies = augment_data(data, 1 if data.matrix_based else augment)  # matrix models have no symmetry

    def decode(i: int, offset: int, num_starts: int) -> tuple[float, object, float]:
        t_pass = _now()
        try:
            cost, seqs = _best_solutions(model, copies[i:i + 1], num_starts, offset)
        except (RuntimeError, MemoryError) as exc:
            if not is_out_of_memory(exc):
                raise
            raise SolverError(f"neural: out of memory decoding {inst.name} ({inst.n} nodes, {num_starts} starts); "
                              f"try a smaller instance or a machine with more memory") from None
        return float(cost[0]), seqs[0], _now() - t_pass

    best, best_seq, pilot_s = decode(0, 0, pilot)
    times = PassTimes()
    times.add(pilot, pilot_s)
    chunks = [pilot]
    if starts_that_fit(pilot_s, pilot, time_limit - (_now() - t_call), max_starts) == max_starts > pilot:
        # everything fits: one identity pass with every start (the pilot's among them), as without a limit
        best, best_seq, took = decode(0, 0, max_starts)
        times.add(max_starts, took)
        chunks = [max_starts]
    else:  # the remaining starts in further passes, each as large as the measured times say fits
        done, spent = pilot, pilot_s
        while done < max_starts:
            k = times.starts_that_fit(time_limit - (_now() - t_call), max_starts - done)
            if k < 1:
                break
            cost, seq, took = decode(0, done, k)
            times.add(k, took)
            chunks.append(k)
            done, spent = done + k, spent + took
            if cost < best:
                best, best_seq = cost, seq
        if len(chunks) > 1:  # one pass of them all takes no longer than the passes did together
            times.add(done, spent)
    starts, used = sum(chunks), 1
    for i in range(1, copies.batch_size):
        if _now() - t_call + times.predict(starts) > time_limit:
            break
        cost, seq, took = decode(i, 0, starts)
        times.add(starts, took)
        used += 1
        if cost < best:
            best, best_seq = cost, seq
    routes = actions_to_routes(best_seq, inst.problem == "cvrp")
    meta.update({"model_cost": best, "starts": starts, "pilot_starts": pilot, "max_starts": max_starts,
                 "decode_s": _now() - t0, "augment_used": used, "identity_passes": chunks})
    return Solution(routes, meta=meta)


def _check_memory(inst: Instance, problem: str, starts: int, model_config: dict) -> None:
    """Refuse an instance whose largest decoding pass (one copy, ``starts`` starts) clearly cannot fit
    in the memory available: Linux would kill the process part way instead of raising MemoryError."""
    from graphroute.memory import available_bytes, fmt_bytes
    from graphroute.neural.decoding import decode_memory_bytes

    cfg = {k: v for k, v in model_config.items() if k in ("embed_dim", "num_heads", "ff_dim")}
    need = decode_memory_bytes(problem, inst.n, 1, augment_k=1, num_starts=starts, **cfg)
    free = available_bytes("cpu")
    if free is not None and need > free:
        raise SolverError(f"neural: decoding {inst.name} ({inst.n:,} nodes, {starts} starts) needs about "
                          f"{fmt_bytes(need)} of memory, {fmt_bytes(free)} available; try a smaller instance "
                          "or a machine with more memory")


def starts_that_fit(pilot_s: float, pilot_starts: int, left_s: float, max_starts: int) -> int:
    """Starts of the identity pass: as many as ``left_s`` holds at ``pilot_s / pilot_starts``
    seconds each, between ``pilot_starts`` and ``max_starts``."""
    per_start = pilot_s / pilot_starts
    if per_start <= 0:
        return max_starts
    fit = left_s / per_start
    return max(pilot_starts, min(max_starts, int(fit) if math.isfinite(fit) else max_starts))


class PassTimes:
    """Measured ``(starts, seconds)`` of decoding passes, and a bound on the time of a pass of ``s`` starts.

    A pass costs about ``a + b s`` with ``a, b >= 0``: the encoder and the decoder's per-step work
    (``a``; on CPU most of a pass of few starts) and the starts' share (``b s``). Measured on one CPU
    thread: X-n502-k39 0.85 / 1.18 / 5.6 s and pr1002 5.5 / 8.4 / 56 s for 2 / 4 / 100 starts. Each
    measured pass ``(s_i, t_i)`` then bounds a pass of ``s`` starts from above: by ``t_i`` when
    ``s <= s_i`` (fewer starts take no longer) and by ``t_i s / s_i`` when ``s >= s_i`` (all of ``a``
    counted per start). :meth:`predict` is the tightest of these bounds, the slowest measurement
    for a size already measured, and beyond the largest size measured :data:`PREDICT_MARGIN` times
    the bound (large passes grew faster than linearly in the starts on the machines measured).
    """

    def __init__(self) -> None:
        self.samples: list[tuple[int, float]] = []

    def add(self, starts: int, seconds: float) -> None:
        self.samples.append((int(starts), float(seconds)))

    def predict(self, starts: int) -> float:
        slowest: dict[int, float] = {}
        for s, t in self.samples:
            slowest[s] = max(t, slowest.get(s, 0.0))
        if starts in slowest:
            return slowest[starts]
        above = [t for s, t in slowest.items() if s > starts]
        below = [t * starts / s for s, t in slowest.items() if s < starts]
        return min([*above, *below]) if above else PREDICT_MARGIN * min(below)

    def starts_that_fit(self, left_s: float, cap: int) -> int:
        """The most starts (at most ``cap``, 0 if none) whose predicted pass fits in ``left_s``."""
        lo, hi = 0, max(int(cap), 0)
        while lo < hi:  # predict() does not decrease with the starts
            mid = (lo + hi + 1) // 2
            if self.predict(mid) <= left_s:
                lo = mid
            else:
                hi = mid - 1
        return lo


def _now() -> float:
    """The clock of :func:`solve_neural` (a function so that tests can replace it)."""
    return time.perf_counter()


def _best_solutions(model, data, num_starts: int, start_offset: int = 0):  # noqa: ANN001, ANN202
    from graphroute.neural.decoding import best_solutions

    return best_solutions(model, data, augment_k=1, num_starts=num_starts, start_offset=start_offset)


solve_neural.check_options = check_neural_options  # solvers.check_options calls it
