"""explain --top beyond the entities is clamped, --paths is capped; a KG graph file with triples out of
range is refused on load, not by an index error in the model (fuzz review defects 1 and 3)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from graphroute.exceptions import InvalidArgumentError  # noqa: E402
from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.explain import MAX_PATHS, predict  # noqa: E402
from graphroute.neural.kg.train import KGConfig, build_model  # noqa: E402
from graphroute_cli.main import app  # noqa: E402


def test_top_above_the_entities_gives_each_entity_once(random_kg):
    torch.manual_seed(0)
    data = KGData.from_path(random_kg)
    model = build_model(KGConfig(data=str(random_kg), dim=8, layers=2), data).eval()
    preds = predict(model, data, 1, 0, top=10**12, paths=1)
    assert sorted(p.tail for p in preds) == list(range(data.num_entities))
    with pytest.raises(InvalidArgumentError, match=f"paths in 1..{MAX_PATHS}"):
        predict(model, data, 1, 0, top=1, paths=MAX_PATHS + 1)


def test_cli_paths_cap_is_one_line(random_kg, tmp_path):
    res = CliRunner().invoke(app, ["explain", str(random_kg), "--checkpoint", str(tmp_path / "x.pt"), "--head", "e1",
                                   "--relation", "r0", "--paths", "1000000"])
    assert res.exit_code == 1 and f"--paths must be at most {MAX_PATHS}" in res.stderr


def test_cli_top_cap_is_one_line(random_kg, tmp_path):
    """--top 100000 ran a path search per entity: 110 s on UMLS, hours on FB15k-237."""
    from graphroute_cli.explain import MAX_TOP

    res = CliRunner().invoke(app, ["explain", str(random_kg), "--checkpoint", str(tmp_path / "x.pt"), "--head", "e1",
                                   "--relation", "r0", "--top", str(MAX_TOP + 1)])
    assert res.exit_code == 1 and f"--top must be at most {MAX_TOP}, got {MAX_TOP + 1}" in res.stderr


def test_cli_prints_markup_in_entity_names_as_text(tmp_path):
    """A KG entity named like rich markup ('[/]') crashed the answer lines with a MarkupError."""
    from graphroute.neural.kg.train import train_kg

    kg = tmp_path / "kg"
    kg.mkdir()
    rows = ["[/]\tr\t[b]x", "[b]x\tr\tc", "c\tr\t[/]", "[/]\tr\tc"]
    (kg / "train.txt").write_text("\n".join(rows) + "\n")
    (kg / "valid.txt").write_text("[b]x\tr\t[/]\n")
    (kg / "test.txt").write_text("c\tr\t[b]x\n")
    cfg = KGConfig(data=str(kg), dim=4, layers=1, epochs=1, batch_size=8)
    train_kg(cfg, tmp_path / "run")
    res = CliRunner().invoke(app, ["explain", str(kg), "--checkpoint", str(tmp_path / "run" / "best.pt"), "--head",
                                   "[/]", "--relation", "r", "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "([/], r, ?)" in res.stdout


def test_kg_graph_file_with_an_entity_out_of_range_is_refused(random_kg, tmp_path):
    from graphroute.graphs import GraphFormatError, save_graph
    from graphroute.graphs.kg import read_kg

    p = save_graph(read_kg(random_kg), tmp_path / "kg")
    with np.load(p) as z:
        arrays = {k: np.array(v) for k, v in z.items()}
    arrays["extra__triples_test"][0, 2] = 10**6
    np.savez(p, **arrays)
    with pytest.raises(GraphFormatError, match=r"extra__triples_test \(tails\) holds entity 1000000 at row 0"):
        KGData.from_path(p)
