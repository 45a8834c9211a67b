"""Traffic graphs: DCRNN adjacency rebuilt exactly, restricted unpickling, FIFO time slots."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.traffic import dcrnn_adjacency, fifo_repair, load_adjacency_pickle, read_traffic


def test_pems_bay_adjacency_matches_dcrnn(shared_data):
    base = shared_data / "traffic/PEMS-BAY"
    ids, ref = load_adjacency_pickle(base / "adj_mx_bay.pkl")
    w, _ = dcrnn_adjacency(base / "distances_bay_2017.csv", ids)
    assert np.abs(w - ref).max() < 2e-7
    g = read_traffic(base / "distances_bay_2017.csv")
    assert g.n_nodes == 325 and g.n_edges == int((ref > 0).sum()) - 325  # self-loops dropped
    assert g.node_ids[0] == "400001" and g.coords is not None


def test_metr_la_time_slots(shared_data):
    g = read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl")
    assert g.n_nodes == 207 and g.n_edges == 1722 - 207
    tt = g.extras["time_slots"]
    assert tt.shape == (288, g.n_edges) and g.meta["slot_seconds"] == 300
    assert np.all(tt[:-1] - tt[1:] <= 300 + 1e-9)  # FIFO
    np.testing.assert_allclose(g.edge_attrs["time"], tt.min(0))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_code(tmp_path):
    p = tmp_path / "evil.pkl"
    p.write_bytes(pickle.dumps([["a"], {"a": 0}, Evil()], protocol=0))
    with pytest.raises(InvalidInstanceError, match="refusing to unpickle"):
        load_adjacency_pickle(p)


class Rot13:
    def __reduce__(self):
        import codecs

        return (codecs.encode, ("abc", "rot13"))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickles_of_every_protocol_load_and_codecs_serve_only_latin1(tmp_path, protocol):
    """DCRNN's gen_adj_mx.py writes protocol=2, which under Python 3 stores an array's bytes through
    _codecs.encode(text, 'latin1'), and protocol 5 through numpy's _frombuffer: both were refused."""
    ids, adj = ["773869", "767541", "767542"], np.array([[1, 0.5, 0], [0.4, 1, 0.2], [0, 0.3, 1]], dtype=np.float32)
    p = tmp_path / "adj.pkl"
    p.write_bytes(pickle.dumps([ids, {k: i for i, k in enumerate(ids)}, adj], protocol=protocol))
    got_ids, got = load_adjacency_pickle(p)
    assert got_ids == ids and np.array_equal(got, adj)
    p.write_bytes(pickle.dumps([ids, {}, Rot13()], protocol=protocol))
    with pytest.raises(InvalidInstanceError, match="refusing"):
        load_adjacency_pickle(p)


def test_fifo_repair():
    tt = np.array([[100.0], [1000.0], [100.0]])
    out = fifo_repair(tt, 300.0)
    assert out[:, 0].tolist() == [100.0, 400.0, 100.0]


def test_tiny_distances_csv(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,a,0\na,b,10\nb,a,30\nb,b,0\nb,c,5\n")
    g = read_traffic(p)
    d = np.array([0, 10, 30, 0, 5.0])
    sigma = d.std()
    w = {(g.node_label(u), g.node_label(v)): x for u, v, x in zip(g.sources(), g.indices, g.edge_attrs["weight"])}
    assert w[("a", "b")] == pytest.approx(np.exp(-(10 / sigma) ** 2))
    assert ("b", "a") not in w  # exp(-(30/sigma)^2) < 0.1 is dropped
    with pytest.raises(InvalidInstanceError, match="not a number"):
        (tmp_path / "bad.csv").write_text("a,b,1\nb,a,x\n")
        read_traffic(tmp_path / "bad.csv")


@pytest.mark.parametrize(
    "files,msg",
    [
        ({"locations.csv": "index,sensor_id,latitude,longitude\n0,a,x,1\n"}, "row 1: expected 'sensor_id,latitude"),
        ({"speed.csv": "a,b\n1,2,3\n"}, "row 2: 3 values for 2 sensors"),
        ({"speed.csv": "a,b\n1,zz\n"}, "row 2: the speed of sensor b (column 2) is not a number: 'zz'"),
        ({"speed.csv": "a,b\n"}, "expected a header of sensor ids and rows"),
        ({"speed.csv": "a,c\n1,2\n"}, "no speed column for sensor(s) b"),
    ],
)
def test_bad_side_files_through_cli(tmp_path, files, msg):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    (tmp_path / "distances.csv").write_text("a,b,1\nb,a,2\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "o.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "traffic", str(tmp_path / "distances.csv"), "-o", str(out)])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_truncated_speed_series(tmp_path, shared_data):
    raw = (shared_data / "traffic/METR-LA/los_speed.csv.gz").read_bytes()
    cut = tmp_path / "speed.csv.gz"
    cut.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(InvalidInstanceError, match="truncated"):
        read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl", speeds=cut)
    with pytest.raises(InvalidInstanceError, match="divide a day"):
        read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl", slot_minutes=7)


