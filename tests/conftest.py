"""Shared fixtures: the real benchmark data in ../shared/data (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
EXAMPLES = REPO / "data" / "examples"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared benchmark data not found at {SHARED_DATA} (clone it beside the repo)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(autouse=True, scope="session")
def _reference_cache_in_tmp(tmp_path_factory) -> None:
    """Reference costs computed by tests go to a temporary cache, not the user's ~/.cache."""
    import os

    os.environ.setdefault("GRAPHROUTE_REFERENCE_CACHE", str(tmp_path_factory.mktemp("cache") / "reference_costs.csv"))


def poison_optimizer_step(monkeypatch, call: int, value: float) -> None:
    """Make the ``call``-th ``torch.optim.Adam.step`` fill the first parameter with ``value`` (NaN or
    inf) after updating: weights that diverge while the loss that got them there was finite."""
    import torch

    real_step, calls = torch.optim.Adam.step, []

    def step(self, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = real_step(self, *args, **kw)
        calls.append(1)
        if len(calls) == call:
            with torch.no_grad():
                self.param_groups[0]["params"][0].fill_(value)
        return out

    monkeypatch.setattr(torch.optim.Adam, "step", step)


def ctrl_c_at(step: int, times: int = 1):  # noqa: ANN201
    """An ``on_progress`` callback that presses Ctrl-C (SIGINT to this process) ``times`` times after
    optimizer step ``step`` (progress rows carry ``"step"``)."""
    import signal

    def on_progress(m):  # noqa: ANN001, ANN202
        if m["step"] == step:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)  # this thread; the handler has run when it returns

    return on_progress
