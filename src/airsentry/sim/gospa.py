"""The GOSPA metric: how far a set of estimated positions is from the true set.

Generalised optimal sub-pattern assignment (Rahmathullah, García-Fernández and Svensson,
2017) with ``alpha = 2``: estimates and truths are paired by an optimal assignment;
each pair costs ``min(d, c) ** p``, each truth left without a partner within ``c`` (a
*missed* target) and each estimate left without one (a *false* track) costs
``c ** p / 2``. The distance is the ``p``-th root of the total. The components are
returned as Stone Soup's ``GOSPAMetric`` returns them (sums of the ``p``-th powers), so
the two can be compared directly; the counts of missed and false targets besides.

Positions are Cartesian (metres): :func:`ecef` turns latitude, longitude and altitude
into Earth-centred coordinates, whose straight-line distance is the geodesic distance
to well under a metre over the kilometres GOSPA looks at.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray
from airsentry.tracking.base import EARTH_RADIUS_M
from airsentry.tracking.gospa import Gospa, gospa

__all__ = ["Gospa", "ecef", "gospa"]


def ecef(lat: FloatArray, lon: FloatArray, alt: FloatArray) -> FloatArray:
    """Earth-centred Cartesian coordinates (m) on a sphere, shape (n, 3)."""
    r = EARTH_RADIUS_M + np.nan_to_num(np.asarray(alt, dtype=np.float64))
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack(
        [r * np.cos(la) * np.cos(lo), r * np.cos(la) * np.sin(lo), r * np.sin(la)]
    )
