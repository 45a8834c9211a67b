"""graphroute.paths: shortest paths over CSR arrays (indptr, indices, weights).

Dijkstra (one pair, one to all, many to many), bidirectional Dijkstra, A* with a geometric bound,
Yen's K shortest loopless paths, diverse K-paths (K-Paths-style) and time-dependent Dijkstra.
Pure functions; scipy is imported only inside the functions that use it. For many queries on one
graph, :func:`prepare` checks and converts the arrays once and :func:`dijkstra_prepared` /
:func:`k_shortest_paths_prepared` run only the search.
"""

from graphroute.paths.astar import astar, geometric_heuristic, geometric_scale
from graphroute.paths.dijkstra import (
    Path,
    PreparedGraph,
    bidirectional_dijkstra,
    dijkstra,
    dijkstra_all,
    dijkstra_matrix,
    dijkstra_prepared,
    prepare,
    reverse_csr,
)
from graphroute.paths.diverse import diverse_k_paths, path_overlap
from graphroute.paths.timedep import TimedPath, time_dependent_dijkstra
from graphroute.paths.yen import k_shortest_paths, k_shortest_paths_prepared, shortest_simple_paths

__all__ = [
    "Path",
    "PreparedGraph",
    "TimedPath",
    "astar",
    "bidirectional_dijkstra",
    "dijkstra",
    "dijkstra_all",
    "dijkstra_matrix",
    "dijkstra_prepared",
    "diverse_k_paths",
    "geometric_heuristic",
    "geometric_scale",
    "k_shortest_paths",
    "k_shortest_paths_prepared",
    "path_overlap",
    "prepare",
    "reverse_csr",
    "shortest_simple_paths",
    "time_dependent_dijkstra",
]
