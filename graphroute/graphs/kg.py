"""Knowledge graphs from head / relation / tail triples.

Three layouts are read:

- the ConvE / NBFNet layout: a folder with ``train``, ``valid`` (or ``dev``) and ``test`` split files
  (``.txt``, ``.tsv`` or ``.csv``, optionally ``.gz``), one ``head<TAB>relation<TAB>tail`` per line
  (FB15k-237, WN18RR, UMLS, Kinship); or one such triples file alone. Lines without a tab are split
  on whitespace, or on commas (see :func:`_fields`);
- the OpenKE layout: ``entity2id.txt`` and ``relation2id.txt`` (a count line, then ``name<TAB>id``) and
  ``train2id.txt`` / ``valid2id.txt`` / ``test2id.txt`` (a count line, then ``head_id tail_id
  relation_id``: OpenKE's order, tail before relation). Entities and relations are named from the two
  vocabulary files and keep OpenKE's ids. A folder with a ``train.txt`` is read as ConvE even if it
  also holds OpenKE files;
- the SumGNN layout (DrugBank DDI): split files of ``id1 id2 label`` integers with a
  ``node2id.json`` mapping entity names to those ids; a Hetionet node table beside it
  (``hetionet-v1.0-nodes.tsv.gz``) gives human-readable drug names.

Files are UTF-8 (a byte-order mark is dropped); a byte that is not UTF-8 is an error naming the
line, since guessing the encoding would silently give an entity two names. Spaces around a field are
dropped (``p066 \\t motherOf`` is ``p066`` and ``motherOf``; spaces inside a name stay).

Vocabularies are deterministic: entities and relations in order of first appearance over
train, valid, test (the split files' order; OpenKE and SumGNN keep their own ids). Every split is
kept as ``extras["triples_SPLIT"]`` (int64 ``[k, 3]`` of ``(head, relation, tail)`` indices); the
graph's edges are the training triples. With ``inverse=True`` each edge ``(h, r, t)`` also gets
``(t, r + R, h)`` named ``r^-1``; a KG that already has a relation named ``r^-1`` beside ``r`` is
refused, since every query and explanation would then mean two relations by one name.

Checks that change every number, made on every read and kept in ``meta`` (:func:`kg_warnings`
turns them into one-line warnings):

- ``duplicates_removed``: ``{split: n}`` lines repeating an earlier triple of the same split are
  removed (the first is kept): a repeated training triple counts twice in a path GNN's message sums,
  a repeated test triple is ranked twice;
- ``also_in_train``: ``{"valid": n, "test": m}`` held-out triples that are training triples too.
  They are kept (they are the data) but a model that memorises train ranks them first;
- ``unseen_in_train``: ``{"valid": n, "test": m}`` held-out triples with an entity or relation that
  no training triple has. They are kept and ranked, as ConvE and NBFNet do; no model has learned
  them, so they lower every model's MRR (WN18RR has 210 valid and 210 test such triples, FB15k-237
  9 and 28, DrugBank-DDI 10 and 15, UMLS and Kinship none).

``meta["header_lines"]`` records the header line dropped from each split file, ``meta["shared_names"]``
how many display names (``names``) belong to more than one entity, and ``meta["numeric_names"]``
that every name is an integer (id files, whose column order cannot be checked).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs.model import Graph, from_edges

#: Longest entity or relation name (and ``--names`` display name), in characters: names are stored as
#: fixed-width arrays, so one long name would widen every entry of the graph file (a single
#: 100,000-character entity turned UMLS's 361 KB into 55 MB). The longest in FB15k-237, WN18RR,
#: UMLS, Kinship and DrugBank is far below it; a longer one is refused naming its file and line.
MAX_NAME_CHARS = 1_000

SPLIT_FILES = {"train": ("train",), "valid": ("valid", "dev"), "test": ("test",)}
SPLIT_SUFFIXES = (".txt", ".txt.gz", ".tsv", ".tsv.gz", ".csv", ".csv.gz")
OPENKE_FILES = {"train": "train2id.txt", "valid": "valid2id.txt", "test": "test2id.txt"}


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a UTF-8 file (``.gz`` too), line ends and a byte-order mark dropped.

    The file is decoded whole (a line at a time was 1.6-3x slower on FB15k-237's 272k lines); a byte
    that is not UTF-8 (a Latin-1 export) is reported with its line and column, which a text-mode
    reader does not know (only a byte offset inside its read buffer).
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            data = fh.read()
    except zlib.error as exc:  # a corrupt .gz (gzip raises OSError / EOFError for the other damage)
        raise InvalidInstanceError(f"cannot read {path}: corrupt gzip data ({exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        lineno = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidInstanceError(
            f"{path} line {lineno}: not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
            "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8") from None
    for lineno, line in enumerate(text.split("\n"), 1):
        yield lineno, line.rstrip("\r")


def _find(folder: Path, stems: tuple[str, ...]) -> Path | None:
    for stem in stems:
        for suffix in SPLIT_SUFFIXES:
            p = folder / f"{stem}{suffix}"
            if p.exists():
                return p
    return None


# A header is a first line whose three fields are all column names from the vocabularies KG files use:
# ConvE-style (head relation tail, h r t), RDF (subject predicate object), Hetionet (source metaedge
# target), edge lists (from to, src dst), with optional suffixes (head_entity, relation_type, tail_id).
_HEADER_FIELD = re.compile(
    r"(?:head|tail|subject|object|source|target|relation|predicate|rel|metaedge|edge|type|from|to|src|dst)"
    r"(?:[ _-]?(?:entity|id|label|name|type))?", re.IGNORECASE)
_HEADER_WORDS = {"h", "r", "t", "id1", "id2", "label", "drug1", "drug2", "y"}  # short and SumGNN column names


def _is_header(parts: list[str]) -> bool:
    return len(parts) == 3 and all(p.lower() in _HEADER_WORDS or _HEADER_FIELD.fullmatch(p) for p in parts)


def _separator(path: Path, texts: list[str], sumgnn: bool) -> str:
    """The one separator of a split file: ``tab`` when any line has a tab (names may then hold spaces and
    commas); else ``comma`` for a ``.csv`` file or when every line has a comma (``p066, motherOf, p134``,
    ``aspirin,is used for,headache``); else ``whitespace`` (``a r b``). One per file, not per line: a
    comma-separated line with spaces in its names split on the spaces into three wrong fields, silently."""
    if sumgnn:
        return "whitespace"
    if any("\t" in t for t in texts):
        return "tab"
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if name.lower().endswith(".csv") or all("," in t for t in texts):
        return "comma"
    return "whitespace"


def _fields(text: str, sep: str) -> list[str]:
    """The fields of one line split on ``sep`` (:func:`_separator`), each stripped; CSV quoting is allowed
    on comma-separated lines (``"Smith, J.",knows,x``)."""
    text = text.strip()
    if sep == "tab":
        return [p.strip() for p in text.split("\t")]
    if sep == "whitespace":
        return text.split()
    try:
        row = next(csv.reader([text], skipinitialspace=True))
    except csv.Error:
        row = text.split(",")
    return [p.strip() for p in row]


def _read_lines(path: Path, sumgnn: bool) -> tuple[list[tuple[str, str, str]], str | None]:
    """Triples of one split file, and its header line (None when it has none).

    Fields are tab-separated (ConvE layout; entity names may contain spaces), or comma- or
    whitespace-separated, one separator for the whole file (:func:`_separator`); spaces around a field
    are dropped, and a line that does not split into three fields on it is refused (mixed separators). The
    first non-blank line is a header, and is dropped, when all three of its fields are column names
    (:func:`_is_header`: ``head relation tail``, ``subject predicate object``, ``source metaedge
    target``, ``head_entity relation tail_entity`` ...); only that line, so an entity called ``source``
    further down stays an entity. Blank lines are skipped. Any other line without exactly three
    non-empty fields raises :class:`InvalidInstanceError` naming the file and line: a dropped triple
    would silently change the benchmark (its filtered ranking and its graph).
    """
    triples, header = [], None
    try:
        lines = [(lineno, text) for lineno, text in _lines(path) if text.strip()]
        # the header may use a separator of its own (``h r t`` over tab-separated lines): any one will do
        if lines and not sumgnn and any(_is_header(_fields(lines[0][1], s)) for s in ("tab", "comma", "whitespace")):
            header = lines[0][1].strip()
            lines = lines[1:]
        sep = _separator(path, [text for _, text in lines], sumgnn)
        for lineno, text in lines:
            parts = _fields(text, sep)
            if len(parts) != 3 or not all(parts):
                raise InvalidInstanceError(
                    f"{path} line {lineno}: expected head, relation and tail ({sep}-separated), "
                    f"got {len(parts)} field(s): {text[:80]!r}")
            if len(text) > MAX_NAME_CHARS:
                _check_name_lengths(parts, path, lineno)
            if sumgnn:
                h, t, r = parts
                triples.append((h, r, t))
            else:
                triples.append((parts[0], parts[1], parts[2]))
    except (OSError, EOFError) as exc:
        raise InvalidInstanceError(f"cannot read {path}: {exc}") from None
    return triples, header


def _check_name_lengths(names: list[str], path: Path, lineno: int) -> None:
    long = next((x for x in names if len(x) > MAX_NAME_CHARS), None)
    if long is not None:
        raise InvalidInstanceError(f"{path} line {lineno}: a name of {len(long):,} characters ({long[:40]!r}...); "
                                   f"names may have at most {MAX_NAME_CHARS:,}")


def _openke_rows(path: Path) -> list[tuple[int, str]]:
    """``(line number, text)`` of the entries of an OpenKE file: the lines after its count line,
    whose count must match (a truncated download would otherwise lose triples silently)."""
    rows: list[tuple[int, str]] = []
    count = None
    try:
        for lineno, text in _lines(path):
            text = text.strip()
            if not text:
                continue
            if count is None:
                if not text.isdigit():
                    raise InvalidInstanceError(f"{path} line {lineno}: expected the number of lines that follow "
                                               f"(OpenKE layout), got {text[:80]!r}")
                count = int(text)
            else:
                rows.append((lineno, text))
    except (OSError, EOFError) as exc:
        raise InvalidInstanceError(f"cannot read {path}: {exc}") from None
    if count is None:
        raise InvalidInstanceError(f"{path} is empty (OpenKE layout: a count line, then one line per entry)")
    if count != len(rows):
        raise InvalidInstanceError(f"{path}: its first line announces {count} entries, the file has {len(rows)} "
                                   "(truncated?)")
    return rows


def _openke_vocab(path: Path) -> list[str]:
    """Names by id from ``entity2id.txt`` / ``relation2id.txt`` (``name<TAB>id``, or ``name id``);
    the ids must be ``0..n-1``, each once."""
    if not path.exists():
        raise InvalidInstanceError(f"{path.parent} looks like an OpenKE folder (train2id.txt) but has no {path.name}")
    names: dict[int, str] = {}
    for lineno, text in _openke_rows(path):
        parts = [p.strip() for p in text.split("\t")] if "\t" in text else text.rsplit(None, 1)
        if len(parts) != 2 or not parts[0] or not parts[1].isdigit():
            raise InvalidInstanceError(f"{path} line {lineno}: expected a name and an integer id, got {text[:80]!r}")
        _check_name_lengths(parts[:1], path, lineno)
        i = int(parts[1])
        if i in names:
            raise InvalidInstanceError(f"{path} line {lineno}: id {i} is given to {names[i]!r} and {parts[0]!r}")
        names[i] = parts[0]
    if sorted(names) != list(range(len(names))):
        missing = next(i for i in range(len(names)) if i not in names)
        raise InvalidInstanceError(f"{path}: ids must run 0..{len(names) - 1}; {missing} is missing")
    if len(set(names.values())) != len(names):
        dup = next(n for n in names.values() if list(names.values()).count(n) > 1)
        raise InvalidInstanceError(f"{path}: the name {dup!r} has more than one id")
    return [names[i] for i in range(len(names))]


def _openke_split(path: Path, entities: list[str], relations: list[str]) -> list[tuple[str, str, str]]:
    """Triples, as names, of ``train2id.txt`` & co.: a count line, then ``head_id tail_id relation_id``."""
    triples = []
    for lineno, text in _openke_rows(path):
        parts = text.split()
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise InvalidInstanceError(f"{path} line {lineno}: expected three integer ids 'head tail relation' "
                                       f"(OpenKE order), got {text[:80]!r}")
        h, t, r = (int(p) for p in parts)
        for what, i, vocab in (("entity", h, entities), ("entity", t, entities), ("relation", r, relations)):
            if i >= len(vocab):
                raise InvalidInstanceError(f"{path} line {lineno}: {what} id {i} is not in {what}2id.txt "
                                           f"({len(vocab)} {what} ids)")
        triples.append((entities[h], relations[r], entities[t]))
    return triples


def csv_holds_triples(path: str | Path) -> bool:
    """Whether a ``.csv(.gz)`` holds KG triples rather than traffic distances (``from,to,cost``).

    Only the first two non-blank rows are read. Triples: the first row is a KG header
    (:func:`_is_header`), or it has three fields and neither its third field nor, when it could be a
    header, the second row's third field is a number (a distance's cost always is: ``from,to,cost``
    then ``773869,767541,1390.4`` is traffic). An unreadable file is not triples: the traffic reader
    reports it.
    """
    path = Path(path)
    rows: list[list[str]] = []
    try:
        for _, text in _lines(path):
            if text.strip():
                rows.append([p.strip() for p in next(csv.reader([text]))])
                if len(rows) == 2:
                    break
    except (OSError, EOFError, InvalidInstanceError, csv.Error):
        return False
    if not rows:
        return False
    if _is_header(rows[0]):
        return True

    def text_tail(row: list[str]) -> bool:
        if len(row) != 3 or not all(row):
            return False
        try:
            float(row[2])
        except ValueError:
            return True
        return False

    return text_tail(rows[0]) and (len(rows) == 1 or text_tail(rows[1]))


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


def split_checks(splits: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, dict[str, int]]]:
    """Each split without repeated triples, and the counts the module docstring lists.

    Parameters
    ----------
    splits : ``{"train": [k, 3], "valid": ..., "test": ...}`` int arrays of ``(head, relation, tail)``.

    Returns
    -------
    The splits with every repeated triple removed (its first line kept, the order otherwise
    unchanged), and ``{"duplicates_removed": {split: n}, "also_in_train": {"valid": n, "test": m},
    "unseen_in_train": {"valid": n, "test": m}}``. O(k log k) per split.
    """
    arrays = {s: np.asarray(a, dtype=np.int64).reshape(-1, 3) for s, a in splits.items()}
    key = _triple_keys(arrays)
    out, dups, keys = {}, {}, {}
    for s, a in arrays.items():
        k = key(a)
        if len(a):
            _, first = np.unique(k, axis=0, return_index=True)
            first = np.sort(first)
            a, k = a[first], k[first]
        dups[s] = int(len(arrays[s]) - len(a))
        out[s], keys[s] = a, k
    train = out.get("train", np.zeros((0, 3), dtype=np.int64))
    train_keys = keys.get("train", key(train))
    ents, rels = np.unique(train[:, [0, 2]]), np.unique(train[:, 1])
    also, unseen = {}, {}
    for s in ("valid", "test"):
        a = out.get(s, np.zeros((0, 3), dtype=np.int64))
        k = keys.get(s, key(a))
        also[s] = int(_isin_rows(k, train_keys).sum())
        known = np.isin(a[:, 0], ents) & np.isin(a[:, 2], ents) & np.isin(a[:, 1], rels)
        unseen[s] = int((~known).sum())
    return out, {"duplicates_removed": dups, "also_in_train": also, "unseen_in_train": unseen}


def _triple_keys(arrays: dict[str, np.ndarray]):  # noqa: ANN202
    """A function from ``[k, 3]`` triples to comparable keys: one int64 per triple when the ids allow
    (``(h * R + r) * E + t``, 10x faster to sort and match than rows), else the rows themselves."""
    top = [int(a.max()) + 1 for a in arrays.values() if len(a)]
    n = max(top, default=1)
    if n ** 3 < 2 ** 62:
        return lambda a: (a[:, 0] * n + a[:, 1]) * n + a[:, 2]
    return lambda a: a


def _isin_rows(k: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Which keys (scalars or rows) of ``k`` occur in ``ref``."""
    if k.ndim == 1:
        return np.isin(k, ref)
    seen = set(map(tuple, ref.tolist()))
    return np.array([x in seen for x in map(tuple, k.tolist())], dtype=bool)


