"""NBFNet: a path-based GNN for link prediction (Zhu et al., NeurIPS 2021).

NBFNet generalises the Bellman-Ford algorithm: for a query ``(h, q, ?)`` the representation of
every node ``v`` is a learned "sum over paths ``h -> v`` of products of relation vectors",
computed by ``T`` rounds of message passing that start from a boundary condition at ``h``:

- boundary (INDICATOR): ``b(h) = e_q`` (the query relation's embedding), ``b(v) = 0`` elsewhere;
- message along an edge ``u -[s]-> v`` (MESSAGE, DistMult-style): ``x(u) * w_s(q)``, where the
  relation vectors of each layer depend on the query relation (``w(q) = W e_q + c``, reshaped to
  ``[R, d]``: NBFNet's ``dependent=True``; with ``dependent=False`` free vectors per layer);
- aggregation (AGGREGATE), over the messages into ``v`` and ``b(v)`` (the boundary counts as one more
  message, a self-loop): ``sum`` (NBFNet's choice for WN18RR), or ``pna`` (its choice for FB15k-237,
  after Corso et al. 2020): mean, max, min and standard deviation of the messages, each also scaled by
  ``s(v) = log(deg(v) + 1) / mean_u log(deg(u) + 1)`` and by ``1 / max(s(v), 0.01)``, so ``12 d``
  features that tell a hub from a leaf;
- update: ``x <- x + ReLU(LayerNorm(Linear([x, agg])))`` (shortcut connection);
- score of tail ``t``: an MLP of ``[x_T(t), e_q]``, or of ``[x_1(t), ..., x_T(t), e_q]`` with
  ``concat_hidden`` (NBFNet's setting for its transductive benchmarks).

Implementation: node-major tensors ``x [n, B, d]`` for ``B`` queries on ``n`` nodes. Because the
relation vector of a message depends only on ``(query, relation)``, the messages are first summed
per ``(relation, destination)`` pair with one sparse-dense product (``S = A @ x``, ``A`` is
``[P, n]`` for the ``P <= E`` distinct pairs), then scaled by ``w_s`` and summed per destination.
Cost per layer O(E B d + P B d); memory O(P B d) (autograd keeps one such tensor per layer).
``pna`` works on the per-edge messages (max and min cannot be grouped like a sum), in chunks with a
hand-written backward (:class:`_PNAEdges`): O(E B d) time, O(n B d) memory per layer.
``edge_weight`` (``[E]``) multiplies each message; explanations differentiate the score with
respect to it (NBFNet's path interpretation by edge gradients).
"""

from __future__ import annotations

import torch
from torch import nn


class EdgeIndex:
    """A message-passing graph grouped for :class:`NBFNet`: edges ``src -[etype]-> dst`` of ``n`` nodes.

    ``A`` (``[P, n]``) sums node states into the ``(relation, destination)`` groups of the edges;
    ``src``, ``dst``, ``etype`` and ``edge_weight`` are kept for the per-edge PNA aggregation.
    """

    def __init__(self, src: torch.Tensor, dst: torch.Tensor, etype: torch.Tensor, n: int,
                 edge_weight: torch.Tensor | None = None):
        self.n = n
        self.src, self.dst, self.etype = src.long(), dst.long(), etype.long()
        self.edge_weight = edge_weight
        key = etype.long() * n + dst.long()
        uniq, pair = torch.unique(key, return_inverse=True)
        self.pair_rel = uniq // n  # [P]
        self.pair_dst = uniq % n  # [P]
        values = torch.ones(len(src), dtype=torch.float32, device=src.device) if edge_weight is None else edge_weight
        self.A = torch.sparse_coo_tensor(torch.stack([pair, src.long()]), values, (len(uniq), n),
                                         check_invariants=False).coalesce()
        self._cast: dict[torch.dtype, torch.Tensor] = {self.A.dtype: self.A}

    def matrix(self, dtype: torch.dtype) -> torch.Tensor:
        """``A`` in ``dtype`` (a float64 model on an unweighted graph: ``A`` was built in float32)."""
        if dtype not in self._cast:
            self._cast[dtype] = self.A.to(dtype)
        return self._cast[dtype]


