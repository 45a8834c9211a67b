"""The NBFNet message-passing graph of a training batch (``Scorer.graph``) edge by edge on a 4-entity KG,
the seeded query subset of ``evaluate``, and Hits@3 / Hits@10 at their boundaries. Each test pins one
mutation that the rest of the suite let through (a mutation audit, 2026-12-02)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData, ranking_metrics  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model, evaluate, query_ranks  # noqa: E402

# a -r0-> b, b -r1-> a, c -r1-> d; inverse relations are r + 2. Test: (a, r1, c).
TOY = KGData("toy", 4, 2, np.array([[0, 0, 1], [1, 1, 0], [2, 1, 3]]), np.zeros((0, 3), dtype=np.int64),
             np.array([[0, 1, 2]]), list("abcd"), ["r0", "r1"])


def edges(g) -> list[tuple[int, int, int]]:
    return sorted(zip(g.src.tolist(), g.etype.tolist(), g.dst.tolist()))


@pytest.fixture
def model():
    torch.manual_seed(0)
    return build_model(KGConfig(data="x", dim=4, layers=1), TOY)


def test_the_full_graph_is_every_training_triple_and_its_inverse(model):
    assert edges(Scorer(model, TOY).graph()) == [(0, 0, 1), (0, 3, 1), (1, 1, 0), (1, 2, 0), (2, 1, 3), (3, 3, 2)]


def test_a_head_query_on_relation_0_removes_its_forward_edge(model):
    """(b, r0^-1, ?) -> a is the query of triple (a, r0, b): both a -r0-> b and b -r0^-1-> a go (with
    r < R taken as r <= R, relation R = r0^-1 counted as forward and the a -r0-> b edge leaked the label)."""
    g = Scorer(model, TOY).graph(torch.tensor([[1, 2, 0]]))
    assert edges(g) == [(0, 3, 1), (1, 1, 0), (2, 1, 3), (3, 3, 2)]


def test_remove_one_hop_removes_both_directions_of_the_pair(model):
    g = Scorer(model, TOY, remove_one_hop=True).graph(torch.tensor([[0, 0, 1]]))
    assert edges(g) == [(2, 1, 3), (3, 3, 2)]


def test_fact_ratio_drops_a_triple_with_its_inverse(model):
    g = Scorer(model, TOY).graph(torch.tensor([[0, 0, 1]]), torch.tensor([True, True, False]))
    assert edges(g) == [(0, 3, 1), (1, 1, 0)]


def test_max_queries_draws_a_seeded_subset_of_both_directions(model):
    assert evaluate(model, TOY, "test", max_queries=1)["queries"] == 1
    every = query_ranks(model, TOY, "test")
    pick = np.random.default_rng(0).choice(2, 1, replace=False)
    assert pick.tolist() == [1]  # the head query: a subset that took the first queries would hold the tail one
    assert query_ranks(model, TOY, "test", max_queries=1, seed=0).tolist() == every[pick].tolist()


def test_hits_at_3_and_10_include_ranks_3_and_10():
    m = ranking_metrics(np.array([1.0, 3.0, 10.0, 11.0]))
    assert (m["hits@1"], m["hits@3"], m["hits@10"]) == (0.25, 0.5, 0.75)
    assert m["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 10 + 1 / 11) / 4)
