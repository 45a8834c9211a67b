"""Traffic builder refuses the wrong side file (fuzz review defects 2 and 6): a distances CSV given as
the locations or the sensor-id list, duplicate ids, positions off the globe, and speed options that
have no speed series to apply to. Each case was accepted before (exit 0, thousands of bogus sensors)."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.traffic import MAX_SENSORS, check_sensor_ids, read_locations, read_traffic
from graphroute_cli.main import app

DIST = "400001,400017,10\n400017,400001,12\n400017,400030,9\n400030,400017,11\n400001,400001,0\n"  # PEMS-BAY-like ids


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "distances.csv").write_text(DIST)
    (tmp_path / "locs.csv").write_text("sensor_id,latitude,longitude\n400001,37.0,-121.0\n400017,37.01,-121.0\n400030,37.02,-121.0\n")
    return tmp_path


def _build(*args):
    return CliRunner().invoke(app, ["graph", "build", "traffic", *map(str, args)])


def test_valid_files_still_build(folder):
    res = _build(folder / "distances.csv", "--locations", folder / "locs.csv", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    g = read_traffic(folder / "distances.csv", locations=folder / "locs.csv")
    assert g.node_ids.tolist() == ["400001", "400017", "400030"] and g.coords is not None


@pytest.mark.parametrize("option,msg", [
    ("--locations", r"distances.csv row 1: latitude 400017 / longitude 10 is not a position"),
    ("--ids", r"distances.csv: sensor id '400017' is listed twice \(entries 2 and 4\)"),
])
def test_distances_file_as_a_side_file_is_one_error(folder, option, msg):
    shutil.copy(folder / "distances.csv", folder / "d2.csv")
    res = _build(folder / "d2.csv", option, folder / "distances.csv", "--out", folder / "t.graph.npz")
    assert res.exit_code == 1 and "Traceback" not in res.output
    import re

    assert re.search(msg, res.stderr), res.stderr
    assert not (folder / "t.graph.npz").exists()


@pytest.mark.parametrize("text,msg", [
    ("sensor_id,latitude,longitude\na,37,-121\na,37.1,-121\n", "sensor id 'a' is listed twice"),
    ("sensor_id,latitude,longitude\na,91,-121\n", "latitude 91 / longitude -121 is not a position"),
    ("sensor_id,latitude,longitude\na,37,-181\n", "is not a position"),
    ("sensor_id,latitude,longitude\na,nan,-121\n", "is not a position"),
    ("from,to,cost\na,b,1\n", "header 'from,to,cost' does not look like sensor locations"),
])
def test_bad_locations(tmp_path, text, msg):
    (tmp_path / "l.csv").write_text(text)
    with pytest.raises(InvalidInstanceError, match=msg):
        read_locations(tmp_path / "l.csv")


def test_location_headers_that_stay_accepted(tmp_path):
    for head in ("index,sensor_id,latitude,longitude\n0,", "id,lat,lng\n", "sensor,y,x\n"):
        (tmp_path / "l.csv").write_text(head + "a,37,-121\n")
        assert read_locations(tmp_path / "l.csv")[0] == ["a"]


def test_sensor_count_cap():
    with pytest.raises(InvalidInstanceError, match=f"at most {MAX_SENSORS:,}"):
        check_sensor_ids([str(i) for i in range(MAX_SENSORS + 1)], "ids.txt")


@pytest.mark.parametrize("args,msg", [
    (["--slot-minutes", "0"], "slot length must divide a day"),
    (["--speed-unit", "bogus"], "unknown speed unit 'bogus'"),
    (["--slot-minutes", "10"], "--slot-minutes applies to a speed series, and none was given"),
    (["--speed-unit", "kmh", "--slot-minutes", "10"], "--slot-minutes and --speed-unit apply to a speed series"),
])
def test_speed_options_without_speeds_are_refused(folder, args, msg):
    res = _build(folder / "distances.csv", *args, "--out", folder / "t.graph.npz")
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    assert not (folder / "t.graph.npz").exists()


def test_ids_with_an_adjacency_pickle_is_refused_not_ignored(shared_data, tmp_path):
    """The pickle lists its sensor ids: --ids was ignored, even a missing file (a CSV source reads it)."""
    res = _build(shared_data / "traffic/METR-LA/adj_mx.pkl", "--ids", tmp_path / "missing.txt",
                 "--out", tmp_path / "t.graph.npz")
    assert res.exit_code == 1 and not (tmp_path / "t.graph.npz").exists()
    assert "adj_mx.pkl lists its sensor ids already; ids applies to a distances CSV" in res.output


def test_a_locations_file_lacking_sensors(folder):
    """Named with --locations: an error naming the sensors without a location (it built without coordinates,
    silently). Found beside the distances file: built without coordinates, with a warning that says why."""
    (folder / "locs.csv").write_text("sensor_id,latitude,longitude\n400001,37.0,-121.0\n")
    (folder / "ids.txt").write_text("400001,400017,400030\n")
    res = _build(folder / "distances.csv", "--locations", folder / "locs.csv", "--ids", folder / "ids.txt",
                 "--out", folder / "t.graph.npz")
    assert res.exit_code == 1 and not (folder / "t.graph.npz").exists()
    assert "locs.csv has no location for 2 of the 3 sensors (400017, 400030); coordinates need every sensor" in res.output
    (folder / "locs.csv").rename(folder / "sensor_locations.csv")
    res = _build(folder / "distances.csv", "--ids", folder / "ids.txt", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    assert ("warning: sensor_locations.csv (found beside distances.csv) has no location for 2 of the 3 sensors; "
            "built without coordinates") in " ".join(res.output.split())
    assert read_traffic(folder / "distances.csv", ids=folder / "ids.txt").coords is None


def test_a_trailing_part_of_a_day_of_speeds_is_counted_and_warned_about(folder):
    """1.5 days of 5-minute speeds: the last 144 rows were dropped without a word."""
    rows = "\n".join(",".join(["50", "40", "30"]) for _ in range(432))
    (folder / "speeds.csv").write_text("400001,400017,400030\n" + rows + "\n")
    res = _build(folder / "distances.csv", "--speeds", folder / "speeds.csv", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    assert ("warning: the last 144 of the 432 speed rows are part of a day and were not used (whole days only; the "
            "first row is taken as 00:00)") in " ".join(res.output.split())
    g = read_traffic(folder / "distances.csv", speeds=folder / "speeds.csv")
    assert (g.meta["speed_rows"], g.meta["speed_rows_unused"]) == (432, 144)


def test_a_pandas_timestamp_index_column_is_not_read(folder):
    """df.to_csv() writes the timestamps as a first column with an empty header: it was 'a speed is not a number'."""
    rows = "\n".join(f"2012-03-01 00:{5 * i:02d}:00,50,40,30" for i in range(12))
    (folder / "speeds.csv").write_text(",400001,400017,400030\n" + rows + "\n")
    g = read_traffic(folder / "distances.csv", speeds=folder / "speeds.csv")
    assert g.extras["time_slots"].shape[1] == g.n_edges


def test_skipped_locations_are_named_when_speeds_then_need_lengths(folder):
    """A pickle needs locations for lengths; a locations file beside it missing a sensor was skipped, and the
    speeds error said only 'give distances or locations'."""
    import pickle

    import numpy as np

    ids = ["400001", "400017", "400030"]
    with open(folder / "adj.pkl", "wb") as fh:
        pickle.dump((ids, {s: i for i, s in enumerate(ids)}, np.eye(3) * 0.5 + 0.5), fh)
    (folder / "sensor_locations.csv").write_text("sensor_id,latitude,longitude\n400001,37.0,-121.0\n")
    (folder / "speeds.csv").write_text("400001,400017,400030\n" + "50,40,30\n" * 288)
    with pytest.raises(InvalidInstanceError, match=r"need edge lengths: give distances or locations \(sensor_locations"
                                                   r".csv \(found beside adj.pkl\) has no location for 2 of the 3"):
        read_traffic(folder / "adj.pkl")


def test_a_bare_npy_array_named_npz_is_one_line(folder):
    """np.load returns a plain array for .npy bytes, which cannot be used in `with`: a traceback (TypeError)."""
    import numpy as np

    np.save(folder / "plain.npy", np.ones((288, 3)))
    (folder / "plain.npy").rename(folder / "speeds.npz")
    res = _build(folder / "distances.csv", "--speeds", folder / "speeds.npz", "--out", folder / "t.graph.npz")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "speeds.npz: a bare .npy array, not a .npz archive" in " ".join(res.output.split())
    assert not (folder / "t.graph.npz").exists()


def test_sensors_missing_from_the_locations_file_are_named_as_left_out(folder):
    """The locations file is the sensor list of a distances CSV (DCRNN): a sensor it lacks is not in the graph.
    The note counted rows only; it now says how many sensors are left out, and which (meta.sensors_skipped)."""
    (folder / "locs.csv").write_text("sensor_id,latitude,longitude\n400001,37.0,-121.0\n400017,37.01,-121.0\n")
    res = _build(folder / "distances.csv", "--locations", folder / "locs.csv", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "skipped 2 row(s) of distances.csv" in text and "1 sensor(s) of it are not in the graph (400030;" in text
    g = read_traffic(folder / "distances.csv", locations=folder / "locs.csv")
    assert g.n_nodes == 2 and g.meta["sensors_skipped"] == ["400030"] and g.meta["rows_skipped"] == 2


def test_of_several_locations_files_beside_the_one_placing_the_sensors_is_taken(folder):
    """DCRNN's release keeps METR-LA's graph_sensor_locations.csv beside PEMS-BAY's *_bay.csv; the first by
    name (METR-LA's) was taken for PEMS-BAY's distances: 'no distance between known sensors'."""
    shutil.move(folder / "locs.csv", folder / "graph_sensor_locations_bay.csv")
    (folder / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\n773869,34.1,-118.3\n")
    g = read_traffic(folder / "distances.csv")
    assert g.n_nodes == 3 and g.meta["sensor_list"].endswith("graph_sensor_locations_bay.csv")
    assert g.coords is not None


@pytest.mark.parametrize("rows, warning", [
    ([f"nan,{40 + i % 5},50" for i in range(288)],
     "1 sensor(s) have no usable speed reading (400001); they take the median speed of all sensors"),
    ([f"30,{40 + i % 5},50" for i in range(100)],
     "the speed series covers 100 slots of 300 s, less than a day: paths --depart"),
])
def test_speeds_that_are_imputed_or_short_of_a_day_are_warned_about(folder, rows, warning):
    """A sensor without a reading got the median of all, and a series of 8 h built slots that --depart then
    refused: both without a word at build time."""
    (folder / "speeds.csv").write_text("400001,400017,400030\n" + "\n".join(rows) + "\n")
    res = _build(folder / "distances.csv", "--speeds", folder / "speeds.csv", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    assert warning in " ".join(res.output.split())


def test_ids_separated_by_spaces_tabs_or_semicolons_and_ids_without_a_distance(folder):
    """'400001 400017' was one sensor id (commas and line breaks only), so nothing matched; a listed sensor that
    no row names became an isolated node without a word."""
    (folder / "ids.txt").write_text("400001 400017\t400030;400099\n")
    res = _build(folder / "distances.csv", "--ids", folder / "ids.txt", "--out", folder / "t.graph.npz")
    assert res.exit_code == 0, res.output
    assert "1 sensor(s) of the sensor list have no distance to another sensor (400099)" in " ".join(res.output.split())
    g = read_traffic(folder / "distances.csv", ids=folder / "ids.txt")
    assert g.n_nodes == 4 and g.meta["sensors_without_distance"] == ["400099"]
