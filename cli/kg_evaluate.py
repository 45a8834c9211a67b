"""``graphroute evaluate --task kg``: filtered MRR and Hits@1/3/10 of a KG checkpoint on a split."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

from rich.table import Table

from graphroute_cli.common import console, print_json, print_warnings


def evaluate_kg(checkpoint: Path, split: str, max_queries: int | None, as_json: bool, data_path: Path | None = None,
                device: str = "cpu") -> None:
    """Load ``checkpoint`` (its config names the KG, ``data_path`` overrides it), rank ``split`` in both
    directions on ``device``, print the table."""
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.kg.train import evaluate, load_kg_model
    from graphroute.neural.train import resolve_device

    if max_queries is not None and max_queries < 1:
        raise InvalidArgumentError(f"--max-queries must be at least 1, got {max_queries}")
    from graphroute.machine import keep_freed_memory

    keep_freed_memory()  # full-KG NBFNet states exceed glibc's mmap threshold, as in training (cpu_malloc.md)
    dev = str(resolve_device(device))
    model, cfg, data = load_kg_model(checkpoint, data_path)
    print_warnings(data.warnings(), as_json)
    if hasattr(model, "to"):  # the retrieval scorer runs on the CPU
        model.to(dev)
    else:
        dev = "cpu"
    t0 = time.perf_counter()
    with console.status(f"ranking {split} queries ...") if not as_json else nullcontext():
        res = evaluate(model, data, split, batch_size=cfg.eval_batch_size, max_queries=max_queries, seed=cfg.seed,
                       device=dev)
    # "data": as given or as recorded in the checkpoint; "data_path": the KG actually read (found from the
    # working directory or, for a recorded relative path, from the project root)
    res = {"checkpoint": str(checkpoint), "model": cfg.model, "data": str(data_path or cfg.data),
           "data_path": data.meta.get("read_from", str(data_path or cfg.data)), "split": split, **res,
           "time_s": time.perf_counter() - t0, "device": dev, "data_warnings": data.warnings()}
    if as_json:
        print_json(res)
        return
    t = Table(title=f"{Path(checkpoint).name} ({cfg.model}) on {res['data_path']} {split}: {res['queries']} queries, "
                    "both directions, filtered", title_justify="left")
    for col in ("model", "MRR", "Hits@1", "Hits@3", "Hits@10", "time"):
        t.add_column(col, justify="left" if col == "model" else "right")
    t.add_row(cfg.model, f"{res['mrr']:.4f}", f"{res['hits@1']:.4f}", f"{res['hits@3']:.4f}", f"{res['hits@10']:.4f}",
              f"{res['time_s']:.1f} s")
    console.print(t)
