"""Two KG checkpoints on the same split, query by query (issue 6): is a margin more than noise?

    python experiments/bench/kg_pair.py runs/A/best.pt runs/B/best.pt [--split test] [--data KG]

Prints each model's filtered MRR / Hits, the MRR difference A - B with a paired bootstrap interval
over triples (`graphroute.neural.kg.data.paired_bootstrap`: a triple's tail and head queries are
resampled together), the share of queries each model ranks strictly better, and two ensemble
diagnostics that bound what either model family could still gain on this KG: the *oracle* (the
better rank of the two on every query) and the average of the two models' per-query z-scored scores.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def main() -> None:
    from graphroute.exceptions import GraphrouteError

    try:
        compare()
    except (GraphrouteError, FileNotFoundError) as exc:
        raise SystemExit(f"error: {exc}") from None


def compare() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--split", default="test")
    ap.add_argument("--data", help="the KG folder (default: the one checkpoint A recorded)")
    ap.add_argument("--boot", type=int, default=10_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import torch

    from graphroute.neural.kg.data import filtered_ranks, known_answers, paired_bootstrap, ranking_metrics
    from graphroute.neural.kg.train import Scorer, load_kg_model

    _, _, data = load_kg_model(args.a, args.data)
    queries = data.with_inverse({"valid": data.valid, "test": data.test}[args.split])
    known = known_answers(data)
    scores, names = [], []
    for path in (args.a, args.b):
        model, cfg, _ = load_kg_model(path, data)
        scorer = Scorer(model, data, "cpu")
        with torch.no_grad():
            s = [scorer(torch.as_tensor(queries[i : i + 64])).float().numpy() for i in range(0, len(queries), 64)]
        scores.append(np.concatenate(s))
        names.append(f"{cfg.model} ({path})")
    ranks = [filtered_ranks(s, queries, known) for s in scores]

    def z(s: np.ndarray) -> np.ndarray:
        return (s - s.mean(1, keepdims=True)) / (s.std(1, keepdims=True) + 1e-12)

    out = {
        "kg": data.name, "split": args.split, "queries": int(len(queries)),
        "a": {"name": names[0], **ranking_metrics(ranks[0])},
        "b": {"name": names[1], **ranking_metrics(ranks[1])},
        "a_minus_b": paired_bootstrap(ranks[0], ranks[1], n_boot=args.boot),
        "a_better": float(np.mean(ranks[0] < ranks[1])), "b_better": float(np.mean(ranks[1] < ranks[0])),
        "oracle": ranking_metrics(np.minimum(ranks[0], ranks[1])),
        "z_average": ranking_metrics(filtered_ranks(z(scores[0]) + z(scores[1]), queries, known)),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    d = out["a_minus_b"]
    print(f"{data.name}, {args.split}: {len(queries)} queries ({d['triples']} triples, both directions)")
    for key in ("a", "b"):
        m = out[key]
        print(f"  {key}: {m['name']}: MRR {m['mrr']:.4f}  H@1 {m['hits@1']:.4f}  H@3 {m['hits@3']:.4f}  H@10 {m['hits@10']:.4f}")
    print(f"  MRR A - B = {d['diff']:+.4f}, 95% paired bootstrap interval [{d['lo']:+.4f}, {d['hi']:+.4f}] "
          f"over triples; A not ahead in {d['p_le_0']:.1%} of {args.boot} resamples")
    print(f"  queries ranked strictly better: A {out['a_better']:.1%}, B {out['b_better']:.1%}")
    print(f"  oracle (better rank of the two) MRR {out['oracle']['mrr']:.4f}; "
          f"z-score average MRR {out['z_average']['mrr']:.4f}")


if __name__ == "__main__":
    main()
