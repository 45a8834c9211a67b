"""Training from Python leaves the caller's torch state as it found it.

The trainers seed torch's global generators (``torch.manual_seed``: weight initialisation and any
other draw from the default generator) and may set torch's CPU thread count (``threads`` in the
config). Called from a user's script or notebook, that reset the user's own random stream and thread
count as a side effect. :func:`keeps_caller_state` runs a trainer inside
:func:`torch.random.fork_rng` (the CPU generator and the CUDA generator of the device it trains on)
and puts the thread count back afterwards; the run itself is seeded exactly as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _cuda_devices(device: Any) -> list[int]:
    """The CUDA device index a run on ``device`` draws from ([] on the CPU, or a device the trainer refuses)."""
    import torch

    if not torch.cuda.is_available() or str(device) == "cpu":
        return []
    from graphroute.exceptions import GraphrouteError
    from graphroute.neural.train import _distributed_device, resolve_device

    try:
        dev = _distributed_device(resolve_device(str(device)))
    except GraphrouteError:  # the trainer refuses it in its own words
        return []
    if dev.type != "cuda":
        return []
    return [dev.index if dev.index is not None else torch.cuda.current_device()]


def keeps_caller_state(fn: F) -> F:
    """Decorate a trainer whose keyword-only ``device`` says where it runs (see the module docstring)."""
    default = inspect.signature(fn).parameters["device"].default

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import torch

        threads = torch.get_num_threads()
        try:
            with torch.random.fork_rng(devices=_cuda_devices(kwargs.get("device", default))):
                return fn(*args, **kwargs)
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)

    return wrapper  # type: ignore[return-value]
