"""Helpers of the airspace tests: the plain-shapely reference answer."""

from __future__ import annotations

import numpy as np
import shapely

from airsentry.model import FloatArray, IntArray, Zone


def reference_pairs(
    zones: tuple[Zone, ...] | list[Zone], lat: FloatArray, lon: FloatArray
) -> tuple[IntArray, IntArray]:
    """Plain shapely: ``contains_xy`` of every (point, zone) whose boxes overlap.

    Returns (point, zone) sorted by point then zone.
    """
    geoms = np.array([z.geometry for z in zones], dtype=object)
    p, z = shapely.STRtree(geoms).query(shapely.points(lon, lat))
    shapely.prepare(geoms)
    inside = shapely.contains_xy(geoms[z], lon[p], lat[p])
    p, z = p[inside], z[inside]
    order = np.lexsort((z, p))
    return p[order].astype(np.int64), z[order].astype(np.int64)


def sorted_pairs(point: IntArray, zone: IntArray) -> tuple[IntArray, IntArray]:
    order = np.lexsort((zone, point))
    return point[order], zone[order]
