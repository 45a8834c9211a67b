"""graphroute explain (cli/explain.py): what a mutation audit found unchecked. --top and --paths reach the
search and their bounds, the JSON keys, the text lines against the JSON (numbering, scores, weights,
training-triple marks, unexplained answers, 'every entity'), names that look like rich markup, warnings."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from tests.cli._errors import one_line_error, run  # noqa: E402

ODD_ENTITY, ODD_RELATION = "[i]e11", "[b]r2"  # names rich would read as markup


def _triples() -> list[tuple[str, str, str]]:
    """57 distinct seeded triples over 12 entities and 3 relations (one of each named like markup)."""
    import numpy as np

    rng, rows = np.random.default_rng(0), set()
    while len(rows) < 57:
        h, t = rng.choice(12, 2, replace=False)
        rows.add((f"e{h}", f"r{rng.integers(3)}", f"e{t}"))
    rename = {"e11": ODD_ENTITY, "r2": ODD_RELATION}
    return [tuple(rename.get(x, x) for x in row) for row in sorted(rows)]


@pytest.fixture(scope="module")
def kg_run(tmp_path_factory):
    """``(kg, checkpoint)``: the tiny KG (train has one repeated line: a warning) and a retrieval checkpoint."""
    from graphroute.neural.kg.train import KGConfig, train_kg

    folder = tmp_path_factory.mktemp("explain")
    rows = _triples()
    kg = folder / "kg"
    kg.mkdir()
    line = lambda r: "\t".join(r) + "\n"  # noqa: E731
    (kg / "train.txt").write_text("".join(map(line, rows[:50] + rows[:1])))
    (kg / "valid.txt").write_text("".join(map(line, rows[50:52])))
    (kg / "test.txt").write_text("".join(map(line, rows[52:])))
    train_kg(KGConfig(data=str(kg), model="retrieval", epochs=1, seed=3), folder / "run")
    return kg, folder / "run" / "last.pt"


def explain(kg_run, head, relation, *args):
    return run("explain", kg_run[0], "--checkpoint", kg_run[1], "--head", head, "--relation", relation, *args)


def explain_json(kg_run, head, relation, *args) -> dict:
    res = explain(kg_run, head, relation, *args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_keys_and_the_library_predictions(kg_run):
    """--json: head, relation, checkpoint and the library's predictions (tail, name, score, known, paths), each
    with the entity's file id ("id": on a --names graph the name is a display label, the id what the files say)."""
    from graphroute.neural.kg.data import KGData
    from graphroute.neural.kg.explain import predict
    from graphroute.neural.kg.train import load_kg_model

    obj = explain_json(kg_run, "e1", "r0^-1", "--top", 3, "--paths", 2)
    assert set(obj) == {"head", "relation", "checkpoint", "predictions"}
    assert (obj["head"], obj["relation"], obj["checkpoint"]) == ("e1", "r0^-1", str(kg_run[1]))
    model, _, data = load_kg_model(kg_run[1], KGData.from_path(kg_run[0]))
    want = predict(model, data, data.entity_index("e1"), data.relation_index("r0^-1"), top=3, paths=2)
    assert [(p["tail"], p["name"], p["known"]) for p in obj["predictions"]] == [(p.tail, p.name, p.known) for p in want]
    assert [p["score"] for p in obj["predictions"]] == pytest.approx([p.score for p in want])
    for p in obj["predictions"]:
        assert set(p) == {"tail", "name", "score", "known", "paths", "id"}
        assert p["id"] == data.entity_ids[p["tail"]]
        assert all(set(path) == {"edges", "weight", "text"} for path in p["paths"])


@pytest.mark.parametrize("top, paths", [(2, 1), (1, 3), (4, 2)])
def test_top_and_paths_reach_the_search(kg_run, top, paths):
    """--top answers, each with at most --paths paths (and exactly that many for the best answer here)."""
    obj = explain_json(kg_run, "e1", "r0", "--top", top, "--paths", paths)
    assert len(obj["predictions"]) == top
    assert all(len(p["paths"]) <= paths for p in obj["predictions"])
    assert len(obj["predictions"][0]["paths"]) == paths


def test_text_lines_match_the_json(kg_run):
    """Every entity: numbered lines with name and score, '(training triple)' exactly for known answers,
    each path as its signed weight and text, and for unexplained answers that no rule fires (retrieval)."""
    obj = explain_json(kg_run, "e0", "r0", "--top", 12)
    preds = obj["predictions"]
    assert any(p["known"] for p in preds) and not all(p["known"] for p in preds)
    assert any(not p["paths"] for p in preds) and any(p["paths"] for p in preds)
    res = explain(kg_run, "e0", "r0", "--top", 12)
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if not ln.startswith("warning")]
    assert lines[0] == "(e0, r0, ?)  top 12 answers"
    want = []
    for i, p in enumerate(preds, 1):
        want.append(f"{i}. {p['name']}  score {p['score']:.4f}" + ("  (training triple)" if p["known"] else ""))
        want += [f"     {path['weight']:+.4f}  {path['text']}" for path in p["paths"]]
        if not p["paths"]:
            # a retrieval checkpoint: the pair may well be linked, but no rule fires (it said "no path within reach")
            want.append("     (no rule of the retrieval scorer fires for this pair)")
    assert lines[1:] == want


