"""Knowledge graphs: published counts of the shared KGs, inverse edges, splits, bad lines."""

from __future__ import annotations

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.graphs import load_graph, save_graph
from graphroute.graphs.kg import read_kg


@pytest.mark.parametrize(
    "name,ents,rels,train",
    [("UMLS", 135, 46, 5216), ("Kinship", 104, 25, 8544), ("WN18RR", 40943, 11, 86835),
     ("FB15k-237", 14541, 237, 272115), ("DrugBank-DDI", 1710, 86, 134641)],
)
def test_shared_kgs(shared_data, name, ents, rels, train):
    g = read_kg(shared_data / "kg" / name)
    assert g.meta["num_entities"] == ents and g.meta["num_relations"] == rels
    assert g.n_edges == train == len(g.extras["triples_train"])
    assert g.meta["skipped_lines"] == 0


def test_wn18rr_ids_stay_strings(shared_data):
    g = read_kg(shared_data / "kg/WN18RR")
    assert g.node_label(0) == "00260881" and g.node_index("00260881") == 0


def test_drugbank_names(shared_data):
    g = read_kg(shared_data / "kg/DrugBank-DDI")
    assert g.node_index("DB00997") == g.node_index("Doxorubicin")


def test_tiny_kg_inverse_and_round_trip(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tlikes\tb\nb\tlikes\tc\n\nc\thates\ta\n")
    (d / "valid.txt").write_text("a\tlikes\tc\n")
    (d / "test.txt").write_text("c\tlikes\td\n")
    g = read_kg(d, inverse=True)
    assert g.meta["skipped_lines"] == 0 and g.meta["num_entities"] == 4
    assert g.relation_names == ["likes", "hates", "likes^-1", "hates^-1"]
    assert g.n_edges == 6
    arcs = {(g.node_label(u), g.relation_label(r), g.node_label(v))
            for u, v, r in zip(g.sources(), g.indices, g.edge_attrs["relation"])}
    assert ("b", "likes^-1", "a") in arcs and ("a", "hates^-1", "c") in arcs
    back = load_graph(save_graph(g, tmp_path / "g"))
    np.testing.assert_array_equal(back.extras["triples_test"], [[2, 0, 3]])
    assert back.relation_names == g.relation_names


def test_missing_kg(tmp_path):
    with pytest.raises(InvalidInstanceError, match="no train.txt"):
        read_kg(tmp_path)
    with pytest.raises(InvalidInstanceError, match="no such file"):
        read_kg(tmp_path / "nope")


def test_names_file_and_single_triples_file(tmp_path):
    from graphroute.graphs import read_any

    p = tmp_path / "triples.tsv"
    p.write_text("Q1\tP31\tQ5\nQ2\tP31\tQ5\n")
    (tmp_path / "names.tsv").write_text("Q1\taspirin\nQ5\theadache\n")
    g = read_kg(p, names=tmp_path / "names.tsv")
    assert [g.node_label(i) for i in range(3)] == ["aspirin", "headache", "Q2"]  # Q2 has no name: its id
    assert g.node_index("aspirin") == g.node_index("Q1") == 0
    assert read_any(p).n_edges == 2 and read_any(p).meta["triples"]["valid"] == 0


@pytest.mark.parametrize(
    "files,msg",
    [
        ({"node2id.json": "{bad", "train.txt": "0 1 3\n"}, "not a JSON object"),
        ({"node2id.json": '{"DB1": 0, "DB2": 1}', "train.txt": "0 1 x\n"}, "label 'x' is not an integer"),
        ({"node2id.json": '{"DB1": 0, "DB2": 1}', "train.txt": "0 5 3\n"}, "entity id 5 is not in node2id.json"),
    ],
)
def test_bad_sumgnn_folders_through_cli(tmp_path, files, msg):
    from typer.testing import CliRunner

    from graphroute_cli.main import app

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "o.graph.npz"
    res = CliRunner().invoke(app, ["graph", "build", "kg", str(tmp_path), "-o", str(out)])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_truncated_gzip_split(tmp_path, shared_data):
    raw = (shared_data / "kg/WN18RR/train.txt.gz").read_bytes()
    (tmp_path / "train.txt.gz").write_bytes(raw[:5000])
    with pytest.raises(InvalidInstanceError, match="cannot read"):
        read_kg(tmp_path)


def test_header_line_and_space_separated_triples(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.tsv").write_text("head\trelation\ttail\nnew york\tlocated in\tusa\nparis\tlocated in\tfrance\n")
    (d / "valid.txt").write_text("a r b\n")
    g = read_kg(d)
    assert g.meta["skipped_lines"] == 0 and g.n_edges == 2
    assert g.node_index("new york") == 0 and "head" not in g.node_ids.tolist()
    assert g.relation_names == ["located in", "r"] and g.meta["triples"]["valid"] == 1


@pytest.mark.parametrize("line", ["broken line", "a\tlikes", "a\tlikes\tb\tc", "a\t\tb", "a b c d"])
def test_malformed_triple_line_is_an_error(tmp_path, line):
    """A line that is not a triple names its file and line number instead of being dropped silently."""
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text(f"a\tlikes\tb\n{line}\nb\tlikes\tc\n")
    with pytest.raises(InvalidInstanceError, match=r"train.txt line 2: expected head, relation and tail"):
        read_kg(d)


def test_unreadable_names_file_is_an_error(tmp_path):
    d = tmp_path / "kg"
    d.mkdir()
    (d / "train.txt").write_text("a\tlikes\tb\n")
    (tmp_path / "names.tsv").write_bytes(b"a\t\xff\xfe\n")
    with pytest.raises(InvalidInstanceError, match="cannot read the names file"):
        read_kg(d, names=tmp_path / "names.tsv")
    with pytest.raises(InvalidInstanceError, match="cannot read the names file"):
        read_kg(d, names=tmp_path / "missing.tsv")


# --------------------------------------------------------------------------- formats a new KG may come in


def _kg(tmp_path, train, valid="", test="", suffix=".txt", name="kg"):
    d = tmp_path / name
    d.mkdir()
    for split, text in (("train", train), ("valid", valid), ("test", test)):
        if text:
            p = d / f"{split}{suffix}"
            (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
    return d


def _named(g, split="train"):
    return [(g.node_ids[h], g.relation_names[r], g.node_ids[t]) for h, r, t in g.extras[f"triples_{split}"].tolist()]


@pytest.mark.parametrize("text", [
    "p066\tmotherOf\tp134 \np134\tsonOf\tp066\n",        # a trailing space
    "p066 \t motherOf \t p134\np134\tsonOf\tp066\n",     # spaces around every field
    "p066\tmotherOf\tp134\t\np134\tsonOf\tp066\n",       # a trailing tab
    " p066\tmotherOf\tp134\r\np134\tsonOf\tp066\r\n",    # a leading space, CRLF
])
def test_spaces_around_fields_are_not_part_of_names(tmp_path, text):
    g = read_kg(_kg(tmp_path, text))
    assert g.meta["num_entities"] == 2 and g.meta["num_relations"] == 2
    assert _named(g) == [("p066", "motherOf", "p134"), ("p134", "sonOf", "p066")]


def test_inner_spaces_of_names_stay(tmp_path):
    g = read_kg(_kg(tmp_path, " new  york \t located in\t usa \n"))
    assert _named(g) == [("new  york", "located in", "usa")]


def test_byte_order_mark_is_dropped_also_before_a_header_and_in_gzip(tmp_path):
    import gzip

    text = "\ufeffhead\trelation\ttail\np066\tmotherOf\tp134\n"
    d = _kg(tmp_path, text.encode("utf-8"), valid="\ufeffp134\tsonOf\tp066\n".encode("utf-8"))
    (d / "test.txt.gz").write_bytes(gzip.compress("\ufeffp066\tmotherOf\tp134\n".encode("utf-8")))
    g = read_kg(d)
    assert g.node_ids.tolist() == ["p066", "p134"] and g.meta["header_lines"] == {"train": "head\trelation\ttail"}
    assert g.meta["triples"] == {"train": 1, "valid": 1, "test": 1}


@pytest.mark.parametrize("header", [
    "head\trelation\ttail", "source\tmetaedge\ttarget", "head_entity\trelation\ttail_entity",
    "Subject\tPredicate\tObject", "src\trel\tdst", "from\tedge_type\tto", "head_id,relation_label,tail_id",
    "h r t", "Head Entity\tRelation\tTail Entity",
])
def test_header_vocabularies(tmp_path, header):
    g = read_kg(_kg(tmp_path, f"\n{header}\np066\tmotherOf\tp134\n"))  # the first non-blank line
    assert _named(g) == [("p066", "motherOf", "p134")] and g.meta["header_lines"]["train"] == header


@pytest.mark.parametrize("first", ["source\tmotherOf\ttarget", "p066\trelation\tp134", "head\trelation\ttail\textra"])
def test_a_line_is_a_header_only_if_all_three_fields_are_column_names(tmp_path, first):
    text = f"{first}\np066\tmotherOf\tp134\n"
    if first.count("\t") == 3:
        with pytest.raises(InvalidInstanceError, match="line 1: expected head, relation and tail"):
            read_kg(_kg(tmp_path, text))
        return
    g = read_kg(_kg(tmp_path, text))
    assert g.n_edges == 2 and "header_lines" not in g.meta


def test_header_words_after_the_first_line_are_entities(tmp_path):
    g = read_kg(_kg(tmp_path, "p066\tmotherOf\tp134\nsource\tmetaedge\ttarget\n"))
    assert g.n_edges == 2 and "source" in g.node_ids.tolist()


@pytest.mark.parametrize("text,expected", [
    ("p066, motherOf, p134\n", ("p066", "motherOf", "p134")),
    ("p066,motherOf,p134\n", ("p066", "motherOf", "p134")),
    ("new york, located in, usa\n", ("new york", "located in", "usa")),
    ('"Smith, J.",knows,x\n', ("Smith, J.", "knows", "x")),
    ("aspirin,is used for,headache\n", ("aspirin", "is used for", "headache")),  # not split on its spaces
    ("Washington, D.C.\tcapitalOf\tusa\n", ("Washington, D.C.", "capitalOf", "usa")),  # tabs win
])
def test_comma_separated_triples(tmp_path, text, expected):
    assert _named(read_kg(_kg(tmp_path, text))) == [expected]


def test_the_separator_is_one_per_file(tmp_path):
    """Commas on every line: comma-separated, names keep their spaces (they were split on the spaces when
    that gave three fields: 'aspirin,is' 'used' 'for,headache'); a comma on some lines only: whitespace, the
    comma part of a name; a .csv file is comma-separated; a line in another separator than the file's is refused."""
    g = read_kg(_kg(tmp_path, "New York,capital_of,United States\nParis,capital_of,France\n"))
    assert _named(g) == [("New York", "capital_of", "United States"), ("Paris", "capital_of", "France")]
    assert _named(read_kg(_kg(tmp_path, "a,b r c\nd r e\n", name="w"))) == [("a,b", "r", "c"), ("d", "r", "e")]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "train.csv").write_text("head,relation,tail\nx y,r,z\n")
    assert _named(read_kg(tmp_path / "c")) == [("x y", "r", "z")]
    with pytest.raises(InvalidInstanceError, match=r"line 2: expected head, relation and tail \(tab-separated\), got 1"):
        read_kg(_kg(tmp_path, "a\tr\tb\nc r d\n", name="m"))


@pytest.mark.parametrize("line", ["a, b", "a,,c", "a, b, c, d"])
def test_bad_comma_separated_line_is_an_error(tmp_path, line):
    with pytest.raises(InvalidInstanceError, match=r"line 1: expected head, relation and tail \(comma-separated\)"):
        read_kg(_kg(tmp_path, f"{line}\n"))


def test_csv_folder_and_csv_file(tmp_path):
    from graphroute.graphs import read_any

    d = _kg(tmp_path, "head,relation,tail\np066,motherOf,p134\np134,sonOf,p066\n", "p066,motherOf,p134\n",
            "p134,sonOf,p066\n", suffix=".csv")
    g = read_kg(d)
    assert _named(g) == [("p066", "motherOf", "p134"), ("p134", "sonOf", "p066")]
    assert g.meta["triples"] == {"train": 2, "valid": 1, "test": 1}
    assert read_any(d / "train.csv").kind == "kg" and read_any(d / "valid.csv").n_edges == 1


@pytest.mark.parametrize("text,triples", [
    ("head,relation,tail\n1,2,3\n", True),            # a KG header decides
    ("p066,motherOf,p134\n", True),                   # a name where a cost would be
    ("a,r,b\nc,r,d\n", True),
    ("from,to,cost\n773869,767541,1390.4\n", False),  # DCRNN distances: header, then a number
    ("773869,767541,1390.4\n", False),
    ("p1,age,42\n", False),                           # numeric tails: ambiguous, left to traffic
    ("", False),
])
def test_csv_holds_triples(tmp_path, text, triples):
    from graphroute.graphs.kg import csv_holds_triples

    p = tmp_path / "x.csv"
    p.write_text(text)
    assert csv_holds_triples(p) is triples


def test_latin1_file_names_the_line(tmp_path):
    d = _kg(tmp_path, "p066\tmotherOf\tp134\nZo\xeb\tmotherOf\tp134\n".encode("latin-1"))
    with pytest.raises(InvalidInstanceError, match=r"train.txt line 2: not UTF-8 \(byte 0xeb at column 3\)"):
        read_kg(d)
    (tmp_path / "names.tsv").write_bytes("p066\tZo\xeb\n".encode("latin-1"))
    with pytest.raises(InvalidInstanceError, match=r"names.tsv line 1: not UTF-8"):
        read_kg(_kg(tmp_path, "p066\tmotherOf\tp134\n", name="kg2"), names=tmp_path / "names.tsv")


def _openke(tmp_path, train="3\n0 1 0\n1 2 1\n2 0 0\n", ents="3\nAlice\t0\nBob Ray\t1\ncarol\t2\n",
            rels="2\nknows\t0\nlikes\t1\n"):
    d = tmp_path / "openke"
    d.mkdir()
    (d / "entity2id.txt").write_text(ents)
    (d / "relation2id.txt").write_text(rels)
    (d / "train2id.txt").write_text(train)
    (d / "valid2id.txt").write_text("1\n0 2 1\n")
    (d / "test2id.txt").write_text("1\n2 1 1\n")
    return d


def test_openke_layout(tmp_path):
    g = read_kg(_openke(tmp_path))
    assert g.meta["layout"] == "openke" and g.node_ids.tolist() == ["Alice", "Bob Ray", "carol"]
    assert g.relation_names == ["knows", "likes"]
    # "h t r": 1 2 1 is Bob Ray -likes-> carol
    assert _named(g) == [("Alice", "knows", "Bob Ray"), ("Bob Ray", "likes", "carol"), ("carol", "knows", "Alice")]
    assert _named(g, "valid") == [("Alice", "likes", "carol")] and _named(g, "test") == [("carol", "likes", "Bob Ray")]


@pytest.mark.parametrize("kw,msg", [
    ({"train": "4\n0 1 0\n1 2 1\n2 0 0\n"}, "announces 4 entries, the file has 3"),
    ({"train": "0 1 0\n"}, "line 1: expected the number of lines that follow"),
    ({"train": "1\n0 5 0\n"}, "line 2: entity id 5 is not in entity2id.txt"),
    ({"train": "1\n0 1 knows\n"}, "expected three integer ids 'head tail relation'"),
    ({"ents": "2\nAlice\t0\nBob\t0\n"}, "id 0 is given to 'Alice' and 'Bob'"),
    ({"rels": "2\nknows\t0\nlikes\t2\n"}, "ids must run 0..1; 1 is missing"),
])
def test_bad_openke_files(tmp_path, kw, msg):
    with pytest.raises(InvalidInstanceError, match=msg):
        read_kg(_openke(tmp_path, **kw))


def test_duplicates_leakage_and_unseen_are_counted(tmp_path):
    from graphroute.graphs.kg import kg_warnings

    d = _kg(tmp_path, "a\tr\tb\nb\tr\tc\na\tr\tb\nc\tr\ta\n",
            valid="a\tr\tc\nb\tr\tc\n",                      # b r c is a training triple
            test="c\tr\tb\nc\tr\tb\nd\tr\ta\na\ts\tb\n")     # a repeated line; d and s never occur in train
    g = read_kg(d)
    assert g.meta["duplicates_removed"] == {"train": 1, "valid": 0, "test": 1}
    assert g.meta["also_in_train"] == {"valid": 1, "test": 0}
    assert g.meta["unseen_in_train"] == {"valid": 0, "test": 2}
    assert g.n_edges == 3 and _named(g) == [("a", "r", "b"), ("b", "r", "c"), ("c", "r", "a")]  # first kept, in order
    assert _named(g, "test") == [("c", "r", "b"), ("d", "r", "a"), ("a", "s", "b")]
    assert g.meta["triples"] == {"train": 3, "valid": 2, "test": 3}
    assert kg_warnings(g.meta) == [
        "2 repeated triple line(s) removed (1 train, 1 test); each triple is kept once",
        "1 valid/test triple(s) (1 valid, 0 test) are also training triples; kept and ranked (a model that "
        "memorises train ranks them first)",
        "2 valid/test triple(s) (0 valid, 2 test) have an entity or relation that no training triple has; kept "
        "and ranked, as ConvE and NBFNet do (no model has learned them)",
    ]
    assert kg_warnings(read_kg(_kg(tmp_path, "a\tr\tb\n", "b\tr\ta\n", name="clean")).meta) == []


def test_relation_named_like_an_inverse_is_refused(tmp_path):
    d = _kg(tmp_path, "a\tfatherOf\tb\nb\tfatherOf^-1\ta\n")
    with pytest.raises(InvalidInstanceError, match=r"relation 'fatherOf\^-1' has the name graphroute gives the "
                                                   r"inverse of relation 'fatherOf'"):
        read_kg(d)
    assert read_kg(_kg(tmp_path, "a\tfatherOf^-1\tb\n", name="alone")).relation_names == ["fatherOf^-1"]


def test_shared_display_names_and_numeric_ids_are_flagged(tmp_path):
    from graphroute.graphs.kg import kg_warnings

    d = _kg(tmp_path, "1\t7\t2\n2\t7\t3\n")
    (tmp_path / "names.tsv").write_text("\ufeff1 \tJohn Smith\n2\tJohn Smith\n3\tMary\n")
    g = read_kg(d, names=tmp_path / "names.tsv")
    assert [g.node_label(i) for i in range(3)] == ["John Smith", "John Smith", "Mary"]
    assert g.meta["shared_names"] == 1 and g.meta["numeric_names"] is True
    assert kg_warnings(g.meta)[0].startswith("every entity and relation name is an integer")
    assert kg_warnings(g.meta)[1] == "1 display name(s) belong to more than one entity; look those entities up by id"


def test_an_id_named_twice_in_the_names_file_is_refused(tmp_path):
    """'a X' then 'a Y': the last name won silently (meta said 1 line of 2); the same name twice is fine."""
    p = tmp_path / "triples.tsv"
    p.write_text("a\tr\tb\n")
    (tmp_path / "names.tsv").write_text("a\tX\nb\tB\na\tY\n")
    with pytest.raises(InvalidInstanceError, match=r"^cannot read the names file names.tsv line 3: id 'a' is named "
                                                   r"'Y', but line 1 names it 'X'; give each id one name$"):
        read_kg(p, names=tmp_path / "names.tsv")
    (tmp_path / "names.tsv").write_text("a\tX\na\tX\n")
    assert read_kg(p, names=tmp_path / "names.tsv").node_label(0) == "X"
