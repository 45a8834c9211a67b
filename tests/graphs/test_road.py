"""Road graphs: OSM one-way rules and lengths on a hand-written file, DIMACS vs networkx, shared files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphroute.exceptions import InvalidInstanceError, UnknownNameError
from graphroute.graphs.road import haversine_m, parse_maxspeed, read_dimacs, read_osm

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="43.7300" lon="7.4200"/>
  <node id="2" lat="43.7310" lon="7.4200"/>
  <node id="3" lat="43.7310" lon="7.4210"/>
  <node id="4" lat="43.7300" lon="7.4210"/>
  <node id="5" lat="43.7290" lon="7.4210"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="30 mph"/></way>
  <way id="12"><nd ref="4"/><nd ref="3"/><tag k="highway" v="secondary"/><tag k="oneway" v="-1"/></way>
  <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/></way>
  <way id="14"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="15"><nd ref="1"/><nd ref="99"/><nd ref="4"/><tag k="highway" v="service"/></way>
  <way id="16"><nd ref="1"/><nd ref="4"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
"""


def test_osm_rules(tmp_path):
    p = tmp_path / "tiny.osm"
    p.write_text(OSM)
    g = read_osm(p, keep_largest_scc=False)
    arcs = {(int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.sources(), g.indices)}
    assert arcs == {(1, 2), (2, 1), (2, 3), (3, 4), (4, 1)}  # oneway, reverse oneway, roundabout; no footway
    assert g.meta["skipped_segments"] == 2  # way 15 touches the missing node 99 twice
    e = [i for i, (u, v) in enumerate(zip(g.sources(), g.indices)) if (g.node_ids[u], g.node_ids[v]) == (2, 3)][0]
    expected = haversine_m(7.4200, 43.7310, 7.4210, 43.7310)
    assert g.edge_attrs["length"][e] == pytest.approx(expected)
    assert g.edge_attrs["time"][e] == pytest.approx(expected / (30 * 1.609344 / 3.6))
    scc = read_osm(p)
    assert scc.n_nodes == 4  # 5 is only on a footway


def test_haversine_and_maxspeed():
    # one degree of latitude is about 111.2 km
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195, rel=1e-4)
    assert parse_maxspeed("50") == 50 and parse_maxspeed("30 mph") == pytest.approx(48.28, rel=1e-3)
    assert parse_maxspeed("50;70") == 50 and parse_maxspeed("signals") is None and parse_maxspeed("RU:urban") == 60


def test_dimacs_against_networkx(tmp_path):
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(0)
    n, lines = 30, []
    G = nx.DiGraph()
    for _ in range(120):
        a, b = rng.integers(1, n + 1, size=2)
        if a == b or G.has_edge(a, b):
            continue
        w = int(rng.integers(1, 50))
        G.add_edge(a, b, weight=w)
        lines.append(f"a {a} {b} {w}")
    p = tmp_path / "r.gr"
    p.write_text(f"c test\np sp {n} {len(lines)}\n" + "\n".join(lines) + "\n")
    g = read_dimacs(p)
    from scipy.sparse.csgraph import dijkstra

    dist = dijkstra(g.to_scipy("length"), indices=[0])[0]
    ref = nx.single_source_dijkstra_path_length(G, 1)
    for v, d in ref.items():
        assert dist[g.node_index(v)] == d


@pytest.mark.parametrize(
    "text,msg",
    [
        ("p sp 3 3\na 1 2 1\na 2 3 1\n", "announces 3 arcs but the file has 2"),
        ("p sp 3 1\na 1 2 -4\n", "negative edge weight"),
        ("p sp 3 1\na 1 9 4\n", "outside 1..3"),
        ("a 1 2 3\n", "before the 'p sp n m' line"),
        ("p sp 3 1\na 1 x 4\n", "bad arc line"),
        ("p sp 3 1\na 1 2 nan\n", "line 2: edge weight nan on arc 1 -> 2 is not finite"),
        ("p sp 3 1\na 1 2 1e400\n", "line 2: edge weight 1e400 on arc 1 -> 2 is not finite"),
        ("p sp 3 2\na 1 2 1\na 2 3 1\np sp 5 2\n", "line 4: a second problem line"),
    ],
)
def test_bad_dimacs(tmp_path, text, msg):
    p = tmp_path / "bad.gr"
    p.write_text(text)
    with pytest.raises(InvalidInstanceError, match=msg):
        read_dimacs(p)


@pytest.mark.parametrize(
    "rel,lo,hi",
    [
        ("road/andorra-osm/andorra.osm.pbf", 15_000, 17_000),
        ("road/monaco-osm/monaco.osm.gz", 2_000, 4_000),
        ("road/north-bayreuth-osm/north-bayreuth.osm.gz", 4_000, 7_000),
        ("road/rome99-dimacs/rome99.gr", 3_353, 3_353),
    ],
)
def test_shared_road_files_build(shared_data, rel, lo, hi):
    from scipy.sparse.csgraph import connected_components

    from graphroute.graphs import read_any

    g = read_any(shared_data / rel)
    assert lo <= g.n_nodes <= hi
    assert connected_components(g.to_scipy(), directed=True, connection="strong")[0] == 1
    assert np.all(g.edge_attrs["length"] >= 0)