def _lone_first_lines(arrays: dict[str, np.ndarray], splits: dict[str, list], headers: dict[str, str]) -> dict:
    """``{split: [h, r, t]}`` for a split whose first line (not taken as a header) shares no entity and no
    relation with any other triple of the KG: most likely a header with column names the reader does not
    know (``e1 r e2``, ``node1 edge_type node2``), read as a triple. The same unknown header at the top
    of several split files is found too: it then shares its names only with its own copies."""
    every = [a for a in arrays.values() if len(a)]
    if sum(len(a) for a in every) < 3:
        return {}
    both = np.concatenate(every)
    ents = np.bincount(np.concatenate([both[:, 0], both[:, 2]]))
    rels = np.bincount(both[:, 1])
    firsts = [tuple(arr[0].tolist()) for split, arr in arrays.items() if split not in headers and len(arr)]
    out = {}
    for split, arr in arrays.items():
        if split in headers or not len(arr):
            continue
        h, r, t = arr[0].tolist()
        copies = firsts.count((h, r, t))  # this line heads ``copies`` split files
        alone = ents[h] == 2 * copies if h == t else ents[h] == copies and ents[t] == copies
        if alone and rels[r] == copies:
            out[split] = list(splits[split][0])
    return out


def kg_warnings(meta: dict) -> list[str]:
    """One line per check of :func:`split_checks` (and shared display names) that found something,
    for the CLI to print: each changes the benchmark's numbers without any error."""
    lines = []
    dup = meta.get("duplicates_removed") or {}
    if sum(dup.values()):
        parts = ", ".join(f"{n} {s}" for s, n in dup.items() if n)
        lines.append(f"{sum(dup.values())} repeated triple line(s) removed ({parts}); each triple is kept once")
    for key, what in (("also_in_train", "are also training triples; kept and ranked (a model that memorises "
                                        "train ranks them first)"),
                      ("unseen_in_train", "have an entity or relation that no training triple has; kept and ranked, "
                                          "as ConvE and NBFNet do (no model has learned them)")):
        c = meta.get(key) or {}
        if sum(c.values()):
            lines.append(f"{sum(c.values())} valid/test triple(s) ({c.get('valid', 0)} valid, {c.get('test', 0)} test) "
                         f"{what}")
    if meta.get("numeric_names"):
        lines.append("every entity and relation name is an integer: if these are id files, check the column order "
                     "(read as head relation tail; OpenKE's train2id.txt is head tail relation)")
    if meta.get("shared_names"):
        lines.append(f"{meta['shared_names']} display name(s) belong to more than one entity; look those entities "
                     "up by id")
    for split, (h, r, t) in (meta.get("lone_first_line") or {}).items():
        lines.append(f"the first line of the {split} file ({h} {r} {t}) shares no entity and no relation with any "
                     "other triple: if it is a header, name its columns head relation tail (or remove it); it is "
                     "read as a triple")
    return lines


