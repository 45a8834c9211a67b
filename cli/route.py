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
    router: Optional[Path] = typer.Option(None, "--router", "--checkpoint", help="Router checkpoint, a --task router run's best.pt or last.pt (default: the shipped data/checkpoints/router_road.pt); --checkpoint is the same option."),
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Source node: id as in the file, or name."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Target node: id as in the file, or name."),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="File with one 'source target' per line."),
    mode: str = typer.Option("greedy", "--mode", help="greedy (next hop), astar (exact learned A*) or k (alternatives)."),
    k: Optional[int] = typer.Option(None, "--k", "-k", help="--mode k: number of alternative routes (>= 1; default 3)."),
    weight: Optional[str] = typer.Option(None, "--weight", "-w", help="Edge weight: length or time (default: the graph's)."),
    steps: str = typer.Option("auto", "--steps", help="Message-passing steps of the router's pass: auto (until the exact wave has reached every source, x1.5), a number, or 0 (to convergence, exact)."),
    exact: bool = typer.Option(False, "--exact", help="Also compute the optimal cost (Dijkstra) and report the stretch."),
    contract: Optional[bool] = typer.Option(None, "--contract/--no-contract", help="Route on the graph with its degree-2 chains contracted (same routes, far fewer steps). Default: when at least a quarter of the nodes are chain nodes (OSM road graphs)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.router.route import MODES

    if mode not in MODES:
        raise InvalidArgumentError(f"unknown mode {mode!r}; available: {', '.join(MODES)}")
    from graphroute.paths.yen import MAX_K

    if k is not None and k < 1:
        raise InvalidArgumentError(f"--k must be at least 1, got {k}")
    if k is not None and k > MAX_K:
        raise InvalidArgumentError(f"--k must be at most {MAX_K:,}, got {k}")
    if k is not None and mode != "k":
        raise InvalidArgumentError(f"--k applies to --mode k (alternative routes), not --mode {mode}; "
                                   "add --mode k or drop it")
    k = 3 if k is None else k
    n_steps = parse_steps(steps, allow_zero=True)
    if pairs is not None and (source is not None or target is not None):
        raise InvalidArgumentError("give either --source/--target or --pairs, not both")
    if pairs is None and (source is None or target is None):
        raise InvalidArgumentError("give --source and --target, or --pairs FILE")
    router = router_checkpoint(router)
    from graphroute.paths.query import pair_nodes, read_pair_lines

    lines = read_pair_lines(pairs) if pairs is not None else [(source.strip(), target.strip())]
    queries = [q[:2] for q in lines]
    from graphroute.graphs import read_any
    from graphroute.machine import keep_freed_memory
    from graphroute.neural.router.evaluate import stretch_ratio
    from graphroute.neural.router.train import load_router

    keep_freed_memory()  # the pass's [nodes, targets] temporaries: 3.9x on a 100k-node graph (cpu_malloc.md)
    model, _ = load_router(router)  # a wrong checkpoint is refused before a large graph is read
    g = read_any(graph)
    keyed = [(s, t, si, ti) for (s, t), (si, ti) in zip(queries, pair_nodes(g, lines, pairs))]
    contract = want_contraction(g, contract)
    if contract:
        from graphroute.graphs.contract import contract_chains

        c = contract_chains(g, keep=[i for *_, s, t in keyed for i in (s, t)], weight=weight)
        keyed = [(sk, tk, int(c.index[s]), int(c.index[t])) for sk, tk, s, t in keyed]
        out = route_queries(c.graph, model, keyed, mode=mode, k=k, weight=weight, exact=exact, steps=n_steps,
                            contraction=c, labels=g)
    else:
        out = route_queries(g, model, keyed, mode=mode, k=k, weight=weight, exact=exact, steps=n_steps)
    shown = 0 if n_steps is None else n_steps  # "auto" or the number, as parsed (0: to convergence)
    if as_json:  # "steps" as compare --task paths --json gives it: "auto" or a number, not the text typed
        print_json({"mode": mode, "steps": shown, "contracted": contract, "queries": out})
        return
    table = Table(title=f"router {mode} on {graph.name}{' (chains contracted)' if contract else ''}, steps {shown}",
                  title_justify="left")
    for col in ("source", "target", "success", "cost", "hops", "expanded") + (("stretch",) if exact else ()):
        table.add_column(col, justify="right")
    for q in out:
        for p in q["paths"] or [None]:
            row = [str(q["source"]), str(q["target"]), "yes" if q["success"] else f"no ({q.get('reason', '')})",
                   fmt_num(p["cost"]) if p else "-", str(len(p["nodes"]) - 1) if p else "-",
                   "-" if q["expanded"] is None else str(q["expanded"])]
            if exact:
                best = q["optimal_cost"]
                row.append("-" if p is None or best is None else f"{stretch_ratio(p['cost'], best):.4f}")
            table.add_row(*row)
    console.print(table)


def parse_steps(value: str, *, allow_zero: bool) -> int | str | None:
    """``--steps``: ``auto``, a positive number, or (where ``allow_zero``) 0 = a full pass (None)."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.router.route import MAX_STEPS

    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0 or (n == 0 and not allow_zero) or n > MAX_STEPS:
        allowed = "auto, 0 (run to convergence) or a positive number" if allow_zero else "auto or a positive number"
        raise InvalidArgumentError(f"--steps must be {allowed} up to {MAX_STEPS:,}, got {value!r}")
    return n or None


def want_contraction(g, contract: bool | None) -> bool:  # noqa: ANN001
    """``--contract/--no-contract`` as given, else contract when chain nodes are common (road graphs)."""
    if contract is not None:
        return contract
    from graphroute.graphs.contract import AUTO_CONTRACT_SHARE, chain_share

    return chain_share(g) >= AUTO_CONTRACT_SHARE


def router_checkpoint(path: Path | None) -> Path:
    """``path``, or the shipped ``router_road.pt`` beside the package; a one-line error when missing."""
    if path is None:
        from graphroute.neural.solve import checkpoint_dir

        path = checkpoint_dir() / "router_road.pt"
    from graphroute.neural.runs import require_checkpoint_file

    return require_checkpoint_file(path, "router checkpoint")


def route_queries(g, model, queries, *, mode: str, k: int, weight: str | None, exact: bool,  # noqa: ANN001
                  steps: int | str | None = "auto", contraction=None, labels=None) -> list[dict]:
    """Answer ``queries`` = [(source key, target key, source index, target index)] as JSON-ready dicts.

    ``steps``: message-passing steps of the router's pass ("auto": until the exact wave has reached the
    sources, plus a margin; None: run to convergence, exact).
    ``contraction``: ``g`` is its contracted graph; routes are expanded to the nodes of ``labels``."""
    from graphroute.graphs.contract import expand_nodes
    import numpy as np

    from graphroute.neural.router.model import RouterGraph
    from graphroute.neural.router.route import (cost_to_go, greedy_routes_prepared, k_alternatives_prepared,
                                                learned_astar_prepared)
    from graphroute.neural.router.evaluate import stretch_ratio
    from graphroute.neural.router.train import exact_costs_to
    from graphroute.paths.dijkstra import prepare

    w = g.weights(weight)
    pg = prepare(g.indptr, g.indices, w)  # checked and converted once for every query
    rg = RouterGraph.from_graph(g, weight)
    targets, inverse = np.unique([t for *_, t in queries], return_inverse=True)
    reach = ([s for *_, s, _t in queries], inverse) if steps == "auto" else None
    h, wave = cost_to_go(model, rg, targets, steps=steps, admissible=mode != "greedy", with_wave=True, reach=reach)
    opt = exact_costs_to(g.indptr, g.indices, w, targets) if exact else None
    greedy = (greedy_routes_prepared(pg, h, [(s, t) for *_, s, t in queries], inverse.tolist(), wave=wave)
              if mode == "greedy" else None)
    out = []
    for q, ((sk, tk, s, t), col) in enumerate(zip(queries, inverse.tolist())):
        if mode == "k":
            # told apart by the nodes the user sees: two chains between the same junctions are two routes
            same = None if contraction is None else (lambda p: tuple(expand_nodes(contraction, p.edges, p.nodes[0])))
            found = k_alternatives_prepared(pg, h[:, col], s, t, k, same=same)
            item = {"source": sk, "target": tk, "success": bool(found), "expanded": None, "paths": found}
            if not found:  # the first search is learned A* with an admissible estimate: it fails only without a path
                item["reason"] = "no path from source to target"
        else:
            r = greedy[q] if greedy is not None else learned_astar_prepared(pg, h[:, col], s, t)
            item = {"source": sk, "target": tk, "success": r.success, "expanded": r.expanded,
                    "paths": [r.path] if r.path else []}
            if not r.success:
                item["reason"] = r.reason
        if contraction is not None:
            item["paths"] = [{"nodes": [_label(labels, v) for v in expand_nodes(contraction, p.edges, p.nodes[0])],
                              "cost": p.cost} for p in item["paths"]]
        else:
            item["paths"] = [{"nodes": [_label(g, v) for v in p.nodes], "cost": p.cost} for p in item["paths"]]
        if opt is not None:
            best = float(opt[s, col])
            if not np.isfinite(best):  # unreachable: JSON has no Infinity
                item["optimal_cost"] = item["stretch"] = None
            else:
                item["optimal_cost"] = best
                ratio = stretch_ratio(item["paths"][0]["cost"], best) if item["success"] else None
                # a costly route over a free optimum (zero-weight arcs): no finite stretch, JSON has no Infinity
                item["stretch"] = ratio if ratio is not None and np.isfinite(ratio) else None
        out.append(item)
    return out


def _label(g, i: int) -> str:  # noqa: ANN001
    """A node as the user names it: a string (id as in the file, or name), like "source" / "target"."""
    return str(g.node_label(i))