def test_top_above_the_entities_says_every_entity(kg_run):
    """--top 50 on a 12-entity KG: 12 answers, and the header says they are every entity."""
    res = explain(kg_run, "e1", "r1", "--top", 50, "--paths", 1)
    assert res.exit_code == 0, res.output
    assert "(e1, r1, ?)  top 12 answers (every entity of the KG; --top 50 asked for more)" in res.stdout
    assert "12. " in res.stdout and "13. " not in res.stdout
    res = explain(kg_run, "e1", "r1", "--top", 3, "--paths", 1)
    assert "top 3 answers" in res.stdout and "every entity" not in res.stdout


def test_the_largest_top_and_paths_are_accepted(kg_run):
    """--top 100 and --paths 100 are the documented maxima: accepted."""
    obj = explain_json(kg_run, "e1", "r0", "--top", 100, "--paths", 100)
    assert len(obj["predictions"]) == 12 and max(len(p["paths"]) for p in obj["predictions"]) > 3


@pytest.mark.parametrize("args, message", [
    (["--top", 101], "--top must be at most 100, got 101"),
    (["--paths", 101], "--paths must be at most 100, got 101"),
    (["--paths", 0], "--top and --paths must be at least 1"),
    (["--top", -1], "--top and --paths must be at least 1"),
])
def test_out_of_range_top_and_paths_are_one_line(tmp_path, args, message):
    """Checked before anything is read (the checkpoint and KG here do not exist)."""
    res = run("explain", tmp_path / "nokg", "--checkpoint", tmp_path / "none.pt", "--head", "a", "--relation", "r",
              *args)
    one_line_error(res, message)


def test_a_missing_checkpoint_is_named_before_the_kg(tmp_path):
    """Neither exists: the checkpoint is the one named."""
    res = run("explain", tmp_path / "nokg", "--checkpoint", tmp_path / "none.pt", "--head", "a", "--relation", "r")
    one_line_error(res, f"checkpoint not found: {tmp_path / 'none.pt'}")


def test_names_like_markup_are_printed_as_text(kg_run):
    """An entity '[i]e11' and a relation '[b]r2' print as written, in the header, answers and paths."""
    obj = explain_json(kg_run, ODD_ENTITY, ODD_RELATION, "--top", 12, "--paths", 1)
    assert (obj["head"], obj["relation"]) == (ODD_ENTITY, ODD_RELATION)
    res = explain(kg_run, "e1", ODD_RELATION, "--top", 12, "--paths", 1)
    assert res.exit_code == 0, res.output
    assert f"(e1, {ODD_RELATION}, ?)  top 12 answers" in res.stdout
    assert any(ln.split("  score")[0].endswith(f". {ODD_ENTITY}") for ln in res.stdout.splitlines())
    assert f"-[{ODD_RELATION}]->" in res.stdout or f"-[{ODD_RELATION}^-1]->" in res.stdout


def test_warnings_go_to_stderr_under_json(kg_run):
    """The KG's repeated line is one warning: on stdout with the text, on stderr under --json."""
    res = explain(kg_run, "e1", "r0", "--top", 1, "--paths", 1, "--json")
    assert res.exit_code == 0 and "warning: " in res.stderr and "repeated" in res.stderr
    json.loads(res.stdout)
    res = explain(kg_run, "e1", "r0", "--top", 1, "--paths", 1)
    assert res.stdout.startswith("warning: ") and "repeated" in res.stdout.splitlines()[0]


def test_every_known_answer_lists_its_own_edge(kg_run):
    """README: a training triple's own edge is always listed; with --paths 1 it is the one path. Was missing under
    a retrieval checkpoint (its rule table never counts a triple for itself: the rule r => r has confidence 0)."""
    for head, relation in [("e0", "r0"), ("e3", "r0^-1"), ("e2", "r1")]:
        obj = explain_json(kg_run, head, relation, "--top", 12, "--paths", 1)
        known = [p for p in obj["predictions"] if p["known"]]
        assert known, (head, relation)
        for p in known:
            assert [path["text"] for path in p["paths"]] == [f"{head} -[{relation}]-> {p['name']}"]


def test_json_id_is_the_file_id_on_a_graph_built_with_names(kg_run, tmp_path):
    """On a --names graph "name" is the display label and "id" the entity as the triple files spell it."""
    from graphroute.graphs import save_graph
    from graphroute.graphs.kg import read_kg
    from graphroute.neural.kg.data import KGData

    plain = KGData.from_path(kg_run[0])
    (tmp_path / "names.tsv").write_text("".join(f"{e}\tName of {e}\n" for e in plain.entity_ids))
    named = save_graph(read_kg(kg_run[0], names=tmp_path / "names.tsv"), tmp_path / "named.graph.npz")
    res = run("explain", named, "--checkpoint", kg_run[1], "--head", "e1", "--relation", "r0^-1", "--top", 3,
              "--paths", 1, "--json")
    assert res.exit_code == 0, res.output
    for p in json.loads(res.stdout)["predictions"]:
        assert p["name"] == f"Name of {p['id']}" and p["id"] in plain.entity_ids
