"""``plot_routes`` and the matrix layout beyond tests/test_plot_contents.py (mutation audit 2026-12-04):
formats by suffix (any case, none, refused), empty routes, route colours, the depot legend, the default
title, matrix-instance axes, nested folders, file mode, no temp file or open figure after a failure,
and a finite layout for distances that are not Euclidean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graphroute
from graphroute.exceptions import InvalidArgumentError
from graphroute.problems.instance import Instance
from graphroute.problems.io import read_instance

EXAMPLES = Path(graphroute.__file__).resolve().parents[1] / "data" / "examples"


@pytest.fixture
def figs(monkeypatch):
    """The figures ``plot_routes`` saves, in order."""
    import matplotlib.figure

    got = []
    real_save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *a, **k: (got.append(self), real_save(self, *a, **k))[1])
    return got


@pytest.fixture(scope="module")
def tsp():
    return read_instance(EXAMPLES / "tsp20.json")


@pytest.fixture(scope="module")
def cvrp():
    return read_instance(EXAMPLES / "cvrp50.json")


def _rgb(c):  # noqa: ANN001, ANN202
    return tuple(np.round(np.asarray(c).ravel()[:3], 6))


@pytest.mark.parametrize("name, magic", [("t.jpg", b"\xff\xd8"), ("t.JPEG", b"\xff\xd8"), ("T.PNG", b"\x89PNG"),
                                         ("noext", b"\x89PNG")])
def test_the_suffix_in_any_case_chooses_the_format_and_none_means_png(tmp_path, tsp, name, magic):
    from graphroute.plot import plot_routes

    plot_routes(tsp, [list(range(tsp.n))], tmp_path / name)
    assert (tmp_path / name).read_bytes()[:len(magic)] == magic


def test_an_unknown_suffix_is_refused_and_nothing_is_written(tmp_path, tsp):
    from graphroute.plot import plot_routes

    with pytest.raises(InvalidArgumentError, match=r"^cannot draw to t\.gif: use \.png, \.svg, \.pdf or \.jpg$"):
        plot_routes(tsp, [list(range(tsp.n))], tmp_path / "t.gif")
    assert list(tmp_path.iterdir()) == []


def test_a_plot_in_a_new_folder_is_readable_by_all_and_leaves_no_temp_file_or_open_figure(tmp_path, tsp):
    import matplotlib.pyplot as plt

    from graphroute.plot import plot_routes

    before = plt.get_fignums()
    path = tmp_path / "a" / "b" / "t.png"
    plot_routes(tsp, [list(range(tsp.n))], path)
    assert path.stat().st_mode & 0o777 == 0o644 and [p.name for p in path.parent.iterdir()] == ["t.png"]
    assert plt.get_fignums() == before


def test_a_failed_save_leaves_no_file_and_no_open_figure(tmp_path, tsp, monkeypatch):
    import matplotlib.figure
    import matplotlib.pyplot as plt

    from graphroute.plot import plot_routes

    def broken(self, fname, **kw):  # noqa: ANN001, ANN003, ANN202
        Path(fname).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    before = plt.get_fignums()
    with pytest.raises(OSError, match="No space left"):
        plot_routes(tsp, [list(range(tsp.n))], tmp_path / "t.png")
    assert list(tmp_path.iterdir()) == [] and plt.get_fignums() == before


def test_empty_routes_are_not_drawn_and_each_route_has_its_own_colour(tmp_path, cvrp, tsp, figs):
    from graphroute.plot import plot_routes

    plot_routes(cvrp, [[1, 2], [], [3], [4]], tmp_path / "c.png")
    ax = figs[-1].axes[0]
    np.testing.assert_allclose(ax.lines[1].get_xydata(), cvrp.coords[[0, 3, 0]])
    assert len(ax.lines) == 3 and len({_rgb(line.get_color()) for line in ax.lines}) == 3
    plot_routes(tsp, [[], list(range(tsp.n))], tmp_path / "t.png")  # an empty tour used to be an IndexError
    assert len(figs[-1].axes[0].lines) == 1


def test_cvrp_has_a_depot_legend_tsp_none_and_the_title_defaults_to_the_name(tmp_path, cvrp, tsp, figs):
    from graphroute.plot import plot_routes

    plot_routes(cvrp, [[1, 2]], tmp_path / "c.png")
    ax = figs[-1].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["depot"]
    assert ax.get_title() == cvrp.name and ax.get_aspect() == 1.0
    plot_routes(tsp, [list(range(tsp.n))], tmp_path / "t.png")
    ax = figs[-1].axes[0]
    assert ax.get_legend() is None and ax.get_title() == tsp.name


def test_coordinates_keep_their_axes_a_matrix_layout_says_it_has_none(tmp_path, tsp, figs):
    from graphroute.plot import plot_routes

    plot_routes(tsp, [list(range(tsp.n))], tmp_path / "t.png")
    ax = figs[-1].axes[0]
    assert ax.get_xlabel() == "" and len(ax.get_xticks()) > 0 and len(ax.get_yticks()) > 0
    inst = read_instance(EXAMPLES / "acvrp30.json")
    plot_routes(inst, [[1, 2]], tmp_path / "m.png")
    ax = figs[-1].axes[0]
    assert ax.get_xlabel() == "layout from distances (MDS); no coordinates in the instance"
    assert len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0


@pytest.mark.parametrize("d", [  # each breaks the triangle inequality; the zero eigenvalue rounds below 0
    [[0, 3, 5], [3, 0, 1], [5, 1, 0]],
    [[0, 1, 4], [1, 0, 5], [4, 5, 0]],
    [[0, 4, 9], [4, 0, 1], [9, 1, 0]],
    [[0, 9, 7], [9, 0, 1], [7, 1, 0]],
])
def test_a_layout_of_non_euclidean_distances_is_finite(d):
    """Eigenvalues that round below zero must not become NaN coordinates (nothing would be drawn)."""
    from graphroute.plot import _layout

    inst = Instance(problem="tsp", name="m", distance_type="EXPLICIT", matrix=np.array(d, dtype=float))
    xy = _layout(inst)
    assert xy.shape == (len(d), 2) and np.isfinite(xy).all()


def test_drawing_leaves_the_callers_matplotlib_backend_alone(tmp_path, tsp):
    """A notebook's inline backend must survive a drawing: plot_routes and compare's figures use Figure
    objects, never pyplot's backend switch (they forced Agg on the whole session)."""
    import matplotlib

    from graphroute.compare.plots import plot_gap_vs_time
    from graphroute.plot import plot_routes

    before = matplotlib.get_backend()
    matplotlib.use("svg", force=True)
    try:
        plot_routes(tsp, [list(range(tsp.n))], tmp_path / "t.png")
        plot_gap_vs_time([{"solver": "a", "instance": "x", "n": 5, "runtime_s": 1.0, "gap_vs_bks_pct": 1.0,
                           "gap_vs_baseline_pct": None}], ["a"], tmp_path / "g.png")
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before, force=True)
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "g.png").is_file()


