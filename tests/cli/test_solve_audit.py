"""`graphroute solve`, pinned where a mutation audit found it unchecked: the order of the checks (bad
solver before the file), suffixes in any case, the known-best file refused as --out, the options
handed to the solver, nothing half-written when --out fails after --plot, the rows of the table and
the route listing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphroute_cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    """The output with its runs of blanks (table padding, wrapping) folded to one space."""
    return " ".join(text.split())


def one_line_error(res, needle: str, code: int = 1) -> None:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr


@pytest.fixture()
def two(tmp_path) -> Path:
    """A two-city TSP whose tour costs 1,000."""
    f = tmp_path / "two.json"
    f.write_text(json.dumps({"name": "two", "problem": "tsp", "coords": [[0, 0], [300, 400]]}))
    return f


@pytest.fixture()
def fake_plot(monkeypatch):
    """Replace the drawing by a stub that records its calls and writes a small file."""
    import graphroute.plot

    calls = []

    def plot_routes(inst, routes, path, *, title=None):  # noqa: ANN001, ANN202
        calls.append({"path": Path(path), "title": title})
        Path(path).write_bytes(b"drawn")

    monkeypatch.setattr(graphroute.plot, "plot_routes", plot_routes)
    return calls


# ----------------------------------------------------------------------------- argument checks
def test_unknown_solver_is_said_before_the_file_is_read(tmp_path):
    one_line_error(run("solve", tmp_path / "missing.json", "-s", "bogus"), "unknown solver 'bogus'")


@pytest.mark.parametrize("name", ["S.JSON", "S.Json"])
def test_out_suffix_in_capitals_is_json(two, tmp_path, name):
    res = run("solve", two, "-s", "nearest", "--out", tmp_path / name)
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / name).read_text())["cost"] == 1000


def test_out_sol_in_capitals_is_a_sol_file(two, tmp_path):
    res = run("solve", two, "-s", "nearest", "--out", tmp_path / "S.SOL")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "S.SOL").read_text()
    assert text.startswith("Route #1:") and "Cost 1000" in text


@pytest.mark.parametrize("name", ["routes", "r.svg", "R.PNG", "r.pdf", "r.jpg", "r.jpeg"])
def test_every_documented_plot_suffix_is_accepted(two, tmp_path, fake_plot, name):
    res = run("solve", two, "-s", "nearest", "--plot", tmp_path / name)
    assert res.exit_code == 0, res.output
    # drawn beside the plot in the same format (no suffix: png), renamed into place once --out is written
    assert [c["path"].suffix for c in fake_plot] == [Path(name).suffix or ".png"]
    assert [c["path"].parent for c in fake_plot] == [tmp_path]
    assert (tmp_path / name).read_bytes() == b"drawn" and sorted(p.name for p in tmp_path.iterdir() if p != two) == [name]


def test_plot_title_carries_the_solver_cost_and_gap(two, tmp_path, fake_plot):
    res = run("solve", two, "-s", "nearest", "--bks", 800, "--plot", tmp_path / "p.png")
    assert res.exit_code == 0, res.output
    assert fake_plot[0]["title"] == "two - nearest: 1,000, gap 25.00%"


# ----------------------------------------------------------------------------- the known-best file
VRP = """NAME: tiny
TYPE: CVRP
DIMENSION: 3
CAPACITY: 10
EDGE_WEIGHT_TYPE: EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
DEMAND_SECTION
1 0
2 1
3 1
DEPOT_SECTION
1
-1
EOF
"""


@pytest.fixture()
def tiny_vrp(tmp_path) -> Path:
    """A VRPLIB instance with its tiny.sol (cost 20) beside it."""
    d = tmp_path / "inst"
    d.mkdir()
    (d / "tiny.vrp").write_text(VRP)
    (d / "tiny.sol").write_text("Route #1: 1 2\nCost 20\n")
    return d / "tiny.vrp"


def test_out_onto_the_known_best_file_is_refused(tiny_vrp, tmp_path, monkeypatch):
    """From any working folder: the .sol is found beside the instance, not beside the caller."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sol = tiny_vrp.parent / "tiny.sol"
    one_line_error(run("solve", tiny_vrp, "-s", "savings", "--out", sol), "is the known-best file of this instance")
    assert sol.read_text() == "Route #1: 1 2\nCost 20\n"


