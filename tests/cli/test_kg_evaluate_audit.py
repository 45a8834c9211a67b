"""graphroute evaluate --task kg (cli/kg_evaluate.py): what a mutation audit found unchecked. The split,
--max-queries and the checkpoint's seed reach the ranking, the table shows the JSON's numbers, a
retrieval checkpoint (no .to) is evaluated, --device is checked."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from tests.cli._errors import one_line_error, run  # noqa: E402

#: tiny KG: 12 entities, 3 relations; 50 train (+1 repeated line), 2 valid, 5 test triples
N_TRAIN, N_VALID, N_TEST = 50, 2, 5


def _triples() -> list[tuple[str, str, str]]:
    import numpy as np

    rng, rows = np.random.default_rng(0), set()
    while len(rows) < N_TRAIN + N_VALID + N_TEST:
        h, t = rng.choice(12, 2, replace=False)
        rows.add((f"e{h}", f"r{rng.integers(3)}", f"e{t}"))
    return sorted(rows)


@pytest.fixture(scope="module")
def kg_run(tmp_path_factory):
    """``(folder, kg, checkpoint)``: the tiny KG in ``folder/kg`` and a retrieval checkpoint trained on it
    (seed 3; the rule-based model trains in about a second, without an optimizer)."""
    from graphroute.neural.kg.train import KGConfig, train_kg

    folder = tmp_path_factory.mktemp("kgeval")
    rows = _triples()
    kg = folder / "kg"
    kg.mkdir()
    line = lambda r: "\t".join(r) + "\n"  # noqa: E731
    train = rows[:N_TRAIN]
    (kg / "train.txt").write_text("".join(map(line, train + train[:1])))  # one repeated line: a warning
    (kg / "valid.txt").write_text("".join(map(line, rows[N_TRAIN:N_TRAIN + N_VALID])))
    (kg / "test.txt").write_text("".join(map(line, rows[N_TRAIN + N_VALID:])))
    train_kg(KGConfig(data=str(kg), model="retrieval", epochs=1, seed=3), folder / "run")
    return folder, kg, folder / "run" / "last.pt"


def _json(*args) -> dict:
    res = run("evaluate", "--task", "kg", *args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize("split, queries", [("test", 2 * N_TEST), ("valid", 2 * N_VALID), ("train", 2 * N_TRAIN)])
def test_split_is_the_one_ranked(kg_run, split, queries):
    """--split picks the triples ranked, both directions (2 queries a triple)."""
    obj = _json("--checkpoint", kg_run[2], "--split", split)
    assert obj["split"] == split and obj["queries"] == queries


def test_max_queries_ranks_the_checkpoints_seeded_sample(kg_run):
    """--max-queries 3 ranks 3 queries, the sample drawn with the checkpoint's seed (as the library's evaluate)."""
    from graphroute.neural.kg.train import evaluate, load_kg_model

    obj = _json("--checkpoint", kg_run[2], "--split", "train", "--max-queries", 3)
    assert obj["queries"] == 3
    model, cfg, data = load_kg_model(kg_run[2])
    assert cfg.seed == 3
    want = evaluate(model, data, "train", max_queries=3, seed=cfg.seed)
    assert {k: obj[k] for k in ("mrr", "hits@1", "hits@3", "hits@10")} == \
        {k: want[k] for k in ("mrr", "hits@1", "hits@3", "hits@10")}
    assert _json("--checkpoint", kg_run[2], "--split", "train", "--max-queries", 1000)["queries"] == 2 * N_TRAIN


def test_retrieval_checkpoint_json(kg_run):
    """A retrieval checkpoint (a scorer without .to) is ranked on the CPU; the JSON keys and warnings."""
    obj = _json("--checkpoint", kg_run[2], "--device", "auto")
    assert set(obj) == {"checkpoint", "model", "data", "data_path", "split", "mrr", "hits@1", "hits@3", "hits@10",
                        "queries", "time_s", "device", "data_warnings"}
    assert obj["model"] == "retrieval" and obj["device"] == "cpu" and obj["checkpoint"] == str(kg_run[2])
    assert obj["time_s"] >= 0 and 0 < obj["mrr"] <= 1
    assert obj["hits@1"] <= obj["hits@3"] <= obj["hits@10"] <= 1
    assert len(obj["data_warnings"]) == 1 and "repeated" in obj["data_warnings"][0]


def test_table_shows_the_json_numbers(kg_run, monkeypatch):
    """The table's title (checkpoint, model, --data as given, split, queries) and cells match --json."""
    folder, _, ckpt = kg_run
    monkeypatch.chdir(folder)
    obj = _json("--checkpoint", ckpt, "--data", "kg", "--split", "valid")
    assert obj["data"] == obj["data_path"] == "kg"
    res = run("evaluate", "--task", "kg", "--checkpoint", ckpt, "--data", "kg", "--split", "valid")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert f"last.pt (retrieval) on kg valid: {2 * N_VALID} queries, both directions, filtered" in text
    assert "warning: " in res.stdout and "repeated" in res.stdout
    header = next(line for line in res.stdout.splitlines() if "MRR" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == ["model", "MRR", "Hits@1", "Hits@3", "Hits@10", "time"]
    row = next(line for line in res.stdout.splitlines() if line.startswith("│ retrieval"))
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[:5] == ["retrieval"] + [f"{obj[k]:.4f}" for k in ("mrr", "hits@1", "hits@3", "hits@10")]
    assert cells[5].endswith(" s")
    assert len({obj[k] for k in ("mrr", "hits@1", "hits@3", "hits@10")}) == 4  # a swap of two cells shows


@pytest.mark.parametrize("device, message", [("tpu", "unknown device 'tpu'"), ("cuda:x", "unknown device 'cuda:x'")])
def test_bad_device_is_one_line(kg_run, device, message):
    """--device is checked before ranking: one line, exit 1."""
    one_line_error(run("evaluate", "--task", "kg", "--checkpoint", kg_run[2], "--device", device), message)


def test_data_that_does_not_exist_is_one_line(kg_run, tmp_path):
    """--data naming no KG is one line, exit 1."""
    res = run("evaluate", "--task", "kg", "--checkpoint", kg_run[2], "--data", tmp_path / "nokg")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1 and str(tmp_path / "nokg") in res.stderr
