"""What the figures show, not just that a file exists: routes closed at the depot, titles, formats by
suffix, the matrix layout, gap-vs-time points and medians, instance gaps, one panel per solver."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graphroute
from graphroute.problems.instance import Instance
from graphroute.problems.io import read_instance

EXAMPLES = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples"


@pytest.fixture
def figs(monkeypatch):
    import matplotlib.figure

    got = []
    real_save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *a, **k: (got.append(self), real_save(self, *a, **k))[1])
    return got


def test_cvrp_routes_start_and_end_at_the_depot_and_every_customer_is_drawn(tmp_path, figs):
    from graphroute.plot import plot_routes

    inst = read_instance(EXAMPLES / "cvrp50.json")
    plot_routes(inst, [[1, 2], [3]], tmp_path / "r.png", title="my title")
    ax = figs[-1].axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), inst.coords[[0, 1, 2, 0]])
    np.testing.assert_allclose(ax.lines[1].get_xydata(), inst.coords[[0, 3, 0]])
    assert ax.get_title() == "my title"
    cust, depot = ax.collections
    np.testing.assert_allclose(cust.get_offsets(), inst.coords[1:])
    np.testing.assert_allclose(depot.get_offsets(), inst.coords[:1])


def test_tsp_tour_is_closed_and_node_0_is_drawn(tmp_path, figs):
    from graphroute.plot import plot_routes

    inst = read_instance(EXAMPLES / "tsp20.json")
    tour = list(range(inst.n))[::-1]
    plot_routes(inst, [tour], tmp_path / "t.png")
    ax = figs[-1].axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), inst.coords[[*tour, tour[0]]])
    np.testing.assert_allclose(ax.collections[0].get_offsets(), inst.coords)


def test_svg_and_pdf_plots_are_what_their_suffix_says(tmp_path):
    from graphroute.plot import plot_routes

    inst = read_instance(EXAMPLES / "tsp20.json")
    plot_routes(inst, [list(range(inst.n))], tmp_path / "t.svg")
    plot_routes(inst, [list(range(inst.n))], tmp_path / "t.pdf")
    assert b"<svg" in (tmp_path / "t.svg").read_bytes()[:2000]
    assert (tmp_path / "t.pdf").read_bytes()[:5] == b"%PDF-"


def test_matrix_layout_keeps_the_symmetrised_distances():
    from graphroute.plot import _layout

    pts = np.array([[0.0, 0.0], [3.0, 0.0], [3.0, 4.0], [0.0, 4.0], [1.0, 1.0]])
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    skew = np.triu(np.ones((5, 5)), 1) * 0.5
    inst = Instance(problem="tsp", name="m", distance_type="EXPLICIT", matrix=d + skew - skew.T)
    xy = _layout(inst)
    np.testing.assert_allclose(np.linalg.norm(xy[:, None] - xy[None], axis=-1), d, atol=1e-9)


ROWS = [
    {"solver": "a", "instance": "big", "n": 100, "runtime_s": 1.0, "gap_vs_bks_pct": 4.0, "gap_vs_baseline_pct": 1.0},
    {"solver": "a", "instance": "big", "n": 100, "runtime_s": 9.0, "gap_vs_bks_pct": 2.0, "gap_vs_baseline_pct": 1.0},
    {"solver": "a", "instance": "small", "n": 10, "runtime_s": 3.0, "gap_vs_bks_pct": 8.0, "gap_vs_baseline_pct": 1.0},
    {"solver": "b", "instance": "small", "n": 10, "runtime_s": 0.5, "gap_vs_bks_pct": None, "gap_vs_baseline_pct": -1.0},
    {"solver": "b", "instance": "big", "n": 100, "runtime_s": 0.2, "gap_vs_bks_pct": 1.0, "gap_vs_baseline_pct": 0.0},
]


def test_gap_vs_time_points_medians_and_axes(tmp_path, figs):
    from graphroute.compare.plots import plot_gap_vs_time

    plot_gap_vs_time(ROWS, ["a", "b"], tmp_path / "g.png")
    ax = figs[-1].axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "gap to BKS (%)"
    pts_a, med_a, pts_b, med_b = (c.get_offsets().tolist() for c in ax.collections)
    assert pts_a == [[1.0, 4.0], [9.0, 2.0], [3.0, 8.0]] and med_a == [[3.0, 4.0]]
    assert pts_b == [[0.2, 1.0]] and med_b == [[0.2, 1.0]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a (median)", "b (median)"]


def test_gap_vs_time_median_of_an_even_count_is_the_mean_of_the_middle_two(tmp_path, figs):
    """Two runs: the marker sits between them (the median the summary table reports), not on the upper one."""
    from graphroute.compare.plots import plot_gap_vs_time

    plot_gap_vs_time(ROWS[:2], ["a"], tmp_path / "g.png")
    pts, med = (c.get_offsets().tolist() for c in figs[-1].axes[0].collections)
    assert pts == [[1.0, 4.0], [9.0, 2.0]] and med == [[5.0, 3.0]]


def test_gap_vs_time_without_a_point_says_so_quietly(tmp_path, figs, recwarn):
    from graphroute.compare.plots import plot_gap_vs_time

    rows = [{"solver": "a", "instance": "one", "n": 1, "runtime_s": 0.0, "gap_vs_bks_pct": None,
             "gap_vs_baseline_pct": 0.0}]
    plot_gap_vs_time(rows, ["a"], tmp_path / "g.png")
    ax = figs[-1].axes[0]
    assert ax.get_legend() is None and [t.get_text() for t in ax.texts] == ["no run with both a gap and a runtime > 0"]
    assert not [w for w in recwarn if "legend" in str(w.message)]


def test_instance_gaps_by_size_mean_over_seeds(tmp_path, figs):
    from graphroute.compare.plots import plot_instance_gaps

    plot_instance_gaps(ROWS, ["a", "b"], tmp_path / "i.png")
    ax = figs[-1].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["small", "big"]
    assert ax.lines[0].get_ydata().tolist() == [8.0, 3.0]  # solver a: small 8, big mean(4, 2)
    y_b = ax.lines[1].get_ydata().tolist()
    assert np.isnan(y_b[0]) and y_b[1] == 1.0 and ax.get_ylabel() == "gap to BKS (%)"


def test_instance_routes_one_titled_panel_per_solver(tmp_path, figs):
    from graphroute.compare.plots import plot_instance_routes

    inst = read_instance(EXAMPLES / "cvrp50.json")
    sols = {s: {"routes": [[1, 2]], "cost": 12.5, "gap_to_bks_pct": 1.0 if s == "s0" else None}
            for s in ("s0", "s1", "s2", "s3")}
    plot_instance_routes(inst, sols, tmp_path / "r.png")
    shown = [ax for ax in figs[-1].axes if ax.axison]
    assert [ax.get_title() for ax in shown] == ["s0: 12.500 (1.00%)", "s1: 12.500", "s2: 12.500", "s3: 12.500"]
    np.testing.assert_allclose(shown[0].collections[0].get_offsets(), inst.coords)
    np.testing.assert_allclose(shown[0].collections[1].get_offsets(), inst.coords[:1])


@pytest.mark.parametrize("problem", ["tsp", "cvrp"])
def test_a_one_or_two_node_matrix_instance_is_drawn(tmp_path, problem):
    """A 1x1 matrix has one eigenvector: the layout took two and drawing failed with an IndexError."""
    from graphroute.plot import plot_routes
    from graphroute.plot import _layout

    for n in (1, 2) if problem == "tsp" else (2,):  # a CVRP needs a depot and a customer
        matrix = np.full((n, n), 7.0) - 7.0 * np.eye(n)
        kw = {"demands": [0, 1], "capacity": 10} if problem == "cvrp" else {}
        inst = Instance(problem=problem, name="m", distance_type="EXPLICIT", matrix=matrix, **kw)
        xy = _layout(inst)
        assert xy.shape == (n, 2)
        np.testing.assert_allclose(np.linalg.norm(xy[:, None] - xy[None], axis=-1), matrix, atol=1e-9)
        routes = [[1]] if problem == "cvrp" else [list(range(n))]
        plot_routes(inst, routes, tmp_path / f"{problem}{n}.png")
        assert (tmp_path / f"{problem}{n}.png").read_bytes()[:4] == b"\x89PNG"


def test_geo_instances_are_drawn_with_longitude_across():
    """TSPLIB GEO coordinates are (latitude, longitude): burma14 was drawn transposed (latitude across)."""
    from graphroute.plot import _layout
    from graphroute.problems import Instance

    inst = Instance("tsp", coords=[[16.47, 96.10], [20.09, 94.55]], distance_type="GEO")
    assert _layout(inst).tolist() == [[96.10, 16.47], [94.55, 20.09]]
    flat = Instance("tsp", coords=[[16.47, 96.10], [20.09, 94.55]], distance_type="EUC_2D")
    assert _layout(flat).tolist() == [[16.47, 96.10], [20.09, 94.55]]
