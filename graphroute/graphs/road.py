"""Road networks: OpenStreetMap extracts (pyosmium) and DIMACS shortest-path files.

OpenStreetMap
-------------
Drivable ways are those tagged ``highway`` = motorway, trunk, primary, secondary, tertiary,
unclassified, residential, living_street, service, road and the ``_link`` variants, minus
``area=yes`` and ways closed to cars (:func:`car_access`). Everything else is left out: footway,
cycleway, path, steps, pedestrian, bridleway, ``track`` (farm and forest tracks: often gated or
unpaved, and routing delivery vans over them gives unrealistic instances), construction and
proposed. One arc per consecutive node pair (nodes are not simplified away).

Access follows the OSM hierarchy for cars, ``access`` < ``vehicle`` < ``motor_vehicle`` <
``motorcar``: the most specific of these tags present decides (``access=no`` + ``motor_vehicle=yes``
is open, ``vehicle=no`` alone is closed), values compared case-insensitively. The closing values
(:data:`CLOSED_ACCESS`) are OSRM's car-profile ``access_tag_blacklist`` (``profiles/car.lua``) minus
``destination``: no, private, agricultural, forestry, emergency, psv, customers, delivery. OSRM keeps
private / customers / delivery / destination ways as "restricted" (a route may start or end there but
not pass through); a plain graph cannot say "only at the ends", and passing through is what a
shortest path would do, so the first three are left out. ``destination`` ("no through traffic") is
kept: it is the sign on many residential streets, and leaving it out would cut off the addresses on
them. Conditional (``access:conditional``) and per-direction access tags are not read. Ways left out
for access are counted in ``meta["ways_closed"]``.

One-way rules: ``oneway`` = yes/true/1 forward only, -1/reverse backward only, no both ways;
roundabouts (``junction`` = roundabout/circular) and motorways are one-way unless ``oneway=no``;
``oneway`` = reversible/alternating (lanes whose direction changes with the time of day) are left
out, as OSRM's car profile does, and counted in ``meta["ways_reversible"]``.

``length`` is the haversine distance in metres (R = 6,371,008.8 m); ``time`` is length divided by
the speed, in each direction of travel: ``maxspeed:forward`` / ``maxspeed:backward`` (forward = the
way's node order) when readable, else ``maxspeed``, else the default speed of the highway type
(:data:`DEFAULT_SPEED_KMH`). :func:`parse_maxspeed` reads numbers ("50", "30 mph", "10 knots"),
``walk`` (:data:`WALK_KMH`), ``none`` (:data:`NO_LIMIT_KMH` on motorways and trunks, the type
default elsewhere) and the implicit country limits ``CC:urban`` / ``CC:rural`` / ``CC:trunk`` /
``CC:motorway`` / ``CC:living_street`` / ``CC:zone30`` (:data:`IMPLICIT_SPEED_KMH`); of several
values ("90;30;90", one per lane or per time) the lowest is taken, the conservative reading.
Anything else ("signals", "variable", "0", above :data:`MAX_PLAUSIBLE_KMH`) falls back to the next
source. Nodes that come after their way (an unsorted file, as some editors and Overpass queries
write them) are found by a second pass over the file, run only then (``meta["late_nodes"]``);
segments touching nodes missing from the file are skipped and counted
(``meta["skipped_segments"]``, ``meta["missing_nodes"]``). The largest strongly connected component
is kept. ``time`` is the default routing weight (``weight="length"`` makes it ``length``; both
attributes are always stored).

DIMACS
------
9th DIMACS challenge ``.gr`` files (``p sp n m`` and ``a u v w`` lines; ids as in the file) with an
optional ``.co`` coordinate file (``v id x y``, integers = degrees x 1e6), used when given or
found beside the ``.gr``. ``length`` is the arc weight in file units.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidArgumentError, InvalidInstanceError, MissingDependencyError
from graphroute.graphs.model import MAX_EDGE_WEIGHT, Graph, from_edges

DEFAULT_SPEED_KMH = {
    "motorway": 100.0, "motorway_link": 60.0, "trunk": 80.0, "trunk_link": 50.0,
    "primary": 65.0, "primary_link": 40.0, "secondary": 55.0, "secondary_link": 35.0,
    "tertiary": 45.0, "tertiary_link": 30.0, "unclassified": 35.0, "residential": 30.0,
    "living_street": 10.0, "service": 15.0, "road": 30.0,
}
#: Access values that close a way to cars when the most specific access tag has them (see the
#: module docstring: OSRM's car ``access_tag_blacklist`` minus ``destination``).
CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "emergency", "psv", "customers", "delivery"})
#: Access tags for cars, most specific first: the first one present decides.
ACCESS_HIERARCHY = ("motorcar", "motor_vehicle", "vehicle", "access")

_MPH = 1.609344

#: Countries whose limits are legally in mph: OSM tags their zone numbers (``GB:zone20``) in mph too.
MPH_COUNTRIES = frozenset({"gb", "us"})
#: ``maxspeed=walk`` (walking pace, km/h): OSRM's car profile reads the German living-street limit,
#: "Schrittgeschwindigkeit" (walking pace), as 7 km/h (``de:living_street`` in ``profiles/car.lua``).
#: A pedestrian walks at about 5 km/h; a car held to walking pace runs a little faster than that.
WALK_KMH = 7.0
#: ``maxspeed=none`` on motorways and trunks (km/h): 130 is the advisory speed on German Autobahns
#: without a limit (Autobahn-Richtgeschwindigkeits-Verordnung), where the tag mostly occurs. OSRM and
#: GraphHopper store 140 for the sign, but OSRM then drives 80% of every limit; here numeric limits
#: are driven as posted, so the sign's 140 would overstate what traffic does.
NO_LIMIT_KMH = 130.0
#: Speeds above this (km/h, about 155 mph) are taken as tagging or unit errors and read as missing.
MAX_PLAUSIBLE_KMH = 250.0
#: Implicit limits ``CC:zone`` (km/h; lower-case keys): ``urban`` / ``rural`` / ``trunk`` /
#: ``motorway`` / ``living_street`` take the default row ``*`` unless the country has its own value.
#: Defaults and country values follow OSRM's car profile (``maxspeed_table_default`` and
#: ``maxspeed_table``, after the OSM wiki's "Speed limits"), except: ``DE:motorway`` (no general limit)
#: is :data:`NO_LIMIT_KMH`, where OSRM falls back to the type default; living streets, absent from
#: OSRM's defaults, are 20 km/h (FR, BE, CH, RU ...) and walking pace in DE and AT; OSRM's CZ rows
#: (type default) and ``pl:rural`` (100, above Poland's general 90) are left to the defaults.
#: ``CC:zone30`` / ``CC:zone:30`` give the number.
IMPLICIT_SPEED_KMH = {
    "*": {"urban": 50.0, "rural": 90.0, "trunk": 110.0, "motorway": 130.0, "living_street": 20.0},
    "at": {"rural": 100.0, "trunk": 100.0, "living_street": WALK_KMH},
    "be": {"motorway": 120.0}, "be-vlg": {"rural": 70.0},
    "by": {"urban": 60.0, "motorway": 110.0},
    "ch": {"rural": 80.0, "trunk": 100.0, "motorway": 120.0},
    "de": {"rural": 100.0, "motorway": NO_LIMIT_KMH, "living_street": WALK_KMH},
    "dk": {"rural": 80.0}, "fr": {"rural": 80.0},
    "gb": {"nsl_single": 60 * _MPH, "nsl_dual": 70 * _MPH, "motorway": 70 * _MPH},
    "uk": {"nsl_single": 60 * _MPH, "nsl_dual": 70 * _MPH, "motorway": 70 * _MPH},
    "nl": {"rural": 80.0, "trunk": 100.0}, "no": {"rural": 80.0, "motorway": 110.0},
    "pl": {"trunk": 120.0, "motorway": 140.0}, "ro": {"trunk": 100.0},
    "ru": {"urban": 60.0, "motorway": 110.0},
    "za": {"urban": 60.0, "rural": 100.0},
}
_EARTH_R = 6_371_008.8


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres between (lon, lat) points in degrees (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_R * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def car_access(tags: dict[str, str | None]) -> str | None:
    """The access value for cars: the most specific of :data:`ACCESS_HIERARCHY` present, lower-cased."""
    for key in ACCESS_HIERARCHY:
        value = (tags.get(key) or "").strip().lower()
        if value:
            return value
    return None


def parse_maxspeed(value: str | None, highway: str | None = None) -> float | None:
    """km/h from an OSM ``maxspeed`` value, or None when it gives no usable number.

    Numbers in km/h (default), mph or knots; ``walk`` and ``none`` (which depends on ``highway``: a
    motorway or trunk without a limit, or a road of no given type, is driven at :data:`NO_LIMIT_KMH`,
    any other road at its type default, i.e. None here); implicit limits ``CC:zone`` from :data:`IMPLICIT_SPEED_KMH`, numbered zones ``CC:zone30`` (mph in :data:`MPH_COUNTRIES`). Several
    values separated by ``;`` give the lowest one readable: conservative, since they usually differ
    by lane, time or vehicle. Values <= 0 or above :data:`MAX_PLAUSIBLE_KMH` are None.
    """
    if not value:
        return None
    speeds = [v for v in (_one_maxspeed(part.strip().lower(), highway) for part in value.split(";")) if v is not None]
    return min(speeds) if speeds else None


def _one_maxspeed(text: str, highway: str | None) -> float | None:
    """km/h of one lower-cased, stripped value of a ``maxspeed`` list (see :func:`parse_maxspeed`)."""
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?$", text)
    if m:
        v = float(m.group(1)) * {"mph": _MPH, "knots": 1.852}.get(m.group(2) or "", 1.0)
    elif text == "walk":
        v = WALK_KMH
    elif text == "none":
        v = NO_LIMIT_KMH if highway in (None, "motorway", "trunk") else None
    else:
        m = re.match(r"^([a-z]{2}(?:-[a-z0-9]+)?):(?:zone:?(\d+)|([a-z_]+))$", text)
        if not m:
            return None
        if m.group(2):  # a zone's number is in the country's legal unit
            v = float(m.group(2)) * (_MPH if m.group(1).split("-")[0] in MPH_COUNTRIES else 1.0)
        else:
            region, zone = m.group(1), m.group(3)  # a region (be-vlg) falls back to its country, then to "*"
            v = next((IMPLICIT_SPEED_KMH[k][zone] for k in (region, region.split("-")[0], "*")
                      if zone in IMPLICIT_SPEED_KMH.get(k, {})), None)
    if v is None or not 0 < v <= MAX_PLAUSIBLE_KMH:
        return None
    return v


def _direction(tags: dict[str, str]) -> int:
    """+1 forward only, -1 backward only, 0 both ways."""
    ow = (tags.get("oneway") or "").lower()
    if ow in ("yes", "true", "1"):
        return 1
    if ow in ("-1", "reverse"):
        return -1
    if ow == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in ("motorway", "motorway_link"):
        return 1
    return 0


#: osmium's x / y of a location the file did not give (libosmium's ``undefined_coordinate``)
_UNDEFINED = 2**31 - 1


class _OffGlobe(Exception):
    """A way's node has a location outside -180..180 / -90..90 (raised out of the osmium handler)."""

    def __init__(self, ref: int, loc) -> None:  # noqa: ANN001
        super().__init__(ref)
        self.ref, self.lon, self.lat = ref, loc.lon_without_check(), loc.lat_without_check()


