"""Filtered ranking against brute force; inverse-relation queries; name look-ups."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import UnknownNameError
from graphroute.neural.kg.data import KGData, filtered_ranks, known_answers, paired_bootstrap, ranking_metrics


def brute_rank(scores, h, r, t, data):
    """1 + #(better other candidates) + #(tied other candidates) / 2, true answers other than t removed."""
    known = set()
    for split in (data.train, data.valid, data.test):
        for a, b, c in split.tolist():
            if (a, b) == (h, r):
                known.add(c)  # tail query of (h, r, c)
            if r >= data.num_relations and (c, b + data.num_relations) == (h, r):
                known.add(a)  # head query (c, r^-1, ?) of (a, b, c)
    others = [e for e in range(data.num_entities) if e != t and e not in known]
    greater = sum(scores[e] > scores[t] for e in others)
    equal = sum(scores[e] == scores[t] for e in others)
    return 1 + greater + equal / 2


def test_filtered_ranking_matches_brute_force(random_kg):
    data = KGData.from_path(random_kg)
    queries = np.concatenate([data.with_inverse(data.test), data.with_inverse(data.valid)])
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=(len(queries), data.num_entities)).astype(float)  # many ties
    ranks = filtered_ranks(scores, queries, known_answers(data))
    expected = [brute_rank(scores[i], h, r, t, data) for i, (h, r, t) in enumerate(queries.tolist())]
    assert ranks.tolist() == expected
    m = ranking_metrics(ranks)
    assert m["mrr"] == pytest.approx(np.mean(1 / np.array(expected))) and m["queries"] == len(queries)
    assert m["hits@1"] == pytest.approx(np.mean(np.array(expected) <= 1))


def test_filtering_removes_other_true_tails_only():
    data = KGData("toy", 4, 1, np.array([[0, 0, 1], [0, 0, 2]]), np.zeros((0, 3), int), np.array([[0, 0, 3]]),
                  ["a", "b", "c", "d"], ["r"])
    scores = np.array([[0.0, 9.0, 8.0, 1.0]])  # b and c are true answers of (a, r, ?): filtered out
    assert filtered_ranks(scores, np.array([[0, 0, 3]]), known_answers(data)).tolist() == [1.0]
    scores = np.array([[5.0, 9.0, 8.0, 1.0]])  # a itself is not an answer: it stays a competitor
    assert filtered_ranks(scores, np.array([[0, 0, 3]]), known_answers(data)).tolist() == [2.0]


def test_inverse_queries(random_kg):
    data = KGData.from_path(random_kg)
    inv = data.with_inverse(data.test)
    n = len(data.test)
    assert np.array_equal(inv[n:, 0], data.test[:, 2]) and np.array_equal(inv[n:, 2], data.test[:, 0])
    assert np.all(inv[n:, 1] == data.test[:, 1] + data.num_relations)
    assert data.relation_label(int(inv[n, 1])).endswith("^-1")
    known = known_answers(data)
    for h, r, t in data.test.tolist():  # the head query of every test triple knows its head
        assert h in known[(t, r + data.num_relations)]
    src, dst, et = data.graph_edges()  # message passing sees every training edge both ways
    edges = set(zip(src.tolist(), et.tolist(), dst.tolist()))
    for h, r, t in data.train.tolist():
        assert (h, r, t) in edges and (t, r + data.num_relations, h) in edges


def test_names(random_kg):
    data = KGData.from_path(random_kg)
    assert data.entity_names[data.entity_index("e3")] == "e3"
    assert data.relation_index("r1^-1") == data.relation_index("r1") + data.num_relations
    with pytest.raises(UnknownNameError, match="unknown entity 'nobody'"):
        data.entity_index("nobody")
    with pytest.raises(UnknownNameError, match="unknown relation 'r9'"):
        data.relation_index("r9")


