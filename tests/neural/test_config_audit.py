"""TrainConfig checks a mutation audit of graphroute/neural/config.py found unpinned: the lower and upper
bound of every range (each side of each boundary), POMO's defaults, the type checks of int, float and
str keys (booleans are not numbers), the 64-bit integer limit at its exact edge, ``--set`` without a
key, and :func:`floats_from_text` converting only finite numbers of float-typed keys."""

from __future__ import annotations

import dataclasses

import pytest

from graphroute.exceptions import ConfigError, InvalidArgumentError
from graphroute.neural.config import TrainConfig, floats_from_text, load_yaml_config, parse_overrides
from graphroute.solvers import MAX_SEED

BIG = 2**63 - 1  # the largest integer torch and numpy take


@pytest.mark.parametrize("key, bad, good", [
    ("task", "kg", "vrp"),
    ("size", 1, 2),
    ("embed_dim", 0, 8),
    ("num_layers", 0, 1),
    ("batch_size", 0, 1),
    ("num_starts", 0, 1),
    ("num_starts", 21, 20),  # size 20: every node may start
    ("steps", 0, 1),
    ("lr", 0.0, 1e-9),
    ("weight_decay", -1e-9, 0.0),
    ("lr_decay_at", 0.0, 0.01),
    ("lr_decay_at", 1.0, 0.99),
    ("seed", MAX_SEED + 1, MAX_SEED),
    ("val_size", -1, 0),
    ("val_every", 0, 1),
    ("checkpoint_every", 0, 1),
    ("log_every", 0, 1),
])
def test_each_bound_refuses_just_outside_and_accepts_just_inside(key, bad, good):
    base = {"embed_dim": 8, "num_heads": 2} if key == "embed_dim" else {}
    assert getattr(TrainConfig.from_dict({**base, key: good}), key) == good
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        TrainConfig.from_dict({**base, key: bad})


def test_the_validation_seeds_may_end_exactly_at_max_seed():
    """The validation set uses seeds val_seed .. val_seed + val_size - 1, each at most MAX_SEED."""
    assert TrainConfig.from_dict({"val_size": 8, "val_seed": MAX_SEED - 7}).val_seed == MAX_SEED - 7
    with pytest.raises(ConfigError, match="config key 'val_seed'"):
        TrainConfig.from_dict({"val_size": 8, "val_seed": MAX_SEED - 6})
    assert TrainConfig.from_dict({"val_size": 0, "val_seed": MAX_SEED}).val_seed == MAX_SEED
    assert TrainConfig.from_dict({"val_size": 1, "val_seed": MAX_SEED}).val_seed == MAX_SEED


def test_defaults_are_pomos_tsp20_setting():
    """POMO (Kwon et al., 2020), TSP20: 6 layers of 128-dim embeddings, 8 heads, 512 hidden, logits
    clipped at 10, batch 64, Adam lr 1e-4 and weight decay 1e-6; every node a start."""
    cfg = TrainConfig()
    assert (cfg.task, cfg.problem, cfg.size, cfg.distribution) == ("vrp", "tsp", 20, "uniform")
    assert (cfg.embed_dim, cfg.num_layers, cfg.num_heads, cfg.ff_dim, cfg.tanh_clip) == (128, 6, 8, 512, 10.0)
    assert (cfg.batch_size, cfg.num_starts, cfg.lr, cfg.weight_decay) == (64, None, 1e-4, 1e-6)
    assert (cfg.grad_clip, cfg.lr_decay_at, cfg.init_from) == (1.0, None, None)
    assert (cfg.amp, cfg.compile, cfg.threads) == (True, False, 1)


@pytest.mark.parametrize("key, value, kind", [
    ("steps", True, "int"),
    ("batch_size", True, "int"),
    ("num_starts", False, "int"),
    ("lr", True, "a finite float"),
    ("grad_clip", False, "a finite float"),
    ("name", 123, "str"),
    ("init_from", 5, "str"),
    ("problem", ["tsp"], "str"),
])
def test_booleans_are_not_numbers_and_text_keys_take_only_text(tmp_path, key, value, kind):
    with pytest.raises(ConfigError, match=f"config key '{key}' must be {kind}"):
        TrainConfig.from_dict({key: value})


def test_the_64_bit_integer_limit_is_inclusive(tmp_path):
    assert TrainConfig.from_dict({"steps": BIG}).steps == BIG
    for value in (BIG + 1, -(BIG + 1), 2**80):
        with pytest.raises(ConfigError, match="config key 'steps' must be an integer of at most"):
            TrainConfig.from_dict({"steps": value})
    p = tmp_path / "c.yaml"
    p.write_text(f"steps: {BIG}\n")
    assert load_yaml_config(p) == {"steps": BIG}  # every task's reader: the edge itself is fine
    p.write_text(f"seed: {BIG + 1}\n")
    with pytest.raises(ConfigError, match="config key 'seed' must be an integer of at most"):
        load_yaml_config(p)
    assert parse_overrides([f"steps={BIG}"]) == {"steps": BIG}
    with pytest.raises(InvalidArgumentError, match="integers are at most"):
        parse_overrides([f"steps={BIG + 1}"])


@pytest.mark.parametrize("item", ["=3", " =3", "steps"])
def test_set_needs_a_key_and_a_value(item):
    with pytest.raises(InvalidArgumentError, match="--set needs KEY=VALUE"):
        parse_overrides([item])


@dataclasses.dataclass
class _Cfg:
    lr: float = 1.0
    clip: float | None = None
    name: str = "x"
    steps: int = 1


def test_floats_from_text_converts_only_finite_numbers_of_float_keys():
    d = {"lr": "1e-3", "clip": "2", "name": "1e3", "steps": "10"}
    assert floats_from_text(d, _Cfg) == {"lr": 1e-3, "clip": 2.0, "name": "1e3", "steps": "10"}
    for text in ("inf", "-inf", "nan", "1e999"):
        assert floats_from_text({"lr": text}, _Cfg) == {"lr": text}  # left for the class to refuse


def test_a_kg_data_path_that_reads_as_a_number_stays_text():
    from graphroute.neural.kg.train import KGConfig

    cfg = KGConfig.from_dict({"data": "1e3", "lr": "1e-3"})
    assert cfg.data == "1e3" and cfg.lr == 1e-3
