"""Comparison grids end to end: store, resume, reports, bad input, executors."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from graphroute.check import check
from graphroute.compare.core import Grid, run_compare, solution_path, write_reports
from graphroute.compare.runner import Task, run_local
from graphroute.compare.suite import InstanceRef, available_suites, find_suite, resolve_instances
from graphroute.exceptions import GraphrouteError
from graphroute.problems import Solution, read_instance
from graphroute_cli.main import app

runner = CliRunner()


def grid_for(examples, solvers=("savings", "nearest"), **kw):
    insts = [InstanceRef(p, str(examples / f"{p}.json")) for p in ("tsp20", "cvrp50", "acvrp30")]
    return Grid(instances=insts, solvers=list(solvers), baseline=solvers[0], time_limit=kw.pop("time_limit", 1.0),
                seeds=kw.pop("seeds", [0, 1]), **kw)


def assert_store_consistent(out, grid):
    with open(out / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    keys = [(r["instance"], r["solver"], r["seed"]) for r in rows]
    expected = {(i.key, s, str(seed)) for i in grid.instances for s in grid.solvers for seed in grid.seeds}
    assert sorted(keys) == sorted(expected)  # exactly one row per (instance, solver, seed)
    paths = {i.key: i.path for i in grid.instances}
    for r in rows:
        if r["status"] in ("ok", "infeasible"):
            sol = json.loads(solution_path(out, r["instance"], r["solver"], int(r["seed"])).read_text())
            res = check(read_instance(paths[r["instance"]]), Solution(sol["routes"]))
            assert res.feasible and res.cost == pytest.approx(float(r["cost"]))
    return rows


def test_grid_runs_and_reports(examples, tmp_path):
    grid = grid_for(examples)
    plans = []
    store = run_compare(grid, tmp_path, workers=2, on_plan=lambda total, todo: plans.append((total, todo)))
    store.close()
    assert plans == [(12, 12)]
    summary = write_reports(tmp_path, grid, header="# t", plot_routes=1)
    rows = assert_store_consistent(tmp_path, grid)
    assert all(r["status"] == "ok" for r in rows)
    assert {s["solver"] for s in summary} == {"savings", "nearest"}
    for f in ("summary.md", "summary.csv", "plots/gap_vs_time.png", "plots/instance_gaps.png", "plots/routes_tsp20.png"):
        assert (tmp_path / f).stat().st_size > 0
    # a rerun of the same grid has nothing to do
    plans.clear()
    run_compare(grid, tmp_path, workers=2, on_plan=lambda total, todo: plans.append((total, todo))).close()
    assert plans == [(12, 0)]


def test_different_grid_in_same_folder_is_refused(examples, tmp_path):
    run_compare(grid_for(examples), tmp_path, workers=1).close()
    with pytest.raises(GraphrouteError, match="different grid .*time_limit"):
        run_compare(grid_for(examples, time_limit=2.0), tmp_path, workers=1)
    run_compare(grid_for(examples, time_limit=2.0), tmp_path, workers=1, fresh=True).close()


@pytest.mark.parametrize("fresh", [False, True])
def test_a_folder_with_someone_elses_results_csv_is_refused(examples, tmp_path, fresh):
    """A folder that was never a comparison's (no results.sqlite) lost its own results.csv to the report."""
    (tmp_path / "results.csv").write_text("my,own,data\n")
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "gap_vs_time.png").write_bytes(b"mine")
    with pytest.raises(GraphrouteError, match=r"holds results.csv, plots/gap_vs_time.png but no results.sqlite: not a "
                                              r"comparison's folder"):
        run_compare(grid_for(examples), tmp_path, workers=1, fresh=fresh)
    assert (tmp_path / "results.csv").read_text() == "my,own,data\n" and not (tmp_path / "results.sqlite").exists()
    out = tmp_path / "o"  # a comparison's own folder still resumes and rewrites its reports
    run_compare(grid_for(examples), out, workers=1).close()
    write_reports(out, grid_for(examples), header="# t")
    run_compare(grid_for(examples), out, workers=1).close()


def test_fresh_with_a_missing_ray_leaves_the_folder_as_it_was(examples, tmp_path, monkeypatch):
    """--fresh --executor ray emptied the folder (reports, solutions, plots, the store) before Ray was found
    missing; Ray is now imported (and joined) first."""
    import sys

    grid = grid_for(examples)
    run_compare(grid, tmp_path, workers=1).close()
    write_reports(tmp_path, grid, header="# t")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(GraphrouteError, match="--executor ray needs Ray"):
        run_compare(grid, tmp_path, workers=1, fresh=True, executor="ray")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    plans = []
    run_compare(grid, tmp_path, workers=1, on_plan=lambda total, todo: plans.append(todo)).close()
    assert plans == [0]  # its runs are all still there


