"""Instance generation beyond "seeded" (a mutation audit of graphroute/problems/generate.py): the limit
checks at their bounds (inclusive maxima, zero and booleans refused), the AM / POMO capacity rule
against an independent interpolation, an explicit capacity kept, TSP sizes without a depot, demands
spanning 1..9, clustered and mixed locations (clipped, several clusters, half uniform), and MatNet
matrices (asymmetric, closed under shortest paths, on the 1..10^6 scale)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems.generate import (
    MAX_ASYMMETRIC_SIZE,
    MAX_GENERATE_COUNT,
    MAX_GENERATE_SIZE,
    MAX_GENERATE_TOTAL,
    MAX_GENERATOR_SEED,
    capacity_for,
    check_generate_count,
    check_generate_size,
    check_generator_seed,
    generate,
)


# ------------------------------------------------------------------ limits, at their bounds
def test_seed_bounds():
    assert check_generator_seed(MAX_GENERATOR_SEED) == MAX_GENERATOR_SEED
    assert generate("tsp", 3, seed=MAX_GENERATOR_SEED).meta["seed"] == MAX_GENERATOR_SEED
    for bad in (MAX_GENERATOR_SEED + 1, -1, True, 1.0):
        with pytest.raises(InvalidInstanceError, match="seed must be an integer in 0.."):
            check_generator_seed(bad)
    with pytest.raises(InvalidInstanceError, match="seed must be an integer"):
        generate("tsp", 3, seed=True)


def test_size_bounds():
    assert check_generate_size(1) == 1 and check_generate_size(MAX_GENERATE_SIZE) == MAX_GENERATE_SIZE
    assert check_generate_size(MAX_ASYMMETRIC_SIZE, asymmetric=True) == MAX_ASYMMETRIC_SIZE
    with pytest.raises(InvalidInstanceError, match="size must be at least 1, got 0"):
        check_generate_size(0)
    with pytest.raises(InvalidInstanceError, match="size must be at least 1, got 0"):
        generate("tsp", 0)
    with pytest.raises(InvalidInstanceError, match="size must be an integer, got True"):
        check_generate_size(True)
    with pytest.raises(InvalidInstanceError, match="size must be at most 1,000,000, got 1,000,001"):
        check_generate_size(MAX_GENERATE_SIZE + 1)
    with pytest.raises(InvalidInstanceError, match="at most 2,000 for asymmetric instances"):
        check_generate_size(MAX_ASYMMETRIC_SIZE + 1, asymmetric=True)


def test_generate_applies_the_asymmetric_cap_itself(monkeypatch):
    """``generate`` (not only the CLI) refuses an asymmetric size above the cap, before any work."""
    gen = importlib.import_module("graphroute.problems.generate")  # the module: the package attribute is the function
    monkeypatch.setattr(gen, "MAX_ASYMMETRIC_SIZE", 5)
    assert generate("tsp", 5, asymmetric=True).n == 5
    with pytest.raises(InvalidInstanceError, match="at most 5 for asymmetric instances"):
        generate("tsp", 6, asymmetric=True)
    assert generate("tsp", 6).n == 6  # coordinates: no such cap


def test_count_bounds():
    assert check_generate_count(MAX_GENERATE_COUNT) == MAX_GENERATE_COUNT
    assert check_generate_count(10, MAX_GENERATE_TOTAL // 10) == 10  # exactly the total: allowed
    with pytest.raises(InvalidInstanceError, match="hold 10,000,001 locations"):
        check_generate_count(1, MAX_GENERATE_TOTAL + 1)
    with pytest.raises(InvalidInstanceError, match="count must be at most 100,000, got 100,001"):
        check_generate_count(MAX_GENERATE_COUNT + 1)
    with pytest.raises(InvalidInstanceError, match="count must be at least 1, got 0"):
        check_generate_count(0)


# ------------------------------------------------------------------ capacity and demands
def _capacity_reference(n: int) -> int:
    """Piecewise linear through (10, 20) (20, 30) (50, 40) (100, 50), flat outside, rounded half up."""
    return int(np.floor(np.interp(n, [10, 20, 50, 100], [20, 30, 40, 50]) + 0.5))


def test_capacity_rule_against_an_independent_interpolation():
    assert [capacity_for(n) for n in (1, 10, 11, 21, 22, 35, 77, 78, 100, 500)] == [20, 20, 21, 30, 31, 35, 45, 46, 50, 50]
    assert [capacity_for(n) for n in range(1, 201)] == [_capacity_reference(n) for n in range(1, 201)]


def test_cvrp_demands_capacity_and_tsp_size():
    tsp = generate("tsp", 7, seed=1)
    assert tsp.n == 7 and tsp.coords.shape == (7, 2) and tsp.demands is None
    assert generate("tsp", 7, seed=1, asymmetric=True).distances.shape == (7, 7)
    v = generate("cvrp", 3000, seed=2)
    assert v.n == 3001 and v.demands[0] == 0 and v.capacity == 50
    assert sorted(set(v.demands[1:].tolist())) == list(range(1, 10))  # uniform in 1..9: every value appears
    assert generate("cvrp", 10, seed=2, capacity=77).capacity == 77
    assert generate("cvrp", 10, seed=2).capacity == 20


def test_coordinate_instances_use_exact_euclidean_distances():
    inst = generate("tsp", 20, seed=4)
    assert inst.distance_type == "EXACT"
    c = inst.coords
    np.testing.assert_allclose(inst.distances, np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1)), rtol=0, atol=1e-12)
    assert not np.all(inst.distances == np.round(inst.distances))
    assert inst.name == "tsp20-uniform-s4"


# ------------------------------------------------------------------ location distributions
SEEDS = range(6)


@pytest.mark.parametrize("distribution", ["clustered", "mixed", "uniform"])
def test_locations_stay_in_the_unit_square(distribution):
    for seed in SEEDS:
        c = generate("tsp", 2000, seed=seed, distribution=distribution).coords
        assert c.min() >= 0.0 and c.max() <= 1.0


def test_clusters_are_tight_and_several():
    """Standard deviation 0.07 around each centre: only points of clusters near the border are clipped
    (at most ~14% here; a wide spread clips most). Several centres: the locations spread well beyond one
    cluster's 0.07 along some axis."""
    for seed in SEEDS:
        c = generate("tsp", 2000, seed=seed, distribution="clustered").coords
        assert np.mean((c == 0.0) | (c == 1.0)) < 0.2
        assert c.std(axis=0).max() > 0.12


