"""The routes plot of a comparison with several seeds shows each solver's solution of the first seed."""

from __future__ import annotations

import json
from pathlib import Path

import graphroute
import graphroute.compare.plots as plots
from graphroute.compare.core import Grid, _plots, solution_path
from graphroute.compare.suite import InstanceRef

EXAMPLE = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples" / "cvrp50.json"


def test_routes_plot_uses_the_first_seed(tmp_path, monkeypatch):
    grid = Grid([InstanceRef("cvrp50", str(EXAMPLE))], ["nearest", "pyvrp"], "nearest", 1.0, [3, 0])
    for solver in grid.solvers:
        for seed in grid.seeds:
            p = solution_path(tmp_path, "cvrp50", solver, seed)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps({"routes": [[seed + 1]], "cost": float(seed), "seed": seed}))
    drawn = []
    monkeypatch.setattr(plots, "plot_instance_routes", lambda inst, sols, path: drawn.append(sols))
    monkeypatch.setattr(plots, "plot_gap_vs_time", lambda *a, **k: None)
    monkeypatch.setattr(plots, "plot_instance_gaps", lambda *a, **k: None)
    _plots(tmp_path, [], grid, plot_routes=1)
    assert len(drawn) == 1 and set(drawn[0]) == {"nearest", "pyvrp"}
    assert all(sol["seed"] == 3 for sol in drawn[0].values())  # the grid's first seed, as listed
