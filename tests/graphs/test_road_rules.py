"""OSM rules for cars: the access tag hierarchy and maxspeed readings (per direction, implicit, lowest).

Each case is one two-node way in a hand-written OSM file; the graph is built without the SCC step so
that every kept way shows up as arcs.
"""

from __future__ import annotations

import pytest

from graphroute.graphs.road import (
    CLOSED_ACCESS,
    IMPLICIT_SPEED_KMH,
    MAX_PLAUSIBLE_KMH,
    NO_LIMIT_KMH,
    WALK_KMH,
    car_access,
    parse_maxspeed,
    read_osm,
)

pytest.importorskip("osmium")


def _osm(ways: list[tuple[str, dict[str, str]]]) -> str:
    """Way k runs from node 2k+1 to node 2k+2 (about 111 m north-south apart, 1 km from the next way)."""
    nodes, body = [], []
    for k, (hw, tags) in enumerate(ways):
        a, b = 2 * k + 1, 2 * k + 2
        nodes.append(f'<node id="{a}" lat="{43.0 + 0.01 * k:.3f}" lon="7.0"/>')
        nodes.append(f'<node id="{b}" lat="{43.001 + 0.01 * k:.3f}" lon="7.0"/>')
        tag_xml = "".join(f'<tag k="{key}" v="{v}"/>' for key, v in {"highway": hw, **tags}.items())
        body.append(f'<way id="{100 + k}"><nd ref="{a}"/><nd ref="{b}"/>{tag_xml}</way>')
    return "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n" + "\n".join(nodes + body) + "\n</osm>\n"


def _arc_speeds(tmp_path, ways) -> dict[tuple[int, int], float]:
    """``{(osm_from, osm_to): km/h}`` of the arcs built from ``ways``."""
    p = tmp_path / "rules.osm"
    p.write_text(_osm(ways))
    g = read_osm(p, keep_largest_scc=False)
    out = {}
    for e, (u, v) in enumerate(zip(g.sources().tolist(), g.indices.tolist())):
        out[(int(g.node_ids[u]), int(g.node_ids[v]))] = g.edge_attrs["length"][e] / g.edge_attrs["time"][e] * 3.6
    return out


ACCESS_CASES = [
    ({}, True),
    ({"access": "yes"}, True),
    ({"access": "no"}, False),
    ({"vehicle": "no"}, False),  # North Bayreuth way 210817224 was routable before
    ({"vehicle": "yes"}, True),
    ({"access": "no", "vehicle": "yes"}, True),
    ({"access": "no", "motor_vehicle": "yes"}, True),  # the most specific tag wins
    ({"access": "no", "motorcar": "yes"}, True),
    ({"vehicle": "no", "motor_vehicle": "yes"}, True),
    ({"motor_vehicle": "no", "motorcar": "yes"}, True),
    ({"access": "yes", "vehicle": "no"}, False),
    ({"vehicle": "yes", "motor_vehicle": "no"}, False),
    ({"motor_vehicle": "yes", "motorcar": "no"}, False),
    ({"motor_vehicle": "No"}, False),  # case-insensitive
    ({"access": " PRIVATE "}, False),
    ({"access": "agricultural"}, False),
    ({"access": "forestry"}, False),
    ({"access": "emergency"}, False),
    ({"access": "psv"}, False),
    ({"access": "delivery"}, False),
    ({"access": "customers"}, False),
    ({"access": "destination"}, True),  # no through traffic, but the addresses on it are reachable
    ({"access": "permissive"}, True),
    ({"access": "designated"}, True),
    ({"motor_vehicle": "agricultural;forestry"}, True),  # an unknown value does not close a way
]


@pytest.mark.parametrize("tags,open_", ACCESS_CASES)
def test_access_hierarchy(tmp_path, tags, open_):
    arcs = _arc_speeds(tmp_path, [("residential", {}), ("residential", tags)])
    assert ((3, 4) in arcs and (4, 3) in arcs) is open_
    assert (car_access(tags) in CLOSED_ACCESS) is not open_


def test_closed_ways_are_counted(tmp_path):
    p = tmp_path / "c.osm"
    p.write_text(_osm([("primary", {}), ("primary", {"vehicle": "no"}), ("service", {"access": "private"}),
                       ("primary", {"access": "no", "motor_vehicle": "yes"})]))
    g = read_osm(p, keep_largest_scc=False)
    assert g.meta["ways_closed"] == 2 and g.meta["ways_kept"] == 2


