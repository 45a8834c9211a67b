"""What a comparison's figures show, beyond tests/test_plot_contents.py (mutation audit 2026-12-04): how
files are written, labels and reference line, a solver keeps its colour in both gap figures, legends,
the route panels' walks, layout, titles and cost format, and a matrix instance's panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graphroute
from graphroute.problems.io import read_instance

EXAMPLES = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples"

ROWS = [
    {"solver": "a", "instance": "big", "n": 100, "runtime_s": 1.0, "gap_vs_bks_pct": None, "gap_vs_baseline_pct": 4.0},
    {"solver": "a", "instance": "big", "n": 100, "runtime_s": 9.0, "gap_vs_bks_pct": None, "gap_vs_baseline_pct": 2.0},
    {"solver": "b", "instance": "small", "n": 10, "runtime_s": 0.5, "gap_vs_bks_pct": None, "gap_vs_baseline_pct": -1.0},
]


@pytest.fixture
def figs(monkeypatch):
    """The figures the plot functions save, in order."""
    import matplotlib

    matplotlib.use("Agg", force=True)

    import graphroute.compare.plots as cp

    got = []
    real_save = cp._save
    monkeypatch.setattr(cp, "_save", lambda fig, path: (got.append(fig), real_save(fig, path))[1])
    return got


def _rgb(c):  # noqa: ANN001, ANN202
    return tuple(np.round(np.asarray(c).ravel()[:3], 6))


def test_a_plot_is_a_png_everyone_can_read_and_no_temp_file_remains(tmp_path):
    from graphroute.compare.plots import plot_gap_vs_time

    plot_gap_vs_time(ROWS, ["a", "b"], tmp_path / "g.png")
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "g.png").stat().st_mode & 0o777 == 0o644


def test_a_failed_save_leaves_neither_the_plot_nor_a_temp_file(tmp_path, monkeypatch):
    import matplotlib.figure

    from graphroute.compare.plots import plot_instance_gaps

    def broken(self, fname, **kw):  # noqa: ANN001, ANN003, ANN202
        Path(fname).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    with pytest.raises(OSError, match="No space left"):
        plot_instance_gaps(ROWS, ["a", "b"], tmp_path / "i.png")
    assert list(tmp_path.iterdir()) == []


def test_gap_vs_time_without_a_known_best_uses_the_baseline_gap(tmp_path, figs):
    from graphroute.compare.plots import plot_gap_vs_time

    plot_gap_vs_time(ROWS, ["a", "b"], tmp_path / "g.png")
    ax = figs[-1].axes[0]
    assert ax.get_ylabel() == "gap to baseline (%)" and ax.get_xlabel() == "runtime per run (s, log scale)"
    assert ax.get_title() == ("Gap against time: 3 of 3 runs (feasible, on instances with a baseline cost);\n"
                              "diamonds: each solver's medians over its runs shown")
    pts_a, med_a, pts_b, _ = (c.get_offsets().tolist() for c in ax.collections)
    assert pts_a == [[1.0, 4.0], [9.0, 2.0]] and pts_b == [[0.5, -1.0]]
    assert [list(line.get_ydata()) for line in ax.lines] == [[0.0, 0.0]]  # the zero-gap line


def test_a_solver_without_points_does_not_hide_the_next(tmp_path, figs):
    from graphroute.compare.plots import plot_gap_vs_time

    plot_gap_vs_time(ROWS, ["none", "b"], tmp_path / "g.png")
    ax = figs[-1].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["b (median)"]
    pts_b, med_b = ax.collections
    assert pts_b.get_offsets().tolist() == [[0.5, -1.0]]
    assert _rgb(pts_b.get_facecolor()) == _rgb(med_b.get_facecolor())  # its points in its median's colour


def test_a_solver_has_one_colour_in_both_gap_figures(tmp_path, figs):
    from graphroute.compare.plots import plot_gap_vs_time, plot_instance_gaps

    plot_gap_vs_time(ROWS, ["a", "b"], tmp_path / "g.png")
    plot_instance_gaps(ROWS, ["a", "b"], tmp_path / "i.png")
    gap_ax, inst_ax = figs[-2].axes[0], figs[-1].axes[0]
    pts_a, med_a, pts_b, med_b = (_rgb(c.get_facecolor()) for c in gap_ax.collections)
    line_a, line_b = (_rgb(line.get_color()) for line in inst_ax.lines[:2])
    assert pts_a == med_a == line_a and pts_b == med_b == line_b and line_a != line_b


def test_instance_gaps_legend_title_and_baseline_gap(tmp_path, figs):
    from graphroute.compare.plots import plot_instance_gaps

    plot_instance_gaps(ROWS, ["a", "b"], tmp_path / "i.png")
    ax = figs[-1].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_title() == "Gap per instance (mean over seeds)" and ax.get_ylabel() == "gap to baseline (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["small", "big"]
    assert ax.lines[0].get_ydata()[1] == 3.0 and ax.lines[1].get_ydata()[0] == -1.0


def _routes_fig(tmp_path, figs, inst, sols):  # noqa: ANN001, ANN202
    from graphroute.compare.plots import plot_instance_routes

    plot_instance_routes(inst, sols, tmp_path / "r.png")
    return figs[-1]


def test_route_panels_walk_each_route_from_and_back_to_the_depot(tmp_path, figs):
    inst = read_instance(EXAMPLES / "cvrp50.json")
    fig = _routes_fig(tmp_path, figs, inst, {"s": {"routes": [[1, 2], [], [3]], "cost": 5.0}})
    ax = fig.axes[0]
    assert len(ax.lines) == 2  # the empty route is not drawn
    np.testing.assert_allclose(ax.lines[0].get_xydata(), inst.coords[[0, 1, 2, 0]])
    np.testing.assert_allclose(ax.lines[1].get_xydata(), inst.coords[[0, 3, 0]])
    assert _rgb(ax.lines[0].get_color()) != _rgb(ax.lines[1].get_color())
    assert fig._suptitle.get_text() == inst.name and ax.get_aspect() == 1.0


def test_tsp_panel_closes_the_tour_and_has_no_depot(tmp_path, figs):
    inst = read_instance(EXAMPLES / "tsp20.json")
    tour = list(range(inst.n))
    ax = _routes_fig(tmp_path, figs, inst, {"s": {"routes": [tour], "cost": 3.5}}).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), inst.coords[[*tour, 0]])
    assert len(ax.collections) == 1 and ax.get_title() == "s: 3.500"


def test_route_panels_three_to_a_row(tmp_path, figs):
    inst = read_instance(EXAMPLES / "tsp20.json")
    sols = {f"s{i}": {"routes": [[0, 1]], "cost": 1.0} for i in range(4)}
    fig = _routes_fig(tmp_path, figs, inst, sols)
    shown = [ax for ax in fig.axes if ax.axison]
    rows = [round(ax.get_position().y0, 3) for ax in shown]
    cols = [round(ax.get_position().x0, 3) for ax in shown]
    assert len(fig.axes) == 6 and rows[0] == rows[1] == rows[2] > rows[3] and cols[3] == cols[0]


@pytest.mark.parametrize("cost, shown", [(999.5, "999.500"), (1000.0, "1,000"), (12345.6, "12,346")])
def test_route_panel_titles_round_large_costs_with_thousands_separators(tmp_path, figs, cost, shown):
    inst = read_instance(EXAMPLES / "tsp20.json")
    ax = _routes_fig(tmp_path, figs, inst, {"s": {"routes": [[0, 1]], "cost": cost, "gap_to_bks_pct": 0.125}}).axes[0]
    assert ax.get_title() == f"s: {shown} (0.12%)"


def test_a_matrix_instance_gets_a_route_panel(tmp_path, figs):
    from graphroute.plot import _layout

    inst = read_instance(EXAMPLES / "acvrp30.json")
    assert inst.coords is None
    ax = _routes_fig(tmp_path, figs, inst, {"s": {"routes": [[1, 2]], "cost": 5.0}}).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), _layout(inst)[[0, 1, 2, 0]])
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


def test_gap_vs_time_title_counts_the_runs_it_leaves_out(tmp_path, figs):
    """Walkthrough finding: runs on instances without a BKS (and infeasible ones) vanished from the plot
    unsaid, and the x axis said "per instance" for points that are runs."""
    from graphroute.compare.plots import plot_gap_vs_time

    rows = [{**r, "gap_vs_bks_pct": 1.0 + i} for i, r in enumerate(ROWS[:2])] + [
        {**ROWS[2]}, {"solver": "b", "instance": "small", "n": 10, "runtime_s": 0.7, "gap_vs_bks_pct": None,
                      "gap_vs_baseline_pct": None}]
    plot_gap_vs_time(rows, ["a", "b"], tmp_path / "g.png")
    assert figs[-1].axes[0].get_title().startswith("Gap against time: 2 of 4 runs (feasible, on instances with a BKS)")


def test_route_panels_mark_runs_without_a_solution_and_infeasible_ones(tmp_path, figs):
    """An OR-Tools run that returned no routes was titled 'ortools: 0.000'; infeasible runs looked feasible."""
    inst = read_instance(EXAMPLES / "cvrp50.json")
    sols = {"none": {"routes": [], "cost": None, "feasible": False},  # 0.0 in files written before stop 29
            "old": {"routes": [], "cost": 0.0, "feasible": False},
            "bad": {"routes": [[1, 2]], "cost": 5.0, "feasible": False, "gap_to_bks_pct": 1.0},
            "good": {"routes": [[1, 2]], "cost": 5.0, "feasible": True, "gap_to_bks_pct": 1.0}}
    titles = [ax.get_title() for ax in _routes_fig(tmp_path, figs, inst, sols).axes[:4]]
    assert titles == ["none: no solution", "old: no solution", "bad: 5.000, INFEASIBLE", "good: 5.000 (1.00%)"]
