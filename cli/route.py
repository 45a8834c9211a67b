"""``graphroute route``: route between nodes of a graph with a trained GNN router (issue 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from graphroute_cli.common import cli_errors, console, fmt_num, print_json


@cli_errors
def route_command(
    graph: Path = typer.Argument(..., help="A built graph file, or any raw file `graphroute graph build` reads."),
    router: Optional[Path] = typer.Option(None, "--router", help="Router checkpoint (default: the shipped data/checkpoints/router_road.pt)."),
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Source node: id as in the file, or name."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Target node: id as in the file, or name."),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="File with one 'source target' per line."),
    mode: str = typer.Option("greedy", "--mode", help="greedy (next hop), astar (exact learned A*) or k (alternatives)."),
    k: int = typer.Option(3, "--k", "-k", help="--mode k: number of alternative routes (>= 1)."),
    weight: Optional[str] = typer.Option(None, "--weight", "-w", help="Edge weight: length or time (default: the graph's)."),
    steps: int = typer.Option(100, "--steps", help="Message-passing steps of the router's pass; 0 runs it to convergence (exact)."),
    exact: bool = typer.Option(False, "--exact", help="Also compute the optimal cost (Dijkstra) and report the stretch."),
    contract: bool = typer.Option(False, "--contract", help="Route on the graph with its degree-2 chains contracted (road graphs; same routes, far fewer steps)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.router.route import MODES

    if mode not in MODES:
        raise InvalidArgumentError(f"unknown mode {mode!r}; available: {', '.join(MODES)}")
    if k < 1:
        raise InvalidArgumentError(f"--k must be at least 1, got {k}")
    if steps < 0:
        raise InvalidArgumentError(f"--steps must be 0 (run to convergence) or positive, got {steps}")
    if pairs is not None and (source is not None or target is not None):
        raise InvalidArgumentError("give either --source/--target or --pairs, not both")
    if pairs is None and (source is None or target is None):
        raise InvalidArgumentError("give --source and --target, or --pairs FILE")
    router = router_checkpoint(router)
    from graphroute.paths.query import read_pairs

    queries = read_pairs(pairs) if pairs is not None else [(source, target)]
    from graphroute.graphs import read_any
    from graphroute.neural.router.train import load_router

    g = read_any(graph)
    model, _ = load_router(router)
    keyed = [(s, t, g.node_index(s), g.node_index(t)) for s, t in queries]
    if contract:
        from graphroute.graphs.contract import contract_chains

        c = contract_chains(g, keep=[i for *_, s, t in keyed for i in (s, t)])
        keyed = [(sk, tk, int(c.index[s]), int(c.index[t])) for sk, tk, s, t in keyed]
        out = route_queries(c.graph, model, keyed, mode=mode, k=k, weight=weight, exact=exact, steps=steps or None,
                            contraction=c, labels=g)
    else:
        out = route_queries(g, model, keyed, mode=mode, k=k, weight=weight, exact=exact, steps=steps or None)
    if as_json:
        print_json({"mode": mode, "queries": out})
        return
    table = Table(title=f"router {mode} on {graph.name}", title_justify="left")
    for col in ("source", "target", "success", "cost", "hops", "expanded") + (("stretch",) if exact else ()):
        table.add_column(col, justify="right")
    for q in out:
        for p in q["paths"] or [None]:
            row = [str(q["source"]), str(q["target"]), "yes" if q["success"] else f"no ({q.get('reason', '')})",
                   fmt_num(p["cost"]) if p else "-", str(len(p["nodes"]) - 1) if p else "-",
                   "-" if q["expanded"] is None else str(q["expanded"])]
            if exact:
                best = q["optimal_cost"]
                row.append("-" if p is None else f"{p['cost'] / best if best > 0 else 1.0:.4f}")
            table.add_row(*row)
    console.print(table)


def router_checkpoint(path: Path | None) -> Path:
    """``path``, or the shipped ``router_road.pt`` beside the package; a one-line error when missing."""
    from graphroute.exceptions import InvalidArgumentError

    if path is None:
        from graphroute.neural.solve import checkpoint_dir

        path = checkpoint_dir() / "router_road.pt"
    if not path.is_file():
        raise InvalidArgumentError(f"router checkpoint not found: {path}")
    return path


def route_queries(g, model, queries, *, mode: str, k: int, weight: str | None, exact: bool,  # noqa: ANN001
                  steps: int | None = 100, contraction=None, labels=None) -> list[dict]:
    """Answer ``queries`` = [(source key, target key, source index, target index)] as JSON-ready dicts.

    ``steps``: message-passing steps of the router's pass (None: run to convergence, exact).
    ``contraction``: ``g`` is its contracted graph; routes are expanded to the nodes of ``labels``."""
    from graphroute.graphs.contract import expand_nodes
    import numpy as np

    from graphroute.neural.router.model import RouterGraph
    from graphroute.neural.router.route import cost_to_go, greedy_routes, k_alternatives, learned_astar
    from graphroute.neural.router.train import exact_costs_to

    w = g.weights(weight)
    rg = RouterGraph.from_graph(g, weight)
    targets, inverse = np.unique([t for *_, t in queries], return_inverse=True)
    h, wave = cost_to_go(model, rg, targets, steps=steps, admissible=mode != "greedy", with_wave=True)
    opt = exact_costs_to(g.indptr, g.indices, w, targets) if exact else None
    greedy = (greedy_routes(g.indptr, g.indices, w, h, [(s, t) for *_, s, t in queries], inverse.tolist(),
                            wave=wave) if mode == "greedy" else None)
    out = []
    for q, ((sk, tk, s, t), col) in enumerate(zip(queries, inverse.tolist())):
        if mode == "k":
            found = k_alternatives(g.indptr, g.indices, w, h[:, col], s, t, k)
            item = {"source": sk, "target": tk, "success": bool(found), "expanded": None, "paths": found}
        else:
            r = greedy[q] if greedy is not None else learned_astar(g.indptr, g.indices, w, h[:, col], s, t)
            item = {"source": sk, "target": tk, "success": r.success, "expanded": r.expanded,
                    "paths": [r.path] if r.path else []}
            if not r.success:
                item["reason"] = r.reason
        if contraction is not None:
            item["paths"] = [{"nodes": [_label(labels, v) for v in expand_nodes(contraction, p.edges)], "cost": p.cost}
                             for p in item["paths"]]
        else:
            item["paths"] = [{"nodes": [_label(g, v) for v in p.nodes], "cost": p.cost} for p in item["paths"]]
        if opt is not None:
            best = float(opt[s, col])
            item["optimal_cost"] = best
            item["stretch"] = (item["paths"][0]["cost"] / best if best > 0 else 1.0) if item["success"] else None
        out.append(item)
    return out


def _label(g, i: int):  # noqa: ANN001, ANN202
    lab = g.node_label(i)
    try:
        return int(lab)
    except ValueError:
        return lab
