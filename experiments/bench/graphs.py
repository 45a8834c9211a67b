"""Benchmark: build and load times of every shared graph, and the load time of a ~1M-edge graph file.

    OMP_NUM_THREADS=1 python experiments/bench/graphs.py --repeats 3

For each shared road, traffic and knowledge-graph source (../shared/data) it builds the graph with
graphroute.graphs (the same call as ``graphroute graph build``), writes it with ``save_graph`` and
reads it back with ``load_graph``; the table gives nodes, edges, the file size, the median build
time and the median load time over ``--repeats`` runs, and their ratio. The last rows are seeded
synthetic grids of about 1M edges: the graph file (uncompressed .npz) against the same arrays in a
compressed .npz (``np.savez_compressed``), the reference that motivates storing uncompressed.
Files are read from the page cache (the second and later runs), as a researcher reloading a graph
would. Writes experiments/results/graphs.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from graphroute.graphs import load_graph, read_any, save_graph
from graphroute.graphs.model import Graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute.problems.io import atomic_write_text
from _args import positive_int

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared" / "data").resolve()
OUT = REPO / "experiments" / "results" / "graphs.md"

SOURCES = [
    ("andorra", "road/andorra-osm/andorra.osm.pbf"),
    ("monaco", "road/monaco-osm/monaco.osm.gz"),
    ("north-bayreuth", "road/north-bayreuth-osm/north-bayreuth.osm.gz"),
    ("rome99", "road/rome99-dimacs/rome99.gr"),
    ("METR-LA", "traffic/METR-LA/adj_mx.pkl"),
    ("PEMS-BAY", "traffic/PEMS-BAY/distances_bay_2017.csv"),
    ("FB15k-237", "kg/FB15k-237"),
    ("WN18RR", "kg/WN18RR"),
    ("UMLS", "kg/UMLS"),
    ("Kinship", "kg/Kinship"),
    ("DrugBank-DDI", "kg/DrugBank-DDI"),
]


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def fmt_s(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mb(b: int) -> str:
    return f"{b / 2**20:.2f} MiB" if b >= 2**20 else f"{b / 1024:.0f} KiB"


def load_compressed(path: Path) -> Graph:
    with np.load(path, allow_pickle=False) as z:
        return Graph(indptr=z["indptr"], indices=z["indices"],
                     edge_attrs={"length": z["length"], "time": z["time"]}, coords=z["coords"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=positive_int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    rows = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        for name, rel in SOURCES:
            src = SHARED / rel
            if not src.exists():
                print(f"skip {name}: {src} not found", file=sys.stderr)
                skipped.append(name)  # said in the table too: a row must not vanish silently
                continue
            build_s, g = timed(lambda src=src: read_any(src), args.repeats)
            path = save_graph(g, tmpd / name)
            load_g = load_graph(path)  # warm the page cache
            load_s, load_g = timed(lambda path=path: load_graph(path), max(args.repeats, 5))
            assert load_g.n_edges == g.n_edges
            rows.append((name, g.kind, g.n_nodes, g.n_edges, path.stat().st_size, build_s, load_s, ""))
            print(rows[-1], file=sys.stderr)

        for side in (500, 1000):  # about 1M and 4M edges
            n = side * side
            build_s, g = timed(lambda n=n: synthetic_graph("grid", n, seed=0), args.repeats)
            path = save_graph(g, tmpd / f"grid{side}")
            comp = tmpd / f"grid{side}-compressed.npz"
            np.savez_compressed(comp, indptr=g.indptr, indices=g.indices, coords=g.coords, **g.edge_attrs)
            load_graph(path)
            load_s, _ = timed(lambda path=path: load_graph(path), max(args.repeats, 5))
            comp_s, _ = timed(lambda comp=comp: load_compressed(comp), max(args.repeats, 5))
            note = f"compressed .npz: {fmt_mb(comp.stat().st_size)}, loads in {fmt_s(comp_s)} ({comp_s / load_s:.0f}x slower)"
            rows.append((f"synthetic grid {side}x{side}", "synthetic", g.n_nodes, g.n_edges, path.stat().st_size,
                         build_s, load_s, note))
            print(rows[-1], file=sys.stderr)

    cpu = subprocess.run(["bash", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"], capture_output=True,
                         text=True).stdout.strip()
    lines = [
        "# Graph build and load times",
        "",
        f"Command: `OMP_NUM_THREADS=1 python experiments/bench/graphs.py --repeats {args.repeats}"
        + (f" --out {args.out}" if args.out != OUT else "") + "`",
        *([f"Skipped (source file not found): {', '.join(skipped)}.", ""] if skipped else []),
        "",
        f"Machine: {cpu or platform.processor()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, numpy {np.__version__}. "
        f"Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Build = the builder on the raw file (median of {args.repeats}); load = `load_graph` on the written "
        f"`.graph.npz` (median of {max(args.repeats, 5)}, page cache warm). Road graphs: largest strongly "
        "connected component (OSM) / whole file (DIMACS). Traffic: DCRNN kernel graph (METR-LA with its "
        "288 five-minute travel-time slots from the speed series beside it). KG: training triples as edges, "
        "all splits kept in the file.",
        "",
        "| graph | kind | nodes | edges | file | build | load | build / load | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, kind, n, m, size, b, lo, note in rows:
        lines.append(f"| {name} | {kind} | {n:,} | {m:,} | {fmt_mb(size)} | {fmt_s(b)} | {fmt_s(lo)} | "
                     f"{b / lo:.0f}x | {note} |")
    atomic_write_text(args.out, "\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
