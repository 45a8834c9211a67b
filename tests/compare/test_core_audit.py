"""The grid itself: what it refuses, what identifies it in a folder, the task list, what the reports take
from it (the time limit, the baseline, how many route plots), and which files the folder records as
compare's own."""

from __future__ import annotations

import csv
import json

import pytest

from graphroute.compare.core import Grid, run_compare, write_reports
from graphroute.compare.store import ResultStore
from graphroute.compare.suite import InstanceRef, resolve_instances
from graphroute.exceptions import GraphrouteError, InvalidArgumentError, UnknownNameError


def refs(examples, *names):
    return [InstanceRef(n, str(examples / f"{n}.json")) for n in names]


def grid(examples, names=("tsp20",), solvers=("savings", "nearest"), **kw):
    kw.setdefault("seeds", [0])
    kw.setdefault("time_limit", 1.0)
    kw.setdefault("baseline", solvers[0])
    return Grid(instances=refs(examples, *names), solvers=list(solvers), **kw)


# --- what a grid refuses -----------------------------------------------------------------------------------


def test_grid_refuses_empty_lists_and_bad_seeds(examples):
    with pytest.raises(InvalidArgumentError, match="no seeds given"):
        grid(examples, seeds=[])
    with pytest.raises(InvalidArgumentError, match="the instance list is empty"):
        Grid(instances=[], solvers=["savings"], baseline="savings", time_limit=1.0, seeds=[0])
    for bad in (-1, True, 1.5):
        with pytest.raises(InvalidArgumentError, match="seed must be an integer"):
            grid(examples, seeds=[0, bad])


def test_grid_refuses_options_for_a_solver_outside_it(examples):
    with pytest.raises(UnknownNameError, match="options given for solver 'pyvrp'"):
        grid(examples, options={"pyvrp": {"x": 1}})


def test_grid_runs_each_solver_once_baseline_first(examples):
    g = grid(examples, solvers=("nearest", "savings", "nearest", "savings"), baseline="savings")
    assert g.solvers == ["savings", "nearest"]
    assert len(g.tasks()) == 2


# --- the task list -----------------------------------------------------------------------------------------


def test_tasks_are_instance_major_and_carry_each_solvers_options(examples):
    g = grid(examples, names=("tsp20", "cvrp50"), solvers=("savings", "neural"), seeds=[3, 1],
             options={"neural": {"augment": 1}}, time_limit=2)
    keys = [t.key for t in g.tasks()]
    assert keys == [("tsp20", "savings", 3), ("tsp20", "neural", 3), ("tsp20", "savings", 1),
                    ("tsp20", "neural", 1), ("cvrp50", "savings", 3), ("cvrp50", "neural", 3),
                    ("cvrp50", "savings", 1), ("cvrp50", "neural", 1)]
    opts = {t.solver: t.options for t in g.tasks()}
    assert opts == {"savings": {}, "neural": {"augment": 1}}
    assert {t.time_limit for t in g.tasks()} == {2.0}


# --- the fingerprint -----------------------------------------------------------------------------------------


def test_fingerprint_ignores_order_of_seeds_and_solvers(examples):
    a = grid(examples, names=("tsp20", "cvrp50"), solvers=("savings", "nearest"), seeds=[0, 1])
    b = grid(examples, names=("cvrp50", "tsp20"), solvers=("savings", "nearest"), seeds=[1, 0])
    assert a.fingerprint() == b.fingerprint()


def test_fingerprint_tells_baseline_options_and_file_content_apart(examples, tmp_path):
    base = grid(examples).fingerprint()
    assert grid(examples, baseline="nearest").fingerprint() != base
    two = ("savings", "neural")
    assert grid(examples, solvers=two, options={"neural": {"augment": 1}}).fingerprint() != \
        grid(examples, solvers=two).fingerprint()
    assert grid(examples, time_limit=2.0).fingerprint() != base
    # the same key and path, another content: another grid
    f = tmp_path / "tsp20.json"
    f.write_text((examples / "tsp20.json").read_text())
    one = Grid([InstanceRef("tsp20", str(f))], ["savings"], "savings", 1.0, [0]).fingerprint()
    obj = json.loads(f.read_text())
    obj["coords"][1] = [obj["coords"][1][0] + 1, obj["coords"][1][1]]
    f.write_text(json.dumps(obj))
    two = Grid([InstanceRef("tsp20", str(f))], ["savings"], "savings", 1.0, [0]).fingerprint()
    assert one["instances"][0][0] == two["instances"][0][0] == "tsp20"
    assert one != two


def test_a_folder_refuses_a_grid_with_another_baseline(examples, tmp_path):
    run_compare(grid(examples), tmp_path, workers=1).close()
    with pytest.raises(GraphrouteError, match="different grid .*baseline"):
        run_compare(grid(examples, baseline="nearest"), tmp_path, workers=1)


# --- run_compare and the reports -----------------------------------------------------------------------------


