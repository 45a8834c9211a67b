"""The runner's promises (mutation audit 2026-12-04): a run's row says what happened (status, size, known
best, error), a worker runs single-threaded, a dead worker is ``crashed`` with its exit code and time, a
worker past its deadline is killed and recorded as ``timeout``, at most ``workers`` run at once, an
interrupted worker stops the grid and leaves no worker behind, a shipped task keeps its text and known
best. Workers that die, hang or are interrupted are made with a task option whose unpickling (in the
worker) does it; no Ray cluster is started."""

from __future__ import annotations

import dataclasses
import inspect
import multiprocessing as mp
import os
import signal
import sys
import time

import pytest

import graphroute.solvers as solvers
from graphroute.compare.runner import (
    EXIT_INTERRUPTED, Task, _attach_text, _restore_known, run_local, run_one, run_ray,
)
from graphroute.exceptions import MissingDependencyError
from graphroute.problems.io import read_instance
from tests.compare.test_runner import run_child  # a worker in a fresh interpreter

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


class _Call:
    """Pickles as ``fn(*args)``: the worker calls it while it unpickles its task."""

    def __init__(self, fn, *args):  # noqa: ANN001, ANN002
        self.fn, self.args = fn, args

    def __reduce__(self):  # noqa: ANN204
        return self.fn, self.args


def _task(examples, name: str, *calls: _Call, time_limit: float = 5.0) -> Task:
    return Task(name, str(examples / "tsp20.json"), "savings", 0, time_limit,
                {f"o{i}": c for i, c in enumerate(calls)})


def _alive() -> list:
    return [p for p in mp.active_children() if p.is_alive()]


@pytest.fixture
def no_leftover_workers():
    yield
    for p in _alive():  # only when the code under test left one running
        p.kill()
        p.join(5)


def test_exit_code_of_an_interrupted_worker_is_what_a_shell_reports_for_ctrl_c():
    assert EXIT_INTERRUPTED == 128 + signal.SIGINT


def test_default_grace_is_the_readmes_thirty_seconds():
    """README: a run past 1.5 x the time limit + 30 s is recorded as a timeout."""
    for fn in (run_local, run_ray):
        assert inspect.signature(fn).parameters["grace"].default == 30.0


def test_a_run_is_single_threaded(examples, monkeypatch):
    """The thread variables are 1 and a loaded torch is set to one thread (a stand-in torch: no import)."""
    calls = []
    fake_torch = type(sys)("torch")
    fake_torch.set_num_threads = calls.append
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    for var in THREAD_VARS:
        monkeypatch.setenv(var, "4")
    row = run_one(Task("tsp20", str(examples / "tsp20.json"), "savings", 0, 1.0))
    assert row["status"] == "ok" and calls == [1]
    assert [os.environ[v] for v in THREAD_VARS] == ["1"] * 4


def test_an_ok_row_says_problem_size_known_best_and_no_error(examples):
    row = run_one(Task("cvrp50-key", str(examples / "cvrp50.json"), "savings", 1, 1.0))
    inst = read_instance(examples / "cvrp50.json")
    assert row["status"] == "ok" and row["feasible"] is True and row["error"] is None
    assert (row["instance"], row["solver"], row["seed"]) == ("cvrp50-key", "savings", 1)
    assert row["problem"] == "cvrp" and row["n"] == inst.n and row["bks"] == inst.bks
    assert row["solution"]["instance_key"] == "cvrp50-key" and row["cost"] == row["solution"]["cost"]
    assert row["num_routes"] == len(row["solution"]["routes"])


