"""Small argument checks shared by the public functions (numpy only, cheap to import)."""

from __future__ import annotations

import numpy as np


def is_real(x: object) -> bool:
    """Whether ``x`` is a real number: a Python or numpy int or float, not a bool (nor text, None, complex)."""
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, float, np.integer, np.floating))