def test_paired_bootstrap_moves_a_triples_two_queries_together():
    rng = np.random.default_rng(0)
    k = 400
    # a triple's head query ranks as its tail query: resampling queries instead of triples would shrink
    # the interval by sqrt(2)
    a = np.tile(rng.integers(1, 20, size=k), 2).astype(float)
    b = np.tile(rng.integers(1, 20, size=k), 2).astype(float)
    out = paired_bootstrap(a, b, n_boot=4000, seed=3)
    d = (1 / a - 1 / b).reshape(2, k).mean(0)  # per triple: tail query i and head query k + i
    assert out["diff"] == pytest.approx(float(np.mean(1 / a - 1 / b)))
    assert out["triples"] == k
    # the percentile interval of a mean of k i.i.d. terms: about +-1.96 standard errors
    se = d.std(ddof=1) / np.sqrt(k)
    assert out["lo"] == pytest.approx(out["diff"] - 1.96 * se, abs=0.25 * se)
    assert out["hi"] == pytest.approx(out["diff"] + 1.96 * se, abs=0.25 * se)
    assert paired_bootstrap(a, b, n_boot=4000, seed=3) == out  # seeded


def test_paired_bootstrap_limits():
    same = np.array([1.0, 2.0, 5.0, 1.0])
    assert paired_bootstrap(same, same, n_boot=200) == {"diff": 0.0, "lo": 0.0, "hi": 0.0, "p_le_0": 1.0, "triples": 2}
    better = paired_bootstrap(np.ones(6), np.full(6, 2.0), n_boot=200)
    assert better["lo"] == better["hi"] == 0.5 and better["p_le_0"] == 0.0
    with pytest.raises(ValueError):
        paired_bootstrap(np.ones(3), np.ones(3))


# --------------------------------------------------------------------------- NaN scores, KG inputs, counts


def write_kg(folder, train, valid, test):
    folder.mkdir(parents=True)
    for name, rows in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows))
    return folder


def test_nan_scores_never_help():
    data = KGData("toy", 4, 1, np.array([[0, 0, 1]]), np.zeros((0, 3), int), np.array([[0, 0, 3]]),
                  ["a", "b", "c", "d"], ["r"])
    known, q = known_answers(data), np.array([[0, 0, 3]])  # candidates a, c, d (b is filtered)
    nan = float("nan")
    # a NaN target: the worst rank, the number of candidates (not 0.5, which gave MRR 2 and Hits@1 1)
    assert filtered_ranks(np.array([[1.0, 9.0, 2.0, nan]]), q, known).tolist() == [3.0]
    assert filtered_ranks(np.full((1, 4), nan), q, known).tolist() == [3.0]
    # a NaN candidate counts as above a finite target
    assert filtered_ranks(np.array([[nan, 9.0, 0.0, 5.0]]), q, known).tolist() == [2.0]
    assert filtered_ranks(np.array([[nan, 9.0, nan, 5.0]]), q, known).tolist() == [3.0]
    assert filtered_ranks(np.array([[5.0, 9.0, nan, 5.0]]), q, known).tolist() == [2.5]  # tie + NaN above
    m = ranking_metrics(filtered_ranks(np.full((1, 4), nan), q, known))
    assert m["mrr"] == pytest.approx(1 / 3) and m["hits@1"] == 0.0


def test_filtered_ranking_with_nan_matches_pessimistic_brute_force(random_kg):
    data = KGData.from_path(random_kg)
    queries = data.with_inverse(data.test)
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 4, size=(len(queries), data.num_entities)).astype(float)
    scores[rng.random(scores.shape) < 0.2] = np.nan
    ranks = filtered_ranks(scores, queries, known_answers(data))
    assert np.isnan(scores[np.arange(len(queries)), queries[:, 2]]).any()
    for i, (h, r, t) in enumerate(queries.tolist()):
        if np.isnan(scores[i][t]):  # the number of candidates: all tied would rank 1 + (n - 1) / 2
            assert ranks[i] == 2 * brute_rank(np.zeros(data.num_entities), h, r, t, data) - 1
        else:  # NaN candidates above every finite score
            assert ranks[i] == brute_rank(np.where(np.isnan(scores[i]), np.inf, scores[i]), h, r, t, data)


