"""PNG plots of a comparison: gap against time, per-instance gaps, route drawings.

matplotlib's object API (``Figure``), not pyplot: no backend is chosen or switched (a notebook's inline
backend stays), no figure is registered with pyplot, and nothing needs closing.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any


def _figure(**kw: Any):  # noqa: ANN202
    """A new ``(figure, axes)`` outside pyplot (``Figure.subplots`` arguments)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=kw.pop("figsize"))
    return fig, fig.subplots(**kw)


def _cmap(name: str):  # noqa: ANN202
    from matplotlib import colormaps

    return colormaps[name]


def _save(fig: Any, path: Path) -> None:
    from graphroute.problems.io import staged_file

    with staged_file(path, mode=0o644) as tmp:
        fig.savefig(tmp, format="png", dpi=110)


def _gap_key(rows: list[dict[str, Any]]) -> tuple[str, str]:
    if any(r.get("gap_vs_bks_pct") is not None for r in rows):
        return "gap_vs_bks_pct", "gap to BKS (%)"
    return "gap_vs_baseline_pct", "gap to baseline (%)"


def plot_gap_vs_time(rows: list[dict[str, Any]], solvers: list[str], path: Path) -> None:
    """One point per feasible run with a gap (time, gap) and a large marker at each solver's medians
    over those runs; the title says how many of the runs that makes (runs on instances without a
    BKS, infeasible and failed runs have no gap)."""
    key, label = _gap_key(rows)
    fig, ax = _figure(figsize=(7, 5))
    shown = 0
    for k, s in enumerate(solvers):
        pts = [(r["runtime_s"], r[key]) for r in rows if r["solver"] == s and r.get(key) is not None and r.get("runtime_s")]
        if not pts:
            continue
        shown += len(pts)
        xs, ys = zip(*pts)
        color = _cmap("tab10")(k % 10)
        ax.scatter(xs, ys, s=14, alpha=0.45, color=color)
        mx, my = statistics.median(xs), statistics.median(ys)  # as the summary's medians: the mean of the middle two
        ax.scatter([mx], [my], s=140, marker="D", color=color, edgecolor="k", label=f"{s} (median)")
    ax.set_xscale("log")
    ax.set_xlabel("runtime per run (s, log scale)")
    ax.set_ylabel(label)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    else:  # every gap unknown (no BKS, baseline infeasible) or every runtime 0: say so, no empty legend
        ax.text(0.5, 0.5, "no run with both a gap and a runtime > 0", transform=ax.transAxes, ha="center")
    total = sum(1 for r in rows if r["solver"] in solvers)
    what = "a BKS" if key == "gap_vs_bks_pct" else "a baseline cost"
    ax.set_title(f"Gap against time: {shown} of {total} runs (feasible, on instances with {what});\n"
                 "diamonds: each solver's medians over its runs shown", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def plot_instance_gaps(rows: list[dict[str, Any]], solvers: list[str], path: Path) -> None:
    """Mean gap per instance (x: instances ordered by size), one series per solver."""
    key, label = _gap_key(rows)
    by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    size: dict[str, int] = {}
    for r in rows:
        if r.get(key) is not None:
            by[r["solver"]][r["instance"]].append(r[key])
        if r.get("n"):
            size[r["instance"]] = int(r["n"])
    insts = sorted({r["instance"] for r in rows}, key=lambda i: (size.get(i, 0), i))
    fig, ax = _figure(figsize=(max(7, 0.35 * len(insts) + 3), 5))
    for k, s in enumerate(solvers):
        ys = [sum(by[s][i]) / len(by[s][i]) if by[s].get(i) else float("nan") for i in insts]
        ax.plot(range(len(insts)), ys, "o-", ms=4, lw=1, label=s, color=_cmap("tab10")(k % 10))
    ax.set_xticks(range(len(insts)))
    ax.set_xticklabels(insts, rotation=70, ha="right", fontsize=7)
    ax.set_ylabel(label)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Gap per instance (mean over seeds)")
    fig.tight_layout()
    _save(fig, path)


def _cost_text(cost: float) -> str:
    return f"{cost:,.0f}" if cost >= 1000 else f"{cost:.3f}"


def plot_instance_routes(instance: Any, solutions: dict[str, dict[str, Any]], path: Path) -> None:
    """Side-by-side route drawings of one instance, one panel per solver."""
    from graphroute.plot import _layout

    xy = _layout(instance)
    names = list(solutions)
    cols = min(len(names), 3)
    rows_n = (len(names) + cols - 1) // cols
    fig, axes = _figure(nrows=rows_n, ncols=cols, figsize=(4.5 * cols, 4.5 * rows_n), squeeze=False)
    cvrp = instance.problem == "cvrp"
    cmap = _cmap("tab20")
    for ax, name in zip(axes.flat, names):
        sol = solutions[name]
        for k, route in enumerate(r for r in sol["routes"] if r):
            walk = [0, *route, 0] if cvrp else [*route, route[0]]
            ax.plot(xy[walk, 0], xy[walk, 1], "-", lw=1, color=cmap(k % 20))
        ax.scatter(xy[:, 0], xy[:, 1], s=6, c="k", zorder=3)
        if cvrp:
            ax.scatter(xy[0, 0], xy[0, 1], s=60, marker="s", c="red", zorder=4)
        gap = sol.get("gap_to_bks_pct")
        if not any(sol["routes"]) or sol["cost"] is None:  # no routes: no cost (null; 0 in older files)
            title = f"{name}: no solution"
        elif not sol.get("feasible", True):  # its cost is shown, as results.csv does, but marked
            title = f"{name}: {_cost_text(sol['cost'])}, INFEASIBLE"
        else:
            title = f"{name}: {_cost_text(sol['cost'])}" + (f" ({gap:.2f}%)" if gap is not None else "")
        ax.set_title(title, fontsize=9, color="black" if sol.get("feasible", True) else "red")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="datalim")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(instance.name)
    fig.tight_layout()
    _save(fig, path)
