"""Knowledge-graph tensors for link prediction, and the filtered ranking protocol.

Queries go both ways through inverse relations: a triple ``(h, r, t)`` gives the tail query
``(h, r, ?) -> t`` and the head query ``(t, r + R, ?) -> h``, where ``R`` is the number of relations.
Filtered ranking (Bordes et al. 2013): every other known true answer (train, valid and test) is
removed from the candidates before the rank of the target is taken; ties count half
(``rank = 1 + #greater + #equal / 2``), the expected rank under random tie-breaking. A NaN score
never helps: a NaN target gets the worst rank (the number of candidates) and a NaN candidate counts as
ranked above the target (a model that emits NaN would otherwise score MRR 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidArgumentError


@dataclass
class KGData:
    """Splits of a KG as int64 ``[k, 3]`` arrays of ``(head, relation, tail)`` indices.

    ``entity_names`` are the display labels (names, else ids); ``entity_ids`` the ids of the files
    when known. ``meta`` holds the split checks of :func:`graphroute.graphs.kg.split_checks`
    (``duplicates_removed``, ``also_in_train``, ``unseen_in_train``); :meth:`warnings` words them.
    """

    name: str
    num_entities: int
    num_relations: int  # without inverses
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    entity_names: list[str]
    relation_names: list[str]
    entity_ids: list[str] | None = None
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_path(cls, path: str | Path) -> KGData:
        """A KG folder (train/valid/test triples; ConvE, OpenKE or SumGNN layout), one triples file
        (``.txt/.tsv/.csv``), or a graph file built by ``graph build kg``.

        Anything but a ``.npz`` graph file goes to :func:`~graphroute.graphs.kg.read_kg`: the caller
        asked for a KG, so a ``.csv`` of triples is not sent to the traffic reader. Repeated triples
        are removed here too (graph files written before the reader removed them).
        """
        from graphroute.graphs.kg import SPLIT_SUFFIXES, read_kg, split_checks
        from graphroute.graphs.model import load_graph

        p = Path(path)
        name = p.name.lower()
        if p.is_file() and not name.endswith((".npz", *SPLIT_SUFFIXES)):  # an OSM, DIMACS or traffic file
            raise InvalidArgumentError(f"{path} is not a knowledge graph: give a KG folder, a triples "
                                       ".txt/.tsv/.csv file or a graph file built by 'graph build kg'")
        g = load_graph(p) if name.endswith(".npz") else read_kg(p)
        if g.kind != "kg" or "triples_train" not in g.extras:
            raise InvalidArgumentError(f"{path} is not a knowledge graph with train/valid/test triples")
        names = [g.node_label(i) for i in range(g.n_nodes)]
        num_rel = int(g.meta.get("num_relations", len(g.relation_names or [])))
        rel_names = list((g.relation_names or [str(i) for i in range(num_rel)])[:num_rel])
        clash = next((r for r in rel_names if r.endswith("^-1") and r[:-3] in set(rel_names)), None)
        if clash is not None:
            raise InvalidArgumentError(f"{path}: relation {clash!r} has the name of the inverse of relation "
                                       f"{clash[:-3]!r} (queries ask both directions); rename one of them")
        empty = np.zeros((0, 3), dtype=np.int64)
        splits, checks = split_checks({s: g.extras.get(f"triples_{s}", empty) for s in ("train", "valid", "test")})
        earlier = g.meta.get("duplicates_removed") or {}
        checks["duplicates_removed"] = {s: n + int(earlier.get(s, 0)) for s, n in checks["duplicates_removed"].items()}
        meta = {k: v for k, v in g.meta.items() if k in ("layout", "header_lines", "shared_names", "numeric_names",
                                                            "lone_first_line")}
        return cls(
            name=Path(str(g.meta.get("source", path))).name,
            num_entities=g.n_nodes, num_relations=num_rel,
            train=splits["train"], valid=splits["valid"], test=splits["test"],
            entity_names=names, relation_names=rel_names,
            entity_ids=None if g.node_ids is None else [str(v) for v in g.node_ids.tolist()],
            meta={**checks, **meta},
        )

    def warnings(self) -> list[str]:
        """One-line warnings on what the splits hold that changes the numbers (see :func:`kg_warnings`)."""
        from graphroute.graphs.kg import kg_warnings

        return kg_warnings(self.meta)

    def reindexed(self, entity_names: list[str], relation_names: list[str], what: str = "the checkpoint",
                  by_ids: bool = False) -> KGData:
        """This KG with the ids of another vocabulary (``entity_names[i]`` gets id ``i``), e.g. the one a
        checkpoint was trained with, so that a KG whose files list the same triples in another order
        is ranked correctly. The entity and relation name sets must be the same, and unique. ``by_ids``:
        ``entity_names`` are the files' entity ids, matched against :attr:`entity_ids` (a KG read with
        display names from ``--names`` is the same KG as its plain files); the display names stay this KG's."""
        mine_entities = self.entity_ids if by_ids and self.entity_ids is not None else self.entity_names
        if entity_names == mine_entities and relation_names == self.relation_names:
            return self
        maps = []
        for kind, mine, theirs in (("entity", mine_entities, entity_names),
                                   ("relation", self.relation_names, relation_names)):
            if len(set(mine)) != len(mine) or len(set(theirs)) != len(theirs):
                raise InvalidArgumentError(f"{self.name}: the {kind} ids differ from those of {what} and the names "
                                           "are not unique, so they cannot be matched")
            extra, missing = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
            if extra or missing:
                detail = f"{len(extra)} {kind} names {what} does not know (e.g. {extra[0]!r})" if extra else \
                    f"{len(missing)} of {what}'s {kind} names are missing (e.g. {missing[0]!r})"
                raise InvalidArgumentError(f"{self.name} is not the KG {what} was trained on: {detail}")
            index = {name: i for i, name in enumerate(theirs)}
            maps.append(np.array([index[name] for name in mine], dtype=np.int64))
        ent, rel = maps

        def remap(tr: np.ndarray) -> np.ndarray:
            return np.stack([ent[tr[:, 0]], rel[tr[:, 1]], ent[tr[:, 2]]], 1) if len(tr) else tr

        def moved(labels: list[str] | None) -> list[str] | None:  # entity i becomes entity ent[i]: its labels move
            if labels is None:
                return None
            out = [""] * len(labels)
            for i, e in enumerate(ent.tolist()):
                out[e] = labels[i]
            return out

        names = moved(self.entity_names) if by_ids else list(entity_names)
        return KGData(name=self.name, num_entities=self.num_entities, num_relations=self.num_relations,
                      train=remap(self.train), valid=remap(self.valid), test=remap(self.test),
                      entity_names=names, relation_names=list(relation_names), entity_ids=moved(self.entity_ids),
                      meta=dict(self.meta))

    def with_inverse(self, triples: np.ndarray) -> np.ndarray:
        """``triples`` followed by their inverses ``(t, r + R, h)``."""
        inv = np.stack([triples[:, 2], triples[:, 1] + self.num_relations, triples[:, 0]], 1)
        return np.concatenate([triples, inv])

    def graph_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Message-passing edges: the training triples and their inverses, as (src, dst, relation)."""
        both = self.with_inverse(self.train)
        return both[:, 0], both[:, 2], both[:, 1]

    def relation_label(self, r: int) -> str:
        if r < self.num_relations:
            return self.relation_names[r]
        return self.relation_names[r - self.num_relations] + "^-1"

    def entity_index(self, key: str) -> int:
        """Index of an entity given by its name or its id. A name that several entities share
        (a ``--names`` file may give two people one name) is an error listing their ids, not a guess."""
        from graphroute.exceptions import UnknownNameError

        table = getattr(self, "_ent", None)
        if table is None:
            table = {}
            for i, s in enumerate(self.entity_names):
                table.setdefault(s, []).append(i)
            self._ent = table
        hits = table.get(key)
        if hits is not None and len(hits) > 1:
            ids = [self.entity_ids[i] if self.entity_ids is not None else str(i) for i in hits]
            raise UnknownNameError(f"entity name {key!r} is ambiguous: {len(hits)} entities have it (ids "
                                   f"{', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}); give the id")
        if hits is None and self.entity_ids is not None:
            ids_table = getattr(self, "_ids", None)
            if ids_table is None:
                ids_table = self._ids = {s: i for i, s in enumerate(self.entity_ids)}
            if key in ids_table:
                return ids_table[key]
        if hits is None:
            raise UnknownNameError(f"unknown entity {key!r} ({self.num_entities} entities)")
        return hits[0]

    def relation_index(self, key: str) -> int:
        from graphroute.exceptions import UnknownNameError

        names = self.relation_names + [r + "^-1" for r in self.relation_names]
        if key not in names:
            raise UnknownNameError(f"unknown relation {key!r}; e.g. {', '.join(self.relation_names[:5])}")
        return names.index(key)


def known_answers(data: KGData) -> dict[tuple[int, int], set[int]]:
    """Every true answer of every ``(entity, relation)`` query over all splits, both directions."""
    out: dict[tuple[int, int], set[int]] = {}
    for tr in (data.train, data.valid, data.test):
        for h, r, t in data.with_inverse(tr).tolist():
            out.setdefault((h, r), set()).add(t)
    return out


def filtered_ranks(scores: np.ndarray, queries: np.ndarray, known: dict[tuple[int, int], set[int]]) -> np.ndarray:
    """Filtered rank of each query's target.

    Parameters
    ----------
    scores : float ``[B, num_entities]`` candidate scores, higher is better.
    queries : int ``[B, 3]`` of ``(entity, relation, target)``.

    NaN is pessimistic: a NaN target gets the worst rank, the number of filtered candidates (target
    included); a NaN candidate counts as above a non-NaN target. ``NaN == NaN`` is false, so the tie
    count alone would give a NaN target rank 0.5 (MRR 2) and put NaN candidates below it.
    """
    ranks = np.empty(len(queries), dtype=np.float64)
    for i, (h, r, t) in enumerate(queries.tolist()):
        s = scores[i]
        mask = np.ones(len(s), dtype=bool)
        others = known.get((h, r), set()) - {t}
        if others:
            mask[list(others)] = False
        target = s[t]
        cand = s[mask]
        if np.isnan(target):
            ranks[i] = float(len(cand))
            continue
        above = float((cand > target).sum()) + float(np.isnan(cand).sum())
        ranks[i] = 1.0 + above + 0.5 * float((cand == target).sum() - 1)
    return ranks


def ranking_metrics(ranks: np.ndarray) -> dict[str, float]:
    """MRR and Hits@1/3/10 of filtered ranks."""
    if not len(ranks):
        return {"mrr": float("nan"), "hits@1": float("nan"), "hits@3": float("nan"), "hits@10": float("nan"), "queries": 0}
    return {
        "mrr": float(np.mean(1.0 / ranks)),
        "hits@1": float(np.mean(ranks <= 1)),
        "hits@3": float(np.mean(ranks <= 3)),
        "hits@10": float(np.mean(ranks <= 10)),
        "queries": int(len(ranks)),
    }


def paired_bootstrap(ranks_a: np.ndarray, ranks_b: np.ndarray, *, n_boot: int = 10_000, seed: int = 0,
                     level: float = 0.95) -> dict[str, float]:
    """Paired bootstrap of the MRR difference ``A - B`` on the same queries.

    Both rank arrays must come from the same queries in :meth:`KGData.with_inverse` order (the tail
    queries of ``k`` triples, then their ``k`` head queries): the bootstrap resamples *triples*, so a
    triple's two queries move together. Returns the observed difference, the ``level`` percentile
    interval, and ``p_le_0``, the share of resamples where A is not ahead (a one-sided p-value for
    "A beats B").
    """
    a = 1.0 / np.asarray(ranks_a, dtype=np.float64)
    b = 1.0 / np.asarray(ranks_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) % 2:
        raise ValueError("paired_bootstrap needs two rank arrays of the same even length (both directions)")
    d = (a - b).reshape(2, -1).mean(0)  # per triple
    rng = np.random.default_rng(seed)
    boot = np.empty(n_boot)
    for i in range(0, n_boot, 1000):  # in blocks: [1000, k] indices at a time
        m = min(1000, n_boot - i)
        boot[i : i + m] = d[rng.integers(0, len(d), size=(m, len(d)))].mean(1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return {"diff": float(d.mean()), "lo": float(lo), "hi": float(hi), "p_le_0": float(np.mean(boot <= 0)),
            "triples": int(len(d))}
