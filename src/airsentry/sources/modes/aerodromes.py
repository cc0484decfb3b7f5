"""Surface positions without a reference: an aircraft on the ground is at an aerodrome.

A surface CPR pair leaves eight candidates (the northern or southern hemisphere, four
90° longitude quadrants), and DO-260B resolves them with a reference: the aircraft's
last position or the receiver's. A recording often has neither for an aircraft first
heard taxiing (16 % of a real flight's positions were its surface positions at the
departure airport). But a surface position can only be at an aerodrome: among the
candidates, the one within ``RADIUS_M`` of an aerodrome of the shipped table is the
answer, when exactly one candidate is. The table is the one the airspace catalogue is
built from (``airsentry/airspace/data/airports.csv.gz``, from ``airportsdata``, MIT),
read as data; the k-d tree over it is built on first use.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
from importlib import resources
from typing import Any

import numpy as np

from airsentry.sources.modes.fields import F64

RADIUS_M = 15_000.0  # a runway end or an apron of the largest airports is within this
_EARTH_M = 6_371_008.8


def _unit(lat: F64, lon: F64) -> np.ndarray[Any, np.dtype[np.float64]]:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


@functools.cache
def _tree() -> Any:
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    raw = resources.files("airsentry").joinpath("airspace", "data", "airports.csv.gz")
    text = gzip.decompress(raw.read_bytes()).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    return cKDTree(_unit(lat, lon))


def resolve(lat: F64, lon: F64, ok: np.ndarray) -> tuple[F64, F64, np.ndarray]:
    """Choose among the candidates of :func:`~airsentry.sources.modes.cpr.surface_candidates`
    (``lat`` ``(n, 2)``, ``lon`` ``(n, 2, 4)``, ``ok`` ``(n, 2)``): the position near an
    aerodrome, and whether exactly one consistent candidate is near one."""
    n = len(lat)
    if n == 0:
        return np.empty(0), np.empty(0), np.zeros(0, dtype=bool)
    cand_lat = np.repeat(lat, 4, axis=1)  # (n, 8): each latitude with its quadrants
    cand_lon = lon.reshape(n, 8)
    chord = 2.0 * np.sin(RADIUS_M / _EARTH_M / 2.0)
    dist, _ = _tree().query(_unit(cand_lat.ravel(), cand_lon.ravel()), distance_upper_bound=chord)
    near = np.isfinite(dist).reshape(n, 8) & np.repeat(ok, 4, axis=1)
    near &= np.abs(cand_lat) <= 90.0
    unique = near.sum(axis=1) == 1
    pick = np.argmax(near, axis=1)
    rows = np.arange(n)
    return cand_lat[rows, pick], cand_lon[rows, pick], unique
