"""compare: refused folders write nothing, the refusal names the difference, keys join, bad numbers refused."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from graphroute.compare.core import Grid, run_compare, write_reports
from graphroute.compare.store import first_difference
from graphroute.compare.suite import InstanceRef, resolve_instances
from graphroute.exceptions import InvalidArgumentError
from graphroute_cli.main import app

runner = CliRunner()


def gen_grid(tmp_path, seed, time_limit=1.0):
    refs = resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 1, "seed": seed}}], tmp_path)
    return Grid(instances=refs, solvers=["savings"], baseline="savings", time_limit=time_limit, seeds=[0])


def test_refused_folder_gets_no_new_instance_files(tmp_path):
    run_compare(gen_grid(tmp_path, 3), tmp_path, workers=1).close()
    assert [p.name for p in (tmp_path / "instances").iterdir()] == ["cvrp10-uniform-s3.json"]
    other = gen_grid(tmp_path, 4)
    assert not (tmp_path / "instances" / "cvrp10-uniform-s4.json").exists()  # not written while planning
    with pytest.raises(InvalidArgumentError, match=r"instances\[0\]: \[\"cvrp10-uniform-s3\""):
        run_compare(other, tmp_path, workers=1)
    assert [p.name for p in (tmp_path / "instances").iterdir()] == ["cvrp10-uniform-s3.json"]


def test_first_difference_names_the_item():
    old = {"instances": [["a", "1"], ["b", "2"]], "seeds": [0]}
    assert first_difference(old, {"instances": [["a", "1"], ["b", "3"]], "seeds": [0]}).startswith(
        'instances[1]: ["b", "2"] there, ["b", "3"] now')
    assert first_difference(old, {"instances": [["a", "1"]], "seeds": [0]}) == (
        'instances: 2 items there, 1 now; [1]: ["b", "2"] there only')
    assert first_difference({"t": 1.0}, {"t": 2.0}) == "t: 1.0 there, 2.0 now"


def test_solution_json_joins_results_csv(examples, tmp_path):
    grid = Grid(instances=[InstanceRef("cvrp50", str(examples / "cvrp50.json"))], solvers=["savings"],
                baseline="savings", time_limit=1.0, seeds=[0])
    run_compare(grid, tmp_path, workers=1).close()
    write_reports(tmp_path, grid, header="# t\n", plot_routes=0)
    row = next(csv.DictReader(open(tmp_path / "results.csv")))
    sol = json.loads((tmp_path / "solutions" / "cvrp50__savings__0.json").read_text())
    assert sol["instance_key"] == row["instance"] == "cvrp50"
    assert sol["instance"] == "cvrp50-uniform-s3"  # the instance's own name stays


@pytest.mark.parametrize("limit", [float("nan"), float("inf"), 0.0])
def test_grid_refuses_non_finite_time_limit(examples, limit):
    with pytest.raises(InvalidArgumentError, match="time limit must be a positive number"):
        Grid(instances=[InstanceRef("tsp20", str(examples / "tsp20.json"))], solvers=["savings"],
             baseline="savings", time_limit=limit, seeds=[0])


@pytest.mark.parametrize("limit,ok", [(True, False), ("5", False), (np.float32(0.5), True), (np.int64(2), True)])
def test_grid_time_limit_by_type(examples, limit, ok):
    make = lambda: Grid(instances=[InstanceRef("tsp20", str(examples / "tsp20.json"))],  # noqa: E731
                        solvers=["savings"], baseline="savings", time_limit=limit, seeds=[0])
    if ok:
        assert make().time_limit == float(limit) and type(make().time_limit) is float
    else:
        with pytest.raises(InvalidArgumentError, match="time_limit must be a number, got"):
            make()


def test_write_reports_refuses_negative_plot_count(examples, tmp_path):
    grid = Grid(instances=[InstanceRef("tsp20", str(examples / "tsp20.json"))], solvers=["savings"],
                baseline="savings", time_limit=1.0, seeds=[0])
    with pytest.raises(InvalidArgumentError, match="plot_routes must be an integer >= 0"):
        write_reports(tmp_path, grid, header="", plot_routes=-1)


@pytest.mark.parametrize(
    "args,msg",
    [
        (["-t", "nan"], "time limit must be a positive number of seconds, got nan"),
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--plot-routes", "-1"], "--plot-routes must be at least 0, got -1"),
        (["--seeds", "-1"], "seed must be an integer in 0.."),
        (["--generate", "tsp:20:uniform:1:-1"], "seed must be an integer in 0.."),
        (["-t", "1e308"], "time limit 1e+308 s is too long; at most 1e+07 s"),
    ],
)
def test_compare_cli_refuses(examples, tmp_path, args, msg):
    out = tmp_path / "c"
    res = runner.invoke(app, ["compare", str(examples / "tsp20.json"), "--solvers", "savings", "--baseline", "nearest",
                              "--out", str(out), *args])
    assert res.exit_code == 1 and msg in res.stderr, res.output
    assert "Traceback" not in res.output and not out.exists()


def test_compare_task_paths_refuses_vrp_only_options(tmp_path):
    res = CliRunner().invoke(app, ["compare", "--task", "paths", str(tmp_path / "g.graph.npz"), "--time-limit", "5",
                                   "--solvers", "foo", "--seeds", "x", "--generate", "zz"])
    assert res.exit_code == 1 and "--solvers, --time-limit, --seeds, --generate are for --task vrp" in res.stderr


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "results.sqlite"
                  and not p.name.startswith("results.sqlite-"))


def test_fresh_removes_what_compare_wrote_and_nothing_else(tmp_path):
    """--fresh used to reset the store only: solutions, route plots and generated instances of the old
    grid stayed beside the new ones. Now they go; the user's files (in the folder and in its
    subfolders) and the instance files the new grid reads stay."""
    out = tmp_path / "o"
    old = Grid(instances=resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 2, "seed": 0}}], out),
               solvers=["savings"], baseline="savings", time_limit=1.0, seeds=[0])
    run_compare(old, out, workers=1).close()
    write_reports(out, old, header="# old", plot_routes=2)
    assert "instances/cvrp10-uniform-s0.json" in _files(out) and "plots/routes_cvrp10-uniform-s0.png" in _files(out)
    (out / "notes.txt").write_text("mine")
    (out / "solutions" / "mine.json").write_text("{}")
    (out / "plots" / "figure.png").write_text("mine")
    mine = out / "instances" / "mine.json"  # a user's instance in the folder, read by the new grid
    mine.write_text((out / "instances" / "cvrp10-uniform-s0.json").read_text())

    refs = resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 2, "seed": 1}}, str(mine)], out)
    new = Grid(instances=refs, solvers=["nearest"], baseline="nearest", time_limit=1.0, seeds=[0])
    run_compare(new, out, workers=1, fresh=True).close()
    write_reports(out, new, header="# new", plot_routes=3)
    assert _files(out) == sorted([
        "instances/cvrp10-uniform-s1.json", "instances/cvrp10-uniform-s2.json", "instances/mine.json", "notes.txt",
        "plots/figure.png", "plots/gap_vs_time.png", "plots/instance_gaps.png", "plots/routes_cvrp10-uniform-s1.png",
        "plots/routes_cvrp10-uniform-s2.png", "plots/routes_mine.png", "results.csv",
        "solutions/cvrp10-uniform-s1__nearest__0.json", "solutions/cvrp10-uniform-s2__nearest__0.json",
        "solutions/mine.json", "solutions/mine__nearest__0.json", "summary.csv", "summary.md",
    ])
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert {r["instance"] for r in rows} == {"cvrp10-uniform-s1", "cvrp10-uniform-s2", "mine"}

    # the same generated set again with --fresh: its instance file is kept (the grid reads it) and
    # still recorded as compare's, so a later --fresh with another grid removes it
    same = resolve_instances([{"generate": {"problem": "cvrp", "size": 10, "count": 1, "seed": 1}}], out)
    again = Grid(instances=same, solvers=["savings"], baseline="savings", time_limit=1.0, seeds=[0])
    run_compare(again, out, workers=1, fresh=True).close()
    assert (out / "instances" / "cvrp10-uniform-s1.json").exists()
    assert not (out / "instances" / "cvrp10-uniform-s2.json").exists() and mine.exists()
    last = Grid(instances=[InstanceRef("mine", str(mine))], solvers=["savings"], baseline="savings", time_limit=1.0,
                seeds=[0])
    run_compare(last, out, workers=1, fresh=True).close()
    assert sorted(p.name for p in (out / "instances").iterdir()) == ["mine.json"]
    assert (out / "notes.txt").exists() and (out / "solutions" / "mine.json").exists()
    assert not (out / "results.csv").exists() and not (out / "summary.md").exists()  # no stale reports


def test_fresh_cli_removes_the_old_grids_files(tmp_path):
    out = tmp_path / "d"
    base = ["compare", "--solvers", "savings", "-b", "nearest", "-t", "1", "-w", "1", "-o", str(out)]
    assert runner.invoke(app, [*base, "--generate", "cvrp:12:uniform:1:0"]).exit_code == 0
    (out / "keep.txt").write_text("mine")
    res = runner.invoke(app, [*base, "--generate", "cvrp:12:uniform:1:7", "--fresh"])
    assert res.exit_code == 0, res.output
    names = _files(out)
    assert not [f for f in names if "s0" in f] and (out / "keep.txt").exists()
    assert "instances/cvrp12-uniform-s7.json" in names and "solutions/cvrp12-uniform-s7__savings__0.json" in names


@pytest.mark.parametrize("text,msg", [
    ("{", "malformed JSON"),
    (json.dumps({"problem": "tsp", "coords": [[0, 0], [1e308, -1e308]]}), "coordinates of node 1 are too large"),
])
def test_compare_refuses_a_bad_instance_before_any_run(examples, tmp_path, text, msg):
    """A bad file used to become failed rows, exit 0; now one line naming it, and no folder written."""
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    out = tmp_path / "cb"
    res = runner.invoke(app, ["compare", str(examples / "tsp20.json"), str(bad), "--baseline", "savings", "-t", "1",
                              "--out", str(out)])
    assert res.exit_code == 1 and f"{bad}: {msg}" in res.stderr, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and not out.exists()


def test_compare_long_instance_name_runs_without_a_traceback(examples, tmp_path):
    obj = json.loads((examples / "tsp20.json").read_text())
    obj["name"] = "n" * 300  # was "Process ForkServerProcess-1: Traceback" (OSError: File name too long)
    f = tmp_path / "ln.json"
    f.write_text(json.dumps(obj))
    out = tmp_path / "c"
    res = runner.invoke(app, ["compare", str(f), "--baseline", "savings", "--solvers", "nearest", "-t", "1", "-w", "1",
                              "--out", str(out), "--plot-routes", "0"])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert sorted(r["status"] for r in rows) == ["ok", "ok"]


def test_evaluate_refuses_zero_workers_as_compare_does(tmp_path):
    res = runner.invoke(app, ["evaluate", "--checkpoint", str(tmp_path / "none.pt"), "--workers", "0"])
    assert res.exit_code == 1 and "--workers must be at least 1, got 0" in res.stderr, res.output
    res = runner.invoke(app, ["evaluate", "--checkpoint", str(tmp_path / "none.pt"), "--reference-time", "1e308"])
    assert res.exit_code == 1 and "--reference-time: time limit 1e+308 s is too long" in res.stderr, res.output


def test_baseline_option_keeps_the_suites_own_baseline_in_the_grid(examples, tmp_path):
    """`--suite cvrplib-x-small --baseline pyvrp` ran no OR-Tools at all: --baseline replaced the suite's baseline
    instead of moving the reference. The suite's baseline now stays a compared solver."""
    import json

    suite = tmp_path / "s.yaml"
    suite.write_text(f"name: s\ninstances: [{examples / 'tsp20.json'}]\nsolvers: [nearest]\nbaseline: savings\n"
                     "time_limit: 1\n")
    res = runner.invoke(app, ["compare", "--suite", str(suite), "--baseline", "nearest", "--json", "-w", "1",
                              "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["baseline"] == "nearest" and sorted(obj["solvers"]) == ["nearest", "savings"]
