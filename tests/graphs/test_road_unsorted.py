"""OpenStreetMap files whose nodes come after the ways that use them (unsorted, as some editors and
Overpass queries write them) give the same graph as the sorted file: a second pass finds the late nodes."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import numpy as np

from graphroute.graphs.road import read_osm


def same_graph(a, b):
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    np.testing.assert_array_equal(a.node_ids, b.node_ids)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    for w in ("length", "time"):
        np.testing.assert_allclose(a.weights(w), b.weights(w), rtol=1e-12)


def test_ways_before_nodes_give_the_sorted_graph(shared_data, tmp_path):
    src = shared_data / "road/monaco-osm/monaco.osm.gz"
    root = ET.fromstring(gzip.decompress(src.read_bytes()))
    order = {"bounds": 0, "way": 1, "node": 2, "relation": 3}  # every way before every node
    kids = sorted(list(root), key=lambda e: order.get(e.tag, 4))
    for e in list(root):
        root.remove(e)
    root.extend(kids)
    unsorted = tmp_path / "monaco-unsorted.osm"
    ET.ElementTree(root).write(unsorted, encoding="utf-8", xml_declaration=True)

    want, got = read_osm(src), read_osm(unsorted)
    same_graph(want, got)
    assert want.meta["late_nodes"] == 0 and got.meta["late_nodes"] > 1000
    assert got.meta["skipped_segments"] == want.meta["skipped_segments"] == 0
    assert got.meta["missing_nodes"] == 0


TINY = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="9"/><tag k="highway" v="residential"/></way>
 <node id="1" lat="43.7300" lon="7.4200"/>
 <node id="2" lat="43.7310" lon="7.4200"/>
 <node id="3" lat="43.7320" lon="7.4200"/>
</osm>
"""


def test_a_node_in_no_part_of_the_file_is_still_skipped(tmp_path):
    p = tmp_path / "late.osm"
    p.write_text(TINY)  # nodes 1-3 after their way; node 9 nowhere
    g = read_osm(p, keep_largest_scc=False)
    assert g.meta["late_nodes"] == 3 and g.meta["missing_nodes"] == 1 and g.meta["skipped_segments"] == 1
    assert sorted(g.node_ids.tolist()) == [1, 2, 3] and g.n_edges == 4  # 1-2 and 2-3, both ways
    np.testing.assert_allclose(sorted(g.weights("length")), [111.2] * 4, atol=0.1)
