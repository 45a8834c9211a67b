"""graphroute evaluate (cli/evaluate.py): what a mutation audit found unchecked. Options are forwarded to
the evaluation, options of the other --task are refused by name, the --size 1 guard, the table, the
exit code of infeasible solutions and the --json keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.cli._errors import one_line_error, run  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CKPTS = REPO / "data" / "checkpoints"
JSON_KEYS = {"checkpoint", "problem", "size", "num", "seed", "augment", "mean_cost", "time_s", "reference",
             "reference_mean_cost", "mean_gap_pct", "reference_time_s", "infeasible", "distribution",
             "augment_requested", "reference_mean_cost_all"}


def _result(**kw):
    from graphroute.neural.evaluate import EvalResult

    base = dict(checkpoint="runs/fake.pt", problem="cvrp", size=7, num=5, seed=100, augment=8, mean_cost=1.234567,
                time_s=2.345, reference="savings 0.3s", reference_mean_cost=1.111111, mean_gap_pct=11.1111,
                reference_time_s=3.21, infeasible=0, distribution="clustered", augment_requested=8)
    base.update(kw)
    return EvalResult(**base)


@pytest.fixture
def fake_eval(monkeypatch):
    """Replace the evaluation by one that records its arguments and returns ``calls['result']``
    (a note is sent through ``on_note`` when ``calls['note']`` is set)."""
    from graphroute.neural import evaluate as ev

    calls = {"result": _result(), "note": None}

    def fake(checkpoint, **kw):  # noqa: ANN001, ANN003, ANN202
        calls["checkpoint"], calls["kw"] = checkpoint, kw
        if calls["note"] is not None:
            kw["on_note"](calls["note"])
        return calls["result"]

    monkeypatch.setattr(ev, "evaluate_checkpoint", fake)
    return calls


def _row(stdout: str, first: str) -> list[str]:
    """The cells of the table row whose first cell starts with ``first``."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0].startswith(first):
            return cells
    raise AssertionError(f"no row {first!r} in\n{stdout}")


# --- options reach the evaluation ----------------------------------------------------------------------


def test_every_vrp_option_is_forwarded(fake_eval, tmp_path):
    """--problem/--size/--num/--seed/--augment/--distribution/--reference/--reference-time/--workers reach the evaluation."""
    from graphroute.neural.train import resolve_device

    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--problem", "cvrp", "--size", 7, "--num", 5,
              "--seed", 100, "--augment", 1, "--distribution", "mixed", "--reference", "savings",
              "--reference-time", 0.3, "--workers", 3, "--device", "auto", "--json")
    assert res.exit_code == 0, res.output
    kw = fake_eval["kw"]
    assert Path(fake_eval["checkpoint"]) == tmp_path / "c.pt"
    assert (kw["problem"], kw["size"], kw["num"], kw["seed"]) == ("cvrp", 7, 5, 100)
    assert (kw["augment_k"], kw["distribution"]) == (1, "mixed")
    assert (kw["reference"], kw["reference_time"], kw["workers"]) == ("savings", 0.3, 3)
    assert kw["device"] == str(resolve_device("auto")) != "auto"  # resolved before the evaluation
    assert callable(kw["on_note"])


def test_defaults_reach_the_evaluation(fake_eval, tmp_path):
    """Without options: the checkpoint's problem and size, 1000 seeds from 2026, x8, uniform, pyvrp at 1 s."""
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--json")
    assert res.exit_code == 0, res.output
    kw = fake_eval["kw"]
    assert (kw["problem"], kw["size"], kw["num"], kw["seed"], kw["augment_k"]) == (None, None, 1000, 2026, 8)
    assert (kw["distribution"], kw["reference"], kw["reference_time"], kw["workers"]) == ("uniform", "pyvrp", 1.0, 1)


def test_reference_none_is_no_reference_and_refuses_a_reference_time(fake_eval, tmp_path):
    """--reference none evaluates without a reference; a --reference-time given with it would be ignored,
    so it is refused by name (as a --task kg evaluation refuses the vrp options)."""
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--reference", "none", "--json")
    assert res.exit_code == 0, res.output
    assert fake_eval["kw"]["reference"] is None
    del fake_eval["kw"]
    one_line_error(run("evaluate", "--checkpoint", tmp_path / "c.pt", "--reference", "none", "--reference-time", 1),
                   "--reference-time does not apply to --reference none")
    assert "kw" not in fake_eval
    one_line_error(run("evaluate", "--checkpoint", tmp_path / "c.pt", "--reference", "none", "--workers", 4),
                   "--workers does not apply to --reference none (no reference is solved)")  # it was ignored
    assert "kw" not in fake_eval
    one_line_error(run("evaluate", "--checkpoint", tmp_path / "c.pt", "--reference", "savings", "--reference-time", 0),
                   "--reference-time")


