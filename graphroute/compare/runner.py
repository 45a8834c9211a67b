"""Run a grid of (instance, solver, seed) in worker processes (local pool or a Ray cluster).

Every run happens in its own worker process with one thread (``OMP_NUM_THREADS=1`` and friends,
set before any solver library is imported: torch reads it when the neural solver imports it inside
its timed call), so solvers get the same CPU and a crash (segfault, out of memory)
takes down only that run. A run that outlives ``time_limit * 1.5 + grace`` seconds is killed and
recorded as ``timeout``; a worker that dies without answering is recorded as ``crashed``; a
solver that raises is recorded as ``failed`` with its message. Each of them keeps the time of the
attempt as ``runtime_s``: the solver call for ``failed``, the worker's wall time for ``timeout``
and ``crashed``. Results come back to the coordinating process, which alone writes the store and
the solution files.

Interrupting (Ctrl-C: SIGINT to the process group) stops the workers quietly: a worker that gets
the interrupt, at any moment from its fork to its exit, exits with :data:`EXIT_INTERRUPTED` without a traceback or an answer, and the
coordinator raises ``KeyboardInterrupt`` instead of recording that run, so a rerun does it again.
A worker whose coordinator is gone (``kill -9``) drops its answer and exits quietly.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from graphroute.exceptions import GraphrouteError, InvalidArgumentError, MissingDependencyError

#: Seconds a run may take beyond 1.5 x its time limit (process start, imports, model building).
GRACE_S = 30.0

#: Exit code of a worker stopped by KeyboardInterrupt (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130

#: Modules the forkserver imports once, before it forks any worker; the last one installs
#: :func:`quiet_exit` as the workers' SIGINT handler.
WORKER_PRELOAD = ["graphroute.solvers", "graphroute.problems.io", "graphroute.compare._quiet_worker"]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass
class Task:
    instance: str
    path: str
    solver: str
    seed: int
    time_limit: float
    options: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # file content, shipped to remote workers
    bks: float | None = None
    # where ``bks`` came from, read beside the original file (a remote worker has only ``text``):
    # ``bks_source``, ``bks_checked`` and the instance's ``bks_note``/``note``/``source`` meta
    known: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.instance, self.solver, self.seed)


def _single_thread() -> None:
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def run_one(task: Task) -> dict[str, Any]:
    """Run one task; never raises for solver problems (they become the row's status)."""
    _single_thread()
    from graphroute.problems.io import read_instance
    from graphroute.solvers import get_solver, solve

    row: dict[str, Any] = {"instance": task.instance, "solver": task.solver, "seed": task.seed}
    try:
        if task.text is not None:
            with tempfile.TemporaryDirectory() as tmp:
                local = Path(tmp) / Path(task.path).name
                local.write_text(task.text)
                inst = read_instance(local)
            _restore_known(inst, task)
        else:
            inst = read_instance(task.path)
    except GraphrouteError as exc:
        return {**row, "status": "failed", "error": f"cannot read instance: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a reader bug is recorded as that run's failure, the grid goes on
        return {**row, "status": "failed", "error": f"cannot read instance: {type(exc).__name__}: {exc}"}
    row.update(problem=inst.kind, n=inst.n, bks=inst.bks)
    t0 = time.perf_counter()
    try:
        spec = get_solver(task.solver)
        if inst.kind not in spec.problems:
            return {**row, "status": "unsupported", "error": f"{task.solver} does not solve {inst.kind}"}
        # no torch import here: solve_neural imports it inside its clock, as OR-Tools and PyVRP are
        # imported inside theirs (OMP_NUM_THREADS=1, set above, gives torch one thread)
        res = solve(inst, task.solver, time_limit=task.time_limit, seed=task.seed, **task.options)
    except GraphrouteError as exc:
        return {**row, "status": "failed", "error": str(exc), "runtime_s": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - a solver bug is recorded as that run's failure, the grid goes on
        return {**row, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                "runtime_s": time.perf_counter() - t0}
    reason = [str(res.meta["no_solution"])] if res.meta.get("no_solution") else []
    row.update(
        status="ok" if res.feasible else "infeasible",
        cost=None if res.no_routes else res.cost,  # no routes at all: no cost, not 0 (as in the solution file)
        feasible=res.feasible,
        runtime_s=res.runtime_s,
        num_routes=res.num_routes,
        error="; ".join(reason + res.violations) or None,
        # "instance_key" is the name results.csv uses (file stem / generated name, made unique), so
        # the two join; "instance" stays the instance's own name.
        solution={**res.to_dict(), "instance_key": task.instance},
    )
    return row


def quiet_exit(signum: int, frame: object) -> None:  # noqa: ARG001 - a signal handler's signature
    """A worker's SIGINT handler: leave at once with EXIT_INTERRUPTED, no traceback, no answer."""
    os._exit(EXIT_INTERRUPTED)


def _child(task: Task, conn: Any) -> None:
    """Worker body: run the task and send its row; quiet on an interrupt or a vanished coordinator."""
    # the forkserver preload installs it already; this covers a forkserver another caller started
    # earlier in this process with other preloads (the server and its preload list are global)
    signal.signal(signal.SIGINT, quiet_exit)
    try:
        row = run_one(task)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the coordinator handles it
        conn.close()
        os._exit(EXIT_INTERRUPTED)  # no traceback, no answer: the run is not recorded as finished
    except BaseException as exc:  # noqa: BLE001 - never a raw traceback on the terminal: the row says what
        row = {**_dead_row(task, f"{type(exc).__name__}: {exc}"), "status": "failed"}
    try:
        conn.send(row)
        conn.close()
    except (BrokenPipeError, ConnectionResetError, EOFError, OSError, KeyboardInterrupt):
        # the coordinator is gone (killed) or interrupted: nobody to answer, and nothing to print
        os._exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - a row that cannot be sent (pickling): say so in a row that can
        try:
            conn.send({**_dead_row(task, f"result could not be sent: {type(exc).__name__}: {exc}"),
                       "status": "failed"})
            conn.close()
        except BaseException:  # noqa: BLE001
            os._exit(EXIT_INTERRUPTED)


def _deadline(task: Task, grace: float) -> float:
    return time.monotonic() + 1.5 * task.time_limit + grace


def worker_context() -> Any:
    """The multiprocessing context compare's local workers are started from (forkserver)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_PRELOAD)
    return ctx


def run_local(
    tasks: Iterable[Task],
    *,
    workers: int,
    on_result: Callable[[dict[str, Any]], None],
    on_start: Callable[[Task], None] | None = None,
    grace: float = GRACE_S,
) -> None:
    """Run tasks in at most ``workers`` processes at once, calling ``on_result`` as each ends.

    Uses the ``forkserver`` start method (safe with the coordinator's threads) and keeps one
    process per run. Interrupting (Ctrl-C) terminates the running workers and re-raises.
    """
    _check_workers(workers)
    ctx = worker_context()
    pending = deque(tasks)
    running: dict[Any, tuple[Task, Any, float, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                task = pending.popleft()
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(task, send), daemon=True)
                started = time.monotonic()
                proc.start()
                send.close()
                running[recv] = (task, proc, _deadline(task, grace), started)
                if on_start:
                    on_start(task)
            for conn in wait(list(running), timeout=0.25):
                task, proc, _, started = running.pop(conn)
                try:
                    row = conn.recv()
                except (EOFError, OSError):
                    proc.join(5)
                    if proc.exitcode in (EXIT_INTERRUPTED, -signal.SIGINT):
                        # interrupted, not finished: never recorded; Ctrl-C stops the coordinator too
                        conn.close()
                        raise KeyboardInterrupt from None
                    row = {**_dead_row(task, f"worker died (exit code {proc.exitcode})"),
                           "runtime_s": time.monotonic() - started}
                conn.close()
                proc.join(5)
                on_result(row)
            now = time.monotonic()
            for conn, (task, proc, deadline, started) in list(running.items()):
                if now > deadline:
                    proc.kill()
                    proc.join(5)
                    conn.close()
                    del running[conn]
                    on_result({**_dead_row(task, f"killed after {1.5 * task.time_limit + grace:.0f} s"),
                               "status": "timeout", "runtime_s": now - started})
    finally:
        for _conn, (_task, proc, _, _started) in running.items():
            proc.kill()
            proc.join(5)


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:  # 0 would wait forever
        raise InvalidArgumentError(f"workers must be an integer >= 1, got {workers!r}")


def _dead_row(task: Task, error: str) -> dict[str, Any]:
    return {"instance": task.instance, "solver": task.solver, "seed": task.seed, "status": "crashed", "error": error}


def connect_ray(address: str | None = None) -> bool:
    """Import Ray and start or join it (``address`` "HOST:PORT", ``ray://HOST:10001`` or ``auto``; a local
    Ray when None) unless this process is connected already; True when this call started it, so the caller
    shuts it down. :func:`~graphroute.compare.core.run_compare` calls it before it touches the results
    folder: ``--fresh`` had emptied it before a missing Ray was found."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("--executor ray needs Ray: pip install 'graphroute[ray]'") from None
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address:
        kwargs["address"] = address
    ray.init(**kwargs)
    return True


def run_ray(
    tasks: Iterable[Task],
    *,
    workers: int,
    on_result: Callable[[dict[str, Any]], None],
    on_start: Callable[[Task], None] | None = None,
    address: str | None = None,
    grace: float = GRACE_S,
) -> None:
    """Run the same grid on a Ray cluster (``address`` "HOST:PORT", or a local Ray when None).

    Instance files are shipped as text, so workers need no shared filesystem. At most ``workers``
    tasks are in flight; a task past its deadline is cancelled and recorded as ``timeout``.
    """
    _check_workers(workers)
    started_here = connect_ray(address)
    import ray

    remote = ray.remote(num_cpus=1, max_retries=0)(run_one)
    pending = deque(tasks)
    inflight: dict[Any, tuple[Task, float, float]] = {}  # ref -> task, deadline, submit time
    try:
        while pending or inflight:
            while pending and len(inflight) < workers:
                task = pending.popleft()
                _attach_text(task)
                inflight[remote.remote(task)] = (task, _deadline(task, grace), time.monotonic())
                if on_start:
                    on_start(task)
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=0.25)
            for ref in ready:
                task, _, started = inflight.pop(ref)
                try:
                    row = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - Ray wraps worker deaths in its own errors
                    row = {**_dead_row(task, f"ray worker failed: {type(exc).__name__}"),
                           "runtime_s": time.monotonic() - started}  # wall time since submission, as run_local
                on_result(row)
            now = time.monotonic()
            for ref, (task, deadline, started) in list(inflight.items()):
                if now > deadline:
                    ray.cancel(ref, force=True)
                    del inflight[ref]
                    on_result({**_dead_row(task, "cancelled at its deadline"), "status": "timeout",
                               "runtime_s": now - started})
    finally:
        for ref in inflight:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()


_KNOWN_META = ("bks_note", "note", "source")


def _restore_known(inst: Any, task: Task) -> None:
    """Give an instance read from shipped text what reading the original file found beside it (its known
    best and where that came from), so a remote run's solution says the same as a local one."""
    inst.bks = task.bks
    known = task.known or {}
    inst.bks_source = known.get("bks_source", "command line" if task.bks is not None else None)
    inst.bks_checked = known.get("bks_checked")
    for k in _KNOWN_META:
        inst.meta.pop(k, None)
    inst.meta.update(known.get("meta", {}))
    inst.meta.setdefault("source", task.path)


def _attach_text(task: Task) -> None:
    if task.text is not None:
        return
    try:
        from graphroute.problems.io import read_instance

        p = Path(task.path)
        if p.name.endswith(".gz"):
            return  # remote workers read compressed files from a shared path
        task.text = p.read_text()
        inst = read_instance(p)
        task.bks = inst.bks
        task.known = {"bks_source": inst.bks_source, "bks_checked": inst.bks_checked,
                      "meta": {k: inst.meta[k] for k in _KNOWN_META if k in inst.meta}}
    except (OSError, UnicodeDecodeError, GraphrouteError):
        task.text = None  # the worker will fail to read it and record why
