"""A target-conditioned cost-to-go network aligned with Bellman-Ford.

Given a directed graph with edge weights ``w`` and a batch of targets, :class:`BFRouter` predicts
``d(v, t)``, the cost of the cheapest path from every node ``v`` to each target ``t``, in one batched
pass (``h: [n, B]``).

Structure (algorithmic alignment, Xu et al. 2020; Velickovic et al. 2020 "Neural execution of graph
algorithms"): Bellman-Ford computes ``h(v) <- min(h(v), min_{v->u} w(v, u) + h(u))``. Here

1. ``h0(v) = geo(v, t) * c_med * (alpha + beta * (L1(v, t) / L2(v, t) - 1))`` is a learned geometric
   estimate: ``geo`` the straight-line distance to the target (metres for (lon, lat) graphs), ``c_med``
   the graph's median cost per unit length (read from the edges), ``L1 / L2`` the ratio that tells a
   grid-like detour from a straight run; ``alpha, beta`` are learned (softplus). ``h0(t) = 0``. A graph
   without coordinates starts from ``+inf`` away from the target (plain Bellman-Ford).
2. Every step is a PyG ``MessagePassing`` with ``aggr="min"``: the message over edge ``v -> u`` is
   ``w(v, u) * (1 + eps * tanh(a_e + b_e * cos_et)) + h(u)`` and the new ``h(v)`` is the least message
   (the Bellman operator; ``h(t) = 0`` is kept). ``(a_e, b_e) = MLP(edge features)`` is target-free
   (computed once per graph), ``cos_et`` is the cosine between the edge's direction and the direction
   to the target, so the per-target work is elementwise. The weights are shared across steps; ``eps``
   (learned, at most 0.25) bounds how far the learned correction may bend an edge cost, and the last
   MLP layer starts at zero, so an untrained model *is* value iteration from ``h0``. Edge features: log
   of the weight and length over their medians, log of the edge's cost per length over ``c_med``.
3. A truncated pass runs ``steps`` shared steps; the operator is local and size-free (every feature
   is a ratio to a per-graph median), so a graph 100x larger than the training graphs just needs more
   steps for the same reach. A full pass runs exact Bellman-Ford to its fixed point (see
   :meth:`BFRouter.forward`): exact, and the learned parts do not enter.

Why the Bellman operator ``h(v) = min_u w(v, u) + h(u)`` and not Bellman-Ford's
``min(h(v), min_u ...)``: with the self term, a value that starts too low never rises, and every
node whose cheapest way runs past it inherits the error (on the Monaco road graph 43% of the learned
initial values were too low and 86% of the converged values ended too low; greedy routing reached
the target in 61% of queries). Without it the fixed point with ``h(t) = 0`` is unique for positive
costs, so any initial estimate converges to the exact costs (of the corrected weights); the learned
parts decide how good the estimate is after a few steps (deep supervision in training), which is what
a truncated, faster pass uses. Nodes that cannot reach the target are set to ``inf`` up front.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import MessagePassing

from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.router.route import is_step_count

EARTH_RADIUS_M = 6_371_008.8
#: ``steps="auto"``: the pass runs this many times the steps the exact wave took to reach every
#: query source (see :meth:`BFRouter.forward`)
AUTO_MARGIN = 1.5


def planar_coords(coords: np.ndarray | None, lonlat: bool) -> np.ndarray | None:
    """Coordinates in a plane, centred on the graph: (lon, lat) degrees -> local equirectangular metres;
    planar ones shifted by their mean (only differences are used, and the float32 parts of the model
    keep sub-metre resolution on UTM-like coordinates of millions of metres)."""
    if coords is None:
        return None
    xy = np.asarray(coords, dtype=np.float64)
    if not lonlat:
        return xy - xy.mean(axis=0)
    lat0 = math.radians(float(np.mean(xy[:, 1])))
    x = np.radians(xy[:, 0] - xy[:, 0].mean()) * EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(xy[:, 1] - xy[:, 1].mean()) * EARTH_RADIUS_M
    return np.stack([x, y], 1)


@dataclass
class RouterGraph:
    """Tensors of one graph prepared for :class:`BFRouter` (build with :meth:`from_arrays`).

    ``edge_index`` is ``[2, m]`` with row 0 the edge's head ``u`` and row 1 its tail ``v`` for an edge
    ``v -> u``, so that PyG's source-to-target flow sends ``h(u)`` to ``v``.
    """

    n: int
    edge_index: torch.Tensor  # [2, m] (u, v) for edge v -> u
    w: torch.Tensor  # [m] float64 edge cost of v -> u
    feats: torch.Tensor  # [m, 3] target-free edge features
    pos: torch.Tensor | None  # [n, 2] planar coordinates (float64)
    c_med: float  # median cost per unit length
    w_med: float
    strong: bool = True  # strongly connected: every node reaches every target

    @property
    def device(self) -> torch.device:
        return self.w.device

    def to(self, device) -> RouterGraph:  # noqa: ANN001
        """The same graph with its tensors on ``device`` (a CUDA pass or training step)."""
        return dataclasses.replace(self, edge_index=self.edge_index.to(device), w=self.w.to(device),
                                   feats=self.feats.to(device), pos=None if self.pos is None else self.pos.to(device))

    def reaching(self, targets: torch.Tensor) -> torch.Tensor:
        """bool ``[n, B]``: which nodes can reach each target (all, when strongly connected)."""
        if self.strong:
            return torch.ones(self.n, targets.numel(), dtype=torch.bool, device=self.device)
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import breadth_first_order

        u, v = self.edge_index.cpu().numpy()
        rev = csr_matrix((np.ones(u.size), (u, v)), shape=(self.n, self.n))  # edges u -> v of the reversed graph
        out = torch.zeros(self.n, targets.numel(), dtype=torch.bool)
        for j, t in enumerate(targets.tolist()):
            out[torch.from_numpy(breadth_first_order(rev, t, directed=True, return_predecessors=False)), j] = True
        return out.to(self.device)

    @classmethod
    def from_arrays(cls, indptr, indices, weights, lengths=None, coords=None, lonlat: bool = False) -> RouterGraph:
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64)
        w = np.array(weights, dtype=np.float64)  # a copy: the tensor below shares it (Graph arrays are read-only)
        n = indptr.size - 1
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        pos = planar_coords(coords, lonlat)
        if pos is not None:
            geo = np.hypot(*(pos[indices] - pos[src]).T)
        else:
            geo = np.zeros_like(w)
        length = geo if lengths is None else np.asarray(lengths, dtype=np.float64)
        w_med = float(np.median(w[w > 0])) if np.any(w > 0) else 1.0
        l_med = float(np.median(length[length > 0])) if np.any(length > 0) else 1.0
        ok = (geo > 0) & (w > 0)
        c_med = float(np.median(w[ok] / geo[ok])) if ok.any() else 0.0
        tiny = 1e-9
        f_w = np.log((w + tiny * w_med) / w_med)
        f_l = np.log((length + tiny * l_med) / l_med)
        ratio = np.where(ok, w / np.maximum(geo, tiny) / max(c_med, tiny), 1.0)
        f_r = np.log(np.clip(ratio, 1e-3, 1e3))
        feats = np.stack([f_w, f_l, f_r], 1)
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        m = indices.size
        ncomp = connected_components(csr_matrix((np.ones(m), (src, indices)), shape=(n, n)), directed=True,
                                     connection="strong")[0] if n else 1
        return cls(
            n=n,
            edge_index=torch.from_numpy(np.stack([indices, src])),
            w=torch.from_numpy(w),
            feats=torch.from_numpy(feats).float(),
            pos=None if pos is None else torch.from_numpy(pos),
            c_med=c_med,
            w_med=w_med,
            strong=ncomp <= 1 or m == 0,
        )

    @classmethod
    def from_graph(cls, graph, weight: str | None = None) -> RouterGraph:
        """From a :class:`graphroute.graphs.Graph` (coordinates in degrees for road / traffic graphs)."""
        w = graph.weights(weight)
        lengths = graph.edge_attrs.get("length")
        return cls.from_arrays(graph.indptr, graph.indices, w, lengths, graph.coords,
                               lonlat=graph.kind in ("road", "traffic"))


_PYG_TEMPLATES: tempfile.TemporaryDirectory | None = None


@contextlib.contextmanager
def _own_template_folder() -> Iterator[None]:
    """PyG writes the ``propagate()`` it generates for a MessagePassing class (once per class and process) to
    a ``.py`` file in the temp folder and never removes it (``torch_geometric/template.py``): one 8 KB file
    per route, compare or train run. Here it goes to a folder of this process, removed when it exits."""
    global _PYG_TEMPLATES
    if _PYG_TEMPLATES is None:
        _PYG_TEMPLATES = tempfile.TemporaryDirectory(prefix="graphroute-pyg-")
    before = tempfile.tempdir
    tempfile.tempdir = _PYG_TEMPLATES.name
    try:
        yield
    finally:
        tempfile.tempdir = before


class _MinStep(MessagePassing):
    """One Bellman step: ``h'(v) = min_{v -> u} w'(v, u) + h(u)`` (``inf`` for a node without out-edges)."""

    def __init__(self, hidden: int):
        with _own_template_folder():
            super().__init__(aggr="min", node_dim=0)
        self.mlp = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)
        self.eps_raw = nn.Parameter(torch.tensor(0.0))

    def edge_scale(self, feats: torch.Tensor, cos: torch.Tensor) -> torch.Tensor:
        """Multiplicative correction ``1 + eps tanh(a_e + b_e cos)`` per edge and target: ``[m, B]``.

        ``(a_e, b_e)`` come from the target-free edge features, once per call; the ``[m, B]`` part is
        elementwise, so a batch of targets costs about as much as a few Bellman steps.
        """
        ab = self.mlp(feats)  # [m, 2]
        eps = 0.25 * torch.sigmoid(self.eps_raw - 2.0)
        return 1.0 + eps * torch.tanh(ab[:, :1] + ab[:, 1:] * cos)

    def forward(self, h: torch.Tensor, edge_index: torch.Tensor, w_eff: torch.Tensor) -> torch.Tensor:
        return self.propagate(edge_index, h=h, w_eff=w_eff, size=(h.shape[0], h.shape[0]))

    def message(self, h_j: torch.Tensor, w_eff: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return w_eff + h_j

    def aggregate(self, inputs: torch.Tensor, index: torch.Tensor, ptr=None, dim_size=None) -> torch.Tensor:  # noqa: ANN001, D102
        # PyG's "min" fills nodes without messages with 0; a node without out-edges must stay at inf.
        out = torch.full((dim_size,) + inputs.shape[1:], math.inf, dtype=inputs.dtype, device=inputs.device)
        return out.scatter_reduce(0, index.view(-1, *([1] * (inputs.dim() - 1))).expand_as(inputs), inputs,
                                  reduce="amin", include_self=True)


class BFRouter(nn.Module):
    """Learned cost-to-go ``d(v, t)`` for every node and a batch of targets (see the module docstring).

    Parameters
    ----------
    hidden : width of the edge-correction MLP.
    """

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.hidden = hidden
        self.alpha_raw = nn.Parameter(torch.tensor(math.log(math.e - 1.0)))  # softplus -> 1
        self.beta_raw = nn.Parameter(torch.tensor(-3.0))
        self.step = _MinStep(hidden)

    def init_estimate(self, g: RouterGraph, targets: torch.Tensor) -> torch.Tensor:
        """Learned geometric estimate ``h0``: ``[n, B]`` (``inf`` without coordinates), 0 at the targets."""
        b = targets.numel()
        if g.pos is None or g.c_med <= 0:
            h0 = torch.full((g.n, b), math.inf, dtype=torch.float64, device=g.device)
        else:
            d = g.pos.unsqueeze(1) - g.pos[targets].unsqueeze(0)  # [n, B, 2]
            l2 = torch.linalg.vector_norm(d, dim=-1)
            l1 = d.abs().sum(-1)
            shape = torch.where(l2 > 0, l1 / l2.clamp_min(1e-12) - 1.0, torch.zeros_like(l2))
            a = nn.functional.softplus(self.alpha_raw).double()
            bb = nn.functional.softplus(self.beta_raw).double()
            h0 = g.c_med * l2 * (a + bb * shape)
        h0 = torch.where(g.reaching(targets), h0, math.inf)
        h0[targets, torch.arange(b, device=g.device)] = 0.0
        return h0

    def target_cos(self, g: RouterGraph, targets: torch.Tensor) -> torch.Tensor:
        """Cosine between each edge ``v -> u`` and the direction ``v -> t``: ``[m, B]`` (0 without coords)."""
        m = g.edge_index.shape[1]
        if g.pos is None:
            return torch.zeros(m, targets.numel(), device=g.device)
        u, v = g.edge_index
        pos = g.pos.float()  # relative to the graph's centre, so float32 keeps sub-metre resolution
        e = pos[u] - pos[v]
        e = e / torch.linalg.vector_norm(e, dim=-1, keepdim=True).clamp_min(1e-12)  # unit edge direction
        tx = pos[targets, 0].unsqueeze(0) - pos[v, 0].unsqueeze(1)  # [m, B]
        ty = pos[targets, 1].unsqueeze(0) - pos[v, 1].unsqueeze(1)
        num = e[:, :1] * tx + e[:, 1:] * ty
        den = torch.sqrt(tx * tx + ty * ty)
        return torch.where(den > 0, num / den.clamp_min(1e-12), torch.zeros_like(num))

    def forward(self, g: RouterGraph, targets, *, steps: int | str | None = None, max_steps: int = 100_000,
                return_steps: bool = False, return_wave: bool = False, reach=None, margin: float = AUTO_MARGIN):
        """Cost-to-go ``[n, B]`` to each of ``targets`` (int ``[B]``).

        ``steps`` given (a truncated pass, float32 outside training): ``steps`` exact Bellman-Ford steps
        from the target (the *wave*: upper bounds, finite where it has arrived, exact for every node
        whose cheapest path has at most ``steps`` edges) run alongside as many shared learned steps,
        each clipped from above by the wave: near the target the answer is never above the exact
        cost, farther away it is the learned estimate. ``return_wave`` also returns the wave itself
        (``inf`` where it has not arrived): its values have the descent property
        ``h(v) >= min_u w(v, u) + h(u)`` (Bellman-Ford from above), so a greedy walk on them cannot
        fail, which the clipped learned values, whose underestimates make basins, do not guarantee
        (:func:`~graphroute.neural.router.route.greedy_routes` walks both).
        ``steps=None``: Bellman-Ford steps on the true costs
        until nothing changes (at most ``max_steps``), which gives the exact costs; the learned parts
        do not enter (on roads the learned value iteration converges 6x slower than the
        Bellman-Ford wave: 1,908 vs 322 steps on Monaco, because estimates that start too low rise by
        about one edge cost per step).
        ``steps="auto"`` with ``reach=(rows, cols)`` (the query sources and their target columns): a
        truncated pass that stops ``margin`` times as many steps after the wave has reached every
        query source (so every greedy query has a walk that cannot fail, and the extra steps let the
        wave's values at the sources settle), or when the wave stops changing, or at ``max_steps``.
        A graph's hop radius sets the depth, so larger graphs get longer passes and no fixed step
        count has to be guessed per graph.
        """
        targets = torch.as_tensor(targets, dtype=torch.long, device=g.device).reshape(-1)
        b = targets.numel()
        cols_b = torch.arange(b, device=g.device)
        if steps is None:
            upper = torch.full((g.n, b), math.inf, dtype=torch.float64, device=g.device)
            upper[targets, cols_b] = 0.0
            w = g.w.unsqueeze(1)
            done = 0
            while done < max_steps:
                new = torch.minimum(upper, self.step(upper, g.edge_index, w))
                done += 1
                if torch.equal(new, upper):
                    break
                upper = new
            h = upper
        else:
            # truncated pass: float32 (an estimate; half the memory traffic of float64 in every step)
            dt = torch.float32 if not torch.is_grad_enabled() else torch.float64
            upper = torch.full((g.n, b), math.inf, dtype=dt, device=g.device)
            upper[targets, cols_b] = 0.0
            w = g.w.to(dt).unsqueeze(1)
            h = self.init_estimate(g, targets).to(dt)
            w_eff = self.edge_costs(g, targets).to(dt)
            auto = steps == "auto"
            if auto:
                if reach is None:
                    raise InvalidArgumentError('steps="auto" needs reach=(rows, cols)')
                rows, cols = (torch.as_tensor(x, dtype=torch.long, device=g.device).reshape(-1) for x in reach)
            elif not is_step_count(steps):
                raise InvalidArgumentError(f'steps must be a non-negative integer, "auto" or None, got {steps!r}')
            limit = max_steps if auto else int(steps)
            done = 0
            while done < limit:
                new = torch.minimum(upper, self.step(upper, g.edge_index, w))
                h = torch.minimum(self.bellman(h, g, w_eff, targets), new)
                done += 1
                if auto:
                    if limit == max_steps and bool(torch.isfinite(new[rows, cols]).all()):
                        limit = min(max_steps, math.ceil(margin * done))
                    if torch.equal(new, upper):  # the wave has converged: exact everywhere
                        upper = new
                        break
                upper = new
        out = (h,) + ((done,) if return_steps else ()) + ((upper,) if return_wave else ())
        return out if len(out) > 1 else h

    def edge_costs(self, g: RouterGraph, targets: torch.Tensor) -> torch.Tensor:
        """Corrected edge costs ``[m, B]`` (float64)."""
        return g.w.unsqueeze(1) * self.step.edge_scale(g.feats, self.target_cos(g, targets)).double()

    def bellman(self, h: torch.Tensor, g: RouterGraph, w_eff: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """One shared step, the targets pinned at 0."""
        new = self.step(h, g.edge_index, w_eff)
        cols = torch.arange(targets.numel(), device=new.device)
        return new.index_put((targets, cols), torch.zeros(targets.numel(), dtype=new.dtype, device=new.device))


def exact_project(g: RouterGraph, h: torch.Tensor, max_steps: int = 100_000) -> tuple[torch.Tensor, int]:
    """Largest function below ``h`` that is consistent with the true costs: ``[n, B]``.

    Repeats the parameter-free Bellman-Ford step ``h(v) <- min(h(v), w(v, u) + h(u))`` until nothing
    changes. At that fixed point ``h(v) <= w(v, u) + h(u)`` on every edge, and ``h(t) = 0`` stays, so
    ``h`` is consistent and therefore admissible: A* with it returns the optimal cost.
    """
    u, v = g.edge_index
    h = h.clone()
    for i in range(1, max_steps + 1):
        msg = g.w.unsqueeze(1) + h[u]
        new = h.scatter_reduce(0, v.unsqueeze(1).expand_as(msg), msg, reduce="amin", include_self=True)
        if torch.equal(new, h):
            return h, i
        h = new
    return h, max_steps
