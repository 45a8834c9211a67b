"""Batched routing environments in torch: TSP, CVRP and their asymmetric matrix versions.

A batch of instances is a :class:`VRPData` (coordinates or a distance matrix, normalised demands).
:class:`RoutingEnv` rolls out ``P`` solutions per instance at once, POMO style (Kwon et al., 2020):
every state tensor is ``[B, P, ...]``. The rules:

* TSP / ATSP: a tour visits every node once; the first action is the start node and the tour closes
  back to it. ``P`` starts are nodes ``0..P-1``.
* CVRP / ACVRP: node 0 is the depot; the vehicle starts there with a full load (1.0, demands are
  ``demand / capacity``); a customer is allowed when unvisited and its demand fits the remaining load;
  the depot is allowed except right after the depot (no empty routes); once every customer is served
  only the depot is allowed (padding). ``P`` starts are customers ``1..P``.

The cost of a rollout (:func:`tour_cost`) is the summed arc length of the closed walk, the quantity
:func:`graphroute.check.check` recomputes from scratch for the same routes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from graphroute.exceptions import InvalidArgumentError

PROBLEMS = ("tsp", "cvrp", "atsp", "acvrp")
DISTRIBUTIONS = ("uniform", "clustered", "mixed")
_EPS = 1e-5


@dataclass
class VRPData:
    """A batch of instances of one problem and size.

    Attributes
    ----------
    problem : str
        ``tsp``, ``cvrp``, ``atsp`` or ``acvrp``.
    locs : Tensor or None
        ``[B, N, 2]`` coordinates (tsp / cvrp); the depot is node 0 for cvrp.
    dist : Tensor or None
        ``[B, N, N]`` distance matrix (atsp / acvrp), ``dist[b, i, j]`` is the arc ``i -> j``.
    demand : Tensor or None
        ``[B, N]`` demands as fractions of the capacity, ``demand[:, 0] == 0`` (cvrp / acvrp).
    demand_units, capacity : Tensor or None
        ``[B, N]`` and ``[B]`` int64: the integer demands and capacity the fractions came from
        (:func:`from_instances`). With them the environment keeps the load in whole units, so its
        mask is exact at any capacity; without them (random training batches, capacity 30-50) it
        compares the float32 fractions with a tolerance of ``1e-5`` (far below one unit there),
        which at a capacity above about 10^5 would let a route exceed the capacity by a few units.
    """

    problem: str
    locs: torch.Tensor | None = None
    dist: torch.Tensor | None = None
    demand: torch.Tensor | None = None
    demand_units: torch.Tensor | None = None
    capacity: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.problem not in PROBLEMS:
            raise InvalidArgumentError(f"unknown problem {self.problem!r}; available: {', '.join(PROBLEMS)}")
        if self.matrix_based and self.dist is None:
            raise InvalidArgumentError(f"{self.problem} data needs a distance matrix")
        if not self.matrix_based and self.locs is None:
            raise InvalidArgumentError(f"{self.problem} data needs coordinates")
        if self.is_cvrp and self.demand is None:
            raise InvalidArgumentError(f"{self.problem} data needs demands")

    @property
    def is_cvrp(self) -> bool:
        return self.problem in ("cvrp", "acvrp")

    @property
    def matrix_based(self) -> bool:
        return self.problem in ("atsp", "acvrp")

    @property
    def _ref(self) -> torch.Tensor:
        return self.dist if self.matrix_based else self.locs  # type: ignore[return-value]

    @property
    def batch_size(self) -> int:
        return self._ref.shape[0]

    @property
    def num_nodes(self) -> int:
        return self._ref.shape[1]

    @property
    def device(self) -> torch.device:
        return self._ref.device

    def _map(self, fn) -> "VRPData":  # noqa: ANN001
        return replace(self, **{k: (fn(v) if v is not None else None)
                                for k, v in (("locs", self.locs), ("dist", self.dist), ("demand", self.demand),
                                             ("demand_units", self.demand_units), ("capacity", self.capacity))})

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> "VRPData":
        def move(t: torch.Tensor) -> torch.Tensor:
            return t.to(device=device, dtype=dtype if dtype is not None and t.is_floating_point() else None)
        return self._map(move)

    def __getitem__(self, idx) -> "VRPData":  # noqa: ANN001
        return self._map(lambda t: t[idx])

    def repeat(self, k: int) -> "VRPData":
        """``k`` copies stacked along the batch (copy-major: row ``c * B + b``)."""
        return self._map(lambda t: t.repeat(k, *([1] * (t.dim() - 1))))


# ---------------------------------------------------------------------- generators
def sample_locs(batch: int, n: int, distribution: str, generator: torch.Generator | None = None,
                device: torch.device | str = "cpu") -> torch.Tensor:
    """``[batch, n, 2]`` points in the unit square: uniform, clustered or mixed (Omni-VRP, Zhou et al. 2023).

    Clustered: 3..7 Gaussian clusters (std 0.07) around uniform centres, clipped to the square;
    mixed: each node is uniform with probability 1/2, else clustered (as
    :func:`graphroute.problems.generate.sample_locations`, batched).
    """
    kw = {"generator": generator, "device": device}
    if distribution == "uniform":
        return torch.rand(batch, n, 2, **kw)
    if distribution in ("clustered", "mixed"):
        k = torch.randint(3, 8, (batch, 1), **kw)
        centres = torch.rand(batch, 7, 2, **kw)
        which = (torch.rand(batch, n, **kw) * k).long()
        pts = centres.gather(1, which[..., None].expand(-1, -1, 2)) + 0.07 * torch.randn(batch, n, 2, **kw)
        pts = pts.clamp(0.0, 1.0)
        if distribution == "mixed":
            uni = torch.rand(batch, n, 1, **kw) < 0.5
            pts = torch.where(uni, torch.rand(batch, n, 2, **kw), pts)
        return pts
    raise InvalidArgumentError(f"unknown distribution {distribution!r}; available: {', '.join(DISTRIBUTIONS)}")


def sample_matrix(batch: int, n: int, generator: torch.Generator | None = None,
                  device: torch.device | str = "cpu") -> torch.Tensor:
    """MatNet-style asymmetric ``[batch, n, n]`` matrix: uniform arcs in (0, 1], then the shortest-path
    closure (batched Floyd-Warshall, O(n^3)) so that the triangle inequality holds."""
    d = torch.rand(batch, n, n, generator=generator, device=device).clamp_min(1e-6)
    d.diagonal(dim1=1, dim2=2).zero_()
    for k in range(n):
        d = torch.minimum(d, d[:, :, k:k + 1] + d[:, k:k + 1, :])
    return d


def matrix_factor(m) -> float:  # noqa: ANN001 - a numpy [n, n] matrix, diagonal zeroed
    """Instance units per model unit of a matrix: its largest entry (1 for an all-zero matrix).
    :func:`from_instances` divides the matrix by it, and a model cost times it is the cost in the
    instance's units (what the validation gap compares with the reference)."""
    top = float(m.max())
    return top if top > 0 else 1.0


