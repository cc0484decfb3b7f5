"""The exact parts of the zone grid's build (:mod:`airsentry.airspace.grid`).

Kept apart from the raster passes of the build: where the fast passes leave a
question only an exact geometric test answers, these give the answer with a few
vectorised ``shapely`` calls:

* :func:`references`: a reference point per edge cell, away from the cell's border
  segments, and whether it is inside each zone whose border touches the cell (the
  scanline fill's answer for a cell centre; one exact test otherwise);
* :func:`decode_sets`: the zone list of every interned zone set, from one
  representative point per set, checked against the set's sum of random keys so
  that a build error cannot pass silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from airsentry.airspace import raster as r
from airsentry.airspace.raster import F64, I32, I64, U64, GridSpec, Mask

REF_MARGIN = 1e-4
"""Least distance (fine cells, here 2 dm) from a reference point to its cell's segments:
far more than the ~1e-12 cell of rounding in the crossings that give its status."""

_REF_OFFSETS = ((0.5, 0.5), (0.3, 0.5), (0.7, 0.5), (0.5, 0.3), (0.5, 0.7), (0.2, 0.2),
                (0.8, 0.8), (0.2, 0.8), (0.8, 0.2))  # fmt: skip


def _fine_xy(spec: GridSpec, blocks: I64, f: I64) -> tuple[I64, I64]:
    """Global fine-cell column and row of block-major fine indices ``f``."""
    big, ff = spec.fine, spec.fine * spec.fine
    c = blocks[f // ff]
    return (c % spec.ncx) * big + (f % big), (c // spec.ncx) * big + (f % ff) // big


def references(
    geoms: Any,
    spec: GridSpec,
    edge_f: I64,
    blocks: I64,
    edge_first: I64,
    rec_zone: I64,
    rec_filled: Mask,
    edge_seg_start: I64,
    seg: tuple[F64, F64, F64, F64],
) -> tuple[F64, F64, Mask]:
    """A reference point per edge cell, away from the cell's segments, and per record
    whether it is inside the record's zone.

    The cell centre is preferred: its status is the scanline fill's, already known.
    Cells whose centre lies within REF_MARGIN of a segment try other points and get
    their status from one exact shapely test per record.
    """
    fxi, fyi = _fine_xy(spec, blocks, edge_f)
    fx, fy = fxi.astype(np.float64), fyi.astype(np.float64)
    counts = np.diff(edge_seg_start)
    s_edge = np.repeat(np.arange(len(edge_f)), counts)
    su0, sv0, su1, sv1 = (
        (seg[0] - spec.lon0) * spec.inv_fine,
        (seg[1] - spec.lat0) * spec.inv_fine,
        (seg[2] - spec.lon0) * spec.inv_fine,
        (seg[3] - spec.lat0) * spec.inv_fine,
    )
    best = np.full(len(edge_f), -1.0)
    off_x, off_y = np.full(len(edge_f), 0.5), np.full(len(edge_f), 0.5)
    todo = np.arange(len(edge_f))
    for ox, oy in _REF_OFFSETS:
        if not len(todo):
            break
        if len(todo) == len(edge_f):
            k = np.arange(len(s_edge))
        else:
            k = np.repeat(edge_seg_start[todo], counts[todo]) + r.ramp(counts[todo])
        e = s_edge[k]
        d = r.point_segment_distance(fx[e] + ox, fy[e] + oy, su0[k], sv0[k], su1[k], sv1[k])
        dmin = np.minimum.reduceat(d, np.cumsum(counts[todo]) - counts[todo])
        better = dmin > best[todo]
        upd = todo[better]
        best[upd], off_x[upd], off_y[upd] = dmin[better], ox, oy
        todo = todo[best[todo] < REF_MARGIN]
    lon = spec.lon0 + (fx + off_x) / spec.inv_fine
    lat = spec.lat0 + (fy + off_y) / spec.inv_fine
    rec_edge = np.repeat(np.arange(len(edge_f)), np.diff(np.r_[edge_first, len(rec_zone)]))
    rec_inside = rec_filled.copy()
    redo = np.flatnonzero(((off_x != 0.5) | (off_y != 0.5))[rec_edge])
    if len(redo):
        e = rec_edge[redo]
        rec_inside[redo] = _contains(geoms, rec_zone[redo], lon[e], lat[e])
    return lon, lat, rec_inside


def _contains(geoms: Any, zone: I64, lon: F64, lat: F64) -> Mask:
    """Exact ``contains_xy`` of zone ``zone[i]`` and point ``i``; geometries prepared
    for the call only, so the zones' own objects are left as they were."""
    used = np.unique(zone)
    fresh = used[~shapely.is_prepared(geoms[used])]
    shapely.prepare(geoms[fresh])
    try:
        out: Mask = shapely.contains_xy(geoms[zone], lon, lat)
    finally:
        shapely.destroy_prepared(geoms[fresh])
    return out


def decode_sets(
    geoms: Any,
    spec: GridSpec,
    keys: U64,
    set_h: U64,
    sid: I64,
    settled_cells: I64,
    blocks: I64,
    edge_f: I64,
    edge_first: I64,
    rec_zone: I64,
) -> tuple[I64, I32]:
    """Zone lists of the interned sets from one representative cell each (its centre),
    checked against the sets' key sums."""
    n_sets, n_cs, big = len(set_h), len(settled_cells), spec.fine
    first = np.empty(n_sets, dtype=np.int64)
    first[sid[::-1]] = np.arange(len(sid) - 1, -1, -1)
    is_coarse = first < n_cs
    fi = np.maximum(first - n_cs, 0)
    fx, fy = _fine_xy(spec, blocks, fi)
    cell_c = settled_cells[np.minimum(first, n_cs - 1)]
    fx = np.where(is_coarse, (cell_c % spec.ncx) * big + big // 2, fx)
    fy = np.where(is_coarse, (cell_c // spec.ncx) * big + big // 2, fy)
    lon = spec.lon0 + (fx + 0.5) / spec.inv_fine
    lat = spec.lat0 + (fy + 0.5) / spec.inv_fine
    s_idx, z_idx = shapely.STRtree(geoms).query(shapely.points(lon, lat))
    inside = _contains(geoms, z_idx, lon[s_idx], lat[s_idx])
    s_idx, z_idx = s_idx[inside], z_idx[inside]
    # Leave out the zones whose border touches the representative cell (candidates).
    e = np.searchsorted(edge_f, fi)
    e = np.minimum(e, len(edge_f) - 1)
    has = np.flatnonzero(~is_coarse & (edge_f[e] == fi))
    rec_end = np.r_[edge_first[1:], len(rec_zone)]
    cnt = rec_end[e[has]] - edge_first[e[has]]
    cand = (
        np.repeat(has, cnt) * len(geoms)
        + rec_zone[np.repeat(edge_first[e[has]], cnt) + r.ramp(cnt)]
    )
    key = s_idx * len(geoms) + z_idx
    key = np.sort(key[~np.isin(key, cand)])
    s_idx, z_idx = key // len(geoms), key % len(geoms)
    check = np.zeros(n_sets, dtype=np.uint64)
    np.add.at(check, s_idx, keys[z_idx])
    if not np.array_equal(check, set_h):
        bad = int(np.flatnonzero(check != set_h)[0])
        raise RuntimeError(f"zone grid build is inconsistent at set {bad} (a bug)")
    set_start = np.r_[0, np.cumsum(np.bincount(s_idx, minlength=n_sets))].astype(np.int64)
    return set_start, z_idx.astype(np.int32)
