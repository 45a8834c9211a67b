"""Boundaries the other path tests do not reach: bidirectional Dijkstra's stopping rule and tie rule,
``dijkstra_all``'s ``limit``, the CSR / node checks' edge cases, and the K / budget / overlap bounds of
Yen and diverse K-paths. Each test pins one mutation of the code that the rest of the suite let through
(a mutation audit, 2026-12-02)."""

from __future__ import annotations

import math

import pytest

from graphroute.exceptions import InvalidArgumentError, UnknownNameError
from graphroute.paths import bidirectional_dijkstra, dijkstra, dijkstra_all
from graphroute.paths.dijkstra import Path, check_csr
from graphroute.paths.diverse import diverse_k_paths, path_overlap
from graphroute.paths.yen import MAX_K, k_shortest_paths

# 0->1:1, 0->2:1, 0->3:10, 1->3:1, 2->1:1.5
G = ([0, 3, 4, 5, 5], [1, 2, 3, 3, 1], [1, 1, 10, 1, 1.5])


def test_bidirectional_search_does_not_stop_before_the_frontiers_prove_the_best_path():
    """A 10-cost shortcut meets both searches first; the 6-hop path of cost 6 is the answer (stopping at
    half the best bound returned 10)."""
    path = bidirectional_dijkstra([0, 2, 3, 4, 5, 6, 7, 7], [1, 6, 2, 3, 4, 5, 6], [1, 10, 1, 1, 1, 1, 1], 0, 6)
    assert path.cost == 6.0 and path.nodes == (0, 1, 2, 3, 4, 5, 6)


def test_bidirectional_ties_go_to_the_lower_edge_position():
    assert bidirectional_dijkstra([0, 2, 2], [1, 1], [1.0, 1.0], 0, 1).edges == (0,)


def test_limit_keeps_nodes_exactly_at_the_limit_and_drops_unsettled_ones():
    dist, pred = dijkstra_all([0, 1, 2, 2], [1, 2], [2.0, 5.0], 0, limit=2.0)
    assert dist.tolist() == [0, 2, math.inf] and pred.tolist() == [-1, 0, -1]
    dist, pred = dijkstra_all([0, 1, 2, 2], [1, 2], [1.0, 5.0], 0, limit=3.0)  # node 2 relaxed (6), not settled
    assert dist.tolist() == [0, 1, math.inf] and pred.tolist() == [-1, 0, -1]


@pytest.mark.parametrize("csr, message", [
    (([0, 1, 1], [2], [1.0]), "edge 0 points to node 2, outside 0..1"),
    (([0, 1, 2, 2], [1, 2], [1.0, -1.0]), "edge 1 (1 -> 2)"),
    (([], []), "indptr must be a 1-D array"),
])
def test_csr_checks_at_their_boundaries(csr, message):
    with pytest.raises(InvalidArgumentError, match=__import__("re").escape(message)):
        check_csr(*csr)


def test_a_fractional_node_is_not_truncated():
    with pytest.raises(UnknownNameError, match=r"source 1\.5 is not in the graph"):
        dijkstra([0, 1, 1], [1], [1.0], 1.5, 1)


def test_k_may_be_exactly_max_k():
    assert len(k_shortest_paths([0, 1, 1], [1], [1.0], 0, 1, MAX_K)) == 1
    with pytest.raises(InvalidArgumentError, match="k must be at most"):
        k_shortest_paths([0, 1, 1], [1], [1.0], 0, 1, MAX_K + 1)


def test_diverse_budget_and_overlap_bounds():
    assert [p.nodes for p in diverse_k_paths(*G, 0, 3, 2, max_overlap=0.0, budget=2)] == [(0, 1, 3)]  # 2 examined
    assert [p.nodes for p in diverse_k_paths(*G, 0, 3, 2, max_overlap=0.0)] == [(0, 1, 3), (0, 3)]  # budget 50 k
    assert [p.nodes for p in diverse_k_paths(*G, 0, 3, 2, budget=2)] == [(0, 1, 3), (0, 2, 1, 3)]  # budget == k
    with pytest.raises(InvalidArgumentError, match="max_overlap"):
        diverse_k_paths(*G, 0, 3, 2, max_overlap=-0.1)


def test_length_overlap_of_zero_cost_paths_counts_shared_hops():
    p, q = Path((0, 1, 2, 3), (0, 1, 2), 0.0), Path((0, 1, 2, 4), (0, 1, 3), 0.0)
    assert path_overlap(p, q, "length", [0.0] * 4) == pytest.approx(2 / 3)
