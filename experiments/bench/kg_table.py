"""Filtered test ranking of KG checkpoints, one markdown row each, all through the same evaluation code.

    python experiments/bench/kg_table.py data/checkpoints/kg_umls.pt runs/kg_umls_distmult/best.pt ...

Every row: graphroute.neural.kg.train.evaluate on the checkpoint's own KG (config 'data'), split test,
both directions (tail queries and head queries through inverse relations), filtered against train +
valid + test, ties counted half. Training time is the checkpoint's elapsed_s at its epoch (validation
included; the retrieval scorer's is its fit time). One thread.
"""

from __future__ import annotations

import argparse
import time

import torch

from graphroute.neural.kg.train import evaluate, load_kg_model
from graphroute.neural.train import load_checkpoint


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--split", default="test")
    ap.add_argument("--max-queries", type=int, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print("| KG | model | checkpoint | epoch | MRR | Hits@1 | Hits@3 | Hits@10 | queries | train time | eval time |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in args.checkpoints:
        ck = load_checkpoint(path)
        model, cfg, data = load_kg_model(path)
        t0 = time.perf_counter()
        m = evaluate(model, data, args.split, batch_size=cfg.eval_batch_size, max_queries=args.max_queries, seed=cfg.seed)
        ev = time.perf_counter() - t0
        train_s = ck.get("metrics", {}).get("elapsed_s", float("nan"))
        print(f"| {data.name} | {cfg.model} | {path} | {ck.get('epoch', '-')} | {m['mrr']:.4f} | {m['hits@1']:.4f} | "
              f"{m['hits@3']:.4f} | {m['hits@10']:.4f} | {m['queries']} | {train_s:.0f} s | {ev:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