def test_run_compare_refuses_bad_executor_and_workers(examples, tmp_path):
    with pytest.raises(UnknownNameError, match="unknown executor 'spark'"):
        run_compare(grid(examples), tmp_path / "a", executor="spark")
    def planned(total, todo):  # reached only past the checks: stop before any worker starts
        raise AssertionError("workers=0 was accepted")

    with pytest.raises(InvalidArgumentError, match="workers must be an integer >= 1, got 0"):
        run_compare(grid(examples), tmp_path / "b", workers=0, on_plan=planned)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    # walkthrough finding: 1.5 was refused only after the folder had taken the grid, so the same folder then
    # refused another grid although nothing had run
    for bad in (1.5, "2", True):
        with pytest.raises(InvalidArgumentError, match="workers must be an integer >= 1"):
            run_compare(grid(examples), tmp_path / "c", workers=bad, on_plan=planned)
    assert not (tmp_path / "c").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidArgumentError, match="is a file, not a results folder"):
        run_compare(grid(examples), tmp_path / "file")


def test_grid_refuses_what_it_would_misread(examples):
    """Walkthrough finding: solvers='savings,nearest' became the solvers 's', 'a', ...; seeds=0 said 'no seeds';
    seeds [0, 0] planned 4 runs and stored 2; an option the solver does not take failed every run later."""
    with pytest.raises(InvalidArgumentError, match="solvers must be a list, got str 'savings,nearest'"):
        Grid(refs(examples, "tsp20"), "savings,nearest", "savings", 1.0, [0])
    with pytest.raises(InvalidArgumentError, match="seeds must be a list, got int 0"):
        Grid(refs(examples, "tsp20"), ["savings"], "savings", 1.0, 0)
    with pytest.raises(InvalidArgumentError, match="instances must be InstanceRef objects"):
        Grid([str(examples / "tsp20.json")], ["savings"], "savings", 1.0, [0])
    assert len(Grid(refs(examples, "tsp20"), ["savings", "nearest"], "savings", 1.0, [0, 0]).tasks()) == 2
    with pytest.raises(InvalidArgumentError, match="solver 'savings' has no option 'k'"):
        Grid(refs(examples, "tsp20"), ["savings"], "savings", 1.0, [0], options={"savings": {"k": 2}})


def test_reports_take_the_grids_limit_baseline_and_plot_count(examples, tmp_path):
    g = grid(examples, names=("tsp20", "cvrp50", "acvrp30"), solvers=("nearest", "savings"))
    seen = []
    run_compare(g, tmp_path, workers=1, on_result=seen.append).close()
    assert sorted((r["instance"], r["solver"]) for r in seen) == sorted(
        (i, s) for i in ("tsp20", "cvrp50", "acvrp30") for s in ("nearest", "savings"))
    summary = write_reports(tmp_path, g, header="# t", plot_routes=2)
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert {r["over_limit"] for r in rows} == {"False"}  # the grid's limit is known: not left empty
    md = (tmp_path / "summary.md").read_text()
    assert "Over the limit (runtime > 1.05 x 1 s + 0.5 s = 1.55 s)" in md
    s = {r["solver"]: r for r in summary}
    assert (s["nearest"]["wins"], s["nearest"]["ties"], s["nearest"]["losses"]) == (0, 3, 0)  # the baseline
    w = s["savings"]
    assert w["wins"] + w["ties"] + w["losses"] == 3
    by = {(r["instance"], r["solver"]): r for r in rows}
    assert all(by[i, "savings"]["baseline_cost"] == by[i, "nearest"]["cost"] for i in ("tsp20", "cvrp50", "acvrp30"))
    plots = sorted(p.name for p in (tmp_path / "plots").glob("routes_*.png"))
    assert plots == ["routes_cvrp50.png", "routes_tsp20.png"]  # the first two instances, no more


def test_write_reports_refuses_a_bool_plot_count(examples, tmp_path):
    with pytest.raises(InvalidArgumentError, match="plot_routes must be an integer >= 0, got True"):
        write_reports(tmp_path, grid(examples), header="", plot_routes=True)


def test_generated_instances_are_recorded_as_compares_user_files_are_not(examples, tmp_path):
    out = tmp_path / "o"
    gen = resolve_instances([{"generate": {"problem": "tsp", "size": 8, "count": 1, "seed": 2}}], out)
    g = Grid(instances=gen + refs(examples, "tsp20"), solvers=["savings"], baseline="savings", time_limit=1.0,
             seeds=[0])
    run_compare(g, out, workers=1).close()
    store = ResultStore(out)
    try:
        assert [p.name for p in store.files()] == ["tsp8-uniform-s2.json"]
    finally:
        store.close()


def test_fresh_keeps_a_recorded_instance_the_new_grid_reads(tmp_path):
    out = tmp_path / "o"
    spec = [{"generate": {"problem": "tsp", "size": 8, "count": 1, "seed": 2}}]
    run_compare(Grid(resolve_instances(spec, out), ["savings"], "savings", 1.0, [0]), out, workers=1).close()
    again = Grid(resolve_instances(spec, out), ["nearest"], "nearest", 1.0, [0])
    run_compare(again, out, workers=1, fresh=True).close()
    assert (out / "instances" / "tsp8-uniform-s2.json").exists()
    write_reports(out, again, header="# t", plot_routes=0)
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [(r["instance"], r["solver"], r["status"]) for r in rows] == [("tsp8-uniform-s2", "nearest", "ok")]