def test_pems_bay_cli_build_equals_pickle(tmp_path, shared_data):
    """`graph build traffic distances_bay_2017.csv` (sensor order from the locations file beside it)
    stores exactly the off-diagonal entries of DCRNN's adj_mx_bay.pkl, edge for edge."""
    from typer.testing import CliRunner

    from graphroute.graphs import load_graph
    from graphroute_cli.main import app

    base = shared_data / "traffic/PEMS-BAY"
    out = tmp_path / "bay.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "traffic", str(base / "distances_bay_2017.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    g = load_graph(out)
    ids, ref = load_adjacency_pickle(base / "adj_mx_bay.pkl")
    assert g.node_ids.tolist() == ids
    w = np.zeros_like(ref)
    w[g.sources(), g.indices] = g.edge_attrs["weight"]
    np.fill_diagonal(w, np.diag(ref))
    assert np.abs(w - ref).max() < 2e-7
    assert np.all(g.edge_attrs["length"] > 0) and g.default_weight == "length"


def test_npz_speed_series_equals_csv(tmp_path, shared_data):
    """The same speeds as an .npz ([steps, sensors] or PEMS-style [steps, sensors, features]) give the
    same travel times as the CSV; a sensor with no valid speed falls back to the median speed."""
    from graphroute.graphs.traffic import read_speed_series

    base = shared_data / "traffic/METR-LA"
    ref = read_traffic(base / "adj_mx.pkl")
    ids = ref.node_ids.tolist()
    speeds = read_speed_series(base / "los_speed.csv.gz", ids)
    assert speeds.shape == (2016, 207)
    np.savez(tmp_path / "s2.npz", speed=speeds)
    np.savez(tmp_path / "s3.npz", data=np.stack([speeds * 0 + 7, speeds * 0 + 0.1, speeds], axis=2))
    for f in ("s2.npz", "s3.npz"):
        g = read_traffic(base / "adj_mx.pkl", speeds=tmp_path / f)
        np.testing.assert_array_equal(g.extras["time_slots"], ref.extras["time_slots"])
    speeds[:, 0] = 0.0  # sensor 0 never reports
    np.savez(tmp_path / "dead.npz", speed=speeds)
    g = read_traffic(base / "adj_mx.pkl", speeds=tmp_path / "dead.npz")
    assert np.all(np.isfinite(g.extras["time_slots"]))
    np.savez(tmp_path / "bad.npz", speed=speeds[:, :5])
    with pytest.raises(InvalidInstanceError, match=r"expected \[steps, 207 sensors\]"):
        read_traffic(base / "adj_mx.pkl", speeds=tmp_path / "bad.npz")


def test_h5_without_pytables_is_one_clear_error(tmp_path, shared_data):
    pytest.importorskip("pandas")
    try:
        import tables  # noqa: F401

        pytest.skip("PyTables is installed")
    except ImportError:
        pass
    from graphroute.exceptions import MissingDependencyError

    (tmp_path / "metr-la.h5").write_bytes(b"not hdf5")
    with pytest.raises(MissingDependencyError, match="pip install tables"):
        read_traffic(shared_data / "traffic/METR-LA/adj_mx.pkl", speeds=tmp_path / "metr-la.h5")


@pytest.mark.parametrize("text,kw,msg", [
    ("a,b,x\nb,a,2\n", {}, "line 1: cost 'x' is not a number"),  # not a header: a and b are sensors
    ("a,b,1\nb,a,nan\n", {}, "line 2: cost 'nan' must be a finite distance >= 0"),
    ("a,b,1\nb,a,-3\n", {}, "line 2: cost '-3' must be a finite distance >= 0"),
    ("a,b,1\nb,a\n", {}, "line 2: expected 'from,to,cost'"),
    ("a,b,10\n", {}, "the standard deviation of the 1 distance(s) is 0"),
    ("a,b,0\nb,a,0\n", {}, "sigma must be > 0"),
    ("a,b,1\nb,a,3\n", {"sigma": 0.0}, "sigma must be a finite number > 0, got 0"),
    ("a,b,1\nb,a,3\n", {"sigma": -1.0}, "sigma must be a finite number > 0, got -1"),
    ("a,b,1\nb,a,3\n", {"sigma": float("nan")}, "sigma must be a finite number > 0, got nan"),
    ("from,to,cost\n", {}, "no 'from,to,cost' row"),
    # a first line of another shape was taken for a header, and the error named line 2
    ("a;b;1\nb;a;3\n", {}, "line 1: expected 'from,to,cost', got 'a;b;1' (fields are separated by commas; this line has ';')"),
    ("a,b,1,x\nb,a,3,x\n", {}, "line 1: expected 'from,to,cost', got 'a,b,1,x'$"),
])
def test_bad_distances_csv(tmp_path, text, kw, msg):
    import warnings

    p = tmp_path / "dist.csv"
    p.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy divide-by-zero on the way
        with pytest.raises(InvalidInstanceError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            read_traffic(p, **kw)


def test_distances_csv_header_and_sigma_recorded(tmp_path):
    p = tmp_path / "dist.csv"
    p.write_text("from,to,cost\na,b,1\nb,a,3\n")
    g = read_traffic(p)
    assert g.n_nodes == 2 and g.meta["sigma"] == pytest.approx(np.std([1.0, 3.0]))
    assert read_traffic(p, sigma=2.0).meta["sigma"] == 2.0
    (tmp_path / "adj.pkl").write_bytes(b"")
    with pytest.raises(InvalidInstanceError, match="sigma applies to a distances CSV"):
        read_traffic(tmp_path / "adj.pkl", sigma=2.0)