def test_mixed_is_the_clustered_draw_with_half_the_nodes_uniform():
    """``mixed`` draws the clustered locations from the same seeded stream, then replaces each node with
    a uniform one with probability 1/2."""
    for seed in SEEDS:
        clustered = generate("tsp", 1000, seed=seed, distribution="clustered").coords
        mixed = generate("tsp", 1000, seed=seed, distribution="mixed").coords
        kept = np.all(mixed == clustered, axis=1).mean()
        assert 0.4 <= kept <= 0.6


# ------------------------------------------------------------------ MatNet matrices
def _floyd_warshall(d: np.ndarray) -> np.ndarray:
    d = d.copy()
    for k in range(len(d)):
        d = np.minimum(d, d[:, k, None] + d[None, k, :])
    return d


@pytest.mark.parametrize("problem,size", [("tsp", 20), ("cvrp", 15)])
def test_matnet_matrix_is_asymmetric_closed_and_on_scale(problem, size):
    m = generate(problem, size, seed=3, asymmetric=True).distances
    off = ~np.eye(len(m), dtype=bool)
    assert not np.array_equal(m, m.T)
    assert np.all(m.diagonal() == 0) and np.all(m[off] >= 1) and np.all(m == np.round(m))
    np.testing.assert_array_equal(_floyd_warshall(m), m)  # closed: no shorter path through a third node
    assert m[off].max() > 1_000  # arcs drawn in 1..10^6, not a small range
