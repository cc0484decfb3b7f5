"""Which zones hold each point of a batch: the vectorised zone index.

:class:`ZoneIndex` answers for a whole batch at once. Every point is located in a
two-level lon/lat grid (two array reads, see :mod:`airsentry.airspace.grid`): most land
in a *settled* cell, whose zone set is known; the few in *edge* cells (a border passes
through the cell) get exact crossing tests against that cell's border segments only.
Altitude limits and validity windows are applied to the resulting pairs, and only when
some zone has them. There is no per-point Python loop anywhere.

The answer equals ``shapely.contains_xy`` on every zone, except for points within about
1e-13 degree of a border, which may go either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from airsentry.airspace.depth import depth_m as _depth_m
from airsentry.airspace.grid import Grid, GridSpec, build_grid
from airsentry.airspace.gridcache import cached_build
from airsentry.airspace.raster import ramp
from airsentry.model import FloatArray, IntArray, Zone, to_epoch

__all__ = ["Membership", "ZoneIndex", "depth_m"]

depth_m = _depth_m


@dataclass(frozen=True, slots=True, eq=False)
class Membership:
    """Point-in-zone pairs of one query: point ``point[k]`` is inside zone ``zone[k]``.

    Sorted by point (stable), so the zones of point ``i`` are one contiguous run.
    ``zone`` indexes the sequence the :class:`ZoneIndex` was built from.
    """

    point: IntArray
    zone: IntArray

    def __len__(self) -> int:
        return len(self.point)

    def zones_of(self, i: int) -> IntArray:
        """Zone indices holding point ``i``."""
        lo, hi = np.searchsorted(self.point, [i, i + 1])
        return self.zone[lo:hi]

    def counts(self, n_points: int) -> IntArray:
        """How many zones hold each of ``n_points`` points."""
        return np.bincount(self.point, minlength=n_points).astype(np.int64)

    def inside(self, zone: int, n_points: int) -> npt.NDArray[np.bool_]:
        """Boolean mask over the points: inside zone index ``zone``."""
        mask = np.zeros(n_points, dtype=bool)
        mask[self.point[self.zone == zone]] = True
        return mask


class ZoneIndex:
    """Vectorised point-in-zone index over a fixed sequence of zones.

    Build cost is a few seconds for the full default catalogue (about 4,000 zones);
    :func:`airsentry.airspace.zones.default_catalogue` builds it once. Geometries must be
    valid polygons in lon/lat with longitudes in [-180, 180].
    """

    def __init__(
        self, zones: Sequence[Zone], *, spec: GridSpec | None = None, cache: bool = True
    ) -> None:
        self.zones: tuple[Zone, ...] = tuple(zones)
        geoms = np.array([z.geometry for z in self.zones], dtype=object)
        self.grid: Grid = cached_build(geoms, spec) if cache else build_grid(geoms, spec)
        self._geoms = geoms
        n = len(self.zones)
        self.floor_m = np.array([z.floor_m for z in self.zones], dtype=np.float64).reshape(n)
        self.ceiling_m = np.array([z.ceiling_m for z in self.zones], dtype=np.float64).reshape(n)
        self.valid_from = np.array(
            [-math.inf if z.valid_from is None else to_epoch(z.valid_from) for z in self.zones],
            dtype=np.float64,
        ).reshape(n)
        self.valid_to = np.array(
            [math.inf if z.valid_to is None else to_epoch(z.valid_to) for z in self.zones],
            dtype=np.float64,
        ).reshape(n)
        self._vertical = np.isfinite(self.floor_m) | np.isfinite(self.ceiling_m)
        self._timed = np.isfinite(self.valid_from) | np.isfinite(self.valid_to)
        self._set_len = np.diff(self.grid.set_start)
        self._by_id = {z.id: i for i, z in enumerate(self.zones)}

    def __len__(self) -> int:
        return len(self.zones)

    def position(self, zone_id: str) -> int:
        """Index of the zone with id ``zone_id`` (KeyError if absent)."""
        return self._by_id[zone_id]

    def query(
        self,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike | None = None,
        t: npt.ArrayLike | None = None,
    ) -> Membership:
        """Pairs (point, zone) with the point inside the zone.

        ``alt`` (metres, array or scalar): a pair counts only when
        ``floor_m <= alt <= ceiling_m``; NaN altitude is unknown and counts. ``t`` (epoch
        seconds, array or scalar): only zones active at ``t``. Points with NaN or
        out-of-range coordinates are in no zone.
        """
        lat_a = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        if lat_a.shape != lon_a.shape:
            raise ValueError(f"lat has {lat_a.size} values, lon has {lon_a.size}")
        point, zone = self._locate(lat_a, lon_a)
        if alt is not None and self._vertical.any() and len(point):
            point, zone = self._filter_altitude(point, zone, alt, len(lat_a))
        if t is not None and self._timed.any() and len(point):
            point, zone = self._filter_time(point, zone, t, len(lat_a))
        return Membership(point, zone)

    def zones_at(
        self, lat: float, lon: float, alt: float | None = None, t: float | None = None
    ) -> list[Zone]:
        """The zones holding one point (a convenience for tests and debugging)."""
        m = self.query([lat], [lon], None if alt is None else [alt], None if t is None else [t])
        return [self.zones[int(i)] for i in m.zone]

    def depth_m(self, zone: Zone | int | str, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Distance in metres from each point to the border of ``zone`` (see :func:`depth_m`)."""
        if isinstance(zone, str):
            zone = self.zones[self._by_id[zone]]
        elif isinstance(zone, int | np.integer):
            zone = self.zones[int(zone)]
        return _depth_m(zone, lat, lon)

    # -- internals -------------------------------------------------------------------

    def _codes(self, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray]:
        """Fine-cell code of every point (a zone set id, or < 0 for an edge cell) and
        the point's block-major fine-cell index."""
        g, spec = self.grid, self.grid.spec
        sh, mask = spec.shift, spec.fine - 1
        with np.errstate(invalid="ignore"):
            fx = ((lon - spec.lon0) * spec.inv_fine).astype(np.int32)
            fy = ((lat - spec.lat0) * spec.inv_fine).astype(np.int32)
        # Negative and NaN (int32 min) become huge as unsigned: clamp them into the
        # empty padding column/row at the far end of the grid.
        fx = np.minimum(fx.view(np.uint32), np.uint32(spec.nfx - 1)).view(np.int32)
        fy = np.minimum(fy.view(np.uint32), np.uint32(spec.nfy - 1)).view(np.int32)
        cell = fy >> sh
        cell *= spec.ncx
        cell += fx >> sh
        flat = g.block_of[cell]
        flat <<= 2 * sh
        fy &= mask
        fy <<= sh
        flat += fy
        fx &= mask
        flat += fx
        code = g.fine_code[flat].astype(np.int64)
        return code, flat

    def _locate(self, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray]:
        g = self.grid
        code, flat = self._codes(lat, lon)
        edge = np.flatnonzero(code < 0)
        hit_point = hit_zone = None
        if len(edge):
            block = flat[edge] >> (2 * g.spec.shift)
            e = g.block_edge_start[block] - 1 - code[edge]
            code[edge] = g.edge_sid[e]
            hit_point, hit_zone = self._exact(edge, e, lat[edge], lon[edge])
        counts = self._set_len[code]
        point = np.repeat(np.arange(len(code), dtype=np.int64), counts)
        out_start = np.cumsum(counts)
        out_start -= counts
        delta = g.set_start[code]
        delta -= out_start
        pos = delta[point]
        pos += np.arange(len(point), dtype=np.int64)
        zone = g.set_zones[pos].astype(np.int64)
        if hit_point is None or not len(hit_point):
            return point, zone
        assert hit_zone is not None
        # Merge the exact hits into the (point-sorted) settled pairs without a sort.
        at = np.searchsorted(point, hit_point, side="right") + np.arange(len(hit_point))
        keep = np.ones(len(point) + len(hit_point), dtype=bool)
        keep[at] = False
        out_p = np.empty(len(keep), dtype=np.int64)
        out_z = np.empty(len(keep), dtype=np.int64)
        out_p[keep], out_z[keep] = point, zone
        out_p[at], out_z[at] = hit_point, hit_zone
        return out_p, out_z

    def _exact(
        self, idx: IntArray, e: IntArray, lat: FloatArray, lon: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Zones of the edge records holding each edge point (crossing parity tests).

        First every distinct segment of the point's cell is tested once for a crossing
        with the segment from the point to the cell's reference point; then each record
        (zone) adds up the crossings of its own segments.
        """
        g = self.grid
        rx, ry = g.edge_ref_x[e], g.edge_ref_y[e]
        ss = g.edge_seg_start[e]
        sc = g.edge_seg_start[e + 1] - ss
        tp = np.repeat(np.arange(len(idx)), sc)
        k = np.repeat(ss, sc) + ramp(sc)
        ax, ay, bx, by = g.seg_x0[k], g.seg_y0[k], g.seg_x1[k], g.seg_y1[k]
        px, py, rx, ry = lon[tp], lat[tp], rx[tp], ry[tp]
        dx, dy = bx - ax, by - ay
        s1 = dx * (py - ay) - dy * (px - ax) > 0
        s2 = dx * (ry - ay) - dy * (rx - ax) > 0
        qx, qy = rx - px, ry - py
        s3 = qx * (ay - py) - qy * (ax - px) > 0
        s4 = qx * (by - py) - qy * (bx - px) > 0
        cross = (s1 != s2) & (s3 != s4)
        pair_base = np.cumsum(sc) - sc
        rs = g.edge_rec_start[e]
        rc = g.edge_rec_start[e + 1] - rs
        pr_pt = np.repeat(np.arange(len(idx)), rc)
        pr_rec = np.repeat(rs, rc) + ramp(rc)
        ls = g.rec_seg_start[pr_rec]
        lc = g.rec_seg_start[pr_rec + 1] - ls
        tr = np.repeat(np.arange(len(pr_rec)), lc)
        hit = cross[np.repeat(pair_base[pr_pt], lc) + g.rec_seg_local[np.repeat(ls, lc) + ramp(lc)]]
        odd = np.bincount(tr[hit], minlength=len(pr_rec)) & 1
        inside = g.rec_inside[pr_rec] ^ odd.astype(bool)
        return idx[pr_pt[inside]], g.rec_zone[pr_rec[inside]].astype(np.int64)

    def _filter_altitude(
        self, point: IntArray, zone: IntArray, alt: npt.ArrayLike, n: int
    ) -> tuple[IntArray, IntArray]:
        alt_a = np.asarray(alt, dtype=np.float64)
        limited = np.flatnonzero(self._vertical[zone])
        if not len(limited):
            return point, zone
        z = zone[limited]
        a = np.broadcast_to(alt_a, (n,))[point[limited]] if alt_a.ndim else alt_a
        bad = (a < self.floor_m[z]) | (a > self.ceiling_m[z])
        if not bad.any():
            return point, zone
        keep = np.ones(len(point), dtype=bool)
        keep[limited[bad]] = False
        return point[keep], zone[keep]

    def _filter_time(
        self, point: IntArray, zone: IntArray, t: npt.ArrayLike, n: int
    ) -> tuple[IntArray, IntArray]:
        t_a = np.asarray(t, dtype=np.float64)
        if t_a.ndim == 0:
            active = (self.valid_from <= t_a) & (t_a < self.valid_to)
            keep = active[zone]
            return point[keep], zone[keep]
        timed = np.flatnonzero(self._timed[zone])
        if not len(timed):
            return point, zone
        z = zone[timed]
        tt = np.broadcast_to(t_a, (n,))[point[timed]]
        bad = ~((self.valid_from[z] <= tt) & (tt < self.valid_to[z]))
        keep = np.ones(len(point), dtype=bool)
        keep[timed[bad]] = False
        return point[keep], zone[keep]


def plain_membership(zones: Sequence[Zone], lat: FloatArray, lon: FloatArray) -> Membership:
    """The reference answer: ``shapely.contains_xy`` zone by zone (slow; for tests and the
    benchmark's baseline). No altitude or time filters."""
    points, found = [], []
    for i, z in enumerate(zones):
        shapely.prepare(z.geometry)
        hit = np.flatnonzero(shapely.contains_xy(z.geometry, lon, lat))
        points.append(hit)
        found.append(np.full(len(hit), i, dtype=np.int64))
    p = np.concatenate(points) if points else np.empty(0, dtype=np.int64)
    zz = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    order = np.lexsort((zz, p))
    return Membership(p[order].astype(np.int64), zz[order])
