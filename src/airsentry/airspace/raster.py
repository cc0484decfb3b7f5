"""Rasterisation primitives for the zone grid (see :mod:`airsentry.airspace.grid`).

All work in *cell units*: a coordinate ``u = (lon - lon0) * cells_per_degree``, so cell
``c`` spans ``[c, c + 1)``. Everything is vectorised over segments; the helpers share
the exact-comparison conventions that make the fill and the edge tests agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
Mask = npt.NDArray[np.bool_]

EPS = 1e-7
"""Cells within this many cell widths of a segment count as touched by it."""


def ramp(counts: I64) -> I64:
    """``[0..c0-1, 0..c1-1, ...]`` for counts ``[c0, c1, ...]``."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def sorted_unique(values: I64) -> I64:
    """Sorted distinct values (a sort and a mask: faster than ``np.unique`` here)."""
    v = np.sort(values)
    if not len(v):
        return v
    out: I64 = v[np.r_[True, v[1:] != v[:-1]]]
    return out


def segments(geometries: Any) -> tuple[F64, I64]:
    """Border segments of polygonal geometries: ``(n, 4)`` x0 y0 x1 y1 and their zone."""
    parts, part_zone = shapely.get_parts(geometries, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[1:] == coord_ring[:-1]
    seg = np.column_stack([xy[:-1][same], xy[1:][same]])
    zone = part_zone[ring_part[coord_ring[:-1][same]]].astype(np.int64)
    keep = (seg[:, 0] != seg[:, 2]) | (seg[:, 1] != seg[:, 3])
    return np.ascontiguousarray(seg[keep]), zone[keep]


def touched_cells(u0: F64, v0: F64, u1: F64, v1: F64) -> tuple[I64, I64, I64]:
    """(segment, cell x, cell y) for every cell each segment passes within EPS of.

    A segment touches the cell of its first vertex (the last vertex starts the next
    segment of the ring) and, at every grid line it crosses, the two cells either side
    of the crossing point; cells within EPS of a vertex or crossing are added too.
    Duplicates are left to the caller.
    """
    seg = np.arange(len(u0), dtype=np.int64)
    out: list[tuple[I64, I64, I64]] = []
    ax = (np.floor(u0 - EPS).astype(np.int64), np.floor(u0 + EPS).astype(np.int64))
    ay = (np.floor(v0 - EPS).astype(np.int64), np.floor(v0 + EPS).astype(np.int64))
    out.append((seg, ax[0], ay[0]))
    for i, j in ((1, 0), (0, 1), (1, 1)):
        m = np.flatnonzero((ax[i] != ax[0]) | (ay[j] != ay[0]))
        out.append((seg[m], ax[i][m], ay[j][m]))
    for a0, a1, b0, b1, vertical in ((u0, u1, v0, v1, True), (v0, v1, u0, u1, False)):
        lo = np.floor(np.minimum(a0, a1)).astype(np.int64)
        cnt = np.floor(np.maximum(a0, a1)).astype(np.int64) - lo
        s = np.repeat(seg, cnt)
        k = np.repeat(lo + 1, cnt) + ramp(cnt)
        b = b0[s] + (k - a0[s]) * ((b1[s] - b0[s]) / (a1[s] - a0[s]))
        b_lo = np.floor(b - EPS).astype(np.int64)
        b_hi = np.floor(b + EPS).astype(np.int64)
        m = np.flatnonzero(b_hi != b_lo)
        for ss, kk, bb in ((s, k, b_lo), (s[m], k[m], b_hi[m])):
            for ka in (kk - 1, kk):
                out.append((ss, ka, bb) if vertical else (ss, bb, ka))
    return (
        np.concatenate([o[0] for o in out]),
        np.concatenate([o[1] for o in out]),
        np.concatenate([o[2] for o in out]),
    )


def row_crossings(seg_zone: I64, u0: F64, v0: F64, u1: F64, v1: F64) -> tuple[I64, I64, F64]:
    """Crossings of the borders with the centre lines ``y = j + 0.5`` of the cell rows.

    Half-open in y (a vertex on the line counts for the segment above it), so each
    row of a closed ring is crossed an even number of times. Returns (zone, row, x)
    sorted by zone, row and x.
    """
    vmin, vmax = np.minimum(v0, v1), np.maximum(v0, v1)
    lo, hi = first_at_or_above(vmin), first_at_or_above(vmax)
    cnt = hi - lo
    s = np.repeat(np.arange(len(u0), dtype=np.int64), cnt)
    j = np.repeat(lo, cnt) + ramp(cnt)
    x = u0[s] + (j + 0.5 - v0[s]) * ((u1[s] - u0[s]) / (v1[s] - v0[s]))
    zone = seg_zone[s]
    order = np.lexsort((x, j, zone))
    return zone[order], j[order], x[order]


def first_at_or_above(v: F64) -> I64:
    """Least integer ``j`` with ``j + 0.5 >= v`` (exact)."""
    j = np.ceil(v - 0.5).astype(np.int64)
    j += (j + 0.5 < v).astype(np.int64)
    j -= (j - 0.5 >= v).astype(np.int64)
    return j


def intervals(zone: I64, row: I64, x: F64) -> tuple[I64, I64, I64, I64]:
    """Inside intervals of every (zone, row): cells ``c`` with ``c_lo <= c < c_hi`` have
    their centre ``c + 0.5`` between an odd crossing and the next one."""
    start, end = x[0::2], x[1::2]
    c_lo, c_hi = first_at_or_above(start), first_at_or_above(end)
    keep = c_hi > c_lo
    return zone[0::2][keep], row[0::2][keep], c_lo[keep], c_hi[keep]


def filled(
    iv: tuple[I64, I64, I64, I64], zone: I64, row: I64, col: I64, width: int, nrows: int
) -> npt.NDArray[np.bool_]:
    """Whether cell (col, row) lies in an inside interval of ``zone`` (integer lookups)."""
    iz, ir, lo, hi = iv
    if not len(iz):
        return np.zeros(len(zone), dtype=bool)
    key = (iz * nrows + ir) * (width + 1) + lo
    q = (zone * nrows + row) * (width + 1) + col
    i = np.searchsorted(key, q, side="right") - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    same = (iz[i] == zone) & (ir[i] == row)
    out: Mask = ok & same & (col < hi[i])
    return out


def zone_keys(n: int) -> U64:
    rng = np.random.default_rng(0x5EED_A1E5)
    return rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def range_add(flat_len: int, start_idx: I64, end_idx: I64, values: U64) -> U64:
    acc = np.zeros(flat_len, dtype=np.uint64)
    np.add.at(acc, start_idx, values)
    np.subtract.at(acc, end_idx, values)
    return acc


def segment_ids(seg: F64) -> tuple[I64, F64]:
    """Geometric identity of segments: equal ids for segments with the same endpoints
    (either direction). Returns the id of each segment and each id's coordinates.

    Neighbouring zones share their borders (a state, its neighbour and both bands), so
    an edge cell often holds the same segment several times; testing it once is enough.
    Ids come from a hash of the coordinates' bits, checked exactly afterwards.
    """
    swap = (seg[:, 0] > seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] > seg[:, 3]))
    canon = np.where(swap[:, None], seg[:, [2, 3, 0, 1]], seg)
    bits = np.ascontiguousarray(canon).view(np.uint64)
    mult = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                     0x27D4EB2F165667C5], dtype=np.uint64)  # fmt: skip
    h = bits[:, 0] * mult[0]
    for i in (1, 2, 3):
        h ^= (bits[:, i] * mult[i]) >> np.uint64(i * 7)
        h *= mult[(i + 1) % 4]
    gid, distinct = intern(h)
    first = np.empty(len(distinct), dtype=np.int64)
    first[gid[::-1]] = np.arange(len(gid) - 1, -1, -1)
    clash = np.flatnonzero((canon != canon[first[gid]]).any(axis=1))
    coords = canon[first]
    if len(clash):  # hash collisions: give those segments ids of their own
        gid[clash] = len(first) + np.arange(len(clash))
        coords = np.concatenate([coords, canon[clash]])
    return gid, np.ascontiguousarray(coords)