def read_osm(path: str | Path, *, weight: str = "time", keep_largest_scc: bool = True) -> Graph:
    """Drivable road graph of an OpenStreetMap file (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``).

    Returns a ``road`` :class:`Graph` with ``length`` (m) and ``time`` (s) on every arc, OSM node
    ids and (lon, lat) coordinates; ``weight`` (``time`` or ``length``) names the default routing
    weight. See the module docstring for the rules. One pass over the file with node locations
    (pyosmium), vectorised haversine: Andorra (70k OSM nodes) builds in well under a second.
    """
    if weight not in ("time", "length"):
        raise InvalidArgumentError(f"unknown road weight {weight!r}; available: time, length")
    try:
        import osmium
    except ImportError:
        raise MissingDependencyError("reading OpenStreetMap files needs pyosmium: pip install osmium") from None
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file: {path}")

    seg_u: list[int] = []
    seg_v: list[int] = []
    seg_dir: list[int] = []
    seg_fwd_kmh: list[float] = []  # speed along the way's node order
    seg_bwd_kmh: list[float] = []  # speed against it
    coords: dict[int, tuple[float, float]] = {}
    missing: set[int] = set()
    counts = {"ways_highway": 0, "ways_kept": 0, "skipped_segments": 0, "maxspeed_tags": 0, "ways_reversible": 0,
              "ways_closed": 0}
    keys = ("oneway", "junction", "highway", "maxspeed", "maxspeed:forward", "maxspeed:backward", *ACCESS_HIERARCHY)

    class Handler(osmium.SimpleHandler):  # type: ignore[misc]
        def way(self, w) -> None:  # noqa: ANN001
            hw = w.tags.get("highway")
            if hw is None:
                return
            counts["ways_highway"] += 1
            if hw not in DEFAULT_SPEED_KMH or w.tags.get("area") == "yes":
                return
            tags = {k: w.tags.get(k) for k in keys}
            if car_access(tags) in CLOSED_ACCESS:
                counts["ways_closed"] += 1
                return
            if (tags.get("oneway") or "").lower() in ("reversible", "alternating"):
                counts["ways_reversible"] += 1
                return
            both = parse_maxspeed(tags["maxspeed"], hw)
            fwd = parse_maxspeed(tags["maxspeed:forward"], hw)
            bwd = parse_maxspeed(tags["maxspeed:backward"], hw)
            if (both, fwd, bwd) != (None, None, None):
                counts["maxspeed_tags"] += 1
            both = both or DEFAULT_SPEED_KMH[hw]
            fwd, bwd = fwd or both, bwd or both
            d = _direction(tags)
            counts["ways_kept"] += 1
            pts = []
            for node in w.nodes:
                loc = node.location
                if loc.valid():
                    coords[node.ref] = (loc.lon, loc.lat)
                elif loc.x != _UNDEFINED:  # in the file, off the globe (lat 95): was dropped as "missing"
                    raise _OffGlobe(node.ref, loc)
                else:  # not in the file, or later in it (an unsorted file): the second pass looks
                    missing.add(node.ref)
                pts.append(node.ref)
            for a, b in zip(pts[:-1], pts[1:]):
                seg_u.append(a)
                seg_v.append(b)
                seg_dir.append(d)
                seg_fwd_kmh.append(fwd)
                seg_bwd_kmh.append(bwd)

    class LateNodes(osmium.SimpleHandler):  # type: ignore[misc]
        """Second pass, only when a way named nodes without a location: those that come after it."""

        def node(self, n) -> None:  # noqa: ANN001
            if n.id in missing and n.location.valid():
                coords[n.id] = (n.location.lon, n.location.lat)
            elif n.id in missing and n.location.x != _UNDEFINED:
                raise _OffGlobe(n.id, n.location)

    try:
        Handler().apply_file(_osm_file(path), locations=True)
        if missing:
            LateNodes().apply_file(_osm_file(path))
    except _OffGlobe as exc:
        raise InvalidInstanceError(f"{path.name}: node {exc.ref} lies off the globe (lon {exc.lon:g}, lat {exc.lat:g}; "
                                   "longitudes are -180..180, latitudes -90..90)") from None
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:  # a bad lat / lon: InvalidLocationError
        raise InvalidInstanceError(f"cannot read {path.name}: {exc}") from None
    counts["late_nodes"] = len(missing.intersection(coords))  # after their way in the file, found by the second pass
    missing.difference_update(coords)
    # a segment touching a node missing from the file is skipped (counted)
    if missing:
        located = np.array([a not in missing and b not in missing for a, b in zip(seg_u, seg_v)], dtype=bool)
    else:
        located = np.ones(len(seg_u), dtype=bool)
    counts["skipped_segments"] = int((~located).sum())
    if not located.any():
        raise InvalidInstanceError(f"{path.name}: no drivable roads found")
    osm_ids = np.array(sorted(coords), dtype=np.int64)
    xy = np.array([coords[i] for i in osm_ids.tolist()], dtype=np.float64)
    u = np.searchsorted(osm_ids, np.array(seg_u, dtype=np.int64)[located])
    v = np.searchsorted(osm_ids, np.array(seg_v, dtype=np.int64)[located])
    direction = np.array(seg_dir, dtype=np.int64)[located]
    fwd_mps = np.array(seg_fwd_kmh)[located] / 3.6
    bwd_mps = np.array(seg_bwd_kmh)[located] / 3.6
    length = haversine_m(xy[u, 0], xy[u, 1], xy[v, 0], xy[v, 1])
    fwd = direction >= 0
    bwd = direction <= 0
    src = np.concatenate([u[fwd], v[bwd]])
    dst = np.concatenate([v[fwd], u[bwd]])
    ln = np.concatenate([length[fwd], length[bwd]])
    tm = np.concatenate([length[fwd] / fwd_mps[fwd], length[bwd] / bwd_mps[bwd]])
    keep = src != dst
    meta = {"source": str(path), "source_resolved": str(path.resolve()), **counts, "missing_nodes": len(missing),
            "default_weight": weight,
            "speeds": "maxspeed:forward/backward, else maxspeed (lowest of several; walk, none, CC:zone read), "
                      "else per-highway-type defaults (km/h)",
            "default_speeds_kmh": DEFAULT_SPEED_KMH}
    g = from_edges(src[keep], dst[keep], len(osm_ids), edge_attrs={"length": ln[keep], "time": tm[keep]},
                   kind="road", node_ids=osm_ids, coords=xy, meta=meta)
    return g.largest_scc() if keep_largest_scc else g


