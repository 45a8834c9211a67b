"""Seeded instance generators (numpy): uniform, clustered and mixed locations; MatNet-style matrices.

Conventions follow Kool et al. (2019) and POMO (Kwon et al., 2020): locations in the unit square,
CVRP demands uniform in 1..9, capacity 30 / 40 / 50 for 20 / 50 / 100 customers. Clustered and mixed
locations follow the Omni-VRP generator (Zhou et al., 2023): Gaussian clusters around uniform
centres with standard deviation 0.07, clipped to the square; mixed draws each node uniform with probability 1/2 (about half of them).
Asymmetric instances follow MatNet (Kwon et al., 2021): uniform random arc lengths, then the
shortest-path closure so that the triangle inequality holds.
"""

from __future__ import annotations

import numpy as np

from graphroute.exceptions import InvalidInstanceError
from graphroute.problems.instance import Instance

DISTRIBUTIONS = ("uniform", "clustered", "mixed")


#: Largest generator seed (numpy takes any non-negative integer; JSON and SQLite hold int64).
MAX_GENERATOR_SEED = 2**63 - 1
#: Largest ``size`` (cities, or customers) of a generated instance: a million locations generate and write
#: in about two seconds (42 MB of JSON), far above any instance a solver here finishes; a hundred million
#: ran for minutes before anything was said.
MAX_GENERATE_SIZE = 1_000_000
#: Largest ``size`` of an asymmetric (MatNet) instance: its explicit ``n x n`` matrix is closed by
#: Floyd-Warshall, O(n^3): 2,000 takes about 5 s and 32 MB, 10,000 would take ten minutes and 800 MB.
MAX_ASYMMETRIC_SIZE = 2_000
#: Most instances of one generated set (``generate random --count``, ``compare --generate P:N:D:COUNT``),
#: and most locations in all of them together.
MAX_GENERATE_COUNT = 100_000
MAX_GENERATE_TOTAL = 10_000_000


def check_generator_seed(seed: object) -> int:
    """``seed`` if it is an integer in ``0..MAX_GENERATOR_SEED``; else :class:`InvalidInstanceError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_GENERATOR_SEED:
        raise InvalidInstanceError(f"seed must be an integer in 0..{MAX_GENERATOR_SEED}, got {seed!r}")
    return int(seed)


def check_generated_capacity(capacity: object) -> int:
    """``capacity`` if it is an integer >= 9, the largest demand the generators draw (1..9); else
    :class:`InvalidInstanceError`, before any work (a smaller one fails or not depending on the seed)."""
    if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) or capacity < 9:
        raise InvalidInstanceError(f"capacity must be an integer >= 9 (the largest generated demand), got {capacity!r}")
    return int(capacity)


def check_generate_size(size: object, asymmetric: bool = False) -> int:
    """``size`` if it is an integer in ``1..MAX_GENERATE_SIZE`` (``MAX_ASYMMETRIC_SIZE`` when
    ``asymmetric``); else :class:`InvalidInstanceError`, before any work."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise InvalidInstanceError(f"size must be an integer, got {size!r}")
    if size < 1:
        raise InvalidInstanceError(f"size must be at least 1, got {size}")
    if asymmetric and size > MAX_ASYMMETRIC_SIZE:
        raise InvalidInstanceError(f"size must be at most {MAX_ASYMMETRIC_SIZE:,} for asymmetric instances (an "
                                   f"explicit n x n matrix closed in O(n^3)), got {size:,}")
    if size > MAX_GENERATE_SIZE:
        raise InvalidInstanceError(f"size must be at most {MAX_GENERATE_SIZE:,}, got {size:,}")
    return int(size)


