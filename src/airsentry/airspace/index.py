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

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from airsentry.airspace.depth import depth_m as _depth_m
from airsentry.airspace.grid import Grid, GridSpec, build_grid
from airsentry.airspace.gridcache import cached_build
from airsentry.airspace.raster import popcount
from airsentry.airspace.subcells import MIXED, SubCells, crossing_masks
from airsentry.model import FloatArray, IntArray, Zone, to_epoch

__all__ = ["Membership", "ZoneIndex", "depth_m"]

EXACT_CHUNK = 1 << 21
"""Segment tests per chunk of edge points (bounds the temporaries to ~200 MB)."""

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

    Build cost is 1.5 to 3.5 s for the full default catalogue (about 4,000 zones) on a
    small machine, so built grids are cached on disk (:mod:`~airsentry.airspace.gridcache`,
    ``cache=False`` to skip) and :func:`~airsentry.airspace.zones.default_catalogue`
    builds its index once. Geometries must be valid polygons in lon/lat with longitudes
    in [-180, 180].

    Cost model: a point costs two table reads, plus, in an edge cell, one crossing test
    per distinct border segment in that cell (a fine cell is 1/64 degree: about
    1.7 x 1 km in Europe). Catalogues whose borders crowd one cell by the hundreds (many
    tiny zones packed together) make those points slow, though never wrong; their
    memory stays bounded (``EXACT_CHUNK``).
    """

    def __init__(
        self, zones: Sequence[Zone], *, spec: GridSpec | None = None, cache: bool = True
    ) -> None:
        self.zones: tuple[Zone, ...] = tuple(zones)
        geoms = np.array([z.geometry for z in self.zones], dtype=object)
        self.grid: Grid = cached_build(geoms, spec) if cache else build_grid(geoms, spec)
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
        self._by_id = {z.id: i for i, z in enumerate(self.zones)}
        self._sub = SubCells(self.grid)
        # the grid's zone sets (settled cells) whose zones have no floor, ceiling or
        # validity window: a point in such a cell is in exactly the set's zones
        limited = np.r_[0, np.cumsum((self._vertical | self._timed)[self.grid.set_zones])]
        starts = self.grid.set_start
        self._plain_set = limited[starts[1:]] == limited[starts[:-1]]

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

    def same_plain_cells(
        self, lat0: FloatArray, lon0: FloatArray, lat: FloatArray, lon: FloatArray
    ) -> npt.NDArray[np.bool_]:
        """Which points ``(lat, lon)`` (``k`` per origin, row-major: shape ``(n * k,)``)
        are certainly in exactly the zones their origin ``(lat0[i], lon0[i])`` is in,
        at any altitude and time: both lie in settled cells of the same zone set, a set
        without altitude limits or validity windows.

        Two reads of the grid per point, no exact test: the approach detector puts
        every track's predicted path to the index (Switzerland x2: 3.3M samples), and
        most samples of a cruising aircraft lie where its current position does.
        """
        n = len(lat0)
        if not n:
            return np.zeros(len(lat), dtype=bool)
        code0, _ = self._codes(lat0, lon0)
        code, _ = self._codes(lat, lon)
        plain = code0 >= 0
        plain[plain] = self._plain_set[code0[plain]]
        same: npt.NDArray[np.bool_] = code.reshape(n, -1) == code0[:, None]
        same &= plain[:, None]
        return same.reshape(-1)

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
        g, sub = self.grid, self._sub
        code, flat = self._codes(lat, lon)
        edge = np.flatnonzero(code < 0)
        hit_point = hit_zone = np.empty(0, dtype=np.int64)
        if len(edge):
            block = flat[edge] >> (2 * g.spec.shift)
            e = g.block_edge_start[block] - 1 - code[edge]
            st = sub.states(e, lat[edge], lon[edge])
            settled = st > MIXED
            code[edge] = g.edge_sid[e]
            code[edge[settled]] = sub.set_of(e[settled], st[settled])
            mixed = np.flatnonzero(~settled)
            if len(mixed):
                em, pm = e[mixed], edge[mixed]
                hit_point, hit_zone = self._pairs(pm, em, self._masks(em, lat[pm], lon[pm]))
        return self._expand(code, hit_point, hit_zone)

    def _expand(
        self, code: IntArray, hit_point: IntArray, hit_zone: IntArray
    ) -> tuple[IntArray, IntArray]:
        """The (point, zone) pairs, point-sorted: each point's zone set ``code[i]`` (in
        set order), then its exact hits (``hit_point`` ascending, with ``hit_zone``).

        One pass builds both: a point's slots are its set's zones followed by its hits,
        so the hits need no merge (a merge by masks moved every pair twice more: 6 %
        of a query where borders crowd). The slots of hits first read whatever follows
        the set in ``set_zones`` (clamped to the array) and are overwritten."""
        sub = self._sub
        set_start, set_zones = sub.set_start, sub.set_zones
        counts = sub.set_len[code]
        hits = len(hit_point) > 0
        total = counts + np.bincount(hit_point, minlength=len(code)) if hits else counts
        point = np.repeat(np.arange(len(code), dtype=np.int64), total)
        out_start = np.cumsum(total)
        out_start -= total
        delta = set_start[code]
        delta -= out_start
        pos = delta[point]
        pos += np.arange(len(point), dtype=np.int64)
        if not hits:
            return point, set_zones[pos]
        if len(set_zones):
            zone = set_zones[np.minimum(pos, len(set_zones) - 1, out=pos)]
        else:
            zone = np.zeros(len(point), dtype=np.int64)
        # a hit's rank among its point's hits (hit_point is ascending)
        rank = np.arange(len(hit_point)) - np.searchsorted(hit_point, hit_point)
        zone[out_start[hit_point] + counts[hit_point] + rank] = hit_zone
        return point, zone

    def _masks(self, e: IntArray, lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.uint64]:
        """:func:`~airsentry.airspace.subcells.crossing_masks` over chunks of at most
        ``EXACT_CHUNK`` segment tests, so that memory stays bounded where many borders
        crowd one cell."""
        g = self.grid
        tests = np.cumsum(g.edge_seg_start[e + 1] - g.edge_seg_start[e])
        if not len(tests) or tests[-1] <= EXACT_CHUNK:
            return crossing_masks(g, e, lat, lon)
        cuts = np.searchsorted(tests, np.arange(EXACT_CHUNK, tests[-1], EXACT_CHUNK))
        bounds = np.unique(np.r_[0, cuts + 1, len(e)].clip(0, len(e)))
        return np.concatenate(
            [crossing_masks(g, e[a:b], lat[a:b], lon[a:b]) for a, b in itertools.pairwise(bounds)]
        )

    def _pairs(
        self, idx: IntArray, e: IntArray, inside: npt.NDArray[np.uint64]
    ) -> tuple[IntArray, IntArray]:
        """The (point, zone) pairs of the set record bits, in point order."""
        g = self.grid
        rs = g.edge_rec_start[e].astype(np.int64)
        rc = g.edge_rec_start[e + 1] - rs
        per_word = popcount(inside).astype(np.int64)
        start = np.cumsum(per_word.sum(axis=1))
        total = int(start[-1]) if len(start) else 0
        out_p = np.empty(total, dtype=np.int64)
        out_z = np.empty(total, dtype=np.int64)
        start -= per_word.sum(axis=1)
        active = np.arange(len(idx))
        one = np.uint64(1)
        for w in range(inside.shape[1]):
            for b in range(64):
                active = active[rc[active] > 64 * w + b]
                if not len(active):
                    break
                word = inside[active, w]
                on = active[((word >> np.uint64(b)) & one).astype(bool)]
                below = popcount(inside[on, w] & ((one << np.uint64(b)) - one)).astype(np.int64)
                at = start[on] + below
                out_p[at] = idx[on]
                out_z[at] = g.rec_zone[rs[on] + 64 * w + b]
            start += per_word[:, w]
            active = np.arange(len(idx))
        return out_p, out_z

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
