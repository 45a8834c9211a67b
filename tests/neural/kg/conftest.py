"""Tiny knowledge graphs written as ConvE-layout folders (train/valid/test .txt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_kg(folder: Path, train, valid, test) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows))
    return folder


def random_triples() -> list[tuple[str, str, str]]:
    """60 distinct seeded triples over 12 entities ``e0..e11`` and 3 relations ``r0..r2``, sorted."""
    rng = np.random.default_rng(0)
    rows = set()
    while len(rows) < 60:
        h, t = rng.choice(12, 2, replace=False)
        rows.add((f"e{h}", f"r{rng.integers(3)}", f"e{t}"))
    return sorted(rows)


@pytest.fixture
def random_kg(tmp_path) -> Path:
    """12 entities, 3 relations, 60 random triples (48 / 6 / 6)."""
    rows = random_triples()
    return write_kg(tmp_path / "random_kg", rows[:48], rows[48:54], rows[54:])


def family_triples() -> list[tuple[str, str, str]]:
    """Three generations: 2 roots with 3 children each, each child with 2 children; parent_of and
    grandparent_of (= parent_of . parent_of)."""
    rows = []
    for g in range(2):
        for c in range(3):
            child = f"c{g}{c}"
            rows.append((f"g{g}", "parent_of", child))
            for k in range(2):
                rows.append((child, "parent_of", f"k{g}{c}{k}"))
                rows.append((f"g{g}", "grandparent_of", f"k{g}{c}{k}"))
    return rows


@pytest.fixture
def family_kg(tmp_path) -> Path:
    """The family KG with two grandparent triples held out for valid and two for test."""
    rows = family_triples()
    held = [r for r in rows if r[1] == "grandparent_of"]
    valid, test = held[:2], [held[5], held[11]]
    train = [r for r in rows if r not in valid and r not in test]
    return write_kg(tmp_path / "family_kg", train, valid, test)
