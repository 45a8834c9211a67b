"""Predictions with explanations: the top tails of a query and, for each, the paths behind it.

NBFNet (Zhu et al. 2021, Section 4.4 "path interpretations"): the importance of an edge for the
score of ``(h, r, t)`` is the gradient of that score with respect to a weight on the edge's
message (all weights 1). A path's importance is the mean importance of its edges; the top-k
paths ``h -> t`` of at most ``T`` hops (``T`` = number of layers) are found by a Bellman-Ford beam
search that keeps the ``beam`` best loopless paths (by summed importance) into every node, as
NBFNet's ``beam_search_distance`` does, then ranks the paths that end at ``t`` by mean importance.
Two additions: a query for the head itself (``t = h``, a self-loop relation) is explained by the
cycles through ``h`` (a self-loop edge ``h -[r]-> h`` is a one-edge cycle; no loopless path ends
where it starts), never by an edge walked there and straight back; and the query's own edge
``h -[r]-> t``, when it is a training triple, is always listed, in its place by importance: it is
the fact itself, and a user checking an explanation looks for it first (its importance may be low
or negative: NBFNet scores ``t = h`` mostly from its boundary condition, not from the edge).

The retrieval scorer explains itself: its paths are the retrieved diverse paths ``h -> t``,
ranked by the confidence of the rule ``relation sequence => r`` each one fires.

Every path is a list of ``(u, relation, v)`` edges of the message-passing graph (training triples
and their inverses), verbalised ``a -[r]-> b -[r2^-1]-> c``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from graphroute.exceptions import InvalidArgumentError
from graphroute.neural.kg.data import KGData


#: Most explaining paths per answer (``--paths``): the beam search keeps ``2 * paths`` partial paths
#: per node and hop, so its time and memory grow with it; a person reads a handful.
MAX_PATHS = 100


@dataclass
class ExplainedPath:
    edges: list[tuple[int, int, int]]  # (u, relation, v), relation ids with inverses (r + R)
    weight: float  # NBFNet: mean edge gradient; retrieval: rule confidence
    text: str


@dataclass
class Prediction:
    tail: int
    name: str
    score: float
    known: bool  # (head, relation, tail) is a training triple
    paths: list[ExplainedPath]


def verbalize(data: KGData, edges: list[tuple[int, int, int]]) -> str:
    """``a -[r]-> b -[r2^-1]-> c`` with entity and relation names."""
    if not edges:
        return ""
    parts = [data.entity_names[edges[0][0]]]
    for _, r, v in edges:
        parts.append(f" -[{data.relation_label(r)}]-> {data.entity_names[v]}")
    return "".join(parts)


def beam_paths(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, head: int, tail: int,
               max_hops: int, k: int = 5, beam: int | None = None,
               reverse: np.ndarray | None = None) -> list[tuple[float, list[int]]]:
    """Top-``k`` loopless paths ``head -> tail`` of at most ``max_hops`` edges by mean edge ``weight``.

    Bellman-Ford beam search: after ``i`` rounds every node holds the ``beam`` (default ``2k``)
    best paths into it by summed weight. Returns ``(mean weight, [edge ids])``, best first; ties by
    edge ids. When ``head == tail`` the paths are the cycles through ``head`` (a self-loop edge is a
    one-edge cycle), except an edge followed by ``reverse[edge]`` (the id of the edge that walks the
    same triple back, when given). Cost O(max_hops * E * beam * L).
    """
    beam = beam or 2 * k
    n = int(max(src.max(initial=0), dst.max(initial=0), head, tail)) + 1
    order = np.argsort(src, kind="stable")
    starts = np.searchsorted(src[order], np.arange(n + 1))
    frontier: dict[int, list[tuple[float, tuple[int, ...], tuple[int, ...]]]] = {head: [(0.0, (), (head,))]}
    found: dict[tuple[int, ...], float] = {}
    for _ in range(max_hops):
        nxt: dict[int, list] = {}
        for u, items in frontier.items():
            for e in order[starts[u]:starts[u + 1]].tolist():
                v = int(dst[e])
                for total, edges, nodes in items:
                    if v in nodes:  # only a cycle closing at the head, when the head is asked for
                        walked_back = reverse is not None and edges and reverse[edges[-1]] == e
                        if not (v == tail == head) or walked_back:
                            continue
                    cand = (total + float(weight[e]), edges + (e,), nodes + (v,))
                    if v == tail:
                        found[cand[1]] = cand[0] / len(cand[1])
                    else:
                        nxt.setdefault(v, []).append(cand)
        frontier = {v: sorted(items, key=lambda c: (-c[0], c[1]))[:beam] for v, items in nxt.items()}
        if not frontier:
            break
    best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(w, list(edges)) for edges, w in best]


def nbfnet_paths(model, data: KGData, head: int, relation: int, tail: int, k: int = 5) -> list[ExplainedPath]:  # noqa: ANN001
    """NBFNet's gradient path explanation of ``(head, relation, tail)`` (module docstring)."""
    import torch

    from graphroute.neural.kg.nbfnet import EdgeIndex

    src, dst, et = data.graph_edges()
    w = torch.ones(len(src), requires_grad=True)
    graph = EdgeIndex(torch.as_tensor(src), torch.as_tensor(dst), torch.as_tensor(et), data.num_entities, edge_weight=w)
    score = model(torch.tensor([head]), torch.tensor([relation]), graph)[0, tail]
    (grad,) = torch.autograd.grad(score, w)
    g = grad.numpy()
    half = len(src) // 2  # graph_edges(): the training triples, then their inverses in the same order
    reverse = (np.arange(len(src)) + half) % len(src)
    found = beam_paths(src, dst, g, head, tail, max_hops=len(model.linear), k=k, reverse=reverse)
    own = np.flatnonzero((src == head) & (et == relation) & (dst == tail))
    if len(own) and [int(own[0])] not in [edges for _, edges in found]:  # the fact itself is always listed
        found = sorted(found[: k - 1] + [(float(g[own[0]]), [int(own[0])])], key=lambda c: (-c[0], c[1]))
    out = []
    for mean, edges in found:
        triples = [(int(src[e]), int(et[e]), int(dst[e])) for e in edges]
        out.append(ExplainedPath(triples, float(mean), verbalize(data, triples)))
    return out


