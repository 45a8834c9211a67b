"""diverse_k_paths / path_overlap argument checks: a relations array must have one id per edge, and
path_overlap says why it cannot take the relations measure instead of calling it unknown."""

from __future__ import annotations

import pytest

from graphroute.exceptions import InvalidArgumentError
from graphroute.paths.dijkstra import Path
from graphroute.paths.diverse import diverse_k_paths, path_overlap

# 0->1, 0->2, 1->3, 2->3
G = ([0, 2, 3, 4, 4], [1, 2, 3, 3], [1.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("relations", [[0], [0, 1, 2, 3, 4]])
def test_relations_of_the_wrong_length_are_refused_naming_both_lengths(relations):
    with pytest.raises(InvalidArgumentError, match=f"relations has {len(relations)} values for 4 edges"):
        diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=relations)


def test_relations_of_the_wrong_shape_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"relations must be a 1-D array.*shape \[2, 2\]"):
        diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[[0, 1], [2, 3]])


def test_relations_of_the_right_length_still_work():
    assert len(diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[0, 0, 1, 1])) == 1  # both read "0 1"
    paths = diverse_k_paths(*G, 0, 3, 2, measure="relations", relations=[0, 1, 1, 1])
    assert sorted(p.nodes for p in paths) == [(0, 1, 3), (0, 2, 3)]


def test_path_overlap_explains_that_relations_belong_to_diverse_k_paths():
    p = Path((0, 1), (0,), 1.0)
    with pytest.raises(InvalidArgumentError, match="diverse_k_paths") as info:
        path_overlap(p, p, "relations")
    assert "unknown" not in str(info.value)
    with pytest.raises(InvalidArgumentError, match="unknown overlap measure 'cosine'; available: jaccard, length, nodes"):
        path_overlap(p, p, "cosine")
