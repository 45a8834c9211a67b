"""The graph model of graphroute and its on-disk format.

A :class:`Graph` is a directed graph in CSR form: the out-edges of node ``u`` are
``indices[indptr[u]:indptr[u + 1]]`` with one value per edge in every array of ``edge_attrs``.
Road, traffic, knowledge and synthetic graphs all share it; path algorithms
(:mod:`graphroute.paths`) take the raw arrays.

File format (``.graph.npz``, version 1)
---------------------------------------
An uncompressed numpy ``.npz`` archive (``allow_pickle=False``), so a million edges load in well
under a second:

==================  ===========================================================================
array               content
==================  ===========================================================================
``header``          0-d unicode string: JSON ``{"format": "graphroute.graph", "version": 1,
                    "kind", "default_weight", "edge_attrs": [...], "extras": [...],
                    "meta": {...}}``
``indptr``          int64 ``[n + 1]``
``indices``         int64 ``[m]`` targets, grouped by source
``edge__NAME``      one ``[m]`` array per edge attribute (``length``, ``time``, ``relation`` ...)
``node_ids``        optional ``[n]`` original ids (int64 or unicode)
``node_names``      optional ``[n]`` unicode names
``coords``          optional float64 ``[n, 2]`` (lon, lat for road/traffic; x, y for synthetic)
``relation_names``  optional unicode relation vocabulary
``extra__NAME``     any further array a builder keeps (KG splits, traffic speed profiles ...)
==================  ===========================================================================

Every array is checked on load (:func:`load_graph`): integer dtypes where ids and offsets are
stored, ``indptr`` non-decreasing from 0 to the edge count, targets, relation ids and KG triples in
range, float weights finite, non-negative (``length``, ``time``, ``weight``) and at most
:data:`MAX_EDGE_WEIGHT`, coordinates finite, node ids unique, one name per node. A file that breaks
one raises :class:`GraphFormatError` naming the file, the array and the first bad position.

The user-facing description, with the attributes and extras each builder writes, is
``docs/graph-format.md``.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graphroute.exceptions import GraphFormatError, InvalidArgumentError, InvalidInstanceError, UnknownNameError
from graphroute.paths.dijkstra import index_array, nodes_span
from graphroute.problems.io import staged_file

FORMAT_NAME = "graphroute.graph"
FORMAT_VERSION = 1
GRAPH_SUFFIX = ".graph.npz"


def graph_file_name(name: str) -> str:
    """The name :func:`save_graph` writes for ``name``: as it is when it ends in ``.graph.npz``, else with
    ``.npz`` replaced or the suffix appended; in any letter case, as files are read (``x.NPZ`` ->
    ``x.graph.npz``; it was ``x.NPZ.graph.npz``)."""
    low = name.lower()
    if low.endswith(GRAPH_SUFFIX):
        return name
    return (name[:-4] if low.endswith(".npz") else name) + GRAPH_SUFFIX
KINDS = ("road", "traffic", "kg", "synthetic")

#: Largest absolute value of a numeric edge attribute (``length``, ``time``, ``weight``, any attribute
#: ``--weight`` may name) and of a ``time_slots`` travel time: 1e15, a million times the Earth's
#: circumference in metres, 30 million years in seconds. A path has fewer than 2**53 edges, so its
#: cost stays below 1e31: finite even in float32 (the router's working precision, at most 3.4e38),
#: never infinity, which every search reads as "no path".
MAX_EDGE_WEIGHT = 1e15
#: Edge attributes that are routing weights: real numbers, never negative (``hops``: original edges per edge).
_WEIGHT_ATTRS = ("length", "time", "weight", "hops")


#: Extras that hold one value per edge on their last axis (``time_slots``: ``[T, m]``): subgraphs and
#: reversed graphs take them along with their edges.
EDGE_EXTRAS = frozenset({"time_slots"})


@dataclass
class Graph:
    """A directed graph in CSR form with edge attributes and optional node labels.

    Attributes
    ----------
    indptr : np.ndarray
        int64 ``[n + 1]``.
    indices : np.ndarray
        int64 ``[m]``, target of each edge, grouped by source node.
    edge_attrs : dict[str, np.ndarray]
        ``[m]`` arrays: ``length`` (metres for road graphs, file units for DIMACS), ``time`` (s),
        ``relation`` (int64 relation id for KGs), ``weight`` (traffic kernel weight) ...
    kind : str
        ``road``, ``traffic``, ``kg`` or ``synthetic``.
    node_ids : np.ndarray or None
        ``[n]`` original ids (OSM ids, DIMACS ids, sensor ids, KG entity ids); None means ``0..n-1``.
    node_names : list[str] or None
        ``[n]`` human-readable names (KG entities).
    coords : np.ndarray or None
        ``[n, 2]`` (lon, lat) in degrees for road / traffic graphs, planar (x, y) for synthetic.
    relation_names : list[str] or None
        KG relation vocabulary, indexed by the ``relation`` edge attribute.
    meta : dict
        Provenance and build summary; ``meta["default_weight"]`` names the routing weight.
    extras : dict[str, np.ndarray]
        Further arrays kept with the graph (KG splits, time-slot travel times ...).

    Notes
    -----
    ``indptr``, ``indices``, the ``edge_attrs`` arrays, ``coords`` and ``node_ids`` are read-only views
    (``flags.writeable`` False) of the arrays given, not copies: a graph may have millions of edges.
    So ``g.weights()[:] = 1`` or ``g.coords[0] = ...`` raises numpy's "assignment destination is
    read-only" instead of silently changing every later route on ``g``; take a ``.copy()`` to edit,
    and build a new graph from it. The arrays given are left as they were (still writable by their
    owner, who then changes the graph too), and so is the ``edge_attrs`` dict given (the graph keeps
    its own). Index arrays must hold whole numbers (``1.7`` is refused, not truncated) and node ids
    must be unique, as :func:`load_graph` demands of a file.
    """

    indptr: np.ndarray
    indices: np.ndarray
    edge_attrs: dict[str, np.ndarray] = field(default_factory=dict)
    kind: str = "synthetic"
    node_ids: np.ndarray | None = None
    node_names: list[str] | None = None
    coords: np.ndarray | None = None
    relation_names: list[str] | None = None
    meta: dict = field(default_factory=dict)
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.indptr = _read_only(np.ascontiguousarray(index_array(self.indptr, "indptr")))
        self.indices = _read_only(np.ascontiguousarray(index_array(self.indices, "indices")))
        if self.indptr.ndim != 1 or self.indices.ndim != 1:
            raise InvalidInstanceError(f"graph indptr and indices must be 1-D, got shapes {list(self.indptr.shape)} "
                                       f"and {list(self.indices.shape)}")
        n = len(self.indptr) - 1
        m = len(self.indices)
        if n < 0 or self.indptr[0] != 0 or self.indptr[-1] != m or np.any(np.diff(self.indptr) < 0):
            raise InvalidInstanceError("graph indptr must start at 0, be non-decreasing and end at the edge count")
        if m and (self.indices.min() < 0 or self.indices.max() >= n):
            raise InvalidInstanceError(f"graph edge targets must lie in 0..{n - 1}")
        self.edge_attrs = dict(self.edge_attrs)  # the graph's own dict: the caller's is left as it was
        if self.kind not in KINDS:
            raise InvalidInstanceError(f"unknown graph kind {self.kind!r}; available: {', '.join(KINDS)}")
        for name, arr in list(self.edge_attrs.items()):
            arr = np.ascontiguousarray(arr)
            if arr.shape[:1] != (m,):
                raise InvalidInstanceError(f"edge attribute {name!r} has {arr.shape[:1]} values for {m} edges")
            if name in _WEIGHT_ATTRS and arr.dtype.kind not in "iuf":  # a weight must be a real number
                raise InvalidInstanceError(f"edge attribute {name!r} must hold real numbers, got dtype {arr.dtype}")
            if arr.dtype.kind in "iuf" and arr.size:  # integer weights too: they were left unchecked
                lo, hi = arr.min(), arr.max()  # NaN propagates: two passes, no temporaries
                if not (-MAX_EDGE_WEIGHT <= lo and hi <= MAX_EDGE_WEIGHT):
                    bad = ~(np.abs(arr) <= MAX_EDGE_WEIGHT)
                    e = int(np.argmax(bad))
                    if not np.isfinite(arr.flat[e]):
                        raise InvalidInstanceError(f"edge attribute {name!r} is not finite on edge {e}")
                    raise InvalidInstanceError(f"edge attribute {name!r} is {arr.flat[e]:g} on edge {e}, above the "
                                               f"largest weight a graph may hold ({MAX_EDGE_WEIGHT:g})")
                if name in _WEIGHT_ATTRS and lo < 0:
                    e = int(np.argmax(arr < 0))
                    raise InvalidInstanceError(f"negative {name} {arr[e]:g} on edge {e} ({self._edge_str(e)})")
            self.edge_attrs[name] = _read_only(arr)
        if self.node_ids is not None:
            self.node_ids = _read_only(np.asarray(self.node_ids))
            if self.node_ids.ndim != 1 or len(self.node_ids) != n:
                raise InvalidInstanceError(f"{len(self.node_ids) if self.node_ids.ndim else 0} node ids for {n} nodes")
            dup = first_duplicate(self.node_ids)
            if dup is not None:  # node_index would find only one of them, and load_graph refuses the file
                raise InvalidInstanceError(f"node_ids repeats {self.node_ids[dup[1]]!s:.60} (nodes {dup[0]} and "
                                           f"{dup[1]}); ids must be unique")
        if self.node_names is not None:
            self.node_names = [str(s) for s in self.node_names]
            if len(self.node_names) != n:
                raise InvalidInstanceError(f"{len(self.node_names)} node names for {n} nodes")
        if self.coords is not None:
            self.coords = _read_only(np.asarray(self.coords, dtype=np.float64))
            if self.coords.shape != (n, 2):
                raise InvalidInstanceError(f"coords must have shape [{n}, 2], got {self.coords.shape}")
            bad = ~np.isfinite(self.coords)
            if bad.any():
                i = int(np.argmax(bad.any(axis=1)))
                raise InvalidInstanceError(f"coords are not finite at node {i} ({self.coords[i, 0]:g}, "
                                           f"{self.coords[i, 1]:g})")
        if self.relation_names is not None:
            self.relation_names = [str(s) for s in self.relation_names]
        self._lookup: dict[str, int] | None = None

    def _edge_str(self, e: int) -> str:
        u = int(np.searchsorted(self.indptr, e, side="right") - 1)
        return f"{self.node_label(u)} -> {self.node_label(int(self.indices[e]))}"

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        return len(self.indices)

    def sources(self) -> np.ndarray:
        """int64 ``[m]`` source node of each edge."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    def out_degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def default_weight(self) -> str | None:
        w = self.meta.get("default_weight")
        if w in self.edge_attrs or w == "hops":  # hops: every edge 1 (or its "hops" count), never another attribute
            return w
        for cand in ("length", "time", "weight"):
            if cand in self.edge_attrs:
                return cand
        return None

    def weights(self, name: str | None = None) -> np.ndarray:
        """float64 ``[m]`` routing weights: the attribute ``name`` (default ``meta['default_weight']``).

        Graphs without a numeric weight (knowledge graphs) route by hops: every edge weighs 1.
        Read-only: a float64 attribute comes back as a view of the graph's own array, not a copy
        (``w[:] = 1`` raises ValueError rather than change the graph); ``.copy()`` it to edit.
        """
        if name is not None and not isinstance(name, str):
            raise UnknownNameError(f"an edge weight is named by a string, got {type(name).__name__} {name!r:.40}")
        if name is not None and not name.strip():  # "" is no weight, not "the default one"
            raise UnknownNameError(f"empty edge weight name; available: {', '.join(self._weight_names())}")
        name = name or self.default_weight
        if name is None or name == "hops":
            if "hops" in self.edge_attrs:  # a contracted graph: an edge stands for several original ones
                return _read_only(self.edge_attrs["hops"].astype(np.float64, copy=False))
            return _read_only(np.ones(self.n_edges, dtype=np.float64))
        if name not in self.edge_attrs or name == "relation":
            raise UnknownNameError(f"unknown edge weight {name!r}; available: {', '.join(self._weight_names())}")
        if self.kind == "traffic" and name == "weight":  # a similarity: summing it routes along the weakest links
            raise UnknownNameError("on a traffic graph 'weight' is the DCRNN kernel similarity of two sensors (1 = the "
                                   f"closest), not a cost to add up along a path; route on "
                                   f"{', '.join(self._weight_names())} (read "
                                   "the similarity from graph.edge_attrs['weight'])")
        return _read_only(self.edge_attrs[name].astype(np.float64, copy=False))

    def _weight_names(self) -> list[str]:
        """The names :meth:`weights` routes on: float edge attributes (not a traffic graph's ``weight``, a
        similarity) and ``hops``."""
        return [k for k, v in self.edge_attrs.items() if v.dtype.kind == "f" and k != "hops"
                and not (self.kind == "traffic" and k == "weight")] + ["hops"]

    # ------------------------------------------------------------------ node lookup
    def _index(self) -> dict[str, int]:
        if self._lookup is None:
            table: dict[str, int] = {}
            if self.node_names is not None:
                for i, s in enumerate(self.node_names):
                    table[s] = -1 if s in table else i  # -1: a name several nodes share
            if self.node_ids is not None:
                for i, v in enumerate(self.node_ids.tolist()):
                    table[str(v)] = i
            self._lookup = table
        return self._lookup

    def node_index(self, key: str | int) -> int:
        """Index of a node given by its original id (as in the file) or its name.

        Raises
        ------
        UnknownNameError
            When no node has that id or name, or several nodes share the name (and none has it as id).
        """
        k = str(key).strip()
        if self.node_ids is None and self.node_names is None:
            try:
                i = int(k)
            except ValueError:
                i = -1
            if 0 <= i < self.n_nodes:
                return i
        else:
            hit = self._index().get(k)
            if hit == -1:
                ids = [str(self.node_ids[i]) if self.node_ids is not None else str(i)
                       for i, s in enumerate(self.node_names or []) if s == k]
                raise UnknownNameError(f"node name {k!r} is ambiguous: {len(ids)} nodes have it "
                                       f"(ids {', '.join(ids[:5])}); give the id")
            if hit is not None:
                return hit
        dropped = (self.meta.get("scc") or {}).get("dropped_nodes") if isinstance(self.meta, dict) else None
        why = (f"; the build kept the largest strongly connected component and dropped {dropped:,} nodes, which may "
               "hold it" + (" (graph build road --keep-all keeps them)" if self.kind == "road" else "")
               ) if isinstance(dropped, int) and dropped > 0 else ""
        raise UnknownNameError(f"unknown node {k!r} (graph has {self.n_nodes} nodes){why}")

    def node_label(self, i: int) -> str:
        """The user's name for node ``i``: its name, else its original id, else ``i``.

        ``i`` in ``0 .. n - 1``; a negative index is refused, not counted from the end, and so is
        anything but an integer (``3.0`` is no node position; ``'3'`` is an id: :meth:`node_index`)."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise UnknownNameError(f"node_label takes a node position (an integer), got {type(i).__name__} {i!r:.40}; "
                                   "node_index maps an id or name to one")
        if not 0 <= i < self.n_nodes:
            raise UnknownNameError(f"node index {i!r} is not in the graph ({nodes_span(self.n_nodes)})")
        if self.node_names is not None:
            return self.node_names[i]
        if self.node_ids is not None:
            return str(self.node_ids[i])
        return str(i)

    def relation_label(self, r: int) -> str:
        if self.relation_names is not None and 0 <= r < len(self.relation_names):
            return self.relation_names[r]
        return str(r)

    # ------------------------------------------------------------------ transforms
    def reverse(self) -> Graph:
        """The graph with every edge reversed (attributes follow their edges)."""
        src = self.sources()
        order = np.lexsort((src, self.indices))
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.n_nodes), out=indptr[1:])
        return Graph(
            indptr=indptr, indices=src[order], edge_attrs={k: v[order] for k, v in self.edge_attrs.items()},
            kind=self.kind, node_ids=self.node_ids, node_names=self.node_names, coords=self.coords,
            relation_names=self.relation_names, meta={**self.meta, "reversed": not self.meta.get("reversed", False)},
            extras=self._edge_extras(order),
        )

    def _edge_extras(self, edges: np.ndarray) -> dict[str, np.ndarray]:
        """The extras with the per-edge ones (:data:`EDGE_EXTRAS`, edges on the last axis) taken at ``edges``
        (a permutation or a selection of edge positions); the others unchanged."""
        return {k: (np.asarray(v)[..., edges] if k in EDGE_EXTRAS else v) for k, v in self.extras.items()}

    def subgraph(self, keep: np.ndarray) -> Graph:
        """The subgraph induced by the nodes where ``keep`` (bool ``[n]``) is true.

        ``keep`` is a mask, not a list of node indices: any other shape, or values other than 0 / 1,
        raise :class:`InvalidArgumentError` (``[0, 2]`` would otherwise be read as the mask
        ``[False, True]``)."""
        keep = np.asarray(keep)
        if keep.shape != (self.n_nodes,) or (keep.dtype != bool and not np.isin(keep, (0, 1)).all()):
            raise InvalidArgumentError(f"keep must be a bool mask of shape [{self.n_nodes}] (one value per node), "
                                       f"got dtype {keep.dtype} shape {list(keep.shape)}")
        keep = keep.astype(bool, copy=False)
        new_id = np.full(self.n_nodes, -1, dtype=np.int64)
        new_id[keep] = np.arange(int(keep.sum()))
        src = self.sources()
        mask = keep[src] & keep[self.indices]
        kept = np.flatnonzero(mask)
        kept = kept[np.argsort(new_id[src[kept]], kind="stable")]  # the CSR order from_edges will give them
        return from_edges(
            new_id[src[kept]], new_id[self.indices[kept]], int(keep.sum()),
            edge_attrs={k: v[kept] for k, v in self.edge_attrs.items()}, kind=self.kind,
            node_ids=None if self.node_ids is None else self.node_ids[keep],
            node_names=None if self.node_names is None else [s for s, k in zip(self.node_names, keep) if k],
            coords=None if self.coords is None else self.coords[keep],
            relation_names=self.relation_names, meta=dict(self.meta), extras=self._edge_extras(kept),
        )

    def largest_scc(self) -> Graph:
        """The subgraph of the largest strongly connected component."""
        from scipy.sparse.csgraph import connected_components

        ncomp, labels = connected_components(self.to_scipy(), directed=True, connection="strong")
        if ncomp <= 1:
            return self
        big = np.argmax(np.bincount(labels))
        g = self.subgraph(labels == big)
        g.meta["scc"] = {"components": int(ncomp), "kept_nodes": g.n_nodes, "dropped_nodes": self.n_nodes - g.n_nodes}
        return g

    def to_scipy(self, weight: str | None = None) -> Any:
        """scipy CSR matrix (parallel edges keep their minimum weight)."""
        from scipy.sparse import csr_matrix

        w = self.weights(weight) if weight is not None else np.ones(self.n_edges)
        src = self.sources()
        order = np.lexsort((w, self.indices, src))
        s, t, ww = src[order], self.indices[order], w[order]
        first = np.ones(len(s), dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
        return csr_matrix((ww[first], (s[first], t[first])), shape=(self.n_nodes, self.n_nodes))

    def _node_attrs(self) -> list[dict[str, Any]]:
        """Per node: ``id`` (original id: int for OSM / DIMACS, str for sensors and KG entities), ``name``
        and ``x``, ``y`` (lon, lat for road / traffic graphs, planar for synthetic), those the graph has."""
        cols: dict[str, list] = {}
        if self.node_ids is not None:
            cols["id"] = np.asarray(self.node_ids).tolist()
        if self.node_names is not None:
            cols["name"] = list(self.node_names)
        if self.coords is not None:
            cols["x"] = self.coords[:, 0].tolist()
            cols["y"] = self.coords[:, 1].tolist()
        return [{k: c[i] for k, c in cols.items()} for i in range(self.n_nodes)]

    def to_networkx(self, weight: str | None = None) -> Any:
        """networkx.MultiDiGraph (or DiGraph keeping the lightest parallel edge when ``weight`` is given).

        The MultiDiGraph's edges carry every edge attribute under its own name. The DiGraph's edges carry
        the chosen cost under its own name *and* under ``weight`` (networkx's default): both
        ``nx.dijkstra_path_length(G, s, t, weight="time")`` and ``nx.dijkstra_path_length(G, s, t)``
        read it (with only ``weight`` set, the first silently counted hops).

        Nodes are ``0..n-1``, the CSR indices, so paths and edge positions carry over unchanged; they
        carry the graph's node labels as attributes: ``id`` (the original id, as in the file), ``name``
        and ``x``, ``y`` (the OSMnx convention: lon, lat for road and traffic graphs), those the graph
        has. ``G.graph["kind"]`` is the graph kind.
        """
        import networkx as nx

        src = self.sources()
        nodes = list(enumerate(self._node_attrs()))
        if weight is not None:
            g = nx.DiGraph(kind=self.kind)
            g.add_nodes_from(nodes)
            w = self.weights(weight)
            for u, v, x in zip(src.tolist(), self.indices.tolist(), w.tolist()):
                if not g.has_edge(u, v) or g[u][v]["weight"] > x:
                    g.add_edge(u, v, **{weight: x, "weight": x})
            return g
        g = nx.MultiDiGraph(kind=self.kind)
        g.add_nodes_from(nodes)
        names = list(self.edge_attrs)
        cols = [self.edge_attrs[k].tolist() for k in names]
        for e, (u, v) in enumerate(zip(src.tolist(), self.indices.tolist())):
            g.add_edge(u, v, **{k: c[e] for k, c in zip(names, cols)})
        return g

    def to_pyg(self) -> Any:
        """torch_geometric ``Data`` with ``edge_index`` and one ``edge_attr`` column per float attribute;
        for KGs ``edge_type`` holds the relation ids.

        ``edge_attr`` and ``pos`` (the coordinates) are float32, PyG's working precision: about 7
        significant digits, so a 100 km length keeps centimetres and a longitude about a metre. The
        node labels ride along as plain Python lists when the graph has them: ``node_ids`` (original
        ids) and ``node_names``, indexed like the nodes.
        """
        import torch
        from torch_geometric.data import Data

        edge_index = torch.from_numpy(np.stack([self.sources(), self.indices]))
        data = Data(edge_index=edge_index, num_nodes=self.n_nodes)
        floats = [k for k, v in self.edge_attrs.items() if v.dtype.kind == "f"]
        if floats:
            data.edge_attr = torch.from_numpy(np.stack([self.edge_attrs[k] for k in floats], 1).astype(np.float32))
            data.edge_attr_names = floats
        if "relation" in self.edge_attrs:
            data.edge_type = torch.from_numpy(self.edge_attrs["relation"].astype(np.int64))
            rel = self.edge_attrs["relation"]
            data.num_relations = len(self.relation_names or []) or (int(rel.max()) + 1 if rel.size else 0)
        if self.coords is not None:
            data.pos = torch.from_numpy(self.coords.astype(np.float32))
        if self.node_ids is not None:
            data.node_ids = np.asarray(self.node_ids).tolist()
        if self.node_names is not None:
            data.node_names = list(self.node_names)
        return data

    def __repr__(self) -> str:
        return f"Graph({self.kind}, nodes={self.n_nodes}, edges={self.n_edges}, attrs={list(self.edge_attrs)})"


def from_edges(
    src: np.ndarray,
    dst: np.ndarray,
    n_nodes: int,
    *,
    edge_attrs: dict[str, np.ndarray] | None = None,
    **kwargs: Any,
) -> Graph:
    """Build a :class:`Graph` from edge lists (sorted into CSR order, stable by input order); edge
    attributes and per-edge extras (:data:`EDGE_EXTRAS`) are reordered with the edges.

    ``src``, ``dst``: int ``[m]`` node indices (whole numbers; ``0.7`` is refused, not truncated);
    ``n_nodes``: an integer >= 0."""
    src = index_array(src, "src")
    dst = index_array(dst, "dst")
    if isinstance(n_nodes, (bool, np.bool_)) or not isinstance(n_nodes, (int, np.integer)) or n_nodes < 0:
        raise InvalidArgumentError(f"n_nodes must be an integer >= 0, got {n_nodes!r}")
    n_nodes = int(n_nodes)
    if src.shape != dst.shape:
        raise InvalidInstanceError(f"source and target arrays differ in shape ({list(src.shape)} and {list(dst.shape)})")
    if src.ndim != 1:
        raise InvalidInstanceError(f"source and target arrays must be 1-D, got shape {list(src.shape)}")
    if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n_nodes):
        raise InvalidInstanceError(f"edge endpoints must lie in 0..{n_nodes - 1}" if n_nodes else
                                   f"{len(src)} edges given but n_nodes is 0 ({nodes_span(0)})")
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    attrs = {}
    for k, v in (edge_attrs or {}).items():
        v = np.asarray(v)
        if v.shape[:1] != src.shape:
            raise InvalidInstanceError(f"edge attribute {k!r} has {len(v) if v.ndim else 0} values for {len(src)} edges")
        attrs[k] = v[order]
    extras = dict(kwargs.pop("extras", None) or {})
    for k in EDGE_EXTRAS & set(extras):  # per-edge extras (edges on the last axis) follow their edges
        v = np.asarray(extras[k])
        if v.shape[-1:] != src.shape:
            raise InvalidInstanceError(f"per-edge extra {k!r} has {v.shape[-1] if v.ndim else 0} columns "
                                       f"for {len(src)} edges")
        extras[k] = v[..., order]
    return Graph(indptr=indptr, indices=dst[order], edge_attrs=attrs, extras=extras, **kwargs)


# ---------------------------------------------------------------------- file format
def save_graph(g: Graph, path: str | Path) -> Path:
    """Write ``g`` in the graphroute graph format (see module docstring), atomically.

    A path without the ``.graph.npz`` suffix gets it appended; the final path is returned. An existing
    folder is refused (``DIR.graph.npz`` would be written beside it, not in it).
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidArgumentError(f"cannot write {path}: it is a folder; give a file name such as "
                                   f"{path / ('graph' + GRAPH_SUFFIX)}")
    path = path.with_name(graph_file_name(path.name))
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "kind": g.kind,
        "default_weight": g.default_weight,
        "edge_attrs": list(g.edge_attrs),
        "extras": list(g.extras),
        "meta": g.meta,
    }
    arrays: dict[str, np.ndarray] = {
        "header": np.array(json.dumps(header, default=_json_default)),
        "indptr": g.indptr,
        "indices": g.indices,
    }
    for k, v in g.edge_attrs.items():
        arrays[f"edge__{k}"] = v
    for k, v in g.extras.items():
        arrays[f"extra__{k}"] = np.asarray(v)
    if g.node_ids is not None:
        arrays["node_ids"] = np.asarray(g.node_ids)
    if g.node_names is not None:
        arrays["node_names"] = np.array(g.node_names, dtype=str)
    if g.coords is not None:
        arrays["coords"] = g.coords
    if g.relation_names is not None:
        arrays["relation_names"] = np.array(g.relation_names, dtype=str)
    above = path.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if above.exists() and not above.is_dir():
        raise InvalidArgumentError(f"cannot write {path}: {above} is a file, not a folder")
    if path.is_dir():
        raise InvalidArgumentError(f"cannot write {path}: it is a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    with staged_file(path, mode=0o644) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``: no copy, and ``a`` itself keeps its flags (it may be the caller's)."""
    if not a.flags.writeable:
        return a
    v = a.view()
    v.flags.writeable = False
    return v


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def is_graph_file(path: str | Path) -> bool:
    return str(path).endswith(GRAPH_SUFFIX) or str(path).endswith(".npz")


def load_graph(path: str | Path) -> Graph:
    """Read a graph written by :func:`save_graph`; a missing, truncated or foreign file raises.

    Every array is checked (see the module docstring) in vectorised passes: a file edited by hand or by
    another program raises :class:`GraphFormatError` naming the array and its first bad position,
    rather than giving wrong routes, infinite costs or an index error deep in a model.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInstanceError(f"no such file: {path}")
    name = path.name
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # np.load would try a .npy array, then a pickle
            raise InvalidInstanceError(f"{name} is not a graph file ({'empty file' if not magic else 'not a .npz archive'})")
        with np.load(path, allow_pickle=False) as z:
            files = set(z.files)
            if "header" not in files:
                raise InvalidInstanceError(f"{name} is not a graphroute graph file (no header)")
            header = _read_header(name, z["header"])
            wanted = ["indptr", "indices", *(f"edge__{k}" for k in header["edge_attrs"]),
                      *(f"extra__{k}" for k in header["extras"]), "node_ids", "node_names", "coords", "relation_names"]
            for key in wanted[:2 + len(header["edge_attrs"]) + len(header["extras"])]:
                if key not in files:
                    raise GraphFormatError(f"{name}: the header lists {key!r} but the file has no such array")
            _check_default_weight(name, header)
            arrays = {k: z[k] for k in wanted if k in files}
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, OSError, TypeError, AttributeError) as exc:
        if isinstance(exc, InvalidInstanceError):
            raise
        hint = "" if "allow_pickle" in str(exc) else "; truncated?"  # an object array: a whole file, not graphroute's
        raise InvalidInstanceError(f"{name}: cannot read graph file ({type(exc).__name__}: {exc}){hint}") from None
    n, relation_names = _check_arrays(name, header, arrays)
    meta = header["meta"]
    if header.get("default_weight"):
        meta.setdefault("default_weight", header["default_weight"])
    try:
        return Graph(
            indptr=arrays["indptr"], indices=arrays["indices"],
            edge_attrs={k: arrays[f"edge__{k}"] for k in header["edge_attrs"]}, kind=header["kind"],
            node_ids=arrays.get("node_ids"),
            node_names=arrays["node_names"].tolist() if "node_names" in arrays else None,
            coords=arrays.get("coords"), relation_names=relation_names, meta=meta,
            extras={k: arrays[f"extra__{k}"] for k in header["extras"]},
        )
    except InvalidInstanceError as exc:  # the model's own checks (finite weights, coordinates ...)
        raise GraphFormatError(f"{name}: {exc}") from None


def _read_header(name: str, raw: np.ndarray) -> dict:
    """The JSON header, its fields type-checked: ``meta`` is always a dict, ``extras`` a list."""
    if raw.ndim != 0 or raw.dtype.kind != "U":
        raise InvalidInstanceError(f"{name} is not a graphroute graph file (header is not a string)")
    try:
        header = json.loads(str(raw))
    except ValueError:
        raise InvalidInstanceError(f"{name} is not a graphroute graph file (header is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise InvalidInstanceError(f"{name} is not a graphroute graph file")
    version = header.get("version")
    if type(version) is not int or version != FORMAT_VERSION:  # noqa: E721 - true == 1, 1.0 == 1
        raise GraphFormatError(f"{name}: unsupported graph format version {json.dumps(version)}")
    if header.get("kind") not in KINDS:
        raise GraphFormatError(f"{name}: header kind {json.dumps(header.get('kind'))} is not one of {', '.join(KINDS)}")
    header.setdefault("extras", [])
    for key in ("edge_attrs", "extras"):
        v = header.get(key)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) or len(set(v)) != len(v):
            raise GraphFormatError(f"{name}: header {key} must be a list of distinct names, got {json.dumps(v)[:80]}")
    if header.get("default_weight") is not None and not isinstance(header["default_weight"], str):
        raise GraphFormatError(f"{name}: header default_weight must be a name, got {json.dumps(header['default_weight'])}")
    meta = header.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise GraphFormatError(f"{name}: header meta must be an object, got {json.dumps(meta)[:80]}")
    header["meta"] = dict(meta or {})
    return header


def _check_default_weight(name: str, header: dict) -> None:
    """The header's routing weight (``default_weight``, ``meta.default_weight``) must be one the graph
    has: :attr:`Graph.default_weight` would fall back to another attribute (``length`` for a missing
    ``time``) without a word. ``hops`` is always available."""
    weights = [k for k in header["edge_attrs"] if k != "relation"] + ["hops"] * ("hops" not in header["edge_attrs"])
    for key, w in (("default_weight", header.get("default_weight")),
                   ("meta default_weight", header["meta"].get("default_weight"))):
        if w is None:
            continue
        if not isinstance(w, str) or not w:
            raise GraphFormatError(f"{name}: header {key} must be a name, got {json.dumps(w)[:80]}")
        if w not in weights:
            raise GraphFormatError(f"{name}: header {key} {w!r} is not an edge attribute of the graph; "
                                   f"available: {', '.join(weights)}")


def _ints(name: str, key: str, a: np.ndarray, ndim: int = 1) -> np.ndarray:
    """``a`` as int64 when it holds integers of ``ndim`` dimensions (a float ``1.5`` offset is no offset)."""
    if a.dtype.kind not in "iu":
        raise GraphFormatError(f"{name}: {key} must hold integers, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise GraphFormatError(f"{name}: {key} must have {ndim} dimension(s), got shape {list(a.shape)}")
    if a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        raise GraphFormatError(f"{name}: {key} holds {int(a.max())}, above the int64 range")
    return a.astype(np.int64, copy=False)


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _check_range(name: str, key: str, a: np.ndarray, hi: int, what: str, unit: str = "position") -> None:
    """Every value of the 1-d ``a`` in ``0..hi-1``; else one line naming the first bad position."""
    if a.size and (a.min() < 0 or a.max() >= hi):
        i = _first((a < 0) | (a >= hi))
        where = f"outside 0..{hi - 1}" if hi > 0 else f"but the graph has no {what} at all"
        raise GraphFormatError(f"{name}: {key} holds {what} {int(a[i])} at {unit} {i}, {where}")


def _strings(name: str, key: str, a: np.ndarray, n: int | None) -> None:
    if a.dtype.kind != "U" or a.ndim != 1:
        raise GraphFormatError(f"{name}: {key} must be a 1-d array of strings, got dtype {a.dtype} shape {list(a.shape)}")
    if n is not None and len(a) != n:
        raise GraphFormatError(f"{name}: {key} has {len(a)} entries for {n} nodes")


def first_duplicate(values: np.ndarray) -> tuple[int, int] | None:
    """Positions ``(i, j)``, ``i < j``, of the first repeated value (smallest ``j``), or None.

    O(n) for strictly increasing integers (OSM and DIMACS ids are); strings are first told apart by a
    64-bit hash of their code points (sorting numbers is 10x faster than sorting strings), and only a
    repeated hash leads to the stable sort of the strings themselves."""
    if len(values) < 2:
        return None
    if values.dtype.kind in "iu":
        if bool(np.all(values[1:] > values[:-1])):
            return None
    elif values.dtype.kind == "U" and values.itemsize:
        raw = np.ascontiguousarray(values).view(np.uint8).reshape(len(values), -1)
        if raw.shape[1] % 8:
            raw = np.pad(raw, ((0, 0), (0, 8 - raw.shape[1] % 8)))
        words = raw.view(np.uint64)  # two code points a word
        mult = np.random.default_rng(0x9E3779B9).integers(0, 2 ** 63, words.shape[1], dtype=np.uint64) * 2 + 1
        h = words[:, 0] * mult[0]
        for j in range(1, words.shape[1]):  # column by column: no [n, width] temporary
            h += words[:, j] * mult[j]  # wraps modulo 2**64
        h.sort()
        if not (h[1:] == h[:-1]).any():
            return None
    order = np.argsort(values, kind="stable")
    s = values[order]
    eq = s[1:] == s[:-1]
    if not eq.any():
        return None
    j = int(order[1:][eq].min())
    i = int(np.flatnonzero(values == values[j])[0])
    return i, j


def _check_arrays(name: str, header: dict, arrays: dict[str, np.ndarray]) -> tuple[int, list[str] | None]:
    """The checks of the module docstring, before the model's own (finite weights and coordinates).
    Returns the node count and the relation names."""
    indptr = arrays["indptr"] = _ints(name, "indptr", arrays["indptr"])
    indices = arrays["indices"] = _ints(name, "indices", arrays["indices"])
    m = len(indices)
    if len(indptr) < 1 or indptr[0] != 0:
        raise GraphFormatError(f"{name}: indptr must start at 0" + (f", got {int(indptr[0])}" if len(indptr) else ""))
    step = np.diff(indptr)
    if step.size and step.min() < 0:
        u = _first(step < 0)
        raise GraphFormatError(f"{name}: indptr decreases at node {u} ({int(indptr[u])} -> {int(indptr[u + 1])})")
    if indptr[-1] != m:
        raise GraphFormatError(f"{name}: indptr ends at {int(indptr[-1])} but indices holds {m} edges")
    n = len(indptr) - 1
    _check_range(name, "indices", indices, n, "node", "edge")
    relation_names = None
    if "relation_names" in arrays:
        _strings(name, "relation_names", arrays["relation_names"], None)
        relation_names = arrays["relation_names"].tolist()
    for k in header["edge_attrs"]:
        key = f"edge__{k}"
        a = arrays[key]
        if a.ndim != 1 or len(a) != m:
            raise GraphFormatError(f"{name}: {key} must hold one value per edge ({m}), got shape {list(a.shape)}")
        if k == "relation":
            a = arrays[key] = _ints(name, key, a)
            if relation_names is not None:
                _check_range(name, key, a, len(relation_names), "relation", "edge")
            else:
                _check_range(name, key, a, np.iinfo(np.int64).max, "relation", "edge")
        elif a.dtype.kind not in "iuf":
            raise GraphFormatError(f"{name}: {key} must hold numbers, got dtype {a.dtype}")
    if "node_ids" in arrays:
        ids = arrays["node_ids"]
        if ids.dtype.kind not in "iuU" or ids.ndim != 1:
            raise GraphFormatError(f"{name}: node_ids must be a 1-d array of integers or strings, got dtype {ids.dtype} "
                                   f"shape {list(ids.shape)}")
        if len(ids) != n:
            raise GraphFormatError(f"{name}: node_ids has {len(ids)} entries for {n} nodes")
        # unique ids: the Graph constructor checks them (one pass, the same message with the file name)
    if "node_names" in arrays:
        _strings(name, "node_names", arrays["node_names"], n)
    if "coords" in arrays:
        c = arrays["coords"]
        if c.dtype.kind not in "iuf" or c.shape != (n, 2):
            raise GraphFormatError(f"{name}: coords must be numbers of shape [{n}, 2], got dtype {c.dtype} "
                                   f"shape {list(c.shape)}")
    meta = header["meta"]
    num_rel = meta.get("num_relations")
    if num_rel is not None:
        if type(num_rel) is not int or num_rel < 0:  # noqa: E721
            raise GraphFormatError(f"{name}: meta num_relations must be an integer >= 0, got {json.dumps(num_rel)}")
        if relation_names is not None and len(relation_names) < num_rel:
            raise GraphFormatError(f"{name}: relation_names has {len(relation_names)} names for {num_rel} relations")
    elif relation_names is not None:
        num_rel = len(relation_names)
    for k in header["extras"]:
        key = f"extra__{k}"
        if k.startswith("triples_"):
            t = arrays[key] = _ints(name, key, arrays[key], ndim=2)
            if t.shape[1] != 3:
                raise GraphFormatError(f"{name}: {key} must have shape [k, 3] (head, relation, tail), "
                                       f"got {list(t.shape)}")
            if not len(t):
                continue
            hi = [t[:, j].max() for j in range(3)]  # 50x faster than t.max(axis=0) on int64 [k, 3]
            if t.min() < 0 or hi[0] >= n or hi[2] >= n or (num_rel is not None and hi[1] >= num_rel):
                _check_range(name, f"{key} (heads)", t[:, 0], n, "entity", "row")
                _check_range(name, f"{key} (tails)", t[:, 2], n, "entity", "row")
                _check_range(name, f"{key} (relations)", t[:, 1],
                             np.iinfo(np.int64).max if num_rel is None else num_rel, "relation", "row")
        elif k in EDGE_EXTRAS:
            a = arrays[key]
            if a.dtype.kind != "f" or a.ndim != 2 or a.shape[1] != m:
                raise GraphFormatError(f"{name}: {key} must be floats of shape [slots, {m}], got dtype {a.dtype} "
                                       f"shape {list(a.shape)}")
            bad = ~((a >= 0) & (a <= MAX_EDGE_WEIGHT))
            if bad.any():
                s, e = np.unravel_index(_first(bad.ravel()), a.shape)
                raise GraphFormatError(f"{name}: {key} holds {a[s, e]:g} at slot {s}, edge {e}; travel times must be "
                                       f"finite, >= 0 and at most {MAX_EDGE_WEIGHT:g}")
    return n, relation_names
