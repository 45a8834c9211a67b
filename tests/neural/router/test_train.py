"""Router training: typed config errors, a tiny run through 'graphroute train --task router', resume, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from graphroute.exceptions import ConfigError, InvalidArgumentError
from graphroute.neural.router.train import RouterConfig, export_checkpoint, load_router, run_from_yaml

REPO = Path(__file__).resolve().parents[3]
TINY = REPO / "experiments/configs/router_tiny.yaml"


@pytest.mark.parametrize("d, message", [
    ({"hiden": 3}, "unknown config key 'hiden'"),
    ({"kinds": ["grid", "maze"]}, "unknown kind 'maze'"),
    ({"kinds": "maze"}, "unknown kind 'maze'"),  # walkthrough: a string was split into its letters ('m')
    ({"kinds": 5}, r"'kinds' must be a list of graph kinds \(grid, delaunay, geometric\), got int 5"),
    ({"kinds": None}, "'kinds' must be a list of graph kinds"),  # was "'NoneType' object is not iterable"
    ({"min_nodes": 50, "max_nodes": 10}, "min_nodes"),
    ({"lr": -1}, "'lr' must be a positive number"),
    ({"weight": "hops"}, "'weight' must be time or length"),
    ({"steps": 0}, "'steps' must be a positive integer"),
    ({"seed": -1}, "'seed' must be an integer >= 0"),
    ({"threads": 0}, "'threads' must be a positive integer or null"),
    ({"val_graphs": 0}, "'val_graphs' must be a positive integer"),  # val nan: best.pt would never be written
])
def test_bad_config_names_the_key(d, message):
    with pytest.raises(ConfigError, match=message):
        RouterConfig.from_dict(d)


def test_one_kind_as_a_string_is_that_kind():
    assert RouterConfig.from_dict({"kinds": "grid"}).kinds == ("grid",)


def test_shipped_config_loads():
    cfg = RouterConfig.from_yaml(REPO / "experiments/configs/router_road.yaml")
    assert cfg.max_nodes <= 1000 and cfg.task == "router"


def test_tiny_run_checkpoints_logs_and_resumes(tmp_path):
    seen = []
    res = run_from_yaml(TINY, out=tmp_path, on_progress=seen.append)
    assert res.step == 3 and len(seen) == 3
    assert (tmp_path / "last.pt").is_file() and (tmp_path / "best.pt").is_file()
    assert (tmp_path / "log.csv").read_text().splitlines()[0].startswith("step,loss,final_rel_err,val_rel_err")
    res = run_from_yaml(TINY, out=tmp_path, resume=tmp_path / "last.pt", overrides={"steps": 4})
    assert res.step == 4
    with pytest.raises(InvalidArgumentError, match="another config"):
        run_from_yaml(TINY, out=tmp_path, resume=tmp_path / "last.pt", overrides={"hidden": 4, "steps": 5})
    shipped = export_checkpoint(tmp_path / "last.pt", tmp_path / "router.pt")
    assert "optimizer" not in torch.load(shipped, weights_only=False)
    model, cfg = load_router(shipped)
    assert cfg.hidden == 8 and not model.training


def test_load_router_refuses_other_checkpoints(tmp_path):
    torch.save({"task": "vrp", "model": {}, "model_config": {}}, tmp_path / "x.pt")
    with pytest.raises(InvalidArgumentError, match="not a router checkpoint"):
        load_router(tmp_path / "x.pt")


def test_device_choice(tmp_path):
    """auto trains where CUDA is (here or not); cuda without CUDA is a one-line error, not a crash."""
    import csv

    res = run_from_yaml(TINY, out=tmp_path / "auto", device="auto", overrides={"steps": 2})
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch.load(tmp_path / "auto/last.pt", weights_only=False)["device"].startswith(expected)
    assert res.step == 2
    if not torch.cuda.is_available():
        with pytest.raises(InvalidArgumentError, match="CUDA is not available"):
            run_from_yaml(TINY, out=tmp_path / "cuda", device="cuda")
        return
    cpu = run_from_yaml(TINY, out=tmp_path / "cpu", device="cpu", overrides={"steps": 2})
    gpu = run_from_yaml(TINY, out=tmp_path / "gpu", device="cuda", overrides={"steps": 2})
    losses = [[float(r["loss"]) for r in csv.DictReader(open(d / "log.csv"))] for d in (cpu.out_dir, gpu.out_dir)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)  # same graphs and labels, float64 on both


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_pass_matches_cpu():
    from graphroute.graphs.synthetic import synthetic_graph
    from graphroute.neural.router.model import BFRouter, RouterGraph

    rg = RouterGraph.from_graph(synthetic_graph("delaunay", 300, seed=1))
    model = BFRouter().eval()
    t = torch.tensor([0, 5, 299])
    with torch.no_grad():
        a = model(rg, t, steps=20)
        b = model.to("cuda")(rg.to("cuda"), t.cuda(), steps=20).cpu()
    assert torch.allclose(a, b, rtol=1e-5)


def test_a_fresh_run_clears_the_earlier_runs_checkpoints_and_temp_files(tmp_path):
    """A fresh run in a used folder leaves no checkpoint of the earlier run beside its own (a stale best.pt
    was evaluated as if it were this run's), and a killed write's temp file goes."""
    (tmp_path / "best.pt").write_bytes(b"an earlier run's")
    (tmp_path / ".last.pt.123.tmp").write_bytes(b"half written")
    (tmp_path / "notes.txt").write_text("mine")
    run_from_yaml(TINY, out=tmp_path, overrides={"steps": 1, "val_every": 1000})
    assert not (tmp_path / ".last.pt.123.tmp").exists() and (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "best.pt").read_bytes() != b"an earlier run's"


def test_torchrun_is_refused_in_one_line(tmp_path, monkeypatch):
    """Every rank used to train the same run into the same folder."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(InvalidArgumentError, match="only --task vrp supports torchrun"):
        run_from_yaml(TINY, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_resume_drops_a_best_checkpoint_from_beyond_the_resumed_step(tmp_path):
    """As the VRP trainer: best.pt from after last.pt (a killed run) goes, and a new one is written."""
    run_from_yaml(TINY, out=tmp_path)
    best = tmp_path / "best.pt"
    ck = torch.load(best, weights_only=False)
    ck["step"], ck["best_val"] = 9, -1.0  # a validation after the last checkpoint, better than any real one
    torch.save(ck, best)
    run_from_yaml(TINY, out=tmp_path, resume=tmp_path / "last.pt", overrides={"steps": 4})
    assert torch.load(best, weights_only=False)["step"] == 4  # the resumed run's own best, not step 9's


def test_a_graph_too_sparse_to_route_is_drawn_again_not_a_stop_mid_run():
    """Walkthrough: min_nodes 4 with geometric graphs stopped training at step 44 with "raise radius" (no
    such router key), and a resume met the same seeded draw."""
    from graphroute.neural.router.train import sample_graph

    cfg = RouterConfig.from_dict({"min_nodes": 4, "max_nodes": 40, "kinds": ["grid", "geometric"]})
    for seed in (44, 53, 65):  # each one's first draw keeps under 4 connected nodes
        _, g = sample_graph(cfg, seed)
        assert g.n_nodes >= 4
        assert sample_graph(cfg, seed)[1].indices.tolist() == g.indices.tolist()  # seeded: a resume sees the same
    shipped = RouterConfig.from_yaml(REPO / "experiments/configs/router_road.yaml")
    _, g0 = sample_graph(shipped, 0)  # a good first draw is the graph it always was
    rng = np.random.default_rng(0)
    kind = shipped.kinds[int(rng.integers(len(shipped.kinds)))]
    n = int(rng.integers(shipped.min_nodes, shipped.max_nodes + 1))
    from graphroute.graphs.synthetic import synthetic_graph

    ref = synthetic_graph(kind, n, seed=0, perturb=float(rng.uniform(0.1, 0.4)),
                          drop=float(rng.uniform(0, 0.1)) if kind == "grid" else 0.0)
    assert g0.indices.tolist() == ref.indices.tolist()


def test_no_routable_graph_in_many_draws_names_the_router_keys(monkeypatch):
    import graphroute.graphs.synthetic as syn
    from graphroute.neural.router.train import sample_graph

    def sparse(*a, **k):
        raise InvalidArgumentError("with these settings the largest strongly connected component keeps only 2 of 8 "
                                   "nodes; raise radius")

    monkeypatch.setattr(syn, "synthetic_graph", sparse)
    with pytest.raises(ConfigError, match=r"config keys 'min_nodes' \(4\) and 'kinds' \(geometric\): 20 graphs drawn "
                                          r"for seed 7 each kept fewer than 4 connected nodes; raise min_nodes"):
        sample_graph(RouterConfig.from_dict({"min_nodes": 4, "max_nodes": 8, "kinds": ["geometric"]}), 7)
