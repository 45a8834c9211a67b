"""Graph-building rules a mutation audit (2026-12-02) found unpinned, each on a hand-made input: OSM tags
(case of oneway, area=yes, repeated nodes, the 250 km/h bound), zero-weight DIMACS arcs, traffic speeds at
the source sensor with their floors and fallbacks, FIFO repair across midnight, OpenKE / SumGNN ids, KG
duplicate keys, re-contraction and the graph model's own checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from graphroute.exceptions import GraphrouteError, InvalidInstanceError, UnknownNameError
from graphroute.graphs.contract import contract_chains
from graphroute.graphs.kg import read_kg
from graphroute.graphs.model import Graph, first_duplicate, from_edges, load_graph, save_graph
from graphroute.graphs.road import parse_maxspeed, read_dimacs, read_osm
from graphroute.graphs.traffic import MAX_SENSORS, check_sensor_ids, fifo_repair, read_traffic, slot_travel_times

N2 = {1: (43.0, 7.0), 2: (43.001, 7.0)}


def osm(tmp_path, ways, nodes=N2):
    body = ['<?xml version="1.0"?>', '<osm version="0.6">']
    body += [f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, (lat, lon) in nodes.items()]
    for wid, (refs, tags) in enumerate(ways, 100):
        nd = "".join(f'<nd ref="{r}"/>' for r in refs)
        tg = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body.append(f'<way id="{wid}">{nd}{tg}</way>')
    path = tmp_path / "w.osm"
    path.write_text("\n".join(body + ["</osm>"]))
    return read_osm(path, keep_largest_scc=False)


def arcs(g) -> list[tuple[int, int]]:
    return sorted((int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.sources(), g.indices))


# --- OSM / DIMACS ------------------------------------------------------------------------------------------


def test_maxspeed_250_is_plausible():
    assert parse_maxspeed("250") == 250.0


def test_a_repeated_node_in_a_way_makes_no_self_loop(tmp_path):
    assert arcs(osm(tmp_path, [([1, 1, 2], {"highway": "residential"})])) == [(1, 2), (2, 1)]


def test_area_highways_are_not_roads(tmp_path):
    g = osm(tmp_path, [([1, 2], {"highway": "residential"}), ([1, 2], {"highway": "service", "area": "yes"})])
    assert g.meta["ways_kept"] == 1


def test_oneway_values_are_read_in_any_case(tmp_path):
    assert arcs(osm(tmp_path, [([1, 2], {"highway": "residential", "oneway": "Yes"})])) == [(1, 2)]
    g = osm(tmp_path, [([1, 2], {"highway": "residential"}), ([2, 1], {"highway": "primary", "oneway": "Reversible"})])
    assert (g.meta["ways_reversible"], g.n_edges) == (1, 2)


def test_a_way_without_maxspeed_is_not_counted_as_tagged(tmp_path):
    assert osm(tmp_path, [([1, 2], {"highway": "residential"})]).meta["maxspeed_tags"] == 0


def test_zero_weight_dimacs_arcs_are_legal(tmp_path):
    (tmp_path / "z.gr").write_text("p sp 2 2\na 1 2 0\na 2 1 5\n")
    assert sorted(read_dimacs(tmp_path / "z.gr").edge_attrs["length"].tolist()) == [0.0, 5.0]


# --- traffic -----------------------------------------------------------------------------------------------


def traffic_time_a_to_b(tmp_path, speeds: str) -> float:
    """a and b 1 km apart both ways; ``speeds`` is the 'a,b' row (mph) of all 288 five-minute slots."""
    (tmp_path / "distances.csv").write_text("a,b,1000\nb,a,1000\n")
    (tmp_path / "graph_sensor_locations.csv").write_text("sensor_id,latitude,longitude\na,43.0,7.0\nb,43.0,7.01\n")
    (tmp_path / "speed.csv").write_text("a,b\n" + "\n".join([speeds] * 288) + "\n")
    g = read_traffic(tmp_path / "distances.csv", sigma=1000.0)
    edge = {(g.node_label(u), g.node_label(v)): i for i, (u, v) in enumerate(zip(g.sources(), g.indices))}
    return float(g.edge_attrs["time"][edge[("a", "b")]])


@pytest.mark.parametrize("speeds, seconds", [
    ("60,30", 37.282),  # the speed at the edge's source sensor (60 mph), not its target's
    ("1,60", 720.0),  # the 5 km/h floor
    ("0,60", 37.282),  # a sensor with no valid speed takes the median of all sensors
])
def test_edge_times_use_the_source_sensors_speed(tmp_path, speeds, seconds):
    assert traffic_time_a_to_b(tmp_path, speeds) == pytest.approx(seconds, abs=1e-3)


def test_slot_travel_times_per_edge_source(tmp_path):
    (tmp_path / "sp.csv").write_text("a,b\n" + "\n".join(["60,30"] * 288) + "\n")
    times = slot_travel_times(tmp_path / "sp.csv", ["a", "b"], np.array([0, 1]), np.array([1000.0, 1000.0]))
    assert times[0].tolist() == pytest.approx([37.282, 74.565], abs=1e-3)


def test_fifo_repair_wraps_around_midnight():
    assert fifo_repair(np.array([[1000.0], [100.0], [1000.0]]), 300.0)[:, 0].tolist() == [400.0, 100.0, 700.0]


def test_max_sensors_is_allowed():
    assert len(check_sensor_ids([str(i) for i in range(MAX_SENSORS)], "ids.txt")) == MAX_SENSORS


# --- knowledge graphs --------------------------------------------------------------------------------------


def kg_folder(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_an_openke_id_equal_to_the_vocabulary_size_is_one_error(tmp_path):
    d = kg_folder(tmp_path, {"entity2id.txt": "2\na\t0\nb\t1\n", "relation2id.txt": "1\nr\t0\n",
                             "train2id.txt": "1\n0 2 0\n"})
    with pytest.raises(InvalidInstanceError, match="entity id 2 is not in entity2id.txt"):
        read_kg(d)


def test_no_training_triple_is_lost_to_a_key_collision(tmp_path):
    d = kg_folder(tmp_path, {"train.txt": "a\tr\tb\nb\tr\tc\na\tr\tc\na\ts\ta\n", "valid.txt": "b\tr\ta\n"})
    g = read_kg(d)
    assert g.meta["triples"]["train"] == 4 and g.meta["duplicates_removed"]["train"] == 0


def test_sumgnn_ids_are_ordered_as_numbers(tmp_path):
    node2id = {f"DB{i:05d}": i for i in range(12)}
    d = kg_folder(tmp_path, {"node2id.json": json.dumps(node2id), "train.txt": "0 1 0\n2 3 10\n4 5 2\n10 11 0\n",
                             "valid.txt": "1 2 0\n", "test.txt": "3 4 1\n"})
    g = read_kg(d)
    assert g.node_ids[:4].tolist() == ["DB00000", "DB00001", "DB00002", "DB00003"]
    assert g.relation_names == ["interaction_1", "interaction_2", "interaction_3", "interaction_11"]


# --- contraction and the model ------------------------------------------------------------------------------


def test_contracting_a_contracted_graph_adds_up_hops():
    s, t = [0, 1, 2, 3, 1, 2, 3, 4], [1, 2, 3, 4, 0, 1, 2, 3]
    g = from_edges(np.array(s), np.array(t), 5, edge_attrs={"length": np.ones(8)}, meta={"default_weight": "length"})
    c2 = contract_chains(contract_chains(g, keep=[2]).graph)
    edges = sorted(zip(c2.graph.sources().tolist(), c2.graph.indices.tolist(), c2.graph.edge_attrs["hops"].tolist()))
    assert edges == [(0, 1, 4), (1, 0, 4)]


def test_model_checks():
    with pytest.raises(UnknownNameError):
        Graph(indptr=np.array([0, 1, 2, 2]), indices=np.array([1, 2])).node_index("3")
    with pytest.raises(InvalidInstanceError):
        from_edges(np.array([0]), np.array([1]), 2, edge_attrs={"weight": np.array([-1.0])})
    assert first_duplicate(np.array([1, 2, 2])) is not None and first_duplicate(np.array([1, 2, 3])) is None


def test_negative_time_slots_are_refused_on_load(tmp_path):
    g = from_edges(np.array([0]), np.array([1]), 2, edge_attrs={"length": np.array([1.0])},
                   extras={"time_slots": np.array([[-5.0]])})
    with pytest.raises(GraphrouteError, match="-5"):
        load_graph(save_graph(g, tmp_path / "neg.graph.npz"))
