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
