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
ranked by the confidence of the rule ``relation sequence => r`` each one fires. Its rule table never
counts a training triple as evidence for itself (the one-hop rule ``r => r`` has confidence 0), so the
query's own edge fires no rule; when it is a training triple it is listed all the same, as for NBFNet,
at the confidence of its one-hop rule (0 from :meth:`~graphroute.neural.kg.retrieval.PathRetrievalScorer.fit`:
the fact adds nothing to the score).

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
    best paths into it by summed weight, ties by edge ids. Returns ``(mean weight, [edge ids])``,
    best first; ties by edge ids. When ``head == tail`` the paths are the cycles through ``head``
    (a self-loop edge is a one-edge cycle), except an edge followed by ``reverse[edge]`` (the id of
    the edge that walks the same triple back, when given). Each round extends all kept paths by
    all their out-edges at once in numpy: O(max_hops * E * beam * max_hops) work, in memory at once.
    """
    beam = beam or 2 * k
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    n = int(max(src.max(initial=0), dst.max(initial=0), head, tail)) + 1
    order = np.argsort(src, kind="stable")
    starts = np.searchsorted(src[order], np.arange(n + 1))
    # the kept paths of the current round: summed weight, edge ids [P, i], nodes [P, i + 1]
    total = np.zeros(1)
    edges = np.zeros((1, 0), dtype=np.int64)
    nodes = np.full((1, 1), head, dtype=np.int64)
    found: list[tuple[float, tuple[int, ...]]] = []
    for _ in range(max_hops):
        ends = nodes[:, -1]
        degree = starts[ends + 1] - starts[ends]
        parent = np.repeat(np.arange(len(ends)), degree)
        first = np.repeat(starts[ends], degree)
        offset = np.arange(len(parent)) - np.repeat(np.cumsum(degree) - degree, degree)
        e = order[first + offset]
        v = dst[e]
        seen = (nodes[parent] == v[:, None]).any(axis=1)
        if seen.any():  # only a cycle closing at the head, when the head is asked for, and not straight back
            ok = ~seen | ((v == head) & (head == tail))
            if reverse is not None and edges.shape[1]:
                ok &= ~(seen & (np.asarray(reverse)[edges[parent, -1]] == e))
            parent, e, v = parent[ok], e[ok], v[ok]
        total_new = total[parent] + weight[e]
        edges_new = np.concatenate([edges[parent], e[:, None]], axis=1)
        hit = v == tail
        found.extend((float(t) / edges_new.shape[1], tuple(row)) for t, row in
                     zip(total_new[hit].tolist(), edges_new[hit].tolist()))
        keep = ~hit
        parent, v, total_new, edges_new = parent[keep], v[keep], total_new[keep], edges_new[keep]
        if not len(v):
            break
        # per end node, the beam best by summed weight, ties by edge ids (lexsort: last key first)
        rank = np.lexsort((*edges_new.T[::-1], -total_new, v))
        v_sorted = v[rank]
        group_start = np.flatnonzero(np.r_[True, v_sorted[1:] != v_sorted[:-1]])
        position = np.arange(len(rank)) - np.repeat(group_start, np.diff(np.r_[group_start, len(rank)]))
        rank = rank[position < beam]
        total, edges = total_new[rank], edges_new[rank]
        nodes = np.concatenate([nodes[parent[rank]], v[rank, None]], axis=1)
    best = sorted(found, key=lambda c: (-c[0], c[1]))[:k]
    return [(w, list(path)) for w, path in best]


def nbfnet_paths(model, data: KGData, head: int, relation: int, tail: int, k: int = 5) -> list[ExplainedPath]:  # noqa: ANN001
    """NBFNet's gradient path explanation of ``(head, relation, tail)`` (module docstring)."""
    _, gradients = edge_gradients(model, data, head, relation, [tail])
    return gradient_paths(model, data, head, relation, tail, gradients[0], k=k)


