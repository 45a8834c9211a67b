"""Reading and writing instances and solutions.

Formats
-------
- graphroute JSON instances (``.json``), version 1, documented in the README.
- TSPLIB / VRPLIB text (``.tsp``, ``.atsp``, ``.vrp``; optionally gzip-compressed).
- Solutions: graphroute JSON (the ``solve --json`` object) and VRPLIB ``.sol``.

Known best costs for files: ``NAME.sol`` beside the instance (its ``Cost`` line), else a
``bks.csv`` / ``optimal_tour_lengths.csv`` in the same folder with a row for the instance, else
``solutions`` (TSPLIB's ``name : value`` list); an explicit ``bks=`` argument wins over all.
All writes go to a temporary file in the target folder, then ``os.replace`` it into place.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError
from graphroute.problems.instance import Instance
from graphroute.problems.tsplib import format_sol, parse_tsplib, read_sol

FORMAT_NAME = "graphroute.instance"
FORMAT_VERSION = 1
INSTANCE_SUFFIXES = (".json", ".vrp", ".tsp", ".atsp")


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: temp file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _strip_suffixes(path: Path) -> tuple[str, str]:
    name = path.name
    if name.endswith(".gz"):
        name = name[:-3]
    stem, dot, ext = name.rpartition(".")
    return (stem, "." + ext.lower()) if dot else (name, "")


def _read_text(path: Path) -> str:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8-sig") as fh:  # -sig: a byte-order mark is dropped
                return fh.read()
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInstanceError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InvalidInstanceError(f"{path} is a folder, not an instance file") from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise InvalidInstanceError(f"cannot read {path}: {exc}") from None


def read_instance(path: str | Path, *, bks: float | None = None) -> Instance:
    """Read an instance from a graphroute JSON, TSPLIB or VRPLIB file.

    Parameters
    ----------
    path : str or Path
    bks : float, optional
        Known best cost to use instead of any found beside the file.

    Raises
    ------
    InvalidArgumentError
        ``path`` is not a str or a path-like object.
    InvalidInstanceError
        The file is missing, unreadable or not a valid instance.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    stem, ext = _strip_suffixes(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file: {path}")
    if ext not in INSTANCE_SUFFIXES:
        raise InvalidInstanceError(
            f"unknown instance format {ext or '(no suffix)'!r} for {path.name}; expected one of "
            f"{', '.join(INSTANCE_SUFFIXES)} (optionally .gz)"
        )
    text = _read_text(path)
    if ext == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInstanceError(f"{path.name}: malformed JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise InvalidInstanceError(f"{path.name}: JSON nested too deeply to read") from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise InvalidInstanceError(f"{path.name}: unreadable JSON ({str(exc).split(';')[0]})") from None
        inst = instance_from_dict(obj, default_name=stem)
    else:
        try:
            inst = parse_tsplib(text, name=stem)
        except InvalidInstanceError as exc:
            raise InvalidInstanceError(f"{path.name}: {exc}") from None
    inst.meta.setdefault("source", str(path))
    if bks is not None:
        inst.bks, inst.bks_source = valid_bks(bks, "given"), "command line"
    elif inst.bks is None:
        found = find_known_best(path, inst.name, stem) or _opt_tour_length(path, inst, stem)
        if found is not None:
            try:
                inst.bks, inst.bks_source = valid_bks(found[0], f"in {found[1]}"), found[1]
            except InvalidInstanceError as exc:  # a broken neighbour file must not stop reading the instance
                inst.meta["bks_note"] = f"{exc}; not used"
    if inst.meta.get("fixed_edges") and inst.bks is not None and bks is None:
        # TSPLIB linhp318-style files: the known value is for a Hamiltonian path with a fixed edge,
        # not for the closed tour graphroute optimises.
        inst.meta["note"] = f"known value {inst.bks:g} refers to the FIXED_EDGES path variant; not used as BKS"
        inst.bks, inst.bks_source = None, None
    return inst


def _opt_tour_length(path: Path, inst: Instance, stem: str) -> tuple[float, str] | None:
    """The length of a TSPLIB ``NAME.opt.tour`` beside ``path`` (its ``TOUR_SECTION``), costed by the
    checker under the instance's own convention; None when there is none. A tour that is not a tour
    of this instance is reported as an unusable value (NaN)."""
    from graphroute.check import check

    tour_file = path.parent / f"{stem}.opt.tour"
    if inst.problem != "tsp" or not tour_file.exists():
        return None
    try:
        lines = tour_file.read_text(encoding="utf-8-sig").splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip().upper().startswith("TOUR_SECTION"))
        nodes = []
        for tok in " ".join(lines[start + 1:]).split():
            if tok == "-1" or tok.upper() == "EOF":
                break
            nodes.append(int(tok) - 1)
        res = check(inst, [nodes])
    except (OSError, UnicodeDecodeError, StopIteration, ValueError) as exc:
        return math.nan, f"{tour_file.name} ({type(exc).__name__})"
    if not res.feasible:
        return math.nan, f"{tour_file.name} (not a tour of this instance: {res.violations[0]})"
    return res.cost, f"{tour_file.name} (tour length)"


def valid_bks(value: Any, where: str = "given") -> float:
    """``value`` as a float if it is a finite number >= 0 (the rule of the JSON ``bks`` field).

    0 is allowed, as in the JSON field; no gap is computed against it.
    """
    try:
        b = float(value)
    except (TypeError, ValueError, OverflowError):
        b = math.nan
    if isinstance(value, bool) or not math.isfinite(b) or b < 0:
        raise InvalidInstanceError(f"known best cost {where} must be a finite number >= 0, got {value}")
    return b


def find_known_best(path: Path, name: str, stem: str) -> tuple[float, str] | None:
    """Look beside ``path`` for a known best cost of the instance (see module docstring)."""
    folder = path.parent
    for sol in dict.fromkeys([folder / f"{stem}.sol", folder / f"{name}.sol"]):  # file stem, then NAME header
        if sol.exists():
            try:
                _, cost = read_sol(sol)
            except Exception as exc:  # noqa: BLE001 - a broken neighbour file must not stop reading the instance
                return math.nan, f"{sol.name} ({exc})"
            if cost is not None:
                return cost, sol.name
    names = {name, stem}
    for table in ("bks.csv", "optimal_tour_lengths.csv"):
        f = folder / table
        if not f.exists():
            continue
        with open(f, newline="") as fh:
            for row in csv.DictReader(fh):
                key = row.get("name") or row.get("instance")
                if key in names:
                    for col in ("bks", "optimal_tour_length", "optimum", "cost"):
                        if row.get(col):
                            try:
                                return float(row[col]), table
                            except ValueError:
                                pass
    f = folder / "solutions"
    if f.exists():
        for line in f.read_text().splitlines():
            key, _, val = line.partition(":")
            if key.strip() in names:
                try:
                    return float(val.split()[0]), "solutions"
                except (ValueError, IndexError):
                    pass
    return None


# ----------------------------------------------------------------------------- JSON
def _get(obj: dict, key: str, kinds: tuple[type, ...], what: str, *, required: bool = False) -> Any:
    if key not in obj or obj[key] is None:
        if required:
            raise InvalidInstanceError(f"missing field {key!r}")
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, kinds):
        raise InvalidInstanceError(f"field {key!r} must be {what}, got {type(v).__name__}")
    return v