def test_an_unreadable_instance_says_so(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    row = run_one(Task("bad", str(bad), "savings", 0, 1.0))
    assert row["status"] == "failed" and row["error"].startswith("cannot read instance: ")


def test_a_solver_that_does_not_solve_the_problem_is_unsupported(examples, monkeypatch):
    spec = solvers.get_solver("savings")
    monkeypatch.setitem(solvers.SOLVERS, "savings", dataclasses.replace(spec, problems=("cvrp",)))
    row = run_one(Task("tsp20", str(examples / "tsp20.json"), "savings", 0, 1.0))
    assert row["status"] == "unsupported" and row["error"] == "savings does not solve tsp"
    assert row["problem"] == "tsp" and row["n"] == 20


def test_a_solver_bug_is_failed_with_its_type_and_time(examples, monkeypatch):
    def boom(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("a bug")

    monkeypatch.setattr(solvers, "solve", boom)
    row = run_one(Task("tsp20", str(examples / "tsp20.json"), "savings", 0, 1.0))
    assert row["status"] == "failed" and row["error"] == "RuntimeError: a bug" and row["runtime_s"] >= 0


def test_an_infeasible_solution_is_recorded_as_infeasible_with_its_violations(examples, monkeypatch):
    res = solvers.solve(read_instance(examples / "cvrp50.json"), "savings", time_limit=1.0, seed=0)
    fake = dataclasses.replace(res, feasible=False, violations=["customer 7 never visited"])
    monkeypatch.setattr(solvers, "solve", lambda *a, **k: fake)
    row = run_one(Task("cvrp50", str(examples / "cvrp50.json"), "savings", 0, 1.0))
    assert row["status"] == "infeasible" and row["feasible"] is False
    assert row["error"] == "customer 7 never visited"


def test_a_row_that_cannot_be_sent_is_answered_with_a_failed_row(examples):
    body = """
        runner.run_one = lambda task: {"instance": "tsp20", "status": "ok", "solution": lambda: 0}
        runner._child(task, send)
        send.close()
        print(recv.recv())
    """
    res = run_child(examples, body)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "'status': 'failed'" in res.stdout and "result could not be sent: " in res.stdout


def test_a_worker_that_dies_is_crashed_with_its_exit_code_and_time(examples, no_leftover_workers):
    rows = []
    t0 = time.monotonic()
    run_local([_task(examples, "dies", _Call(os._exit, 3), time_limit=1.0)], workers=1, on_result=rows.append,
              grace=5.0)
    (row,) = rows
    assert row["status"] == "crashed" and row["error"] == "worker died (exit code 3)"
    assert 0 <= row["runtime_s"] <= time.monotonic() - t0
    assert (row["instance"], row["solver"], row["seed"]) == ("dies", "savings", 0)


def test_a_worker_past_its_deadline_is_killed_and_recorded_as_timeout(examples, no_leftover_workers):
    rows = []
    task = _task(examples, "hangs", _Call(time.sleep, 120), time_limit=2.0)
    run_local([task], workers=1, on_result=rows.append, grace=-2.0)  # killed 1.5 x 2 - 2 = 1 s after it starts
    (row,) = rows
    assert row["status"] == "timeout" and row["error"] == "killed after 1 s" and 1.0 <= row["runtime_s"] < 30
    assert _alive() == []


def test_at_most_workers_run_at_once(examples, no_leftover_workers):
    events = []
    tasks = [_task(examples, f"dies{i}", _Call(os._exit, 3), time_limit=1.0) for i in range(3)]
    run_local(tasks, workers=1, on_result=lambda r: events.append(("end", r["instance"])),
              on_start=lambda t: events.append(("start", t.instance)), grace=5.0)
    assert events == [("start", "dies0"), ("end", "dies0"), ("start", "dies1"), ("end", "dies1"),
                      ("start", "dies2"), ("end", "dies2")]


@pytest.mark.parametrize("how", ["exit code 130", "killed by SIGINT"])
def test_an_interrupted_worker_stops_the_grid_and_no_worker_is_left(examples, how, no_leftover_workers):
    """Ctrl-C: a worker that exits 130 (its KeyboardInterrupt) or dies of SIGINT is not recorded, the
    coordinator raises KeyboardInterrupt, and the other running workers are killed."""
    if how == "exit code 130":
        calls = (_Call(os._exit, EXIT_INTERRUPTED),)
    else:
        calls = (_Call(signal.signal, signal.SIGINT, signal.SIG_DFL), _Call(signal.raise_signal, signal.SIGINT))
    hangs = _task(examples, "hangs", _Call(time.sleep, 120), time_limit=60.0)
    rows = []
    with pytest.raises(KeyboardInterrupt):
        run_local([hangs, _task(examples, "stopped", *calls)], workers=2, on_result=rows.append, grace=5.0)
    assert rows == [] and _alive() == []


def test_without_ray_the_ray_executor_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'graphroute\[ray\]'"):
        run_ray([], workers=1, on_result=lambda r: None)


def test_restored_known_best_from_the_command_line(examples):
    inst = read_instance(examples / "tsp20.json")
    inst.meta["bks_note"] = "from the shipped text"
    inst.meta["source"] = "/tmp/worker-copy/tsp20.json"
    _restore_known(inst, Task("tsp20", "/data/tsp20.json", "savings", 0, 1.0, bks=7.5))
    assert (inst.bks, inst.bks_source, inst.bks_checked) == (7.5, "command line", None)
    assert "bks_note" not in inst.meta and inst.meta["source"] == "/data/tsp20.json"


def test_restored_no_known_best(examples):
    inst = read_instance(examples / "tsp20.json")
    inst.bks, inst.bks_source = 3.0, "somewhere"
    _restore_known(inst, Task("tsp20", "/data/tsp20.json", "savings", 0, 1.0))
    assert (inst.bks, inst.bks_source, inst.bks_checked) == (None, None, None)


def test_restored_known_best_from_beside_the_original_file(examples):
    inst = read_instance(examples / "tsp20.json")
    known = {"bks_source": "/data/tsp20.sol", "bks_checked": True, "meta": {"source": "orig", "note": "n"}}
    _restore_known(inst, Task("tsp20", "/data/tsp20.json", "savings", 0, 1.0, bks=9.0, known=known))
    assert (inst.bks, inst.bks_source, inst.bks_checked) == (9.0, "/data/tsp20.sol", True)
    assert inst.meta["source"] == "orig" and inst.meta["note"] == "n"


def test_a_task_that_already_carries_its_text_is_shipped_as_it_is(tmp_path):
    task = Task("gone", str(tmp_path / "gone.json"), "savings", 0, 1.0, text="{}", bks=4.0)
    _attach_text(task)
    assert (task.text, task.bks, task.known) == ("{}", 4.0, None)


def test_attached_text_carries_the_files_content_and_known_best(examples):
    path = examples / "cvrp50.json"
    task = Task("cvrp50", str(path), "savings", 0, 1.0)
    _attach_text(task)
    inst = read_instance(path)
    assert task.text == path.read_text() and task.bks == inst.bks
    assert task.known["bks_source"] == inst.bks_source and task.known["bks_checked"] == inst.bks_checked


def test_a_file_that_is_not_an_instance_is_not_shipped(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    task = Task("bad", str(bad), "savings", 0, 1.0)
    _attach_text(task)
    assert task.text is None


class _Ref:
    def __init__(self, fn, task):  # noqa: ANN001
        self.fn, self.task = fn, task


class FakeRay(type(sys)):
    """A stand-in ``ray`` module (no cluster): a task named "hangs" never ends, "dies" raises in ``get``,
    any other runs in this process with what was shipped to it."""

    def __init__(self):
        super().__init__("ray")
        self.inited, self.init_kwargs, self.shut, self.cancelled, self.shipped = False, None, False, [], []

    def is_initialized(self):  # noqa: ANN201
        return self.inited

    def init(self, **kw):  # noqa: ANN003, ANN201
        self.inited, self.init_kwargs = True, kw

    def shutdown(self):  # noqa: ANN201
        self.shut, self.inited = True, False

    def remote(self, **opts):  # noqa: ANN003, ANN201
        ray = self

        class Remote:
            def __init__(self, fn):  # noqa: ANN001
                self.fn = fn

            def remote(self, task):  # noqa: ANN001, ANN201
                ray.shipped.append((task.instance, task.text is not None))
                return _Ref(self.fn, task)

        return Remote

    def wait(self, refs, num_returns, timeout):  # noqa: ANN001, ANN201
        ready = [r for r in refs if r.task.instance != "hangs"][:num_returns]
        return ready, [r for r in refs if r not in ready]

    def get(self, ref):  # noqa: ANN001, ANN201
        if ref.task.instance == "dies":
            raise RuntimeError("the worker process died")
        return ref.fn(ref.task)

    def cancel(self, ref, force=False):  # noqa: ANN001, ANN201
        self.cancelled.append((ref.task.instance, force))


@pytest.fixture
def fake_ray(monkeypatch):
    ray = FakeRay()
    monkeypatch.setitem(sys.modules, "ray", ray)
    return ray


def test_ray_ships_the_file_text_and_records_each_outcome(examples, fake_ray):
    tasks = [Task(name, str(examples / "tsp20.json"), "savings", 0, 1.0) for name in ("ok", "dies", "hangs")]
    rows, started = [], []
    run_ray(tasks, workers=3, on_result=rows.append, on_start=lambda t: started.append(t.instance),
            address="10.0.0.1:6379", grace=-1.4)  # "hangs" is cancelled 0.1 s after it starts
    by = {r["instance"]: r for r in rows}
    assert started == ["ok", "dies", "hangs"] and fake_ray.shipped == [("ok", True), ("dies", True), ("hangs", True)]
    assert by["ok"]["status"] == "ok" and by["ok"]["solution"]["instance_key"] == "ok"
    assert by["dies"]["status"] == "crashed" and by["dies"]["error"] == "ray worker failed: RuntimeError"
    assert by["hangs"]["status"] == "timeout" and by["hangs"]["error"] == "cancelled at its deadline"
    assert fake_ray.cancelled == [("hangs", True)]
    assert fake_ray.init_kwargs["address"] == "10.0.0.1:6379" and fake_ray.shut


def test_ray_keeps_a_running_session_open(examples, fake_ray):
    fake_ray.inited = True
    rows = []
    run_ray([Task("ok", str(examples / "tsp20.json"), "savings", 0, 1.0)], workers=1, on_result=rows.append)
    assert [r["status"] for r in rows] == ["ok"] and fake_ray.init_kwargs is None and not fake_ray.shut


def test_ray_timeouts_and_crashes_keep_their_wall_time(examples, fake_ray):
    """REAL BUG (runner.py:254, 261): the module promises a timeout's and a crash's runtime_s (the worker's
    wall time; summary.md says its time columns cover them), run_local keeps it, run_ray drops it: on Ray a
    solver's timeouts leave its mean time and its over-limit count."""
    tasks = [Task(name, str(examples / "tsp20.json"), "savings", 0, 1.0) for name in ("dies", "hangs")]
    rows = []
    run_ray(tasks, workers=2, on_result=rows.append, grace=-1.4)
    assert [(r["status"], r.get("runtime_s") is not None) for r in rows] == [("crashed", True), ("timeout", True)]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_a_pool_without_a_worker_is_refused_not_waited_on(workers):
    """run_local(workers=0) looped forever without starting anything (only run_compare checked it)."""
    from graphroute.exceptions import InvalidArgumentError

    task = Task("tsp20", "tsp20.json", "savings", 0, 1.0)
    for run in (run_local, run_ray):
        with pytest.raises(InvalidArgumentError, match="workers must be an integer >= 1"):
            run([task], workers=workers, on_result=lambda row: None)
