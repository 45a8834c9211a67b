"""Link-prediction models: a path-based GNN (NBFNet) and DistMult.

NBFNet (Zhu et al., NeurIPS 2021) generalises Bellman-Ford: for a query ``(h, r, ?)`` the
representation of every node ``v`` is the sum, over paths from ``h`` to ``v``, of products of
relation vectors, computed by ``T`` rounds of message passing from a boundary condition at ``h``:

- boundary: ``x_0(h) = q_r`` (the query relation's embedding), ``x_0(v) = 0`` elsewhere;
- message along ``u -[s]-> v``: ``x(u) * w_s`` (DistMult-style relation-specific scaling);
- aggregation: sum of the messages plus the boundary; update: linear, layer norm, ReLU and a
  shortcut connection;
- score of tail ``t``: an MLP of ``[x_T(t), q_r]``.

Tensor shapes: ``x [B, n, d]`` for ``B`` queries on ``n`` entities; edges ``[E]``.
DistMult (Yang et al., ICLR 2015): ``score(h, r, t) = <e_h, w_r, e_t>``, with separate embeddings
for inverse relations so that head queries are tail queries of ``r^-1``.
"""

from __future__ import annotations

import torch
from torch import nn


class NBFNet(nn.Module):
    """Path-based GNN for link prediction (see module docstring)."""

    def __init__(self, num_relations: int, dim: int = 32, layers: int = 6):
        super().__init__()
        self.num_relations = num_relations  # with inverses
        self.dim = dim
        self.query = nn.Embedding(num_relations, dim)
        self.relation = nn.ModuleList(nn.Embedding(num_relations, dim) for _ in range(layers))
        self.linear = nn.ModuleList(nn.Linear(dim, dim) for _ in range(layers))
        self.norm = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, 1))

    def node_features(self, heads: torch.Tensor, rels: torch.Tensor, n: int, src: torch.Tensor, dst: torch.Tensor,
                      etype: torch.Tensor, edge_weight: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, n, d]`` representations of every node for queries ``(heads, rels)``.

        ``edge_weight`` (``[E]``, optional) multiplies each message; explanations differentiate
        the score with respect to it (path gradients).
        """
        b = heads.shape[0]
        q = self.query(rels)  # [B, d]
        boundary = torch.zeros(b, n, self.dim, dtype=q.dtype, device=q.device)
        boundary[torch.arange(b, device=q.device), heads] = q
        x = boundary
        for rel, lin, norm in zip(self.relation, self.linear, self.norm):
            msg = x[:, src, :] * rel(etype)[None]  # [B, E, d]
            if edge_weight is not None:
                msg = msg * edge_weight[None, :, None]
            agg = torch.zeros_like(x).index_add_(1, dst, msg) + boundary
            x = x + torch.relu(norm(lin(agg)))
        return torch.cat([x, q[:, None, :].expand(-1, n, -1)], dim=-1)

    def forward(self, heads: torch.Tensor, rels: torch.Tensor, n: int, src: torch.Tensor, dst: torch.Tensor,
                etype: torch.Tensor, edge_weight: torch.Tensor | None = None) -> torch.Tensor:
        """Scores ``[B, n]`` of every entity as the tail of each query."""
        feats = self.node_features(heads, rels, n, src, dst, etype, edge_weight)
        return self.mlp(feats).squeeze(-1)


class DistMult(nn.Module):
    """DistMult with inverse-relation embeddings, scored against every entity (1-N)."""

    def __init__(self, num_entities: int, num_relations: int, dim: int = 200, dropout: float = 0.2):
        super().__init__()
        self.entity = nn.Embedding(num_entities, dim)
        self.relation = nn.Embedding(num_relations, dim)
        self.drop = nn.Dropout(dropout)
        nn.init.xavier_uniform_(self.entity.weight)
        nn.init.xavier_uniform_(self.relation.weight)

    def forward(self, heads: torch.Tensor, rels: torch.Tensor) -> torch.Tensor:
        q = self.drop(self.entity(heads) * self.relation(rels))  # [B, d]
        return q @ self.entity.weight.T  # [B, n]

    def n3(self, heads: torch.Tensor, rels: torch.Tensor) -> torch.Tensor:
        """N3 regulariser of the embeddings a batch touches (Lacroix et al. 2018)."""
        return (self.entity(heads).abs() ** 3).sum() + (self.relation(rels).abs() ** 3).sum()
