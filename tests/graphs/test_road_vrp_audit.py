"""Road VRP instances on graphs small enough to check by hand: a one-way DIMACS ring with a dead-end tail
(the matrix direction, the strongly connected component, the size limits), and a synthetic grid
(distinct stops, demands, capacity, coordinates, names, the clustered draw)."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.road_vrp import road_vrp_instance
from graphroute.graphs.synthetic import synthetic_graph

N = 8  # ring 1 -> 2 -> ... -> 8 -> 1, arc i -> i+1 of length 10 * i; node 9 hangs off 8 (8 -> 9 only)


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    from graphroute.graphs.road import read_dimacs

    gr = tmp_path_factory.mktemp("ring") / "ring.gr"
    arcs = [f"a {i} {i % N + 1} {10 * i}\n" for i in range(1, N + 1)] + ["a 8 9 5\n"]
    gr.write_text(f"p sp {N + 1} {len(arcs)}\n" + "".join(arcs))
    return read_dimacs(gr)


def ring_distance(a: int, b: int) -> int:
    """Travel from DIMACS node a to b along the one-way ring, by hand."""
    d, i = 0, a
    while i != b:
        d += 10 * i
        i = i % N + 1
    return d


@pytest.mark.parametrize("seed", range(6))
def test_ring_matrix_is_row_from_column_to_inside_the_scc(ring, seed):
    inst = road_vrp_instance(ring, customers=4, seed=seed)
    ids = inst.meta["node_ids"]
    assert len(set(ids)) == 5 and 9 not in ids  # the tail node 9 cannot come back: not a stop
    want = np.array([[ring_distance(a, b) for b in ids] for a in ids], dtype=float)
    np.testing.assert_array_equal(inst.matrix, want)  # matrix[i][j]: from stop i to stop j
    assert inst.meta["seed"] == seed


def test_ring_size_limits(ring):
    assert road_vrp_instance(ring, customers=N - 1, seed=0).n == N  # all 8 ring nodes, the tail left out
    # the graph has 9 nodes; it said "the graph has 8" (walkthrough finding): the draw is from the 8 of the component
    with pytest.raises(InvalidArgumentError, match=r"8 customers and a depot need 9 nodes; the graph's largest strongly "
                                                   r"connected component, where they are drawn, has 8 \(of 9\)$"):
        road_vrp_instance(ring, customers=N, seed=0)
    with pytest.raises(InvalidArgumentError, match="^customers must be at least 1, got 0"):
        road_vrp_instance(ring, customers=0, seed=0)
    # two explicit n x n matrices: 16,407 customers on Andorra took all 24 GB before the OOM kill (walkthrough)
    with pytest.raises(InvalidArgumentError, match=r"^customers must be at most 2,000 \(the instance holds explicit "
                                                   r"n x n distance and duration matrices\), got 16,407$"):
        road_vrp_instance(ring, customers=16_407, seed=0)
    for bad in (2.5, True, "3"):  # numpy would take 2.5 deep inside rng.choice, True as 1
        with pytest.raises(InvalidArgumentError, match="^customers must be an integer"):
            road_vrp_instance(ring, customers=bad, seed=0)


def test_graph_kind_is_checked():
    g = synthetic_graph("grid", 25, seed=0)
    g.kind = "kg"
    with pytest.raises(InvalidArgumentError, match="need a road graph, got a kg graph"):
        road_vrp_instance(g, customers=3, seed=0)


@pytest.fixture(scope="module")
def grid():
    return synthetic_graph("grid", 100, seed=0)


@pytest.mark.parametrize("clustered", [False, True])
def test_stops_are_distinct_and_demands_in_1_to_9(grid, clustered):
    for seed in range(12):
        inst = road_vrp_instance(grid, customers=40, clustered=clustered, seed=seed, clusters=2)
        assert len(set(inst.meta["node_ids"])) == 41, seed  # the depot is never also a customer
        assert inst.demands[0] == 0 and inst.demands[1:].min() >= 1 and inst.demands[1:].max() <= 9
        assert np.all(np.diag(inst.matrix) == 0)


def test_coordinates_capacity_and_names(grid):
    inst = road_vrp_instance(grid, customers=10, seed=3, capacity=17)
    assert inst.capacity == 17
    ids = np.asarray(inst.meta["node_ids"])
    np.testing.assert_array_equal(inst.coords, grid.coords[ids])  # each stop at its graph node
    assert inst.name == "road-acvrp10-s3"
    cl = road_vrp_instance(grid, customers=10, clustered=True, seed=3)
    assert cl.name == "road-acvrp10-cl-s3" and cl.meta["clustered"] is True
    assert road_vrp_instance(grid, customers=10, seed=3, name="mine").name == "mine"


def test_clustered_customers_are_near_their_centre():
    """With one cluster the customers are drawn among the ``max(3 * customers, 50) + 1`` nodes nearest (by
    travel time) to one node: some node must have them all that near."""
    from scipy.sparse.csgraph import dijkstra

    g = synthetic_graph("grid", 400, seed=1)
    near = dijkstra(g.to_scipy("time"))  # [from, to], every node as a possible centre
    k = max(3 * 10, 50) + 1
    for seed in range(4):
        inst = road_vrp_instance(g, customers=10, clustered=True, clusters=1, seed=seed)
        cust = np.asarray(inst.meta["node_ids"][1:])
        rank = np.argsort(np.argsort(near, axis=1, kind="stable"), axis=1, kind="stable")  # rank of j from i
        assert (rank[:, cust].max(axis=1) < k).any(), seed


@pytest.mark.parametrize("capacity", [7, 0, -3, 2.5])
def test_a_capacity_below_the_largest_drawn_demand_is_refused_for_every_seed(ring, capacity):
    """Demands are drawn in 1..9: capacity 7 failed on some seeds ('demand of node 3 (8) exceeds ...') and
    not on others; generate random refuses it up front, and so does the road generator now."""
    for seed in range(4):
        with pytest.raises(Exception, match=r"^capacity must be an integer >= 9 \(the largest generated demand\)"):
            road_vrp_instance(ring, customers=3, seed=seed, capacity=capacity)
    assert road_vrp_instance(ring, customers=3, seed=0, capacity=9).capacity == 9


def test_generate_vrp_refuses_a_small_capacity_before_reading_the_road(tmp_path):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    res = CliRunner().invoke(app, ["generate", "vrp", "--road", str(tmp_path / "missing.gr"), "-n", "3",
                                   "--capacity", "7", "--out", str(tmp_path / "x.json")])
    assert res.exit_code == 1 and "capacity must be an integer >= 9" in res.output and not (tmp_path / "x.json").exists()
