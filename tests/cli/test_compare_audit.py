"""`graphroute compare` (cli/compare.py): what the command hands the comparison engine (the grid, the
suite defaults, --task paths options), what it refuses, the report header and the terminal table.

Most tests replace ``run_compare`` / ``write_reports`` (or ``compare_paths``) with recorders, so they pin
the CLI layer itself in milliseconds; one real, tiny run checks the recorded assumptions end to end."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
TSP20 = EXAMPLES / "tsp20.json"


def run(*args, **kw):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"}, **kw)


def one_line_error(res, *parts):
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output, res.output
    for p in parts:
        assert p in err, err
    return err


def summary_row(solver, **kw):
    row = {"solver": solver, "feasible_pct": 100.0, "mean_gap_vs_baseline_pct": 0.0,
           "geomean_gap_vs_baseline_pct": 0.0, "n_gap_vs_baseline": 1, "mean_gap_vs_bks_pct": None,
           "geomean_gap_vs_bks_pct": None, "n_gap_vs_bks": 0, "mean_gap_vs_bks_common_pct": None,
           "geomean_gap_vs_bks_common_pct": None, "n_common": 0, "wins": 0, "ties": 1, "losses": 0,
           "mean_time_s": 0.0, "median_time_s": 0.0, "over_limit": 0, "n_below_bks": 0, "failed": 0, "timeouts": 0}
    row.update(kw)
    return row


@pytest.fixture
def engine(monkeypatch):
    """Record what compare hands run_compare / write_reports instead of running solvers."""
    import graphroute.compare.core as core
    from graphroute_cli import common

    monkeypatch.setattr(common.console, "width", 300)  # one table row per line
    rec = {"plan": None, "rows": [], "summary": None}

    def run_compare(grid, out, **kw):
        rec["grid"], rec["out"], rec["run"] = grid, out, kw
        if rec["plan"]:
            kw["on_plan"](*rec["plan"])
        for row in rec["rows"]:
            kw["on_result"](row)
        return types.SimpleNamespace(close=lambda: None)

    def write_reports(out, grid, *, header, plot_routes=2):
        rec["header"], rec["plot_routes"] = header, plot_routes
        return rec["summary"] or [summary_row(s) for s in grid.solvers]

    monkeypatch.setattr(core, "run_compare", run_compare)
    monkeypatch.setattr(core, "write_reports", write_reports)
    return rec


@pytest.fixture
def paths_engine(monkeypatch):
    """Record the keyword arguments --task paths hands compare_paths."""
    import graphroute_cli.compare_paths as cp

    rec = {}

    def compare_paths(graph, **kw):
        rec["graph"] = graph
        rec.update(kw)

    monkeypatch.setattr(cp, "compare_paths", compare_paths)
    return rec


@pytest.fixture
def mini_suite(tmp_path):
    """A suite YAML whose every default differs from the built-in ones."""
    p = tmp_path / "mini.yaml"
    p.write_text(f"name: mini\ninstances: ['{TSP20}']\nsolvers: [savings, nearest, pyvrp]\nbaseline: nearest\n"
                 "time_limit: 0.25\nseeds: [3, 4]\nworkers: 3\nplot_routes: 1\n"
                 "options:\n  pyvrp: {display: false}\n")
    return p


# ----------------------------------------------------------------------------- --generate / lists
def test_generate_spec_gives_problem_size_distribution_count_and_seed(engine, tmp_path):
    res = run("compare", "--generate", "tsp:8:clustered:2:5", "-b", "nearest", "--solvers", "savings",
              "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    assert [r.key for r in engine["grid"].instances] == ["tsp8-clustered-s5", "tsp8-clustered-s6"]


def test_generate_spec_defaults_to_one_uniform_instance_of_seed_0(engine, tmp_path):
    res = run("compare", "--generate", "cvrp:9", "--generate", "tsp:7:clustered", "-b", "nearest",
              "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    assert [r.key for r in engine["grid"].instances] == ["cvrp9-uniform-s0", "tsp7-clustered-s0"]


def test_generate_with_files_adds_a_set_to_them(engine, tmp_path):
    res = run("compare", TSP20, "--generate", "tsp:6:uniform:1:2", "-b", "nearest", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    assert [r.key for r in engine["grid"].instances] == ["tsp20", "tsp6-uniform-s2"]


@pytest.mark.parametrize("spec,msg", [
    ("tsp", "--generate takes PROBLEM:SIZE[:DISTRIBUTION[:COUNT[:SEED]]], got 'tsp'"),
    ("tsp:8:uniform:1:0:9", "--generate takes PROBLEM:SIZE"),
    ("tsp:x", "--generate: SIZE, COUNT and SEED must be integers in 'tsp:x'"),
    ("tsp:8:uniform:two", "SIZE, COUNT and SEED must be integers"),
    ("tsp:8:uniform:1:z", "SIZE, COUNT and SEED must be integers"),
])
def test_bad_generate_spec_is_one_line(tmp_path, spec, msg):
    one_line_error(run("compare", "--generate", spec, "-b", "nearest", "-o", tmp_path / "o"), msg)
    assert not (tmp_path / "o").exists()


def test_seeds_and_solvers_lists_skip_blanks_and_spaces(engine, tmp_path):
    res = run("compare", TSP20, "-b", "nearest", "--solvers", " savings , nearest,", "--seeds", "2,,0, ",
              "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    assert engine["grid"].solvers == ["nearest", "savings"]  # the baseline listed again runs once
    assert engine["grid"].seeds == [2, 0]  # order kept (a repeated seed is refused: test_core)
    assert json.loads(res.stdout)["solvers"] == ["nearest", "savings"]


@pytest.mark.parametrize("args,msg", [
    (["--seeds", ","], "--seeds is empty"),
    (["--seeds", "1,x"], "--seeds must be a comma-separated list, got '1,x'"),
    (["--solvers", " , "], "--solvers is empty"),
])
def test_an_empty_or_bad_list_is_one_line(tmp_path, args, msg):
    one_line_error(run("compare", TSP20, "-b", "nearest", "-o", tmp_path / "o", *args), msg)


# ----------------------------------------------------------------------------- the grid handed over
def test_cli_values_reach_the_grid_and_the_run(engine, tmp_path):
    out = tmp_path / "o"
    res = run("compare", TSP20, "-b", "savings", "--solvers", "nearest", "-t", "0.3", "--seeds", "4", "-w", "2",
              "--plot-routes", "0", "--fresh", "-o", out, "--json")
    assert res.exit_code == 0, res.output
    g = engine["grid"]
    assert (g.baseline, g.solvers, g.time_limit, g.seeds) == ("savings", ["savings", "nearest"], 0.3, [4])
    assert engine["run"]["workers"] == 2 and engine["run"]["fresh"] is True
    assert engine["run"]["executor"] == "local" and engine["run"]["address"] is None
    assert engine["plot_routes"] == 0  # 0 draws none; it is not "unset"
    assert Path(engine["out"]) == out


def test_files_without_a_suite_use_the_builtin_defaults(engine, tmp_path):
    res = run("compare", TSP20, "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    g = engine["grid"]
    assert (g.baseline, g.solvers, g.time_limit, g.seeds) == ("ortools", ["ortools", "pyvrp", "savings"], 10.0, [0])
    assert engine["plot_routes"] == 2


def test_generate_alone_is_a_custom_grid_not_the_demo_suite(engine, tmp_path):
    res = run("compare", "--generate", "tsp:6", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    g = engine["grid"]
    assert g.time_limit == 10.0 and g.solvers == ["ortools", "pyvrp", "savings"]  # demo: 5 s, neural first
    assert engine["plot_routes"] == 2 and engine["header"].startswith("# Comparison: custom\n")


def test_suite_defaults_reach_the_grid(engine, mini_suite, tmp_path):
    res = run("compare", "--suite", mini_suite, "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    g = engine["grid"]
    assert (g.baseline, g.solvers, g.time_limit, g.seeds) == ("nearest", ["nearest", "savings", "pyvrp"], 0.25, [3, 4])
    assert [r.key for r in g.instances] == ["tsp20"] and g.options == {"pyvrp": {"display": False}}
    assert engine["run"]["workers"] == 3 and engine["plot_routes"] == 1
    assert engine["header"].startswith("# Comparison: mini\n")
    assert "time limit 0.25 s per run, 3 worker process(es)" in engine["header"]


def test_options_override_the_suite_and_unused_solver_options_are_dropped(engine, mini_suite, tmp_path):
    res = run("compare", "--suite", mini_suite, "-b", "savings", "--solvers", "nearest", "-t", "0.5", "-w", "1",
              "--seeds", "9", "--plot-routes", "0", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    g = engine["grid"]
    assert (g.baseline, g.solvers, g.time_limit, g.seeds) == ("savings", ["savings", "nearest"], 0.5, [9])
    assert g.options == {}  # pyvrp's options would be "options given for solver 'pyvrp', which is not in the grid"
    assert engine["run"]["workers"] == 1 and engine["plot_routes"] == 0


def test_files_with_a_suite_are_named_custom(engine, mini_suite, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("compare", "--suite", mini_suite, TSP20, "-b", "nearest", "--solvers", "savings", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["out"] == str(Path("runs") / "compare" / "custom")
    assert engine["header"].startswith("# Comparison: custom\n")
    assert engine["grid"].time_limit == 0.25  # the suite's settings still apply
    assert res.stderr.strip() == ("warning: the instances given replace those of suite 'mini'; its baseline, solvers, "
                                  "time limit, seeds and solver options apply where no option overrides them")


@pytest.mark.parametrize("option", ["--solvers", "--seeds"])
def test_an_empty_list_option_is_refused_not_read_as_the_default(engine, tmp_path, option):
    one_line_error(run("compare", TSP20, option, "", "-o", tmp_path / "o"), f"{option} is empty")
    assert "grid" not in engine


def test_an_empty_methods_list_is_refused(paths_engine, tmp_path):
    one_line_error(run("compare", "--task", "paths", TSP20, "--methods", " "), "--methods is empty")


def test_default_out_folder_is_runs_compare_suite_name(engine, mini_suite, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("compare", "--suite", mini_suite, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["out"] == str(Path("runs") / "compare" / "mini")
    assert info["results_csv"] == str(Path("runs") / "compare" / "mini" / "results.csv")


def test_header_describes_the_grid(engine, tmp_path):
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings,nearest", "-t", "0.5", "--seeds", "0,1",
              "-w", "1", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    h = engine["header"]
    assert h.startswith("# Comparison: custom\n\nCommand: `graphroute compare`\n")
    assert ("- grid: 1 instances x 2 solvers x 2 seeds, time limit 0.5 s per run, 1 worker process(es), "
            "one thread each, executor local\n") in h


def test_header_repeats_the_command_line_quoted(engine, tmp_path, monkeypatch):
    args = ["compare", str(TSP20), "-b", "nearest", "-o", str(tmp_path / "my out"), "--json"]
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/graphroute", *args])
    res = run(*args)
    assert res.exit_code == 0, res.output
    assert f"Command: `graphroute compare {TSP20} -b nearest -o '{tmp_path / 'my out'}' --json`" in engine["header"]


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("args,msg", [
    (["--task", "maze"], "unknown task 'maze'; available: vrp, paths"),
    (["--address", "h:1"], "--address is the Ray cluster's address: it needs --executor ray"),
    (["--seed", "0"], "--seed is for --task paths; --task vrp takes --suite"),
    (["--seed", "0", "--k", "0", "--methods", "dijkstra"], "--seed, --k, --methods are for --task paths"),
    (["--steps", "auto"], "--steps is for --task paths"),
    (["--k-queries", "0"], "--k-queries is for --task paths"),
    (["--weight", "time"], "--weight is for --task paths"),
    (["--contract"], "--contract/--no-contract is for --task paths"),
    (["-w", "0"], "--workers must be at least 1, got 0"),
    (["-w", "-3"], "--workers must be at least 1, got -3"),
    (["--plot-routes", "-1"], "--plot-routes must be at least 0, got -1"),
    (["-t", "-1"], "time limit must be a positive"),
])
def test_vrp_refusals_are_one_line_before_anything_is_written(tmp_path, args, msg):
    out = tmp_path / "o"
    one_line_error(run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "-o", out, *args), msg)
    assert not out.exists()


def test_out_that_is_a_file_is_refused_before_any_instance_is_read(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("x")
    one_line_error(run("compare", tmp_path / "nosuch.json", "-b", "nearest", "-o", f), f"{f} is a file")
    one_line_error(run("compare", tmp_path / "nosuch.json", "-b", "nearest", "-o", f / "sub"), "is a file")


def test_bad_time_limit_is_refused_before_any_instance_is_read(tmp_path):
    one_line_error(run("compare", tmp_path / "nosuch.json", "-b", "nearest", "-t", "0", "-o", tmp_path / "o"),
                   "time limit must be a positive number of seconds, got 0")


@pytest.mark.parametrize("args,msg", [
    (["--fresh"], "--fresh is for --task vrp; --task paths takes --router"),
    (["--executor", "ray"], "--executor is for --task vrp"),
    (["--workers", "2", "--plot-routes", "0"], "--workers, --plot-routes are for --task vrp"),
    (["--suite", "demo"], "--suite is for --task vrp"),
])
def test_paths_refuses_vrp_only_options(tmp_path, paths_engine, args, msg):
    one_line_error(run("compare", "--task", "paths", tmp_path / "g.gr", *args), msg)
    assert paths_engine == {}


@pytest.mark.parametrize("files", [[], ["a.gr", "b.gr"]])
def test_paths_takes_exactly_one_graph(tmp_path, paths_engine, files):
    one_line_error(run("compare", "--task", "paths", *files), "--task paths takes exactly one GRAPH file")
    assert paths_engine == {}


# ----------------------------------------------------------------------------- --task paths forwarding
def test_paths_defaults_handed_to_compare_paths(paths_engine, tmp_path):
    res = run("compare", "--task", "paths", tmp_path / "g.gr")
    assert res.exit_code == 0, res.output
    assert paths_engine == {"graph": tmp_path / "g.gr", "baseline": None, "router": None, "queries": 200, "seed": 0,
                            "steps": "auto", "k": 3, "k_queries": 10, "weight": None, "methods": None, "out": None,
                            "as_json": False, "contract": None}


def test_paths_options_handed_to_compare_paths(paths_engine, tmp_path):
    res = run("compare", "--task", "paths", tmp_path / "g.gr", "-b", "Dijkstra", "--checkpoint", tmp_path / "r.pt",
              "-q", 7, "--seed", 4, "--steps", 6, "-k", 2, "--k-queries", 1, "--weight", "time",
              "--methods", "dijkstra, astar,", "--no-contract", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    assert paths_engine == {"graph": tmp_path / "g.gr", "baseline": "Dijkstra", "router": tmp_path / "r.pt",
                            "queries": 7, "seed": 4, "steps": "6", "k": 2, "k_queries": 1, "weight": "time",
                            "methods": ["dijkstra", "astar"], "out": tmp_path / "o", "as_json": True,
                            "contract": False}
    res = run("compare", "--task", "paths", tmp_path / "g.gr", "--contract")
    assert res.exit_code == 0 and paths_engine["contract"] is True


# ----------------------------------------------------------------------------- a folder of another grid
@pytest.mark.parametrize("words", ["holds results of a different grid (solvers); ",
                                   "holds results of a different grid (solvers); use another --out"])
def test_another_grid_refusal_always_says_what_to_do(engine, tmp_path, monkeypatch, words):
    """Whatever words the store uses, the refusal ends with --out / --fresh advice (one line, no progress)."""
    from graphroute.compare.store import ResultStore
    from graphroute.exceptions import InvalidArgumentError
    from graphroute_cli.compare import OTHER_GRID_ADVICE

    out = tmp_path / "o"
    store = ResultStore(out)
    store.bind_grid({"solvers": ["x"]})
    store.close()

    def bind_grid(self, grid, *, fresh=False):
        raise InvalidArgumentError(f"{out} {words}")

    monkeypatch.setattr(ResultStore, "bind_grid", bind_grid)
    res = run("compare", TSP20, "-b", "nearest", "-o", out)
    err = one_line_error(res, f"{out} holds results of a different grid (solvers)")
    assert err.endswith(f"{words.rstrip('; ')}; {OTHER_GRID_ADVICE}") and res.stdout == ""
    assert "grid" not in engine  # nothing ran
    res = run("compare", TSP20, "-b", "nearest", "-o", out, "--fresh", "--json")  # --fresh skips the check
    assert res.exit_code == 0, res.output
    assert engine["run"]["fresh"] is True


# ----------------------------------------------------------------------------- progress, --json and the table
def test_json_is_the_only_output_and_no_table_follows(engine, tmp_path):
    engine["plan"] = (2, 1)
    engine["rows"] = [{"instance": "tsp20", "solver": "savings", "seed": 0, "cost": 4.5, "status": "ok"}]
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "-o", tmp_path / "o", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)  # no progress line, no table around it
    assert info["baseline"] == "nearest" and info["solvers"] == ["nearest", "savings"]
    assert [s["solver"] for s in info["summary"]] == ["nearest", "savings"]
    assert info["summary_md"] == str(tmp_path / "o" / "summary.md")


def test_progress_counts_resumed_runs_and_shows_the_last_result(engine, tmp_path):
    engine["plan"] = (4, 2)
    engine["rows"] = [{"instance": "tsp20", "solver": "savings", "seed": 0, "cost": 1234.5, "status": "ok"},
                      {"instance": "tsp20", "solver": "nearest", "seed": 1, "cost": None, "status": "timeout"}]
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "--seeds", "0,1", "-o", tmp_path / "o")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if "compare custom" in x)
    assert "4/4" in line and "tsp20 nearest: timeout" in line, line


def test_progress_says_how_many_runs_were_resumed(engine, tmp_path):
    engine["plan"] = (4, 1)
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "--seeds", "0,1", "-o", tmp_path / "o")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if "compare custom" in x)
    assert "3/4" in line and "resuming: 3 done" in line, line
    # the header names this invocation only: it says that an earlier one made 3 of the runs
    assert "- resumed: 3 of 4 runs were stored by an earlier invocation of this grid" in engine["header"]


def test_header_of_a_run_that_resumed_nothing_says_nothing_of_it(engine, tmp_path):
    engine["plan"] = (4, 4)
    assert run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "--seeds", "0,1", "-o",
               tmp_path / "o").exit_code == 0
    assert "resumed" not in engine["header"]


def test_header_repeats_the_command_under_python_m(engine, tmp_path, monkeypatch):
    """Walkthrough finding: `python -m graphroute_cli.main compare ...` wrote a bare `graphroute compare`."""
    args = ["compare", str(TSP20), "-b", "nearest", "-o", str(tmp_path / "o2"), "--json"]
    monkeypatch.setattr(sys, "argv", ["/x/graphroute_cli/main.py", *args])
    assert run(*args).exit_code == 0
    assert f"Command: `graphroute compare {TSP20} -b nearest -o {tmp_path / 'o2'} --json`" in engine["header"]


def _table(res):
    rows = {}
    for line in res.stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 10:
            rows[cells[1]] = cells[2:-1]
    return rows


def test_table_cells(engine, tmp_path):
    engine["summary"] = [
        summary_row("nearest", feasible_pct=66.666, wins=0, ties=3, losses=0, mean_time_s=0.5, median_time_s=0.25),
        summary_row("savings", feasible_pct=100.0, mean_gap_vs_baseline_pct=-1.234, geomean_gap_vs_baseline_pct=-1.5,
                    n_gap_vs_baseline=2, mean_gap_vs_bks_pct=3.0, geomean_gap_vs_bks_pct=2.5, n_gap_vs_bks=3,
                    mean_gap_vs_bks_common_pct=4.0, geomean_gap_vs_bks_common_pct=3.5, n_common=1, wins=2, ties=0,
                    losses=1, mean_time_s=1.0, median_time_s=0.75, over_limit=5, n_below_bks=0, failed=1, timeouts=2),
    ]
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "-t", "0.5", "-o", tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert "1 instances, 0.5 s per run, baseline nearest" in res.stdout
    rows = _table(res)
    assert rows["nearest (baseline)"] == ["66.7", "0.00 / 0.00, 1", "- / -, 0", "- / -, 0", "-", "0.50 / 0.25",
                                          "0", "0", "0 / 0"]
    assert rows["savings"] == ["100.0", "-1.23 / -1.50, 2", "3.00 / 2.50, 3", "4.00 / 3.50, 1", "2/0/1",
                               "1.00 / 0.75", "5", "0", "1 / 2"]  # failed and timeouts apart, not added up
    assert "warning" not in res.stdout
    o = tmp_path / "o"
    assert f"results: {o}/results.csv, {o}/summary.md, plots in {o}/plots/" in res.stdout


@pytest.mark.parametrize("below", [[0, 1], [2, 3]])
def test_runs_below_the_bks_are_counted_in_a_warning(engine, tmp_path, below):
    engine["summary"] = [summary_row("nearest", n_below_bks=below[0]), summary_row("savings", n_below_bks=below[1])]
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "-o", tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert f"warning: {sum(below)} run(s) cost less than their BKS" in " ".join(res.stdout.split())
    assert [r[7] for r in _table(res).values()] == [str(b) for b in below]


# ----------------------------------------------------------------------------- end to end
def test_a_real_tiny_comparison_writes_the_header_and_the_json(tmp_path):
    """No recorder: one instance, two instant solvers, a fraction of a second."""
    out = tmp_path / "o"
    res = run("compare", TSP20, "-b", "nearest", "--solvers", "savings", "-t", "0.2", "-w", "1", "--plot-routes", "0",
              "-o", out, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["solvers"] == ["nearest", "savings"] and info["out"] == str(out)
    assert [s["solver"] for s in info["summary"]] == ["nearest", "savings"]
    md = (out / "summary.md").read_text()
    assert md.startswith("# Comparison: custom\n\nCommand: `graphroute compare`\n")
    assert re.search(r"- grid: 1 instances x 2 solvers x 1 seeds, time limit 0\.2 s per run, 1 worker process\(es\)", md)
    assert not (out / "plots" / "routes_tsp20.png").exists()


def test_help_lists_the_suites():
    from graphroute.compare.suite import available_suites

    text = " ".join(CliRunner().invoke(app, ["compare", "--help"], env={"COLUMNS": "400"}).stdout.split())
    assert f"Suite name ({', '.join(available_suites())}) or a YAML path." in text


def test_a_foreign_folder_is_refused_before_the_progress_bar(tmp_path):
    (tmp_path / "results.csv").write_text("my,own\n")
    res = CliRunner().invoke(app, ["compare", str(TSP20), "-b", "nearest", "--solvers", "savings", "-t", "0.5",
                                   "-w", "1", "--out", str(tmp_path)])
    assert res.exit_code == 1 and res.stdout == ""  # no "0/?" bar before the one error line
    assert "holds results.csv but no results.sqlite" in res.stderr
