"""Traffic graphs: edge lengths of a DCRNN adjacency pickle (kernel width estimated from the sensor
locations), rows skipped from a distances CSV, implausible speeds."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from graphroute.graphs.road import haversine_m
from graphroute.graphs.traffic import estimate_sigma, kernel_distance, read_traffic


def _edge(g, a: str, b: str) -> int:
    i, j = g.node_index(a), g.node_index(b)
    e = np.flatnonzero((g.sources() == i) & (g.indices == j))
    assert e.size == 1
    return int(e[0])


def _lengths(g) -> dict[tuple[int, int], float]:
    return {(u, v): x for u, v, x in zip(g.sources().tolist(), g.indices.tolist(), g.edge_attrs["length"].tolist())}


def test_kernel_distance_inverts_the_kernel():
    d = np.array([0.0, 0.3, 1.0, 1.5])
    w = np.exp(-d ** 2)
    np.testing.assert_allclose(kernel_distance(w), d, atol=1e-12)
    assert kernel_distance(np.array([1.0, 1.5, 0.0])).tolist() == [0.0, 0.0, 0.0]


def test_estimate_sigma_ignores_a_few_outliers():
    """Straight lines at 60-100% of the road, 1% slightly longer (coordinate noise): the 0.99 quantile of
    the bounds lands on the true width, the maximum would not; no usable edge gives None."""
    rng = np.random.default_rng(0)
    sigma, m = 3000.0, 2000
    road = rng.uniform(100, 4500, m)
    straight = road * rng.uniform(0.6, 1.0, m)
    straight[:50] = road[:50]  # 2.5% run straight
    straight[:15] *= 1.015  # and a few of them read longer than the road
    w = np.exp(-np.square(road / sigma))
    est = estimate_sigma(straight, w)
    assert est == pytest.approx(sigma, rel=2e-3)
    assert np.max(straight / kernel_distance(w)) > sigma * 1.01  # the plain maximum overshoots
    assert estimate_sigma(np.array([5.0, 0.0]), np.array([1.0, 0.5])) is None


def test_pickle_lengths_from_estimated_sigma(tmp_path):
    """A pickle built with a known width from road distances: lengths come back as those distances
    (not the straight lines), never below the straight line, and meta says how."""
    ids = ["a", "b", "c", "d"]
    lonlat = np.array([[7.0, 43.0], [7.01, 43.0], [7.0, 43.0001], [7.02, 43.0]])
    st = haversine_m(lonlat[:, None, 0], lonlat[:, None, 1], lonlat[None, :, 0], lonlat[None, :, 1])
    road = st.copy()
    road[0, 2] = road[2, 0] = 1500.0  # opposite carriageways: 11 m apart, 1.5 km by road
    sigma = 1200.0
    w = np.exp(-np.square(road / sigma)).astype(np.float32)
    w[w < 0.1] = 0
    (tmp_path / "adj.pkl").write_bytes(pickle.dumps([ids, {s: i for i, s in enumerate(ids)}, w], protocol=4))
    (tmp_path / "locations.csv").write_text(
        "index,sensor_id,latitude,longitude\n" + "".join(f"{i},{s},{y},{x}\n" for i, (s, (x, y)) in enumerate(zip(ids, lonlat))))
    g = read_traffic(tmp_path / "adj.pkl")
    assert g.meta["sigma"] is None and g.meta["sigma_estimated"] == pytest.approx(sigma, rel=1e-4)
    assert "estimated from the kernel weights" in g.meta["length"] and "lower bound of the road" not in g.meta["length"]
    assert g.edge_attrs["length"][_edge(g, "a", "c")] == pytest.approx(1500.0, rel=1e-4)
    lengths = _lengths(g)
    for (u, v), x in lengths.items():
        assert x >= st[u, v] - 1e-9
        assert x == pytest.approx(road[u, v], rel=1e-4)


def test_pickle_without_a_usable_weight_falls_back_to_great_circle(tmp_path):
    ids = ["a", "b"]
    w = np.ones((2, 2), dtype=np.float32)  # a 0/1 adjacency, no kernel
    (tmp_path / "adj.pkl").write_bytes(pickle.dumps([ids, {"a": 0, "b": 1}, w], protocol=4))
    (tmp_path / "locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\n")
    g = read_traffic(tmp_path / "adj.pkl")
    assert "sigma_estimated" not in g.meta
    assert "not a bound" in g.meta["length"] and "lower bound of the road" not in g.meta["length"]
    assert g.edge_attrs["length"][0] == pytest.approx(haversine_m(7.0, 43.0, 7.01, 43.0))


def test_pems_bay_pickle_recovers_sigma_and_road_distances(shared_data):
    """PEMS-BAY has the true distances: the width recovered from the pickle and the locations is within
    0.2% of DCRNN's (3,620.3 m), and every length within -0.1% / +2% of the CSV's road distance."""
    base = shared_data / "traffic/PEMS-BAY"
    from_pkl = read_traffic(base / "adj_mx_bay.pkl")
    from_csv = read_traffic(base / "distances_bay_2017.csv")
    assert from_csv.meta["sigma"] == pytest.approx(3620.3, abs=0.1)
    assert from_pkl.meta["sigma_estimated"] == pytest.approx(from_csv.meta["sigma"], rel=2e-3)
    assert from_pkl.node_ids.tolist() == from_csv.node_ids.tolist()
    a, b = _lengths(from_pkl), _lengths(from_csv)
    assert set(a) == set(b)
    ratio = np.array([a[k] / b[k] for k in a])
    assert abs(np.median(ratio) - 1) < 2e-3 and ratio.min() > 0.999 and ratio.max() < 1.02


def test_metr_la_opposite_carriageways_get_road_length(shared_data):
    """772167 -> 772168: 17.8 m apart in a straight line, about 3.9 km by road (W = 0.1036)."""
    g = read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl")
    e = _edge(g, "772167", "772168")
    i, j = g.node_index("772167"), g.node_index("772168")
    straight = haversine_m(*g.coords[i], *g.coords[j])
    assert straight < 20
    assert 3_800 < g.edge_attrs["length"][e] < 4_000
    assert 2_500 < g.meta["sigma_estimated"] < 2_700
    assert g.extras["time_slots"][8 * 12, e] > 100  # 08:00: 3.9 km even at 70 mph; the straight line took 0.6 s
    assert np.all(g.edge_attrs["length"] >= haversine_m(g.coords[g.sources(), 0], g.coords[g.sources(), 1],
                                                         g.coords[g.indices, 0], g.coords[g.indices, 1]) - 1e-6)


def test_metr_la_readme_example_takes_the_road_distance(shared_data):
    """The README's --depart example: with road lengths the trip takes longer than the old 395.5 s."""
    from graphroute.paths.query import parse_clock, run_query

    g = read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl")
    p = run_query(g, "773869", "767541", depart=parse_clock("08:00"))[0]
    assert 420 < p.cost < 520


