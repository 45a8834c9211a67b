"""evaluate refuses, before generating anything, a run whose instance set, model decoding or reference
solves cannot fit in the memory available. Linux lets the allocations through and kills the process
part way (``--size 1000000`` was killed, no MemoryError), so the estimate is checked up front. The
available memory is replaced by fixed numbers: nothing large is allocated here."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from graphroute import memory
from graphroute.exceptions import InvalidArgumentError, SolverError
from graphroute.neural import decoding
from graphroute.neural import evaluate as ev
from graphroute.neural.models import AttentionModel, ModelConfig

GB = 10**9
CKPTS = Path(__file__).resolve().parents[2] / "data" / "checkpoints"
SHIPPED = {"embed_dim": 128, "num_heads": 8, "ff_dim": 512}


@pytest.fixture
def free(monkeypatch):
    """Set the memory available (bytes; ``free["cpu"]``, ``free["cuda"]``) and make sure nothing is generated
    or decoded when the run is refused."""
    avail = {"cpu": 24 * GB, "cuda": 80 * GB}
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": avail["cuda" if "cuda" in str(device) else "cpu"])
    return avail


def _no_work(monkeypatch):  # noqa: ANN001, ANN202
    def fail(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the run was not refused before the work")

    monkeypatch.setattr(ev, "eval_instances", fail)
    monkeypatch.setattr(ev, "model_costs", fail)


@pytest.mark.skipif(not (CKPTS / "pomo_tsp20.pt").is_file(), reason="no shipped checkpoints")
def test_a_million_cities_is_refused_by_name_before_anything_is_generated(free, monkeypatch):
    _no_work(monkeypatch)
    with pytest.raises(InvalidArgumentError) as err:
        ev.evaluate_checkpoint(CKPTS / "pomo_tsp20.pt", size=1_000_000, num=2, reference=None)
    msg = str(err.value)
    assert msg.startswith("decoding --size 1,000,000 (2 instances at a time, x8 augmentation, 1,000,000 starts each): "
                          "about ") and "TB of memory needed, 24 GB available; lower --size" in msg
    assert "\n" not in msg


def _checkpoint(tmp_path, problem="tsp"):  # noqa: ANN001, ANN202
    torch.manual_seed(0)
    model = AttentionModel(ModelConfig(problem=problem, embed_dim=16, num_layers=1, num_heads=2, ff_dim=16))
    path = tmp_path / "m.pt"
    torch.save({"model": model.state_dict(), "model_config": asdict(model.config), "config": {"size": 6}}, path)
    return path


def test_the_instance_set_is_checked_on_the_host_before_it_is_generated(free, tmp_path, monkeypatch):
    """A million-city set of 1,000 instances is 48 GB of coordinates before any model runs."""
    _no_work(monkeypatch)
    monkeypatch.setattr(decoding, "decode_memory_bytes", lambda *a, **kw: 0)
    with pytest.raises(InvalidArgumentError, match=r"^--num 1,000 instances of --size 1,000,000: about 48 GB of "
                                                   r"memory needed, 24 GB available; lower --num or --size$"):
        ev.evaluate_checkpoint(_checkpoint(tmp_path), size=1_000_000, num=1000, reference=None)


def test_decoding_on_cuda_is_checked_against_the_gpu(free, monkeypatch):
    seen = []
    monkeypatch.setattr(decoding, "decode_memory_bytes", lambda *a, **kw: seen.append(kw["device"]) or 90 * GB)
    with pytest.raises(InvalidArgumentError, match="of GPU memory needed, 80 GB available"):
        ev.check_eval_memory("tsp", 50, 2, device="cuda")
    free["cuda"] = 100 * GB
    ev.check_eval_memory("tsp", 50, 2, device="cuda")
    assert seen == ["cuda", "cuda"]


def test_reference_solves_are_checked_once_the_missing_ones_are_known(free, tmp_path, monkeypatch):
    """The model's decoding fits, the references' dense matrices (one per worker) do not: refused
    before the model runs; with every reference cached nothing is solved and nothing refused."""
    monkeypatch.setattr(decoding, "decode_memory_bytes", lambda *a, **kw: 0)
    monkeypatch.setattr(ev, "REFERENCE_CSV", tmp_path / "project.csv")
    monkeypatch.setenv("GRAPHROUTE_REFERENCE_CACHE", str(tmp_path / "cache.csv"))
    monkeypatch.setattr(ev, "model_costs", lambda model, insts, **kw: ([1.0] * len(insts), []))
    monkeypatch.setattr(ev, "reference_costs", lambda insts, *a, **kw: [1.0] * len(insts))
    free["cpu"] = 4000  # 48 bytes x 7 x 7 nodes = 2,352 per solve
    ck = _checkpoint(tmp_path, "cvrp")
    assert ev.evaluate_checkpoint(ck, size=6, num=2, reference="pyvrp").mean_gap_pct == 0.0
    with pytest.raises(InvalidArgumentError, match=r"^2 pyvrp reference solves at once \(--workers\) of --size 6 "
                                                   r"\(7 x 7 distance matrices\): .* lower --size or --workers, "
                                                   r"or pass --reference none$"):
        ev.evaluate_checkpoint(ck, size=6, num=2, reference="pyvrp", workers=4)
    insts = ev.eval_instances("cvrp", 6, 2, 2026)
    with (tmp_path / "cache.csv").open("w") as fh:
        fh.write("instance,solver,time_limit,cost,runtime_s\n")
        fh.writelines(f"{i.name},pyvrp,1,5.0,0.1\n" for i in insts)
    assert ev.evaluate_checkpoint(ck, size=6, num=2, reference="pyvrp", workers=4).reference_mean_cost == 1.0


@pytest.mark.parametrize("problem, size, num", [
    ("tsp", 20, 1000), ("tsp", 50, 1000), ("cvrp", 20, 1000), ("cvrp", 50, 1000),  # data/checkpoints/README.md
    ("atsp", 20, 1000), ("acvrp", 20, 1000), ("tsp", 100, 1000), ("cvrp", 100, 1000),
    ("cvrp", 1000, 2), ("tsp", 1000, 2),  # X-instance sizes, a look
])
def test_the_published_evaluations_fit_in_a_few_gb(problem, size, num, free):
    """Conservative, not silly: the README's evaluations (1,000 instances of n <= 100) and a look at
    X-instance sizes pass with 4 GB available on the CPU, and on a 16 GB GPU (which decodes 250
    instances x8 at once, where the CPU goes 64 rows at a time)."""
    free["cpu"], free["cuda"] = 4 * GB, 16 * GB
    ev.check_eval_memory(problem, size, num, model_config=SHIPPED)
    ev.check_eval_memory(problem, size, num, device="cuda", model_config=SHIPPED)
    ev.check_reference_memory(problem, size, "pyvrp", workers=4)


def test_the_estimate_grows_with_the_starts_rows_and_nodes():
    base = decoding.decode_memory_bytes("tsp", 200, 2)
    assert decoding.decode_memory_bytes("tsp", 200, 4) > base
    assert decoding.decode_memory_bytes("tsp", 200, 2, num_starts=20) < base
    assert decoding.decode_memory_bytes("tsp", 200, 2, augment_k=1) < base
    assert decoding.decode_memory_bytes("tsp", 400, 2) > 3 * base  # O(R N^2) with every start
    assert decoding.decode_memory_bytes("tsp", 10**6, 2) > 10**15  # petabytes


def test_solve_neural_refuses_an_instance_whose_passes_cannot_fit(free, monkeypatch):
    from graphroute.neural import solve as mod
    from graphroute.problems.generate import generate

    if not (CKPTS / "pomo_tsp20.pt").is_file():
        pytest.skip("no shipped checkpoints")
    inst = generate("tsp", 20, seed=5)
    free["cpu"] = 1000
    with pytest.raises(SolverError, match=rf"^neural: decoding {inst.name} \(20 nodes, 20 starts\) needs about "
                                          r".* MB of memory, 0.00 MB available; try a smaller instance"):
        mod.solve_neural(inst, time_limit=60, checkpoint=CKPTS / "pomo_tsp20.pt")
    # X-n1001-k43 sized, 100 starts: a fraction of a GB
    assert decoding.decode_memory_bytes("cvrp", 1001, 1, augment_k=1, num_starts=100, **SHIPPED) < GB