def retrieval_paths(scorer, data: KGData, head: int, relation: int, tail: int, k: int = 5) -> list[ExplainedPath]:  # noqa: ANN001
    """The retrieved paths ``head -> tail`` whose relation sequence best implies ``relation``."""
    rels = scorer._graph()[3]
    scored: dict[tuple, float] = {}
    for nodes in scorer.paths(head, tail):
        hops = [rels[(u, v)] for u, v in zip(nodes, nodes[1:])]
        for seq in itertools.islice(itertools.product(*hops), scorer.max_sequences):
            conf = scorer.rules.get(seq)
            if conf is not None and conf[relation] > 0:
                scored[tuple(zip(nodes, seq, nodes[1:]))] = float(conf[relation])
    best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [ExplainedPath(list(p), c, verbalize(data, list(p))) for p, c in best]


def predict(model, data: KGData, head: int, relation: int, *, top: int = 5, paths: int = 5) -> list[Prediction]:  # noqa: ANN001
    """The ``top`` highest-scoring tails of ``(head, relation, ?)``, each with its top ``paths`` explanations.

    ``top`` above the number of entities gives every entity, ranked (a KG has no more answers);
    ``paths`` must be in ``1..MAX_PATHS``."""
    import torch

    from graphroute.neural.kg.distmult import DistMult
    from graphroute.neural.kg.retrieval import PathRetrievalScorer
    from graphroute.neural.kg.train import Scorer

    if isinstance(model, DistMult):
        raise InvalidArgumentError("a DistMult checkpoint has no paths to explain; use an NBFNet or retrieval checkpoint")
    if top < 1 or not 1 <= paths <= MAX_PATHS:
        raise InvalidArgumentError(f"top must be at least 1 and paths in 1..{MAX_PATHS}, got top {top}, paths {paths}")
    top = min(top, data.num_entities)
    with torch.no_grad():
        scores = Scorer(model, data)(torch.tensor([[head, relation, head]])).float().numpy()[0]
    order = sorted(range(len(scores)), key=lambda t: (-scores[t], t))[:top]  # ties by entity id
    train = {tuple(x) for x in data.with_inverse(data.train).tolist()}
    explain = retrieval_paths if isinstance(model, PathRetrievalScorer) else nbfnet_paths
    return [Prediction(t, data.entity_names[t], float(scores[t]), (head, relation, t) in train,
                       explain(model, data, head, relation, t, k=paths)) for t in order]
