"""GOSPA: how far a set of estimated positions is from the true set (one instant).

Generalised optimal sub-pattern assignment (Rahmathullah, García-Fernández and Svensson,
2017) with ``alpha = 2``: estimates and truths are paired by an optimal assignment
(:func:`scipy.optimize.linear_sum_assignment`); each pair costs ``min(d, c) ** p``, each
truth left without a partner within ``c`` (a *missed* target) and each estimate left
without one (a *false* track) costs ``c ** p / 2``. The distance is the ``p``-th root of
the total. The components are returned as Stone Soup's ``GOSPAMetric`` returns them
(sums of the ``p``-th powers), with the counts of missed and false targets besides;
tests/sim/test_gospa.py and benchmarks/tracking.py check the two agree. Positions are
Cartesian, in the caller's units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from airsentry.model import FloatArray


@dataclass(frozen=True, slots=True)
class Gospa:
    distance: float  # (localisation + missed + false) ** (1 / p)
    localisation: float  # sum of d ** p over pairs closer than c
    missed: float  # c ** p / 2 per missed truth
    false: float  # c ** p / 2 per false estimate
    pairs: int
    n_missed: int
    n_false: int


def gospa(truth: FloatArray, estimate: FloatArray, c: float, p: float = 1.0) -> Gospa:
    """GOSPA (alpha = 2) between two sets of points, arrays of shape (n, dim)."""
    if not (c > 0 and p >= 1):
        raise ValueError("GOSPA needs c > 0 and p >= 1")
    x, y = _points(truth), _points(estimate)
    half = c**p / 2.0
    pairs = 0
    loc = 0.0
    if len(x) and len(y):
        d = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2)
        cost = np.minimum(d, c) ** p
        rows, cols = linear_sum_assignment(cost)
        close = d[rows, cols] < c
        pairs = int(close.sum())
        loc = float((d[rows, cols][close] ** p).sum())
    n_missed, n_false = len(x) - pairs, len(y) - pairs
    missed, false = half * n_missed, half * n_false
    return Gospa(
        distance=float((loc + missed + false) ** (1.0 / p)),
        localisation=loc,
        missed=missed,
        false=false,
        pairs=pairs,
        n_missed=n_missed,
        n_false=n_false,
    )


def _points(a: FloatArray) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    return arr[:, None] if arr.ndim == 1 else arr
