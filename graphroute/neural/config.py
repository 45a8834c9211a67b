"""Typed training configuration loaded from YAML: ``TrainConfig.from_yaml(path)``.

Unknown keys and bad values raise :class:`~graphroute.exceptions.ConfigError` naming the key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from graphroute.exceptions import ConfigError

_PROBLEMS = ("tsp", "cvrp", "atsp", "acvrp")
_DISTRIBUTIONS = ("uniform", "clustered", "mixed")


@dataclass
class TrainConfig:
    """POMO training run. Defaults are POMO's TSP20 setting except the number of steps.

    A step is one batch of ``batch_size`` instances x ``num_starts`` rollouts (all nodes when None).
    """

    task: str = "vrp"
    name: str = "pomo"
    problem: str = "tsp"
    size: int = 20
    distribution: str = "uniform"
    # model
    embed_dim: int = 128
    num_layers: int = 6
    num_heads: int = 8
    ff_dim: int = 512
    tanh_clip: float = 10.0
    # optimisation
    batch_size: int = 64
    num_starts: int | None = None
    steps: int = 10_000
    lr: float = 1e-4
    weight_decay: float = 1e-6
    grad_clip: float | None = 1.0
    lr_decay_at: float | None = None  # fraction of steps after which lr is divided by 10
    seed: int = 1234
    init_from: str | None = None  # warm start: a checkpoint whose weights are loaded (same model shape)
    # validation and logging
    val_size: int = 256
    val_seed: int = 10_000_000
    val_every: int = 200
    checkpoint_every: int = 200
    log_every: int = 10
    # devices
    amp: bool = True  # bf16 autocast on CUDA (ignored on CPU)
    compile: bool = False  # torch.compile the encoder on CUDA
    threads: int | None = 1  # torch.set_num_threads on CPU; None leaves torch's default

    def __post_init__(self) -> None:
        checks = [
            ("task", self.task == "vrp", "must be 'vrp' for this config class"),
            ("problem", self.problem in _PROBLEMS, f"must be one of {', '.join(_PROBLEMS)}"),
            ("distribution", self.distribution in _DISTRIBUTIONS, f"must be one of {', '.join(_DISTRIBUTIONS)}"),
            ("size", self.size >= 2, "must be at least 2"),
            ("embed_dim", self.embed_dim > 0 and self.embed_dim % self.num_heads == 0,
             "must be positive and divisible by num_heads"),
            ("num_layers", self.num_layers >= 1, "must be at least 1"),
            ("batch_size", self.batch_size >= 1, "must be at least 1"),
            ("num_starts", self.num_starts is None or 1 <= self.num_starts <= self.size,
             f"must be between 1 and size ({self.size}) or null"),
            ("steps", self.steps >= 1, "must be at least 1"),
            ("lr", self.lr > 0, "must be positive"),
            ("lr_decay_at", self.lr_decay_at is None or 0 < self.lr_decay_at < 1, "must be in (0, 1) or null"),
            ("val_size", self.val_size >= 0, "must be >= 0"),
            ("val_every", self.val_every >= 1, "must be at least 1"),
            ("checkpoint_every", self.checkpoint_every >= 1, "must be at least 1"),
            ("log_every", self.log_every >= 1, "must be at least 1"),
        ]
        for key, ok, why in checks:
            if not ok:
                raise ConfigError(f"config key {key!r} {why}, got {getattr(self, key)!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "config") -> "TrainConfig":
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: expected a mapping of keys to values, got {type(d).__name__}")
        known = {f.name: f for f in fields(cls)}
        for key, value in d.items():
            if key not in known:
                raise ConfigError(f"{source}: unknown config key {key!r}; known keys: {', '.join(known)}")
            _check_type(key, value, known[key], source)
        return cls(**d)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "TrainConfig":
        import yaml

        p = Path(path)
        try:
            d = yaml.safe_load(p.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: not valid YAML ({exc})") from None
        return cls.from_dict(d, source=str(p))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


def _check_type(key: str, value: Any, f: dataclasses.Field, source: str) -> None:
    t = str(f.type)
    optional = "None" in t
    if value is None:
        if not optional:
            raise ConfigError(f"{source}: config key {key!r} may not be null")
        return
    if t.startswith("int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t.startswith("float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t.startswith("bool"):
        ok = isinstance(value, bool)
    elif t.startswith("str"):
        ok = isinstance(value, str)
    else:
        ok = True
    if not ok:
        raise ConfigError(f"{source}: config key {key!r} must be {t.split(' |')[0]}, got {value!r}")


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``--set KEY=VALUE`` items as a dict, each value read as YAML (``lr=1e-4``, ``concat_hidden=true``)."""
    import yaml

    from graphroute.exceptions import InvalidArgumentError

    sets: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InvalidArgumentError(f"--set needs KEY=VALUE, got {item!r}")
        sets[key.strip()] = yaml.safe_load(value)
    return sets
