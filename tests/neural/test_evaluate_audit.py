"""graphroute.neural.evaluate: the seeded set, the reference cache lookups, and evaluate_checkpoint's
means and gaps against by-hand values (the model's and the reference's costs replaced by fixed lists)."""

from __future__ import annotations

import csv
import importlib
import re
from dataclasses import asdict

import pytest
import torch

import graphroute.neural.decoding as decoding
from graphroute.exceptions import InvalidArgumentError
from graphroute.neural import evaluate as ev
from graphroute.neural.models import AttentionModel, ModelConfig
from graphroute.problems.generate import generate
from graphroute.problems.instance import Solution

checker = importlib.import_module("graphroute.check")  # the module (graphroute.check is also a function)


def write_cache(path, rows):  # noqa: ANN001, ANN201
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instance", "solver", "time_limit", "cost", "runtime_s"])
        w.writerows([[n, s, t, repr(c), "0.1"] for n, s, t, c in rows])
    return path


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


def test_the_set_is_instance_i_from_seed_plus_i():
    insts = ev.eval_instances("tsp", 7, 3, seed=40)
    assert [i.name for i in insts] == [generate("tsp", 7, seed=40 + i).name for i in range(3)]
    assert len({i.name for i in insts}) == 3
    with pytest.raises(InvalidArgumentError, match="--num must be at least 1, got 0"):
        ev.eval_instances("tsp", 7, 0, seed=40)


def test_cached_reference_takes_the_longest_time_unless_one_is_asked(tmp_path):
    path = write_cache(tmp_path / "c.csv", [("a", "pyvrp", "0.5", 2.0), ("a", "pyvrp", "1", 1.5),
                                             ("b", "pyvrp", "0.5", 3.0), ("a", "ortools", "9", 0.1)])
    a, b = Named("a"), Named("b")
    assert ev.cached_reference([a], path=path) == [1.5]
    assert ev.cached_reference([a, b], time_limit=0.5, path=path) == [2.0, 3.0]
    assert ev.cached_reference([a, b], time_limit=1.0, path=path) is None  # b is not cached at 1 s
    assert ev.cached_reference_times([a, b], path=path) == [0.5]  # a alone at 1 s does not count
    assert ev.reference_time_note([a, b], "pyvrp", 0.5, path=path) is None  # cached where asked
    note = ev.reference_time_note([a, b], "pyvrp", 2.0, path=path)
    assert note.startswith("2 of the 2 pyvrp reference costs are not cached at --reference-time 2")


def _checkpoint(tmp_path):  # noqa: ANN001, ANN202
    torch.manual_seed(0)
    model = AttentionModel(ModelConfig(problem="tsp", embed_dim=16, num_layers=1, num_heads=2, ff_dim=16))
    path = tmp_path / "m.pt"
    torch.save({"model": model.state_dict(), "model_config": asdict(model.config), "config": {"size": 6}}, path)
    return path


def test_means_infeasible_count_and_mean_per_instance_gap(tmp_path, monkeypatch):
    """Model costs 2, inf (infeasible), 4 and 3 against references 1, 5, 4 and 2: mean cost over the
    feasible (3.0), one infeasible, reference mean over the same three instances 7/3 (over all four 3.0:
    the walkthrough found the two means over different instances), gap = mean of 100, 0 and 50 (50.0),
    not the gap of the means."""
    monkeypatch.setattr(ev, "model_costs", lambda model, insts, **kw: ([2.0, float("inf"), 4.0, 3.0], []))
    monkeypatch.setattr(ev, "reference_costs", lambda insts, *a, **kw: [1.0, 5.0, 4.0, 2.0])
    res = ev.evaluate_checkpoint(_checkpoint(tmp_path), num=4, augment_k=1)
    assert res.size == 6 and res.num == 4 and res.infeasible == 1
    assert res.mean_cost == pytest.approx(3.0)
    assert res.reference_mean_cost == pytest.approx(7 / 3) and res.reference_mean_cost_all == pytest.approx(3.0)
    assert res.mean_gap_pct == pytest.approx(50.0)