def capacity_for(num_customers: int) -> int:
    from graphroute.problems.generate import capacity_for as cap

    return cap(num_customers)


def sample_batch(problem: str, batch: int, size: int, *, distribution: str = "uniform",
                 generator: torch.Generator | None = None, device: torch.device | str = "cpu") -> VRPData:
    """A random batch: ``size`` cities (TSP) or customers plus a depot (CVRP); demands 1..9 over the
    AM/POMO capacity (30 / 40 / 50 for 20 / 50 / 100 customers)."""
    if problem not in PROBLEMS:
        raise InvalidArgumentError(f"unknown problem {problem!r}; available: {', '.join(PROBLEMS)}")
    cvrp = problem in ("cvrp", "acvrp")
    n = size + 1 if cvrp else size
    locs = dist = demand = None
    if problem in ("atsp", "acvrp"):
        dist = sample_matrix(batch, n, generator, device)
    else:
        locs = sample_locs(batch, n, distribution, generator, device)
    if cvrp:
        demand = torch.randint(1, 10, (batch, n), generator=generator, device=device).float()
        demand[:, 0] = 0.0
        demand = demand / capacity_for(size)
    return VRPData(problem, locs=locs, dist=dist, demand=demand)


# ---------------------------------------------------------------------- cost
def tour_cost(data: VRPData, actions: torch.Tensor) -> torch.Tensor:
    """Length of the closed walks ``actions: [B, P, T]`` -> ``[B, P]``.

    TSP: ``a_0 -> a_1 -> ... -> a_{T-1} -> a_0``. CVRP: ``0 -> a_0 -> ... -> a_{T-1} -> 0`` (depot
    visits inside ``actions`` split routes; trailing depot padding adds nothing).
    """
    B, P, T = actions.shape
    if data.is_cvrp:
        seq = torch.cat([actions.new_zeros(B, P, 1), actions], dim=2)
    else:
        seq = actions
    nxt = seq.roll(-1, dims=2)
    if data.matrix_based:
        n = data.num_nodes
        flat = (seq * n + nxt).view(B, -1)
        return data.dist.view(B, n * n).gather(1, flat).view(B, P, -1).sum(-1)  # type: ignore[union-attr]
    loc = data.locs
    a = loc.gather(1, seq.view(B, -1, 1).expand(-1, -1, 2))  # type: ignore[union-attr]
    b = loc.gather(1, nxt.view(B, -1, 1).expand(-1, -1, 2))  # type: ignore[union-attr]
    return (a - b).norm(dim=-1).view(B, P, -1).sum(-1)


