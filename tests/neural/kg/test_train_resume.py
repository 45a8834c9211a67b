"""Resume and export check the KG by its names: a reordered copy keeps the checkpoint's ids, another KG
is refused by name, and every refusal names what differs."""

from __future__ import annotations

import shutil

import pytest

torch = pytest.importorskip("torch")

from graphroute.exceptions import InvalidArgumentError  # noqa: E402
from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.train import KGConfig, evaluate, export_checkpoint, load_kg_model, train_kg  # noqa: E402


def reorder_in_place(kg):
    """The same triples, files listed backwards: entity and relation ids change, names do not."""
    for name in ("train", "valid", "test"):
        lines = (kg / f"{name}.txt").read_text().splitlines(keepends=True)
        (kg / f"{name}.txt").write_text("".join(lines[::-1]))


def rename_entity(kg, old, new):
    for name in ("train", "valid", "test"):
        text = (kg / f"{name}.txt").read_text()
        (kg / f"{name}.txt").write_text(text.replace(f"{old}\t", f"{new}\t").replace(f"\t{old}\n", f"\t{new}\n"))


def cfg_for(kg, epochs):
    return KGConfig(data=str(kg), model="distmult", dim=16, epochs=epochs, batch_size=16, lr=0.05, dropout=0.0, seed=0)


def train_mrr(ckpt, kg):
    m, _, data = load_kg_model(ckpt, KGData.from_path(kg))
    return evaluate(m, data, "train")["mrr"]


def test_resume_on_a_reordered_copy_trains_in_the_checkpoints_ids(tmp_path, random_kg):
    """The old resume loaded the weights into the new file order: entity i's embedding went to another
    entity and the MRR fell to chance, silently."""
    train_kg(cfg_for(random_kg, 30), tmp_path / "a")
    before = train_mrr(tmp_path / "a" / "last.pt", random_kg)
    vocab = torch.load(tmp_path / "a" / "last.pt", weights_only=False)["vocab"]
    reorder_in_place(random_kg)
    assert KGData.from_path(random_kg).entity_names != vocab["entities"]  # the ids really moved
    train_kg(cfg_for(random_kg, 31), tmp_path / "a", resume=tmp_path / "a" / "last.pt")
    ck = torch.load(tmp_path / "a" / "last.pt", weights_only=False)
    assert ck["vocab"] == vocab and ck["epoch"] == 31
    assert train_mrr(tmp_path / "a" / "last.pt", random_kg) > 0.9 * before > 0.3


def test_resume_on_another_kg_is_refused_by_name_or_size_before_anything_is_written(tmp_path, random_kg):
    train_kg(cfg_for(random_kg, 1), tmp_path / "a")
    last = (tmp_path / "a" / "last.pt").read_bytes()
    rename_entity(random_kg, "e3", "x3")  # same sizes, one name differs
    with pytest.raises(InvalidArgumentError, match="random_kg is not the KG last.pt was trained on: 1 entity names"):
        train_kg(cfg_for(random_kg, 2), tmp_path / "a", resume=tmp_path / "a" / "last.pt")
    rename_entity(random_kg, "x3", "e3")
    with open(random_kg / "train.txt", "a") as fh:
        fh.write("e1\tr0\tnewcomer\n")  # one entity more: the old resume died on a size-mismatch traceback
    with pytest.raises(InvalidArgumentError) as err:
        train_kg(cfg_for(random_kg, 2), tmp_path / "a", resume=tmp_path / "a" / "last.pt")
    assert str(err.value) == (f"last.pt was trained on a KG with 12 entities and 3 relations ({random_kg}); "
                              "random_kg has 13 and 3")
    assert (tmp_path / "a" / "last.pt").read_bytes() == last


