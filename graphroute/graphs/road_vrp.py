"""Realistic asymmetric CVRP instances on road networks (RRNCO-style).

The depot and the customers are distinct nodes of the road graph's largest strongly connected
component, uniform at random or clustered (customers drawn among the nodes nearest, by travel
time, to a few random seed nodes). The cost matrix is the shortest *travel distance* in metres
(rounded to integers, so costs are exact), the duration matrix the shortest *travel time* in
seconds, both from many-to-many Dijkstra; both are asymmetric because of one-way streets. A graph
without a ``time`` attribute (DIMACS) gives costs in its length units and no durations.
"""

from __future__ import annotations

import operator

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs.model import Graph
from graphroute.problems.generate import MAX_ASYMMETRIC_SIZE, capacity_for, check_generated_capacity
from graphroute.problems.instance import Instance


def road_vrp_instance(
    graph: Graph,
    *,
    customers: int,
    clustered: bool = False,
    seed: int = 0,
    capacity: int | None = None,
    name: str | None = None,
    clusters: int = 4,
    source: str | None = None,
) -> Instance:
    """An asymmetric CVRP instance with ``customers`` customers on ``graph`` (see module docstring).

    Demands are uniform in 1..9; the capacity follows the AM/POMO rule
    (:func:`graphroute.problems.generate.capacity_for`) unless given. ``meta["road"]`` is ``source``
    (the file the graph was read from; the CLI passes ``--road``), else the raw file the graph was
    built from, else a description of a synthetic graph; ``meta["road_source"]`` adds the raw file
    when ``source`` is a built graph made from one.
    """
    from graphroute.paths.dijkstra import dijkstra_matrix

    try:
        seed = operator.index(seed)  # a Python int: meta goes to JSON, which takes no numpy scalar
    except TypeError:
        raise InvalidArgumentError(f"seed must be an integer, got {type(seed).__name__} {seed!r}") from None
    if seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative integer, got {seed}")
    if graph.kind not in ("road", "synthetic"):
        raise InvalidArgumentError(f"road VRP instances need a road graph, got a {graph.kind} graph")
    if isinstance(customers, bool):
        raise InvalidArgumentError(f"customers must be an integer, got bool {customers!r}")
    try:
        customers = operator.index(customers)
    except TypeError:
        raise InvalidArgumentError(f"customers must be an integer, got {type(customers).__name__} {customers!r}") from None
    if customers < 1:
        raise InvalidArgumentError(f"customers must be at least 1, got {customers}")
    if customers > MAX_ASYMMETRIC_SIZE:  # two explicit n x n matrices: 16,000 customers took 24 GB before the kill
        raise InvalidArgumentError(f"customers must be at most {MAX_ASYMMETRIC_SIZE:,} (the instance holds explicit "
                                   f"n x n distance and duration matrices), got {customers:,}")
    if capacity is not None:
        capacity = check_generated_capacity(capacity)
    if "length" not in graph.edge_attrs:
        raise InvalidArgumentError("the graph has no 'length' edge attribute")
    g = graph.largest_scc()
    if customers + 1 > g.n_nodes:
        where = ("the graph has" if g.n_nodes == graph.n_nodes else
                 "the graph's largest strongly connected component, where they are drawn, has")
        raise InvalidArgumentError(f"{customers} customers and a depot need {customers + 1} nodes; {where} {g.n_nodes}"
                                   + (f" (of {graph.n_nodes})" if g.n_nodes != graph.n_nodes else ""))
    rng = np.random.default_rng(seed)
    has_time = "time" in g.edge_attrs  # DIMACS graphs carry length only: no durations then
    time_w = g.weights("time") if has_time else g.weights("length")
    if clustered:
        centres = rng.choice(g.n_nodes, size=min(clusters, g.n_nodes), replace=False)
        near = dijkstra_matrix(g.indptr, g.indices, time_w, centres)  # [clusters, n]
        pool_size = min(g.n_nodes, max(customers * 3, 50))
        pool = np.unique(np.concatenate([np.argsort(row, kind="stable")[: pool_size // len(centres) + 1] for row in near]))
        pool = pool[~np.isin(pool, centres[:1])]
        if len(pool) < customers:
            pool = np.setdiff1d(np.arange(g.n_nodes), centres[:1])
        chosen = rng.choice(pool, size=customers, replace=False)
        depot = int(rng.choice(np.setdiff1d(np.arange(g.n_nodes), chosen)))
    else:
        nodes = rng.choice(g.n_nodes, size=customers + 1, replace=False)
        depot, chosen = int(nodes[0]), nodes[1:]
    stops = np.concatenate([[depot], chosen]).astype(np.int64)
    dist = dijkstra_matrix(g.indptr, g.indices, g.weights("length"), stops, stops)
    dur = dijkstra_matrix(g.indptr, g.indices, time_w, stops, stops) if has_time else dist
    if not (np.isfinite(dist).all() and np.isfinite(dur).all()):  # cannot happen inside one SCC
        raise InvalidArgumentError("some stops cannot reach each other")
    demands = np.concatenate([[0], rng.integers(1, 10, size=customers)])
    # metres (OSM) and whole-number lengths (DIMACS) round exactly enough; other units keep their values
    lengths = g.weights("length")
    whole = g.kind == "road" or bool(np.all(lengths == np.round(lengths)))
    built_from = graph.meta.get("source")
    if source is not None:
        src = str(source)
    elif built_from is not None:
        src = str(built_from)
    else:  # a synthetic graph (or one made in Python) has no file: say what it is
        gen = graph.meta.get("generator")
        src = f"{graph.kind} {gen} graph, seed {graph.meta.get('seed')}" if gen else f"{graph.kind} graph"
    units = "s" if g.kind == "road" else "graph time units"  # synthetic time: length / a 0.5..1.5 speed
    ids = g.node_ids[stops].tolist() if g.node_ids is not None else stops.tolist()
    return Instance(
        problem="cvrp",
        name=name or f"road-acvrp{customers}{'-cl' if clustered else ''}-s{seed}",
        coords=g.coords[stops] if g.coords is not None else None,
        distance_type="EXPLICIT",
        matrix=np.round(dist) if whole else dist,
        durations=(np.round(dur, 1) if whole else dur) if has_time else None,
        demands=demands,
        capacity=capacity if capacity is not None else capacity_for(customers),
        meta={"generator": "graphroute.road_vrp", "road": src, "node_ids": ids, "seed": seed,
              "clustered": bool(clustered), "cost": "travel distance (m)" if g.kind == "road" and has_time else "travel distance (graph length units)",
              "durations": f"travel time ({units})" if has_time else None,
              **({"road_source": str(built_from)} if source is not None and built_from is not None
                 and str(built_from) != str(source) else {})},
    )
