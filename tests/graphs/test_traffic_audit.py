"""Traffic graphs: cases a mutation audit found unchecked (the kernel threshold's boundary, sensor ids
mapped by name in the locations and speed files, medians over days, per-sensor fallbacks, partial days,
the 250 km/h bound itself, pickle shapes, CSVs naming no known sensor)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.traffic import dcrnn_adjacency, read_traffic

MPH = 0.44704


def _edge(g, a: str, b: str) -> int:
    for e, (u, v) in enumerate(zip(g.sources().tolist(), g.indices.tolist())):
        if (g.node_label(u), g.node_label(v)) == (a, b):
            return e
    raise AssertionError(f"no edge {a} -> {b}")


def _two_sensors(tmp_path, speed_rows: list[str], header: str = "a,b", unit: str = "mph"):
    """a <-> b, 1000 m each way; the speeds file has one row per 5-minute step."""
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\n")
    (tmp_path / "speed.csv").write_text(header + "\n" + "\n".join(speed_rows) + "\n")
    return read_traffic(tmp_path / "distances.csv", sigma=1000.0, speed_unit=unit)


def test_a_weight_equal_to_the_threshold_is_kept(tmp_path):
    """DCRNN drops ``W < threshold`` (``adj_mx[adj_mx < normalized_k] = 0``): a weight equal to it stays."""
    (tmp_path / "d.csv").write_text("a,b,300\nb,a,700\n")
    sigma = 500.0
    w, _ = dcrnn_adjacency(tmp_path / "d.csv", ["a", "b"], sigma=sigma, threshold=0.0)
    at = float(w[0, 1])  # W(a, b) exactly, as the kernel computes it
    assert at == pytest.approx(np.exp(-(300 / 500) ** 2)) and w[1, 0] < at
    g = read_traffic(tmp_path / "d.csv", sigma=sigma, threshold=at)
    assert g.n_edges == 1 and g.edge_attrs["weight"][_edge(g, "a", "b")] == at
    w, _ = dcrnn_adjacency(tmp_path / "d.csv", ["a", "b"], sigma=sigma, threshold=at)
    assert w[0, 1] == at and w[1, 0] == 0.0
    above = np.nextafter(at, 1.0)
    assert read_traffic(tmp_path / "d.csv", sigma=sigma, threshold=above).n_edges == 0
    w, _ = dcrnn_adjacency(tmp_path / "d.csv", ["a", "b"], sigma=sigma, threshold=above)
    assert w[0, 1] == 0.0


def test_coordinates_follow_the_sensor_ids_not_the_row_order(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,100\nb,a,100\nb,c,200\n")
    (tmp_path / "ids.txt").write_text("c\nb\na\n")  # newline-separated, reverse order
    (tmp_path / "graph_sensor_locations.csv").write_text(
        "index,sensor_id,latitude,longitude\n0,a,34.1,-118.1\n1,b,34.2,-118.2\n2,c,34.3,-118.3\n")
    g = read_traffic(tmp_path / "d.csv", ids=tmp_path / "ids.txt")
    assert g.node_ids.tolist() == ["c", "b", "a"]
    np.testing.assert_array_equal(g.coords, [[-118.3, 34.3], [-118.2, 34.2], [-118.1, 34.1]])


def test_speed_columns_are_matched_by_sensor_id(tmp_path):
    g = _two_sensors(tmp_path, ["20,60"] * 288, header="b,a")  # b drives 20 mph, a 60 mph
    tt = g.extras["time_slots"]
    np.testing.assert_allclose(tt[:, _edge(g, "a", "b")], 1000 / (60 * MPH))  # source sensor a
    np.testing.assert_allclose(tt[:, _edge(g, "b", "a")], 1000 / (20 * MPH))


def test_each_slot_takes_the_median_over_days_not_the_mean(tmp_path):
    rows = ["30,30"] * (3 * 288)
    for day, v in enumerate((30, 30, 90)):
        rows[day * 288 + 100] = f"{v},30"
    g = _two_sensors(tmp_path, rows)
    e = _edge(g, "a", "b")
    assert g.meta["speeds_missing"] == 0
    np.testing.assert_allclose(g.extras["time_slots"][:, e], 1000 / (30 * MPH))  # median 30, not mean 50


def test_a_slot_missing_on_every_day_falls_back_to_the_sensors_own_median(tmp_path):
    """Sensor a reads 60 mph except slot 5, which is zero (missing) every day: slot 5 takes a's median,
    60, not the median over all sensors (20: b has one more reading than a)."""
    rows = ["60,20"] * 288
    rows[5] = "0,20"
    g = _two_sensors(tmp_path, rows)
    np.testing.assert_allclose(g.extras["time_slots"][:, _edge(g, "a", "b")], 1000 / (60 * MPH))
    assert g.meta["speeds_missing"] == 1


def test_a_trailing_partial_day_is_left_out(tmp_path):
    rows = ["60,60"] * 288 + ["10,10"] * 144  # a day and a half: the half day is not a whole profile
    g = _two_sensors(tmp_path, rows)
    assert g.extras["time_slots"].shape == (288, 2)
    np.testing.assert_allclose(g.extras["time_slots"], 1000 / (60 * MPH))


def test_250_kmh_itself_is_a_plausible_speed(tmp_path):
    """Only speeds above 250 km/h are faults: exactly 250 km/h (in m/s) is kept."""
    top = 250 / 3.6
    rows = [f"{top!r},{top!r}"] * 288
    g = _two_sensors(tmp_path, rows, unit="mps")
    assert g.meta["speeds_implausible"] == 0
    np.testing.assert_allclose(g.edge_attrs["time"], 1000 / top)
    above = float(np.nextafter(top, 1e9))
    g = _two_sensors(tmp_path, [f"{above!r},{top!r}"] * 288, unit="mps")
    assert g.meta["speeds_implausible"] == 288


def test_pickle_matrix_of_the_wrong_shape_is_one_error(tmp_path):
    p = tmp_path / "adj_mx.pkl"
    p.write_bytes(pickle.dumps([["a", "b", "c"], {"a": 0, "b": 1, "c": 2}, np.eye(2)], protocol=4))
    with pytest.raises(InvalidInstanceError, match=r"matrix shape \(2, 2\) does not match 3 sensor ids"):
        read_traffic(p)


def test_distances_between_unknown_sensors_only(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,10\nb,a,12\n")
    (tmp_path / "ids.txt").write_text("x,y\n")
    with pytest.raises(InvalidInstanceError, match="d.csv: no distance between known sensors"):
        read_traffic(tmp_path / "d.csv", ids=tmp_path / "ids.txt")
    with pytest.raises(InvalidInstanceError, match="d.csv: no distance between known sensors"):
        read_traffic(tmp_path / "d.csv", ids=tmp_path / "ids.txt", sigma=100.0)
