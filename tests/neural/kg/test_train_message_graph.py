"""Audit C: the training-time message graph (the batch's own edges left out) and max_steps exactly."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.nbfnet import EdgeIndex  # noqa: E402
from graphroute.neural.kg.train import KGConfig, Scorer, build_model, train_kg  # noqa: E402


def test_training_scores_propagate_without_the_batch_edges(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=4, layers=2), data)
    batch = torch.as_tensor(data.with_inverse(data.train)[[0, 3, 50]])
    drop = {(h, r, t) for h, r, t in batch.tolist()}
    drop |= {(t, r + data.num_relations if r < data.num_relations else r - data.num_relations, h) for h, r, t in drop}
    src, dst, et = data.graph_edges()
    kept = [(u, v, r) for u, v, r in zip(src.tolist(), dst.tolist(), et.tolist()) if (u, r, v) not in drop]
    assert len(kept) == len(src) - 6  # three triples, each with its inverse
    s, d, e = (torch.tensor(c) for c in zip(*kept))
    want = model(batch[:, 0], batch[:, 1], EdgeIndex(s, d, e, data.num_entities))
    got = Scorer(model, data)(batch, remove_own_edges=True)
    assert torch.allclose(got, want, atol=1e-6)
    full = Scorer(model, data)(batch)
    assert not torch.allclose(got, full)


@pytest.mark.parametrize("k", [1, 2])
def test_max_steps_takes_exactly_that_many_steps(tmp_path, random_kg, k):
    cfg = KGConfig(data=str(random_kg), model="distmult", dim=4, epochs=3, batch_size=16)
    seen = []
    res = train_kg(cfg, tmp_path / "run", max_steps=k, on_progress=seen.append)
    assert res.step == k
    assert sum(1 for p in seen if "steps" not in p and p["loss"] is not None) >= k
    assert max(p["step"] for p in seen) == k
