"""Fixtures shared by the neural VRP tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def step_clock(monkeypatch):
    """train's clock reads the number of batches sampled so far (1 s per step): a time limit then
    stops at a known step."""
    from graphroute.neural import train as mod

    calls = [0]
    real = mod.sample_batch

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, "sample_batch", counted)
    monkeypatch.setattr(mod, "time", SimpleNamespace(perf_counter=lambda: float(calls[0])))
    return calls
