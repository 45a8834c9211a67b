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


def test_ctrl_c_outside_the_worker_body_is_quiet_too():
    """CI caught Ctrl-C landing in a worker after it had answered (multiprocessing's own exit code):
    KeyboardInterrupt there printed 'Process ForkServerProcess-4:' on the terminal. Every forked
    worker has the quiet handler from its first instruction, not only inside _child."""
    code = textwrap.dedent("""
        import signal, sys
        from graphroute.compare.runner import worker_context
        if __name__ == "__main__":
            proc = worker_context().Process(target=signal.raise_signal, args=(signal.SIGINT,))
            proc.start()
            proc.join(60)
            sys.stdout.write(str(proc.exitcode))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert res.stdout == str(EXIT_INTERRUPTED) and res.stderr == "", res.stderr


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
    assert row["cost"] is None  # walkthrough finding: results.csv said 0 for a run with no routes
    assert row["solution"]["cost"] is None  # and the solution file, beside it, said 0 still


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


VRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 -3 -4
DEMAND_SECTION
1 0
2 4
3 4
4 4
DEPOT_SECTION
1
-1
EOF
"""


@pytest.mark.parametrize("cost_line", [20, 30])
def test_a_shipped_task_says_where_its_known_best_came_from(tmp_path, cost_line):
    """Remote (Ray) workers get the file's text, not its folder: the solution must still name the .sol
    beside the original file as the known best's source, and whether its routes were checked (it said
    "command line" and lost the note)."""
    from graphroute.compare.runner import _attach_text

    path = tmp_path / "tiny.vrp"
    path.write_text(VRP)
    # routes 0-1-2-0 (5 + 5 + 10) and 0-3-0 (5 + 5) cost 30 with the checker; a Cost line of 20 disagrees
    (tmp_path / "tiny.sol").write_text(f"Route #1: 1 2\nRoute #2: 3\nCost {cost_line}\n")
    local = run_one(Task("tiny", str(path), "savings", 0, 1.0))
    shipped = Task("tiny", str(path), "savings", 0, 1.0)
    _attach_text(shipped)
    (tmp_path / "tiny.sol").unlink()  # the worker must not need the folder
    remote = run_one(shipped)
    assert shipped.text is not None and remote["status"] == local["status"] == "ok"
    keys = ("bks", "bks_source", "bks_checked")
    assert {k: remote["solution"][k] for k in keys} == {k: local["solution"][k] for k in keys}
    assert local["solution"]["bks"] == cost_line and local["solution"]["bks_source"].endswith("tiny.sol")
    assert local["solution"]["bks_checked"] is (cost_line == 30)
    for k in ("bks_note", "source"):
        assert remote["solution"]["meta"].get(k) == local["solution"]["meta"].get(k)
    assert ("bks_note" in remote["solution"]["meta"]) is (cost_line == 20)


def test_neural_run_imports_torch_inside_the_timed_solve(examples):
    """Walkthrough finding: run_one imported torch (and set its threads) before solve() started its
    clock, so the neural solver got its import free while OR-Tools and PyVRP paid for theirs (X-n101
    at 2 s: 100 starts in compare, 4 in solve). In a fresh process, solve() must find torch not yet
    imported, and torch must still run on one thread once the solver imports it."""
    code = f"""
import sys
import graphroute.solvers as S
from graphroute.compare.runner import Task, run_one
from graphroute.exceptions import SolverError

def probe(inst, solver, **kw):
    before = "torch" in sys.modules
    import torch
    raise SolverError(f"probe torch_before={{before}} threads={{torch.get_num_threads()}}")

S.solve = probe
row = run_one(Task("tsp20", {str(examples / "tsp20.json")!r}, "neural", 0, 1.0))
print(row["error"])
"""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "probe torch_before=False threads=1"
