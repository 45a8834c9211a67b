"""Traffic sensor graphs (DCRNN style) and per-time-slot travel times from speed series.

Sources
-------
- a distances CSV ``from,to,cost`` (DCRNN ``distances_*.csv``, header optional; costs finite and
  >= 0): the weighted adjacency is DCRNN's ``gen_adj_mx.py`` recipe: a matrix of distances (``inf``
  where there is no entry), ``sigma`` = standard deviation of the finite entries (self-distances
  included; it must not be 0, else give ``sigma``; the width used is ``meta["sigma"]``),
  ``W = exp(-(d / sigma)^2)``, entries below ``threshold`` (0.1) dropped;
- a stored DCRNN adjacency pickle (``adj_mx.pkl``: ``[sensor_ids, id_to_index, matrix]``, Python 2
  protocol 0). It is read with a restricted unpickler that reconstructs numpy arrays and builtin
  containers only and refuses every other class.

A CSV row naming a sensor that is not in the sensor list (``ids``, else the locations file, else
the CSV's own sensors) is skipped, as DCRNN's ``gen_adj_mx.py`` does, and counted in
``meta["rows_skipped"]``; the sensors so left out of the graph are ``meta["sensors_skipped"]`` (``graph build``
prints a note naming how many).

Edges are the non-zero off-diagonal entries ``W[i, j]`` as arcs ``i -> j`` with ``weight = W[i, j]``
and ``length`` (metres):

- from a CSV, the road distance it gives;
- from a pickle with sensor locations, the road distance the weight stands for,
  ``sigma * sqrt(-ln W)``, with ``sigma`` estimated from the locations (:func:`estimate_sigma`,
  ``meta["sigma_estimated"]``; the pickle does not store it), and never below the great-circle
  distance between the two sensors. The great-circle distance alone would be far too short where
  sensors face each other on opposite carriageways: METR-LA 772167 -> 772168 is 17.8 m apart in a
  straight line but about 3.9 km by road;
- else, when no width can be estimated, the great-circle distance: usually shorter than the road
  distance, but not a bound of it, since sensor coordinates are approximate (on PEMS-BAY 60 of 2,369
  straight lines exceed the road distance, by up to 7.6 m).

Speed series
------------
A CSV with a header of sensor ids and one row per time step (``slot_minutes`` apart, 5 by default;
optionally gzip), an ``.npz`` array ``[steps, sensors(, features)]`` or a DCRNN ``.h5`` DataFrame
(:func:`read_speed_series`), speeds in ``speed_unit`` (mph for METR-LA / PEMS-BAY). Zeros and
negative values mean missing (DCRNN's convention), and so do speeds above
:data:`~graphroute.graphs.road.MAX_PLAUSIBLE_KMH` (250 km/h, about 155 mph: a sensor fault or the
wrong unit); their counts are ``meta["speeds_missing"]`` and ``meta["speeds_implausible"]``. The first
row is taken as 00:00 (the series carries no timestamps: METR-LA's hourly means dip at 07-09 h and
16-18 h, as rush hours from midnight would) and whole days are used: the rows of a trailing part of a
day are not (``meta["speed_rows_unused"]`` of ``meta["speed_rows"]``, and ``graph build`` warns; it also
warns when the series is shorter than a day, which time-dependent search refuses). For
each time-of-day slot the median speed over days is taken per sensor, clipped below at 5 km/h (a slot with
no reading takes the sensor's median, a sensor with none the median of all: ``meta["speed_sensors_imputed"]``,
warned about); an
edge's travel time in slot ``s`` is its length divided by the speed at its source sensor in that
slot, then repaired to be FIFO (:func:`fifo_repair`: a travel time may not fall by more than the
slot length between two slots, i.e. waiting is allowed). The result is
``extras["time_slots"]`` (float ``[T, m]`` seconds, ``T = 24 h / slot``) with
``meta["slot_seconds"]``, read by time-dependent Dijkstra (:mod:`graphroute.paths.timedep`, linear
between slot starts); ``edge_attrs["time"]`` is the fastest (free-flow) slot.
"""

from __future__ import annotations

import csv
import gzip
import pickle
import re
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidInstanceError, MissingDependencyError
from graphroute.graphs.model import MAX_EDGE_WEIGHT, Graph, from_edges
from graphroute.graphs.road import MAX_PLAUSIBLE_KMH, haversine_m

#: Quantile of the per-edge lower bounds of the kernel width taken as its estimate (:func:`estimate_sigma`).
SIGMA_QUANTILE = 0.99

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
    ("__builtin__", "object"), ("builtins", "object"),
    # protocol 5 (Python 3.8+ default for numpy arrays): an array rebuilt from its bytes
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
}


