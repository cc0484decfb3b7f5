"""Which rows of a stay could be deeper than its deepest so far: the rest need no depth.

The crossing detector reports a stay's largest depth on its exit. The depth query
(:func:`~airsentry.airspace.depth.depth_m`) costs a projection, window look-ups and a
nearest-segment search per touched cell, and a live run asks it again in every
half-second batch for every unauthorised track inside: some 30 % of the watch stage's
CPU at live batch sizes (``docs/performance.md``). Most of those rows cannot change
the answer. A drone holding 2 km inside a zone whose deepest point so far was 3 km
cannot reach 3 km in the next second.

The bound. The distance to a border is 1-Lipschitz in the geodesic distance, and the
computed depth ``f`` is within ``ERROR_REL`` of the geodesic distance ``g`` plus
``ERROR_M`` (``depth.py``'s stated error bound: 0.03 % + 1 m for borders within 100 km,
0.4 % within 1,000 km). For a row ``p`` and the stay's reference row ``q`` (its latest
measured row):

    f(p) <= (1 + e) g(p) + c <= (1 + e) (g(q) + d(p, q)) + c
         <= (1 + e) ((f(q) + c) / (1 - e) + d(p, q)) + c

with ``d`` an upper bound of the geodesic distance (a sphere of radius
``SPHERE_M``, at least every radius of curvature of the WGS84 ellipsoid). A row whose
bound does not exceed the stay's maximum cannot raise it, so it is not measured, and
the maximum is the same number as if every row had been. The bound is used only
where the reference lies within ``MAX_REF_DEPTH_M`` of the border, well inside the
range the error bound covers, and with margins several times the stated error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from airsentry.airspace.index import ZoneIndex
from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch, Zone
from airsentry.watch.claims import Runs


class Deepest(Protocol):
    """What a stay remembers of its depth (``crossing.Stay``)."""

    max_depth: float  # largest depth measured so far, m
    ref_lat: float  # its latest measured row (NaN: none yet)
    ref_lon: float
    ref_depth: float


SPHERE_M = 6_400_000.0
"""m: over the ellipsoid's largest radius of curvature (a^2/b = 6,399,594 m), so that
great-circle distances on this sphere are never shorter than geodesic ones."""
ERROR_REL = 0.02
"""Relative error allowed for a computed depth (five times depth.py's 0.4 %)."""
ERROR_M = 5.0
"""Absolute error allowed for a computed depth, m (five times depth.py's 1 m)."""
MAX_REF_DEPTH_M = 200_000.0
"""A reference deeper than this is not used: rows are measured as before."""


def distance_upper_m(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """An upper bound (m) of the geodesic distance between the points (haversine on a
    sphere of radius :data:`SPHERE_M`); NaN where a coordinate is."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians((lon2 - lon1 + 540.0) % 360.0 - 180.0)
    h = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    out: FloatArray = 2.0 * SPHERE_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def depth_upper_m(ref_depth: FloatArray, moved_m: FloatArray) -> FloatArray:
    """An upper bound (m) of the computed depth of a row ``moved_m`` from a row whose
    computed depth was ``ref_depth``; NaN (no bound) where the reference is unknown
    or deeper than :data:`MAX_REF_DEPTH_M`."""
    e, c = ERROR_REL, ERROR_M
    bound = (1.0 + e) * ((ref_depth + c) / (1.0 - e) + moved_m) + c
    usable = ref_depth <= MAX_REF_DEPTH_M  # False for NaN
    out: FloatArray = np.where(usable, bound, np.nan)
    return out


def may_deepen(
    lat: FloatArray,
    lon: FloatArray,
    ref_lat: FloatArray,
    ref_lon: FloatArray,
    ref_depth: FloatArray,
    deepest: FloatArray,
) -> np.ndarray:
    """Per row: whether its depth could exceed ``deepest`` (its stay's largest depth so
    far), given the stay's reference row; True wherever nothing bounds it."""
    bound = depth_upper_m(ref_depth, distance_upper_m(lat, lon, ref_lat, ref_lon))
    out: np.ndarray = ~(bound <= deepest)  # NaN compares False: measured
    return out


class DepthMeter:
    """The depths the crossing detector needs: per run of a batch, the largest depth of
    its rows, for unauthorised runs in zones whose depth is measured (not buffers)."""

    def __init__(self, index: ZoneIndex, zones: Sequence[Zone], measured: BoolArray) -> None:
        self.index = index
        self.zones = zones
        self.measured = measured

    def measure(
        self,
        stays: Mapping[int, Mapping[int, Deepest]],
        st: ReportBatch,
        point: IntArray,
        zone: IntArray,
        runs: Runs,
        verdict: BoolArray,
    ) -> tuple[FloatArray, IntArray, FloatArray]:
        """Largest depth per run (NaN: not measured), and per run its latest measured
        row (-1: none) with that row's depth, the stay's next reference.

        A row of a remembered stay that cannot be deeper than the stay's largest depth
        so far (:func:`may_deepen`) is not measured: the largest depth is the same
        number."""
        n_runs = len(runs.track)
        out = np.full(n_runs, np.nan)
        ref_row = np.full(n_runs, -1, dtype=np.int64)
        ref_depth = np.full(n_runs, np.nan)
        pick = ~verdict[runs.pair_run] & self.measured[zone]
        if not pick.any():
            return out, ref_row, ref_depth
        pr, pz, prun = point[pick], zone[pick], runs.pair_run[pick]
        keep = _could_deepen(stays, st, pr, prun, runs)
        pr, pz, prun = pr[keep], pz[keep], prun[keep]
        depth = np.full(len(pr), np.nan)
        for z in np.unique(pz):
            sel = pz == z
            depth[sel] = self.index.depth_m(self.zones[int(z)], st.lat[pr[sel]], st.lon[pr[sel]])
        np.fmax.at(out, prun, depth)
        done = np.flatnonzero(np.isfinite(depth))
        if len(done):  # each run's latest measured row: the last by time within its run
            order = done[np.lexsort((st.t[pr[done]], prun[done]))]
            last = order[np.r_[prun[order][1:] != prun[order][:-1], True]]
            ref_row[prun[last]] = pr[last]
            ref_depth[prun[last]] = depth[last]
        return out, ref_row, ref_depth


def _could_deepen(
    stays: Mapping[int, Mapping[int, Deepest]],
    st: ReportBatch,
    pr: IntArray,
    prun: IntArray,
    runs: Runs,
) -> npt.NDArray[np.bool_]:
    """Which picked rows could deepen their stay: all of a new stay's, and those of a
    remembered stay that its reference row does not rule out."""
    cont = np.unique(prun[runs.continues[prun]])
    if not len(cont):
        return np.ones(len(pr), dtype=bool)
    ref = np.full((len(runs.track), 4), np.nan)  # lat, lon, depth, max depth per run
    held = [
        stays[t][z]
        for t, z in zip(runs.track[cont].tolist(), runs.zone[cont].tolist(), strict=True)
    ]
    ref[cont] = [(s.ref_lat, s.ref_lon, s.ref_depth, s.max_depth) for s in held]
    r = ref[prun]
    out: npt.NDArray[np.bool_] = may_deepen(
        st.lat[pr], st.lon[pr], r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    )
    return out
