"""predict checks its query at the boundary: head and relation are positions in range or names of the KG;
anything else is one InvalidArgumentError naming the argument, the value and the range (not an
IndexError or a ValueError from torch)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graphroute.exceptions import InvalidArgumentError, UnknownNameError  # noqa: E402
from graphroute.neural.kg.data import KGData  # noqa: E402
from graphroute.neural.kg.explain import predict  # noqa: E402
from graphroute.neural.kg.train import KGConfig, build_model  # noqa: E402


@pytest.fixture
def kg(random_kg):
    data = KGData.from_path(random_kg)  # 12 entities, 3 relations (6 with inverses)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = build_model(KGConfig(data=str(random_kg), dim=8, layers=2), data).eval()
    return model, data


@pytest.mark.parametrize("head, relation, match", [
    (10**6, 0, r"^head 1000000 is outside the entity positions 0\.\.11$"),
    (-1, 0, r"^head -1 is outside the entity positions 0\.\.11$"),
    (0, 999, r"^relation 999 is outside the relation positions 0\.\.5$"),
    (0, -1, r"^relation -1 is outside the relation positions 0\.\.5$"),
    (1.0, 0, r"^head must be an integer \(entity positions 0\.\.11\) or a name \(str\), got float 1\.0$"),
    (True, 0, r"^head must be an integer \(entity positions 0\.\.11\) or a name \(str\), got bool True$"),
    (0, None, r"^relation must be an integer \(relation positions 0\.\.5\) or a name \(str\), got NoneType None$"),
])
def test_bad_query_is_an_invalid_argument(kg, head, relation, match):
    model, data = kg
    with pytest.raises(InvalidArgumentError, match=match):
        predict(model, data, head, relation, top=2, paths=1)


def test_names_are_looked_up_in_the_kg(kg):
    model, data = kg
    h, r = data.entity_index("e1"), data.relation_index("r0^-1")
    by_position = predict(model, data, np.int64(h), r, top=3, paths=1)
    assert predict(model, data, "e1", "r0^-1", top=3, paths=1) == by_position
    with pytest.raises(UnknownNameError, match="unknown entity 'virus'"):
        predict(model, data, "virus", 0, top=2, paths=1)
    with pytest.raises(UnknownNameError, match="unknown relation 'likes'"):
        predict(model, data, 0, "likes", top=2, paths=1)


@pytest.mark.parametrize("top, paths", [(2.5, 1), ("3", 1), (2, 1.0)])
def test_top_and_paths_must_be_integers(kg, top, paths):
    model, data = kg
    with pytest.raises(InvalidArgumentError, match=r"top must be at least 1 and paths in 1\.\.100 \(integers\)"):
        predict(model, data, 0, 0, top=top, paths=paths)