def test_osm_weight_and_motorway_oneway_no(tmp_path):
    text = OSM.replace(
        '<way id="16">',
        '<way id="17"><nd ref="5"/><nd ref="4"/><tag k="highway" v="motorway"/></way>'
        '<way id="18"><nd ref="3"/><nd ref="5"/><tag k="highway" v="motorway"/><tag k="oneway" v="no"/></way>'
        '<way id="19"><nd ref="2"/><nd ref="4"/><tag k="highway" v="track"/></way>'
        '<way id="16">',
    )
    p = tmp_path / "tiny.osm"
    p.write_text(text)
    g = read_osm(p, weight="length", keep_largest_scc=False)
    arcs = {(int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.sources(), g.indices)}
    assert (5, 4) in arcs and (4, 5) not in arcs  # motorway: one-way by default
    assert (3, 5) in arcs and (5, 3) in arcs  # unless oneway=no
    assert (2, 4) not in arcs and (4, 2) not in arcs  # tracks are not drivable here
    assert g.default_weight == "length" and g.meta["missing_nodes"] == 1
    with pytest.raises(Exception, match="unknown road weight"):
        read_osm(p, weight="speed")


@pytest.mark.parametrize(
    "text,msg",
    [
        ("p sp x 3\n", "bad problem line"),
        # an absurd header in a tiny file: named, not "out of memory: the input is too large"
        ("p sp 1000000000000 1\n", r"line 1: the header announces 1,000,000,000,000 nodes, about 48 TB of memory "
                                    r"for the node arrays alone, and .* is available"),
        ("v 1 7000000 45000000\nv 2 x 1\n", "line 2: bad coordinate line"),
    ],
)
def test_bad_dimacs_headers_and_coords(tmp_path, text, msg):
    gr = tmp_path / "g.gr"
    if text.startswith("p"):
        gr.write_text(text)
    else:
        gr.write_text("p sp 2 1\na 1 2 5\n")
        (tmp_path / "g.co").write_text(text)
    with pytest.raises(InvalidInstanceError, match=msg):
        read_dimacs(gr)


@pytest.mark.parametrize("arcs,why", [(1, r"\(truncated\?\)"), (3, r"\(more 'a' lines than the 'p sp' line announces\)")])
def test_dimacs_arc_count_mismatch_says_which_way(tmp_path, arcs, why):
    """Walkthrough: a file with more arcs than its header was called truncated."""
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 3 2\n" + "".join(f"a {i} {i % 3 + 1} 1\n" for i in range(1, arcs + 1)))
    with pytest.raises(InvalidInstanceError, match=f"announces 2 arcs but the file has {arcs} {why}"):
        read_dimacs(gr)


def test_dimacs_coords(tmp_path):
    gr = tmp_path / "g.gr"
    gr.write_text("p sp 2 2\na 1 2 5\na 2 1 7\n")
    (tmp_path / "g.co").write_text("c coords\np aux sp co 2\nv 1 7420000 43730000\nv 2 -7421000 43731000\n")
    g = read_dimacs(gr)
    np.testing.assert_allclose(g.coords, [[7.42, 43.73], [-7.421, 43.731]])
    assert g.node_ids.tolist() == [1, 2] and g.default_weight == "length"


def test_rome99_against_networkx(shared_data):
    nx = pytest.importorskip("networkx")
    from scipy.sparse.csgraph import dijkstra

    path = shared_data / "road/rome99-dimacs/rome99.gr"
    g = read_dimacs(path)
    G = nx.DiGraph()
    for line in path.read_text().splitlines():
        if line.startswith("a "):
            _, a, b, w = line.split()
            a, b, w = int(a), int(b), float(w)
            if not G.has_edge(a, b) or G[a][b]["weight"] > w:  # parallel arcs: the shortest counts
                G.add_edge(a, b, weight=w)
    for s in (1, 1000, 3353):
        ref = nx.single_source_dijkstra_path_length(G, s)
        dist = dijkstra(g.to_scipy("length"), indices=[g.node_index(s)])[0]
        assert len(ref) == g.n_nodes
        for v, d in ref.items():
            assert dist[g.node_index(v)] == d


@pytest.mark.parametrize("suffix,opener", [(".osm.gz", "gzip"), (".osm.bz2", "bz2")])
def test_osm_compressed_same_graph(tmp_path, suffix, opener):
    import importlib

    plain = tmp_path / "tiny.osm"
    plain.write_text(OSM)
    packed = tmp_path / f"tiny{suffix}"
    with importlib.import_module(opener).open(packed, "wt") as fh:
        fh.write(OSM)
    a, b = read_osm(plain, keep_largest_scc=False), read_osm(packed, keep_largest_scc=False)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.edge_attrs["time"], b.edge_attrs["time"])


