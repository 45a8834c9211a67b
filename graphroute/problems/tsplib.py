"""Reader for the TSPLIB / VRPLIB text format (``.tsp``, ``.atsp``, ``.vrp``) and ``.sol`` files.

graphroute parses these files itself rather than through ``vrplib``: ``vrplib`` 2.x returns
unrounded ``EUC_2D`` distances and rejects some TSPLIB edge-weight formats
(``LOWER_DIAG_ROW`` with ``EXPLICIT``). Distances are *not* computed here; the
:class:`~graphroute.problems.instance.Instance` keeps the convention and computes them.

Supported: ``TYPE`` TSP, ATSP, CVRP; ``EDGE_WEIGHT_TYPE`` EUC_2D, CEIL_2D, ATT, GEO, MAN_2D,
MAX_2D, EXPLICIT with every TSPLIB ``EDGE_WEIGHT_FORMAT`` (FULL_MATRIX, UPPER_ROW, LOWER_ROW,
UPPER_DIAG_ROW, LOWER_DIAG_ROW and their ``_COL`` twins).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidInstanceError, InvalidSolutionError
from graphroute.problems.instance import Instance

_SECTIONS = {
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "DEPOT_SECTION",
    "EDGE_WEIGHT_SECTION",
    "DISPLAY_DATA_SECTION",
    "FIXED_EDGES_SECTION",
    "TOUR_SECTION",
}
# Sections of VRP variants graphroute does not solve: reading them as CVRP would be wrong.
_UNSUPPORTED_SECTIONS = {
    "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION",
    "PICKUP_SECTION",
    "BACKHAUL_SECTION",
    "LINEHAUL_SECTION",
    "DELIVERY_SECTION",
    "RELEASE_TIME_SECTION",
    "PRIZE_SECTION",
}
_TRUCKS_RE = re.compile(r"\bno\.? of trucks\s*:\s*(\d+)", re.IGNORECASE)
# Some TSPLIB files name themselves with their suffix (pa561's "NAME: pa561.tsp", ulysses16's).
_NAME_SUFFIX_RE = re.compile(r"\.(tsp|vrp|atsp|sop|hcp)$", re.IGNORECASE)
_KEY_RE = re.compile(r"^\s*([A-Z_][A-Z0-9_]*)\s*(?::\s*(.*?))?\s*$")


def _split_lines(text: str) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        tokens = line.split()
        head = tokens[0].rstrip(":")
        if head == "EOF":
            break
        if head in _SECTIONS or head in _UNSUPPORTED_SECTIONS or head.endswith("_SECTION"):
            current = head
            sections.setdefault(current, [])
            rest = line[len(tokens[0]):].strip().lstrip(":").split()
            if rest:
                sections[current].append(rest)
            continue
        m = _KEY_RE.match(line)
        if m and not re.match(r"^-?[0-9.]", head) and m.group(2) is not None:
            key, value = m.group(1), m.group(2).strip()
            if key in header:  # several COMMENT lines are one comment; another key given twice, two ways, is ambiguous
                if key == "COMMENT":
                    value = f"{header[key]} {value}"
                elif value != header[key]:
                    raise InvalidInstanceError(f"header key {key} given twice ({header[key][:40]!r}, then {value[:40]!r})")
            header[key] = value
            current = None
            continue
        if current is None:
            raise InvalidInstanceError(f"unexpected line outside any section: {line[:60]!r}")
        sections[current].append(tokens)
    return header, sections


def _numbers(rows: list[list[str]], what: str) -> list[float]:
    out = []
    for row in rows:
        for tok in row:
            try:
                out.append(float(tok))
            except ValueError:
                raise InvalidInstanceError(f"{what}: {tok!r} is not a number") from None
    return out


def _explicit_matrix(values: list[float], n: int, fmt: str) -> np.ndarray:
    fmt = fmt.upper()
    # The _COL formats of a symmetric matrix are the transposed _ROW formats.
    twin = {
        "UPPER_COL": "LOWER_ROW",
        "LOWER_COL": "UPPER_ROW",
        "UPPER_DIAG_COL": "LOWER_DIAG_ROW",
        "LOWER_DIAG_COL": "UPPER_DIAG_ROW",
    }
    fmt = twin.get(fmt, fmt)
    needed = {"FULL_MATRIX": n * n, "UPPER_ROW": n * (n - 1) // 2, "LOWER_ROW": n * (n - 1) // 2,
              "UPPER_DIAG_ROW": n * (n + 1) // 2, "LOWER_DIAG_ROW": n * (n + 1) // 2}.get(fmt)
    if needed is None:
        raise InvalidInstanceError(f"unsupported EDGE_WEIGHT_FORMAT {fmt!r}")
    if len(values) != needed:  # before allocating: a DIMENSION the file cannot hold is refused here
        raise InvalidInstanceError(
            f"EDGE_WEIGHT_SECTION holds {len(values)} numbers, but {fmt} with DIMENSION {n} needs {needed}"
            + (" (truncated file?)" if len(values) < needed else " (a wrong DIMENSION or EDGE_WEIGHT_FORMAT?)")
        )
    m = np.zeros((n, n), dtype=np.float64)
    # (row, col) of the k-th number in row-major order; np.triu/tril_indices list them in that order
    if fmt == "FULL_MATRIX":
        rows, cols = np.divmod(np.arange(n * n, dtype=np.int64), n)
    elif fmt == "UPPER_ROW":
        rows, cols = np.triu_indices(n, 1)
    elif fmt == "LOWER_ROW":
        rows, cols = np.tril_indices(n, -1)
    elif fmt == "UPPER_DIAG_ROW":
        rows, cols = np.triu_indices(n)
    elif fmt == "LOWER_DIAG_ROW":
        rows, cols = np.tril_indices(n)
    else:
        raise InvalidInstanceError(f"unsupported EDGE_WEIGHT_FORMAT {fmt!r}")
    if len(values) != len(rows):
        raise InvalidInstanceError(
            f"EDGE_WEIGHT_SECTION holds {len(values)} numbers, but {fmt} with DIMENSION {n} needs {len(rows)}"
            + (" (truncated file?)" if len(values) < len(rows) else " (a wrong DIMENSION or EDGE_WEIGHT_FORMAT?)")
        )
    m[rows, cols] = values
    if fmt != "FULL_MATRIX":
        m[cols, rows] = values
    return m


def _int_or_float(tok: str) -> int | float:
    """An integer token as an exact int (``9007199254740993`` would round as a float), else a float."""
    try:
        return int(tok)
    except ValueError:
        return float(tok)


def _node_table(rows: list[list[str]], n: int, width: int, what: str, *, exact: bool = False) -> np.ndarray:
    """``[n, width]`` values by 1-based node id. ``exact``: an object array whose integer tokens stay
    Python ints (demands), instead of float64. A node given twice is an error, and so are fewer lines
    than ``n``, checked before anything of size ``n`` is allocated (a DIMENSION the file cannot hold)."""
    if n > len(rows):
        raise InvalidInstanceError(f"{what}: {n - len(rows)} node(s) missing: DIMENSION is {n} but the section "
                                   f"has {len(rows)} line(s) (truncated file?)")
    out = np.full((n, width), np.nan, dtype=object if exact else np.float64)
    number = _int_or_float if exact else float
    seen = set()
    for row in rows:
        if len(row) < width + 1:
            raise InvalidInstanceError(f"{what}: line {' '.join(row)!r} has too few fields")
        try:
            node = int(float(row[0]))
            vals = [number(v) for v in row[1 : width + 1]]
        except ValueError:
            raise InvalidInstanceError(f"{what}: line {' '.join(row)!r} is not numeric") from None
        if not 1 <= node <= n:
            raise InvalidInstanceError(f"{what}: node {node} outside 1..{n}")
        if node in seen:
            raise InvalidInstanceError(f"node {node} given twice in {what}")
        out[node - 1] = vals
        seen.add(node)
    if len(seen) != n:
        missing = sorted(set(range(1, n + 1)) - seen)[:5]
        raise InvalidInstanceError(f"{what}: {n - len(seen)} node(s) missing, e.g. {missing} (truncated file?)")
    return out


def parse_tsplib(text: str, *, name: str = "instance") -> Instance:
    """Parse TSPLIB / VRPLIB text into an :class:`Instance` (no known-best lookup).

    The instance is named by the ``NAME`` header less a trailing ``.tsp``/``.vrp``/``.atsp``/``.sop``/
    ``.hcp`` (else ``name``); :func:`~graphroute.problems.io.read_instance` names it by the file.
    Demands and the capacity are kept as exact integers (no float64 on the way).
    """
    header, sections = _split_lines(text)
    unsupported = sorted(set(sections) & _UNSUPPORTED_SECTIONS)
    if unsupported:
        raise InvalidInstanceError(f"unsupported VRP variant: file has {', '.join(unsupported)}")
    typ = header.get("TYPE", "").split()[0].upper() if header.get("TYPE") else ""
    if not typ:
        raise InvalidInstanceError("missing TYPE in the header")
    problem = {"TSP": "tsp", "ATSP": "tsp", "CVRP": "cvrp", "ACVRP": "cvrp"}.get(typ)
    if problem is None:
        raise InvalidInstanceError(f"unsupported problem TYPE {typ!r}; graphroute reads TSP, ATSP and CVRP")
    for key in ("DISTANCE", "SERVICE_TIME"):
        if key in header:
            raise InvalidInstanceError(f"unsupported VRP variant: header key {key} (route length limits)")
    try:
        n = int(header["DIMENSION"])
    except KeyError:
        raise InvalidInstanceError("missing DIMENSION in the header") from None
    except ValueError:
        raise InvalidInstanceError(f"DIMENSION {header['DIMENSION']!r} is not an integer") from None
    if n <= 0:
        raise InvalidInstanceError(f"DIMENSION must be positive, got {n}")
    ewt = header.get("EDGE_WEIGHT_TYPE", "").upper()
    if not ewt:
        raise InvalidInstanceError("missing EDGE_WEIGHT_TYPE in the header")
    coords = None
    matrix = None
    if "NODE_COORD_SECTION" in sections:
        coords = _node_table(sections["NODE_COORD_SECTION"], n, 2, "NODE_COORD_SECTION")
    if ewt == "EXPLICIT":
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise InvalidInstanceError("EDGE_WEIGHT_TYPE EXPLICIT but no EDGE_WEIGHT_SECTION")
        values = _numbers(sections["EDGE_WEIGHT_SECTION"], "EDGE_WEIGHT_SECTION")
        matrix = _explicit_matrix(values, n, header.get("EDGE_WEIGHT_FORMAT", "FULL_MATRIX"))
        if coords is None and "DISPLAY_DATA_SECTION" in sections:
            coords = _node_table(sections["DISPLAY_DATA_SECTION"], n, 2, "DISPLAY_DATA_SECTION")
    elif ewt in ("EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D"):
        if coords is None:
            raise InvalidInstanceError(f"EDGE_WEIGHT_TYPE {ewt} but no NODE_COORD_SECTION")
    else:
        raise InvalidInstanceError(f"unsupported EDGE_WEIGHT_TYPE {ewt!r}")

    meta: dict = {"format": "tsplib", "type": typ}
    if "COMMENT" in header:
        meta["comment"] = header["COMMENT"].strip('"')
    if "FIXED_EDGES_SECTION" in sections:
        vals = [int(v) for v in _numbers(sections["FIXED_EDGES_SECTION"], "FIXED_EDGES_SECTION") if v != -1]
        meta["fixed_edges"] = [[vals[i] - 1, vals[i + 1] - 1] for i in range(0, len(vals) - 1, 2)]

    demands = capacity = num_vehicles = None
    if problem == "cvrp":
        if "CAPACITY" not in header:
            raise InvalidInstanceError("CVRP file without CAPACITY")
        try:
            capacity = _int_or_float(header["CAPACITY"])
        except ValueError:
            raise InvalidInstanceError(f"CAPACITY {header['CAPACITY']!r} is not a number") from None
        if "DEMAND_SECTION" not in sections:
            raise InvalidInstanceError("CVRP file without DEMAND_SECTION")
        demands = _node_table(sections["DEMAND_SECTION"], n, 1, "DEMAND_SECTION", exact=True)[:, 0]
        depots = [int(v) for v in _numbers(sections.get("DEPOT_SECTION", [["1"]]), "DEPOT_SECTION") if v != -1]
        if depots != [1]:
            raise InvalidInstanceError(f"graphroute reads single-depot CVRP with the depot as node 1, got {depots}")
        if "VEHICLES" in header:
            try:
                num_vehicles = int(header["VEHICLES"])
            except ValueError:
                raise InvalidInstanceError(f"VEHICLES {header['VEHICLES']!r} is not an integer") from None
            meta["fleet_source"] = "VEHICLES"
        else:
            # Classic CVRPLIB sets (A, B, E, P) state the fleet of their optimum only in the comment:
            # "No of trucks: 8" (Augerat), "Min no of trucks: 4" (Christofides / Eilon).
            m = _TRUCKS_RE.search(header.get("COMMENT", ""))
            if m:
                num_vehicles = int(m.group(1))
                meta["fleet_source"] = "COMMENT"
    own_name = header.get("NAME", "").split()
    return Instance(
        problem=problem,
        name=(_NAME_SUFFIX_RE.sub("", own_name[0]) or name) if own_name else name,
        coords=coords,
        distance_type=ewt,
        matrix=matrix,
        demands=demands,
        capacity=capacity,  # type: ignore[arg-type]
        num_vehicles=num_vehicles,
        meta=meta,
    )


def read_sol(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Read a VRPLIB ``.sol`` file: ``Route #k: c1 c2 ...`` lines and an optional ``Cost X`` line.

    Customers are numbered as in VRPLIB solutions: node index in file order with the depot (1)
    as 0, i.e. exactly graphroute's 0-based node indices.
    """
    routes: list[list[int]] = []
    cost = None
    text = Path(path).read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.lower().startswith("route"):
            _, _, rest = s.partition(":")
            try:
                routes.append([int(v) for v in rest.split()])
            except ValueError:
                raise InvalidSolutionError(f"{path}: bad route line {s[:60]!r}") from None
        elif s.lower().startswith("cost"):
            m = re.match(r"cost\s*[:=]?\s*(\S+)\s*$", s, re.IGNORECASE)  # "Cost 405", "Cost: 405", "Cost:405"
            try:
                cost = float(m.group(1)) if m else float("x")
            except ValueError:
                raise InvalidSolutionError(f"{path}: bad cost line {s!r}") from None
    if not routes:
        raise InvalidSolutionError(f"{path}: no 'Route #k:' lines found")
    return routes, cost


def format_sol(routes: list[list[int]], cost: float) -> str:
    """VRPLIB ``.sol`` text for ``routes`` (empty routes dropped)."""
    lines = [f"Route #{k}: {' '.join(str(v) for v in r)}" for k, r in enumerate((r for r in routes if r), 1)]
    c = int(round(cost)) if float(cost).is_integer() else cost
    lines.append(f"Cost {c}")
    return "\n".join(lines) + "\n"
