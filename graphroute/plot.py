"""Route drawings (matplotlib, imported lazily).

matplotlib's object API (``Figure``), not pyplot: no backend is chosen or switched (a notebook's inline
backend stays) and no figure is left registered with pyplot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.problems.instance import Instance
from graphroute.problems.io import staged_file


def _layout(inst: Instance) -> np.ndarray:
    """Drawing positions ``[n, 2]`` (x, y)."""
    if inst.coords is not None:
        if inst.distance_type == "GEO":  # TSPLIB GEO lists (latitude, longitude): east is x, north is y
            return np.asarray(inst.coords)[:, ::-1]
        return inst.coords
    # No coordinates (explicit matrix): classical MDS of the symmetrised distances, for drawing only.
    d = inst.distances
    d = (d + d.T) / 2.0
    n = len(d)
    j = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * j @ (d**2) @ j
    w, v = np.linalg.eigh(b)
    idx = np.argsort(w)[::-1][:2]
    xy = np.zeros((n, 2))  # one node has one eigenvector: the second axis stays 0
    xy[:, : len(idx)] = v[:, idx] * np.sqrt(np.maximum(w[idx], 0.0))
    return xy


def plot_routes(inst: Instance, routes: list[list[int]], path: str | Path, *, title: str | None = None) -> None:
    """Draw ``routes`` of ``inst`` to an image file (format from the suffix), atomically. ``routes``: a list of
    routes, each a list of node indices in ``0..n-1`` (for a CVRP the depot 0 is added at both ends; a TSP tour
    is closed); anything else is refused before anything is drawn."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    if fmt not in ("png", "svg", "pdf", "jpg", "jpeg"):
        raise InvalidArgumentError(f"cannot draw to {path.name}: use .png, .svg, .pdf or .jpg")
    routes = _checked_routes(inst, routes)
    xy = _layout(inst)
    fig = Figure(figsize=(7, 7), dpi=120)
    ax = fig.subplots()
    cmap = colormaps["tab20"]
    cvrp = inst.problem == "cvrp"
    for k, route in enumerate(r for r in routes if r):
        walk = [0, *route, 0] if cvrp else [*route, route[0]]
        pts = xy[walk]
        ax.plot(pts[:, 0], pts[:, 1], "-", lw=1.2, color=cmap(k % 20), alpha=0.9)
    nodes = np.arange(inst.n)
    cust = nodes[1:] if cvrp else nodes
    ax.scatter(xy[cust, 0], xy[cust, 1], s=12, c="k", zorder=3)
    if cvrp:
        ax.scatter(xy[0, 0], xy[0, 1], s=120, marker="s", c="red", zorder=4, label="depot")
        ax.legend(loc="upper right")
    ax.set_title(title or inst.name)
    ax.set_aspect("equal", adjustable="datalim")
    if inst.coords is None:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("layout from distances (MDS); no coordinates in the instance")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with staged_file(path, mode=0o644) as tmp:
        fig.savefig(tmp, format=fmt)


def _checked_routes(inst: Instance, routes) -> list[list[int]]:  # noqa: ANN001
    """``routes`` as lists of Python ints, or an :class:`InvalidArgumentError` naming the first bad entry
    (numpy would index with a float's truncation or a negative number's wrap-around, or fail deep inside)."""
    if isinstance(routes, np.ndarray):
        routes = routes.tolist()
    if not isinstance(routes, (list, tuple)) or any(isinstance(r, (int, np.integer)) for r in routes):
        raise InvalidArgumentError("routes must be a list of routes, each a list of node indices"
                                   + (" (for a TSP tour pass [tour])" if inst.problem != "cvrp" else ""))
    lo = 0  # a depot inside a CVRP route is drawn as it is (the checker reports it)
    out = []
    for k, route in enumerate(routes):
        route = route.tolist() if isinstance(route, np.ndarray) else route
        if not isinstance(route, (list, tuple)):
            raise InvalidArgumentError(f"route {k} must be a list of node indices, got {type(route).__name__}")
        for v in route:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v < inst.n:
                raise InvalidArgumentError(f"route {k}: {v!r} is not a node index in {lo}..{inst.n - 1}")
        out.append([int(v) for v in route])
    return out