def test_unreadable_file_is_a_failed_run_and_the_rest_go_on(examples, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"problem": "cvrp", "coords": [[0, 0], [1')
    refs = resolve_instances([str(examples / "tsp20.json"), str(bad)], tmp_path)
    grid = Grid(instances=refs, solvers=["savings"], baseline="savings", time_limit=1.0, seeds=[0])
    out = tmp_path / "out"
    run_compare(grid, out, workers=1).close()
    write_reports(out, grid, header="# t")
    rows = {r["instance"]: r for r in csv.DictReader(open(out / "results.csv"))}
    assert rows["tsp20"]["status"] == "ok"
    assert rows["broken"]["status"] == "failed" and "malformed JSON" in rows["broken"]["error"]


def test_timeout_is_recorded(examples, tmp_path):
    pytest.importorskip("graphroute.baselines.hgs")
    rows = []
    task = Task("cvrp100", str(examples / "cvrp100.json"), "pyvrp", 0, 2.0)
    # the worker is killed 0.1 s after it starts, long before PyVRP's 2 s, and the run recorded as a timeout
    run_local([task], workers=1, on_result=rows.append, grace=-2.9)
    assert rows[0]["status"] == "timeout"


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--solvers", "savings,ortool"], "unknown solver 'ortool'"),
        (["--suite", "nope"], "unknown suite 'nope'; available:"),
        (["does/not/exist/*.json"], "no instance files match"),
        (["--seeds", "a,b"], "comma-separated list"),
        (["--generate", "cvrp"], "PROBLEM:SIZE"),
        (["--executor", "spark"], "unknown executor 'spark'"),
        (["-t", "0"], "time limit must be a positive"),
        (["--solvers", "savings,savings"], "--solvers lists savings twice"),
        (["--seeds", "0,1,0"], "--seeds lists 0 twice"),
    ],
)
def test_cli_bad_input(examples, tmp_path, args, msg):
    base = [str(examples / "tsp20.json")] if not any(a.startswith("does/") or a == "--suite" for a in args) else []
    res = runner.invoke(app, ["compare", *base, "-b", "savings", "-o", str(tmp_path / "o"), *args])
    assert res.exit_code != 0 and msg in res.stderr, res.output
    assert "Traceback" not in res.output


def test_cli_generated_set_json(tmp_path):
    res = runner.invoke(app, ["compare", "--generate", "cvrp:12:clustered:2:5", "-b", "savings", "--solvers",
                              "nearest", "-t", "1", "-o", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["solvers"] == ["savings", "nearest"] and len(obj["summary"]) == 2
    assert len(list((tmp_path / "o" / "instances").glob("*.json"))) == 2


def test_suites_load():
    names = available_suites()
    assert {"demo", "cvrplib-x-small", "tsplib", "uniform-cvrp50", "uniform-cvrp100"} <= set(names)
    for name in names:
        suite = find_suite(name)
        assert suite.baseline and suite.solvers and suite.time_limit > 0


def test_demo_suite_resolves_to_examples(tmp_path):
    refs = resolve_instances(find_suite("demo").instances, tmp_path)
    assert {"tsp20", "cvrp50", "cvrp100"} <= {r.key for r in refs}


def test_interrupted_compare_resumes(examples, tmp_path):
    """Ctrl-C in the middle of a grid (SIGINT to the whole process group, as a terminal sends it), then
    the same command: one line on stderr (no worker tracebacks), one row per run, all solutions check."""
    pytest.importorskip("pyvrp")
    pytest.importorskip("graphroute.baselines.hgs")
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "graphroute_cli.main", "compare", str(examples / "tsp20.json"),
           str(examples / "cvrp50.json"), "-b", "savings", "--solvers", "pyvrp", "-t", "1", "--seeds", "0,1,2",
           "-w", "1", "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "120"}, start_new_session=True)
    deadline = time.time() + 60
    db = out / "results.sqlite"
    import sqlite3

    while time.time() < deadline:  # wait until some but not all runs are stored
        time.sleep(0.5)
        if db.exists():
            try:
                n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if n >= 3:
                break
    os.killpg(proc.pid, signal.SIGINT)  # the coordinator and its workers, as Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip() == "error: interrupted", err
    n_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 3 <= n_before < 12
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    grid = Grid(instances=[InstanceRef("tsp20", str(examples / "tsp20.json")),
                           InstanceRef("cvrp50", str(examples / "cvrp50.json"))],
                solvers=["savings", "pyvrp"], baseline="savings", time_limit=1.0, seeds=[0, 1, 2])
    rows = assert_store_consistent(out, grid)
    assert all(r["status"] == "ok" for r in rows)


def test_ray_executor(examples, tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        grid = grid_for(examples, seeds=[0])
        run_compare(grid, tmp_path, workers=2, executor="ray").close()
        write_reports(tmp_path, grid, header="# t")
        rows = assert_store_consistent(tmp_path, grid)
        assert all(r["status"] == "ok" for r in rows)
    finally:
        ray.shutdown()


def test_cli_warns_about_runs_below_the_bks(examples, tmp_path):
    """A stated BKS that every solver beats (a wrong reference) is flagged in the console table and
    by a warning line, not hidden."""
    inst = json.loads((examples / "tsp20.json").read_text())
    inst["bks"] = 100.0  # far above any sensible tour of these 20 points: every run is "below" it
    (tmp_path / "low.json").write_text(json.dumps(inst))
    res = runner.invoke(app, ["compare", str(tmp_path / "low.json"), "-b", "savings", "--solvers", "nearest",
                              "-t", "1", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "below BKS" in res.output
    assert "warning: 2 run(s) cost less than their BKS" in " ".join(res.output.split())
