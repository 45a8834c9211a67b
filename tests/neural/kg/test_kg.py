"""KG link prediction: filtered ranking against brute force, inverse queries, tiny training, resume."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.neural.kg.data import KGData, filtered_ranks, known_answers, ranking_metrics  # noqa: E402
from graphroute.neural.kg.train import KGConfig, evaluate, load_kg_model, train_kg  # noqa: E402


def tiny(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    rng = np.random.default_rng(0)
    ents = [f"e{i}" for i in range(12)]
    rows = set()
    while len(rows) < 60:
        h, t = rng.choice(12, 2, replace=False)
        rows.add((ents[h], f"r{rng.integers(3)}", ents[t]))
    rows = sorted(rows)
    (d / "train.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows[:48]))
    (d / "valid.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows[48:54]))
    (d / "test.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows[54:]))
    return d


def brute_rank(scores, h, r, t, data):
    known = set()
    for tr in (data.train, data.valid, data.test):
        for a, b, c in data.with_inverse(tr).tolist():
            if a == h and b == r and c != t:
                known.add(c)
    greater = sum(1 for e in range(data.num_entities) if e not in known and e != t and scores[e] > scores[t])
    equal = sum(1 for e in range(data.num_entities) if e not in known and e != t and scores[e] == scores[t])
    return 1 + greater + equal / 2


def test_filtered_ranking_matches_brute_force(tmp_path):
    data = KGData.from_path(tiny(tmp_path))
    queries = data.with_inverse(data.test)
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=(len(queries), data.num_entities)).astype(float)  # many ties
    ranks = filtered_ranks(scores, queries, known_answers(data))
    for i, (h, r, t) in enumerate(queries.tolist()):
        assert ranks[i] == brute_rank(scores[i], h, r, t, data)
    m = ranking_metrics(ranks)
    assert m["mrr"] == pytest.approx(np.mean(1 / ranks)) and m["queries"] == len(queries)


def test_inverse_queries(tmp_path):
    data = KGData.from_path(tiny(tmp_path))
    inv = data.with_inverse(data.test)
    n = len(data.test)
    assert np.array_equal(inv[n:, 0], data.test[:, 2]) and np.array_equal(inv[n:, 2], data.test[:, 0])
    assert np.all(inv[n:, 1] == data.test[:, 1] + data.num_relations)
    assert data.relation_label(int(inv[n, 1])).endswith("^-1")


@pytest.mark.parametrize("model", ["nbfnet", "distmult"])
def test_training_lowers_loss_and_resume_repeats(tmp_path, model):
    path = tiny(tmp_path)
    cfg = KGConfig(data=str(path), model=model, dim=8, layers=2, epochs=4, batch_size=16, lr=0.02, seed=3)
    full = train_kg(cfg, tmp_path / "a")
    losses = [float(x) for x in (tmp_path / "a" / "log.csv").read_text().splitlines()[1:] for x in [x.split(",")[1]]]
    assert losses[-1] < losses[0]
    half = KGConfig(**{**cfg.__dict__, "epochs": 2})
    train_kg(half, tmp_path / "b")
    train_kg(cfg, tmp_path / "b", resume=tmp_path / "b" / "last.pt")
    again = [float(x.split(",")[1]) for x in (tmp_path / "b" / "log.csv").read_text().splitlines()[1:]]
    assert again == pytest.approx(losses, rel=1e-6)
    m, _, data = load_kg_model(tmp_path / "a" / "last.pt")
    res = evaluate(m, data, "test")
    assert 0 < res["mrr"] <= 1 and res["queries"] == 2 * len(data.test)
    assert full.metrics["epoch"] == 4


def test_train_cli_task_kg(tmp_path, shared_data):
    from typer.testing import CliRunner

    from graphroute_cli.main import app
    from tests.conftest import REPO

    cfg = str(REPO / "experiments/configs/kg_tiny.yaml")
    res = CliRunner().invoke(app, ["train", "--task", "kg", "--config", cfg,
                                   "--out", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run" / "last.pt").exists() and (tmp_path / "run" / "log.csv").exists()
    res = CliRunner().invoke(app, ["train", "--task", "kg", "--config", cfg,
                                   "--out", str(tmp_path / "run2"), "--set", "modle=nbfnet"])
    assert res.exit_code != 0 and "unknown config key 'modle'" in res.stderr
