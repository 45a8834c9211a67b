"""Router benchmark (issue 5): the learned router against classical routing on unseen graphs.

    python experiments/bench/router.py                       # everything, writes experiments/results/router.md
    python experiments/bench/router.py --only grid10k,monaco # a subset (results merged into the same JSON)
    python experiments/bench/router.py --steps 30,100        # truncated passes of 30 and of 100 steps
    python experiments/bench/router.py --only grid10k --queries 20 --out /tmp/router  # a quick run elsewhere

Without ``--out`` every run rewrites the published tables, experiments/results/router.json and
router.md (the graphs run replace theirs, the others are kept): give ``--out PREFIX`` (writes
PREFIX.json and PREFIX.md) for a trial run, and ``--queries N`` (pairs per graph, default the table
below: 100-1000; the K-alternative rows take at most as many) to shrink it.

Per graph and per truncated pass length T: router greedy (learned estimate after T steps), the same
pass with an untrained model (value iteration from the straight-line estimate: what training adds),
learned A* (admissible projection, exact); once per graph: greedy on a full Bellman-Ford pass (exact,
no learned part), Euclidean A*, greedy geographic forwarding, Dijkstra (pure-Python,
graphroute.paths.dijkstra: the speed reference) and, on the first few pairs, K = 3 alternatives (router
penalties vs Yen). Single CPU thread. Results are kept per graph in experiments/results/router.json so
that graphs can be (re)run one at a time; experiments/results/router.md is rendered from it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "../shared/data/road"
CKPT = ROOT / "data/checkpoints/router_road.pt"
RESULTS = ROOT / "experiments/results"

#: name -> (how to build, queries, K queries)
GRAPHS = {
    "grid10k": (("synthetic", "grid", 10_000), 1000, 10),
    "delaunay10k": (("synthetic", "delaunay", 10_000), 300, 10),
    "geometric10k": (("synthetic", "geometric", 10_000), 300, 10),
    "grid100k": (("synthetic", "grid", 100_000), 100, 0),
    "delaunay100k": (("synthetic", "delaunay", 100_000), 100, 0),
    "monaco": (("road", "monaco-osm/monaco.osm.gz"), 300, 10),
    "rome99": (("road", "rome99-dimacs/rome99.gr"), 300, 10),
    "north-bayreuth": (("road", "north-bayreuth-osm/north-bayreuth.osm.gz"), 300, 10),
    "andorra": (("road", "andorra-osm/andorra.osm.pbf"), 300, 10),
    # the same road graphs with their degree-2 chains contracted (graphroute.graphs.contract): pairs of
    # junctions, 7-12x fewer nodes, the same shortest paths between the nodes that remain
    "monaco-contracted": (("road-contracted", "monaco-osm/monaco.osm.gz"), 300, 10),
    "north-bayreuth-contracted": (("road-contracted", "north-bayreuth-osm/north-bayreuth.osm.gz"), 300, 10),
    "andorra-contracted": (("road-contracted", "andorra-osm/andorra.osm.pbf"), 300, 10),
}
SEED = 2026  # graph seeds for synthetic graphs: never drawn in training (training seeds are step-derived, < 10^7)


def build(spec):  # noqa: ANN001, ANN201
    from graphroute.graphs import read_any
    from graphroute.graphs.synthetic import synthetic_graph

    if spec[0] == "synthetic":
        return synthetic_graph(spec[1], spec[2], seed=SEED)
    g = read_any(SHARED / spec[1]).largest_scc()
    if spec[0] == "road-contracted":
        from graphroute.graphs.contract import contract_chains

        g = contract_chains(g).graph.largest_scc()
    return g


def run_graph(name: str, model, steps: list[int], queries: int | None = None) -> dict:  # noqa: ANN001
    """``queries``: pairs to route (default the graph's count in GRAPHS; the K rows take at most as many)."""
    from graphroute.neural.router.evaluate import compare_routers, random_pairs

    spec, default_queries, kq = GRAPHS[name]
    queries = default_queries if queries is None else queries
    kq = min(kq, queries)
    g = build(spec)
    pairs = random_pairs(g.n_nodes, queries, seed=1)
    rows = []
    for i, t in enumerate(steps):
        if i == 0:
            methods = ["router greedy", "untrained greedy", "learned A*", "Bellman-Ford greedy", "Euclidean A*",
                       "geo forwarding", "Dijkstra"] + (["router K", "Yen K"] if kq else [])
        else:
            methods = ["router greedy", "untrained greedy"]
        rows += compare_routers(g, model, pairs, steps=t, k=3, k_queries=kq, methods=tuple(methods))
    return {"graph": name, "nodes": g.n_nodes, "edges": g.n_edges, "weight": g.default_weight, "rows": rows}


#: issue 5's targets for router greedy: graph group -> (graphs, min success, max mean stretch, max p95 stretch)
TARGETS = {
    "synthetic 10k": (("grid10k", "delaunay10k", "geometric10k"), 0.995, 1.01, 1.05),
    "synthetic 100k": (("grid100k", "delaunay100k"), 0.98, 1.03, None),
    "road": (("monaco", "rome99", "north-bayreuth", "andorra"), 0.99, 1.02, None),
    "road, chains contracted": (("monaco-contracted", "north-bayreuth-contracted", "andorra-contracted"), 0.99, 1.02,
                                None),
}


def must_show(results: dict) -> list[str]:
    """The issue's must-show checks, computed from the stored rows (one line per graph and pass length)."""
    lines = ["## Must-show check (router greedy, every pass length run)", "",
             "| graph | T | success | mean stretch | p95 stretch | target (success / mean / p95) | met | "
             "geo forwarding (success / mean) | at least geo's success, lower stretch |",
             "| --- | ---: | ---: | ---: | ---: | --- | :---: | --- | :---: |"]
    for group, (names, s_min, m_max, p_max) in TARGETS.items():
        for name in names:
            if name not in results:
                continue
            rows = results[name]["rows"]
            geo = next((r for r in rows if r["method"] == "geo forwarding"), None)
            for r in rows:
                if r["method"] != "router greedy":
                    continue
                met = r["success"] >= s_min and r["mean_stretch"] <= m_max and (p_max is None or r["p95_stretch"] <= p_max)
                target = f">= {100 * s_min:g}% / <= {m_max} / " + (f"<= {p_max}" if p_max else "-")
                g_txt, beats = "-", "-"
                if geo is not None:
                    g_txt = f"{100 * geo['success']:.1f}% / {geo['mean_stretch']:.4f}"
                    beats = "yes" if r["success"] >= geo["success"] and r["mean_stretch"] < geo["mean_stretch"] else "no"
                lines.append(f"| {name} ({group}) | {r['steps']} | {100 * r['success']:.2f}% | {r['mean_stretch']:.4f} | "
                             f"{r['p95_stretch']:.4f} | {target} | {'yes' if met else 'no'} | {g_txt} | {beats} |")
    lines += ["", "Learned A* (admissible projection of the truncated estimate: exact by construction) against "
              "Euclidean A*, median nodes expanded; target: at most half on the road graphs:", "",
              "| graph | learned A* mean stretch (share optimal) | learned A* median expanded | Euclidean A* median expanded | ratio |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        la = next((x for x in r["rows"] if x["method"] == "learned A*"), None)
        eu = next((x for x in r["rows"] if x["method"] == "Euclidean A*"), None)
        if la and eu:
            lines.append(f"| {name} | {la['mean_stretch']:.4f} ({100 * la['share_optimal']:.1f}% optimal) | "
                         f"{la['median_expanded']:.0f} | {eu['median_expanded']:.0f} | "
                         f"{la['median_expanded'] / eu['median_expanded']:.2f} |")
    lines += ["", "Speed: queries/s of router greedy (batched pass + walks, everything counted) against 1,000 (or "
              "the graph's query count) pure-Python Dijkstra runs, same script, back to back:", "",
              "| graph | queries | router greedy T | router greedy q/s | Dijkstra q/s | ratio |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        dj = next((x for x in r["rows"] if x["method"] == "Dijkstra"), None)
        for x in r["rows"]:
            if x["method"] == "router greedy" and dj:
                lines.append(f"| {name} | {x['queries']} | {x['steps']} | {x['queries_per_s']:.1f} | "
                             f"{dj['queries_per_s']:.1f} | {x['queries_per_s'] / dj['queries_per_s']:.2f} |")
    return lines + [""]


#: the row metrics that are NaN where they do not apply (no K row, no expansions counted, no success)
FLOAT_KEYS = ("success", "mean_stretch", "p95_stretch", "share_optimal", "median_expanded", "queries_per_s",
              "seconds", "speed_vs_baseline", "kth_mean_stretch")


def dump_results(results: dict) -> str:
    """router.json as strict JSON: a NaN metric is written null (Python wrote the NaN literal, which
    JSON.parse and other strict readers refuse)."""
    def clean(x):  # noqa: ANN001, ANN202
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    return json.dumps(clean(results), indent=1, allow_nan=False)


def load_results(store: Path) -> dict:
    """router.json back, a null row metric as NaN again (what the tables format)."""
    results = json.loads(store.read_text())
    for r in results.values():
        for row in r.get("rows", []):
            for k in FLOAT_KEYS:
                if k in row and row[k] is None:
                    row[k] = float("nan")
    return results


#: the command that reproduces the published experiments/results/router.md
COMMAND = "OMP_NUM_THREADS=1 python experiments/bench/router.py"


def render(results: dict, command: str = COMMAND, steps: tuple[int, ...] = (30, 100)) -> str:
    from graphroute.neural.router.evaluate import markdown_table

    cpu = "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        cpu = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), cpu)
    except OSError:
        pass
    parts = ["# GNN router (issue 5): learned cost-to-go vs classical routing", "",
             f"Command: `{command}` (checkpoint "
             f"`data/checkpoints/router_road.pt`, truncated passes of T = {_and(steps)} steps).",
             f"Machine: {cpu}, 1 torch thread, Python {platform.python_version()}, freed heap kept for reuse as the CLI "
             "does (`graphroute.machine.keep_freed_memory`); the 2 cores were shared with "
             "another single-thread job, so read speeds as ratios within a graph (same script, back to back).",
             "Unseen graphs: synthetic graphs with seed 2026 (training used step-derived seeds), and the "
             "largest strongly connected component of each shared road graph; `*-contracted`: the same road "
             "graph with its degree-2 chains contracted (`graphroute.graphs.contract`, 85-92% of OSM nodes are "
             "shape points; shortest paths between the remaining junctions unchanged), pairs of junctions. "
             "Pairs: seeded, uniform.", "",
             "Rows: `router greedy` = greedy next hop on the truncated pass (exact Bellman-Ford wave near the "
             "target, learned estimate beyond; two walks per query, one on the estimate and one that keeps to "
             "the wave once on it, the cheaper route kept); `untrained greedy` = the same pass with "
             "an untrained model (value iteration from the straight-line estimate): what training adds; "
             "`Bellman-Ford greedy` = greedy on the full pass (exact, no learned part); `learned A*` = A* on the "
             "admissible projection (exact; the projection is a Bellman-Ford sweep and its time is counted).", ""]
    parts += must_show(results)
    for name in GRAPHS:
        if name not in results:
            continue
        r = results[name]
        parts += [f"## {name} ({r['nodes']:,} nodes, {r['edges']:,} edges, weight {r['weight']})", "",
                  markdown_table(r["rows"]), ""]
    return "\n".join(parts)


def _and(items) -> str:  # noqa: ANN001
    """``30``, ``30 and 100``, ``10, 30 and 100``."""
    items = [str(x) for x in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def main(argv=None) -> None:  # noqa: ANN001
    import torch

    from graphroute.machine import keep_freed_memory
    from graphroute.neural.router.train import load_router

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="comma-separated graph names: " + ", ".join(GRAPHS))
    ap.add_argument("--checkpoint", default=str(CKPT))
    ap.add_argument("--steps", default="30,100", help="comma-separated truncated pass lengths (default 30,100)")
    ap.add_argument("--queries", type=int, default=None,
                    help="pairs per graph (default: 100-1000 per graph, see GRAPHS; K rows: at most 10)")
    ap.add_argument("--out", default=None, metavar="PREFIX",
                    help="write PREFIX.json and PREFIX.md (default experiments/results/router: the published tables)")
    args = ap.parse_args(argv)
    if args.queries is not None and args.queries < 1:
        ap.error(f"--queries must be at least 1, got {args.queries}")
    torch.set_num_threads(1)
    keep_freed_memory()  # as `route` and `compare --task paths` do (experiments/results/cpu_malloc.md)
    names = list(GRAPHS) if args.only is None else args.only.split(",")
    for n in names:
        if n not in GRAPHS:
            sys.exit(f"unknown graph {n!r}; available: {', '.join(GRAPHS)}")
    model, _ = load_router(args.checkpoint)
    prefix = RESULTS / "router" if args.out is None else Path(args.out)
    if prefix.suffix in (".json", ".md"):  # --out x.md: x.json and x.md
        prefix = prefix.with_suffix("")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    store, md = Path(f"{prefix}.json"), Path(f"{prefix}.md")
    steps = [int(x) for x in args.steps.split(",")]
    command = COMMAND + (f" --steps {args.steps}" if steps != [30, 100] else "") + (
        f" --queries {args.queries}" if args.queries is not None else "") + (
        f" --out {args.out}" if args.out is not None else "")
    results = load_results(store) if store.exists() else {}
    for name in names:
        t0 = time.perf_counter()
        results[name] = run_graph(name, model, steps, args.queries)
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
        tmp = Path(f"{store}.tmp")
        tmp.write_text(dump_results(results))
        os.replace(tmp, store)
        tmp = Path(f"{md}.tmp")
        tmp.write_text(render(results, command, tuple(steps)))
        os.replace(tmp, md)


if __name__ == "__main__":
    main()