@pytest.mark.parametrize("routes, message", [
    ([[99]], r"route 0: 99 is not a node index in 0\.\.19"),
    ([[1, 2], [1.5]], r"route 1: 1\.5 is not a node index in 0\.\.19"),
    ([[-1]], r"route 0: -1 is not a node index"),
    ([[True]], r"route 0: True is not a node index"),
    ([0, 1, 2], r"routes must be a list of routes, each a list of node indices \(for a TSP tour pass \[tour\]\)"),
    ([3], r"routes must be a list of routes"),
    ([(1, 2), "12"], r"route 1 must be a list of node indices, got str"),
])
def test_bad_routes_are_refused_before_anything_is_drawn(tmp_path, tsp, routes, message):
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.plot import plot_routes

    with pytest.raises(InvalidArgumentError, match=f"^{message}"):
        plot_routes(tsp, routes, tmp_path / "t.png")
    assert list(tmp_path.iterdir()) == []


def test_numpy_routes_are_drawn(tmp_path, tsp, figs):
    from graphroute.plot import plot_routes

    plot_routes(tsp, [np.arange(tsp.n, dtype=np.int32)], tmp_path / "t.png")
    walk = figs[-1].axes[0].lines[0].get_xydata()
    assert len(walk) == tsp.n + 1 and (walk[0] == walk[-1]).all()