class _PNAEdges(torch.autograd.Function):
    """Per-node statistics of the messages ``m_e = x(src_e) * w_{s_e}`` of the edges into each node.

    Returns ``[n, B, d]`` each: ``sum_e c_e m_e``, ``sum_e c_e m_e^2``, ``max_e c_e m_e`` and
    ``min_e c_e m_e`` (``c_e`` the edge weight, 1 by default, weighted as NBFNet weights them; a node
    without in-edges gets -inf / +inf as max / min). The per-edge rows ``[E, B, d]`` are never held
    whole: the forward and the backward run over chunks of edges of about ``chunk`` elements and the
    backward recomputes them, so autograd keeps ``O(n B d)`` per layer, not ``O(E B d)``. The gradient
    of a max or min goes to the edges that attain it, split evenly among ties, as PyTorch splits it.
    """

    #: elements per chunk of per-edge rows: cache-sized on CPU (fresh large tensors cost page faults
    #: on the machines measured), large on CUDA (few kernel launches)
    CHUNK = {"cpu": 1 << 19, "cuda": 1 << 27}

    @staticmethod
    def _chunks(x: torch.Tensor, num_edges: int):  # noqa: ANN205
        size = _PNAEdges.CHUNK.get(x.device.type, 1 << 27)
        step = max(1, size // max(x[0].numel(), 1))
        return [slice(i, i + step) for i in range(0, num_edges, step)]

    @staticmethod
    def forward(ctx, x, wt, src, dst, etype, edge_weight):  # noqa: ANN001, ANN205
        total, square = torch.zeros_like(x), torch.zeros_like(x)
        hi, lo = torch.full_like(x, float("-inf")), torch.full_like(x, float("inf"))
        for c in _PNAEdges._chunks(x, len(src)):
            a = x.index_select(0, src[c]) * wt.index_select(0, etype[c])  # [c, B, d]
            a2 = a * a
            if edge_weight is not None:
                cw = edge_weight[c].to(a.dtype)[:, None, None]
                a, a2 = a * cw, a2 * cw
            index = dst[c].view(-1, 1, 1).expand_as(a)
            total.index_add_(0, dst[c], a)
            square.index_add_(0, dst[c], a2)
            hi.scatter_reduce_(0, index, a, "amax")
            lo.scatter_reduce_(0, index, a, "amin")
        ctx.save_for_backward(x, wt, src, dst, etype, edge_weight, hi, lo)
        return total, square, hi, lo

    @staticmethod
    def backward(ctx, g_total, g_square, g_hi, g_lo):  # noqa: ANN001, ANN205
        x, wt, src, dst, etype, edge_weight, hi, lo = ctx.saved_tensors
        chunks = _PNAEdges._chunks(x, len(src))
        zero = torch.zeros_like(x)
        g_total = zero if g_total is None else g_total
        g_square = zero if g_square is None else g_square
        extremes = [(g, ext) for g, ext in ((g_hi, hi), (g_lo, lo)) if g is not None]

        def rows(c):  # noqa: ANN001, ANN202  # the unweighted messages of a chunk and their weights
            a = x.index_select(0, src[c]) * wt.index_select(0, etype[c])
            cw = None if edge_weight is None else edge_weight[c].to(a.dtype)[:, None, None]
            return a, cw

        ties = [torch.zeros_like(ext) for _, ext in extremes]
        for c in chunks:  # pass 1: how many edges attain each extreme
            a, cw = rows(c)
            m = a if cw is None else a * cw
            for t, (_, ext) in zip(ties, extremes):
                t.index_add_(0, dst[c], (m == ext.index_select(0, dst[c])).to(m.dtype))
        shares = [(g / t.clamp(min=1), ext) for (g, ext), t in zip(extremes, ties)]
        g_x, g_wt = torch.zeros_like(x), torch.zeros_like(wt)
        want_w = edge_weight is not None and ctx.needs_input_grad[5]
        g_ew = torch.zeros_like(edge_weight) if want_w else None
        for c in chunks:  # pass 2: the gradient of every message of the chunk
            a, cw = rows(c)
            m = a if cw is None else a * cw
            g_m = g_total.index_select(0, dst[c])  # d/dm of sum c m (m already weighted)
            for share, ext in shares:
                g_m.addcmul_((m == ext.index_select(0, dst[c])).to(m.dtype), share.index_select(0, dst[c]))
            g_sq = g_square.index_select(0, dst[c])
            if want_w:  # d/dc of (c a, c a^2)
                g_ew[c] = (g_m * a + g_sq * a * a).sum((1, 2)).to(g_ew.dtype)
            g_a = g_m.addcmul_(g_sq, a, value=2.0)  # d/da of c a and c a^2, before the factor c
            if cw is not None:
                g_a.mul_(cw)
            g_x.index_add_(0, src[c], g_a * wt.index_select(0, etype[c]))
            g_wt.index_add_(0, etype[c], g_a * x.index_select(0, src[c]))
        return g_x, g_wt, None, None, None, g_ew


class NBFNet(nn.Module):
    """Path-based GNN for link prediction (see the module docstring).

    Parameters
    ----------
    num_relations : relations including inverses (``2 R``).
    dim : hidden size ``d``.
    layers : message-passing rounds ``T``.
    concat_hidden : score from the states of every layer, not only the last.
    aggregate : ``sum`` or ``pna`` (see the module docstring).
    dependent : relation vectors computed from the query relation (NBFNet's ``dependent=True``:
        ``R d^2`` parameters per layer), or free per-layer relation embeddings shared by every query
        (``R d`` per layer).
    """

    AGGREGATES = ("sum", "pna")

    def __init__(self, num_relations: int, dim: int = 32, layers: int = 6, concat_hidden: bool = False,
                 aggregate: str = "sum", dependent: bool = True):
        super().__init__()
        if aggregate not in self.AGGREGATES:
            raise ValueError(f"aggregate must be one of {', '.join(self.AGGREGATES)}, got {aggregate!r}")
        self.num_relations = num_relations
        self.dim = dim
        self.concat_hidden = concat_hidden
        self.aggregate = aggregate
        self.query = nn.Embedding(num_relations, dim)
        self.dependent = dependent
        self.relation = nn.ModuleList(nn.Linear(dim, num_relations * dim) if dependent
                                      else nn.Embedding(num_relations, dim) for _ in range(layers))
        width = 13 if aggregate == "pna" else 2  # [x, agg]: agg is d (sum) or 12 d (pna)
        self.linear = nn.ModuleList(nn.Linear(width * dim, dim) for _ in range(layers))
        self.norm = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        feat = (layers if concat_hidden else 1) * dim + dim
        self.mlp = nn.Sequential(nn.Linear(feat, feat), nn.ReLU(), nn.Linear(feat, 1))

    def node_states(self, heads: torch.Tensor, rels: torch.Tensor, graph: EdgeIndex) -> list[torch.Tensor]:
        """``[n, B, d]`` states of every node after each of the ``T`` layers, for queries ``(heads, rels)`` (``[B]`` each)."""
        b, n, d = heads.shape[0], graph.n, self.dim
        q = self.query(rels)  # [B, d]
        boundary = torch.zeros(n, b, d, dtype=q.dtype, device=q.device)
        boundary[heads, torch.arange(b, device=q.device)] = q
        x = boundary
        states = []
        scales = self._degree_scales(graph, q.dtype) if self.aggregate == "pna" else None
        for rel, lin, norm in zip(self.relation, self.linear, self.norm):
            if self.dependent:
                w = rel(q).view(b, self.num_relations, d)  # [B, R, d] query-dependent relation vectors
            else:
                w = rel.weight.unsqueeze(0).expand(b, -1, -1)
            if scales is None:
                s = torch.sparse.mm(graph.matrix(x.dtype), x.reshape(n, b * d)).view(-1, b, d)  # [P, B, d]
                msg = s * w[:, graph.pair_rel].transpose(0, 1)  # [P, B, d]
                agg = boundary.index_add(0, graph.pair_dst, msg)
            else:
                agg = self._pna(x, w, boundary, graph, scales)
            x = x + torch.relu(norm(lin(torch.cat([x, agg], -1))))
            states.append(x)
        return states

    @staticmethod
    def _degree_scales(graph: EdgeIndex, dtype: torch.dtype) -> torch.Tensor:
        """``[n, 1, 1, 3]``: 1, the amplification ``s(v)`` and the attenuation ``1 / max(s(v), 0.01)``."""
        deg = torch.bincount(graph.dst, minlength=graph.n).to(dtype) + 1  # + the boundary's self-loop
        s = deg.log()
        s = s / s.mean().clamp(min=1e-12)
        return torch.stack([torch.ones_like(s), s, 1 / s.clamp(min=1e-2)], -1)[:, None, None]

    @staticmethod
    def _pna(x: torch.Tensor, w: torch.Tensor, boundary: torch.Tensor, graph: EdgeIndex,
             scales: torch.Tensor) -> torch.Tensor:
        """``[n, B, 12 d]`` PNA aggregation of the messages into each node and its boundary (a self-loop)."""
        n = graph.n
        total, square, hi, lo = _PNAEdges.apply(x, w.transpose(0, 1).contiguous(), graph.src, graph.dst,
                                                graph.etype, graph.edge_weight)
        count = (torch.bincount(graph.dst, minlength=n).to(x.dtype) + 1)[:, None, None]
        mean = (total + boundary) / count
        sq_mean = (square + boundary * boundary) / count
        hi, lo = torch.maximum(hi, boundary), torch.minimum(lo, boundary)
        std = (sq_mean - mean * mean).clamp(min=1e-6).sqrt()
        feats = torch.stack([mean, hi, lo, std], -1)  # [n, B, d, 4]
        return (feats[..., None] * scales[:, :, :, None, :]).flatten(2)  # [n, B, d * 12]

    def forward(self, heads: torch.Tensor, rels: torch.Tensor, graph: EdgeIndex) -> torch.Tensor:
        """Scores ``[B, n]`` of every entity as the tail of each query."""
        states = self.node_states(heads, rels, graph)  # T x [n, B, d]
        q = self.query(rels)[None].expand(graph.n, -1, -1)
        x = states if self.concat_hidden else states[-1:]
        return self.mlp(torch.cat([*x, q], -1)).squeeze(-1).T