MAXSPEED_CASES = [
    ("50", None, 50.0),
    ("50 mph", None, 50 * 1.609344),
    ("10 knots", None, 18.52),
    ("walk", None, WALK_KMH),
    ("Walk", "residential", WALK_KMH),
    ("none", "motorway", NO_LIMIT_KMH),
    ("none", "trunk", NO_LIMIT_KMH),
    ("none", "primary", None),  # an unlimited primary is driven at its type default
    ("DE:urban", None, 50.0),
    ("DE:rural", None, 100.0),
    ("FR:rural", None, 80.0),
    ("XX:rural", None, 90.0),
    ("XX:motorway", None, 130.0),
    ("DE:motorway", None, NO_LIMIT_KMH),
    ("XX:living_street", None, 20.0),
    ("DE:living_street", None, WALK_KMH),
    ("RU:urban", None, 60.0),
    ("GB:nsl_single", None, 60 * 1.609344),
    ("BE-VLG:rural", None, 70.0),
    ("be-vlg:motorway", None, 120.0),  # a region falls back to its country
    ("DE:zone30", None, 30.0),
    ("DE:zone:20", None, 20.0),
    ("90;30;90", None, 30.0),  # the lowest of several, conservative
    ("70;50", None, 50.0),
    ("20 mph;30 mph", None, 20 * 1.609344),
    ("signals;60", None, 60.0),
    ("signals", None, None),
    ("variable", None, None),
    ("XX:unknown_zone", None, None),
    ("0", None, None),
    ("300", None, None),  # above MAX_PLAUSIBLE_KMH: a tagging error
    ("200 mph", None, None),
    (None, None, None),
]


@pytest.mark.parametrize("value,highway,kmh", MAXSPEED_CASES)
def test_parse_maxspeed_table(value, highway, kmh):
    got = parse_maxspeed(value, highway)
    assert got == (None if kmh is None else pytest.approx(kmh))
    assert got is None or 0 < got <= MAX_PLAUSIBLE_KMH


def test_implicit_table_has_a_default_row():
    assert set(IMPLICIT_SPEED_KMH["*"]) == {"urban", "rural", "trunk", "motorway", "living_street"}


def test_speeds_on_arcs(tmp_path):
    """Per direction, walk, none on a motorway, country codes and several values, on built arcs (km/h)."""
    ways = [
        ("primary", {"maxspeed": "walk"}),                                   # 1-2
        ("motorway", {"maxspeed": "none"}),                                  # 3-4, one-way
        ("primary", {"maxspeed": "DE:rural"}),                               # 5-6
        ("primary", {"maxspeed": "90;30;90"}),                               # 7-8
        ("tertiary", {"maxspeed:forward": "50", "maxspeed:backward": "30"}),  # 9-10
        ("tertiary", {"maxspeed": "70", "maxspeed:backward": "30"}),         # 11-12
        ("tertiary", {"oneway": "-1", "maxspeed:backward": "20", "maxspeed:forward": "80"}),  # 13-14, drive 14 -> 13
        ("residential", {"maxspeed": "XX:living_street"}),                  # 15-16
        ("primary", {"maxspeed": "none"}),                                   # 17-18: type default 65
        ("primary", {"maxspeed": "999"}),                                    # 19-20: implausible, type default
    ]
    arcs = _arc_speeds(tmp_path, ways)
    expect = {(1, 2): WALK_KMH, (2, 1): WALK_KMH, (3, 4): NO_LIMIT_KMH, (5, 6): 100.0, (7, 8): 30.0,
              (9, 10): 50.0, (10, 9): 30.0, (11, 12): 70.0, (12, 11): 30.0, (14, 13): 20.0,
              (15, 16): 20.0, (17, 18): 65.0, (19, 20): 65.0}
    for arc, kmh in expect.items():
        assert arcs[arc] == pytest.approx(kmh), arc
    assert (4, 3) not in arcs and (13, 14) not in arcs


def test_north_bayreuth_vehicle_no_way_is_left_out(shared_data):
    """Way 210817224 (highway=unclassified, vehicle=no) gives no arc: it was routable before."""
    osmium = pytest.importorskip("osmium")
    path = shared_data / "road/north-bayreuth-osm/north-bayreuth.osm.gz"
    refs = None
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if w.id == 210817224:
            assert w.tags.get("vehicle") == "no"
            refs = [n.ref for n in w.nodes]
            break
    assert refs and len(refs) > 2
    g = read_osm(path, keep_largest_scc=False)
    ids = g.node_ids.tolist()
    arcs = {(ids[u], ids[v]) for u, v in zip(g.sources().tolist(), g.indices.tolist())}
    pairs = set(zip(refs[:-1], refs[1:]))
    assert not arcs & (pairs | {(b, a) for a, b in pairs})
    assert g.meta["ways_closed"] >= 1


def test_source_is_kept_as_given_and_resolved(tmp_path, monkeypatch):
    (tmp_path / "a.osm").write_text(_osm([("primary", {})]))
    monkeypatch.chdir(tmp_path)
    g = read_osm("a.osm", keep_largest_scc=False)
    assert g.meta["source"] == "a.osm" and g.meta["source_resolved"] == str((tmp_path / "a.osm").resolve())
