"""TrainConfig: YAML loading and messages that name the bad key."""

from __future__ import annotations

import re
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


@pytest.mark.parametrize("changes, key", [
    ({"grad_clip": -1}, "grad_clip"),
    ({"tanh_clip": 0}, "tanh_clip"),
    ({"tanh_clip": -2.5}, "tanh_clip"),
    ({"num_heads": 0}, "num_heads"),
    ({"num_heads": -4}, "num_heads"),
    ({"ff_dim": -5}, "ff_dim"),
    ({"ff_dim": 0}, "ff_dim"),
    ({"weight_decay": -1}, "weight_decay"),
    ({"threads": -2}, "threads"),
    ({"threads": 0}, "threads"),
    ({"seed": -1}, "seed"),
    ({"val_seed": -5}, "val_seed"),
    ({"val_seed": 2**32 - 2, "val_size": 8}, "val_seed"),
    ({"embed_dim": 30, "num_heads": 4}, "embed_dim"),
    ({"lr": float("inf")}, "lr"),
    ({"lr": "nan"}, "lr"),
    ({"lr": "fast"}, "lr"),
    ({"problem": "atsp", "distribution": "clustered"}, "distribution"),
    ({"problem": "acvrp", "distribution": "mixed"}, "distribution"),
])
def test_every_range_is_checked_with_the_key_named(changes, key):
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        TrainConfig.from_dict(changes)


def test_float_keys_take_numbers_written_as_text(tmp_path):
    """YAML reads 1e-4 (no dot) as a string: ``--set lr=1e-4`` and ``lr: 1e-4`` both mean 0.0001."""
    from graphroute.neural.config import parse_overrides

    assert TrainConfig.from_dict(parse_overrides(["lr=1e-4", "weight_decay=1e-6"])).lr == 1e-4
    p = tmp_path / "c.yaml"
    p.write_text("lr: 1e-4\ngrad_clip: 5e-1\ntanh_clip: 1e1\n")
    cfg = TrainConfig.from_yaml(p)
    assert (cfg.lr, cfg.grad_clip, cfg.tanh_clip) == (1e-4, 0.5, 10.0) and isinstance(cfg.lr, float)
    with pytest.raises(ConfigError, match="'steps' must be int"):
        TrainConfig.from_dict({"steps": "1e3"})  # only float keys read text


def test_no_clipping_is_null_or_zero():
    assert TrainConfig.from_dict({"grad_clip": None}).grad_clip is None
    assert TrainConfig.from_dict({"grad_clip": 0}).grad_clip == 0


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_file_is_an_error(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=f"config file {p} is empty"):
        TrainConfig.from_yaml(p)


@pytest.mark.parametrize("name, hint", [
    ("router_tiny.yaml", r"this looks like a router config \(task: router\): pass --task router"),
    ("kg_tiny.yaml", r"this looks like a kg config \(keys data, model, dim, epochs\): pass --task kg"),
])
def test_a_config_of_another_task_names_it(name, hint):
    path = Path(__file__).resolve().parents[2] / "experiments" / "configs" / name
    with pytest.raises(ConfigError, match=hint):
        TrainConfig.from_yaml(path)


@pytest.mark.parametrize("task, name, hint", [
    ("kg", "router_tiny.yaml", r"this looks like a router config \(task: router\): pass --task router"),
    ("kg", "test_tiny.yaml", r"this looks like a vrp config \(keys name, .*\): pass --task vrp"),
    ("router", "test_tiny.yaml", r"this looks like a vrp config \(keys name, .*\): pass --task vrp"),
    ("router", "kg_tiny.yaml", r"this looks like a kg config \(keys data, .*\): pass --task kg"),
])
def test_the_router_and_kg_tasks_name_the_task_of_another_config(task, name, hint):
    """Only --task vrp named the other task; --task kg with a router config said "unknown config key 'task'"."""
    from graphroute.neural.kg.train import KGConfig
    from graphroute.neural.router.train import RouterConfig

    path = Path(__file__).resolve().parents[2] / "experiments" / "configs" / name
    with pytest.raises(ConfigError, match=hint):
        (KGConfig if task == "kg" else RouterConfig).from_yaml(path)


def test_each_task_reads_its_own_configs():
    from graphroute.neural.kg.train import KGConfig
    from graphroute.neural.router.train import RouterConfig

    configs = Path(__file__).resolve().parents[2] / "experiments" / "configs"
    for p in configs.glob("*.yaml"):
        cls = KGConfig if p.name.startswith("kg_") else RouterConfig if p.name.startswith("router_") else TrainConfig
        cls.from_yaml(p)


def test_a_typo_in_a_vrp_config_is_not_taken_for_another_task(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("problem: tsp\nlayers: 3\n")  # 'layers' is a kg key, 'problem' is not
    with pytest.raises(ConfigError, match="unknown config key 'layers'"):
        TrainConfig.from_yaml(p)


# --- the file itself: one reader for every task's config (load_yaml_config) ---------------------------------


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe s\x00t\x00", "not UTF-8 text (byte 0)"),  # UTF-16: used to raise UnicodeDecodeError raw
    (b"steps: 3\nlr: 0.1\nsteps: 4\n", "key 'steps' given twice (line 3)"),  # YAML keeps the last silently
    (b"steps: [1\n", "not valid YAML"),
    (b"# nothing\n", "is empty"),
])
def test_a_bad_config_file_is_one_config_error_for_every_task(tmp_path, data, message):
    from graphroute.neural.kg.train import KGConfig
    from graphroute.neural.router.train import RouterConfig

    path = tmp_path / "c.yaml"
    path.write_bytes(data)
    for read in (TrainConfig.from_yaml, KGConfig.from_yaml, RouterConfig.from_yaml):
        with pytest.raises(ConfigError, match=re.escape(message)):
            read(path)


def test_a_byte_order_mark_and_repeated_keys_in_separate_mappings_are_fine(tmp_path):
    from graphroute.neural.config import load_yaml_config

    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbfsteps: 3\nval: {a: 1}\nother: {a: 2}\n")
    assert load_yaml_config(path) == {"steps": 3, "val": {"a": 1}, "other": {"a": 2}}
    with pytest.raises(ConfigError, match="is a directory"):
        load_yaml_config(tmp_path)
