"""The vectorised beam search keeps exactly the paths a plain per-path beam search keeps (pruning and
ties included), and predict's shared forward pass explains each answer as a forward of its own would."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from graphroute.neural.kg.explain import beam_paths

torch = pytest.importorskip("torch")


def reference_beam_paths(src, dst, weight, head, tail, max_hops, k, beam, reverse):
    """One path at a time: every node keeps its ``beam`` best paths by (summed weight, edge ids)."""
    frontier = {head: [(0.0, (), (head,))]}
    found = {}
    for _ in range(max_hops):
        nxt = {}
        for u, items in frontier.items():
            for e in range(len(src)):
                if src[e] != u:
                    continue
                v = int(dst[e])
                for total, edges, nodes in items:
                    if v in nodes:
                        back = reverse is not None and edges and reverse[edges[-1]] == e
                        if not (v == tail == head) or back:
                            continue
                    cand = (total + float(weight[e]), edges + (e,), nodes + (v,))
                    if v == tail:
                        found[cand[1]] = cand[0] / len(cand[1])
                    else:
                        nxt.setdefault(v, []).append(cand)
        frontier = {v: sorted(items, key=lambda c: (-c[0], c[1]))[:beam] for v, items in nxt.items()}
    best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(w, list(edges)) for edges, w in best]


def test_agrees_with_the_per_path_beam_search_on_random_graphs():
    rng = np.random.default_rng(7)
    compared = pruned = 0
    for _ in range(400):
        n, m = int(rng.integers(2, 9)), int(rng.integers(1, 25))
        src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
        reverse = None
        if rng.random() < 0.5:  # as graph_edges(): every edge, then its reverse
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            reverse = (np.arange(2 * m) + m) % (2 * m)
        w = rng.normal(size=len(src)).astype(np.float32)
        if rng.random() < 0.4:
            w = np.round(w).astype(np.float32)  # many ties: the edge-id order decides
        head = int(rng.integers(0, n))
        tail = head if rng.random() < 0.3 else int(rng.integers(0, n))
        hops, k, beam = int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 5))
        want = reference_beam_paths(src, dst, w, head, tail, hops, k, beam, reverse)
        assert beam_paths(src, dst, w, head, tail, hops, k, beam, reverse) == want
        compared += bool(want)
        pruned += want != reference_beam_paths(src, dst, w, head, tail, hops, k, 10_000, reverse)
    assert compared > 200 and pruned > 10  # the cases exercise both found paths and the beam's pruning


def test_predict_explains_each_answer_as_its_own_forward_pass_would(random_kg):
    from graphroute.neural.kg.data import KGData
    from graphroute.neural.kg.explain import nbfnet_paths, predict
    from graphroute.neural.kg.train import KGConfig, build_model

    torch.manual_seed(3)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=8, layers=3), data).eval()
    preds = predict(model, data, 2, 1, top=6, paths=3)
    assert len(preds) == 6
    for p in preds:
        alone = nbfnet_paths(model, data, 2, 1, p.tail, k=3)
        assert [dataclasses.astuple(x) for x in p.paths] == [dataclasses.astuple(x) for x in alone]
