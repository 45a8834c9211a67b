"""Explaining (h, r, h): self-loops and cycles are paths from h to h; the query's own edge is always listed."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.explain import beam_paths, nbfnet_paths, predict  # noqa: E402
from graphroute.neural.kg.train import KGConfig, build_model  # noqa: E402
from tests.neural.kg.conftest import write_kg  # noqa: E402


def all_cycles(src, dst, head, max_hops, reverse):
    """Brute force: every edge sequence head -> ... -> head of at most max_hops edges that repeats no node
    but the head at its end and never walks an edge straight back (``reverse``)."""
    out = []

    def walk(node, edges, seen):
        if len(edges) == max_hops:
            return
        for e in range(len(src)):
            if src[e] != node or (edges and reverse[edges[-1]] == e):
                continue
            if dst[e] == head:
                out.append(edges + [e])
            elif dst[e] not in seen:
                walk(dst[e], edges + [e], seen | {dst[e]})

    walk(head, [], {head})
    return out


def test_beam_search_finds_the_cycles_through_the_head_when_it_is_asked_for():
    rng = np.random.default_rng(1)
    m = 20
    src, dst = rng.integers(0, 6, m), rng.integers(0, 6, m)
    src[0] = dst[0] = 2  # a self-loop at node 2
    src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])  # every edge and its reverse, as graph_edges()
    reverse = (np.arange(2 * m) + m) % (2 * m)
    w = rng.normal(size=2 * m)
    for head in (2, 4):
        brute = sorted(((float(np.mean(w[p])), p) for p in all_cycles(src.tolist(), dst.tolist(), head, 3, reverse)),
                       key=lambda x: (-x[0], x[1]))[:5]
        got = beam_paths(src, dst, w, head, head, max_hops=3, k=5, beam=10_000, reverse=reverse)
        assert [mean for mean, _ in got] == pytest.approx([mean for mean, _ in brute])
    one_edge = beam_paths(src, dst, w, 2, 2, max_hops=3, k=100, beam=10_000, reverse=reverse)
    assert [0] in [edges for _, edges in one_edge] and [m] in [edges for _, edges in one_edge]  # the self-loop


@pytest.fixture
def selfloop_kg(tmp_path):
    """A small KG where every person is selfOf themselves (training triples) beside a few relations."""
    people = [f"p{i}" for i in range(8)]
    train = [(p, "selfOf", p) for p in people]
    train += [(people[i], "knows", people[(i + 1) % 8]) for i in range(8)]
    train += [(people[i], "likes", people[(i + 3) % 8]) for i in range(8)]
    return write_kg(tmp_path / "selfloop", train, [("p0", "knows", "p2")], [("p1", "likes", "p5")])


def test_a_self_loop_fact_is_explained_by_its_own_edge(selfloop_kg):
    """The reviewer's case: (p0, selfOf, p0) is a training triple, but the loopless search found no path
    and explain printed "(no path within reach)"."""
    torch.manual_seed(0)
    data = KGData.from_path(selfloop_kg)
    model = build_model(KGConfig(data=str(selfloop_kg), dim=8, layers=4), data).eval()  # 4-cycles through p0
    h, r = data.entity_index("p0"), data.relation_index("selfOf")
    preds = predict(model, data, h, r, top=data.num_entities, paths=3)
    own = next(p for p in preds if p.tail == h)
    assert own.known and len(own.paths) == 3
    assert "p0 -[selfOf]-> p0" in [p.text for p in own.paths]
    for p in own.paths:  # every one a cycle of the graph through p0, never an edge and back
        assert p.edges[0][0] == p.edges[-1][2] == h
        assert not (len(p.edges) == 2 and p.edges[1] == (p.edges[0][2], (p.edges[0][1] + 3) % 6, p.edges[0][0]))
    assert [p.weight for p in own.paths] == sorted([p.weight for p in own.paths], reverse=True)


def test_the_querys_own_edge_is_listed_even_when_its_importance_is_low(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=8, layers=3), data).eval()
    h, r, t = (int(x) for x in data.train[0])
    paths = nbfnet_paths(model, data, h, r, t, k=1)
    assert [p.edges for p in paths] == [[(h, r, t)]]
    many = nbfnet_paths(model, data, h, r, t, k=50)
    assert [(h, r, t)] in [p.edges for p in many]
