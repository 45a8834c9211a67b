"""Decoding: greedy, sampling, multi-start greedy (POMO) and x8 dihedral augmentation, batched.

:func:`rollout` builds ``P`` solutions per instance with one strategy and returns their actions,
costs and (optionally) summed log-probabilities for REINFORCE. :func:`best_solutions` is the
inference entry point: it augments, rolls out all starts greedily and keeps the best per instance.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from graphroute.exceptions import InvalidArgumentError, SolverError
from graphroute.neural.envs import RoutingEnv, VRPData, tour_cost
from graphroute.neural.models import TABLE_MAX_ELEMENTS, AttentionModel

STRATEGIES = ("greedy", "sample")
#: instances per chunk when decoding without gradients on the CPU (see :func:`rollout`)
INFER_CHUNK = 64
#: CVRP on CUDA: steps between two reads of "every construction done" (each read is a host sync)
CUDA_DONE_EVERY = 8


@dataclass
class Rollout:
    actions: torch.Tensor  # [B, P, T]
    cost: torch.Tensor  # [B, P]
    logp: torch.Tensor | None  # [B, P] summed log-probabilities, when asked for


def rollout(
    model: AttentionModel,
    data: VRPData,
    *,
    num_starts: int | None = None,
    strategy: str = "greedy",
    generator: torch.Generator | None = None,
    with_logp: bool = False,
    chunk: int | None = INFER_CHUNK,
    start_offset: int = 0,
    done_every: int | None = None,
) -> Rollout:
    """Construct ``num_starts`` solutions per instance (default: every node / customer, POMO).

    ``num_starts == 1`` is plain single-start decoding from node 0 (TSP) or from the customer the
    model prefers first (CVRP is forced to start at customer 1 only when ``num_starts > 1``).
    ``start_offset`` skips the first starts: the solutions start at nodes ``o..o+P-1`` (TSP) or
    customers ``o+1..o+P`` (CVRP), so passes with disjoint offsets split one multi-start pass.
    Cost O(T * B * P * N * d) for ``T`` steps.

    Without gradients (inference), instances go through in chunks of ``chunk`` (None: all at once):
    the encoder's activations of a chunk stay in the CPU caches, which made 1,024 TSP20 instances
    about 1.4x faster than one batch on a 2-core EPYC (chunks of 128; 64 were a further 1.1x
    faster, 256 slower; ``experiments/results/train_speed.md``).
    Results are the same as one batch for greedy decoding; sampling draws from the same generator
    chunk after chunk. Training (gradients on) always runs the batch as one, and so does CUDA (the
    chunks only served the CPU caches; on a GPU they made the decoding launch-bound).

    ``done_every`` (CVRP): steps between two checks that every construction is done; each check is a
    host sync on CUDA. Default: :data:`CUDA_DONE_EVERY` on CUDA, 1 elsewhere. Steps past the end only
    add depot visits of cost 0 and log-probability 0 (see :attr:`RoutingEnv.finished`) and are cut
    off the returned actions, so actions, costs and log-probabilities do not depend on it; sampling
    draws one unused number per extra step from ``generator``.
    """
    if strategy not in STRATEGIES:
        raise InvalidArgumentError(f"unknown decoding strategy {strategy!r}; available: {', '.join(STRATEGIES)}")
    if chunk is not None and data.device.type != "cuda" and not torch.is_grad_enabled() and data.batch_size > chunk:
        parts = [rollout(model, data[i : i + chunk], num_starts=num_starts, strategy=strategy,
                         generator=generator, with_logp=with_logp, chunk=None, start_offset=start_offset,
                         done_every=done_every)
                 for i in range(0, data.batch_size, chunk)]
        # CVRP constructions of different chunks may take different numbers of steps: pad with depot
        # visits, as the environment itself pads finished constructions (cost 0, no route)
        T = max(p.actions.shape[2] for p in parts)
        actions = [torch.nn.functional.pad(p.actions, (0, T - p.actions.shape[2])) for p in parts]
        return Rollout(torch.cat(actions), torch.cat([p.cost for p in parts]),
                       None if not with_logp else torch.cat([p.logp for p in parts]))
    n_cust = data.num_nodes - 1 if data.is_cvrp else data.num_nodes
    if not 0 <= start_offset < n_cust:
        raise InvalidArgumentError(f"start_offset must be in [0, {n_cust}), got {start_offset}")
    P = n_cust - start_offset if num_starts is None else min(num_starts, n_cust - start_offset)
    h = model.encode(data)
    cache = model.precompute(h, data)
    env = RoutingEnv(data, P)
    logp = torch.zeros(data.batch_size, P, device=data.device) if with_logp else None
    if P == 1 and data.is_cvrp and start_offset == 0:
        env.reset(torch.zeros(data.batch_size, 1, dtype=torch.long, device=data.device))
        env.actions.clear()  # the depot start is implicit in the cost
    else:
        env.reset(env.default_starts() + start_offset if start_offset else None)
    if done_every is None:
        done_every = CUDA_DONE_EVERY if data.device.type == "cuda" else 1
    if done_every < 1:
        raise InvalidArgumentError(f"done_every must be a positive integer, got {done_every}")
    lazy = data.is_cvrp and done_every > 1
    start_len = len(env.actions)
    # every customer once, a depot return between two at most, and the steps a lazy check lets pass after the
    # end: a rollout longer than that is not routing (NaN scores chose the depot forever, and the loop never ended)
    most_steps = start_len + 2 * env.N + done_every + 2
    finished: list[torch.Tensor] = []  # lazy: finished[i] says whether the env was done after start_len + i actions
    while True:
        if len(env.actions) > most_steps:
            raise SolverError(f"decoding did not finish within {most_steps} steps for {env.N} nodes: the model's "
                              "scores are not usable (NaN or infinite?)")
        if lazy:
            finished.append(env.finished)
            if (len(finished) - 1) % done_every == 0 and bool(finished[-1]):
                break
        elif env.done:
            break
        if not data.is_cvrp and len(env.actions) == env.N - 1:  # one city left: forced, log-prob 0
            env.step(env.mask.to(torch.uint8).argmax(-1))
            continue
        logits = model.decode_step(cache, env)
        logps = logits.log_softmax(-1) if (logp is not None or strategy == "sample") else None
        if strategy == "greedy":
            action = logits.argmax(-1)
        else:
            action = _sample(logps.exp(), generator)  # type: ignore[union-attr]
        if logp is not None:
            logp = logp + logps.gather(2, action[..., None]).squeeze(-1)  # type: ignore[union-attr]
        env.step(action)
    if not lazy:
        return Rollout(torch.stack(env.actions, dim=2), env.cost(), logp)
    # cut the depot-only steps taken after the end (one sync); the cost of the cut sequence, so that
    # not even the order of the summation changes
    actions = torch.stack(env.actions, dim=2)[..., : start_len + int(torch.stack(finished).to(torch.uint8).argmax())]
    return Rollout(actions, tour_cost(data, actions), logp)


def _sample(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One index per row of ``probs: [..., N]`` by inverse CDF (one uniform number per row, cheaper
    than ``torch.multinomial``'s N exponentials). Zero-probability entries are never chosen: the
    CDF does not rise there and ``right=True`` returns the first index whose CDF exceeds ``u``."""
    cdf = probs.cumsum(-1)
    u = torch.rand(cdf.shape[:-1] + (1,), generator=generator, device=cdf.device, dtype=cdf.dtype) * cdf[..., -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp_max(cdf.shape[-1] - 1)


def dihedral8(locs: torch.Tensor) -> torch.Tensor:
    """The 8 symmetries of the unit square applied to ``locs: [B, N, 2]`` -> ``[8 * B, N, 2]``
    (transform-major), as POMO's inference augmentation. Distances are unchanged by each."""
    x, y = locs[..., :1], locs[..., 1:]
    variants = [(x, y), (1 - x, y), (x, 1 - y), (1 - x, 1 - y), (y, x), (1 - y, x), (y, 1 - x), (1 - y, 1 - x)]
    return torch.cat([torch.cat(v, dim=-1) for v in variants], dim=0)


def augment(data: VRPData, k: int) -> VRPData:
    """``k`` in {1, 8}: dihedral copies for coordinate problems. Matrix problems have no such
    symmetry, so they get ``k`` identical copies (harmless for greedy decoding)."""
    if k == 1:
        return data
    if k != 8:
        raise InvalidArgumentError(f"augment must be 1 or 8, got {k}")
    out = data.repeat(8)
    if not data.matrix_based:
        out.locs = dihedral8(data.locs)  # type: ignore[arg-type]
    return out


#: Factor on the tensors :func:`decode_memory_bytes` counts, for the temporaries it leaves out and the
#: CPU allocator's fragmentation. Growth of the peak RSS over the count, measured on one CPU thread
#: (x8 augmentation): TSP 100 x 50 instances 1.1, TSP 300 x 4 0.76, TSP 1,000 x 2 0.70 (1.21 GB; the
#: count sums phases that do not overlap), CVRP 200 x 4 2.5, of which glibc's heap fragmentation
#: (tensors under its 32 MB mmap threshold) is most: 0.5 with ``MALLOC_MMAP_THRESHOLD_=65536``. Large
#: runs, the ones that can fail, allocate tensors far above that threshold, where the estimate is
#: about twice the peak.
MEMORY_OVERHEAD = 1.5


def decode_memory_bytes(problem: str, num_nodes: int, batch: int, *, augment_k: int = 8,
                        num_starts: int | None = None, device: str = "cpu", embed_dim: int = 128,
                        num_heads: int = 8, ff_dim: int = 512) -> int:
    """Estimated peak bytes of :func:`best_solutions` (default ``chunk``, all starts unless
    ``num_starts``) on ``batch`` instances of ``num_nodes`` nodes (the depot included), so that a run
    that cannot fit is refused before it starts rather than killed by the system on the way.

    The leading terms, times :data:`MEMORY_OVERHEAD`: with ``R`` rows decoded at once (instances x
    ``augment_k``; on a CPU at most :data:`INFER_CHUNK`), ``P`` starts and ``T`` steps (``N`` for
    tours, about ``4 N / 3`` for CVRP), the encoder's ``[R, N, d]`` activations (and for matrix
    models the ``[R, H, N, N]`` edge bias), the decoder's score tables or its per-step ``[R, P, N]``
    masks and logits, and the ``[R, P, T]`` actions of every row (kept for the whole chunk until the
    best are picked): O(R N^2) for tours with every start. Two TSPs of a million cities x8 need
    petabytes; the shipped models on their own sizes, megabytes.
    """
    cvrp = problem in ("cvrp", "acvrp")
    matrix = problem in ("atsp", "acvrp")
    k = 1 if matrix else augment_k
    N, d, H = num_nodes, embed_dim, num_heads
    n_cust = max(1, N - 1 if cvrp else N)
    P = n_cust if num_starts is None else max(1, min(num_starts, n_cust))
    T = N if not cvrp else n_cust + n_cust // 3 + 1
    rows = min(batch, 1024) * k  # best_solutions' chunk
    R = rows if str(device).startswith("cuda") else min(rows, INFER_CHUNK)
    f, i = 4, 8
    enc = R * N * (8 * d + ff_dim) * f
    if matrix:  # the edge MLP's hidden layer, the bias and its copies
        enc += R * N * N * (2 + 16 + 16 + 3 * H) * f
    elif N <= 128 and not str(device).startswith("cuda"):  # batched-matmul attention scores
        enc += 2 * R * H * N * N * f
    precompute = 8 * R * N * d * f
    if R * H * N * N <= TABLE_MAX_ELEMENTS:  # score tables, and one gathered row of them per start
        step = 5 * R * H * N * N * f + 2 * R * P * H * N * f
    else:
        step = 6 * R * P * N * f
    env = R * P * N * (1 + 2 * f)
    actions = R * P * T * (2 * i + 6 * f) + 3 * rows * P * T * i
    return int(MEMORY_OVERHEAD * (enc + precompute + step + env + actions))


@torch.no_grad()
def best_solutions(model: AttentionModel, data: VRPData, *, augment_k: int = 8,
                   num_starts: int | None = None, chunk: int = 1024,
                   start_offset: int = 0) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Multi-start greedy over every augmentation; the best per instance.

    Returns ``(cost [B], actions)`` where ``actions[b]`` is the winning action sequence of instance
    ``b`` (in the model's normalised units; recompute real costs from the routes). Processes
    ``chunk`` instances at a time. ``start_offset``: see :func:`rollout`.
    """
    if data.matrix_based:
        augment_k = 1  # no symmetry to exploit
    costs, seqs = [], []
    for s in range(0, data.batch_size, chunk):
        part = data[s:s + chunk]
        B = part.batch_size
        r = rollout(model, augment(part, augment_k), num_starts=num_starts, start_offset=start_offset)
        c = r.cost.view(augment_k, B, -1).permute(1, 0, 2).reshape(B, -1)  # [B, k * P]
        acts = r.actions.view(augment_k, B, r.actions.shape[1], -1).permute(1, 0, 2, 3)
        acts = acts.reshape(B, -1, acts.shape[-1])
        best = c.argmin(1)
        costs.append(c.gather(1, best[:, None]).squeeze(1))
        seqs.extend(acts[torch.arange(B), best])
    return torch.cat(costs), seqs