# ---------------------------------------------------------------------- environment
class RoutingEnv:
    """``P`` parallel constructions per instance; see the module docstring for the rules.

    Use: ``env.reset(start)`` with ``start: [B, P]`` first actions, then ``env.step(action)`` while
    ``not env.done``; ``env.mask`` is ``[B, P, N]`` with True where a node may be chosen next.
    """

    def __init__(self, data: VRPData, num_starts: int) -> None:
        self.data = data
        self.P = num_starts
        self.B, self.N = data.batch_size, data.num_nodes
        limit = self.N - 1 if data.is_cvrp else self.N
        if not 1 <= num_starts <= limit:
            raise InvalidArgumentError(f"num_starts must be in 1..{limit}, got {num_starts}")

    def default_starts(self) -> torch.Tensor:
        """POMO starts ``[B, P]``: nodes 0..P-1 (TSP) or customers 1..P (CVRP)."""
        first = 1 if self.data.is_cvrp else 0
        return torch.arange(first, first + self.P, device=self.data.device).expand(self.B, self.P)

    def reset(self, start: torch.Tensor | None = None) -> None:
        dev = self.data.device
        B, P, N = self.B, self.P, self.N
        self.visited = torch.zeros(B, P, N, dtype=torch.bool, device=dev)
        self._bias = None
        self.current = torch.zeros(B, P, dtype=torch.long, device=dev)
        self.actions: list[torch.Tensor] = []
        if self.data.is_cvrp:
            self.load = torch.ones(B, P, device=dev)
            self.demand = self.data.demand[:, None, :].expand(B, P, N)  # type: ignore[index]
            self._exact = self.data.demand_units is not None and self.data.capacity is not None
            if self._exact:
                self._cap = self.data.capacity[:, None].expand(B, P)  # type: ignore[index]
                self._units = self.data.demand_units[:, None, :].expand(B, P, N)  # type: ignore[index]
                self._left = self._cap.clone()
        self.first = start if start is not None else self.default_starts()
        self.step(self.first)

    @property
    def done(self) -> bool:
        """Every construction is finished (CVRP: a host sync on CUDA; see :attr:`finished`)."""
        if self.data.is_cvrp:
            return bool(self.finished)
        return len(self.actions) == self.N

    @property
    def finished(self) -> torch.Tensor:
        """0-dim bool tensor, :attr:`done` without reading it on the host (no sync on CUDA). Stepping a
        finished CVRP construction further is harmless: with every customer served and the vehicle at
        the depot, :attr:`mask` allows the depot alone, the step costs 0 and its log-probability is 0."""
        if self.data.is_cvrp:
            return self.all_served.all() & (self.current == 0).all()
        return torch.tensor(len(self.actions) == self.N, device=self.data.device)

    @property
    def all_served(self) -> torch.Tensor:
        return self.visited[..., 1:].all(-1)

    @property
    def mask(self) -> torch.Tensor:
        """``[B, P, N]`` bool, True = allowed next node."""
        if not self.data.is_cvrp:
            return ~self.visited
        fits = (self._units <= self._left[..., None]) if self._exact else (self.demand <= self.load[..., None] + _EPS)
        ok = ~self.visited & fits
        served = self.all_served
        ok[..., 0] = (self.current != 0) | served
        ok[..., 1:] &= ~served[..., None]
        return ok

    @property
    def bias(self) -> torch.Tensor:
        """``[B, P, N]`` float: 0 where allowed, ``-inf`` where not (the additive form of ``mask``;
        kept up to date step by step for TSP, where it only ever gains ``-inf`` entries)."""
        if self.data.is_cvrp:
            m = self.mask
            return torch.zeros(m.shape, device=m.device).masked_fill_(~m, float("-inf"))
        if getattr(self, "_bias", None) is None or self._bias.shape != self.visited.shape:
            self._bias = torch.zeros(self.visited.shape, device=self.data.device).masked_fill_(self.visited, float("-inf"))
        return self._bias

    def step(self, action: torch.Tensor) -> None:
        """Move every construction to ``action: [B, P]`` (the caller chose it from ``mask``)."""
        self.visited.scatter_(2, action[..., None], True)
        if not self.data.is_cvrp and getattr(self, "_bias", None) is not None:
            # out of place: autograd may hold the previous step's bias for the attention backward
            self._bias = self._bias.scatter(2, action[..., None], float("-inf"))
        if self.data.is_cvrp:
            if self._exact:
                u = self._units.gather(2, action[..., None]).squeeze(-1)
                self._left = torch.where(action == 0, self._cap, self._left - u)
                self.load = (self._left.double() / self._cap).to(self.load.dtype)
            else:
                d = self.demand.gather(2, action[..., None]).squeeze(-1)
                self.load = torch.where(action == 0, torch.ones_like(self.load), self.load - d)
        self.current = action
        self.actions.append(action)

    def cost(self) -> torch.Tensor:
        """``[B, P]`` length of each finished construction (the reward is its negative)."""
        return tour_cost(self.data, torch.stack(self.actions, dim=2))


