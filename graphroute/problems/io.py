"""Reading and writing instances and solutions.

Formats
-------
- graphroute JSON instances (``.json``), version 1, documented in the README.
- TSPLIB / VRPLIB text (``.tsp``, ``.atsp``, ``.vrp``; optionally gzip-compressed).
- Solutions: graphroute JSON (the ``solve --json`` object) and VRPLIB ``.sol``.

Known best costs for files: ``NAME.sol`` beside the instance (its ``Cost`` line; its routes are
re-costed by the checker and a mismatch is noted), else a ``bks.csv`` / ``optimal_tour_lengths.csv``
in the same folder with a row for the instance, else ``solutions`` (TSPLIB's ``name : value`` list),
else the checker's length of a TSPLIB ``NAME.opt.tour``; each looked up by the file name first, then
by the ``NAME`` header. An explicit ``bks=`` argument wins over all. A known best must be > 0.
All writes go to a temporary file in the target folder, then ``os.replace`` it into place.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gzip
import json
import math
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError
from graphroute.problems.instance import Instance
from graphroute.problems.tsplib import format_sol, parse_tsplib, read_sol

FORMAT_NAME = "graphroute.instance"
FORMAT_VERSION = 1
INSTANCE_SUFFIXES = (".json", ".vrp", ".tsp", ".atsp")


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: temp file in the same folder, then rename.

    An OSError names ``path``, never the temporary file (which is removed).
    """
    path = Path(path)
    try:
        if path.exists() and not path.is_file() and not path.is_dir():  # the rename would replace a FIFO or device
            raise InvalidArgumentError(f"{path} exists and is not a regular file (a device, FIFO or socket); "
                                       "write to a file")
        path.parent.mkdir(parents=True, exist_ok=True)
        with staged_file(path) as tmp:
            tmp.write_text(text)
    except OSError as exc:
        raise _naming(exc, path) from None


