"""NBFNet: a path-based GNN for link prediction (Zhu et al., NeurIPS 2021).

NBFNet generalises the Bellman-Ford algorithm: for a query ``(h, q, ?)`` the representation of
every node ``v`` is a learned "sum over paths ``h -> v`` of products of relation vectors",
computed by ``T`` rounds of message passing that start from a boundary condition at ``h``:

- boundary (INDICATOR): ``b(h) = e_q`` (the query relation's embedding), ``b(v) = 0`` elsewhere;
- message along an edge ``u -[s]-> v`` (MESSAGE, DistMult-style): ``x(u) * w_s(q)``, where the
  relation vectors of each layer depend on the query relation (``w(q) = W e_q + c``, reshaped to
  ``[R, d]``: NBFNet's ``dependent=True``);
- aggregation (AGGREGATE): sum of the messages into ``v`` plus ``b(v)``;
- update: ``x <- x + ReLU(LayerNorm(Linear([x, agg])))`` (shortcut connection);
- score of tail ``t``: an MLP of ``[x_T(t), e_q]``, or of ``[x_1(t), ..., x_T(t), e_q]`` with
  ``concat_hidden`` (NBFNet's setting for its transductive benchmarks).

Implementation: node-major tensors ``x [n, B, d]`` for ``B`` queries on ``n`` nodes. Because the
relation vector of a message depends only on ``(query, relation)``, the messages are first summed
per ``(relation, destination)`` pair with one sparse-dense product (``S = A @ x``, ``A`` is
``[P, n]`` for the ``P <= E`` distinct pairs), then scaled by ``w_s`` and summed per destination.
Cost per layer O(E B d + P B d); memory O(P B d) (autograd keeps one such tensor per layer).
``edge_weight`` (``[E]``) multiplies each message; explanations differentiate the score with
respect to it (NBFNet's path interpretation by edge gradients).
"""

from __future__ import annotations

import torch
from torch import nn


class EdgeIndex:
    """A message-passing graph grouped for :class:`NBFNet`: edges ``src -[etype]-> dst`` of ``n`` nodes.

    ``pair`` maps each edge to its ``(relation, destination)`` group; ``A`` sums node states into the groups.
    """

    def __init__(self, src: torch.Tensor, dst: torch.Tensor, etype: torch.Tensor, n: int,
                 edge_weight: torch.Tensor | None = None):
        self.n = n
        key = etype.long() * n + dst.long()
        uniq, pair = torch.unique(key, return_inverse=True)
        self.pair_rel = uniq // n  # [P]
        self.pair_dst = uniq % n  # [P]
        values = torch.ones(len(src), dtype=torch.float32, device=src.device) if edge_weight is None else edge_weight
        self.A = torch.sparse_coo_tensor(torch.stack([pair, src.long()]), values, (len(uniq), n),
                                         check_invariants=False).coalesce()


class NBFNet(nn.Module):
    """Path-based GNN for link prediction (see the module docstring).

    Parameters
    ----------
    num_relations : relations including inverses (``2 R``).
    dim : hidden size ``d``.
    layers : message-passing rounds ``T``.
    concat_hidden : score from the states of every layer, not only the last.
    """

    def __init__(self, num_relations: int, dim: int = 32, layers: int = 6, concat_hidden: bool = False):
        super().__init__()
        self.num_relations = num_relations
        self.dim = dim
        self.concat_hidden = concat_hidden
        self.query = nn.Embedding(num_relations, dim)
        self.relation = nn.ModuleList(nn.Linear(dim, num_relations * dim) for _ in range(layers))
        self.linear = nn.ModuleList(nn.Linear(2 * dim, dim) for _ in range(layers))
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
        for rel, lin, norm in zip(self.relation, self.linear, self.norm):
            w = rel(q).view(b, self.num_relations, d)  # [B, R, d] query-dependent relation vectors
            s = torch.sparse.mm(graph.A, x.reshape(n, b * d)).view(-1, b, d)  # [P, B, d]
            msg = s * w[:, graph.pair_rel].transpose(0, 1)  # [P, B, d]
            agg = boundary.index_add(0, graph.pair_dst, msg)
            x = x + torch.relu(norm(lin(torch.cat([x, agg], -1))))
            states.append(x)
        return states

    def forward(self, heads: torch.Tensor, rels: torch.Tensor, graph: EdgeIndex) -> torch.Tensor:
        """Scores ``[B, n]`` of every entity as the tail of each query."""
        states = self.node_states(heads, rels, graph)  # T x [n, B, d]
        q = self.query(rels)[None].expand(graph.n, -1, -1)
        x = states if self.concat_hidden else states[-1:]
        return self.mlp(torch.cat([*x, q], -1)).squeeze(-1).T