@given(
    oneway=st.sampled_from([None, "yes", "true", "1", "-1", "reverse", "no"]),
    junction=st.sampled_from([None, "roundabout", "circular"]),
    highway=st.sampled_from(["motorway", "motorway_link", "primary", "residential"]),
)
def test_direction_rules(oneway, junction, highway):
    from graphroute.graphs.road import _direction

    d = _direction({"oneway": oneway, "junction": junction, "highway": highway})
    if oneway in ("yes", "true", "1"):
        assert d == 1
    elif oneway in ("-1", "reverse"):
        assert d == -1
    elif oneway == "no":
        assert d == 0
    else:
        assert d == (1 if junction or highway.startswith("motorway") else 0)


def test_reversible_ways_left_out(tmp_path):
    text = OSM.replace('<way id="16">', '<way id="20"><nd ref="2"/><nd ref="4"/><tag k="highway" v="primary"/>'
                                        '<tag k="oneway" v="reversible"/></way><way id="16">')
    p = tmp_path / "rev.osm"
    p.write_text(text)
    g = read_osm(p, keep_largest_scc=False)
    arcs = {(int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.sources(), g.indices)}
    assert (2, 4) not in arcs and (4, 2) not in arcs and g.meta["ways_reversible"] == 1


def test_gzipped_dimacs_finds_gzipped_coords(tmp_path):
    import gzip

    with gzip.open(tmp_path / "g.gr.gz", "wt") as fh:
        fh.write("p sp 2 2\na 1 2 5\na 2 1 7\n")
    with gzip.open(tmp_path / "g.co.gz", "wt") as fh:
        fh.write("p aux sp co 2\nv 1 7420000 43730000\nv 2 7421000 43731000\n")
    g = read_dimacs(tmp_path / "g.gr.gz")
    np.testing.assert_allclose(g.coords, [[7.42, 43.73], [7.421, 43.731]])


@pytest.mark.parametrize("name,data,msg", [
    ("bin.gr", b"p sp 2 1\na 1 2 \xff\xfe\n", "bin.gr: not a UTF-8 text file"),
    ("fake.gr.gz", b"not gzip at all", "fake.gr.gz: not a readable gzip file"),
])
def test_undecodable_dimacs_is_one_error(tmp_path, name, data, msg):
    """Binary bytes and a .gz that is not gzip: an InvalidInstanceError (one CLI line), nothing written."""
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InvalidInstanceError, match=msg):
        read_dimacs(p)
    out = tmp_path / "o.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "road", str(p), "--out", str(out)])
    assert res.exit_code == 1 and msg in res.output and "Traceback" not in res.output and not out.exists()


_TRIANGLE_WAY = ('<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>'
                 '<tag k="highway" v="residential"/></way>')


@pytest.mark.parametrize("where", ["lat=\"95.0\" lon=\"7.0\"", "lat=\"43.0\" lon=\"200.0\""])
@pytest.mark.parametrize("late", [False, True], ids=["sorted", "nodes-after-way"])
def test_osm_node_off_the_globe_is_refused_by_id(tmp_path, where, late):
    """Walkthrough: lat 95 was dropped as a node "missing from the file" (NaN was refused)."""
    nodes = (f'<node id="1" {where}/><node id="2" lat="43.001" lon="7.0"/>'
             '<node id="3" lat="43.001" lon="7.001"/>')
    body = _TRIANGLE_WAY + nodes if late else nodes + _TRIANGLE_WAY
    p = tmp_path / "t.osm"
    p.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">{body}</osm>\n')
    with pytest.raises(InvalidInstanceError, match=r"t.osm: node 1 lies off the globe \(lon (7|200), lat (95|43);"):
        read_osm(p)
    good = p.read_text().replace(where, 'lat="43.0" lon="7.0"')
    p.write_text(good)
    assert read_osm(p, keep_largest_scc=False).n_nodes == 3  # the same file on the globe builds


def test_a_node_the_component_step_dropped_is_named_as_such(tmp_path):
    """Walkthrough: an OSM id of the file that the largest-SCC step dropped was a plain 'unknown node'."""
    nodes = "".join(f'<node id="{i}" lat="43.{i:03d}" lon="7.0"/>' for i in range(1, 6))
    ways = (_TRIANGLE_WAY + '<way id="11"><nd ref="4"/><nd ref="5"/><tag k="highway" v="residential"/>'
            '<tag k="oneway" v="yes"/></way>')
    p = tmp_path / "t.osm"
    p.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">{nodes}{ways}</osm>\n')
    g = read_osm(p)
    assert g.n_nodes == 3 and g.meta["scc"]["dropped_nodes"] == 2
    with pytest.raises(UnknownNameError, match=r"unknown node '4' \(graph has 3 nodes\); the build kept the largest "
                                               r"strongly connected component and dropped 2 nodes, which may hold it "
                                               r"\(graph build road --keep-all keeps them\)"):
        g.node_index("4")
    with pytest.raises(UnknownNameError, match=r"^unknown node '9' \(graph has 5 nodes\)$"):  # nothing dropped
        read_osm(p, keep_largest_scc=False).node_index("9")
