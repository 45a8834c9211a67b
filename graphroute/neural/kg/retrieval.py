"""K-Paths-style retrieval scorer: diverse K shortest paths + a relation-path rule table.

What it is, exactly
-------------------
1. **Graph.** The training triples and their inverses, as a simple directed graph over entities
   (one CSR edge per ordered pair ``(u, v)`` that has at least one relation; hop weights 1).
   ``R(u, v)`` is the set of relations (inverses included, ids ``r + R``) from ``u`` to ``v``.
2. **Retrieval** (K-Paths, Abdullahi et al. 2025). For an entity pair ``(h, t)`` the ``k`` shortest
   loopless paths ``h -> t`` that are mutually diverse
   (:func:`graphroute.paths.diverse.diverse_k_paths`: Yen's order, a path is kept while its edge
   Jaccard overlap with every kept path is at most ``max_overlap``), of at most ``max_len`` hops when
   that is set (path-ranking rule bodies are short: PRA and AnyBURL use 3-4). A node path
   ``h = v0, v1, ..., vL = t`` stands for every relation sequence ``(s1, ..., sL)`` with
   ``si in R(v_{i-1}, v_i)`` (capped at ``max_sequences`` per path). ``S(h, t)`` is the set of
   relation sequences of the retrieved paths.
3. **Rule table** (path ranking, Lao & Cohen 2010; rule confidence as in AMIE/AnyBURL). For every
   training triple in both directions ``(h, r, t)`` (inverse triples ``(t, r + R, h)``), the
   sequences ``S(h, t)`` minus the one-hop sequence ``(r,)`` of the triple itself are counted:
   ``n(s, r) += 1`` and ``n(s) += 1`` for each ``s``. Confidence of the rule ``s => r``:
   ``conf(s, r) = n(s, r) / (n(s) + alpha)``, an estimate of ``P(r | relation path s)`` over the
   training pairs connected by ``s`` (``alpha`` damps rare sequences).
4. **Score** of candidate ``t`` for query ``(h, r, ?)``: noisy-or of the rules that fire,
   ``1 - prod_{s in S(h, t)} (1 - conf(s, r))``; ``t = h`` and unreachable candidates score 0.

Cost: one ``diverse_k_paths`` call per entity pair that is needed (training pairs, and the ``(h, t)``
for the heads of the evaluated queries), cached per pair; scores of one head for all ``n`` tails and
``2R`` relations are an ``[n, 2R]`` array, cached per head. Ranking skips, exactly, every tail whose
hop distance from ``h`` (one breadth-first search per head) exceeds the longest rule body ``L``: all
its paths are longer than every sequence in the rule table, so no rule can fire and its score is 0
anyway. On sparse KGs (WN18RR-like) that leaves a small neighbourhood per head; on dense ones (UMLS,
Kinship: diameter 2-3) it changes nothing. Fine for UMLS and Kinship (about 10-20k pairs); not meant
for the full FB15k-237 or WN18RR.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from graphroute.neural.kg.data import KGData


def pair_graph(data: KGData) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[tuple[int, int], tuple[int, ...]]]:
    """CSR ``(indptr, indices, weights)`` of the entity pairs joined by a training triple (either way),
    and the relations ``R(u, v)`` of each pair."""
    src, dst, rel = data.graph_edges()
    rels: dict[tuple[int, int], set[int]] = {}
    for u, v, r in zip(src.tolist(), dst.tolist(), rel.tolist()):
        rels.setdefault((u, v), set()).add(r)
    pairs = sorted(rels)
    n = data.num_entities
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, np.array([u for u, _ in pairs], dtype=np.int64) + 1, 1)
    indptr = np.cumsum(indptr)
    indices = np.array([v for _, v in pairs], dtype=np.int64)
    return indptr, indices, np.ones(len(pairs)), {p: tuple(sorted(rs)) for p, rs in rels.items()}


@dataclass
class PathRetrievalScorer:
    """The K-Paths-style scorer of the module docstring; :meth:`fit` learns the rule table."""

    data: KGData
    k: int = 10
    max_overlap: float = 0.5
    alpha: float = 1.0
    max_sequences: int = 64
    max_len: int | None = None  # most hops of a retrieved path (None: no limit)
    rules: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict)  # s -> conf(s, r) for all 2R relations
    _csr: tuple | None = field(default=None, repr=False)
    _paths: dict = field(default_factory=dict, repr=False)
    _seqs: dict = field(default_factory=dict, repr=False)
    _head_scores: dict = field(default_factory=dict, repr=False)
    _max_rule_len: int | None = field(default=None, repr=False)
    pairs_total: int = 0  # training entity pairs, and how many of them fit() counted
    pairs_fitted: int = 0

    def _graph(self) -> tuple:
        if self._csr is None:
            self._csr = pair_graph(self.data)
        return self._csr

    def paths(self, h: int, t: int) -> list[tuple[int, ...]]:
        """Node sequences of the diverse K shortest paths ``h -> t`` (cached; empty when none)."""
        from graphroute.exceptions import NoPathError
        from graphroute.paths.diverse import diverse_k_paths

        key = (h, t)
        if key not in self._paths:
            indptr, indices, w, _ = self._graph()
            try:
                found = diverse_k_paths(indptr, indices, w, h, t, self.k, max_overlap=self.max_overlap,
                                        max_cost=self.max_len)
            except NoPathError:
                found = []
            self._paths[key] = [p.nodes for p in found]
        return self._paths[key]

    def sequences(self, h: int, t: int) -> frozenset[tuple[int, ...]]:
        """``S(h, t)``: relation sequences of the retrieved paths (cached)."""
        key = (h, t)
        if key not in self._seqs:
            rels = self._graph()[3]
            out: set[tuple[int, ...]] = set()
            for nodes in self.paths(h, t):
                hops = [rels[(u, v)] for u, v in zip(nodes, nodes[1:])]
                out.update(itertools.islice(itertools.product(*hops), self.max_sequences))
            self._seqs[key] = frozenset(out)
        return self._seqs[key]

    def fit(self, on_progress: Callable[[int, int], None] | None = None, *, deadline: float | None = None,
            seed: int = 0, max_triples: int | None = None) -> PathRetrievalScorer:
        """Count ``n(s, r)`` and ``n(s)`` over the training triples in both directions.

        With ``deadline`` (a ``time.perf_counter()`` value) the entity pairs are visited in a seeded
        random order and counting stops at the deadline: the rule table is then estimated from a
        random sample of the training pairs (``pairs_fitted`` of ``pairs_total``). ``max_triples``
        (the config's ``max_train_triples``) counts a seeded sample of that many training triples, the
        sample the path GNN trains on; the paths still run over the whole training graph.
        """
        import time

        num_rel = 2 * self.data.num_relations
        train = self.data.train
        if max_triples is not None and len(train) > max_triples:  # as train_kg subsamples for the path GNN
            train = train[np.random.default_rng(seed).choice(len(train), max_triples, replace=False)]
        triples = self.data.with_inverse(train)
        by_pair: dict[tuple[int, int], list[int]] = {}
        for h, r, t in triples.tolist():
            by_pair.setdefault((h, t), []).append(r)
        counts: dict[tuple[int, ...], np.ndarray] = {}
        totals: dict[tuple[int, ...], int] = {}
        items = sorted(by_pair.items())
        if deadline is not None:
            items = [items[i] for i in np.random.default_rng(seed).permutation(len(items))]
        self.pairs_total, self.pairs_fitted = len(items), 0
        for i, ((h, t), rs) in enumerate(items):
            if deadline is not None and i and time.perf_counter() > deadline:
                break
            self.pairs_fitted = i + 1
            seqs = self.sequences(h, t)
            for r in rs:
                for s in seqs:
                    if s == (r,) or not s:  # the triple itself; a self-loop's empty sequence is no rule
                        continue
                    counts.setdefault(s, np.zeros(num_rel))[r] += 1
                    totals[s] = totals.get(s, 0) + 1
            if on_progress:
                on_progress(i + 1, len(by_pair))
        self.rules = {s: c / (totals[s] + self.alpha) for s, c in counts.items()}
        self._head_scores.clear()
        self._max_rule_len = None
        return self

    def candidates(self, h: int) -> np.ndarray:
        """Tails ``t != h`` within ``L`` hops of ``h`` (``L`` the longest rule body): the only ones a rule can
        score (a farther tail has only longer paths). One breadth-first search."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path

        if self._max_rule_len is None:
            self._max_rule_len = max((len(s) for s in self.rules), default=0)
            if self.max_len is not None:
                self._max_rule_len = min(self._max_rule_len, self.max_len)
        indptr, indices, w, _ = self._graph()
        n = self.data.num_entities
        if self._max_rule_len == 0:
            return np.zeros(0, dtype=np.int64)
        hops = shortest_path(csr_matrix((w, indices, indptr), shape=(n, n)), unweighted=True, indices=h)
        hops[h] = np.inf
        return np.flatnonzero(hops <= self._max_rule_len)

    def head_scores(self, h: int) -> np.ndarray:
        """``[n, 2R]`` noisy-or scores of every tail under every relation for head ``h`` (cached)."""
        if h not in self._head_scores:
            n, num_rel = self.data.num_entities, 2 * self.data.num_relations
            miss = np.ones((n, num_rel))
            for t in self.candidates(h).tolist():
                for s in self.sequences(h, t):
                    conf = self.rules.get(s)
                    if conf is not None:
                        miss[t] *= 1.0 - conf
            self._head_scores[h] = 1.0 - miss
        return self._head_scores[h]

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        """Scores ``[B, n]`` of every entity as the tail of each query ``(h, r, _)`` (``[B, 3]``)."""
        return np.stack([self.head_scores(h)[:, r] for h, r in np.asarray(queries)[:, :2].tolist()])

    def state(self) -> dict:
        """What a checkpoint keeps: the settings and the rule table."""
        return {"k": self.k, "max_overlap": self.max_overlap, "alpha": self.alpha,
                "max_sequences": self.max_sequences, "max_len": self.max_len, "rules": dict(self.rules)}

    @classmethod
    def from_state(cls, data: KGData, state: dict) -> PathRetrievalScorer:
        return cls(data, k=state["k"], max_overlap=state["max_overlap"], alpha=state["alpha"],
                   max_sequences=state["max_sequences"], max_len=state.get("max_len"), rules=dict(state["rules"]))
        # a copy: the scorer caches what its rules give (candidates, head scores), so a later change to
        # the caller's dict must not reach it
