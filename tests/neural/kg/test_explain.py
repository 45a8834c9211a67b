"""Explanations: beam search against brute force; every explaining path exists in the graph."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.explain import beam_paths, nbfnet_paths, predict, verbalize  # noqa: E402
from graphroute.neural.kg.retrieval import PathRetrievalScorer  # noqa: E402
from graphroute.neural.kg.train import KGConfig, build_model  # noqa: E402


def all_paths(src, dst, head, tail, max_hops):
    """Every loopless edge sequence head -> tail of at most max_hops edges (parallel edges distinct)."""
    out = []

    def walk(node, edges, seen):
        if len(edges) == max_hops:
            return
        for e in range(len(src)):
            if src[e] == node and dst[e] not in seen:
                if dst[e] == tail:
                    out.append(edges + [e])
                else:
                    walk(dst[e], edges + [e], seen | {dst[e]})

    walk(head, [], {head})
    return out


def test_beam_search_finds_the_best_paths_when_the_beam_is_wide():
    rng = np.random.default_rng(0)
    src = rng.integers(0, 7, 30)
    dst = rng.integers(0, 7, 30)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    w = rng.normal(size=len(src))
    for head, tail in [(0, 3), (2, 6), (5, 1)]:
        brute = sorted((float(np.mean(w[p])), p) for p in all_paths(src.tolist(), dst.tolist(), head, tail, 3))
        brute = [(m, p) for m, p in sorted(brute, key=lambda x: (-x[0], x[1]))][:4]
        got = beam_paths(src, dst, w, head, tail, max_hops=3, k=4, beam=10_000)
        assert [m for m, _ in got] == pytest.approx([m for m, _ in brute])


def check_paths_exist(data, preds, head, max_hops):
    src, dst, et = data.graph_edges()
    edges = set(zip(src.tolist(), et.tolist(), dst.tolist()))
    for p in preds:
        for path in p.paths:
            nodes = [path.edges[0][0]] + [v for _, _, v in path.edges]
            assert nodes[0] == head and nodes[-1] == p.tail and len(set(nodes)) == len(nodes)
            assert 1 <= len(path.edges) <= max_hops
            assert all(e in edges for e in path.edges), path.text
            assert [a[2] for a in path.edges[:-1]] == [b[0] for b in path.edges[1:]]
            assert path.text == verbalize(data, path.edges)
        weights = [path.weight for path in p.paths]
        assert weights == sorted(weights, reverse=True)


def test_nbfnet_explanations_are_paths_of_the_graph(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=8, layers=3), data).eval()
    h, r = 4, 2 + data.num_relations  # a head query through an inverse relation
    preds = predict(model, data, h, r, top=4, paths=3)
    assert len(preds) == 4 and [p.score for p in preds] == sorted([p.score for p in preds], reverse=True)
    assert any(p.paths for p in preds)
    check_paths_exist(data, preds, h, max_hops=3)


def test_nbfnet_path_weights_are_mean_edge_gradients(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=8, layers=2), data).eval()
    paths = nbfnet_paths(model, data, 0, 1, 5, k=2)
    from graphroute.neural.kg.nbfnet import EdgeIndex

    src, dst, et = data.graph_edges()
    w = torch.ones(len(src), requires_grad=True)
    s = model(torch.tensor([0]), torch.tensor([1]), EdgeIndex(*(torch.as_tensor(a) for a in (src, dst, et)),
                                                              data.num_entities, edge_weight=w))[0, 5]
    (g,) = torch.autograd.grad(s, w)
    index = {e: i for i, e in enumerate(zip(src.tolist(), et.tolist(), dst.tolist()))}
    for p in paths:
        assert p.weight == pytest.approx(float(np.mean([g[index[e]] for e in p.edges])), rel=1e-5)


def test_retrieval_explains_grandparent_by_two_parent_hops(family_kg):
    data = KGData.from_path(family_kg)
    s = PathRetrievalScorer(data, k=10).fit()
    h, r = data.entity_index("g0"), data.relation_index("grandparent_of")
    preds = predict(s, data, h, r, top=3, paths=2)
    check_paths_exist(data, preds, h, max_hops=10)
    best = preds[0].paths[0]
    assert best.text.startswith("g0 -[parent_of]-> c0") and best.text.count("-[parent_of]->") == 2