def test_rows_missing_from_the_sensor_list_are_counted(tmp_path):
    (tmp_path / "distances.csv").write_text("a,b,10\nb,a,12\na,x,5\ny,b,3\na,a,0\n")
    (tmp_path / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\n")
    g = read_traffic(tmp_path / "distances.csv")
    assert g.n_nodes == 2 and g.meta["rows_skipped"] == 2
    assert g.meta["sensor_list"].endswith("graph_sensor_locations.csv")
    (tmp_path / "ids.txt").write_text("a,b,x,y\n")
    assert read_traffic(tmp_path / "distances.csv", ids=tmp_path / "ids.txt").meta["rows_skipped"] == 0


def test_build_traffic_cli_notes_skipped_rows(tmp_path):
    import json

    from typer.testing import CliRunner

    from graphroute_cli.main import app

    (tmp_path / "distances.csv").write_text("a,b,10\nb,a,12\na,x,5\n")
    (tmp_path / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\n")
    args = ["graph", "build", "traffic", str(tmp_path / "distances.csv"), "-o", str(tmp_path / "g.graph.npz")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped 1 row(s) of distances.csv that name a sensor missing from the sensor list" in " ".join(res.stdout.split())
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["meta"]["rows_skipped"] == 1  # stdout stays one JSON object
    assert "skipped 1 row(s)" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    (tmp_path / "distances.csv").write_text("a,b,10\nb,a,12\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "row(s)" not in res.stdout


def test_implausible_speeds_are_missing(tmp_path):
    """A speed above 250 km/h (1e6 mph, or km/h read as mph) is a fault: treated as missing like a zero,
    so the sensor falls back to its other readings, and counted in meta."""
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\n")
    (tmp_path / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\n")
    rows = ["60,60"] * 288
    rows[10] = "1000000,60"
    rows[11] = "0,60"
    rows[12] = "160,60"  # 257 km/h in mph: implausible
    (tmp_path / "speed.csv").write_text("a,b\n" + "\n".join(rows) + "\n")
    g = read_traffic(tmp_path / "distances.csv", sigma=1000.0)
    assert g.meta["speeds_implausible"] == 2 and g.meta["speeds_missing"] == 1
    e = _edge(g, "a", "b")
    np.testing.assert_allclose(g.extras["time_slots"][:, e], 1000 / (60 * 0.44704))
    (tmp_path / "speed.csv").write_text("a,b\n" + "\n".join(["155,155"] * 288) + "\n")  # 249.4 km/h: kept
    g = read_traffic(tmp_path / "distances.csv", sigma=1000.0)
    assert g.meta["speeds_implausible"] == 0
