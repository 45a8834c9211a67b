"""Vectorised distance conventions of TSPLIB / CVRPLIB and graphroute's own exact Euclidean.

The conventions follow Reinelt, "TSPLIB 95" (1995), section 2:

- ``EXACT``: plain Euclidean distance as a float (graphroute's generated instances).
- ``EUC_2D``: Euclidean distance rounded to the nearest integer, ``int(d + 0.5)`` (nint).
- ``CEIL_2D``: Euclidean distance rounded up.
- ``ATT``: pseudo-Euclidean ``r = sqrt((dx^2 + dy^2) / 10); t = nint(r); t + 1 if t < r else t``.
- ``GEO``: great-circle distance on the TSPLIB sphere, coordinates as DDD.MM (degrees.minutes),
  ``PI = 3.141592``, ``RRR = 6378.388``.
- ``MAN_2D`` / ``MAX_2D``: Manhattan / maximum metric, rounded to the nearest integer.
- ``EXPLICIT``: a given matrix, possibly asymmetric.

The independent per-edge implementation used by the checker lives in :mod:`graphroute.check`;
the tests compare the two on every shared instance.
"""

from __future__ import annotations

import numpy as np

#: Distance conventions graphroute understands, with their TSPLIB names.
DISTANCE_TYPES = ("EXACT", "EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D", "EXPLICIT")

#: Conventions whose distances are integers.
INTEGRAL_TYPES = frozenset({"EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D"})

_GEO_PI = 3.141592
_GEO_RRR = 6378.388


def _geo_radians(x: np.ndarray) -> np.ndarray:
    deg = np.trunc(x)
    minutes = x - deg
    return _GEO_PI * (deg + 5.0 * minutes / 3.0) / 180.0


def distance_matrix(coords: np.ndarray, distance_type: str) -> np.ndarray:
    """Full distance matrix of ``coords`` under ``distance_type``.

    Parameters
    ----------
    coords : np.ndarray
        ``[n, 2]`` node coordinates (for ``GEO``: latitude, longitude in DDD.MM).
    distance_type : str
        One of :data:`DISTANCE_TYPES` other than ``EXPLICIT``.

    Returns
    -------
    np.ndarray
        ``[n, n]`` float64 matrix; integral conventions hold whole numbers. O(n^2) memory.
    """
    c = np.asarray(coords, dtype=np.float64)
    if distance_type == "GEO":
        lat = _geo_radians(c[:, 0])
        lon = _geo_radians(c[:, 1])
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        d = np.floor(_GEO_RRR * np.arccos(arg) + 1.0)
        np.fill_diagonal(d, 0.0)
        return d
    diff = c[:, None, :] - c[None, :, :]
    if distance_type == "MAN_2D":
        return np.floor(np.abs(diff).sum(-1) + 0.5)
    if distance_type == "MAX_2D":
        return np.floor(np.abs(diff).max(-1) + 0.5)
    sq = (diff**2).sum(-1)
    if distance_type == "EXACT":
        return np.sqrt(sq)
    if distance_type == "EUC_2D":
        return np.floor(np.sqrt(sq) + 0.5)
    if distance_type == "CEIL_2D":
        return np.ceil(np.sqrt(sq))
    if distance_type == "ATT":
        r = np.sqrt(sq / 10.0)
        t = np.floor(r + 0.5)
        return np.where(t < r, t + 1.0, t)
    raise ValueError(f"unknown distance type {distance_type!r}; available: {', '.join(DISTANCE_TYPES)}")
