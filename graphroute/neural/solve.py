"""``solve --solver neural``: a trained POMO model on one graphroute instance.

Without an explicit checkpoint the shipped one (``data/checkpoints`` beside the package) of the
same model family with the nearest training size is used. Coordinates are scaled into the unit
square and matrices by their largest entry (:func:`~graphroute.neural.envs.from_instances`); the
routes are returned as they are, so the cost the checker reports is in the file's own convention.
"""

from __future__ import annotations

import time
from pathlib import Path

from graphroute.exceptions import InvalidArgumentError
from graphroute.problems.instance import Instance, Solution

MAX_STARTS = 100  # POMO uses every node as a start; beyond 100 nodes we keep the first 100


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


def solve_neural(inst: Instance, *, time_limit: float, seed: int = 0, checkpoint: str | Path | None = None,
                 augment: int = 8) -> Solution:
    """Multi-start greedy (up to :data:`MAX_STARTS` starts) x ``augment`` with a POMO checkpoint.

    The time limit is kept where it can be: with ``augment=8`` the dihedral copies are decoded one at
    a time, the identity first, and the next one only while its expected time (the slowest pass so far)
    fits in what is left of ``time_limit`` (counted from the call, model loading included); the best
    solution of the passes run is returned and ``meta["augment_used"]`` says how many ran. The first
    pass is never cut. ``meta`` also records the model's own cost in its normalised units, the
    checkpoint file name and the starts.
    """
    import torch

    from graphroute.neural.decoding import augment as augment_data
    from graphroute.neural.decoding import best_solutions
    from graphroute.neural.envs import actions_to_routes, from_instances, model_problem
    from graphroute.neural.train import load_checkpoint, model_from_checkpoint, require_vrp_checkpoint

    t_call = time.perf_counter()
    if augment not in (1, 8):
        raise InvalidArgumentError(f"--augment must be 1 or 8, got {augment}")
    problem = model_problem(inst)
    path = Path(checkpoint) if checkpoint is not None else pick_checkpoint(problem, inst.num_customers)
    ck = load_checkpoint(path)
    require_vrp_checkpoint(ck, path)
    if ck["model_config"]["problem"] != problem:
        raise InvalidArgumentError(
            f"checkpoint {path.name} is a {ck['model_config']['problem']} model; this instance needs a {problem} model"
        )
    meta = {"checkpoint": path.name, "augment": augment, "model_problem": problem}
    n_cust = inst.num_customers
    if n_cust <= (1 if inst.problem == "cvrp" else 3):  # one possible answer
        routes = [[1]] if inst.problem == "cvrp" else [list(range(inst.n))]
        return Solution(routes, meta={**meta, "model_cost": None, "starts": 0})
    torch.manual_seed(seed)
    model = model_from_checkpoint(ck)
    t0 = time.perf_counter()
    starts = min(n_cust, MAX_STARTS)
    data = from_instances([inst])
    copies = augment_data(data, 1 if data.matrix_based else augment)  # matrix models have no symmetry
    best, best_seq, used, slowest = float("inf"), None, 0, 0.0
    for i in range(copies.batch_size):
        if used and time.perf_counter() - t_call + slowest > time_limit:
            break
        t_pass = time.perf_counter()
        cost, seqs = best_solutions(model, copies[i:i + 1], augment_k=1, num_starts=starts)
        slowest = max(slowest, time.perf_counter() - t_pass)
        used += 1
        if float(cost[0]) < best:
            best, best_seq = float(cost[0]), seqs[0]
    routes = actions_to_routes(best_seq, inst.problem == "cvrp")
    meta.update({"model_cost": best, "starts": starts, "decode_s": time.perf_counter() - t0, "augment_used": used})
    return Solution(routes, meta=meta)
