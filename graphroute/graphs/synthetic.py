"""Seeded synthetic road-like graphs: perturbed grids, random geometric and Delaunay graphs.

Every graph lives in the unit square scaled to ``sqrt(n)`` (so that edge lengths stay about 1
whatever the size), is strongly connected (the largest strongly connected component is kept),
and has both edge directions. Edge attributes:

- ``length``: Euclidean length;
- ``time``: ``length / speed`` with a per-undirected-edge speed drawn uniformly from
  ``[1 - speed_spread, 1 + speed_spread]`` (default 0.5..1.5), the same in both directions, so that
  the fastest and the shortest route differ. ``time`` is the default routing weight.

Vectorised numpy / scipy: 100k nodes build in about a second.
"""

from __future__ import annotations

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.model import Graph, from_edges
from graphroute.validate import is_real

KINDS = ("grid", "geometric", "delaunay")

#: Most nodes a synthetic graph may ask for: a million nodes take about 10 s and 750 MB to build, so
#: the cap, 10 million, stays within minutes and a few GB; more is refused in one line, not swapped.
MAX_NODES = 10_000_000


def _grid(rng: np.random.Generator, n: int, perturb: float, drop: float) -> tuple[np.ndarray, np.ndarray]:
    side = max(2, int(round(np.sqrt(n))))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    pos = np.stack([ii.ravel(), jj.ravel()], 1).astype(np.float64)
    pos += rng.uniform(-perturb, perturb, size=pos.shape)
    idx = np.arange(side * side).reshape(side, side)
    right = np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1)
    down = np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1)
    edges = np.concatenate([right, down])
    if drop > 0:
        edges = edges[rng.random(len(edges)) >= drop]
    return pos, edges


def _geometric(rng: np.random.Generator, n: int, radius: float | None) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    scale = np.sqrt(n)
    pos = rng.random((n, 2)) * scale
    # connectivity threshold of random geometric graphs: pi r^2 n ~ log n (here in scaled units)
    r = radius if radius is not None else np.sqrt(1.6 * np.log(max(n, 2)) / np.pi)
    pairs = cKDTree(pos).query_pairs(r, output_type="ndarray")
    return pos, pairs


def _delaunay(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import Delaunay

    pos = rng.random((n, 2)) * np.sqrt(n)
    tri = Delaunay(pos)
    indptr, indices = tri.vertex_neighbor_vertices
    src = np.repeat(np.arange(n), np.diff(indptr))
    mask = src < indices
    return pos, np.stack([src[mask], indices[mask]], 1)


def synthetic_graph(
    kind: str,
    n: int,
    *,
    seed: int = 0,
    perturb: float = 0.3,
    drop: float = 0.0,
    radius: float | None = None,
    speed_spread: float = 0.5,
) -> Graph:
    """A seeded synthetic graph of about ``n`` nodes.

    Parameters
    ----------
    kind : ``grid`` (perturbed lattice, ``round(sqrt(n))^2`` nodes), ``geometric`` (random geometric
        graph with radius ``sqrt(1.6 ln n / pi)`` in units where the density is 1), ``delaunay``.
    perturb : grid jitter of node positions (lattice units).
    drop : share of grid edges removed at random before the largest SCC is taken.
    radius : geometric-graph radius override (scaled units).
    speed_spread : speeds are uniform in ``[1 - s, 1 + s]``.
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"unknown synthetic graph kind {kind!r}; available: {', '.join(KINDS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidArgumentError(f"a synthetic graph's node count must be an integer, got {n!r}")
    if n < 4:
        raise InvalidArgumentError(f"a synthetic graph needs at least 4 nodes, got {n}")
    if n > MAX_NODES:
        raise InvalidArgumentError(f"a synthetic graph may have at most {MAX_NODES:,} nodes, got {n:,}")
    for what, v in (("drop", drop), ("perturb", perturb), ("speed_spread", speed_spread),
                    *((("radius", radius),) if radius is not None else ())):
        if not is_real(v):
            raise InvalidArgumentError(f"{what} must be a number, got {type(v).__name__} {v!r:.40}")
    if not 0 <= drop < 1:  # also refuses NaN
        raise InvalidArgumentError(f"drop must be in [0, 1), got {drop}")
    if not 0 <= perturb < float("inf"):
        raise InvalidArgumentError(f"perturb must be a finite number >= 0, got {perturb}")
    if radius is not None and not 0 < radius < float("inf"):
        raise InvalidArgumentError(f"radius must be a finite number > 0, got {radius}")
    if not 0 <= speed_spread < 1:
        raise InvalidArgumentError(f"speed_spread must be in [0, 1), got {speed_spread}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgumentError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    if kind == "grid":
        pos, und = _grid(rng, n, perturb, drop)
    elif kind == "geometric":
        pos, und = _geometric(rng, n, radius)
    else:
        pos, und = _delaunay(rng, n)
    und = und.astype(np.int64)
    length = np.linalg.norm(pos[und[:, 0]] - pos[und[:, 1]], axis=1)
    speed = rng.uniform(1.0 - speed_spread, 1.0 + speed_spread, size=len(und))
    src = np.concatenate([und[:, 0], und[:, 1]])
    dst = np.concatenate([und[:, 1], und[:, 0]])
    length2 = np.concatenate([length, length])
    time2 = np.concatenate([length / speed, length / speed])
    g = from_edges(
        src, dst, len(pos), edge_attrs={"length": length2, "time": time2}, kind="synthetic", coords=pos,
        meta={"generator": kind, "requested_nodes": n, "seed": seed, "perturb": perturb, "drop": drop,
              "speed_spread": speed_spread, "default_weight": "time"},
    )
    g = g.largest_scc()
    if g.n_nodes < 4:  # as n < 4 is refused: a 1- or 2-node "graph" is no routing problem
        hint = "raise radius" if kind == "geometric" else "lower drop"
        raise InvalidArgumentError(f"with these settings the largest strongly connected component keeps only "
                                   f"{g.n_nodes} of {n} nodes; {hint}")
    return g