def names_warnings(meta: dict) -> list[str]:
    """A line when the ``names`` file of :func:`read_kg` named no entity (a wrong file, or the ids of another
    KG): said when the graph is built, not on every later read of it."""
    read = meta.get("names")
    if not read or read["matched"]:
        return []
    why = ("it has no 'id<TAB>name' line" if not read["lines"]
           else f"none of its {read['lines']:,} ids is an entity of this KG")
    return [f"the names file {read['file']} names no entity: {why}; entities are shown by id"]


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
    path : folder with split files (ConvE, OpenKE or SumGNN layout), or one triples file
    inverse : add inverse edges ``(t, r^-1, h)`` to the graph
    names : optional TSV ``id<TAB>name`` file for entity display names
    graph_split : which split becomes the graph's edges (``train`` by default)
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file or folder: {path}")
    folder = path if path.is_dir() else path.parent
    sumgnn = (folder / "node2id.json").exists()
    layout = "sumgnn" if sumgnn else "conve"
    if path.is_dir():
        files = {s: _find(path, stems) for s, stems in SPLIT_FILES.items()}
        if files["train"] is None and (path / OPENKE_FILES["train"]).exists() and not sumgnn:
            layout = "openke"
            files = {s: (path / f if (path / f).exists() else None) for s, f in OPENKE_FILES.items()}
        if files["train"] is None:
            raise InvalidInstanceError(f"{path} has no train.txt (or .txt.gz / .tsv / .csv) triples file, nor OpenKE's "
                                       "train2id.txt")
    else:
        files = {"train": path, "valid": None, "test": None}
    id_map: dict[str, str] = {}
    if sumgnn:
        try:
            node2id = json.loads((folder / "node2id.json").read_text(encoding="utf-8"))
            if not isinstance(node2id, dict):
                raise TypeError(f"got a JSON {type(node2id).__name__}")
            node2id = {k: int(v) if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit() else v
                       for k, v in node2id.items()}  # "7" as 7, as int() read it before
            bad = next(((k, v) for k, v in node2id.items() if isinstance(v, bool) or not isinstance(v, int)), None)
            if bad is not None:  # int(0.7) and int(True) would give an id silently
                raise TypeError(f"entity {bad[0]!r} has id {json.dumps(bad[1])}, not an integer")
            id_map = {str(v): k for k, v in node2id.items()}
            if len(id_map) < len(node2id):  # two entities on one id: one of them would vanish
                seen: dict[int, str] = {}
                k, v = next((k, v) for k, v in node2id.items() if seen.setdefault(v, k) != k)
                raise TypeError(f"id {v} is given to {seen[v]!r} and {k!r}")
            long = next((k for k in id_map.values() if len(k) > MAX_NAME_CHARS), None)
            if long is not None:
                raise InvalidInstanceError(f"{folder / 'node2id.json'}: an entity name of {len(long):,} characters "
                                           f"({long[:40]!r}...); names may have at most {MAX_NAME_CHARS:,}")
        except (ValueError, TypeError, AttributeError, RecursionError) as exc:
            why = "nested too deeply to read" if isinstance(exc, RecursionError) else exc
            raise InvalidInstanceError(f"{folder / 'node2id.json'}: not a JSON object of entity -> integer id "
                                       f"({why})") from None
    ent: dict[str, int] = {}
    rel: dict[str, int] = {}
    if layout == "openke":  # keep OpenKE's ids
        ent = {e: i for i, e in enumerate(_openke_vocab(path / "entity2id.txt"))}
        rel = {r: i for i, r in enumerate(_openke_vocab(path / "relation2id.txt"))}
    splits: dict[str, list[tuple[str, str, str]]] = {}
    headers: dict[str, str] = {}
    for split, f in files.items():
        if f is None:
            continue
        if layout == "openke":
            splits[split] = _openke_split(f, list(ent), list(rel))
            continue
        triples, header = _read_lines(f, sumgnn)
        if header is not None:
            headers[split] = header
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
    lone = _lone_first_lines(arrays, splits, headers) if layout != "openke" and not sumgnn else {}
    arrays, checks = split_checks(arrays)
    if graph_split not in arrays or not len(arrays[graph_split]):
        raise InvalidInstanceError(f"split {graph_split!r} is empty or missing")
    n, num_rel = len(ent), len(rel)
    g_tr = arrays[graph_split]
    src, r_ids, dst = g_tr[:, 0], g_tr[:, 1], g_tr[:, 2]
    relation_names = list(rel)
    if sumgnn:
        relation_names = [f"interaction_{int(r) + 1}" for r in rel]  # labels 1..86 as in DeepDDI
    clash = next((r for r in relation_names if r.endswith("^-1") and r[:-3] in set(relation_names)), None)
    if clash is not None:
        raise InvalidInstanceError(f"{path}: relation {clash!r} has the name graphroute gives the inverse of relation "
                                   f"{clash[:-3]!r} (queries ask both directions); rename one of them")
    if inverse:
        src, dst, r_ids = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([r_ids, r_ids + num_rel])
        relation_names = relation_names + [f"{r}^-1" for r in relation_names]
    ids = list(ent)
    display = None
    names_read = None
    if names is not None:
        table, first_line = {}, {}
        names = Path(names)
        try:
            for lineno, line in _lines(names):
                parts = [p.strip() for p in line.split("\t")]
                if len(parts) >= 2 and parts[0] and parts[1]:
                    if len(line) > MAX_NAME_CHARS:
                        _check_name_lengths(parts[:2], names, lineno)
                    if table.get(parts[0], parts[1]) != parts[1]:  # the last one silently won
                        raise InvalidInstanceError(
                            f"{names.name} line {lineno}: id {parts[0]!r} is named {parts[1]!r}, but line "
                            f"{first_line[parts[0]]} names it {table[parts[0]]!r}; give each id one name")
                    table[parts[0]] = parts[1]
                    first_line.setdefault(parts[0], lineno)
        except InvalidInstanceError as exc:  # not UTF-8: the message names the file and line
            raise InvalidInstanceError(f"cannot read the names file {exc}") from None
        except (OSError, EOFError) as exc:
            raise InvalidInstanceError(f"cannot read the names file {names}: {exc}") from None
        display = [table.get(i, i) for i in ids]
        names_read = {"file": str(names), "lines": len(table), "matched": sum(1 for i in ids if i in table)}
    elif sumgnn:
        display = _hetionet_names(folder, ids)
    meta = {
        "source": str(path),
        "layout": layout,
        "num_entities": n,
        "num_relations": num_rel,
        "inverse": inverse,
        "graph_split": graph_split,
        "triples": {s: int(len(a)) for s, a in arrays.items()},
        "skipped_lines": 0,
        "default_weight": "hops",
        **checks,
    }
    if headers:
        meta["header_lines"] = headers
    if lone:
        meta["lone_first_line"] = lone
    if names_read is not None:
        meta["names"] = names_read
    if layout == "conve" and all(x.isdigit() for x in (*ent, *rel)):  # OpenKE id files renamed to train.txt?
        meta["numeric_names"] = True
    if display is not None and len(set(display)) < len(display):  # Graph.node_index cannot tell them apart
        meta["shared_names"] = sum(1 for c in Counter(display).values() if c > 1)
    g = from_edges(
        src, dst, n, edge_attrs={"relation": r_ids.astype(np.int64)}, kind="kg",
        node_ids=np.array(ids, dtype=str), node_names=display, relation_names=relation_names, meta=meta,
        extras={f"triples_{s}": a for s, a in arrays.items()},
    )
    return g
