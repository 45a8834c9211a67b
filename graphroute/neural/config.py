"""Typed training configuration loaded from YAML: ``TrainConfig.from_yaml(path)``.

Unknown keys and bad values raise :class:`~graphroute.exceptions.ConfigError` naming the key: every
numeric key is range-checked, float keys also take numbers written as text (YAML reads ``1e-4``
without a dot as a string), and an empty file or a config of another task is refused.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

from graphroute.exceptions import ConfigError

_PROBLEMS = ("tsp", "cvrp", "atsp", "acvrp")
_DISTRIBUTIONS = ("uniform", "clustered", "mixed")
_MATRIX_PROBLEMS = ("atsp", "acvrp")


@dataclass
class TrainConfig:
    """POMO training run. Defaults are POMO's TSP20 setting except the number of steps.

    A step is one batch of ``batch_size`` instances x ``num_starts`` rollouts (all nodes when None).
    Built directly or by :meth:`from_dict`, every key's type and range is checked:
    :class:`~graphroute.exceptions.ConfigError` names the key (an ``int`` key takes a Python ``int``,
    not a float or text; a float key also takes a number written as text, such as ``"1e-4"``).
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
        from graphroute.solvers import MAX_SEED

        for f in fields(self):  # the types first, as from_dict checks them (a float key also takes "1e-4")
            setattr(self, f.name, _check_type(f.name, getattr(self, f.name), f, "TrainConfig"))
        # (key, check, why): each check runs only after the ones above it passed (embed_dim % num_heads)
        checks: list[tuple[str, Callable[[], bool], str]] = [
            ("task", lambda: self.task == "vrp", "must be 'vrp' for this config class"),
            ("problem", lambda: self.problem in _PROBLEMS, f"must be one of {', '.join(_PROBLEMS)}"),
            ("distribution", lambda: self.distribution in _DISTRIBUTIONS,
             f"must be one of {', '.join(_DISTRIBUTIONS)}"),
            ("distribution", lambda: self.problem not in _MATRIX_PROBLEMS or self.distribution == "uniform",
             f"must be uniform for {self.problem} (MatNet-style matrices have no locations to cluster)"),
            ("size", lambda: self.size >= 2, "must be at least 2"),
            ("num_heads", lambda: self.num_heads >= 1, "must be at least 1"),
            ("embed_dim", lambda: self.embed_dim > 0 and self.embed_dim % self.num_heads == 0,
             f"must be positive and divisible by num_heads ({self.num_heads})"),
            ("num_layers", lambda: self.num_layers >= 1, "must be at least 1"),
            ("ff_dim", lambda: self.ff_dim >= 1, "must be at least 1"),
            ("tanh_clip", lambda: _finite(self.tanh_clip) and self.tanh_clip > 0, "must be a positive number"),
            ("batch_size", lambda: self.batch_size >= 1, "must be at least 1"),
            ("num_starts", lambda: self.num_starts is None or 1 <= self.num_starts <= self.size,
             f"must be between 1 and size ({self.size}) or null"),
            ("steps", lambda: self.steps >= 1, "must be at least 1"),
            ("lr", lambda: _finite(self.lr) and self.lr > 0, "must be a positive number"),
            ("weight_decay", lambda: _finite(self.weight_decay) and self.weight_decay >= 0, "must be a number >= 0"),
            ("grad_clip", lambda: self.grad_clip is None or (_finite(self.grad_clip) and self.grad_clip >= 0),
             "must be a positive number (the largest gradient norm), or 0 or null for no clipping"),
            ("lr_decay_at",
             lambda: self.lr_decay_at is None or (_finite(self.lr_decay_at) and 0 < self.lr_decay_at < 1),
             "must be in (0, 1) or null"),
            ("seed", lambda: 0 <= self.seed <= MAX_SEED, f"must be an integer in 0..{MAX_SEED}"),
            ("val_size", lambda: self.val_size >= 0, "must be >= 0"),
            ("val_seed", lambda: 0 <= self.val_seed <= MAX_SEED - max(self.val_size - 1, 0),
             f"must be an integer in 0..{MAX_SEED - max(self.val_size - 1, 0)} (the validation set uses seeds "
             f"val_seed .. val_seed + val_size - 1, each at most {MAX_SEED})"),
            ("val_every", lambda: self.val_every >= 1, "must be at least 1"),
            ("checkpoint_every", lambda: self.checkpoint_every >= 1, "must be at least 1"),
            ("log_every", lambda: self.log_every >= 1, "must be at least 1"),
            ("threads", lambda: self.threads is None or self.threads >= 1,
             "must be at least 1, or null (torch's default)"),
        ]
        for key, ok, why in checks:
            if not ok():
                raise ConfigError(f"config key {key!r} {why}, got {getattr(self, key)!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "config") -> "TrainConfig":
        """Check every key's type (numbers written as strings, such as ``1e-4`` which YAML reads as
        text, are accepted for float keys) and range; :class:`ConfigError` names the key."""
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: expected a mapping of keys to values, got {type(d).__name__}")
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in d.items():
            if key not in known:
                raise ConfigError(f"{source}: unknown config key {key!r}; known keys: {', '.join(known)}")
            values[key] = _check_type(key, value, known[key], source)
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> "TrainConfig":
        """The config of a YAML file (see :func:`read_config_file`), ``overrides`` replacing its keys."""
        p = Path(path)
        return cls.from_dict({**read_config_file(p), **(overrides or {})}, source=str(p))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


def read_config_file(path: str | Path, task: str = "vrp") -> dict[str, Any]:
    """The mapping of a ``--task TASK`` YAML config file (``vrp``, ``router`` or ``kg``).

    Raises
    ------
    ConfigError
        The file is empty, is not valid YAML or not a mapping, or is a config of another task (it
        says ``task: router``; or all its keys are another task's and some are not this one's, such
        as a knowledge-graph config's ``data`` or ``dim`` for ``--task vrp``): the message names the
        ``--task`` to pass. A typo in a config of this task gets the plain unknown-key error.
    """
    p = Path(path)
    d = load_yaml_config(p)
    if not isinstance(d, dict):
        raise ConfigError(f"{p}: expected a mapping of keys to values, got {type(d).__name__}")
    declared = d.get("task", task)
    if declared != task and isinstance(declared, str) and declared in _TASKS:
        raise ConfigError(f"{p}: this looks like a {declared} config (task: {declared}): pass --task {declared}")
    unknown = [k for k in d if k not in _task_keys(task)]
    if unknown:  # every key is one of another task's
        for other in _TASKS:
            if other != task and set(d) <= _task_keys(other):
                raise ConfigError(f"{p}: this looks like a {other} config (keys {', '.join(map(str, unknown))}): "
                                  f"pass --task {other}")
    return d


#: ``graphroute train --task`` values and their config classes ("module:class")
_TASKS = {"vrp": "graphroute.neural.config:TrainConfig", "router": "graphroute.neural.router.train:RouterConfig",
          "kg": "graphroute.neural.kg.train:KGConfig"}


def _task_keys(task: str) -> set[str]:
    import importlib

    module, _, name = _TASKS[task].partition(":")
    try:
        return {f.name for f in fields(getattr(importlib.import_module(module), name))}
    except (ImportError, AttributeError, TypeError):  # the other task cannot load here: no hint
        return set()


#: Largest integer a config key may hold: the 64-bit integers torch and numpy take.
_MAX_INT = 2**63 - 1


def _finite(x: float) -> bool:
    return math.isfinite(x)


def _check_type(key: str, value: Any, f: dataclasses.Field, source: str) -> Any:
    """``value`` if it has the key's type (a float key also takes a finite number written as text,
    returned as float); else :class:`ConfigError`."""
    t = str(f.type)
    optional = "None" in t
    if value is None:
        if not optional:
            raise ConfigError(f"{source}: config key {key!r} may not be null")
        return value
    if t.startswith("int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and abs(value) > _MAX_INT:  # torch and numpy take 64-bit integers: a larger one is a traceback there
            raise ConfigError(f"{source}: config key {key!r} must be an integer of at most {_MAX_INT} in absolute "
                              f"value, got {value}")
    elif t.startswith("float"):
        if isinstance(value, str):  # YAML reads 1e-4 (no dot) as text
            try:
                value = float(value)
            except ValueError:
                pass
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif t.startswith("bool"):
        ok = isinstance(value, bool)
    elif t.startswith("str"):
        ok = isinstance(value, str)
    else:
        ok = True
    if not ok:
        kind = "a finite float" if t.startswith("float") else t.split(" |")[0]
        raise ConfigError(f"{source}: config key {key!r} must be {kind}, got {value!r}")
    return value


def floats_from_text(d: dict, cls: type) -> dict:
    """``d`` with the text values of ``cls``'s float-typed fields that read as finite numbers turned into
    floats (YAML reads ``1e-4``, without a dot, as text); other values are left for the class to check."""
    out = dict(d)
    for f in dataclasses.fields(cls):
        v = out.get(f.name)
        if isinstance(v, str) and str(f.type).startswith("float"):
            try:
                x = float(v)
            except ValueError:
                continue
            if math.isfinite(x):
                out[f.name] = x
    return out


def empty_config_error(path: Path) -> ConfigError:
    """The error for a config file that holds no keys."""
    return ConfigError(f"config file {path} is empty")


def load_yaml_config(path: str | Path) -> Any:
    """The YAML document of a training config file (``--task vrp``, ``kg`` and ``router`` alike).

    Raises
    ------
    ConfigError
        The file is missing, not UTF-8 text (a byte-order mark is allowed), not valid YAML, empty, or
        gives a key twice in one mapping (YAML would keep the last silently).
    """
    import yaml

    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {p} is a directory") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start})") from None

    class _Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the default constructor reports it
                repeated = False
            if repeated:
                raise ConfigError(f"{p}: key {key!r} given twice (line {key_node.start_mark.line + 1})")
        return loader.construct_mapping(node)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        obj = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc})") from None
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        raise ConfigError(f"{p}: YAML nested too deeply to read") from None
    if obj is None:
        raise empty_config_error(p)
    if isinstance(obj, dict):
        for key, value in obj.items():
            if _too_large_int(value):  # every task's trainer hands its integers to torch / numpy
                raise ConfigError(f"{p}: config key {key!r} must be an integer of at most {_MAX_INT} in absolute "
                                  f"value, got {value}")
    return obj


def _too_large_int(value: Any) -> bool:
    """Whether ``value`` is an integer beyond 64 bits (torch and numpy raise a traceback on it)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_INT


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``--set KEY=VALUE`` items as a dict, each value read as YAML (``lr=1e-4``, ``concat_hidden=true``)."""
    import yaml

    from graphroute.exceptions import InvalidArgumentError

    sets: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InvalidArgumentError(f"--set needs KEY=VALUE, got {item!r}")
        if key.strip() in sets:  # as in a config file: a key given twice is refused, not the last one kept
            raise InvalidArgumentError(f"--set {key.strip()} given twice")
        try:
            sets[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise InvalidArgumentError(f"--set {item}: the value is not valid YAML "
                                       f"({' '.join(str(getattr(exc, 'problem', None) or exc).split())}); "
                                       "quote it to pass text: --set 'name=\"[x\"'") from None
        except RecursionError:
            raise InvalidArgumentError(f"--set {key.strip()}=...: the value is nested too deeply to read") from None
        if _too_large_int(sets[key.strip()]):
            raise InvalidArgumentError(f"--set {item}: integers are at most {_MAX_INT} in absolute value")
    return sets
