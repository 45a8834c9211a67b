"""Comparison suites: which instances, which solvers, which baseline, what time, which seeds.

A suite is a YAML file (``experiments/suites/NAME.yaml``)::

    name: cvrplib-x-small
    description: shared CVRPLIB X instances with at most 300 customers
    instances:
      - glob: ../shared/data/vrp/cvrplib/X/*.vrp   # files, folders or globs (relative to the repo root)
        max_n: 300                                 # optional: at most 300 customers (CVRP) or cities (TSP)
      - generate: {problem: cvrp, size: 50, distribution: uniform, count: 10, seed: 0, asymmetric: false}
      - road: {graph: ../shared/data/road/andorra-osm/andorra-...osm.pbf, customers: 50, count: 2, seed: 0,
               clustered: false}
    solvers: [ortools, pyvrp, savings, neural]
    baseline: ortools
    time_limit: 10
    seeds: [0]

Generated instances are written into the output folder (``DIR/instances/``) so that every run
reads a file and the comparison can be repeated exactly; they are written only once the folder has
accepted the grid (a folder holding another grid is refused before anything is written).
"""

from __future__ import annotations

import glob as globlib
import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphroute.exceptions import ConfigError, InvalidArgumentError, UnknownNameError
from graphroute.problems.io import INSTANCE_SUFFIXES

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITES_DIR = REPO_ROOT / "experiments" / "suites"

_SUITE_KEYS = {"name", "description", "instances", "solvers", "baseline", "time_limit", "seeds", "workers", "options",
               "plot_routes"}


@dataclass
class InstanceRef:
    """One instance of a grid: a unique key and the file a worker reads."""

    key: str
    path: str
    #: graphroute JSON text of a generated instance not written yet: :func:`~graphroute.compare.core.run_compare`
    #: writes it to ``path`` only once the results folder has accepted the grid.
    pending: str | None = None

    def content(self) -> bytes:
        """The bytes a worker will read: the pending text, else the file's."""
        if self.pending is not None and not Path(self.path).exists():
            return self.pending.encode()
        return Path(self.path).read_bytes()

    def materialize(self) -> bool:
        """Write a pending generated instance to ``path`` (a file already there is reused).

        Returns whether a file was written.
        """
        wrote = False
        if self.pending is not None:
            if not Path(self.path).exists():
                from graphroute.problems.io import atomic_write_text

                atomic_write_text(self.path, self.pending)
                wrote = True
            self.pending = None
        return wrote