@pytest.mark.parametrize("setup", ["--bks given", "known best from bks.csv", "no known best", "NAME header"])
def test_out_where_the_known_best_is_looked_up_is_refused(tmp_path, setup):
    """``<stem>.sol`` beside the instance becomes the next run's reference (gap 0, checked), whatever the
    current run's known best came from; so is ``<NAME>.sol`` for a file whose NAME header differs."""
    d = tmp_path / "inst"
    d.mkdir()
    inst = d / "tiny.vrp"
    inst.write_text(VRP.replace("NAME: tiny", "NAME: other") if setup == "NAME header" else VRP)
    if setup == "known best from bks.csv":
        (d / "bks.csv").write_text("name,bks\ntiny,20\n")
    extra = ["--bks", "20"] if setup == "--bks given" else []
    sol = d / ("other.sol" if setup == "NAME header" else "tiny.sol")
    if setup == "--bks given":
        sol.write_text("Route #1: 1 2\nCost 20\n")
    before = sol.read_text() if sol.exists() else None
    one_line_error(run("solve", inst, "-s", "savings", "--out", sol, *extra),
                   "is where this instance's known best is looked up")
    assert (sol.read_text() if sol.exists() else None) == before
    res = run("solve", inst, "-s", "savings", "--out", d / "savings.sol", *extra)  # any other name is fine
    assert res.exit_code == 0 and (d / "savings.sol").exists()


def test_known_best_row_and_gap_in_the_table(tiny_vrp):
    res = run("solve", tiny_vrp, "-s", "savings", "--bks", 16)
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert "known best │ 16 (command line)" in text and "gap │ 25.00%" in text
    res = run("solve", tiny_vrp, "-s", "savings")
    assert "known best │ 20 (tiny.sol)" in flat(res.stdout) and "gap │ 0.00%" in flat(res.stdout)


def test_out_as_a_hard_link_to_the_instance_is_refused(tmp_path):
    inst = tmp_path / "a.json"
    inst.write_text((EXAMPLES / "tsp20.json").read_text())
    os.link(inst, tmp_path / "b.json")
    before = inst.read_bytes()
    one_line_error(run("solve", inst, "-s", "nearest", "--out", tmp_path / "b.json"), "is the instance file itself")
    assert inst.read_bytes() == before