@contextlib.contextmanager
def temp_file_beside(path: str | Path) -> Iterator[Path]:
    """A new empty file ``.NAME.XXXXXXXX.tmp`` in ``path``'s folder (which must exist), removed on exit
    whatever happens, unless the block renamed it away.

    Its name is chosen before the file is created (unlike mkstemp's), so a Ctrl-C that lands while the
    file is being created still finds it and removes it. A name taken by someone else is never removed.
    """
    path = Path(path)
    tmp = ""
    try:
        for cand in _temp_names(path):
            tmp = cand
            try:
                os.close(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))
                break
            except FileExistsError:
                tmp = ""  # someone else's file: never removed
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
        yield Path(tmp)
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def staged_file(path: str | Path, mode: int | None = None) -> Iterator[Path]:
    """Stage a write to ``path``: the block writes the yielded temporary file (beside ``path``, in the
    same folder, which must exist); when the block ends normally the file gets ``mode`` (default
    0o666 less the umask, as ``open`` would give) and is renamed onto ``path``. If the block raises,
    Ctrl-C included, the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    with temp_file_beside(path) as tmp:
        yield tmp
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)


def _temp_names(path: Path):  # noqa: ANN202
    """Up to 100 candidate names ``.NAME.XXXXXXXX.tmp`` beside ``path`` (random, as mkstemp's). NAME is cut
    to 200 bytes: a name the file system takes (up to 255 bytes) must not fail for its temporary one."""
    names = tempfile._get_candidate_names()  # noqa: SLF001 - the generator mkstemp itself draws from
    stem = path.name.encode("utf-8", "surrogateescape")[:200].decode("utf-8", "ignore")
    return (str(path.parent / f".{stem}.{next(names)}.tmp") for _ in range(100))


def _naming(exc: OSError, path: Path) -> OSError:
    """``exc`` as the same kind of OSError about ``path`` (the user's file, not a temporary one)."""
    if exc.errno is None or exc.filename == str(path.parent):
        return exc
    return OSError(exc.errno, exc.strerror, str(path))  # OSError(EISDIR, ...) is an IsADirectoryError


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
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt .gz
        raise InvalidInstanceError(f"cannot read {path}: {exc}") from None


def read_instance(path: str | Path, *, bks: float | None = None) -> Instance:
    """Read an instance from a graphroute JSON, TSPLIB or VRPLIB file.

    A TSPLIB / VRPLIB instance is named after its file (``linhp318.tsp`` is ``linhp318``); a ``NAME``
    header that says otherwise is kept in ``meta["name_header"]`` and still used to find a known best
    beside the file, after the file name. A ``.sol``'s routes are re-costed by the checker
    (``bks_checked``, ``meta["bks_note"]``); a file with fixed edges takes its known best as
    :func:`_fixed_edges_reference` says.

    Parameters
    ----------
    path : str or Path
    bks : float, optional
        Known best cost (> 0) to use instead of any found beside the file.

    Raises
    ------
    InvalidArgumentError
        ``path`` is not a str or a path-like object.
    InvalidInstanceError
        The file is missing, unreadable or not a valid instance, or ``bks`` is not a finite number > 0.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    stem, ext = _strip_suffixes(path)
    try:
        if not path.exists():
            raise InvalidInstanceError(f"no such file: {path}")
        if path.is_dir():
            raise InvalidInstanceError(f"{path} is a folder, not an instance file")
    except OSError as exc:  # a name too long for the file system, ...
        raise InvalidInstanceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if ext not in INSTANCE_SUFFIXES:
        raise InvalidInstanceError(
            f"unknown instance format {ext or '(no suffix)'!r} for {path.name}; expected one of "
            f"{', '.join(INSTANCE_SUFFIXES)} (optionally .gz)"
        )
    if bks is not None:
        bks = valid_bks(bks, "given")  # before reading: a bad --bks is the user's error, whatever the file
    text = _read_text(path)
    if ext == ".json":
        try:
            obj = json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise InvalidInstanceError(f"{path.name}: malformed JSON ({exc.msg.removesuffix(' at')} at line {exc.lineno})") from None
        except RecursionError:
            raise InvalidInstanceError(f"{path.name}: JSON nested too deeply to read") from None
        except InvalidInstanceError as exc:  # a repeated key
            raise InvalidInstanceError(f"{path.name}: {exc}") from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise InvalidInstanceError(f"{path.name}: unreadable JSON ({str(exc).split(';')[0]})") from None
        inst = instance_from_dict(obj, default_name=stem)
        header_name = inst.name
    else:
        try:
            inst = parse_tsplib(text, name=stem)
        except InvalidInstanceError as exc:
            raise InvalidInstanceError(f"{path.name}: {exc}") from None
        header_name = inst.name
        if header_name != stem:  # linhp318.tsp says "NAME: lin318": results must name the file that was solved
            inst.meta["name_header"] = header_name
            inst.name = stem
    inst.meta.setdefault("source", str(path))
    if bks is not None:
        inst.bks, inst.bks_source = bks, "command line"
    elif inst.bks is None:
        if inst.meta.get("fixed_edges"):
            _fixed_edges_reference(inst, path, stem, ext, header_name)
        else:
            _attach_known_best(inst, path, [stem, header_name])
    return inst


@dataclass
class _Known:
    """A known best found beside a file: ``value`` with its ``source``, and the ``routes`` that come with
    it (a ``.sol``), or ``checked`` when the checker computed ``value`` itself (an ``.opt.tour``);
    ``problem`` instead when the file cannot be used."""

    value: float | None
    source: str
    routes: list | None = None
    checked: bool = False
    problem: str | None = None


def _attach_known_best(inst: Instance, path: Path, keys: list[str]) -> _Known | None:
    """Set ``inst.bks`` from the first usable known best beside ``path`` for ``keys`` (in order); a value
    found that cannot be used (an unreadable file, 0, text) is skipped, and ``meta["bks_note"]`` says why.
    Returns the known best used, else the last one found, else None."""
    def found():
        yield from _known_bests(path.parent, keys)
        yield _opt_tour_length(path, inst, keys[0])

    skipped: list[str] = []
    last = None
    for known in found():
        if known is None:
            continue
        last = known
        if known.problem is not None:
            skipped.append(f"{known.source}: {known.problem}; not used")
            continue
        try:
            inst.bks = valid_bks(known.value, f"in {known.source}")
        except InvalidInstanceError as exc:  # a broken neighbour file must not stop reading the instance
            skipped.append(f"{exc}; not used")
            continue
        inst.bks_source = known.source
        if known.routes is not None:
            _check_sol_routes(inst, known)
        elif known.checked:
            inst.bks_checked = True
        break
    if skipped:
        # an unreadable table is met once per key (file name, NAME header): said once
        inst.meta["bks_note"] = "; ".join(dict.fromkeys(skipped + ([inst.meta["bks_note"]] if "bks_note" in inst.meta
                                                                   else [])))
    return last


def _check_sol_routes(inst: Instance, known: _Known) -> None:
    """Re-cost a ``.sol``'s routes with the checker (O(n)): its ``Cost`` line stays the reference (the
    literature's value) either way, but a mismatch is said in ``meta["bks_note"]``."""
    from graphroute.check import check
    from graphroute.exceptions import GraphrouteError

    cost = inst.bks
    try:
        res = check(inst, known.routes)  # type: ignore[arg-type]
    except GraphrouteError as exc:
        inst.bks_checked = False
        inst.meta["bks_note"] = f"{known.source}: its routes cannot be checked ({exc}); the Cost line is the reference"
        return
    tol = 1e-9 if inst.integral else 1e-6  # relative; a real-valued Cost line may be printed rounded
    if not res.feasible:
        inst.bks_checked = False
        inst.meta["bks_note"] = (f"{known.source}: its routes are not a feasible solution of this instance "
                                 f"({'; '.join(res.violations[:2])}); the Cost line {cost:g} is the reference")
    elif abs(res.cost - cost) > tol * max(1.0, abs(cost)):  # type: ignore[arg-type]
        inst.bks_checked = False
        inst.meta["bks_note"] = (f"{known.source}: its routes cost {res.cost:g} (Cost line {cost:g}); "
                                 "the Cost line is the reference")
    else:
        inst.bks_checked = True


def _fixed_edges_reference(inst: Instance, path: Path, stem: str, ext: str, header_name: str) -> None:
    """Known best of a file with a ``FIXED_EDGES_SECTION`` (TSPLIB linhp318).

    graphroute ignores fixed edges and solves the closed tour of the file's points, so a value listed
    for this file (linhp318's 41345, a Hamiltonian path with a fixed edge) is not its reference. The
    closed-tour value of the plain instance its ``NAME`` header names (lin318's 42029) is, but only when
    that instance's file lies beside this one and holds the same nodes under the same convention;
    otherwise there is no known best, and ``meta["note"]`` says why either way.
    """
    own = _known_best(path.parent, [stem])
    own_text = (f"{stem}'s listed {own.value:g} is for the fixed-edge variant"
                if own is not None and own.value is not None and math.isfinite(own.value) else "")
    plain = _same_plain_instance(inst, path, ext, header_name) if header_name != stem else None
    found = None
    if plain is not None:
        found = _attach_known_best(inst, plain, [header_name])
        if inst.bks is not None and not inst.bks_source.endswith(".sol"):  # type: ignore[union-attr]
            inst.bks_source = f"{inst.bks_source} ({header_name})"  # the row used is not this file's
    if inst.bks is not None:
        inst.meta["note"] = (f"FIXED_EDGES ignored: solved as the closed tour of {header_name}'s points "
                             f"({plain.name} holds the same nodes); the known best {inst.bks:g} is {header_name}'s "
                             f"closed-tour value" + (f" ({own_text})" if own_text else ""))
    else:
        if header_name == stem:
            why = "its NAME header names no other instance"
        elif plain is None:
            why = f"no file {header_name}{ext} with the same nodes beside it"
        else:
            why = f"no {'usable ' if found is not None else ''}known best for {header_name}"
        inst.meta["note"] = (f"FIXED_EDGES ignored: solved as a closed tour, with no known best ({why}"
                             + (f"; {own_text}" if own_text else "") + ")")


def _same_plain_instance(inst: Instance, path: Path, ext: str, name: str) -> Path | None:
    """The file ``name`` + ``ext`` (or ``.gz``) beside ``path`` when it holds ``inst``'s nodes, distance
    convention and demands without fixed edges; else None."""
    for cand in (_beside(path.parent, f"{name}{ext}"), _beside(path.parent, f"{name}{ext}.gz")):
        if cand is None or not cand.is_file() or cand.resolve() == path.resolve():
            continue
        try:
            other = parse_tsplib(_read_text(cand), name=name)
        except InvalidInstanceError:
            return None
        same = (
            not other.meta.get("fixed_edges")
            and other.problem == inst.problem
            and other.distance_type == inst.distance_type
            and other.n == inst.n
            and _same_array(other.coords, inst.coords)
            and _same_array(other.matrix, inst.matrix)
            and _same_array(other.demands, inst.demands)
            and other.capacity == inst.capacity
        )
        return cand if same else None
    return None


def _same_array(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


def _opt_tour_length(path: Path, inst: Instance, stem: str) -> _Known | None:
    """The length of a TSPLIB ``NAME.opt.tour`` beside ``path`` (its ``TOUR_SECTION``), costed by the
    checker under the instance's own convention; None when there is none. A tour that is not a tour
    of this instance is reported with the nodes at fault in the file's own 1-based numbering."""
    from collections import Counter

    from graphroute.check import check

    tour_file = _beside(path.parent, f"{stem}.opt.tour")
    if inst.problem != "tsp" or tour_file is None:
        return None
    try:
        lines = tour_file.read_text(encoding="utf-8-sig").splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip().upper().startswith("TOUR_SECTION"))
        nodes = []
        for tok in " ".join(lines[start + 1:]).split():
            if tok == "-1" or tok.upper() == "EOF":
                break
            nodes.append(int(tok))
    except (OSError, UnicodeDecodeError) as exc:
        return _Known(None, tour_file.name, problem=f"unreadable ({type(exc).__name__})")
    except StopIteration:
        return _Known(None, tour_file.name, problem="no TOUR_SECTION")
    except ValueError as exc:
        return _Known(None, tour_file.name, problem=f"not a list of node numbers ({exc})")
    n = inst.n
    counts = Counter(nodes)
    faults = []
    outside = sorted(v for v in counts if not 1 <= v <= n)
    twice = sorted(v for v, c in counts.items() if c > 1 and 1 <= v <= n)
    missing = [v for v in range(1, n + 1) if v not in counts]
    for what, vs in ((f"outside 1..{n}", outside), ("listed more than once", twice), ("missing", missing)):
        if vs:
            faults.append(f"node(s) {what}: {', '.join(map(str, vs[:8]))}" + (f" ... ({len(vs)} in all)"
                                                                               if len(vs) > 8 else ""))
    if faults:
        return _Known(None, tour_file.name,
                      problem=f"not a tour of this instance (file numbering 1..{n}: {'; '.join(faults)})")
    res = check(inst, [[v - 1 for v in nodes]])
    return _Known(res.cost, f"{tour_file.name} (tour length)", checked=True)


def valid_bks(value: Any, where: str = "given") -> float:
    """``value`` as a float if it is a finite number > 0 (the rule of the JSON ``bks`` field).

    0 is refused: no gap can be computed against it, and a silently missing gap hides the mistake.
    """
    try:
        b = float(value)
    except (TypeError, ValueError, OverflowError):
        b = math.nan
    if isinstance(value, bool) or not math.isfinite(b) or b <= 0:
        shown = f"{b:g}" if math.isfinite(b) else value
        raise InvalidInstanceError(f"known best cost {where} must be a finite number > 0, got {shown}")
    return b


def known_best_files(path: str | os.PathLike, inst: Instance) -> list[Path]:
    """The ``.sol`` files beside ``path`` that reading it looks up for a known best, whether they exist
    or not: ``<file stem>.sol``, then ``<NAME header or JSON name>.sol``. A solution written there would
    become the reference of every later run (``solve --out`` refuses them)."""
    path = Path(path)
    stem, _ = _strip_suffixes(path)
    keys = dict.fromkeys([stem, str(inst.meta.get("name_header", inst.name))])
    return [path.parent / f"{key}.sol" for key in keys
            if key and key not in (".", "..") and "\0" not in key and os.sep not in key
            and not (os.altsep and os.altsep in key)]


def _beside(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder`` when it exists there, else None.

    ``name`` is built from an instance name (a ``NAME`` header, the JSON ``name``), which may be
    anything: one that holds a path separator or a NUL, or that no file system takes as a name (too
    long), names no file beside the instance and is never looked up outside ``folder``.
    """
    if not name or name in (".", "..") or "\0" in name or "/" in name or (os.altsep and os.altsep in name) \
            or os.sep in name:
        return None
    path = folder / name
    try:
        return path if path.exists() else None
    except (OSError, ValueError):  # ENAMETOOLONG and kin
        return None


def _read_table(f: Path) -> list[dict[str, str]]:
    """The rows of a CSV table beside an instance; OSError / ValueError (not UTF-8, NUL bytes) when unusable."""
    with open(f, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _known_best(folder: Path, keys: list[str]) -> _Known | None:
    """The first known best for ``keys`` that :func:`_known_bests` finds (a problem included), or None."""
    return next(_known_bests(folder, keys), None)


def _known_bests(folder: Path, keys: list[str]):  # noqa: ANN202
    """Every known best found for ``keys``, in order: all sources for the first key, then the next.

    A table (``bks.csv``, ``solutions``, ...) that cannot be read (not UTF-8 text, not CSV) is
    given as a problem, as an unreadable ``.sol`` is: the caller notes it and looks further.
    """
    tables: dict[str, list[dict[str, str]] | str] = {}  # each table read once, or why it cannot be

    def table(name: str) -> list[dict[str, str]] | str | None:
        if name not in tables:
            f = _beside(folder, name)
            if f is None:
                return None
            try:
                tables[name] = _read_table(f) if name != "solutions" else [
                    {"line": line} for line in f.read_text(encoding="utf-8-sig").splitlines()]
            except (OSError, ValueError, csv.Error) as exc:  # UnicodeDecodeError is a ValueError
                tables[name] = f"unreadable ({type(exc).__name__}: {str(exc)[:80]})"
        return tables[name]

    for key in dict.fromkeys(keys):
        sol = _beside(folder, f"{key}.sol")
        if sol is not None:
            try:
                routes, cost = read_sol(sol)
            except Exception as exc:  # noqa: BLE001 - a broken neighbour file must not stop reading the instance
                yield _Known(None, sol.name, problem=str(exc))
            else:
                if cost is not None:
                    yield _Known(cost, sol.name, routes=routes)
        for name in ("bks.csv", "optimal_tour_lengths.csv"):
            rows = table(name)
            if isinstance(rows, str):
                yield _Known(None, name, problem=rows)
                continue
            mine = [row for row in rows or () if (row.get("name") or row.get("instance")) == key]
            if len({repr(sorted(map(str, row.items()))) for row in mine}) > 1:  # the first one won silently
                yield _Known(None, name, problem=f"{key} is listed {len(mine)} times with different values")
                continue
            found = _table_value(mine, key, name)
            if found is not None:
                yield found
        rows = table("solutions")
        if isinstance(rows, str):
            yield _Known(None, "solutions", problem=rows)
            continue
        for row in rows or ():
            k, _, val = row["line"].partition(":")
            if k.strip() == key:
                try:
                    yield _Known(float(val.split()[0]), "solutions")
                except (ValueError, IndexError):
                    yield _Known(None, "solutions", problem=f"{key}'s value {val.strip()!r} is not a number")
                break


def _table_value(mine: list[dict[str, str]], key: str, name: str) -> _Known | None:
    """The known best of ``key``'s rows ``mine`` of the table ``name``: the first number in a value
    column, else the problem with the row (a row without a number is said, not dropped silently)."""
    for row in mine:
        cols = [c for c in ("bks", "optimal_tour_length", "optimum", "cost") if c in row]
        for col in cols:
            if row.get(col):
                try:
                    return _Known(float(row[col]), name)
                except ValueError:
                    pass
        if cols:
            return _Known(None, name, problem=f"{key}'s {cols[0]} {row.get(cols[0]) or ''!r} is not a number")
    return None


# ----------------------------------------------------------------------------- JSON
def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object whose keys are all different (``json`` would keep the last of a repeated key)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise InvalidInstanceError(f"key {repeated!r} given twice in one JSON object")
    return obj


_NUMBERS_ONLY = object()


def _first_non_number(v: Any) -> Any:
    """The first entry of a (nested) list that is not a JSON number, else ``_NUMBERS_ONLY``: numpy would
    read true/false as 1/0, a quoted number ``"0.5"`` as 0.5 and null as NaN."""
    if isinstance(v, list):
        for x in v:
            bad = _first_non_number(x)
            if bad is not _NUMBERS_ONLY:
                return bad
        return _NUMBERS_ONLY
    return v if isinstance(v, bool) or not isinstance(v, (int, float)) else _NUMBERS_ONLY


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
    if ndim == 2 and isinstance(v, list) and all(isinstance(r, list) for r in v) and len({len(r) for r in v}) > 1:
        lengths = sorted({len(r) for r in v})
        raise InvalidInstanceError(f"field {key!r} must have rows of equal length, got rows of {lengths[0]} to "
                                   f"{lengths[-1]} entries")
    try:
        bad = _first_non_number(v)
    except RecursionError:
        raise InvalidInstanceError(f"field {key!r} must hold only numbers") from None
    if isinstance(bad, bool):
        raise InvalidInstanceError(f"field {key!r} must hold only numbers, got true/false")
    if bad is not _NUMBERS_ONLY:
        got = "null" if bad is None else f"the text {bad!r}" if isinstance(bad, str) else type(bad).__name__
        raise InvalidInstanceError(f"field {key!r} must hold only numbers, got {got}")
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise InvalidInstanceError(f"field {key!r} must hold only numbers") from None
    if a.size == 0 and isinstance(v, list):
        raise InvalidInstanceError(f"field {key!r} is empty: an instance needs at least 1 node (the depot or first city)")
    if a.ndim != ndim:
        shape = "a list of numbers" if ndim == 1 else "a list of lists of numbers (rows of equal length)"
        raise InvalidInstanceError(f"field {key!r} must be {shape}")
    return a


def _load_list(v: Any, key: str) -> list:
    """A JSON list of numbers as it was parsed: integers stay Python ints, exact beyond 2**53 (a float64
    array would read 2**53 + 1 as 2**53); the instance checks the values."""
    if not isinstance(v, list) or any(isinstance(x, (list, dict)) for x in v):
        raise InvalidInstanceError(f"field {key!r} must be a list of numbers")
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
        raise InvalidInstanceError(f"field {key!r} must hold only numbers")
    return v


def instance_from_dict(obj: Any, *, default_name: str = "instance") -> Instance:
    """Build an :class:`Instance` from a parsed graphroute JSON object (format version 1)."""
    if not isinstance(obj, dict):
        raise InvalidInstanceError(f"an instance must be a JSON object, got {type(obj).__name__}")
    fmt = obj.get("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        raise InvalidInstanceError(f"field 'format' must be {FORMAT_NAME!r}, got {fmt!r}")
    version = obj.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or version != FORMAT_VERSION:  # true == 1 in Python
        raise InvalidInstanceError(f"field 'version' must be the integer 1 (the format version this graphroute reads), "
                                   f"got {version!r}")
    known = {
        "format", "version", "name", "problem", "distance", "coords", "matrix", "durations",
        "demands", "capacity", "num_vehicles", "bks", "meta",
    }
    unknown = sorted(set(obj) - known)
    if unknown:
        raise InvalidInstanceError(f"unknown field(s) {', '.join(map(repr, unknown))}")
    problem = _get(obj, "problem", (str,), "a string", required=True).lower()  # "CVRP" as "distance" takes "euc_2d"
    name = _get(obj, "name", (str,), "a string") or default_name
    coords = obj.get("coords")
    matrix = obj.get("matrix")
    default_dist = "EXPLICIT" if matrix is not None else "EXACT"
    dist = _get(obj, "distance", (str,), "a string") or default_dist
    durations = obj.get("durations")
    demands = obj.get("demands")
    if demands is not None:
        demands = _load_list(demands, "demands")
    return Instance(
        problem=problem,
        name=name,
        coords=None if coords is None else _num_array(coords, "coords", 2),
        distance_type=dist.upper(),
        matrix=None if matrix is None else _num_array(matrix, "matrix", 2),
        durations=None if durations is None else _num_array(durations, "durations", 2),
        demands=demands,
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
    obj["meta"] = {k: _plain_json(v, f"meta[{k!r}]") for k, v in inst.meta.items() if k != "source"}
    return obj


def _plain_json(v: Any, where: str) -> Any:
    """``v`` as plain JSON values: numpy scalars and arrays become Python numbers and lists, tuples lists;
    anything else JSON cannot hold is refused with :class:`InvalidInstanceError` naming ``where`` (a meta key)."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, np.ndarray):
        v = v.tolist()  # Python scalars, nested lists
    elif isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, (bool, int, float, str)):
            return v
    if isinstance(v, (list, tuple)):
        return [_plain_json(x, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if isinstance(k, np.generic):
                k = k.item()
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise InvalidInstanceError(f"{where} has a key of type {type(k).__name__}, which JSON cannot hold")
            out[k] = _plain_json(x, f"{where}[{k!r}]")
        return out
    raise InvalidInstanceError(f"{where} is a {type(v).__name__}, which JSON cannot hold; meta takes numbers, "
                               "strings, booleans, null, lists and dicts")


def instance_text(inst: Instance) -> str:
    """The graphroute JSON text :func:`write_instance` writes for ``inst``."""
    return json.dumps(instance_to_dict(inst), separators=(",", ":")) + "\n"


def write_instance(inst: Instance, path: str | Path) -> None:
    """Write ``inst`` as graphroute JSON, atomically.

    The name must end in ``.json``: :func:`read_instance` reads a file by its suffix, so JSON under
    ``.vrp`` (or no suffix) would not read back. Anything but an :class:`Instance` and a path is refused."""
    if not isinstance(inst, Instance):
        raise InvalidArgumentError(f"write_instance writes an Instance, got {type(inst).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"path must be a file path, got {type(path).__name__} {path!r:.60}")
    suffix = Path(path).suffix.lower()
    if suffix != ".json":  # read_instance goes by the suffix: another one, or none, would not read back
        raise InvalidArgumentError(f"{path}: write_instance writes graphroute JSON; name the file .json "
                                   + (f"(a {suffix} file is read as that format)" if suffix else "(read_instance "
                                      "reads a file by its suffix)"))
    atomic_write_text(path, instance_text(inst))


def write_solution_sol(routes: list[list[int]], cost: float, path: str | Path) -> None:
    """Write a VRPLIB ``.sol`` file atomically."""
    atomic_write_text(path, format_sol(routes, cost))


def finite_json(v: Any) -> Any:
    """``v`` with every NaN / infinity (an unknown or unbounded value) as None: JSON has no NaN."""
    if isinstance(v, float) and not math.isfinite(v):  # np.float64 too (a float subclass)
        return None
    if isinstance(v, dict):
        return {k: finite_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite_json(x) for x in v]
    return v


def json_text(obj: Any, indent: int | None = None) -> str:
    """Strict JSON of ``obj``: a non-finite number is null (Python's json writes NaN / Infinity, which
    parsers refuse), numpy scalars and arrays as their Python values."""
    return json.dumps(finite_json(obj), indent=indent, default=lambda o: finite_json(_json_default(o)), allow_nan=False)


def write_json(obj: Any, path: str | Path) -> None:
    """Write a JSON object atomically (pretty-printed, strict: see :func:`json_text`)."""
    atomic_write_text(path, json_text(obj, indent=1) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o) if math.isfinite(o) else None
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