def test_fresh_never_removes_a_file_outside_the_folder(examples, tmp_path):
    """A stored solution path that leads out of the results folder (an edited or foreign store) is not
    removed by --fresh: only what compare wrote inside the folder goes."""
    out = tmp_path / "o"
    g = grid(examples)
    run_compare(g, out, workers=1).close()
    victim, beside = tmp_path / "victim.json", tmp_path / "beside.json"
    victim.write_text("{}")
    beside.write_text("{}")
    store = ResultStore(out)
    try:
        store.add({"instance": "tsp20", "solver": "savings", "seed": 0, "status": "ok", "cost": 1.0, "feasible": True,
                   "path": str(victim)})
        store.add({"instance": "tsp20", "solver": "nearest", "seed": 0, "status": "ok", "cost": 1.0,
                   "feasible": True, "path": "../beside.json"})
    finally:
        store.close()
    run_compare(g, out, workers=1, fresh=True).close()
    assert victim.exists() and beside.exists()
    assert (out / "solutions" / "tsp20__savings__0.json").exists()  # the new grid's own run is there


def test_a_corrected_bks_beside_the_file_refuses_the_old_runs(examples, tmp_path):
    """Walkthrough finding: only the instance files were fingerprinted, so after a corrected bks.csv
    (or .sol) beside them a rerun into the same folder resumed and reported the old BKS's gaps."""
    inst = tmp_path / "inst"
    inst.mkdir()
    f = inst / "cvrp50.json"
    f.write_text((examples / "cvrp50.json").read_text())
    (inst / "bks.csv").write_text("name,bks\ncvrp50,1000\n")
    g = Grid([InstanceRef("cvrp50", str(f))], ["savings"], "savings", 1.0, [0])
    out = tmp_path / "out"
    run_compare(g, out, workers=1).close()
    run_compare(g, out, workers=1).close()  # same BKS: resumes (nothing to do)
    (inst / "bks.csv").write_text("name,bks\ncvrp50,990.5\n")
    with pytest.raises(GraphrouteError, match=r"known best of cvrp50 changed since its runs: 1000 \(from bks.csv\) "
                                              r"there, 990.5 \(from bks.csv\) now.*--fresh"):
        run_compare(g, out, workers=1)
    run_compare(g, out, workers=1, fresh=True).close()
    store = ResultStore(out)
    try:
        assert [r["bks"] for r in store.rows()] == [990.5]
    finally:
        store.close()


def test_a_folder_recorded_before_the_references_still_resumes(examples, tmp_path):
    g = grid(examples, names=("cvrp50",))
    run_compare(g, tmp_path, workers=1).close()
    store = ResultStore(tmp_path)
    store.db.execute("DELETE FROM grid WHERE key = 'references'")  # as an older graphroute wrote it
    store.db.commit()
    store.close()
    run_compare(g, tmp_path, workers=1).close()


def test_a_rerun_tries_crashed_runs_again_and_keeps_failed_ones(examples, tmp_path):
    """Walkthrough finding: a script without the __main__ guard crashed every worker, and rerunning the fixed
    script into the same folder planned 0 runs: crashed rows (which say nothing of the solver) were kept."""
    g = grid(examples, names=("tsp20",))
    run_compare(g, tmp_path, workers=1).close()
    store = ResultStore(tmp_path)
    store.db.execute("UPDATE runs SET status = 'crashed', cost = NULL WHERE solver = 'savings'")
    store.db.execute("UPDATE runs SET status = 'failed', cost = NULL WHERE solver = 'nearest'")
    store.db.commit()
    store.close()
    plans = []
    run_compare(g, tmp_path, workers=1, on_plan=lambda total, todo: plans.append((total, todo))).close()
    assert plans == [(2, 1)]  # savings again; nearest's failure is a result
    store = ResultStore(tmp_path)
    try:
        assert {r["solver"]: r["status"] for r in store.rows()} == {"savings": "ok", "nearest": "failed"}
    finally:
        store.close()


def test_a_smaller_plot_routes_removes_the_route_plots_it_no_longer_draws(examples, tmp_path):
    g = grid(examples, names=("tsp20", "cvrp50"))
    run_compare(g, tmp_path, workers=1).close()
    write_reports(tmp_path, g, header="# t", plot_routes=2)
    drawn = sorted(p.name for p in (tmp_path / "plots").glob("routes_*.png"))
    assert len(drawn) == 2
    (tmp_path / "plots" / "routes_mine.png").write_bytes(b"not compare's")
    write_reports(tmp_path, g, header="# t", plot_routes=1)
    assert sorted(p.name for p in (tmp_path / "plots").glob("routes_*.png")) == ["routes_mine.png", "routes_tsp20.png"]
    write_reports(tmp_path, g, header="# t", plot_routes=0)
    assert [p.name for p in (tmp_path / "plots").glob("routes_*.png")] == ["routes_mine.png"]