def edge_gradients(model, data: KGData, head: int, relation: int,  # noqa: ANN001
                   tails: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Scores of every tail of ``(head, relation, ?)`` and, for each of ``tails``, the gradient of
    its score with respect to a weight (1) on every edge of :meth:`KGData.graph_edges`: one forward
    pass and one backward pass per tail."""
    import torch

    from graphroute.neural.kg.nbfnet import EdgeIndex

    src, dst, et = data.graph_edges()
    w = torch.ones(len(src), requires_grad=True)
    graph = EdgeIndex(torch.as_tensor(src), torch.as_tensor(dst), torch.as_tensor(et), data.num_entities, edge_weight=w)
    scores = model(torch.tensor([head]), torch.tensor([relation]), graph)[0]
    gradients = [torch.autograd.grad(scores[t], w, retain_graph=i < len(tails) - 1)[0].numpy()
                 for i, t in enumerate(tails)]
    return scores.detach().float().numpy(), gradients


def gradient_paths(model, data: KGData, head: int, relation: int, tail: int, g: np.ndarray,  # noqa: ANN001
                   k: int = 5) -> list[ExplainedPath]:
    """The top ``k`` paths ``head -> tail`` by mean edge gradient ``g`` (from :func:`edge_gradients`)."""
    src, dst, et = data.graph_edges()
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
    """The retrieved paths ``head -> tail`` whose relation sequence best implies ``relation``, and the
    query's own edge when it is a training triple (module docstring)."""
    rels = scorer._graph()[3]
    scored: dict[tuple, float] = {}
    for nodes in scorer.paths(head, tail):
        hops = [rels[(u, v)] for u, v in zip(nodes, nodes[1:])]
        for seq in itertools.islice(itertools.product(*hops), scorer.max_sequences):
            conf = scorer.rules.get(seq)
            if conf is not None and conf[relation] > 0:
                scored[tuple(zip(nodes, seq, nodes[1:]))] = float(conf[relation])
    best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    own = ((head, relation, tail),)
    if relation in rels.get((head, tail), ()) and own not in dict(best):  # the fact itself is always listed
        conf = scorer.rules.get((relation,))  # fit() never counts a triple for itself: 0
        weight = float(conf[relation]) if conf is not None else 0.0
        best = sorted(best[: k - 1] + [(own, weight)], key=lambda kv: (-kv[1], kv[0]))
    return [ExplainedPath(list(p), c, verbalize(data, list(p))) for p, c in best]


def predict(model, data: KGData, head: int | str, relation: int | str, *, top: int = 5,  # noqa: ANN001
            paths: int = 5) -> list[Prediction]:
    """The ``top`` highest-scoring tails of ``(head, relation, ?)``, each with its top ``paths`` explanations.

    ``head``: an entity position ``0..num_entities-1``, or its name or file id (a ``str``, looked up
    with :meth:`KGData.entity_index`). ``relation``: a relation position ``0..2R-1`` (``r + R`` is the
    inverse of ``r``: ``(?, r, head)``), or its name (``NAME^-1`` for the inverse,
    :meth:`KGData.relation_index`). ``top`` above the number of entities gives every entity, ranked
    (a KG has no more answers); ``paths`` must be in ``1..MAX_PATHS``.

    Raises
    ------
    InvalidArgumentError
        a position out of range, a value neither an integer nor a name, ``top`` or ``paths`` out of range.
    UnknownNameError
        a name the KG does not have.
    """
    import torch

    from graphroute.neural.kg.distmult import DistMult
    from graphroute.neural.kg.retrieval import PathRetrievalScorer
    from graphroute.neural.kg.train import Scorer

    if isinstance(model, DistMult):
        raise InvalidArgumentError("a DistMult checkpoint has no paths to explain; use an NBFNet or retrieval checkpoint")
    if not _is_int(top) or not _is_int(paths) or top < 1 or not 1 <= paths <= MAX_PATHS:
        raise InvalidArgumentError(f"top must be at least 1 and paths in 1..{MAX_PATHS} (integers), got top {top!r}, "
                                   f"paths {paths!r}")
    head = _position(head, "head", data.num_entities, "entity", data.entity_index)
    relation = _position(relation, "relation", 2 * data.num_relations, "relation", data.relation_index)
    top = min(top, data.num_entities)
    with torch.no_grad():
        scores = Scorer(model, data)(torch.tensor([[head, relation, head]])).double().numpy()[0]
    order = sorted(range(len(scores)), key=lambda t: (-scores[t], t))[:top]  # ties by entity id
    train = {tuple(x) for x in data.with_inverse(data.train).tolist()}
    if isinstance(model, PathRetrievalScorer):
        explained = [retrieval_paths(model, data, head, relation, t, k=paths) for t in order]
    else:  # one forward pass for all answers, a backward pass each
        _, gradients = edge_gradients(model, data, head, relation, order)
        explained = [gradient_paths(model, data, head, relation, t, g, k=paths) for t, g in zip(order, gradients)]
    return [Prediction(t, data.entity_names[t], float(scores[t]), (head, relation, t) in train, found)
            for t, found in zip(order, explained)]


def _is_int(v: object) -> bool:
    """A Python or numpy integer, not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _position(value: object, what: str, n: int, kind: str, lookup) -> int:  # noqa: ANN001
    """``value`` as a position in ``0..n-1``: an integer in range, or a name that ``lookup`` resolves."""
    if isinstance(value, str):
        return lookup(value)
    if not _is_int(value):
        raise InvalidArgumentError(f"{what} must be an integer ({kind} positions 0..{n - 1}) or a name (str), got "
                                   f"{type(value).__name__} {value!r}")
    if not 0 <= value < n:
        raise InvalidArgumentError(f"{what} {value} is outside the {kind} positions 0..{n - 1}")
    return int(value)