def actions_to_routes(actions: list[int] | torch.Tensor, is_cvrp: bool) -> list[list[int]]:
    """One rollout's action sequence -> graphroute routes (CVRP: split at depot visits, depot left out)."""
    seq = [int(a) for a in actions]
    if not is_cvrp:
        return [seq]
    routes, cur = [], []
    for a in seq:
        if a == 0:
            if cur:
                routes.append(cur)
            cur = []
        else:
            cur.append(a)
    if cur:
        routes.append(cur)
    return routes


# ---------------------------------------------------------------------- graphroute instances
def a_problem(problem: str) -> str:
    """A problem name with its indefinite article, for messages: "a tsp", "an atsp"."""
    return f"{'an' if problem[:1] in 'aeiou' else 'a'} {problem}"


def model_problem(inst) -> str:  # noqa: ANN001
    """The model family for an :class:`~graphroute.problems.Instance`: explicit matrices use the
    matrix (edge-aware) model, coordinates the coordinate model."""
    return ("a" + inst.problem) if inst.distance_type == "EXPLICIT" else inst.problem


def from_instances(insts: list, *, scale: bool = True) -> VRPData:  # noqa: ANN001
    """Stack same-size graphroute instances into a :class:`VRPData` in model units (float32).

    Coordinates outside the unit square are min-max scaled into it with one scale for both axes
    (distances shrink by a constant, tours keep their order); coordinates already inside are kept,
    so generated instances keep their costs. Matrices are divided by their largest entry
    (:func:`matrix_factor`). Training draws MatNet matrices unscaled (mean off-diagonal entry 0.176 at
    20 nodes, 0.386 after this division): scaling instances to the training mean instead helped ATSP20
    but hurt ACVRP20 and every other size (experiments/results/neural_quality.md), so it is not done;
    a consistent pipeline needs models trained on divided matrices.
    Demands become fractions of the capacity (the model's input) and are kept as integers too
    (``demand_units``, ``capacity``) for an exact capacity mask.
    """
    import numpy as np

    problem = model_problem(insts[0])
    sizes = {i.n for i in insts}
    if len(sizes) != 1 or any(model_problem(i) != problem for i in insts):
        raise InvalidArgumentError("instances of one batch must share problem and size")
    locs = dist = demand = None
    if problem in ("atsp", "acvrp"):
        mats = []
        for i in insts:
            m = np.array(i.matrix, dtype=np.float64)
            np.fill_diagonal(m, 0.0)  # never travelled; TSPLIB .atsp files put 9999 there, which would set the scale
            mats.append(m / matrix_factor(m) if scale else m)
        dist = torch.tensor(np.stack(mats), dtype=torch.float32)
    else:
        cs = []
        for i in insts:
            c = np.asarray(i.coords, dtype=np.float64)
            if scale and (c.min() < 0 or c.max() > 1):
                span = float((c.max(0) - c.min(0)).max()) or 1.0
                c = (c - c.min(0)) / span
            cs.append(c)
        locs = torch.tensor(np.stack(cs), dtype=torch.float32)
    units = cap = None
    if problem in ("cvrp", "acvrp"):
        demand = torch.tensor(np.stack([np.asarray(i.demands, dtype=np.float64) / i.capacity for i in insts]),
                              dtype=torch.float32)
        units = torch.tensor(np.stack([np.asarray(i.demands, dtype=np.int64) for i in insts]))
        cap = torch.tensor([int(i.capacity) for i in insts], dtype=torch.int64)
    return VRPData(problem, locs=locs, dist=dist, demand=demand, demand_units=units, capacity=cap)