@dataclass
class Suite:
    name: str
    instances: list[dict[str, Any]] = field(default_factory=list)
    solvers: list[str] = field(default_factory=lambda: ["ortools", "pyvrp", "savings"])
    baseline: str = "ortools"
    time_limit: float = 10.0
    seeds: list[int] = field(default_factory=lambda: [0])
    description: str = ""
    workers: int | None = None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    plot_routes: int = 2
    source: str | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Suite:
        import yaml

        path = Path(path)
        try:
            obj = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"no such suite file: {path}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(obj, dict):
            raise ConfigError(f"{path.name}: a suite must be a YAML mapping")
        unknown = sorted(set(obj) - _SUITE_KEYS)
        if unknown:
            raise ConfigError(f"{path.name}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_SUITE_KEYS))}")
        try:
            suite = cls(**{k: v for k, v in obj.items()})
        except TypeError as exc:
            raise ConfigError(f"{path.name}: {exc}") from None
        if (not isinstance(suite.name, str) or suite.name in ("", ".", "..") or any(c in suite.name for c in "/\\")
                or not suite.name.isprintable()):
            # the default results folder is runs/compare/NAME: '../../x' wrote outside it
            raise ConfigError(f"{path.name}: 'name' must be a plain folder name (no '/', '\\', '..' or control "
                              f"characters), got {suite.name!r}")
        if not isinstance(suite.instances, list):
            raise ConfigError(f"{path.name}: 'instances' must be a list")
        if not isinstance(suite.solvers, list) or not all(isinstance(s, str) for s in suite.solvers):
            raise ConfigError(f"{path.name}: 'solvers' must be a list of solver names")
        if not isinstance(suite.baseline, str):  # a list was a traceback (unhashable) in the grid
            raise ConfigError(f"{path.name}: 'baseline' must be one solver name, got {suite.baseline!r}")
        if not isinstance(suite.seeds, list) or not all(isinstance(s, int) for s in suite.seeds):
            raise ConfigError(f"{path.name}: 'seeds' must be a list of integers")
        if (isinstance(suite.time_limit, bool) or not isinstance(suite.time_limit, (int, float))
                or not math.isfinite(suite.time_limit) or suite.time_limit <= 0):
            raise ConfigError(f"{path.name}: 'time_limit' must be a positive number of seconds")
        if suite.workers is not None and (isinstance(suite.workers, bool) or not isinstance(suite.workers, int)
                                          or suite.workers < 1):
            raise ConfigError(f"{path.name}: 'workers' must be an integer >= 1")
        if isinstance(suite.plot_routes, bool) or not isinstance(suite.plot_routes, int) or suite.plot_routes < 0:
            raise ConfigError(f"{path.name}: 'plot_routes' must be an integer >= 0")
        if suite.options is None:
            suite.options = {}
        if not isinstance(suite.options, dict) or not all(isinstance(v, dict) for v in suite.options.values()):
            # [1, 2] or {ortools: 3} was a traceback in the grid check
            raise ConfigError(f"{path.name}: 'options' must map solver names to mappings of options "
                              "({ortools: {gls_lambda: 0.2}})")
        from graphroute.solvers import SOLVERS

        unknown = [str(k) for k in suite.options if k not in SOLVERS]
        if unknown:  # options under a misspelt name were dropped without a word
            raise ConfigError(f"{path.name}: 'options' names unknown solver(s) {', '.join(unknown)}; available: "
                              f"{', '.join(SOLVERS)}")
        suite.source = str(path)
        return suite


def available_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))