def _lines(path: Path):  # noqa: ANN202
    """``(line number, line)`` of a UTF-8 text file, gzip-compressed when it ends in ``.gz``; a file that
    is not text or not gzip is an InvalidInstanceError (one line), not a decoder's traceback."""
    try:
        gz = path.name.endswith(".gz")
        with (gzip.open(path, "rt", encoding="utf-8") if gz else open(path, encoding="utf-8")) as fh:
            yield from enumerate(fh, 1)
    except UnicodeDecodeError as exc:
        raise InvalidInstanceError(f"{path.name}: not a UTF-8 text file (bad byte at offset {exc.start})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InvalidInstanceError(f"{path.name}: not a readable gzip file ({exc})") from None


def _osm_file(path: Path):  # noqa: ANN202
    """``path`` as an osmium file with its format named: osmium detects it from the exact lower-case
    suffix, so ``Andorra.OSM.PBF`` was "Could not detect file format"."""
    import osmium

    name = path.name.lower()
    for suffix, fmt in ((".osm.pbf", "pbf"), (".pbf", "pbf"), (".osm.gz", "osm.gz"), (".osm.bz2", "osm.bz2"),
                        (".osm", "osm")):
        if name.endswith(suffix):
            return osmium.io.File(str(path), fmt)
    return str(path)


#: Bytes per node of a graph's node arrays (ids, CSR row pointers, coordinates, component labels), for
#: :func:`_check_node_memory`.
NODE_BYTES = 48


def _check_node_memory(n: int, name: str, lineno: int) -> None:
    """A header's node count the memory cannot hold (``p sp 1000000000000 1`` in a 30-byte file) is refused
    by name, before any allocation; it was "out of memory: the input is too large", which the file is not."""
    from graphroute.memory import available_bytes, fmt_bytes

    free = available_bytes()
    if free is not None and n * NODE_BYTES > free:
        raise InvalidInstanceError(f"{name} line {lineno}: the header announces {n:,} nodes, about "
                                   f"{fmt_bytes(n * NODE_BYTES)} of memory for the node arrays alone, and "
                                   f"{fmt_bytes(free)} is available")


def read_dimacs(path: str | Path, *, coords: str | Path | None = None, keep_largest_scc: bool = False) -> Graph:
    """Road graph of a DIMACS ``.gr`` file (ids as in the file; ``.co`` coordinates when available)."""
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file: {path}")
    n = m = None
    src: list[int] = []
    dst: list[int] = []
    w: list[float] = []
    for lineno, line in _lines(path):
        parts = line.split()
        if not parts or parts[0][0] == "c":  # comments, also indented ones
            continue
        if parts[0] == "p":
            if n is not None:
                raise InvalidInstanceError(f"{path.name} line {lineno}: a second problem line (one 'p sp n m' per file)")
            if len(parts) != 4 or not (parts[2].isdigit() and parts[3].isdigit()):
                raise InvalidInstanceError(f"{path.name} line {lineno}: bad problem line {line.strip()!r}")
            if parts[1] != "sp":  # 'p max' (max flow), 'p edge' (colouring): not a shortest-path graph
                raise InvalidInstanceError(f"{path.name} line {lineno}: problem type {parts[1]!r}, not 'sp' "
                                           "(a DIMACS shortest-path file has 'p sp n m')")
            n, m = int(parts[2]), int(parts[3])
            _check_node_memory(n, path.name, lineno)
        elif parts[0] == "a":
            if n is None:
                raise InvalidInstanceError(f"{path.name} line {lineno}: arc before the 'p sp n m' line")
            try:
                if len(parts) != 4:  # 'a u v w' and nothing else: a fifth field was dropped without a word
                    raise ValueError
                a, b, c = int(parts[1]), int(parts[2]), float(parts[3])
            except ValueError:
                raise InvalidInstanceError(f"{path.name} line {lineno}: bad arc line {line.strip()!r} "
                                           "(an arc line is 'a TAIL HEAD WEIGHT')") from None
            if not (1 <= a <= n and 1 <= b <= n):
                raise InvalidInstanceError(f"{path.name} line {lineno}: node id outside 1..{n}")
            if not np.isfinite(c):
                raise InvalidInstanceError(f"{path.name} line {lineno}: edge weight {parts[3]} on arc {a} -> {b} is not finite")
            if c < 0:
                raise InvalidInstanceError(f"{path.name} line {lineno}: negative edge weight {c:g} on arc {a} -> {b}")
            if c > MAX_EDGE_WEIGHT:  # named here with its line; the graph check only knew the edge position
                raise InvalidInstanceError(f"{path.name} line {lineno}: edge weight {c:g} on arc {a} -> {b} is above "
                                           f"the largest a graph may hold ({MAX_EDGE_WEIGHT:g})")
            src.append(a - 1)
            dst.append(b - 1)
            w.append(c)
        else:
            raise InvalidInstanceError(f"{path.name} line {lineno}: unexpected line {line.strip()[:40]!r}")
    if n is None:
        raise InvalidInstanceError(f"{path.name}: no 'p sp n m' line (not a DIMACS .gr file?)")
    if n == 0:  # an OSM file without drivable roads is refused too
        raise InvalidInstanceError(f"{path.name}: the 'p sp' line announces no nodes: nothing to route on")
    if len(src) != m:
        why = "truncated?" if len(src) < m else "more 'a' lines than the 'p sp' line announces"
        raise InvalidInstanceError(f"{path.name}: the header announces {m} arcs but the file has {len(src)} ({why})")
    xy = None
    co = Path(coords) if coords is not None else None
    if co is None:
        stem = str(path).removesuffix(".gz").removesuffix(".gr")
        for cand in (Path(stem + ".co"), Path(stem + ".co.gz")):
            if cand.exists():
                co = cand
                break
    if co is not None:
        xy = np.full((n, 2), np.nan)
        first_line = np.zeros(n, dtype=np.int64)  # the line that gave each node its coordinates (0: none yet)
        if not co.exists():
            raise InvalidInstanceError(f"no such file: {co}")
        for lineno, line in _lines(co):
            parts = line.split()
            if parts and parts[0] == "v":
                try:
                    i, x, y = int(parts[1]), float(parts[2]), float(parts[3])
                except (IndexError, ValueError):
                    raise InvalidInstanceError(f"{co.name} line {lineno}: bad coordinate line {line.strip()!r}") from None
                if not 1 <= i <= n:
                    raise InvalidInstanceError(f"{co.name} line {lineno}: node id {i} outside 1..{n}")
                if not (np.isfinite(x) and np.isfinite(y)):
                    raise InvalidInstanceError(f"{co.name} line {lineno}: coordinate of node {i} is not finite")
                if first_line[i - 1]:
                    raise InvalidInstanceError(f"{co.name} line {lineno}: node {i} listed twice "
                                               f"(first on line {int(first_line[i - 1])})")
                first_line[i - 1] = lineno
                xy[i - 1] = (x / 1e6, y / 1e6)
        if np.isnan(xy).any():
            raise InvalidInstanceError(f"{co.name}: coordinates missing for {int(np.isnan(xy[:, 0]).sum())} nodes")
    g = from_edges(np.array(src), np.array(dst), n, edge_attrs={"length": np.array(w, dtype=np.float64)},
                   kind="road", node_ids=np.arange(1, n + 1, dtype=np.int64), coords=xy,
                   meta={"source": str(path), "source_resolved": str(path.resolve()), "format": "dimacs",
                         "default_weight": "length", "coords_file": str(co) if co else None})
    return g.largest_scc() if keep_largest_scc else g