def intern(values: U64) -> tuple[I64, U64]:
    """Distinct values in order of first appearance, and each value's position among
    them (a hash table: linear time, unlike ``np.unique``'s sort).

    Arrow arrays are made from the raw buffer: ``pa.array(ndarray)`` and ``to_numpy``
    would import pandas, a third of a second at start-up.
    """
    values = np.ascontiguousarray(values, dtype=np.uint64)
    arr = pa.Array.from_buffers(pa.uint64(), len(values), [None, pa.py_buffer(values)])
    enc = arr.dictionary_encode()
    return _numpy(enc.indices).astype(np.int64), _numpy(enc.dictionary).astype(np.uint64)


def _numpy(arr: Any) -> np.ndarray[Any, Any]:
    """A null-free primitive Arrow array as NumPy (``to_numpy`` would import pandas)."""
    dtype = np.dtype(arr.type.to_pandas_dtype())
    data = np.frombuffer(arr.buffers()[1], dtype=dtype)
    return data[arr.offset : arr.offset + len(arr)]


def popcount(x: U64) -> U64:
    """Set bits of each uint64 (``np.bitwise_count`` on NumPy 2; SWAR on NumPy 1.26)."""
    if hasattr(np, "bitwise_count"):
        out: U64 = np.bitwise_count(x).astype(np.uint64)
        return out
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    swar: U64 = (x * np.uint64(0x0101010101010101)) >> np.uint64(56)
    return swar


def point_segment_distance(px: F64, py: F64, ax: F64, ay: F64, bx: F64, by: F64) -> F64:
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    out: F64 = np.hypot(ax + t * dx - px, ay + t * dy - py)
    return out


@dataclass(frozen=True, slots=True)
class GridSpec:
    """Cell sizes. ``fine`` is a power of two and ``coarse_deg / fine`` a binary
    fraction of a degree, so that cell coordinates are computed exactly."""

    coarse_deg: float = 0.125
    fine: int = 8

    @property
    def inv_fine(self) -> float:
        return self.fine / self.coarse_deg

    @property
    def shift(self) -> int:
        return int(math.log2(self.fine))

    @property
    def lon0(self) -> float:
        return -180.0 - self.coarse_deg

    @property
    def lat0(self) -> float:
        return -90.0 - self.coarse_deg

    @property
    def ncx(self) -> int:  # an empty column each side and one for lon == 180
        return round(360.0 / self.coarse_deg) + 3

    @property
    def ncy(self) -> int:
        return round(180.0 / self.coarse_deg) + 3

    @property
    def nfx(self) -> int:
        return self.ncx * self.fine

    @property
    def nfy(self) -> int:
        return self.ncy * self.fine