# ----------------------------------------------------------------------------- what the solver is given
@pytest.fixture()
def seen(monkeypatch):
    """Record the arguments ``solve`` gets, then solve with savings (which takes no neural options)."""
    import graphroute.solvers

    real, calls = graphroute.solvers.solve, []

    def solve(inst, solver, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append({"solver": solver, **kw})
        kw = {k: v for k, v in kw.items() if k in ("time_limit", "seed")}
        return real(inst, "savings", **kw)

    monkeypatch.setattr(graphroute.solvers, "solve", solve)
    return calls


def test_neural_gets_augment_8_and_the_checkpoint_by_default(seen, tmp_path):
    ck = tmp_path / "m.pt"
    assert run("solve", EXAMPLES / "cvrp50.json", "-s", "neural", "--json").exit_code == 0
    assert run("solve", EXAMPLES / "cvrp50.json", "-s", "neural", "--checkpoint", ck, "--augment", 1).exit_code == 0
    assert seen[0]["augment"] == 8 and seen[0]["checkpoint"] is None
    assert seen[1]["augment"] == 1 and seen[1]["checkpoint"] == ck


def test_other_solvers_get_no_neural_options(seen):
    assert run("solve", EXAMPLES / "cvrp50.json", "-s", "savings", "--json").exit_code == 0
    assert seen == [{"solver": "savings", "time_limit": 10.0, "seed": 0}]


@pytest.mark.parametrize("as_json", [True, False])
def test_seed_and_time_limit_reach_the_solver_and_the_output(two, as_json):
    res = run("solve", two, "-s", "nearest", "--seed", 7, "-t", 2.5, *(["--json"] if as_json else []))
    assert res.exit_code == 0, res.output
    if as_json:
        obj = json.loads(res.stdout)
        assert obj["seed"] == 7 and obj["time_limit_s"] == 2.5
    else:
        assert "(limit 2.5 s, seed 7)" in flat(res.stdout)


def test_a_solver_bug_is_not_called_out_of_memory(monkeypatch):
    import graphroute.baselines.constructive as constructive

    def bug(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("index went wrong")

    monkeypatch.setattr(constructive, "savings", bug)
    res = run("solve", EXAMPLES / "cvrp50.json", "-s", "savings")
    assert isinstance(res.exception, RuntimeError) and "index went wrong" in str(res.exception)
    assert "out of memory" not in res.output


# ----------------------------------------------------------------------------- nothing half-written
@pytest.fixture()
def broken_out(monkeypatch):
    """Make writing --out (JSON) fail; the exception to raise is set on the returned list."""
    import graphroute.problems.io as io

    exc = [OSError(28, "No space left on device", "s.json")]

    def write_json(obj, path):  # noqa: ANN001, ANN202
        raise exc[0]

    monkeypatch.setattr(io, "write_json", write_json)
    return exc


def test_failed_out_removes_the_plot_this_run_drew(two, tmp_path, fake_plot, broken_out):
    png = tmp_path / "p.png"
    res = run("solve", two, "-s", "nearest", "--plot", png, "--out", tmp_path / "s.json")
    one_line_error(res, "No space left on device")
    assert fake_plot and not png.exists() and not (tmp_path / "s.json").exists()


def test_interrupted_out_removes_the_plot_this_run_drew(two, tmp_path, fake_plot, broken_out):
    broken_out[0] = KeyboardInterrupt()
    png = tmp_path / "p.png"
    res = run("solve", two, "-s", "nearest", "--plot", png, "--out", tmp_path / "s.json")
    one_line_error(res, "interrupted", code=130)
    assert fake_plot and not png.exists()


def test_failed_out_keeps_a_plot_that_was_there_before(two, tmp_path, fake_plot, broken_out):
    """A plot file the user already had is not this run's to delete (it was overwritten, not created)."""
    png = tmp_path / "p.png"
    png.write_bytes(b"old")
    res = run("solve", two, "-s", "nearest", "--plot", png, "--out", tmp_path / "s.json")
    assert res.exit_code == 1 and png.read_bytes() == b"old"  # not replaced by a drawing of a run that failed
    assert sorted(p.name for p in tmp_path.iterdir() if p != two) == ["p.png"]


# ----------------------------------------------------------------------------- the table
def test_tsp_table(two, tmp_path, fake_plot):
    out, png = tmp_path / "s.json", tmp_path / "p.png"
    res = run("solve", two, "-s", "nearest", "--out", out, "--plot", png)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "two  (tsp, 2 nodes, EXACT)"
    text = flat(res.stdout)
    for row in ("solver │ nearest", "cost │ 1,000", "feasible │ yes", f"solution │ {out}", f"plot │ {png}"):
        assert row in text, text
    assert "routes │" not in text and "known best" not in text and "gap │" not in text
    assert "duration │" not in text and "over the limit" not in text
    assert "tour: 0 1" in text and "route 1:" not in text


def test_cvrp_table_counts_routes_and_shows_duration():
    res = run("solve", EXAMPLES / "acvrp-andorra50.json", "-s", "savings")
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert "customers" in res.stdout.splitlines()[0]
    obj = json.loads(run("solve", EXAMPLES / "acvrp-andorra50.json", "-s", "savings", "--json").stdout)
    assert f"routes │ {obj['num_routes']} " in text and obj["duration"] is not None
    assert "duration │" in text and "route 1: " in text and "route 0:" not in text


def test_over_the_limit_is_said(monkeypatch, two):
    import graphroute.solvers

    real = graphroute.solvers.solve

    def slow(*a, **k):  # noqa: ANN002, ANN003, ANN202
        res = real(*a, **k)
        res.over_limit = True
        return res

    monkeypatch.setattr(graphroute.solvers, "solve", slow)
    res = run("solve", two, "-s", "nearest")
    assert res.exit_code == 0 and "seed 0; over the limit)" in flat(res.stdout)


def test_a_note_on_the_instance_is_shown(shared_data):
    res = run("solve", shared_data / "vrp/tsplib/linhp318.tsp", "-s", "nearest")
    assert res.exit_code == 0 and "FIXED_EDGES ignored" in flat(res.stdout)


def test_infeasible_table_lists_the_violations(tmp_path):
    f = tmp_path / "tight.json"  # 3 x demand 6, capacity 10, 2 vehicles: nothing fits
    f.write_text(json.dumps({"problem": "cvrp", "coords": [[0, 0], [1, 0], [0, 1], [1, 1]], "demands": [0, 6, 6, 6],
                             "capacity": 10, "num_vehicles": 2}))
    res = run("solve", f, "-s", "savings")
    assert res.exit_code == 2
    assert "feasible │ NO: " in flat(res.stdout)


# ----------------------------------------------------------------------------- the route listing
def test_route_listing_stops_at_30_routes(tmp_path):
    n = 35  # every customer fills a vehicle: 35 routes
    f = tmp_path / "many.json"
    f.write_text(json.dumps({"name": "many", "problem": "cvrp", "coords": [[0, 0]] + [[k, 1] for k in range(1, n + 1)],
                             "demands": [0] + [5] * n, "capacity": 5}))
    res = run("solve", f, "-s", "savings")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    shown = [line for line in lines if line.startswith("route ")]
    assert len(shown) == 30 and shown[0].startswith("route 1: ") and shown[-1].startswith("route 30: ")
    assert lines[-1] == "... 5 more routes (use --json or --out)"


def test_a_long_tour_is_cut_at_400_characters(tmp_path):
    n = 200
    f = tmp_path / "long.json"
    f.write_text(json.dumps({"name": "long", "problem": "tsp", "coords": [[k, (k * 7) % 13] for k in range(n)]}))
    res = run("solve", f, "-s", "nearest", "--json")
    tour = " ".join(map(str, json.loads(res.stdout)["routes"][0]))
    res = run("solve", f, "-s", "nearest")
    assert res.exit_code == 0, res.output
    assert flat(res.stdout).endswith(f"tour: {tour[:400]} ...".strip())
    assert "more routes" not in res.stdout


def test_json_on_a_terminal_draws_no_progress_spinner(two, monkeypatch):
    """Under --json stdout holds only the JSON object, even on a terminal (a pty): no spinner codes."""
    import io

    from rich.console import Console

    import graphroute_cli.solve as solve_module

    screen = io.StringIO()
    monkeypatch.setattr(solve_module, "console", Console(file=screen, force_terminal=True, width=100))
    res = run("solve", two, "-s", "nearest", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["cost"] == 1000
    assert screen.getvalue() == ""


def test_out_through_a_missing_folder_onto_the_instance_is_refused(tmp_path, monkeypatch):
    """``missing/../a.json`` names the instance once the writer makes ``missing``: refused, not overwritten."""
    inst = tmp_path / "a.json"
    inst.write_text((EXAMPLES / "tsp20.json").read_text())
    before = inst.read_bytes()
    monkeypatch.chdir(tmp_path)
    one_line_error(run("solve", "a.json", "-s", "nearest", "--out", "missing/../a.json"), "is the instance file itself")
    assert inst.read_bytes() == before
