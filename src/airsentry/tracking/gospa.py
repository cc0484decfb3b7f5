"""GOSPA: the generalised optimal sub-pattern assignment metric (alpha = 2).

For truth positions ``X`` and estimates ``Y`` at one instant, with cut-off ``c`` and
order ``p`` (Rahmathullah, García-Fernández, Svensson 2017)::

    GOSPA = ( min over assignments  sum d(x, y)^p  +  c^p / 2 * (missed + false) ) ^ (1/p)

where pairs further apart than ``c`` count as one miss plus one false track. With
``alpha = 2`` the minimum is an optimal assignment on the costs ``min(d, c)^p``, solved
here with :func:`scipy.optimize.linear_sum_assignment`. The same definition as Stone
Soup's ``GOSPAMetric`` (the benchmark checks the two agree); this one takes arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from airsentry.model import FloatArray


@dataclass(frozen=True, slots=True)
class Gospa:
    distance: float
    localisation: float  # sum of d^p over assigned pairs (within c)
    missed: int
    false: int


def gospa(truth: FloatArray, estimates: FloatArray, c: float, p: float = 2.0) -> Gospa:
    """GOSPA between point sets ``truth`` (n, d) and ``estimates`` (m, d), in their units."""
    n, m = len(truth), len(estimates)
    if n == 0 or m == 0:
        return Gospa(float((c**p / 2.0 * (n + m)) ** (1.0 / p)), 0.0, n, m)
    d = np.linalg.norm(truth[:, None, :] - estimates[None, :, :], axis=2)
    cost = np.minimum(d, c) ** p
    r, k = linear_sum_assignment(cost)
    real = d[r, k] < c
    loc = float(cost[r, k][real].sum())
    assigned = int(real.sum())
    missed, false = n - assigned, m - assigned
    total = loc + c**p / 2.0 * (missed + false)
    return Gospa(float(total ** (1.0 / p)), loc, missed, false)
