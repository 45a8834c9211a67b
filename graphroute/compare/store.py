"""Durable result store of a comparison: one SQLite file, ``DIR/results.sqlite``.

Each finished run is committed as it arrives (one row per ``(instance, solver, seed)``), so an
interrupted comparison keeps everything that finished and a rerun skips it. The grid a folder
belongs to is recorded once; a different grid in the same folder is refused with the difference.
The instance files a comparison generated into the folder are recorded too (``files``), so that
``--fresh`` removes exactly those and never a file of the user's.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any

from graphroute.exceptions import InvalidArgumentError

STATUSES = ("ok", "infeasible", "failed", "timeout", "crashed", "unsupported")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grid (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS runs (
    instance TEXT NOT NULL,
    solver TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    cost REAL,
    feasible INTEGER,
    runtime_s REAL,
    num_routes INTEGER,
    bks REAL,
    problem TEXT,
    n INTEGER,
    error TEXT,
    path TEXT,
    finished_at REAL,
    PRIMARY KEY (instance, solver, seed)
);
"""

_COLUMNS = {"grid": {"key", "value"}, "files": {"path"},
            "runs": {"instance", "solver", "seed", "status", "cost", "feasible", "runtime_s", "num_routes", "bks",
                     "problem", "n", "error", "path", "finished_at"}}


class ResultStore:
    """SQLite store; only the coordinating process writes to it."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "results.sqlite"
        if self.path.exists() and not self.path.is_file():
            raise InvalidArgumentError(f"{self.path} is not a file; remove it, or give another --out folder")
        self.db = sqlite3.connect(self.path, timeout=30)
        try:  # checked before anything is written: a file that is not ours is left exactly as it was
            for table, want in _COLUMNS.items():  # a database of something else with tables of the same names
                have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                if have and not want <= have:
                    raise sqlite3.DatabaseError(f"its table {table!r} lacks {', '.join(sorted(want - have))}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            self.db.commit()
        except sqlite3.DatabaseError as exc:  # not a database, damaged, locked by another process
            self.db.close()
            raise InvalidArgumentError(f"{self.path} cannot be used as a comparison's results store ({exc}); "
                                       "remove it, or give another --out folder") from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ grid identity
    def grid(self) -> dict[str, Any]:
        """The grid fingerprint recorded in this folder (empty when none is)."""
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM grid").fetchall()}

    def bind_grid(self, grid: dict[str, Any], *, fresh: bool = False) -> None:
        """Record the grid of this folder, or check that it is the one already recorded.

        ``fresh`` forgets the recorded grid, its runs and its generated files first (the files
        themselves are the caller's to remove: see :func:`graphroute.compare.core.clear_outputs`).
        """
        cur = dict(self.db.execute("SELECT key, value FROM grid").fetchall())
        if fresh:
            self.db.execute("DELETE FROM grid")
            self.db.execute("DELETE FROM runs")
            self.db.execute("DELETE FROM files")
            cur = {}
        if cur:
            old = {k: json.loads(v) for k, v in cur.items()}
            if "references" not in old:  # a folder from before the BKS were recorded: nothing to check them against
                old["references"] = grid.get("references")
            diffs = [k for k in sorted(set(old) | set(grid)) if k != "references" and old.get(k) != grid.get(k)]
            changed = _changed_reference(old.get("references") or {}, grid.get("references") or {})
            if changed and not diffs:
                raise InvalidArgumentError(f"{self.folder}: {changed}; the stored gaps are against the old one: "
                                           "use --fresh to rerun the grid, or another --out")
            if diffs:
                raise InvalidArgumentError(
                    f"{self.folder} holds results of a different grid ({first_difference(old, grid)}); "
                    "use another --out or --fresh to start over"
                )
            return
        self.db.executemany("INSERT INTO grid VALUES (?, ?)", [(k, json.dumps(v)) for k, v in grid.items()])
        self.db.commit()

    # ------------------------------------------------------------------ files written
    def add_file(self, path: str | Path) -> None:
        """Record a file the comparison wrote into the folder (a generated instance)."""
        try:
            rel = Path(path).resolve().relative_to(self.folder.resolve())
        except ValueError:  # outside the folder (a generated set written elsewhere): not ours to remove
            return
        self.db.execute("INSERT OR IGNORE INTO files VALUES (?)", (rel.as_posix(),))
        self.db.commit()

    def files(self) -> list[Path]:
        """The recorded files, as paths inside the folder."""
        return [self.folder / p for (p,) in self.db.execute("SELECT path FROM files ORDER BY path")]

    # ------------------------------------------------------------------ runs
    def done(self, retry: tuple[str, ...] = ()) -> set[tuple[str, str, int]]:
        """The (instance, solver, seed) of the stored runs, less those whose status is in ``retry``."""
        rows = self.db.execute("SELECT instance, solver, seed, status FROM runs")
        return {(i, s, int(seed)) for i, s, seed, status in rows if status not in retry}

    def add(self, row: dict[str, Any]) -> None:
        if row["status"] not in STATUSES:
            raise ValueError(f"unknown status {row['status']!r}")
        cols = ["instance", "solver", "seed", "status", "cost", "feasible", "runtime_s", "num_routes", "bks",
                "problem", "n", "error", "path"]
        vals = [row.get(c) for c in cols] + [time.time()]
        self.db.execute(
            f"INSERT OR REPLACE INTO runs ({', '.join(cols)}, finished_at) VALUES ({', '.join('?' * (len(cols) + 1))})",
            vals,
        )
        self.db.commit()

    def rows(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM runs ORDER BY instance, solver, seed")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def _changed_reference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The first instance whose known best (BKS) differs between two grid records, in words."""
    for key in sorted(set(old) & set(new)):
        (a, src_a), (b, src_b) = old[key], new[key]
        if a != b and not (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)):
            return (f"the known best of {key} changed since its runs: {_bks_words(a, src_a)} there, "
                    f"{_bks_words(b, src_b)} now")
    return None


def _bks_words(bks: Any, source: Any) -> str:
    if bks is None:
        return "none"
    return format(bks, ".12g") + (f" (from {source})" if source else "")


def first_difference(old: Any, new: Any, where: str = "") -> str:
    """Name the first item where two grid fingerprints differ: ``instances[3]: [...] there, [...] now``."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            if old.get(k) != new.get(k):
                name = f"{where}{'.' if where else ''}{k}"
                if k not in old or k not in new:
                    return f"{name}: {_short(old.get(k, '(none)'))} there, {_short(new.get(k, '(none)'))} now"
                return first_difference(old[k], new[k], name)
    if isinstance(old, list) and isinstance(new, list):
        if all(isinstance(v, (str, int, float)) for v in old + new):  # solvers, seeds: what was added or removed
            gone = [v for v in old if v not in new]
            added = [v for v in new if v not in old]
            if gone or added:
                parts = ([f"{', '.join(map(_short, gone))} there only"] if gone else []) + (
                    [f"{', '.join(map(_short, added))} now only"] if added else [])
                return f"{where}: {'; '.join(parts)}"
        for i, (a, b) in enumerate(zip(old, new)):
            if a != b:
                return f"{where}[{i}]: {_short(a)} there, {_short(b)} now"
        if len(old) != len(new):
            i = min(len(old), len(new))
            extra = f"{_short(old[i])} there only" if len(old) > len(new) else f"{_short(new[i])} now only"
            return f"{where}: {len(old)} items there, {len(new)} now; [{i}]: {extra}"
    return f"{where}: {_short(old)} there, {_short(new)} now"


def _short(v: Any) -> str:
    s = json.dumps(v)
    return s if len(s) <= 60 else s[:57] + "..."
