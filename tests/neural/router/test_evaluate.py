"""compare_routers: one row per method, exact methods at stretch 1, the table renders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphroute.graphs.synthetic import synthetic_graph
from graphroute.neural.router.evaluate import compare_routers, markdown_table, random_pairs
from graphroute.neural.router.train import load_router

CKPT = Path(__file__).resolve().parents[3] / "data/checkpoints/router_road.pt"


def test_compare_routers_rows():
    model, _ = load_router(CKPT)
    g = synthetic_graph("delaunay", 200, seed=9)
    pairs = random_pairs(g.n_nodes, 20, seed=0)
    assert np.all(pairs[:, 0] != pairs[:, 1])
    rows = compare_routers(g, model, pairs, steps=3, k=2, k_queries=3,
                           methods=("router greedy", "untrained greedy", "Bellman-Ford greedy", "learned A*",
                                    "Euclidean A*", "geo forwarding", "Dijkstra", "router K", "Yen K"))
    by = {r["method"]: r for r in rows}
    assert set(by) == {"router greedy", "untrained greedy", "Bellman-Ford greedy", "learned A*", "Euclidean A*",
                       "geo forwarding", "Dijkstra", "router K=2", "Yen K=2"}
    for name in ("Bellman-Ford greedy", "learned A*", "Euclidean A*", "Dijkstra", "Yen K=2"):
        assert by[name]["success"] == 1.0 and by[name]["mean_stretch"] == pytest.approx(1.0)
    assert by["router greedy"]["mean_stretch"] >= 1.0 and by["router greedy"]["steps"] == 3
    assert by["Dijkstra"]["steps"] is None and by["Bellman-Ford greedy"]["steps"] is None
    table = markdown_table(rows)
    assert table.count("\n") == len(rows) + 1 and "| learned A* (T=3) | 20 | 100.00% |" in table
    with pytest.raises(Exception, match="unknown method"):
        compare_routers(g, model, pairs, methods=("teleport",))
    with pytest.raises(Exception, match="steps must be a positive integer"):
        compare_routers(g, model, pairs, steps=0)


def test_compare_routers_reports_progress():
    model, _ = load_router(CKPT)
    g = synthetic_graph("grid", 100, seed=2)
    pairs = random_pairs(g.n_nodes, 10, seed=1)
    heard: list[str] = []
    compare_routers(g, model, pairs, steps="auto", k=2, k_queries=2, batch=4, on_progress=heard.append,
                    methods=("router greedy", "Dijkstra", "router K", "Yen K"))
    n_targets = len(np.unique(pairs[:, 1]))
    for name in ("router greedy", "Dijkstra", "router K", "Yen K"):
        assert name in heard
    passes = [h for h in heard if h.startswith("router greedy: router pass")]
    assert passes[0] == f"router greedy: router pass, 0/{n_targets} targets done"
    assert passes[-1] == f"router greedy: router pass, {n_targets}/{n_targets} targets done"
    assert len(passes) == -(-n_targets // 4) + 1  # before each batch of 4 targets, and at the end
