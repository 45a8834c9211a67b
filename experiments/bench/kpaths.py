"""Benchmark: K shortest paths and single-pair shortest paths against networkx and scipy.

    OMP_NUM_THREADS=1 python experiments/bench/kpaths.py --pairs 10 --k 10 --seed 0

Graphs: the Andorra road graph (../shared/data/road/andorra-osm, built with graphroute.graphs,
largest strongly connected component, travel-time weights) and a perturbed square grid of about
100k nodes (graphroute.graphs.synthetic when it is there, else the seeded grid built below).
For each graph it samples ``--pairs`` random (source, target) pairs with a path, runs

- K shortest loopless paths: graphroute ``k_shortest_paths``, ``networkx.shortest_simple_paths``
  (first K) and ``scipy.sparse.csgraph.yen``, checks that the cost sequences are identical (to 1e-9
  relative) and reports the median time per query and the ratios;
- one shortest path: graphroute ``dijkstra`` / ``bidirectional_dijkstra`` / ``astar`` (geometric
  bound) against ``scipy.sparse.csgraph.dijkstra`` (one source, all targets: scipy has no early
  exit) and networkx ``dijkstra_path`` / ``bidirectional_dijkstra`` / ``astar_path``.

Each method's graph object is built once, outside the timings (networkx DiGraph, scipy CSR
matrix); graphroute's timings include its input validation and its reverse Dijkstra. networkx
K-paths can take minutes per query on the 100k grid, so ``--nx-pairs-grid`` caps it there; the
table says how many pairs each column used. Writes experiments/results/kpaths.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import statistics
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra as sp_dijkstra
from scipy.sparse.csgraph import yen as sp_yen

from graphroute.paths import astar, bidirectional_dijkstra, dijkstra, k_shortest_paths
from graphroute.paths.astar import EARTH_RADIUS_M, geometric_heuristic, geometric_scale
from _args import at_least, positive_int

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared" / "data").resolve()
OUT = REPO / "experiments" / "results" / "kpaths.md"


# ----------------------------------------------------------------------------- graphs


class CSR:
    """What the benchmark needs of a graph: CSR arrays, weights, coordinates and the metric."""

    def __init__(self, name, indptr, indices, weights, coords, metric, note):
        self.name, self.note, self.metric = name, note, metric
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.coords = None if coords is None else np.asarray(coords, dtype=np.float64)
        self.n = self.indptr.size - 1
        self.m = self.indices.size


def andorra() -> CSR:
    from graphroute import graphs

    path = SHARED / "road" / "andorra-osm" / "andorra.osm.pbf"
    g = graphs.read_any(path)
    weight = "time" if "time" in g.edge_attrs else None
    w = g.weights(weight)
    return CSR("andorra", g.indptr, g.indices, w, g.coords, "haversine",
               f"{path.name} via graphroute.graphs.read_any, weight {weight or 'default'}")


def grid(side: int, seed: int) -> CSR:
    """Perturbed ``side x side`` grid, both directions, weight = unit length * U(1, 2)."""
    try:
        from graphroute.graphs.synthetic import synthetic_graph

        g = synthetic_graph("grid", side * side, seed=seed)
        weight = g.default_weight
        return CSR(f"grid {side}x{side}", g.indptr, g.indices, g.weights(), g.coords, "euclidean",
                   f"graphroute.graphs.synthetic.synthetic_graph('grid', {side * side}, seed={seed}), "
                   f"weight {weight}, {g.n_nodes} nodes after the SCC")
    except ImportError:
        pass
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    src, dst = [], []
    for a, b in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        src += [a.ravel(), b.ravel()]
        dst += [b.ravel(), a.ravel()]
    src, dst = np.concatenate(src), np.concatenate(dst)
    w = rng.uniform(1.0, 2.0, src.size)
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    indptr = np.zeros(side * side + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=side * side), out=indptr[1:])
    ys, xs = np.divmod(np.arange(side * side), side)
    coords = np.column_stack([xs, ys]).astype(float)
    return CSR(f"grid {side}x{side}", indptr, dst, w, coords, "euclidean",
               f"seeded grid in this script, weight = length x U(1, 2), seed {seed}")


# ----------------------------------------------------------------------------- runs


def sample_pairs(g: CSR, count: int, rng) -> list[tuple[int, int]]:
    a = csr_matrix((g.weights, g.indices, g.indptr), shape=(g.n, g.n))
    pairs = []
    while len(pairs) < count:
        s, t = (int(x) for x in rng.integers(0, g.n, 2))
        if s != t and np.isfinite(sp_dijkstra(a, indices=s)[t]):
            pairs.append((s, t))
    return pairs


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def to_nx(g: CSR) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n))
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    best: dict[tuple[int, int], float] = {}
    for u, v, w in zip(src.tolist(), g.indices.tolist(), g.weights.tolist()):
        if u != v and w < best.get((u, v), np.inf):
            best[(u, v)] = w
    G.add_weighted_edges_from((u, v, w) for (u, v), w in best.items())
    return G


def same(a, b) -> bool:
    return len(a) == len(b) and np.allclose(a, b, rtol=1e-9, atol=0)


def bench_graph(g: CSR, k: int, pairs: list[tuple[int, int]], nx_pairs: int, log) -> dict:
    A = csr_matrix((g.weights, g.indices, g.indptr), shape=(g.n, g.n))
    G = to_nx(g)
    times: dict[str, list[float]] = {key: [] for key in (
        "gr_yen", "sp_yen", "nx_yen", "gr_dij", "gr_bidij", "gr_astar", "sp_dij", "nx_dij", "nx_bidij", "nx_astar")}
    mismatches = 0
    scale = geometric_scale(g.indptr, g.indices, g.weights, g.coords, g.metric)
    for q, (s, t) in enumerate(pairs):
        tg, mine = timed(lambda: k_shortest_paths(g.indptr, g.indices, g.weights, s, t, k))
        ts, ref_sp = timed(lambda: sp_yen(A, s, t, k))
        costs = [p.cost for p in mine]
        ok = same(costs, ref_sp)
        times["gr_yen"].append(tg)
        times["sp_yen"].append(ts)
        line = f"{g.name} pair {q} ({s}->{t}) hops {mine[0].hops}: graphroute {tg * 1e3:.1f} ms, scipy {ts * 1e3:.0f} ms"
        if q < nx_pairs:
            tn, ref_nx = timed(lambda: [nx.path_weight(G, p, "weight")
                                        for p in islice(nx.shortest_simple_paths(G, s, t, weight="weight"), k)])
            ok = ok and same(costs, ref_nx)
            times["nx_yen"].append(tn)
            line += f", networkx {tn:.2f} s"
        mismatches += not ok
        log(line + ("" if ok else "  COST MISMATCH"))
        # one shortest path

        def gr_astar():
            h = geometric_heuristic(g.coords, t, scale, g.metric)
            return astar(g.indptr, g.indices, g.weights, s, t, h)

        def nx_astar():
            # plain-math bound (numpy per call would slow networkx down unfairly)
            c = g.coords.tolist()
            if g.metric == "haversine":
                def hfun(u, v):
                    (lon1, lat1), (lon2, lat2) = c[u], c[v]
                    p1, p2 = math.radians(lat1), math.radians(lat2)
                    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
                    return scale * 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))
            else:
                def hfun(u, v):
                    return scale * math.hypot(c[u][0] - c[v][0], c[u][1] - c[v][1])
            return nx.astar_path_length(G, s, t, heuristic=hfun, weight="weight")

        for key, fn in (
            ("gr_dij", lambda: dijkstra(g.indptr, g.indices, g.weights, s, t).cost),
            ("gr_bidij", lambda: bidirectional_dijkstra(g.indptr, g.indices, g.weights, s, t).cost),
            ("gr_astar", lambda: gr_astar().cost),
            ("sp_dij", lambda: float(sp_dijkstra(A, indices=s)[t])),
            ("nx_dij", lambda: nx.dijkstra_path_length(G, s, t, weight="weight")),
            ("nx_bidij", lambda: nx.bidirectional_dijkstra(G, s, t, weight="weight")[0]),
            ("nx_astar", nx_astar),
        ):
            dt_, c = timed(fn)
            times[key].append(dt_)
            if not np.isclose(c, costs[0], rtol=1e-9):
                mismatches += 1
                log(f"  {key}: cost {c} != {costs[0]}  MISMATCH")
    return {"times": times, "mismatches": mismatches, "scale": scale}


# ----------------------------------------------------------------------------- report


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_t(x: float) -> str:
    if x != x:
        return "-"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except Exception:  # lscpu missing: fall back to platform
        model = platform.processor() or "unknown CPU"
    import os

    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, " \
           f"scipy {__import__('scipy').__version__}, networkx {nx.__version__}"


def report(args, results) -> str:
    cmd = "OMP_NUM_THREADS=1 python experiments/bench/kpaths.py " + " ".join(sys.argv[1:])
    lines = [
        "# K shortest paths: graphroute vs networkx vs scipy",
        "",
        f"Command: `{cmd.strip()}`",
        "",
        f"Machine: {machine()}. Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC. No GPU used.",
        "",
        f"K = {args.k}; one timing per query, median over the random pairs (seed {args.seed}). Every cost "
        "sequence was compared between the methods (1e-9 relative); the 'mismatches' column counts differences, "
        "of the K-path cost sequences and of the single shortest-path costs of the other methods timed.",
        "",
        "## K shortest loopless paths (Yen), median time per query",
        "",
        "| graph | nodes | edges | pairs (graphroute / scipy / networkx) | graphroute | scipy.csgraph.yen | "
        "networkx.shortest_simple_paths | vs scipy | vs networkx | mismatches |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for g, r in results:
        t = r["times"]
        gr, sp, nxt = med(t["gr_yen"]), med(t["sp_yen"]), med(t["nx_yen"])
        gr_same = med(t["gr_yen"][: len(t["nx_yen"])])  # graphroute on the pairs networkx ran
        lines.append(
            f"| {g.name} | {g.n:,} | {g.m:,} | {len(t['gr_yen'])} / {len(t['sp_yen'])} / {len(t['nx_yen'])} | "
            f"{fmt_t(gr)} | {fmt_t(sp)} | {fmt_t(nxt)} | {sp / gr:.0f}x | "
            f"{'-' if nxt != nxt else f'{nxt / gr_same:.0f}x'} | {r['mismatches']} |"
        )
    lines += [
        "",
        "Ratios are medians over the same pairs: 'vs networkx' compares with graphroute's median on the "
        "pairs networkx ran (the first ones sampled).",
        "",
        "## One shortest path, median time per query",
        "",
        "| graph | graphroute dijkstra | bidirectional | A* (geometric bound) | scipy dijkstra (one-to-all) | "
        "networkx dijkstra | networkx bidirectional | networkx A* |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g, r in results:
        t = r["times"]
        lines.append(f"| {g.name} | " + " | ".join(fmt_t(med(t[key])) for key in (
            "gr_dij", "gr_bidij", "gr_astar", "sp_dij", "nx_dij", "nx_bidij", "nx_astar")) + " |")
    lines += ["", "Graphs:", ""]
    for g, r in results:
        lines.append(f"- {g.name}: {g.note}; A* scale (min weight / geometric length) {r['scale']:.6g}.")
    lines += ["", "Per-pair log:", "", "```"] + [x for _, r in results for x in r["log"]] + ["```", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=positive_int, default=10)
    ap.add_argument("--k", type=positive_int, default=10)
    ap.add_argument("--seed", type=at_least(0), default=0)
    ap.add_argument("--grid-side", type=at_least(2), default=316, help="grid is side x side nodes (316 -> ~100k)")
    ap.add_argument("--nx-pairs-grid", type=at_least(0), default=3, help="pairs networkx K-paths runs on the grid")
    ap.add_argument("--graphs", default="andorra,grid", help="comma list of: andorra, grid")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    unknown = [g for g in args.graphs.split(",") if g not in ("andorra", "grid")]
    if unknown:  # anything else ran the grid under the wrong name
        ap.error(f"unknown graph(s) {', '.join(map(repr, unknown))}; available: andorra, grid")

    results = []
    for name in args.graphs.split(","):
        g = andorra() if name == "andorra" else grid(args.grid_side, args.seed)
        rng = np.random.default_rng(args.seed)
        pairs = sample_pairs(g, args.pairs, rng)
        log_lines: list[str] = []

        def log(msg: str) -> None:
            print(msg, flush=True)
            log_lines.append(msg)

        nx_pairs = args.pairs if name == "andorra" else min(args.pairs, args.nx_pairs_grid)
        r = bench_graph(g, args.k, pairs, nx_pairs, log)
        r["log"] = log_lines
        results.append((g, r))
    from graphroute.problems.io import atomic_write_text

    atomic_write_text(args.out, report(args, results))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
