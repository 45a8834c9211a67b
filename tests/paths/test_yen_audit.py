"""Mutation audit of graphroute.paths.yen: behaviour the other path tests let through.

Each test pins one mutant that survived tests/paths/ (ids from the audit: Y01, Y04, Y15).
"""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths import dijkstra, k_shortest_paths, k_shortest_paths_prepared, prepare
from graphroute.paths.diverse import diverse_k_paths
from tests.paths._graphs import to_csr

# 0 -> 1 -> 3 (cost 2), 0 -> 2 -> 3 (cost 3), 0 -> 3 (cost 4)
CSR = to_csr(4, [(0, 1, 1.0), (1, 3, 1.0), (0, 2, 1.0), (2, 3, 2.0), (0, 3, 4.0)])


@pytest.mark.parametrize("k", [True, False, np.bool_(True)])
def test_k_may_not_be_a_bool(k):
    """Y01: True is an int to Python, not a count of paths."""
    with pytest.raises(InvalidArgumentError, match="k must be a positive integer"):
        k_shortest_paths(*CSR, 0, 3, k)
    with pytest.raises(InvalidArgumentError, match="k must be a positive integer"):
        k_shortest_paths_prepared(prepare(*CSR), 0, 3, k)
    with pytest.raises(InvalidArgumentError, match="k must be a positive integer"):
        diverse_k_paths(*CSR, 0, 3, k)


@pytest.mark.parametrize("k", [np.int64(2), np.int32(2), np.uint8(2)])
def test_numpy_integer_k_is_accepted(k):
    """Y04: k read from an array (np.int64) counts like a Python int."""
    paths = k_shortest_paths(*CSR, 0, 3, k)
    assert [p.nodes for p in paths] == [(0, 1, 3), (0, 2, 3)]
    assert [p.cost for p in paths] == [2.0, 3.0]
    assert k_shortest_paths_prepared(prepare(*CSR), 0, 3, k) == paths
    assert len(diverse_k_paths(*CSR, 0, 3, k, max_overlap=1.0)) == 2


def test_parallel_ties_go_to_the_lower_edge_position_like_dijkstra():
    """Y15: between two consecutive path nodes Yen uses the cheapest parallel edge, the lower position on
    ties, as dijkstra does: the first path is dijkstra's path edge for edge."""
    # positions: 0->1 (0: w 1, 1: w 1), 0->2 (2: w 5), 1->2 (3: w 2, 4: w 1, 5: w 1), 1->3 (6: w 1), 3->2 (7: w 1),
    # 2 -> nothing
    indptr = [0, 3, 7, 7, 8]
    indices = [1, 1, 2, 2, 2, 2, 3, 2]
    weights = [1.0, 1.0, 5.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    paths = k_shortest_paths(indptr, indices, weights, 0, 2, 10)
    # every loopless 0 -> 2 path: 0-1-2 (2), 0-1-3-2 (3), 0-2 (5)
    assert [(p.nodes, p.edges, p.cost) for p in paths] == [
        ((0, 1, 2), (0, 4), 2.0),
        ((0, 1, 3, 2), (0, 6, 7), 3.0),
        ((0, 2), (2,), 5.0),
    ]
    assert paths[0].edges == dijkstra(indptr, indices, weights, 0, 2).edges
    assert k_shortest_paths_prepared(prepare(indptr, indices, weights), 0, 2, 10) == paths


def test_a_search_that_runs_the_machine_out_of_memory_stops_with_one_line(monkeypatch):
    """--k 1000000 on a 100-node grid grew 30 MB/s until the system killed it; below the floor of free
    memory the search stops with an error that says after how many paths."""
    import graphroute.memory
    import graphroute.paths.yen as yen

    n = 8  # a grid: many loopless paths
    edges = [(r * n + c, r * n + c + 1, 1.0) for r in range(n) for c in range(n - 1)]
    edges += [(r * n + c, (r + 1) * n + c, 1.0) for r in range(n - 1) for c in range(n)]
    edges += [(v, u, w) for u, v, w in edges]
    ip, ix, w = to_csr(n * n, edges)
    monkeypatch.setattr(yen, "MEMORY_CHECK_EVERY", 50)
    assert len(k_shortest_paths(ip, ix, w, 0, n * n - 1, 200)) == 200  # plenty of memory: no effect
    monkeypatch.setattr(graphroute.memory, "available_bytes", lambda device="cpu": 100 * 2**20)
    with pytest.raises(InvalidArgumentError, match=r"^K shortest paths: 105 MB of memory left after \d+ paths, so "
                                                   r"the search stopped before the system runs out; ask for fewer"):
        k_shortest_paths(ip, ix, w, 0, n * n - 1, 200)
    monkeypatch.setattr(graphroute.memory, "available_bytes", lambda device="cpu": None)  # unknown: no check
    assert len(k_shortest_paths(ip, ix, w, 0, n * n - 1, 200)) == 200
