"""OpenStreetMap PBF reading: a .pbf and the equivalent .osm XML give the same graph (one pyosmium
handler reads both), PBF-only details (the bare ``.pbf`` suffix, the counters of Andorra's PBF against
its MANIFEST), and the "no drivable roads" error. The PBF files are written by pyosmium's own writer
from hand-written XML, so no binary fixture is stored."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs import read_any
from graphroute.graphs.road import read_osm

osmium = pytest.importorskip("osmium")

# Every rule that the shared way handler applies, in one file: a plain two-way street, a one-way, a
# reversed one-way, a roundabout, a motorway (one-way by default), per-direction maxspeeds, a way
# through a node missing from the file, a way with a repeated node, a closed way, a reversible way,
# an area, a footway and a track. Node 6 lies only on the footway; node 99 is not in the file.
OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="43.7300000" lon="7.4200000"/>
  <node id="2" lat="43.7310000" lon="7.4200000"/>
  <node id="3" lat="43.7310000" lon="7.4210000"/>
  <node id="4" lat="43.7300000" lon="7.4210000"/>
  <node id="5" lat="43.7290000" lon="7.4215000"/>
  <node id="6" lat="43.7280000" lon="7.4230000"/>
  <node id="7" lat="43.7295000" lon="7.4190000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="30 mph"/></way>
  <way id="12"><nd ref="4"/><nd ref="3"/><tag k="highway" v="secondary"/><tag k="oneway" v="-1"/></way>
  <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/></way>
  <way id="14"><nd ref="4"/><nd ref="5"/><tag k="highway" v="motorway"/></way>
  <way id="15"><nd ref="5"/><nd ref="4"/><tag k="highway" v="unclassified"/><tag k="maxspeed:forward" v="20"/><tag k="maxspeed:backward" v="60"/></way>
  <way id="16"><nd ref="1"/><nd ref="99"/><nd ref="4"/><tag k="highway" v="service"/></way>
  <way id="17"><nd ref="1"/><nd ref="7"/><nd ref="7"/><tag k="highway" v="living_street"/></way>
  <way id="18"><nd ref="2"/><nd ref="4"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
  <way id="19"><nd ref="3"/><nd ref="5"/><tag k="highway" v="primary"/><tag k="oneway" v="reversible"/></way>
  <way id="20"><nd ref="1"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="area" v="yes"/></way>
  <way id="21"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>
  <way id="22"><nd ref="2"/><nd ref="5"/><tag k="highway" v="track"/></way>
  <way id="23"><nd ref="1"/><nd ref="5"/><tag k="building" v="yes"/></way>
</osm>
"""
# (from, to) OSM ids -> km/h, worked out by hand from the module docstring's rules
EXPECTED_KMH = {
    (1, 2): 30.0, (2, 1): 30.0,  # residential default, both ways
    (2, 3): 30 * 1.609344,  # oneway=yes, 30 mph
    (3, 4): 55.0,  # oneway=-1 on 4 -> 3: only 3 -> 4
    (4, 1): 45.0,  # roundabout: one-way along the node order
    (4, 5): 100.0,  # motorway: one-way by default
    (5, 4): 20.0, (4, 5, "b"): 60.0,  # maxspeed:forward (5 -> 4) and :backward (4 -> 5)
    (1, 7): 10.0, (7, 1): 10.0,  # living street; its repeated node 7 makes no self-loop
}
COUNTS = {"ways_highway": 13, "ways_kept": 8, "ways_closed": 1, "ways_reversible": 1, "skipped_segments": 2,
          "missing_nodes": 1, "maxspeed_tags": 2}


def _xml_and_pbf(tmp_path, text: str = OSM, pbf_name: str = "tiny.osm.pbf"):
    xml = tmp_path / "tiny.osm"
    xml.write_text(text)
    pbf = tmp_path / pbf_name
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    assert pbf.read_bytes()[:64].find(b"OSMHeader") >= 0  # really a PBF, not XML under a .pbf name
    return xml, pbf


def _arcs(g) -> list[tuple[int, int, float, float]]:
    """(from id, to id, length, time) of every arc, sorted."""
    ids = g.node_ids.tolist()
    return sorted((ids[u], ids[v], float(ln), float(t)) for u, v, ln, t in
                  zip(g.sources().tolist(), g.indices.tolist(), g.edge_attrs["length"], g.edge_attrs["time"]))


def _same_graph(a, b) -> None:
    np.testing.assert_array_equal(a.node_ids, b.node_ids)
    np.testing.assert_array_equal(a.coords, b.coords)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    for k in ("length", "time"):
        np.testing.assert_array_equal(a.edge_attrs[k], b.edge_attrs[k])
    skip = {"source", "source_resolved"}
    assert {k: v for k, v in a.meta.items() if k not in skip} == {k: v for k, v in b.meta.items() if k not in skip}