def check_generate_count(count: object, size: int = 1) -> int:
    """``count`` if it is an integer in ``1..MAX_GENERATE_COUNT`` and ``count`` instances of ``size``
    hold at most ``MAX_GENERATE_TOTAL`` locations; else :class:`InvalidInstanceError`, before any work."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise InvalidInstanceError(f"count must be an integer, got {count!r}")
    if count < 1:
        raise InvalidInstanceError(f"count must be at least 1, got {count}")
    if count > MAX_GENERATE_COUNT:
        raise InvalidInstanceError(f"count must be at most {MAX_GENERATE_COUNT:,}, got {count:,}")
    if count * size > MAX_GENERATE_TOTAL:
        raise InvalidInstanceError(f"{count:,} instances of size {size:,} hold {count * size:,} locations; at most "
                                   f"{MAX_GENERATE_TOTAL:,} in one set (lower the count or the size)")
    return int(count)


def capacity_for(num_customers: int) -> int:
    """AM / POMO capacity rule: 20 -> 30, 50 -> 40, 100 -> 50; linear in between, 50 above 100."""
    points = [(10, 20), (20, 30), (50, 40), (100, 50)]
    if num_customers <= points[0][0]:
        return points[0][1]
    for (n0, c0), (n1, c1) in zip(points[:-1], points[1:]):
        if num_customers <= n1:
            return int(round(c0 + (c1 - c0) * (num_customers - n0) / (n1 - n0)))
    return 50


def sample_locations(rng: np.random.Generator, n: int, distribution: str = "uniform") -> np.ndarray:
    """``[n, 2]`` locations in the unit square."""
    if distribution == "uniform":
        return rng.random((n, 2))
    if distribution == "clustered":
        k = int(rng.integers(3, 8))
        centres = rng.random((k, 2))
        which = rng.integers(0, k, size=n)
        return np.clip(centres[which] + rng.normal(0.0, 0.07, size=(n, 2)), 0.0, 1.0)
    if distribution == "mixed":
        locs = sample_locations(rng, n, "clustered")
        uni = rng.random(n) < 0.5
        locs[uni] = rng.random((int(uni.sum()), 2))
        return locs
    raise InvalidInstanceError(f"unknown distribution {distribution!r}; available: {', '.join(DISTRIBUTIONS)}")


def asymmetric_matrix(rng: np.random.Generator, n: int, scale: int = 1_000_000) -> np.ndarray:
    """MatNet-style ``[n, n]`` asymmetric integer matrix satisfying the triangle inequality."""
    from scipy.sparse.csgraph import shortest_path

    m = rng.integers(1, scale, size=(n, n)).astype(np.float64)
    np.fill_diagonal(m, 0.0)
    return np.round(shortest_path(m, method="FW", directed=True))


def generate(
    problem: str,
    size: int,
    *,
    distribution: str = "uniform",
    seed: int = 0,
    asymmetric: bool = False,
    capacity: int | None = None,
    name: str | None = None,
) -> Instance:
    """One seeded instance.

    Parameters
    ----------
    problem : "tsp" or "cvrp"
    size : int
        Cities for TSP, customers for CVRP (the depot comes on top).
    distribution : str
        ``uniform``, ``clustered`` or ``mixed``; asymmetric instances take only ``uniform`` (the default).
    seed : int
        ``0 <= seed < 2**63`` (numpy's generators take no negative seed).
    asymmetric : bool
        MatNet-style explicit asymmetric matrix instead of coordinates.
    capacity : int or None
        CVRP only: the vehicle capacity, at least 9 (demands are 1..9); default the AM/POMO rule.
    """
    size = check_generate_size(size, asymmetric)
    seed = check_generator_seed(seed)  # a Python int: meta goes to JSON, which takes no numpy scalar
    if capacity is not None:
        if problem != "cvrp":
            raise InvalidInstanceError(f"a {problem} instance has no capacity (got capacity={capacity!r})")
        check_generated_capacity(capacity)
    if distribution not in DISTRIBUTIONS:
        raise InvalidInstanceError(f"unknown distribution {distribution!r}; available: {', '.join(DISTRIBUTIONS)}")
    if asymmetric and distribution != "uniform":
        raise InvalidInstanceError(
            f"distribution {distribution!r} does not apply to asymmetric instances (MatNet matrices have no locations)"
        )
    rng = np.random.default_rng(seed)
    n = size + 1 if problem == "cvrp" else size
    kind = ("a" if asymmetric else "") + problem
    meta = {"generator": "graphroute", "distribution": "matnet" if asymmetric else distribution, "seed": seed}
    name = name or f"{kind}{size}-{meta['distribution']}-s{seed}"
    if asymmetric:
        coords, matrix, dtype = None, asymmetric_matrix(rng, n), "EXPLICIT"
    else:
        coords, matrix, dtype = sample_locations(rng, n, distribution), None, "EXACT"
    demands = cap = None
    if problem == "cvrp":
        demands = np.concatenate([[0], rng.integers(1, 10, size=size)])
        cap = capacity if capacity is not None else capacity_for(size)
    return Instance(
        problem=problem, name=name, coords=coords, distance_type=dtype, matrix=matrix,
        demands=demands, capacity=cap, meta=meta,
    )