def test_from_path_reads_a_csv_of_triples_as_a_kg(tmp_path):
    p = tmp_path / "train.csv"
    p.write_text("head,relation,tail\np066,motherOf,p134\np134,sonOf,p066\n")
    data = KGData.from_path(p)  # was sent to the traffic reader: "cost 'p134' is not a number"
    assert data.num_entities == 2 and data.relation_names == ["motherOf", "sonOf"] and len(data.train) == 2
    d = tmp_path / "kg"
    d.mkdir()
    for split, rows in (("train", "p066,motherOf,p134\np134,sonOf,p066\n"), ("valid", "p066,motherOf,p134\n"),
                        ("test", "p134,sonOf,p066\n")):
        (d / f"{split}.csv").write_text(rows)
    data = KGData.from_path(d)
    assert (len(data.train), len(data.valid), len(data.test)) == (2, 1, 1)


def test_counts_on_the_data_object_and_dedup_of_old_graph_files(tmp_path):
    from graphroute.graphs import save_graph
    from graphroute.graphs.kg import read_kg

    d = write_kg(tmp_path / "kg", [("a", "r", "b"), ("b", "r", "c"), ("a", "r", "b")],
                 [("b", "r", "c"), ("a", "r", "c")], [("c", "r", "x"), ("c", "r", "x")])
    data = KGData.from_path(d)
    assert data.meta["duplicates_removed"] == {"train": 1, "valid": 0, "test": 1}
    assert data.meta["also_in_train"] == {"valid": 1, "test": 0}
    assert data.meta["unseen_in_train"] == {"valid": 0, "test": 1}
    assert len(data.warnings()) == 3 and data.warnings()[0].startswith("2 repeated triple line(s) removed")
    src, dst, _ = data.graph_edges()  # a repeated training line is one message, not two
    assert len(set(zip(src.tolist(), dst.tolist()))) == len(src) == 4
    # a graph file written before the reader removed repeats: removed (and counted) on loading
    g = read_kg(d)
    g.extras["triples_train"] = np.concatenate([g.extras["triples_train"], g.extras["triples_train"][:1]])
    del g.meta["duplicates_removed"]
    old = KGData.from_path(save_graph(g, tmp_path / "old"))
    assert old.meta["duplicates_removed"]["train"] == 1 and len(old.train) == 2
    again = old.reindexed(list(reversed(old.entity_names)), old.relation_names)
    assert again.meta == old.meta and again.entity_ids == list(reversed(old.entity_ids))


def test_ambiguous_entity_name_is_an_error_and_ids_still_work(tmp_path):
    from graphroute.graphs import save_graph
    from graphroute.graphs.kg import read_kg

    d = write_kg(tmp_path / "kg", [("p1", "r", "p2"), ("p2", "r", "p3")], [("p1", "r", "p3")], [("p3", "r", "p1")])
    (tmp_path / "names.tsv").write_text("p1\tJohn Smith\np2\tJohn Smith\np3\tMary\n")
    data = KGData.from_path(save_graph(read_kg(d, names=tmp_path / "names.tsv"), tmp_path / "named"))
    with pytest.raises(UnknownNameError, match=r"entity name 'John Smith' is ambiguous: 2 entities have it "
                                               r"\(ids p1, p2\); give the id"):
        data.entity_index("John Smith")
    assert data.entity_index("Mary") == data.entity_index("p3") == 2 and data.entity_index("p2") == 1


def test_relation_named_like_an_inverse_in_a_graph_file_is_refused(tmp_path):
    from graphroute.exceptions import InvalidArgumentError
    from graphroute.graphs import save_graph
    from graphroute.graphs.kg import read_kg

    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tfatherOf\tb\nb\tsonOf\ta\n")
    g = read_kg(d)
    g.relation_names = ["fatherOf", "fatherOf^-1"]  # as a graph file written before read_kg refused it
    with pytest.raises(InvalidArgumentError, match=r"relation 'fatherOf\^-1' has the name of the inverse"):
        KGData.from_path(save_graph(g, tmp_path / "old"))


def test_from_path_refuses_other_graph_files(tmp_path):
    from graphroute.exceptions import InvalidArgumentError

    p = tmp_path / "city.osm.pbf"
    p.write_bytes(b"\x00\x00\x00\x0e\n\tOSMHeader")
    with pytest.raises(InvalidArgumentError, match="is not a knowledge graph: give a KG folder"):
        KGData.from_path(p)