def test_pbf_and_xml_give_the_same_graph(tmp_path):
    xml, pbf = _xml_and_pbf(tmp_path)
    a, b = read_osm(xml, keep_largest_scc=False), read_osm(pbf, keep_largest_scc=False)
    _same_graph(a, b)
    assert b.meta["source"] == str(pbf)
    sa, sb = read_osm(xml), read_osm(pbf)  # the SCC step too
    _same_graph(sa, sb)
    assert sb.n_nodes == 6  # every node left after the footway and the missing node is in one SCC


def test_pbf_graph_matches_the_rules_worked_by_hand(tmp_path):
    _, pbf = _xml_and_pbf(tmp_path)
    g = read_osm(pbf, keep_largest_scc=False)
    assert g.node_ids.tolist() == [1, 2, 3, 4, 5, 7]  # node 6 only on a footway, 99 missing
    np.testing.assert_allclose(g.coords[g.node_index(5)], [7.4215, 43.729])  # (lon, lat), not (lat, lon)
    got = {}
    for u, v, ln, t in _arcs(g):
        key = (u, v) if (u, v) not in got else (u, v, "b")
        got[key] = ln / t * 3.6
        # independent great-circle length: equirectangular is within 1e-6 at 100 m
        (x1, y1), (x2, y2) = g.coords[g.node_index(u)], g.coords[g.node_index(v)]
        dy = np.radians(y2 - y1)
        dx = np.radians(x2 - x1) * np.cos(np.radians((y1 + y2) / 2))
        assert ln == pytest.approx(6_371_008.8 * np.hypot(dx, dy), rel=1e-6)
    assert set(got) == set(EXPECTED_KMH)
    for k, kmh in EXPECTED_KMH.items():
        assert got[k] == pytest.approx(kmh), k
    assert {k: g.meta[k] for k in COUNTS} == COUNTS


def test_a_bare_pbf_suffix_is_read_as_openstreetmap(tmp_path):
    _, pbf = _xml_and_pbf(tmp_path, pbf_name="tiny.pbf")
    g = read_any(pbf, keep_largest_scc=False)
    assert g.kind == "road" and g.meta["ways_kept"] == COUNTS["ways_kept"]


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_a_file_without_drivable_roads_is_one_error(tmp_path, fmt):
    text = OSM.split("  <way")[0] + ('  <way id="21"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>\n'
                                     '  <way id="18"><nd ref="2"/><nd ref="4"/><tag k="highway" v="service"/>'
                                     '<tag k="access" v="private"/></way>\n</osm>\n')
    xml, pbf = _xml_and_pbf(tmp_path, text)
    path = xml if fmt == "xml" else pbf
    with pytest.raises(InvalidInstanceError, match=f"{path.name}: no drivable roads found"):
        read_osm(path)


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_upper_case_osm_suffix(tmp_path, fmt):
    # read_any matches OSM suffixes case-insensitively, but pyosmium detects the format from the exact
    # lower-case suffix: 'Could not detect file format' until the format was named
    xml, pbf = _xml_and_pbf(tmp_path)
    src = pbf if fmt == "pbf" else xml
    upper = src.rename(tmp_path / ("TINY.OSM.PBF" if fmt == "pbf" else "TINY.OSM"))
    assert read_any(upper, keep_largest_scc=False).n_nodes == 6


def test_andorra_pbf_equals_its_xml_conversion_and_manifest(shared_data, tmp_path):
    pbf = shared_data / "road/andorra-osm/andorra.osm.pbf"
    if not pbf.exists():
        pytest.skip("andorra.osm.pbf not in shared data")
    xml = tmp_path / "andorra.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    a, b = read_osm(pbf), read_osm(xml)
    _same_graph(a, b)
    # MANIFEST.md: 1,615 ways with a highway tag, 1,179 drivable by type (kept + closed + reversible),
    # no way referencing a node missing from the file
    assert a.meta["ways_highway"] == 1615
    assert a.meta["ways_kept"] + a.meta["ways_closed"] + a.meta["ways_reversible"] == 1179
    assert a.meta["missing_nodes"] == 0 and a.meta["skipped_segments"] == 0
    # coordinates inside the manifest's bounding box, as (lon, lat)
    assert a.coords[:, 0].min() >= 1.0366 - 1e-4 and a.coords[:, 0].max() <= 1.8253 + 1e-4
    assert a.coords[:, 1].min() >= 41.7369 - 1e-4 and a.coords[:, 1].max() <= 42.7883 + 1e-4
