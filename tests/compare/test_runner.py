"""Worker processes: quiet exits on an interrupt or a vanished coordinator, times of failed runs."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from graphroute.compare.runner import EXIT_INTERRUPTED, Task, run_local, run_one

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_child(examples, body: str) -> subprocess.CompletedProcess:
    """Run ``_child`` in a fresh interpreter (its stderr is what a user would see)."""
    code = textwrap.dedent(f"""
        import multiprocessing as mp
        import graphroute.compare.runner as runner
        task = runner.Task("tsp20", {str(examples / "tsp20.json")!r}, "savings", 0, 1.0)
        recv, send = mp.Pipe(duplex=False)
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)


def test_worker_whose_coordinator_is_gone_exits_quietly(examples):
    # kill -9 of the coordinator closes the pipe's other end: send raised BrokenPipeError, printed as a traceback
    res = run_child(examples, "recv.close()\nrunner._child(task, send)\n")
    assert res.returncode == EXIT_INTERRUPTED and res.stderr == ""


def test_interrupted_worker_exits_quietly_without_an_answer(examples):
    body = """
        def interrupted(task):
            raise KeyboardInterrupt
        runner.run_one = interrupted
        runner._child(task, send)
    """
    res = run_child(examples, body)
    assert res.returncode == EXIT_INTERRUPTED and res.stderr == ""


def test_interrupted_worker_is_not_recorded(examples):
    """SIGINT to a worker (Ctrl-C reaches the whole process group) stops the grid; the run is not
    recorded as finished (it was recorded as 'crashed', so a rerun skipped it)."""
    pytest.importorskip("graphroute.baselines.hgs")
    rows = []

    def on_start(task):
        def interrupt():
            for child in mp.active_children():
                os.kill(child.pid, signal.SIGINT)

        threading.Timer(1.5, interrupt).start()

    task = Task("cvrp100", str(examples / "cvrp100.json"), "pyvrp", 0, 20.0)
    with pytest.raises(KeyboardInterrupt):
        run_local([task], workers=1, on_result=rows.append, on_start=on_start)
    assert rows == []


def test_failed_run_keeps_its_time(examples):
    row = run_one(Task("tsp20", str(examples / "tsp20.json"), "savings", 0, 1.0, {"checkpoint": "x"}))
    assert row["status"] == "failed" and "has no option 'checkpoint'" in row["error"]
    assert row["runtime_s"] is not None and row["runtime_s"] >= 0


def test_timeout_keeps_the_wall_time(examples):
    pytest.importorskip("graphroute.baselines.hgs")
    rows = []
    task = Task("cvrp100", str(examples / "cvrp100.json"), "pyvrp", 0, 2.0)
    run_local([task], workers=1, on_result=rows.append, grace=-2.9)  # killed ~0.1 s after it starts
    assert rows[0]["status"] == "timeout" and 0.05 <= rows[0]["runtime_s"] < 5


def test_no_solution_reason_is_the_runs_error(examples):
    pytest.importorskip("ortools")
    row = run_one(Task("cvrp50", str(examples / "cvrp50.json"), "ortools", 0, 1e-4))
    assert row["status"] == "infeasible" and "the time limit of 0.0001 s was used up building" in row["error"]
    assert "never visited" in row["error"]
    assert row["runtime_s"] is not None and row["solution"]["routes"] == []


def test_reader_os_error_is_a_failed_row_not_a_traceback(examples, monkeypatch):
    """An OSError while reading (File name too long) escaped run_one and printed a raw worker traceback."""
    import graphroute.problems.io as io

    def broken(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(36, "File name too long", "x" * 300)

    monkeypatch.setattr(io, "read_instance", broken)
    row = run_one(Task("tsp20", str(examples / "tsp20.json"), "savings", 0, 1.0))
    assert row["status"] == "failed" and "cannot read instance: OSError" in row["error"]


def test_worker_that_raises_anything_answers_with_a_failed_row(examples):
    body = """
        def boom(task):
            raise SystemError("a bug")
        runner.run_one = boom
        runner._child(task, send)
        send.close()
        print(recv.recv())
    """
    res = run_child(examples, body)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "'status': 'failed'" in res.stdout and "SystemError: a bug" in res.stdout
