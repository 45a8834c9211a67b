"""Knowledge graphs from head / relation / tail triples.

Two layouts are read:

- the ConvE / NBFNet layout: a folder with ``train.txt``, ``valid.txt`` (or ``dev.txt``) and
  ``test.txt`` (optionally ``.gz``), one ``head<TAB>relation<TAB>tail`` per line (FB15k-237, WN18RR,
  UMLS, Kinship); or one such triples file alone;
- the SumGNN layout (DrugBank DDI): split files of ``id1 id2 label`` integers with a
  ``node2id.json`` mapping entity names to those ids; a Hetionet node table beside it
  (``hetionet-v1.0-nodes.tsv.gz``) gives human-readable drug names.

Vocabularies are deterministic: entities and relations in order of first appearance over
train, valid, test (the split files' order). Every split is kept as ``extras["triples_SPLIT"]``
(int64 ``[k, 3]`` of ``(head, relation, tail)`` indices); the graph's edges are the training
triples. With ``inverse=True`` each edge ``(h, r, t)`` also gets ``(t, r + R, h)`` named ``r^-1``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.model import Graph, from_edges

SPLIT_FILES = {"train": ("train",), "valid": ("valid", "dev"), "test": ("test",)}


def _open(path: Path):  # noqa: ANN202
    return gzip.open(path, "rt", encoding="utf-8") if path.name.endswith(".gz") else open(path, encoding="utf-8")


def _find(folder: Path, stems: tuple[str, ...]) -> Path | None:
    for stem in stems:
        for suffix in (".txt", ".txt.gz", ".tsv", ".tsv.gz"):
            p = folder / f"{stem}{suffix}"
            if p.exists():
                return p
    return None


_HEADER_WORDS = {"head", "relation", "tail", "h", "r", "t", "source", "target", "subject", "predicate", "object",
                 "rel", "relation_type", "src", "dst", "id1", "id2", "label", "drug1", "drug2", "y"}


def _read_lines(path: Path, sumgnn: bool) -> tuple[list[tuple[str, str, str]], int]:
    """Triples of one split file, and 0 (the count of skipped lines: a malformed line is an error).

    Fields are tab-separated (ConvE layout; entity names may contain spaces); a line without tabs
    is split on whitespace instead. A first line made only of column names (``head relation
    tail`` ...) is a header and is dropped; blank lines are skipped. Any other line without exactly
    three non-empty fields raises :class:`InvalidInstanceError` naming the file and line: a dropped
    triple would silently change the benchmark (its filtered ranking and its graph).
    """
    triples, skipped = [], 0
    try:
        with _open(path) as fh:
            for lineno, line in enumerate(fh):
                text = line.rstrip("\n\r")
                parts = text.split() if sumgnn or "\t" not in text else text.split("\t")
                if lineno == 0 and parts and all(p.strip().lower() in _HEADER_WORDS for p in parts):
                    continue
                if not line.strip():
                    continue
                if len(parts) != 3 or not all(p.strip() for p in parts):
                    sep = "whitespace" if sumgnn or "\t" not in text else "tab"
                    raise InvalidInstanceError(
                        f"{path} line {lineno + 1}: expected head, relation and tail ({sep}-separated), "
                        f"got {len(parts)} field(s): {text[:80]!r}")
                if sumgnn:
                    h, t, r = parts
                    triples.append((h, r, t))
                else:
                    triples.append((parts[0], parts[1], parts[2]))
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InvalidInstanceError(f"cannot read {path}: {exc}") from None
    return triples, skipped


def _hetionet_names(folder: Path, ids: list[str]) -> list[str] | None:
    table = folder / "hetionet-v1.0-nodes.tsv.gz"
    if not table.exists():
        return None
    names = {}
    with gzip.open(table, "rt", encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].startswith("Compound::"):
                names[parts[0].split("::", 1)[1]] = parts[1]
    return [names.get(i, i) for i in ids]


def read_kg(
    path: str | Path,
    *,
    inverse: bool = False,
    names: str | Path | None = None,
    graph_split: str = "train",
) -> Graph:
    """Build a knowledge graph from a triples folder or file (see module docstring).

    Parameters
    ----------
    path : folder with split files, or one triples file
    inverse : add inverse edges ``(t, r^-1, h)`` to the graph
    names : optional TSV ``id<TAB>name`` file for entity display names
    graph_split : which split becomes the graph's edges (``train`` by default)
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file or folder: {path}")
    folder = path if path.is_dir() else path.parent
    sumgnn = (folder / "node2id.json").exists()
    if path.is_dir():
        files = {s: _find(path, stems) for s, stems in SPLIT_FILES.items()}
        if files["train"] is None:
            raise InvalidInstanceError(f"{path} has no train.txt (or .txt.gz / .tsv) triples file")
    else:
        files = {"train": path, "valid": None, "test": None}
    id_map: dict[str, str] = {}
    if sumgnn:
        try:
            node2id = json.loads((folder / "node2id.json").read_text(encoding="utf-8"))
            id_map = {str(int(v)): k for k, v in node2id.items()}
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidInstanceError(f"{folder / 'node2id.json'}: not a JSON object of entity -> integer id "
                                       f"({exc})") from None
    splits: dict[str, list[tuple[str, str, str]]] = {}
    skipped = 0
    for split, f in files.items():
        if f is None:
            continue
        triples, bad = _read_lines(f, sumgnn)
        skipped += bad
        if sumgnn:
            try:
                triples = [(id_map[h], r, id_map[t]) for h, r, t in triples]
            except KeyError as exc:
                raise InvalidInstanceError(f"{f.name}: entity id {exc.args[0]} is not in node2id.json") from None
            bad_label = next((r for _, r, _ in triples if not r.isdigit()), None)
            if bad_label is not None:
                raise InvalidInstanceError(f"{f.name}: interaction label {bad_label!r} is not an integer")
        splits[split] = triples
    if not splits.get("train"):
        raise InvalidInstanceError(f"{files['train']}: no head/relation/tail triples found")
    ent: dict[str, int] = {}
    rel: dict[str, int] = {}
    if sumgnn:  # keep the benchmark's own integer ids and label order
        for k in sorted(id_map, key=int):
            ent[id_map[k]] = len(ent)
        for r in sorted({r for tr in splits.values() for _, r, _ in tr}, key=int):
            rel[r] = len(rel)
    arrays = {}
    for split in ("train", "valid", "test"):
        tr = splits.get(split, [])
        arr = np.empty((len(tr), 3), dtype=np.int64)
        for i, (h, r, t) in enumerate(tr):
            arr[i] = (ent.setdefault(h, len(ent)), rel.setdefault(r, len(rel)), ent.setdefault(t, len(ent)))
        arrays[split] = arr
    if graph_split not in arrays or not len(arrays[graph_split]):
        raise InvalidInstanceError(f"split {graph_split!r} is empty or missing")
    n, num_rel = len(ent), len(rel)
    g_tr = arrays[graph_split]
    src, r_ids, dst = g_tr[:, 0], g_tr[:, 1], g_tr[:, 2]
    relation_names = list(rel)
    if sumgnn:
        relation_names = [f"interaction_{int(r) + 1}" for r in rel]  # labels 1..86 as in DeepDDI
    if inverse:
        src, dst, r_ids = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([r_ids, r_ids + num_rel])
        relation_names = relation_names + [f"{r}^-1" for r in relation_names]
    ids = list(ent)
    display = None
    if names is not None:
        table = {}
        try:
            with _open(Path(names)) as fh:
                for line in fh:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) >= 2:
                        table[parts[0]] = parts[1]
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise InvalidInstanceError(f"cannot read the names file {names}: {exc}") from None
        display = [table.get(i, i) for i in ids]
    elif sumgnn:
        display = _hetionet_names(folder, ids)
    meta = {
        "source": str(path),
        "layout": "sumgnn" if sumgnn else "conve",
        "num_entities": n,
        "num_relations": num_rel,
        "inverse": inverse,
        "graph_split": graph_split,
        "triples": {s: int(len(a)) for s, a in arrays.items()},
        "skipped_lines": skipped,
        "default_weight": "hops",
    }
    g = from_edges(
        src, dst, n, edge_attrs={"relation": r_ids.astype(np.int64)}, kind="kg",
        node_ids=np.array(ids, dtype=str), node_names=display, relation_names=relation_names, meta=meta,
        extras={f"triples_{s}": a for s, a in arrays.items()},
    )
    return g