def test_an_exported_checkpoint_keeps_the_vocabulary(tmp_path, random_kg):
    """The old export dropped the names: a reordered copy was ranked in the wrong ids and a KG of the same
    sizes with other names was accepted."""
    train_kg(cfg_for(random_kg, 10), tmp_path / "a")
    export_checkpoint(tmp_path / "a" / "best.pt", tmp_path / "shipped.pt")
    ck = torch.load(tmp_path / "shipped.pt", weights_only=False)
    assert ck["vocab"] == torch.load(tmp_path / "a" / "best.pt", weights_only=False)["vocab"] and "optimizer" not in ck
    m, _, data = load_kg_model(tmp_path / "shipped.pt")
    want = evaluate(m, data, "test")
    reorder_in_place(random_kg)
    m, _, data = load_kg_model(tmp_path / "shipped.pt", KGData.from_path(random_kg))
    assert evaluate(m, data, "test") == pytest.approx(want)
    rename_entity(random_kg, "e3", "x3")
    with pytest.raises(InvalidArgumentError, match="is not the KG shipped.pt was trained on"):
        load_kg_model(tmp_path / "shipped.pt", KGData.from_path(random_kg))


def test_a_changed_config_is_named_with_old_and_new_values(tmp_path, random_kg):
    cfg = cfg_for(random_kg, 1)
    train_kg(cfg, tmp_path / "a")
    changed = KGConfig(**{**cfg.__dict__, "epochs": 2, "lr": 0.1, "dim": 8})
    with pytest.raises(InvalidArgumentError) as err:
        train_kg(changed, tmp_path / "a", resume=tmp_path / "a" / "last.pt")
    assert str(err.value) == (f"{tmp_path / 'a' / 'last.pt'} was trained with another config (dim: 16 -> 8; "
                              "lr: 0.05 -> 0.1); only 'epochs' may change")


def test_a_relative_and_an_absolute_path_to_the_same_kg_are_the_same_config(tmp_path, random_kg, monkeypatch):
    monkeypatch.chdir(random_kg.parent)
    train_kg(cfg_for(random_kg.name, 1), tmp_path / "a")  # "random_kg", relative
    res = train_kg(cfg_for(random_kg.resolve(), 2), tmp_path / "a", resume=tmp_path / "a" / "last.pt")
    assert res.metrics["epoch"] == 2
    shutil.copytree(random_kg, tmp_path / "elsewhere")  # a copy is another folder: that is a change
    with pytest.raises(InvalidArgumentError, match=r"another config \(data: '/.*/random_kg' -> 'elsewhere'\)"):
        train_kg(cfg_for("elsewhere", 3), tmp_path / "a", resume=tmp_path / "a" / "last.pt")


def test_an_evaluated_checkpoint_refused_for_its_size_names_both_kgs(tmp_path, random_kg, family_kg):
    train_kg(cfg_for(random_kg, 1), tmp_path / "a")
    with pytest.raises(InvalidArgumentError) as err:
        load_kg_model(tmp_path / "a" / "last.pt", KGData.from_path(family_kg))
    assert str(err.value) == (f"last.pt was trained on a KG with 12 entities and 3 relations ({random_kg}); "
                              "family_kg has 20 and 2")


def test_a_run_resumed_from_a_checkpoint_without_valid_s_widens_the_log(tmp_path, random_kg):
    """``valid_s`` (the validation's seconds, which the time limit keeps back) is a new log column: a run
    resumed from an older checkpoint rewrites log.csv with it rather than appending misaligned rows."""
    import csv

    from graphroute.neural.train import save_atomic

    train_kg(cfg_for(random_kg, 2), tmp_path / "a")
    ck = torch.load(tmp_path / "a" / "last.pt", weights_only=False)
    ck["history"] = [{k: v for k, v in row.items() if k != "valid_s"} for row in ck["history"]]
    save_atomic(ck, tmp_path / "old.pt")
    train_kg(cfg_for(random_kg, 3), tmp_path / "b", resume=tmp_path / "old.pt")
    with open(tmp_path / "b" / "log.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "valid_s" and all(len(r) == len(rows[0]) for r in rows)
    assert [r[-1] == "" for r in rows[1:]] == [True, True, False]