def test_real_options_change_the_evaluated_set():
    """On the shipped TSP20 model: --size, --num, --seed, --augment and --distribution are the ones reported."""
    res = run("evaluate", "--checkpoint", CKPTS / "pomo_tsp20.pt", "--num", 3, "--seed", 5, "--size", 10,
              "--augment", 1, "--distribution", "clustered", "--reference", "none", "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert (obj["size"], obj["num"], obj["seed"], obj["augment"]) == (10, 3, 5, 1)
    assert obj["distribution"] == "clustered" and obj["reference"] is None


def test_bad_device_is_one_line_for_both_tasks():
    """--device tpu is refused by name for --task vrp and --task kg (not a torch traceback)."""
    one_line_error(run("evaluate", "--checkpoint", CKPTS / "pomo_tsp20.pt", "--num", 2, "--reference", "none",
                       "--device", "tpu"), "unknown device 'tpu'")
    one_line_error(run("evaluate", "--task", "kg", "--checkpoint", CKPTS / "kg_umls_distmult.pt", "--device", "tpu"),
                   "unknown device 'tpu'")


def test_task_kg_forwards_max_queries(shared_data):
    """--task kg --max-queries 4 ranks 4 queries."""
    res = run("evaluate", "--task", "kg", "--checkpoint", CKPTS / "kg_umls_distmult.pt", "--max-queries", 4, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["queries"] == 4


# --- options of the other task ------------------------------------------------------------------------


@pytest.mark.parametrize("option, value", [("--problem", "tsp"), ("--size", 20), ("--num", 5), ("--seed", 1),
                                           ("--distribution", "mixed"), ("--augment", 1), ("--reference", "none"),
                                           ("--reference-time", 0.5), ("--workers", 2), ("--workers", 0)])
def test_vrp_options_are_refused_for_task_kg(tmp_path, option, value):
    """Each routing-only option given with --task kg is one line naming it (before the checkpoint is read)."""
    res = run("evaluate", "--task", "kg", "--checkpoint", tmp_path / "none.pt", option, value)
    one_line_error(res, f"{option} does not apply to --task kg")


@pytest.mark.parametrize("option, value", [("--split", "valid"), ("--max-queries", 4), ("--data", "kg")])
def test_kg_options_are_refused_for_task_vrp(tmp_path, option, value):
    """Each KG-only option given with --task vrp is one line naming it."""
    res = run("evaluate", "--checkpoint", tmp_path / "none.pt", option, value)
    one_line_error(res, f"{option} does not apply to --task vrp")


@pytest.mark.parametrize("task, option, value", [("kg", "--num", 1000), ("kg", "--reference", "pyvrp"),
                                                 ("kg", "--reference-time", 1.0), ("vrp", "--split", "test")])
def test_a_foreign_option_typed_at_its_default_value_is_refused_too(tmp_path, task, option, value):
    """Options were told apart by comparing with their defaults: --task kg --num 1000 passed silently."""
    res = run("evaluate", "--task", task, "--checkpoint", tmp_path / "none.pt", option, value)
    one_line_error(res, f"{option} does not apply to --task {task}")


def test_several_foreign_options_are_all_named(tmp_path):
    """Two or more: all named, in order, with 'do'."""
    res = run("evaluate", "--checkpoint", tmp_path / "none.pt", "--split", "valid", "--max-queries", 3, "--data", "x")
    one_line_error(res, "--split, --max-queries, --data do not apply to --task vrp")


@pytest.mark.parametrize("task", ["graph", "routing", "KG"])
def test_unknown_task_lists_the_tasks(tmp_path, task):
    """An unknown --task is one line with the two available ones."""
    one_line_error(run("evaluate", "--task", task, "--checkpoint", tmp_path / "none.pt"),
                   f"unknown task {task!r}; available: vrp, kg")


# --- --size 1 -----------------------------------------------------------------------------------------


def test_size_one_atsp_is_refused_too():
    """ATSP tours of one city cost 0 as TSP ones do: refused with the --size 1 line."""
    one_line_error(run("evaluate", "--checkpoint", CKPTS / "matnet_atsp20.pt", "--size", 1, "--num", 2,
                       "--reference", "none"), "--size 1 gives one-city tours")


def test_size_one_cvrp_is_evaluated():
    """A one-customer CVRP route still has a cost: --size 1 is allowed there."""
    res = run("evaluate", "--checkpoint", CKPTS / "pomo_cvrp20.pt", "--size", 1, "--num", 2, "--reference", "none",
              "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["problem"] == "cvrp" and obj["size"] == 1 and obj["mean_cost"] > 0


def test_size_one_guard_leaves_other_errors_their_own_message(tmp_path):
    """A missing checkpoint, or --problem naming another model, is reported as such even with --size 1."""
    one_line_error(run("evaluate", "--checkpoint", tmp_path / "none.pt", "--size", 1, "--reference", "none"),
                   "checkpoint not found")
    one_line_error(run("evaluate", "--checkpoint", CKPTS / "pomo_tsp20.pt", "--problem", "cvrp", "--size", 1,
                       "--reference", "none"), "is a tsp model, not cvrp")


# --- output -------------------------------------------------------------------------------------------


def test_json_has_the_result_keys_and_values(fake_eval, tmp_path):
    """--json is exactly the result's fields, values unchanged; notes go to stderr."""
    fake_eval["note"] = "costs [cached] at 0.5 s"
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--json")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert set(obj) == JSON_KEYS
    assert obj["mean_cost"] == 1.234567 and obj["reference_mean_cost"] == 1.111111 and obj["num"] == 5
    assert "note: costs [cached] at 0.5 s" in res.stderr


def test_table_shows_the_result(fake_eval, tmp_path):
    """Title (name, set, seed range), the model row and the reference row, with their numbers."""
    fake_eval["note"] = "costs [cached] at 0.5 s"
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "fake.pt on 5 cvrp7 clustered instances (seeds 100..104)" in " ".join(out.split())
    assert "note: costs [cached] at 0.5 s" in out
    assert _row(out, "neural") == ["neural x8 aug, all starts", "1.2346", "11.111%", "2.3 s"]
    assert _row(out, "savings") == ["savings 0.3s", "1.1111", "0 (reference)", "3.2 s (cached ones count 0)"]
    assert "matrix model" not in out and "infeasible" not in out


def test_table_without_reference_and_matrix_model(fake_eval, tmp_path):
    """No reference: one row, gap '-'; a matrix model decoding x1 when x8 was asked says why."""
    fake_eval["result"] = _result(reference=None, reference_mean_cost=None, mean_gap_pct=None, reference_time_s=None,
                                  augment=1, augment_requested=8)
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--reference", "none")
    assert res.exit_code == 0, res.output
    assert _row(res.stdout, "neural") == ["neural x1 aug (matrix model: no symmetry), all starts", "1.2346", "-",
                                          "2.3 s"]
    assert "(reference)" not in res.stdout


@pytest.mark.parametrize("bad", [1, 3])
def test_infeasible_solutions_exit_2(fake_eval, tmp_path, bad):
    """Any infeasible model solution is counted in red and exits 2 after the table."""
    fake_eval["result"] = _result(infeasible=bad)
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt")
    assert res.exit_code == 2, res.output
    assert f"{bad} infeasible model solutions" in res.stdout and "neural x8 aug" in res.stdout


def test_infeasible_solutions_exit_2_under_json_too(fake_eval, tmp_path):
    """--json printed the count and exited 0: a script checking the exit code saw success."""
    fake_eval["result"] = _result(infeasible=2)
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt", "--json")
    assert res.exit_code == 2, res.output
    assert json.loads(res.stdout)["infeasible"] == 2
    fake_eval["result"] = _result(infeasible=0)
    assert run("evaluate", "--checkpoint", tmp_path / "c.pt", "--json").exit_code == 0


def test_infeasible_solutions_say_which_instances_the_means_cover(fake_eval, tmp_path):
    fake_eval["result"] = _result(infeasible=1, reference_mean_cost_all=1.25)
    res = run("evaluate", "--checkpoint", tmp_path / "c.pt")
    assert res.exit_code == 2, res.output
    text = " ".join(res.stdout.split())
    assert ("1 infeasible model solutions; both mean costs and the gap are over the other 4 (the reference's over "
            "all 5: 1.2500)") in text


def test_an_unknown_problem_and_the_article_of_a_model():
    """--problem foo read 'is a tsp model, not foo'; 'a atsp model' is 'an atsp model'."""
    res = run("evaluate", "--checkpoint", CKPTS / "pomo_tsp20.pt", "--problem", "foo", "--num", 2,
              "--reference", "none")
    one_line_error(res, "unknown problem 'foo'; available: tsp, cvrp, atsp, acvrp")
    res = run("evaluate", "--checkpoint", CKPTS / "matnet_atsp20.pt", "--problem", "tsp", "--num", 2,
              "--reference", "none")
    one_line_error(res, "checkpoint matnet_atsp20.pt is an atsp model, not tsp")
