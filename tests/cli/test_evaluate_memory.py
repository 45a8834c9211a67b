"""graphroute evaluate --size 1000000: one line naming --size and the memory, not a process killed by
the system part way (Linux lets the allocations through, so no MemoryError handler ever ran). The
available memory is a fixed number here, and the work after the check is replaced by a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.cli._errors import one_line_error, run  # noqa: E402

CKPT = Path(__file__).resolve().parents[2] / "data" / "checkpoints" / "pomo_tsp20.pt"


@pytest.mark.skipif(not CKPT.is_file(), reason="no shipped checkpoints")
def test_a_size_that_cannot_fit_is_one_line_naming_size_and_the_memory(monkeypatch):
    from graphroute import memory
    from graphroute.neural import evaluate as ev

    def fail(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the run was not refused before the work")

    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 24 * 10**9)
    monkeypatch.setattr(ev, "eval_instances", fail)
    res = run("evaluate", "--checkpoint", CKPT, "--num", 2, "--size", 1_000_000, "--reference", "none")
    one_line_error(res, "error: decoding --size 1,000,000 (2 instances at a time", "TB of memory needed, 24 GB available",
                   "lower --size")
