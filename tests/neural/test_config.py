"""TrainConfig: YAML loading and messages that name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphroute.exceptions import ConfigError
from graphroute.neural.config import TrainConfig

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "experiments" / "configs").glob("*.yaml"))
VRP_CONFIGS = [p for p in CONFIGS if p.stem.startswith(("pomo_", "matnet_", "test_tiny"))]


@pytest.mark.parametrize("path", VRP_CONFIGS, ids=lambda p: p.stem)
def test_shipped_configs_load(path):
    cfg = TrainConfig.from_yaml(path)
    assert cfg.name == path.stem


@pytest.mark.parametrize("text, key", [
    ("problem: tsp\nembed_dims: 64\n", "embed_dims"),
    ("problem: vrptw\n", "problem"),
    ("size: twenty\n", "size"),
    ("lr: -1\n", "lr"),
    ("amp: 1\n", "amp"),
    ("size: 20\nnum_starts: 21\n", "num_starts"),
    ("embed_dim: 100\nnum_heads: 8\n", "embed_dim"),
    ("steps: null\n", "steps"),
])
def test_bad_keys_are_named(tmp_path, text, key):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=f"'{key}'"):
        TrainConfig.from_yaml(p)


def test_not_a_mapping(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        TrainConfig.from_yaml(p)
