"""DistMult, the embedding baseline of link prediction.

DistMult (Yang et al., ICLR 2015): ``score(h, r, t) = <e_h, w_r, e_t>``, with separate embeddings
for inverse relations so that head queries are tail queries of ``r^-1``.
"""

from __future__ import annotations

import torch
from torch import nn


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
