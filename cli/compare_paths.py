"""``graphroute compare --task paths GRAPH``: routers and classical point-to-point search, side by side.

Runs :func:`graphroute.neural.router.evaluate.compare_routers` on seeded random pairs of the graph's
largest strongly connected component and prints one row per method (success, stretch against the
exact optimum, share optimal, nodes expanded, queries/s and speed against the baseline). ``--out DIR``
writes ``paths_summary.csv`` and ``paths_summary.md`` (each written to a temporary file, then renamed).
Every JSON row has the keys of :data:`CSV_FIELDS`, null where one does not apply; ``notes`` says
what "Dijkstra" is (graphroute's pure-Python Dijkstra) and what the timings count.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from graphroute_cli.common import check_output_folder, console, print_json
from graphroute_cli.route import parse_steps, router_checkpoint, want_contraction

#: CSV columns of paths_summary.csv and the keys of every JSON row, in order (a contract: extend, do not rename).
CSV_FIELDS = ["method", "steps", "queries", "success", "mean_stretch", "p95_stretch", "share_optimal",
              "median_expanded", "queries_per_s", "seconds", "speed_vs_baseline", "kth_mean_stretch", "steps_used"]
BASELINES = {"dijkstra": "Dijkstra", "euclidean-astar": "Euclidean A*"}
#: Most seeded pairs one run takes (the pass holds a [nodes, targets] matrix per batch of targets).
MAX_QUERIES = 1_000_000


def check_out_dir(out: Path) -> None:
    """``--out DIR`` can be created (or is a folder): the nearest existing path must be a folder, and one
    where files can be made (a read-only folder failed only after the whole comparison had run)."""
    from graphroute.exceptions import InvalidArgumentError

    p = Path(out)
    while not p.exists() and p != p.parent:
        p = p.parent
    if p.exists() and not p.is_dir():
        raise InvalidArgumentError(f"--out {out}: {p} is a file, not a folder")
    check_output_folder(out, "--out")


def compare_paths(graph: Path, *, baseline: str | None, router: Path | None, queries: int, seed: int, steps: str | int,
                  k: int, k_queries: int, weight: str | None, methods: list[str] | None, out: Path | None,
                  as_json: bool, contract: bool | None = None) -> None:
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.graphs import read_any
    from graphroute.neural.router.evaluate import (DEFAULT_METHODS, NOTES, check_pair_seed, compare_routers,
                                                   markdown_table, random_pairs)
    from graphroute.machine import keep_freed_memory
    from graphroute.neural.router.train import load_router

    keep_freed_memory()  # the pass's [nodes, targets] temporaries: 3.9x on a 100k-node graph (cpu_malloc.md)
    base = baseline or "dijkstra"
    if base not in BASELINES:
        raise InvalidArgumentError(f"unknown baseline {base!r} for --task paths; available: {', '.join(BASELINES)}")
    from graphroute.paths.yen import MAX_K

    if queries < 1:
        raise InvalidArgumentError(f"--queries must be at least 1, got {queries}")
    if queries > MAX_QUERIES:
        raise InvalidArgumentError(f"--queries must be at most {MAX_QUERIES:,}, got {queries}")
    check_pair_seed(seed, "--seed")
    if k_queries < 0:
        raise InvalidArgumentError(f"--k-queries must be at least 0, got {k_queries}")
    if k < 1:
        raise InvalidArgumentError(f"--k must be at least 1, got {k}")
    if k > MAX_K:
        raise InvalidArgumentError(f"--k must be at most {MAX_K:,}, got {k}")
    if out is not None:
        check_out_dir(out)  # before the run, not after it
    n_steps = parse_steps(str(steps), allow_zero=False)
    router = router_checkpoint(router)
    chosen = list(methods) if methods else list(DEFAULT_METHODS)
    if BASELINES[base] not in chosen:
        chosen.append(BASELINES[base])
    g_full = read_any(graph)
    g = g_full.largest_scc()
    component_nodes = g.n_nodes
    contract = want_contraction(g, contract)
    if contract:
        from graphroute.graphs.contract import contract_chains

        scc_nodes = g.n_nodes
        g = contract_chains(g, weight=weight).graph.largest_scc()
        if g.n_nodes < 2 <= scc_nodes:  # a ring of degree-2 nodes contracts to one junction: not "fewer than 2 nodes" in the file
            raise InvalidArgumentError(f"{graph.name}: its largest strongly connected component has "
                                       f"{scc_nodes:,} nodes but {g.n_nodes} junction(s) once its "
                                       "degree-2 chains are contracted, so no pairs to route; pass --no-contract")
    if g.coords is None:
        chosen = [m for m in chosen if m not in ("Euclidean A*", "geo forwarding")]
        if base == "euclidean-astar":
            raise InvalidArgumentError(f"{graph.name} has no coordinates: Euclidean A* cannot be the baseline")
    model, _ = load_router(router)
    pairs = random_pairs(g.n_nodes, queries, seed=seed)
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=console,
                  disable=as_json, transient=True) as progress:
        head = f"routing {queries} pairs on {graph.name} ({g.n_nodes:,} nodes)"
        task = progress.add_task(head, total=None)
        rows = compare_routers(g, model, pairs, weight=weight, steps=n_steps, k=k, k_queries=min(k_queries, queries),
                               methods=tuple(chosen), parallel_are_distinct=bool(contract),
                               on_progress=lambda text: progress.update(task, description=f"{head}: {text}"))
    table = markdown_table(rows)
    ref = next(r for r in rows if r["method"] == BASELINES[base])
    for r in rows:
        r["speed_vs_baseline"] = r["queries_per_s"] / ref["queries_per_s"] if ref["queries_per_s"] > 0 else None
        for key, v in r.items():  # NaN / inf (no expansions counted, no successes) is not JSON: None / empty CSV cell
            if isinstance(v, float) and not math.isfinite(v):
                r[key] = None
    rows = [{f: r.get(f) for f in CSV_FIELDS} for r in rows]  # the same keys on every row, in the CSV's order
    info = {"task": "paths", "graph": str(graph), "nodes": g.n_nodes, "edges": g.n_edges,
            "graph_nodes": g_full.n_nodes, "component_nodes": component_nodes, "weight": weight or g.default_weight, "baseline": BASELINES[base],
            "queries": queries, "seed": seed, "steps": n_steps, "k": k, "router": str(router), "contracted": contract,
            "k_queries": min(k_queries, queries), "rows": rows, "notes": dict(NOTES)}
    skipped = [m for m in ("router K", "Yen K") if m in chosen and not info["k_queries"]]
    if skipped:  # asked for (by default or by name) but not run: say so rather than drop the rows
        info["notes"]["K alternatives"] = f"{' and '.join(skipped)} not run: --k-queries 0"
    if out is not None:
        _write_reports(out, info, table)
        info["summary_csv"] = str(out / "paths_summary.csv")
    if as_json:
        print_json(info)
        return
    _render(info)
    if out is not None:
        console.print(f"[dim]results: {out}/paths_summary.csv, {out}/paths_summary.md[/]")


def _write_reports(out: Path, info: dict, table: str) -> None:
    from graphroute.problems.io import atomic_write_text

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in info["rows"]:
        w.writerow({f: r.get(f) for f in CSV_FIELDS})
    atomic_write_text(out / "paths_summary.csv", buf.getvalue())
    junctions = f", chains contracted to {info['nodes']:,} junctions" if info["contracted"] else ""
    head = (f"# Point-to-point routing on {Path(info['graph']).name}\n\n"
            f"- largest strongly connected component: {info['component_nodes']:,} of {info['graph_nodes']:,} nodes"
            f"{junctions}, "
            f"{info['edges']:,} edges, weight {info['weight']}\n"
            f"- {info['queries']} seeded pairs (seed {info['seed']}), router {_shown(info['router'])}, truncated pass "
            f"T={info['steps']} steps{' (until the exact wave reaches the sources, x1.5)' if info['steps'] == 'auto' else ''}, "
            f"baseline {info['baseline']}\n"
            "- stretch = found cost / optimal cost (optimal: scipy Dijkstra)\n"
            + "".join(f"- {name}: {text}\n" for name, text in info["notes"].items()) + "\n")
    atomic_write_text(out / "paths_summary.md", head + table + "\n")


def _render(info: dict) -> None:
    from graphroute.neural.router.evaluate import steps_label

    def f(v, d=4):  # noqa: ANN001, ANN202
        return "-" if v is None or v != v else f"{v:.{d}f}"

    def pct(v, d=2):  # noqa: ANN001, ANN202
        return f(None if v is None else 100 * v, d)

    t = Table(title=f"{Path(info['graph']).name}: {info['nodes']:,} nodes (largest SCC"
                    f"{', chains contracted' if info['contracted'] else ''}), {info['queries']} pairs, "
                    f"weight {info['weight']}, baseline {info['baseline']}", title_justify="left")
    for col in ["method", "steps", "success %", "stretch", "p95", "optimal %", "expanded", "queries/s", "x base"]:
        t.add_column(col, justify="left" if col == "method" else "right", no_wrap=col == "method")
    for r in info["rows"]:
        exp = r["median_expanded"]
        t.add_row(r["method"], steps_label(r) if r.get("steps") else "-", pct(r["success"]), f(r["mean_stretch"]),
                  f(r["p95_stretch"]), pct(r["share_optimal"], 1),
                  "-" if exp is None or r["method"] == "Dijkstra" else f"{exp:.0f}",
                  f(r["queries_per_s"], 1), f(r["speed_vs_baseline"], 2))
    console.print(t)
    for name, text in info["notes"].items():
        console.print(f"[dim]{name}: {text}[/]")


def _shown(path: str) -> str:
    """A path as the table prints it: relative to the working folder when it lies inside it (the
    shipped router resolves to an absolute path, which named the author's checkout in the results)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
