"""TrainConfig built directly checks its keys' types as from_dict does, with the same messages."""

from __future__ import annotations

import pytest

from graphroute.exceptions import ConfigError
from graphroute.neural.config import TrainConfig


@pytest.mark.parametrize("key, value, kind", [
    ("size", "20", "int"),
    ("steps", 2.5, "int"),
    ("seed", True, "int"),
    ("amp", 1, "bool"),
    ("problem", 3, "str"),
    ("lr", "fast", "a finite float"),
    ("lr", float("nan"), "a finite float"),
    ("num_starts", 2.0, "int"),
])
def test_direct_construction_checks_types_like_from_dict(key, value, kind):
    with pytest.raises(ConfigError, match=f"^config: config key '{key}' must be {kind}, got ") as from_dict:
        TrainConfig.from_dict({key: value})
    with pytest.raises(ConfigError, match=f"^TrainConfig: config key '{key}' must be {kind}, got ") as direct:
        TrainConfig(**{key: value})
    assert str(direct.value).partition(": ")[2] == str(from_dict.value).partition(": ")[2]


def test_direct_construction_takes_what_from_dict_takes():
    assert TrainConfig(lr="1e-4") == TrainConfig.from_dict({"lr": "1e-4"}) == TrainConfig(lr=1e-4)
    assert TrainConfig(grad_clip=None, num_starts=None, threads=None, tanh_clip=10).tanh_clip == 10
    assert TrainConfig().replace(steps=2).steps == 2
    with pytest.raises(ConfigError, match="'steps' must be int"):
        TrainConfig().replace(steps=2.5)