def _latin1_bytes(text: object, encoding: str = "latin1") -> bytes:
    """What protocol 2 under Python 3 stores an array's raw bytes as (``_codecs.encode(text, 'latin1')``,
    DCRNN's ``gen_adj_mx.py`` writes ``protocol=2``): only that call, nothing else of the codecs module."""
    if not isinstance(text, str) or encoding.lower().replace("-", "") != "latin1":
        raise pickle.UnpicklingError("refusing _codecs.encode other than of text to latin1")
    return text.encode("latin1")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that reconstructs numpy arrays and builtin containers, nothing else."""

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        if (module, name) in _ALLOWED:
            if module.startswith("numpy.core"):
                module = module.replace("numpy.core", "numpy._core")
            if module in ("copy_reg", "__builtin__"):
                module = {"copy_reg": "copyreg", "__builtin__": "builtins"}[module]
            return super().find_class(module, name)
        raise InvalidInstanceError(f"refusing to unpickle {module}.{name}: only numpy arrays are allowed")


def load_adjacency_pickle(path: str | Path) -> tuple[list[str], np.ndarray]:
    """``(sensor_ids, adjacency)`` from a DCRNN ``adj_mx.pkl`` (restricted unpickling)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            obj = _NumpyOnlyUnpickler(fh, encoding="latin1").load()
    except FileNotFoundError:
        raise InvalidInstanceError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InvalidInstanceError(f"{path} is a folder, not an adjacency pickle") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            RecursionError) as exc:  # a damaged pickle fails in any of these
        raise InvalidInstanceError(f"{path.name}: not a readable adjacency pickle ({exc})") from None
    if not (isinstance(obj, (list, tuple)) and len(obj) == 3):
        raise InvalidInstanceError(f"{path.name}: expected [sensor_ids, id_to_index, matrix]")
    ids, _, adj = obj
    if isinstance(ids, np.ndarray) and ids.ndim == 1:
        ids = ids.tolist()
    if not isinstance(ids, (list, tuple)):  # a string is no list of ids ('abc' would be three sensors)
        raise InvalidInstanceError(f"{path.name}: the sensor ids must be a list, got {type(ids).__name__}")
    ids = [i.decode("latin-1") if isinstance(i, bytes) else i for i in ids]  # Python 2 str read as bytes
    for i in ids:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (str, int, np.integer)) or not str(i).strip():
            raise InvalidInstanceError(f"{path.name}: sensor ids must be non-empty strings or integers, got {i!r}")
    try:
        adj = np.asarray(adj)
        if adj.dtype.kind not in "iuf":  # complex, text, objects, booleans: no kernel weights
            raise ValueError(f"dtype {adj.dtype}")
        adj = adj.astype(np.float64)
    except (ValueError, TypeError) as exc:
        raise InvalidInstanceError(f"{path.name}: the adjacency matrix must hold numbers ({str(exc)[:80]})") from None
    if adj.shape != (len(ids), len(ids)):
        raise InvalidInstanceError(f"{path.name}: matrix shape {adj.shape} does not match {len(ids)} sensor ids")
    outside = ~((adj >= 0) & (adj <= 1))  # NaN too
    if outside.any():
        r, c = (int(x[0]) for x in np.nonzero(outside))
        raise InvalidInstanceError(f"{path.name}: adjacency [{r}][{c}] is {adj[r, c]:g}; Gaussian kernel weights "
                                   "lie in [0, 1]")
    return [str(i) for i in ids], adj


