"""graphroute.paths: shortest paths over CSR arrays (indptr, indices, weights).

Dijkstra (one pair, one to all, many to many), bidirectional Dijkstra, A* with a geometric bound,
Yen's K shortest loopless paths, diverse K-paths (K-Paths-style) and time-dependent Dijkstra.
Pure functions; scipy is imported only inside the functions that use it.
"""

from graphroute.paths.astar import astar, geometric_heuristic, geometric_scale
from graphroute.paths.dijkstra import (
    Path,
    bidirectional_dijkstra,
    dijkstra,
    dijkstra_all,
    dijkstra_matrix,
    reverse_csr,
)
from graphroute.paths.diverse import diverse_k_paths, path_overlap
from graphroute.paths.timedep import TimedPath, time_dependent_dijkstra
from graphroute.paths.yen import k_shortest_paths, shortest_simple_paths

__all__ = [
    "Path",
    "TimedPath",
    "astar",
    "bidirectional_dijkstra",
    "dijkstra",
    "dijkstra_all",
    "dijkstra_matrix",
    "diverse_k_paths",
    "geometric_heuristic",
    "geometric_scale",
    "k_shortest_paths",
    "path_overlap",
    "reverse_csr",
    "shortest_simple_paths",
    "time_dependent_dijkstra",
]
