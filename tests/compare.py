"""The relative difference every comparison with a real library measures, written once.

0 for equal values, and a zero matches only a zero (``inf`` otherwise): a library that writes
0 where lrkit writes 1e-300, or the other way round, is a difference, not a rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def rel_diff(theirs: float, mine: float) -> float:
    """``|theirs - mine| / max(|theirs|, |mine|)``, with the two rules above."""
    if theirs == mine:
        return 0.0
    if theirs == 0 or mine == 0:
        return math.inf
    return abs(theirs - mine) / max(abs(theirs), abs(mine))


def max_rel_diff(theirs: Any, mine: Any) -> float:
    """The largest :func:`rel_diff` over two arrays of values (0 for empty ones)."""
    theirs, mine = np.asarray(theirs, dtype=np.float64), np.asarray(mine, dtype=np.float64)
    diff = np.abs(theirs - mine)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(diff == 0, 0.0, diff / np.maximum(np.abs(theirs), np.abs(mine)))
    return float(r.max(initial=0.0))
