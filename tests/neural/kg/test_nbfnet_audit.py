"""Audit C (mutation audit): NBFNet's constructor checks and defaults, the scoring MLP written out, and
graphs without edges (no message reaches a node; PNA's degree scales must stay finite)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graphroute.neural.kg.nbfnet import EdgeIndex, NBFNet  # noqa: E402

N, R2 = 6, 4
SRC = torch.tensor([0, 1, 2, 2, 3, 1])
DST = torch.tensor([1, 2, 3, 0, 1, 0])
ET = torch.tensor([0, 1, 2, 3, 0, 2])


def test_unknown_aggregate_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"aggregate must be one of sum, pna, got 'max'"):
        NBFNet(R2, dim=4, layers=1, aggregate="max")


def test_default_architecture():
    """NBFNet(R) is 6 query-dependent layers of width 32, sum aggregation, scored from the last layer."""
    m = NBFNet(R2)
    assert (m.dim, m.aggregate, m.dependent, m.concat_hidden) == (32, "sum", True, False)
    assert len(m.relation) == len(m.linear) == len(m.norm) == 6
    assert isinstance(m.relation[0], torch.nn.Linear) and m.relation[0].out_features == R2 * 32
    assert m.linear[0].in_features == 2 * 32 and m.mlp[0].in_features == 2 * 32


def test_score_is_a_relu_mlp_of_the_last_state_and_the_query():
    """score(t) = W2 ReLU(W1 [x_T(t), e_q] + b1) + b2, written out with the layer weights."""
    torch.manual_seed(0)
    m = NBFNet(R2, dim=4, layers=2).double()
    graph = EdgeIndex(SRC, DST, ET, N)
    heads, rels = torch.tensor([0, 3]), torch.tensor([1, 2])
    x = m.node_states(heads, rels, graph)[-1]  # [n, B, d]
    feat = torch.cat([x, m.query(rels)[None].expand(N, -1, -1)], -1)
    lin1, lin2 = (layer for layer in m.mlp if isinstance(layer, torch.nn.Linear))
    want = F.linear(torch.relu(F.linear(feat, lin1.weight, lin1.bias)), lin2.weight, lin2.bias).squeeze(-1).T
    got = m(heads, rels, graph)
    assert got.shape == (2, N)
    assert torch.allclose(got, want, atol=1e-12)
    # the hidden layer is not all-positive here, so the ReLU really cuts something
    assert (F.linear(feat, lin1.weight, lin1.bias) < 0).any()


@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_a_graph_without_edges_gives_finite_scores_equal_for_every_other_node(aggregate):
    """No edge: only the head holds its boundary; every other node sees nothing and scores the same
    (PNA: every degree is 0, the scales must not divide 0 by 0)."""
    torch.manual_seed(0)
    m = NBFNet(R2, dim=4, layers=2, aggregate=aggregate).double()
    none = torch.zeros(0, dtype=torch.long)
    heads, rels = torch.tensor([2, 4]), torch.tensor([0, 3])
    scores = m(heads, rels, EdgeIndex(none, none, none, N))
    assert torch.isfinite(scores).all()
    for b, h in enumerate(heads.tolist()):
        others = [v for v in range(N) if v != h]
        assert torch.allclose(scores[b, others], scores[b, others[0]].expand(len(others)))
        assert not torch.isclose(scores[b, h], scores[b, others[0]])


@pytest.mark.parametrize("aggregate", ["sum", "pna"])
def test_nodes_the_head_cannot_reach_score_alike(aggregate):
    """Messages flow src -> dst only: nodes 4 and 5 (no in-edges from the head's side) get identical scores."""
    torch.manual_seed(1)
    m = NBFNet(R2, dim=4, layers=3, aggregate=aggregate).double()
    graph = EdgeIndex(SRC, DST, ET, N)
    scores = m(torch.tensor([0]), torch.tensor([1]), graph)
    assert torch.isfinite(scores).all()
    assert torch.isclose(scores[0, 4], scores[0, 5])
    assert not torch.isclose(scores[0, 1], scores[0, 4])


def test_edge_index_groups_edges_by_relation_and_destination():
    """A has one row per distinct (relation, destination) pair, summing the weights of its sources."""
    src, dst, et = torch.tensor([0, 1, 2, 0]), torch.tensor([3, 3, 3, 1]), torch.tensor([1, 1, 0, 1])
    w = torch.tensor([0.5, 2.0, 3.0, 4.0], dtype=torch.float64)
    g = EdgeIndex(src, dst, et, 4, edge_weight=w)
    rows = {(int(r), int(v)): i for i, (r, v) in enumerate(zip(g.pair_rel, g.pair_dst))}
    assert set(rows) == {(1, 3), (0, 3), (1, 1)}
    dense = g.A.to_dense()
    assert dense.shape == (3, 4)
    assert dense[rows[(1, 3)]].tolist() == [0.5, 2.0, 0.0, 0.0]
    assert dense[rows[(0, 3)]].tolist() == [0.0, 0.0, 3.0, 0.0]
    assert dense[rows[(1, 1)]].tolist() == [4.0, 0.0, 0.0, 0.0]
    unweighted = EdgeIndex(src, dst, et, 4)
    assert unweighted.A.to_dense().sum().item() == 4.0 and unweighted.A.dtype == torch.float32
    assert unweighted.matrix(torch.float64).dtype == torch.float64