def _num_array(v: Any, key: str, ndim: int) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise InvalidInstanceError(f"field {key!r} must hold only numbers") from None
    if a.ndim != ndim:
        shape = "a list of numbers" if ndim == 1 else "a list of lists of numbers (rows of equal length)"
        raise InvalidInstanceError(f"field {key!r} must be {shape}")
    return a


def instance_from_dict(obj: Any, *, default_name: str = "instance") -> Instance:
    """Build an :class:`Instance` from a parsed graphroute JSON object (format version 1)."""
    if not isinstance(obj, dict):
        raise InvalidInstanceError(f"an instance must be a JSON object, got {type(obj).__name__}")
    fmt = obj.get("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        raise InvalidInstanceError(f"field 'format' must be {FORMAT_NAME!r}, got {fmt!r}")
    version = obj.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise InvalidInstanceError(f"unsupported instance format version {version!r}; this graphroute reads 1")
    known = {
        "format", "version", "name", "problem", "distance", "coords", "matrix", "durations",
        "demands", "capacity", "num_vehicles", "bks", "meta",
    }
    unknown = sorted(set(obj) - known)
    if unknown:
        raise InvalidInstanceError(f"unknown field(s) {', '.join(map(repr, unknown))}")
    problem = _get(obj, "problem", (str,), "a string", required=True)
    name = _get(obj, "name", (str,), "a string") or default_name
    coords = obj.get("coords")
    matrix = obj.get("matrix")
    default_dist = "EXPLICIT" if matrix is not None else "EXACT"
    dist = _get(obj, "distance", (str,), "a string") or default_dist
    durations = obj.get("durations")
    demands = obj.get("demands")
    return Instance(
        problem=problem,
        name=name,
        coords=None if coords is None else _num_array(coords, "coords", 2),
        distance_type=dist.upper(),
        matrix=None if matrix is None else _num_array(matrix, "matrix", 2),
        durations=None if durations is None else _num_array(durations, "durations", 2),
        demands=None if demands is None else _num_array(demands, "demands", 1),
        capacity=_get(obj, "capacity", (int, float), "a number"),
        num_vehicles=_get(obj, "num_vehicles", (int,), "an integer"),
        bks=_get(obj, "bks", (int, float), "a number"),
        bks_source="instance file" if obj.get("bks") is not None else None,
        meta=_get(obj, "meta", (dict,), "an object") or {},
    )


def _tolist(a: np.ndarray) -> list:
    if np.all(a == np.round(a)) and np.all(np.abs(a) < 2**53):
        return a.astype(np.int64).tolist()
    return a.tolist()


def instance_to_dict(inst: Instance) -> dict:
    """The graphroute JSON object (format version 1) of ``inst``."""
    obj: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": inst.name,
        "problem": inst.problem,
        "distance": inst.distance_type,
    }
    if inst.coords is not None:
        obj["coords"] = _tolist(inst.coords) if inst.distance_type != "EXACT" else inst.coords.tolist()
    if inst.matrix is not None:
        obj["matrix"] = _tolist(inst.matrix)
    if inst.durations is not None:
        obj["durations"] = _tolist(inst.durations)
    if inst.problem == "cvrp":
        obj["demands"] = inst.demands.tolist()  # type: ignore[union-attr]
        obj["capacity"] = inst.capacity
        obj["num_vehicles"] = inst.num_vehicles
    if inst.bks is not None:
        obj["bks"] = int(inst.bks) if float(inst.bks).is_integer() else inst.bks
    obj["meta"] = {k: v for k, v in inst.meta.items() if k != "source"}
    return obj


def instance_text(inst: Instance) -> str:
    """The graphroute JSON text :func:`write_instance` writes for ``inst``."""
    return json.dumps(instance_to_dict(inst), separators=(",", ":")) + "\n"


def write_instance(inst: Instance, path: str | Path) -> None:
    """Write ``inst`` as graphroute JSON, atomically."""
    atomic_write_text(path, instance_text(inst))


def write_solution_sol(routes: list[list[int]], cost: float, path: str | Path) -> None:
    """Write a VRPLIB ``.sol`` file atomically."""
    atomic_write_text(path, format_sol(routes, cost))


def write_json(obj: Any, path: str | Path) -> None:
    """Write a JSON object atomically (pretty-printed)."""
    atomic_write_text(path, json.dumps(obj, indent=1, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o) if math.isfinite(o) else None
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
