"""BFRouter: exact costs at convergence, a path graph after a few training steps, consistency of the projection."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pytest
import torch

from graphroute.graphs import from_edges
from graphroute.neural.router.model import BFRouter, RouterGraph, exact_project
from graphroute.neural.router.train import RouterConfig, batch_loss, exact_costs_to


def random_graph(n: int, m: int, seed: int, coords: bool = True):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    pos = rng.random((n, 2)) * 10
    length = np.hypot(*(pos[src] - pos[dst]).T)
    time = length / rng.uniform(0.5, 1.5, src.size)
    return from_edges(src, dst, n, edge_attrs={"length": length, "time": time}, coords=pos if coords else None,
                      meta={"default_weight": "time"})


def nx_costs_to(g, t: int) -> np.ndarray:
    G = g.to_networkx("time")
    d = nx.single_source_dijkstra_path_length(G.reverse(), t)
    return np.array([d.get(v, math.inf) for v in range(g.n_nodes)])


def path_graph(n: int = 12):
    """Two-way path 0 - 1 - ... - n-1 with uneven edge lengths on a line."""
    x = np.cumsum(np.r_[0.0, np.linspace(0.5, 2.0, n - 1)])
    src = np.r_[np.arange(n - 1), np.arange(1, n)]
    dst = np.r_[np.arange(1, n), np.arange(n - 1)]
    length = np.abs(x[src] - x[dst])
    return from_edges(src, dst, n, edge_attrs={"length": length, "time": length * 1.3},
                      coords=np.stack([x, np.zeros(n)], 1), meta={"default_weight": "time"})


@pytest.mark.parametrize("seed", range(4))
def test_converged_prediction_is_exact_on_random_graphs(seed):
    g = random_graph(30, 90, seed, coords=seed % 2 == 0)  # also not strongly connected, and without coordinates
    rg = RouterGraph.from_graph(g)
    targets = torch.tensor([0, 7, 29])
    with torch.no_grad():
        h = BFRouter(hidden=8)(rg, targets).numpy()
    for j, t in enumerate(targets.tolist()):
        np.testing.assert_allclose(h[:, j], nx_costs_to(g, t), rtol=1e-12)


def test_path_graph_predictions_match_exact_costs_after_a_few_training_steps():
    g = path_graph()
    rg = RouterGraph.from_graph(g)
    cfg = RouterConfig(hidden=8, batch_targets=4, max_mp_steps=50)
    torch.manual_seed(0)
    model = BFRouter(hidden=8)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    targets = torch.tensor([0, 5, 11])
    exact = torch.from_numpy(exact_costs_to(g.indptr, g.indices, g.weights(), targets.numpy()))
    for _ in range(5):
        loss, _ = batch_loss(model, rg, exact, targets, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        h = model(rg, targets, steps=2)  # truncated: far nodes read the learned estimate
    np.testing.assert_allclose(h.numpy(), exact.numpy(), rtol=0.02, atol=1e-9)
    assert torch.all(h[targets, torch.arange(3)] == 0)


def test_truncated_pass_is_never_above_the_exact_cost_within_reach():
    g = random_graph(40, 200, 7).largest_scc()
    rg = RouterGraph.from_graph(g)
    t = 0
    exact = nx_costs_to(g, t)
    with torch.no_grad():
        model = BFRouter(hidden=4)
        h, steps = model(rg, [t], steps=2, return_steps=True)
        h0 = model.init_estimate(rg, torch.tensor([t]))
    assert steps == 2 and torch.isfinite(h).all() and h0[t, 0] == 0
    paths = nx.single_source_dijkstra_path(g.to_networkx("time").reverse(), t)
    near = [v for v, p in paths.items() if len(p) <= 3]  # cheapest path has <= 2 edges: the exact wave reached it
    assert len(near) > 3
    assert np.all(h[near, 0].numpy() <= exact[near] * (1 + 1e-6))  # the truncated pass runs in float32


def test_projection_is_consistent_and_below_the_true_costs():
    g = random_graph(40, 160, 3)
    g = g.largest_scc()
    rg = RouterGraph.from_graph(g)
    t = 2
    rng = np.random.default_rng(0)
    exact = exact_costs_to(g.indptr, g.indices, g.weights(), [t])
    noisy = torch.from_numpy(exact * rng.uniform(0.5, 1.5, exact.shape))
    noisy[t, 0] = 0.0
    h, _ = exact_project(rg, noisy)
    w = g.weights()
    src, dst = np.array(g.sources()), np.array(g.indices)  # writable copies: torch warns on indexing with read-only arrays
    assert np.all(h[src, 0].numpy() <= w + h[dst, 0].numpy() + 1e-12)  # consistent on every edge
    assert np.all(h[:, 0].numpy() <= exact[:, 0] + 1e-9)  # hence admissible


def test_auto_steps_stop_a_margin_after_the_wave_reaches_the_sources():
    g = path_graph(40)
    rg = RouterGraph.from_graph(g)
    model = BFRouter().eval()
    with torch.no_grad():
        for src, margin in ((10, 1.5), (30, 1.0), (5, 2.0)):
            h, used, wave = model(rg, torch.tensor([0]), steps="auto", reach=([src], [0]), margin=margin,
                                  return_steps=True, return_wave=True)
            assert used == math.ceil(margin * src)  # the wave needs exactly src steps to reach node src
            assert torch.isfinite(wave[src, 0]) and not torch.isfinite(wave[used + 1, 0])
        # a margin past the graph: the pass stops when the wave stops changing (exact), not at max_steps
        _, used = model(rg, torch.tensor([0]), steps="auto", reach=([39], [0]), margin=50.0, return_steps=True)
        assert used == 40
        with pytest.raises(ValueError, match="needs reach"):
            model(rg, torch.tensor([0]), steps="auto")


def test_router_graph_weights_do_not_share_the_graphs_read_only_array():
    """The weight tensor has its own memory: a tensor over the graph's (read-only) array warned, and an
    in-place change of it changed the graph."""
    g = random_graph(20, 60, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rg = RouterGraph.from_graph(g)
    assert not np.shares_memory(rg.w.numpy(), g.edge_attrs[g.default_weight])
    assert rg.w.tolist() == g.weights().tolist()


def test_pyg_generated_module_is_removed_when_the_process_exits(tmp_path):
    """PyG's generated propagate() was left as a .py file in /tmp by every route / compare / train run."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, tempfile; from graphroute.neural.router.model import BFRouter; BFRouter(hidden=4); "
            "print([m.__file__ for n, m in sys.modules.items() if n.endswith('_MinStep_propagate')][0]); "
            "print(tempfile.gettempdir())")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "TMPDIR": str(tmp_path)})
    generated, tempdir = res.stdout.split()
    assert Path(generated).parent.name.startswith("graphroute-pyg-") and tempdir == str(tmp_path)
    assert not Path(generated).exists() and list(tmp_path.iterdir()) == []
