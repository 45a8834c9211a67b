"""Road graphs: cases a mutation audit found unchecked (reversible one-ways, decimal and unlimited
maxspeeds, numbered zones in mph, DIMACS id ranges and metadata, per-direction maxspeed counting)."""

from __future__ import annotations

import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.road import NO_LIMIT_KMH, parse_maxspeed, read_dimacs, read_osm
from tests.graphs.test_road_rules import _osm

MPH = 1.609344



def _read(tmp_path, ways):
    pytest.importorskip("osmium")
    p = tmp_path / "audit.osm"
    p.write_text(_osm(ways))
    return read_osm(p, keep_largest_scc=False)


# RD42: oneway=alternating is left out like reversible, and counted
def test_alternating_oneway_is_left_out_and_counted(tmp_path):
    g = _read(tmp_path, [("residential", {}), ("primary", {"oneway": "alternating"})])
    arcs = {(int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.sources().tolist(), g.indices.tolist())}
    assert arcs == {(1, 2), (2, 1)}  # nothing from nodes 3-4
    assert g.meta["ways_reversible"] == 1


def test_reversible_and_alternating_both_counted(tmp_path):
    g = _read(tmp_path, [("residential", {}), ("primary", {"oneway": "reversible"}),
                         ("secondary", {"oneway": "Alternating"})])
    assert g.meta["ways_reversible"] == 2
    assert len(g.indices) == 2


# RD40: decimal speeds
def test_decimal_maxspeed():
    assert parse_maxspeed("7.5") == pytest.approx(7.5)
    assert parse_maxspeed("7.5 mph") == pytest.approx(7.5 * MPH)


# RD10: "none" on a road of no given type is the no-limit speed
def test_none_without_highway_is_no_limit():
    assert parse_maxspeed("none") == NO_LIMIT_KMH
    assert parse_maxspeed("none", None) == NO_LIMIT_KMH
    assert parse_maxspeed("none", "motorway") == NO_LIMIT_KMH
    assert parse_maxspeed("none", "trunk") == NO_LIMIT_KMH


# numbered zones are in the country's legal unit: mph in GB and US
@pytest.mark.parametrize("value,kmh", [
    ("GB:zone20", 20 * MPH),
    ("US:zone:25", 25 * MPH),
    ("gb-eng:zone20", 20 * MPH),
    ("DE:zone30", 30.0),
    ("DE:zone:30", 30.0),
])
def test_numbered_zone_units(value, kmh):
    assert parse_maxspeed(value) == pytest.approx(kmh)


# RD16: a way with only maxspeed:forward counts as having a maxspeed tag
def test_forward_only_maxspeed_is_counted(tmp_path):
    g = _read(tmp_path, [("residential", {"maxspeed:forward": "50"})])
    assert g.meta["maxspeed_tags"] == 1


def test_backward_only_maxspeed_is_counted(tmp_path):
    g = _read(tmp_path, [("residential", {"maxspeed:backward": "40"}), ("residential", {})])
    assert g.meta["maxspeed_tags"] == 1


# RD53: a coordinate line for node n+1 is outside the range
def test_dimacs_coordinate_id_just_past_n(tmp_path):
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 2 1\na 1 2 5\n")
    co = tmp_path / "g.co"
    co.write_text("v 1 0 0\nv 2 1 1\nv 3 1 1\n")
    with pytest.raises(InvalidInstanceError, match=r"node id 3 outside 1\.\.2"):
        read_dimacs(gr, coords=co)


# RD54: an arc to node n+1 is outside the range
def test_dimacs_arc_id_just_past_n(tmp_path):
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 2 1\na 1 3 5\n")
    with pytest.raises(InvalidInstanceError, match=r"line 2: node id outside 1\.\.2"):
        read_dimacs(gr)


def test_dimacs_arc_tail_just_past_n(tmp_path):
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 2 1\na 3 1 5\n")
    with pytest.raises(InvalidInstanceError, match=r"line 2: node id outside 1\.\.2"):
        read_dimacs(gr)


# RD51 / RD52: DIMACS metadata
def test_dimacs_meta_format_and_coords_file(tmp_path):
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 2 2\na 1 2 5\na 2 1 5\n")
    co = tmp_path / "elsewhere.co"
    co.write_text("v 1 7000000 43000000\nv 2 7001000 43001000\n")
    g = read_dimacs(gr, coords=co)
    assert g.meta["format"] == "dimacs"
    assert g.meta["coords_file"] == str(co)
    plain = read_dimacs(gr)
    assert plain.meta["format"] == "dimacs"
    assert plain.meta["coords_file"] is None