def find_suite(name_or_path: str) -> Suite:
    """A suite by file path or by name in ``experiments/suites``; fails listing what exists."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return Suite.from_yaml(p)
    if len(p.parts) > 1:  # a path that is not there: /missing/cvrplib-x-small.yaml ran the shipped suite of that name
        raise UnknownNameError(f"no such suite file: {name_or_path}")
    cand = SUITES_DIR / f"{p.stem if p.suffix in ('.yaml', '.yml') else name_or_path}.yaml"
    if cand.exists():
        return Suite.from_yaml(cand)
    raise UnknownNameError(f"unknown suite {name_or_path!r}; available: {', '.join(available_suites()) or '(none)'}")


def _resolve_path(pattern: str) -> list[Path]:
    """Files for a path, folder or glob; relative patterns are tried from the cwd, then the repo root."""
    for base in (Path.cwd(), REPO_ROOT):
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        p = Path(full)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if _is_instance_file(f))
        elif any(ch in pattern for ch in "*?["):
            files = sorted(Path(f) for f in globlib.glob(full, recursive=True) if _is_instance_file(Path(f)))
        else:
            files = [p] if p.exists() else []
        if files:
            return files
    return []


def _is_instance_file(p: Path) -> bool:
    name = p.name[:-3] if p.name.endswith(".gz") else p.name
    return p.is_file() and any(name.endswith(s) for s in INSTANCE_SUFFIXES)


def _quick_size(path: Path) -> int | None:
    """Customers (CVRP: nodes but the depot) or cities (TSP) without a full parse where the
    TSPLIB header says it (the DIMENSION line), for the max_n filter; None when unreadable."""
    from graphroute.problems.io import read_instance

    if path.suffix in (".vrp", ".tsp", ".atsp"):
        with open(path, errors="replace") as fh:
            for _, line in zip(range(40), fh):
                if line.strip().upper().startswith("DIMENSION"):
                    try:
                        n = int(line.split(":")[-1].strip())
                    except ValueError:
                        return None
                    return n - 1 if path.suffix == ".vrp" else n
        return None
    try:
        return read_instance(path).num_customers
    except Exception:  # noqa: BLE001 - unreadable files are kept; their run is recorded as failed
        return None


def resolve_instances(entries: list[Any], workdir: Path) -> list[InstanceRef]:
    """Expand suite ``instances`` entries (and CLI files) into unique instance references.

    Unreadable files are kept: their runs are recorded as failed and the others go on.
    """
    refs: list[InstanceRef] = []
    road_stems: dict[str, Path] = {}  # name stem of road instances -> the graph file it stands for
    for entry in entries:
        if isinstance(entry, (str, Path)):
            entry = {"glob": str(entry)}
        if not isinstance(entry, dict) or len({"glob", "generate", "road"} & set(entry)) != 1:
            raise ConfigError(f"instance entry {entry!r} needs exactly one of glob, generate, road")
        if "glob" in entry:
            files = _resolve_path(str(entry["glob"]))
            if not files:
                raise InvalidArgumentError(f"no instance files match {entry['glob']!r}")
            if set(entry) - {"glob", "max_n"}:
                raise ConfigError(f"glob entry takes glob, max_n; got {entry!r}")
            max_n = _entry_int(entry, "max_n", None, "glob")
            for f in files:
                if max_n is not None:
                    size = _quick_size(f)
                    if size is not None and size > max_n:
                        continue
                refs.append(InstanceRef(_stem(f), str(f)))
        elif "generate" in entry:
            refs.extend(_generated(entry["generate"], workdir))
        else:
            refs.extend(_road(entry["road"], workdir, road_stems))
    # unique keys (two files with one stem get a short hash; one file named twice is one instance, whatever
    # the spelling: x/../x/f.vrp, a symlinked folder or an absolute path)
    seen: dict[str, set[str]] = {}
    for r in refs:
        seen.setdefault(r.key, set()).add(os.path.realpath(r.path))
    for r in refs:
        if len(seen[r.key]) > 1:
            r.key = f"{r.key}-{hashlib.sha1(r.path.encode()).hexdigest()[:6]}"
    uniq: dict[str, InstanceRef] = {}
    for r in refs:
        uniq.setdefault(r.key, r)
    if not uniq:
        raise InvalidArgumentError("the instance list is empty")
    return list(uniq.values())


def check_instances(refs: list[InstanceRef]) -> None:
    """Read every instance file of ``refs`` once, before any solver runs; raise
    :class:`~graphroute.exceptions.InvalidInstanceError` naming the first file that is not a valid
    instance. (Generated instances not written yet were built, and so checked, already.)

    :func:`resolve_instances` keeps unreadable files, and a grid records their runs as failed; the
    ``compare`` command calls this first, so that a bad file is one error instead of failed rows.
    """
    from graphroute.exceptions import GraphrouteError, InvalidInstanceError
    from graphroute.problems.io import read_instance

    for ref in refs:
        if ref.pending is not None:
            continue
        try:
            read_instance(ref.path)
        except GraphrouteError as exc:
            msg = str(exc)
            name = Path(ref.path).name
            msg = msg.removeprefix(f"{name}: ") if not msg.startswith(ref.path) else msg.removeprefix(f"{ref.path}: ")
            raise InvalidInstanceError(f"{ref.path}: {msg}") from None


def _stem(p: Path) -> str:
    name = p.name[:-3] if p.name.endswith(".gz") else p.name
    return name.rsplit(".", 1)[0]


def _entry_int(spec: dict[str, Any], key: str, default: int | None, what: str, minimum: int | None = 1) -> int | None:
    """``spec[key]`` as an integer >= ``minimum`` (``default`` when absent); a bool, a fraction or text
    is a :class:`ConfigError` naming the entry and the key, not a silent ``int()``."""
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ConfigError(f"{what} entry key {key!r} must be an integer{bound}, got {value!r}")
    return value


def _entry_bool(spec: dict[str, Any], key: str, what: str) -> bool:
    """``spec[key]`` as true/false (False when absent); the YAML text 'false' is not true."""
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{what} entry key {key!r} must be true or false, got {value!r}")
    return value


def _generated(spec: dict[str, Any], workdir: Path) -> list[InstanceRef]:
    from graphroute.problems.generate import check_generate_count, check_generate_size, check_generator_seed, generate
    from graphroute.problems.io import instance_text, read_instance

    allowed = {"problem", "size", "distribution", "count", "seed", "asymmetric"}
    if not isinstance(spec, dict) or set(spec) - allowed:
        raise ConfigError(f"generate entry takes {', '.join(sorted(allowed))}; got {spec!r}")
    count = _entry_int(spec, "count", 1, "generate")
    seed = check_generator_seed(_entry_int(spec, "seed", 0, "generate", minimum=None))
    size = _entry_int(spec, "size", 50, "generate")
    asymmetric = _entry_bool(spec, "asymmetric", "generate")
    # before any instance is built: the size first, then the set
    check_generate_count(count, check_generate_size(size, asymmetric))
    out = []
    for k in range(count):
        inst = generate(spec.get("problem", "cvrp"), size, distribution=spec.get("distribution", "uniform"),
                        seed=seed + k, asymmetric=asymmetric)
        path = workdir / "instances" / f"{inst.name}.json"
        if not path.exists():  # written by run_compare once the folder accepts the grid
            out.append(InstanceRef(inst.name, str(path), pending=instance_text(inst)))
        else:  # reuse, so a resumed run reads the very same file, but only if it is the instance asked for
            read_instance(path)
            if path.read_text(encoding="utf-8") != instance_text(inst):  # an edited or planted file ran silently
                raise InvalidArgumentError(f"{path} is not the instance this generate entry makes ({spec!r}); "
                                           "remove it (or give another --out) to generate it again")
            out.append(InstanceRef(inst.name, str(path)))
    return out


def _road(spec: dict[str, Any], workdir: Path, stems: dict[str, Path] | None = None) -> list[InstanceRef]:
    """Road VRP instances of one ``road`` entry. ``stems`` (shared by the entries of one suite) maps
    an instance-name stem to the graph file it stands for: a second graph file with the same stem
    (``a/city.gr`` and ``b/city.gr``) gets a short hash of its path in its names, so that its
    instances neither collide with the first file's nor overwrite them in ``DIR/instances/``."""
    try:
        from graphroute.graphs import read_any
        from graphroute.graphs.road_vrp import road_vrp_instance
    except ImportError as exc:
        raise ConfigError(f"road instances need graphroute.graphs ({exc})") from None
    from graphroute.problems.generate import check_generate_count, check_generator_seed
    from graphroute.problems.io import instance_text

    allowed = {"graph", "customers", "count", "seed", "clustered"}
    if not isinstance(spec, dict) or set(spec) - allowed or "graph" not in spec:
        raise ConfigError(f"road entry needs graph and takes {', '.join(sorted(allowed))}; got {spec!r}")
    files = _resolve_path(str(spec["graph"]))
    graph_path = files[0] if files else None
    if graph_path is None:
        graph_path = Path(str(spec.get("graph")))
        if not graph_path.exists():
            raise InvalidArgumentError(f"road graph not found: {spec.get('graph')!r}")
    count = _entry_int(spec, "count", 1, "road")
    seed = check_generator_seed(_entry_int(spec, "seed", 0, "road", minimum=None))
    customers = _entry_int(spec, "customers", 50, "road")
    clustered = _entry_bool(spec, "clustered", "road")
    check_generate_count(count, customers + 1)
    stem = _stem(graph_path).split(".")[0]
    if stems is not None:
        here = graph_path.resolve()
        if stems.setdefault(stem, here) != here:
            stem = f"{stem}-{hashlib.sha1(str(here).encode()).hexdigest()[:6]}"
    graph = None
    out = []
    for k in range(count):
        name = f"{stem}-acvrp{customers}{'-cl' if clustered else ''}-s{seed + k}"
        path = workdir / "instances" / f"{name}.json"
        if not path.exists():
            if graph is None:
                graph = read_any(graph_path)
            inst = road_vrp_instance(graph, customers=customers, clustered=clustered,
                                     seed=seed + k, name=name, source=str(graph_path))
            out.append(InstanceRef(name, str(path), pending=instance_text(inst)))
        else:
            out.append(InstanceRef(name, str(path)))
    return out