def test_model_costs_checks_every_instance_of_every_chunk_with_the_asked_augmentation(tmp_path, monkeypatch):
    ck = torch.load(_checkpoint(tmp_path), weights_only=False)
    model = AttentionModel(ModelConfig(**ck["model_config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    insts = ev.eval_instances("tsp", 6, 5, seed=3)
    seen = []
    real_best = decoding.best_solutions

    def best(*a, **kw):
        seen.append(kw.get("augment_k"))
        return real_best(*a, **kw)

    monkeypatch.setattr(decoding, "best_solutions", best)
    whole, routes = ev.model_costs(model, insts, augment_k=8)
    parts, _ = ev.model_costs(model, insts, augment_k=8, chunk=2)
    assert seen == [8, 8, 8, 8] and len(whole) == 5 and parts == pytest.approx(whole)
    for inst, r, c in zip(insts, routes, whole):
        assert checker.check(inst, Solution(r)).cost == pytest.approx(c)
    real_check = checker.check

    def check(inst, sol):  # noqa: ANN001, ANN202
        res = real_check(inst, sol)
        if inst.name == insts[1].name:
            res.violations.append("made infeasible by the test")
        return res

    monkeypatch.setattr(checker, "check", check)
    costs, _ = ev.model_costs(model, insts, augment_k=1)
    assert costs[1] == float("inf") and all(c < float("inf") for k, c in enumerate(costs) if k != 1)


def test_only_the_missing_references_are_solved(tmp_path, monkeypatch):
    path = write_cache(tmp_path / "c.csv", [("a", "pyvrp", "0.5", 2.0)])
    solved = []

    def solve_one(args):  # noqa: ANN001, ANN202
        inst, solver, limit = args
        solved.append((inst.name, solver, limit))
        return inst.name, 3.0, 0.1, True

    monkeypatch.setattr(ev, "_solve_one", solve_one)
    assert ev.reference_costs([Named("a"), Named("b")], "pyvrp", 0.5, path=path) == [2.0, 3.0]
    assert solved == [("b", "pyvrp", 0.5)]
    assert ev._read_cache(path) == {("a", "pyvrp", "0.5"): 2.0, ("b", "pyvrp", "0.5"): 3.0}


@pytest.mark.parametrize("kw,msg", [
    ({"device": "tpu"}, "unknown device 'tpu'"),
    ({"size": "20"}, "size must be an integer, got str '20'"),
    ({"num": 2.5}, "num must be an integer, got float 2.5"),
    ({"workers": 0}, "workers must be at least 1, got 0"),
    ({"seed": -1}, "seed must be >= 0, got -1"),  # it named the workers too, which were fine
    ({"reference_time": float("nan")}, "reference_time must be a number of seconds > 0"),
])
def test_evaluate_checkpoint_names_bad_arguments_before_loading(kw, msg, tmp_path):
    """Walkthrough finding: device='tpu' was a raw torch RuntimeError, size='20' / num=2.5 raw TypeErrors,
    and workers=0 was accepted."""
    with pytest.raises(InvalidArgumentError, match=re.escape(msg)):
        ev.evaluate_checkpoint(tmp_path / "never-read.pt", **kw)


def test_no_feasible_model_solution_has_no_mean_cost(monkeypatch):
    """mean_cost was 0.0 (a perfect cost) when every model solution was infeasible; it is None, '-' in the table."""
    from pathlib import Path

    import graphroute.neural.evaluate as ev

    monkeypatch.setattr(ev, "model_costs", lambda model, insts, **kw: ([float("inf")] * len(insts), None))
    ck = Path(__file__).resolve().parents[2] / "data/checkpoints/pomo_tsp20.pt"
    res = ev.evaluate_checkpoint(ck, num=2, reference=None)
    assert res.mean_cost is None and res.infeasible == 2