def _read_rows(path: Path) -> list[list[str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
            return [row for row in csv.reader(fh) if row]
    except FileNotFoundError:
        raise InvalidInstanceError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InvalidInstanceError(f"{path} is a folder, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInstanceError(f"cannot read {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, EOFError, csv.Error, zlib.error) as exc:  # zlib.error: a corrupt .gz
        raise InvalidInstanceError(f"cannot read {path}: {exc} (truncated?)") from None


#: Largest road distance a distances CSV may give: the largest weight a graph may hold.
MAX_DISTANCE = MAX_EDGE_WEIGHT

#: Most sensors a traffic graph may have: the distances of a CSV are read into a dense ``[n, n]`` float64
#: matrix, 3.2 GB at 20,000 sensors (METR-LA has 207, PEMS-BAY 325, LargeST's California 8,600).
MAX_SENSORS = 20_000


def check_sensor_ids(ids: list[str], listed_in: str | Path) -> list[str]:
    """``ids`` when they are unique, non-empty and at most :data:`MAX_SENSORS`; else one line naming the file."""
    name = Path(listed_in).name
    if not ids:
        raise InvalidInstanceError(f"{name}: no sensor id")
    first: dict[str, int] = {}
    for k, s in enumerate(ids, 1):
        if s in first:
            raise InvalidInstanceError(f"{name}: sensor id {s!r} is listed twice (entries {first[s]} and {k}); "
                                       "sensor ids must be unique. Is it the right file?")
        first[s] = k
    if len(ids) > MAX_SENSORS:
        raise InvalidInstanceError(f"{name} lists {len(ids):,} sensors; at most {MAX_SENSORS:,} are supported (the "
                                   "kernel is a dense sensors x sensors matrix). Is it the right file?")
    return ids


def _looks_like_location_header(row: list[str]) -> bool:
    if len(row) < 3:
        return False
    lat, lon = row[-2].strip().lower(), row[-1].strip().lower()
    return ("lat" in lat and ("lon" in lon or "lng" in lon)) or (lat, lon) == ("y", "x")


def read_locations(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Sensor ids and (lon, lat) from ``[index,]sensor_id,latitude,longitude`` rows (header optional).

    A header must end with latitude and longitude columns (``latitude,longitude``, ``lat,lng``, ``y,x``);
    every latitude must lie in [-90, 90] and longitude in [-180, 180], and ids must be unique: a
    distances CSV (``from,to,cost``) given as the locations file is refused, not read as 8,358 sensors."""
    name = Path(path).name
    rows = _read_rows(Path(path))
    start = 1
    if rows and not _is_number(rows[0][-1]):
        if not _looks_like_location_header(rows[0]):
            raise InvalidInstanceError(f"{name}: header {','.join(rows[0])[:60]!r} does not look like sensor "
                                       "locations; expected '[index,]sensor_id,latitude,longitude'")
        rows, start = rows[1:], 2
    ids, xy = [], []
    for k, row in enumerate(rows, start):
        try:
            sid, lat, lon = row[-3], float(row[-2]), float(row[-1])
        except (IndexError, ValueError):
            raise InvalidInstanceError(f"{name} row {k - start + 1}: expected 'sensor_id,latitude,longitude', "
                                       f"got {','.join(row)[:60]!r}") from None
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise InvalidInstanceError(f"{name} row {k - start + 1}: latitude {row[-2].strip()} / longitude {row[-1].strip()} is "
                                       "not a position (latitude in [-90, 90], longitude in [-180, 180]); expected "
                                       "'[index,]sensor_id,latitude,longitude' rows. Is it the locations file?")
        ids.append(sid.strip())
        xy.append((lon, lat))
    check_sensor_ids(ids, path)
    return ids, np.array(xy, dtype=np.float64).reshape(-1, 2)


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def distance_rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """The ``from,to,cost`` rows of a distances CSV with their line numbers, the header dropped.

    The first row is a header only when its cost is not a number and its two sensors appear in no
    other row (``from,to,cost``); a first row such as ``a,b,x`` between known sensors is a bad row."""
    name = Path(path).name
    rows = list(enumerate(_read_rows(Path(path)), 1))
    if rows and not _is_number(rows[0][1][-1]):
        first = rows[0][1]
        others = {r[i].strip() for _, r in rows[1:] for i in (0, 1) if len(r) == 3}
        if len(first) == 3 and not {first[0].strip(), first[1].strip()} & others:  # a 4-field or ';' line is no header
            rows = rows[1:]
    for k, row in rows:
        if len(row) != 3:
            sep = next((f" (fields are separated by commas; this line has {c!r})" for c in (";", "\t", "|")
                        if len(row) == 1 and c in row[0]), "")
            raise InvalidInstanceError(f"{name} line {k}: expected 'from,to,cost', got {','.join(row)[:60]!r}{sep}")
    if not rows:
        raise InvalidInstanceError(f"{name}: no 'from,to,cost' row")
    return rows


def _distance_matrix(distances: str | Path, ids: list[str], missing: list[str] | None = None) -> tuple[np.ndarray, int]:
    """The distance matrix over ``ids`` (``inf`` where no row) and the number of rows skipped because a
    sensor is not in ``ids``; ``missing``, a list, receives those sensors (each once, in file order)."""
    name = Path(distances).name
    index = {s: i for i, s in enumerate(ids)}
    dist = np.full((len(ids), len(ids)), np.inf)
    seen: dict[tuple[int, int], int] = {}  # (from, to) -> the line that gave it
    skipped = 0
    for k, row in distance_rows(distances):
        a, b = row[0].strip(), row[1].strip()
        try:
            cost = float(row[2])
        except ValueError:
            raise InvalidInstanceError(f"{name} line {k}: cost {row[2]!r} is not a number") from None
        if not np.isfinite(cost) or cost < 0:
            raise InvalidInstanceError(f"{name} line {k}: cost {row[2].strip()!r} must be a finite distance >= 0")
        if cost > MAX_DISTANCE:  # a graph's weights are at most 1e15, and the std of such values overflows
            raise InvalidInstanceError(f"{name} line {k}: cost {row[2].strip()!r} is above {MAX_DISTANCE:g}, the "
                                       "largest distance a graph may hold")
        if a in index and b in index:
            i, j = index[a], index[b]
            if (i, j) in seen and dist[i, j] != cost:
                raise InvalidInstanceError(f"{name} line {k}: {a} -> {b} is given again with another cost "
                                           f"({row[2].strip()}; line {seen[i, j]} says {dist[i, j]:g})")
            seen.setdefault((i, j), k)
            dist[i, j] = cost
        else:
            skipped += 1
            if missing is not None:
                missing.extend(x for x in (a, b) if x not in index and x not in missing)
    if not np.isfinite(dist).any():
        raise InvalidInstanceError(f"{name}: no distance between known sensors")
    return dist, skipped


def kernel_sigma(dist: np.ndarray, sigma: float | None = None, *, name: str = "distances") -> float:
    """The Gaussian kernel width: ``sigma`` when given (must be a finite number > 0), else the standard
    deviation of the finite distances (DCRNN), which must not be 0."""
    if sigma is not None:
        sigma = float(sigma)
        if not (np.isfinite(sigma) and sigma > 0):
            raise InvalidInstanceError(f"sigma must be a finite number > 0, got {sigma:g}")
        return sigma
    finite = dist[np.isfinite(dist)]
    std = float(finite.std())
    if not std > 0:
        raise InvalidInstanceError(
            f"{name}: sigma must be > 0, but the standard deviation of the {len(finite)} distance(s) is 0 "
            f"(all equal {float(finite[0]):g}); give the kernel width with --sigma")
    return std


def kernel_distance(w: np.ndarray) -> np.ndarray:
    """``sqrt(-ln W)``: the distance, in units of the kernel width, that a Gaussian kernel weight
    ``W = exp(-(d / sigma)^2)`` stands for; 0 where ``W >= 1`` (or ``W <= 0``, which is no kernel weight)."""
    w = np.asarray(w, dtype=np.float64)
    out = np.zeros_like(w)
    inside = (w > 0) & (w < 1)
    out[inside] = np.sqrt(-np.log(w[inside]))
    return out


def estimate_sigma(straight: np.ndarray, w: np.ndarray, *, quantile: float = SIGMA_QUANTILE) -> float | None:
    """The kernel width of a stored adjacency, estimated from the sensors' great-circle distances.

    ``W = exp(-(d / sigma)^2)`` gives the road distance ``d = sigma * sqrt(-ln W)`` of every edge, and a
    road is never shorter than the straight line between its ends, so each edge bounds the width
    from below: ``sigma >= straight / sqrt(-ln W)``. With exact coordinates the largest bound would
    be the estimate (the smallest width that keeps every road at least as long as its straight
    line), but sensor coordinates are approximate: on PEMS-BAY, where DCRNN's road distances exist,
    60 of 2,369 straight lines exceed the road by up to 1.6%, and the largest bound overshoots the
    true width (3,620.3 m) by as much. The ``quantile`` (0.99) of the bounds passes over such a
    handful of outliers and still needs only 1% of the edges to run nearly straight (consecutive
    sensors on one freeway). On PEMS-BAY it gives 3,625.2 m (+0.14%; the 0.95 and 0.98 quantiles
    give -0.03% and +0.06%, the maximum +1.6%), and the lengths ``max(straight, sigma * sqrt(-ln W))``
    are 1.0002 to 1.016 times the true road distances (median 1.0014).

    Parameters
    ----------
    straight : float ``[m]`` great-circle distances (m) between the edges' sensors.
    w : float ``[m]`` kernel weights of the same edges.

    Returns
    -------
    The estimate in metres, or None when no edge has ``0 < W < 1`` and a positive straight line.
    """
    straight = np.asarray(straight, dtype=np.float64)
    kd = kernel_distance(w)
    usable = (kd > 0) & (straight > 0) & np.isfinite(straight)
    if not usable.any():
        return None
    return float(np.quantile(straight[usable] / kd[usable], quantile))


def dcrnn_adjacency(distances: str | Path, ids: list[str], *, threshold: float = 0.1,
                    sigma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """DCRNN's Gaussian-kernel adjacency ``W`` and the distance matrix ``D`` (``inf`` where unknown).

    ``sigma``: kernel width, default the std of the finite distances (:func:`kernel_sigma`)."""
    dist, _ = _distance_matrix(distances, ids)
    std = kernel_sigma(dist, sigma, name=Path(distances).name)
    with np.errstate(over="ignore"):
        w = np.exp(-np.square(dist / std))
    w[w < threshold] = 0.0
    return w, dist


def _locations_beside(path: Path) -> Path | None:
    """The ``*locations*.csv`` beside ``path`` that places most of its sensors (the first in name order
    on a tie): DCRNN's release keeps METR-LA's ``graph_sensor_locations.csv`` and PEMS-BAY's
    ``graph_sensor_locations_bay.csv`` in one folder, and the first by name is METR-LA's."""
    hits = sorted(path.parent.glob("*locations*.csv"))
    if len(hits) <= 1:
        return hits[0] if hits else None
    try:
        own = set(load_adjacency_pickle(path)[0]) if path.suffix == ".pkl" else \
            {r[i].strip() for _, r in distance_rows(path) for i in (0, 1)}
    except InvalidInstanceError:
        return hits[0]  # the source's own error comes when it is read
    placed = []
    for h in hits:
        try:
            placed.append(len(own.intersection(map(str, read_locations(h)[0]))))
        except InvalidInstanceError:
            placed.append(-1)
    return hits[int(np.argmax(placed))]


def _find_beside(folder: Path, patterns: tuple[str, ...]) -> Path | None:
    for pat in patterns:
        hits = sorted(folder.glob(pat))
        if hits:
            return hits[0]
    return None


def read_speed_series(speeds: str | Path, ids: list[str], *, feature: int = -1) -> np.ndarray:
    """``[steps, sensors]`` speeds in the order of ``ids`` from a speed series file.

    - CSV (``.csv`` / ``.csv.gz``): a header of sensor ids, one row per time step (T-GCN ``los_speed.csv``);
      columns are matched to ``ids`` by name.
    - ``.npz``: the array ``speed`` or ``data`` (or the only array), ``[steps, sensors]`` or
      ``[steps, sensors, features]`` (PEMS04/08 store flow, occupancy, speed: ``feature`` picks one,
      the last by default); columns are taken in the graph's sensor order.
    - ``.h5``: a pandas DataFrame (DCRNN ``metr-la.h5`` / ``pems-bay.h5``) whose columns are sensor
      ids; needs pandas and PyTables.
    """
    path = Path(speeds)
    name = path.name.lower()
    if name.endswith(".npz"):
        try:
            z = np.load(path, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):  # a bare .npy array saved under a .npz name (no `with` then)
                raise InvalidInstanceError(f"cannot read {path.name}: a bare .npy array, not a .npz archive "
                                           "(save it with np.savez(file, speed=array))")
            with z:
                key = next((k for k in ("speed", "data") if k in z.files), z.files[0] if len(z.files) == 1 else None)
                if key is None:
                    found = ", ".join(z.files) or "no array"
                    raise InvalidInstanceError(f"{path.name}: no 'speed' or 'data' array (found {found})")
                raw = z[key]
        except IsADirectoryError:
            raise InvalidInstanceError(f"{path} is a folder, not a speed series file") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
            if isinstance(exc, InvalidInstanceError):
                raise
            if "pickled" in str(exc):  # numpy's guess for a file that is neither a zip nor a .npy
                raise InvalidInstanceError(f"cannot read {path.name}: not a .npz archive") from None
            raise InvalidInstanceError(f"cannot read {path.name}: {exc} (truncated?)") from None
        if raw.dtype.kind not in "iuf":  # complex, text, booleans: no speeds
            raise InvalidInstanceError(f"{path.name}: array {key!r} must hold numbers, got dtype {raw.dtype}")
        data = raw.astype(np.float64)
        if data.ndim == 3:
            if data.shape[2] == 0:
                raise InvalidInstanceError(f"{path.name}: speeds of shape {data.shape} have no feature to read")
            data = data[:, :, feature]
        if data.ndim != 2 or data.shape[1] != len(ids):
            raise InvalidInstanceError(f"{path.name}: speeds of shape {data.shape}, expected [steps, {len(ids)} sensors]")
        return data
    if name.endswith((".h5", ".hdf5")):
        try:
            import pandas as pd

            df = pd.read_hdf(path)
        except ImportError as exc:
            raise MissingDependencyError(f"reading {path.name} needs pandas and PyTables: pip install tables ({exc})") from None
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInstanceError(f"cannot read {path.name}: {exc}") from None
        col = {str(c).strip(): i for i, c in enumerate(df.columns)}
        missing = [s for s in ids if s not in col]
        if missing:
            raise InvalidInstanceError(f"{path.name}: no speed column for sensor(s) {', '.join(missing[:5])}")
        return df.to_numpy(dtype=np.float64)[:, [col[s] for s in ids]]
    rows = _read_rows(path)
    if len(rows) < 2:
        raise InvalidInstanceError(f"{path.name}: expected a header of sensor ids and rows of speeds")
    header = [h.strip() for h in rows[0]]
    col: dict[str, int] = {}
    for i, s in enumerate(header):
        if s in col and s in ids:  # which of the two columns is the sensor's? neither is dropped silently
            raise InvalidInstanceError(f"{path.name}: sensor {s!r} heads two columns ({col[s] + 1} and {i + 1})")
        col.setdefault(s, i)
    missing = [s for s in ids if s not in col]
    if missing:
        raise InvalidInstanceError(f"{path.name}: no speed column for sensor(s) {', '.join(missing[:5])}")
    used = [col[s] for s in ids]  # other columns (a timestamp index written by pandas' to_csv) are not read
    data = np.full((len(rows) - 1, len(ids)), np.nan)
    for k, r in enumerate(rows[1:]):
        if len(r) != len(header):
            raise InvalidInstanceError(f"{path.name} row {k + 2}: {len(r)} values for {len(header)} sensors")
        for j, c in enumerate(used):
            v = r[c].strip()
            try:
                data[k, j] = float(v) if v else np.nan
            except ValueError:
                raise InvalidInstanceError(f"{path.name} row {k + 2}: the speed of sensor {header[c]} (column "
                                           f"{c + 1}) is not a number: {v[:30]!r}") from None
    return data


def slot_travel_times(speeds: str | Path, ids: list[str], src: np.ndarray, length: np.ndarray, *,
                      slot_minutes: int = 5, speed_unit: str = "mph") -> np.ndarray:
    """``[T, m]`` travel times (s) per time-of-day slot from a speed series (see module docstring).

    A sensor without any valid speed gets the median speed of all sensors.
    """
    mps, _ = _slot_speeds(speeds, ids, slot_minutes=slot_minutes, speed_unit=speed_unit)
    return fifo_repair(length[None, :] / mps[:, src], slot_minutes * 60.0)


def _slot_speeds(speeds: str | Path, ids: list[str], *, slot_minutes: int, speed_unit: str) -> tuple[np.ndarray, dict]:
    """``[T, sensors]`` speed (m/s) per time-of-day slot and the counts of missing and implausible readings."""
    factor = _check_slots(slot_minutes, speed_unit)
    data = read_speed_series(speeds, ids)
    per_day = 24 * 60 // slot_minutes
    steps = (len(data) // per_day) * per_day or len(data)
    unused = len(data) - steps  # a trailing part of a day: its slots would be counted one day fewer than the rest
    data = data[:steps]
    missing = ~(data > 0)  # zeros mean missing in DCRNN data; NaN (a blank cell) too
    implausible = data * factor > MAX_PLAUSIBLE_KMH / 3.6  # a sensor fault or the wrong --speed-unit
    stats = {"speeds_missing": int(missing.sum()), "speeds_implausible": int(implausible.sum()),
             "speed_rows": int(steps + unused), "speed_rows_unused": int(unused)}
    data[missing | implausible] = np.nan
    if not np.isfinite(data).any():
        raise InvalidInstanceError(f"{Path(speeds).name}: no speed in the series is positive and at most "
                                   f"{MAX_PLAUSIBLE_KMH:g} km/h")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are filled below
        if len(data) >= per_day:
            prof = np.nanmedian(data.reshape(-1, per_day, len(ids)), axis=0)
        else:
            prof = data
        per_sensor = np.nanmedian(data, axis=0)
    dead = ~np.isfinite(per_sensor)  # no usable reading at all: the median of every sensor stands in
    stats["speed_sensors_imputed"] = [ids[k] for k in np.flatnonzero(dead)]
    per_sensor = np.where(dead, np.nanmedian(data), per_sensor)
    prof = np.where(np.isfinite(prof), prof, per_sensor)
    return np.maximum(prof * factor, 5 / 3.6), stats  # [T, sensors]


SPEED_UNITS = {"mph": 0.44704, "kmh": 1 / 3.6, "mps": 1.0}


def _check_slots(slot_minutes: int, speed_unit: str) -> float:
    """The m/s factor of ``speed_unit`` when it and ``slot_minutes`` are valid; else one line."""
    if isinstance(slot_minutes, bool) or not isinstance(slot_minutes, (int, np.integer)) or slot_minutes <= 0 \
            or (24 * 60) % slot_minutes:
        raise InvalidInstanceError(f"slot length must divide a day into whole slots, got {slot_minutes} minutes")
    factor = SPEED_UNITS.get(speed_unit)  # type: ignore[call-overload]
    if factor is None:
        raise InvalidInstanceError(f"unknown speed unit {speed_unit!r}; use mph, kmh or mps")
    return factor


def fifo_repair(tt: np.ndarray, slot_seconds: float) -> np.ndarray:
    """Lower ``tt[s]`` to ``tt[s + 1] + slot`` where it is larger (cyclically), so travel times never fall
    faster than time passes: leaving later then never arrives earlier (FIFO) under linear interpolation.
    This is the travel time with waiting allowed, the standard repair of measured profiles."""
    tt = tt.copy()
    for _ in range(2):  # two backward sweeps settle the wrap-around from the first to the last slot
        tt[-1] = np.minimum(tt[-1], tt[0] + slot_seconds)
        for s in range(len(tt) - 2, -1, -1):
            np.minimum(tt[s], tt[s + 1] + slot_seconds, out=tt[s])
    return tt


def read_traffic(
    path: str | Path,
    *,
    ids: str | Path | None = None,
    locations: str | Path | None = None,
    speeds: str | Path | None = None,
    sigma: float | None = None,
    threshold: float = 0.1,
    slot_minutes: int = 5,
    speed_unit: str = "mph",
) -> Graph:
    """A traffic sensor graph from a distances CSV or an adjacency pickle (see module docstring).

    ``ids``: a file with the sensor ids (comma or newline separated); ``locations`` and ``speeds``
    default to files found beside ``path`` (``*locations*.csv``, ``*speed*.csv[.gz]``).
    ``meta["source"]`` is the path as given, ``meta["source_resolved"]`` the absolute one: a graph
    file outlives the directory it was built from.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file: {path}")
    _check_slots(slot_minutes, speed_unit)  # bad values are refused even when no speed series is used
    folder = path.parent
    loc_path = Path(locations) if locations else _locations_beside(path)
    loc_ids, xy = read_locations(loc_path) if loc_path else (None, None)
    notes: dict = {}  # build notes, after the keys every traffic graph has
    if path.suffix == ".pkl":
        if sigma is not None:
            raise InvalidInstanceError(f"{path.name} holds the kernel weights already; sigma applies to a distances CSV")
        if ids is not None:  # it was ignored, a missing file included
            raise InvalidInstanceError(f"{path.name} lists its sensor ids already; ids applies to a distances CSV")
        sensor_ids, w = load_adjacency_pickle(path)
        check_sensor_ids(sensor_ids, path)
    else:
        if ids is not None:
            try:
                text = Path(ids).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise InvalidInstanceError(f"{Path(ids).name}: not a UTF-8 text file of sensor ids") from None
            # commas and line breaks (DCRNN's graph_sensor_ids.txt), or spaces, tabs, semicolons: an id holds none
            sensor_ids = [s for s in re.split(r"[,;\s]+", text) if s]
            listed_in = Path(ids)
            check_sensor_ids(sensor_ids, listed_in)
        elif loc_ids is not None:
            sensor_ids = loc_ids
            listed_in = loc_path
        else:
            seen: dict[str, None] = {}
            for _, r in distance_rows(path):
                seen.setdefault(r[0].strip())
                seen.setdefault(r[1].strip())
            sensor_ids = list(seen)
            listed_in = path
            check_sensor_ids(sensor_ids, listed_in)
        missing: list[str] = []
        dist, skipped = _distance_matrix(path, sensor_ids, missing)
        notes.update({"rows_skipped": skipped, "sensor_list": str(listed_in), "sensors_skipped": missing})
        fin = np.isfinite(dist)
        np.fill_diagonal(fin, False)
        alone = np.flatnonzero(~(fin.any(axis=0) | fin.any(axis=1)))  # listed, but in no row with another sensor
        del fin
        notes["sensors_without_distance"] = [sensor_ids[k] for k in alone]
        sigma = kernel_sigma(dist, sigma, name=path.name)
        # the kernel of the finite distances only (no row: weight 0): no dense [n, n] temporaries beside
        # `dist` (the dense exp(-(d / sigma)^2) and its mask took 9.4 GB at 20,000 sensors)
        src, dst = np.nonzero(np.isfinite(dist))
        lengths = dist[src, dst]
        with np.errstate(over="ignore"):
            kw = np.exp(-np.square(lengths / sigma))
        keep = (kw >= threshold) & (kw > 0) & (src != dst)  # an underflowed 0 is no weight, as before
        src, dst, kw, lengths = src[keep], dst[keep], kw[keep], lengths[keep]
        del dist
    coords = None
    if loc_ids is not None:
        pos = {s: i for i, s in enumerate(loc_ids)}
        lacking = [s for s in sensor_ids if s not in pos]
        if not lacking:
            coords = xy[[pos[s] for s in sensor_ids]]
        elif locations:  # asked for by name: no coordinates at all is not what was asked
            raise InvalidInstanceError(
                f"{loc_path.name} has no location for {len(lacking)} of the {len(sensor_ids)} sensors "
                f"({', '.join(lacking[:5])}{', ...' if len(lacking) > 5 else ''}); coordinates need every sensor")
        else:  # found beside the file: built without coordinates, and said
            notes["locations_skipped"] = (f"{loc_path.name} (found beside {path.name}) has no location for "
                                          f"{len(lacking)} of the {len(sensor_ids)} sensors; built without coordinates")
    if path.suffix == ".pkl":
        src, dst = np.nonzero(w)
        off = src != dst
        src, dst = src[off], dst[off]
        attrs = {"weight": w[src, dst]}
    else:
        attrs = {"weight": kw, "length": lengths}
    if "length" in attrs:
        length_note = "road distance from the distances file"
    elif coords is not None:
        straight = haversine_m(coords[src, 0], coords[src, 1], coords[dst, 0], coords[dst, 1])
        sigma_estimated = estimate_sigma(straight, attrs["weight"])
        if sigma_estimated is not None:
            road = sigma_estimated * kernel_distance(attrs["weight"])
            attrs["length"] = np.maximum(straight, road)
            notes.update({"sigma_estimated": sigma_estimated, "length_great_circle_edges": int(np.sum(straight > road))})
            length_note = (f"road distance estimated from the kernel weights, sigma_estimated * sqrt(-ln W) (m), and "
                           f"at least the great-circle distance between the sensors; sigma_estimated is the "
                           f"{SIGMA_QUANTILE:g} quantile over edges of great-circle / sqrt(-ln W), each a lower "
                           f"bound of sigma as no road is shorter than its straight line "
                           f"(graphroute.graphs.traffic.estimate_sigma)")
        else:
            attrs["length"] = straight
            length_note = ("great-circle distance between sensors (m): usually shorter than the road distance, but "
                           "not a bound of it (sensor coordinates are approximate)")
    else:
        length_note = "unknown (no distances, no locations)"
    meta = {"source": str(path), "source_resolved": str(path.resolve()), "sensors": len(sensor_ids),
            "threshold": threshold, "sigma": sigma, "length": length_note,
            "default_weight": "length" if "length" in attrs else "hops", **notes}
    extras = {}
    speed_path = Path(speeds) if speeds else _find_beside(folder, ("*speed*.csv", "*speed*.csv.gz", "*speed*.npz"))
    if speed_path is not None:
        if "length" not in attrs:
            skipped = f" ({notes['locations_skipped']})" if "locations_skipped" in notes else ""
            raise InvalidInstanceError(f"travel times from speeds need edge lengths: give distances or locations{skipped}")
        mps, stats = _slot_speeds(speed_path, sensor_ids, slot_minutes=slot_minutes, speed_unit=speed_unit)
        tt = fifo_repair(attrs["length"][None, :] / mps[:, src], slot_minutes * 60.0)
        extras["time_slots"] = tt
        attrs["time"] = tt.min(axis=0)
        meta.update({"speeds": str(speed_path), "slot_seconds": slot_minutes * 60.0, "slots": int(tt.shape[0]),
                     **stats, "default_weight": "time"})
    return from_edges(src, dst, len(sensor_ids), edge_attrs=attrs, kind="traffic",
                      node_ids=np.array(sensor_ids, dtype=str), coords=coords, meta=meta, extras=extras)


__all__ = ["MAX_SENSORS", "SIGMA_QUANTILE", "check_sensor_ids", "dcrnn_adjacency", "distance_rows", "estimate_sigma", "fifo_repair", "kernel_distance",
           "kernel_sigma", "load_adjacency_pickle", "read_locations", "read_speed_series", "read_traffic",
           "slot_travel_times"]
