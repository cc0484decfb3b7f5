"""The build of :class:`~airsentry.airspace.index.ZoneIndex`: zone borders onto a grid.

The globe is cut into a regular lon/lat grid of *coarse* cells (``coarse_deg``), each
cut into ``fine x fine`` *fine* cells. A fine cell that no zone border touches lies
wholly inside a fixed set of zones: it is *settled* and stores one integer, the id of
that zone set. A fine cell that some border touches is an *edge* cell: it stores the
zones that wholly contain it, its distinct border segments, a reference point away from
them, and one *record* per zone whose border touches it (which of the cell's segments
are that zone's, and whether the reference point is inside the zone). A query point in
an edge cell is inside a record's zone when the segment from it to the reference point
crosses the zone's segments an odd number of times (only the cell's own segments can
cross it): a few vectorised orientation tests.

Coarse cells that no border touches share one block of fine cells per zone set, so the
lookup is two array reads for every point (coarse cell -> block, block + fine cell ->
code); the edge cells of a block are numbered consecutively, so the fine codes fit in
16 bits and the edge data of one cell is contiguous in memory.

How the build finds which cells are inside which zones without testing cells one by
one: borders are traversed cell by cell (every cell a segment passes through, or comes
within ``raster.EPS`` cell of, is an edge cell); a scanline fill along the centre line
of every row (crossings sorted, inside between odd and even ones) marks the cells whose
centres are inside. Zone sets are accumulated as sums of random 64-bit keys (range
additions along rows), interned, and decoded into zone lists by one exact ``shapely``
test of a representative point per distinct set; every decoded set is checked against
its key sum, so a build error cannot pass silently.

Exactness: a settled cell is at least ``EPS`` fine cell (2 mm) from every border, so
its answer is exact; in edge cells the orientation tests are float64 on the original
coordinates, exact except for points within ~1e-13 degree of a border, where either
answer is right. Zone geometries must be valid (rings do not cross).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.airspace import raster as r
from airsentry.airspace.gridsets import decode_sets, references
from airsentry.airspace.raster import F64, I32, I64, U64, GridSpec, Mask

__all__ = ["Grid", "GridSpec", "build_grid"]


@dataclass(frozen=True, slots=True, eq=False)
class Grid:
    """The arrays of a built grid (see the module docstring). ``fine_code >= 0`` is a
    zone set id; ``fine_code < 0`` is edge cell ``block_edge_start[block] - code - 1``."""

    spec: GridSpec
    block_of: I32  # (ncy * ncx,) block of each coarse cell
    fine_code: npt.NDArray[np.signedinteger[Any]]  # (nblocks * fine**2,) int16 or int32
    block_edge_start: I32  # (edge blocks + 1,)
    set_start: I64  # (nsets + 1,) CSR of zone sets
    set_zones: I32
    edge_sid: I32  # zones wholly containing the edge cell
    edge_ref: F64  # (nedge, 2) reference point, lon and lat
    edge_seg_start: I32  # (nedge + 1,) the cell's distinct segments
    seg: F64  # (nseg, 4) x0 y0 x1 y1, degrees (rows: one point's segments are adjacent)
    seg_ref_side: Mask  # the cell's reference point is left of the segment
    seg_mask: U64  # (nseg, words) bit j: the cell's record j owns the segment
    edge_rec_start: I32  # (nedge + 1,)
    edge_ref_mask: U64  # (nedge, words) bit j: the reference point is in record j's zone
    rec_zone: I32


def build_grid(geometries: Any, spec: GridSpec | None = None) -> Grid:
    """Rasterise polygonal ``geometries`` (lon/lat, valid) into a :class:`Grid`."""
    spec = spec or GridSpec()
    geoms = np.asarray(geometries, dtype=object)
    seg, seg_zone = r.segments(geoms)
    if not len(seg):
        return _empty_grid(spec)
    # Segment identities do not depend on the rest: find them on the second core.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ids = pool.submit(r.segment_ids, seg)
        return _build(geoms, spec, seg, seg_zone, ids)


def _build(
    geoms: Any, spec: GridSpec, seg: F64, seg_zone: I64, ids: Future[tuple[I64, F64]]
) -> Grid:
    nz, big, sh = len(geoms), spec.fine, spec.shift
    ncx, ncy, nfx, nfy = spec.ncx, spec.ncy, spec.nfx, spec.nfy
    ncc, ff, mask = ncx * ncy, big * big, big - 1
    nseg = len(seg)
    u0, v0 = (seg[:, 0] - spec.lon0) * spec.inv_fine, (seg[:, 1] - spec.lat0) * spec.inv_fine
    u1, v1 = (seg[:, 2] - spec.lon0) * spec.inv_fine, (seg[:, 3] - spec.lat0) * spec.inv_fine
    keys = r.zone_keys(nz)

    # Touched fine cells, numbered block-major: f = block * fine**2 + row * fine + col.
    s, cx, cy = r.touched_cells(u0, v0, u1, v1)
    coarse = (cy >> sh) * ncx + (cx >> sh)
    blocks = r.sorted_unique(coarse)
    nb = len(blocks)
    pair = r.sorted_unique(
        (np.searchsorted(blocks, coarse) * ff + (cy & mask) * big + (cx & mask)) * nseg + s
    )
    del s, cx, cy, coarse
    p_f, p_seg = pair // nseg, pair % nseg
    p_zone = seg_zone[p_seg]
    rec_first = np.flatnonzero(np.r_[True, (p_f[1:] != p_f[:-1]) | (p_zone[1:] != p_zone[:-1])])
    rec_f, rec_zone = p_f[rec_first], p_zone[rec_first]
    edge_first = np.flatnonzero(np.r_[True, rec_f[1:] != rec_f[:-1]])
    edge_f = rec_f[edge_first]
    rec_c = blocks[rec_f // ff]
    rfx = (rec_c % ncx) * big + (rec_f & mask)
    rfy = (rec_c // ncx) * big + ((rec_f % ff) >> sh)

    # Coarse cells touched by each zone's border, sorted by zone, row and column.
    cz_key = r.sorted_unique(rec_zone * ncc + rec_c)
    ce_zone, ce_cell = cz_key // ncc, cz_key % ncc

    # Coarse fill: key sums of the zones wholly containing each coarse cell.
    civ = r.intervals(*r.row_crossings(seg_zone, u0 / big, v0 / big, u1 / big, v1 / big))
    w = ncx + 1
    acc = r.range_add(ncy * w, civ[1] * w + civ[2], civ[1] * w + civ[3], keys[civ[0]])
    coarse_h = np.cumsum(acc.reshape(ncy, w), axis=1)[:, :ncx].ravel()
    done = r.filled(civ, ce_zone, ce_cell // ncx, ce_cell % ncx, ncx, ncy)
    np.subtract.at(coarse_h, ce_cell[done], keys[ce_zone[done]])

    # Fine fill inside the blocks where the zone's border passes.
    fiv = r.intervals(*r.row_crossings(seg_zone, u0, v0, u1, v1))
    iz, ir, lo, hi = fiv
    base = iz * ncc + (ir >> sh) * ncx
    a = np.searchsorted(cz_key, base + (lo >> sh), side="left")
    cnt = np.searchsorted(cz_key, base + ((hi - 1) >> sh), side="right") - a
    ii = np.repeat(np.arange(len(iz)), cnt)
    pc = ce_cell[np.repeat(a, cnt) + r.ramp(cnt)]
    col0 = (pc % ncx) * big
    flat = (np.searchsorted(blocks, pc) * big + (ir[ii] & mask)) * (big + 1)
    acc = r.range_add(
        nb * big * (big + 1),
        flat + np.maximum(lo[ii], col0) - col0,
        flat + np.minimum(hi[ii], col0 + big) - col0,
        keys[iz[ii]],
    )
    fine_h = np.cumsum(acc.reshape(nb, big, big + 1), axis=2)[:, :, :big]
    fine_h = (fine_h + coarse_h[blocks][:, None, None]).ravel()
    rec_filled = r.filled(fiv, rec_zone, rfy, rfx, nfx, nfy)
    np.subtract.at(fine_h, rec_f[rec_filled], keys[rec_zone[rec_filled]])

    # The distinct segments of each edge cell, and each record's among them.
    gid, geo = ids.result()
    ngeo = len(geo)
    p_edge = np.searchsorted(edge_f, p_f)
    p_key = p_edge * ngeo + gid[p_seg]
    cg = r.sorted_unique(p_key)
    cg_edge, cg_geo = cg // ngeo, cg % ngeo
    edge_seg_start = np.r_[np.flatnonzero(np.r_[True, cg_edge[1:] != cg_edge[:-1]]), len(cg)]
    cell_seg = np.ascontiguousarray(geo[cg_geo])
    ref_x, ref_y, rec_inside = references(
        geoms, spec, edge_f, blocks, edge_first, rec_zone, rec_filled, edge_seg_start,
        (cell_seg[:, 0], cell_seg[:, 1], cell_seg[:, 2], cell_seg[:, 3]),
    )  # fmt: skip
    # Which side of each segment the reference point lies (the query reuses it).
    sx0, sy0, sx1, sy1 = cell_seg.T
    rx, ry = ref_x[cg_edge], ref_y[cg_edge]
    ref_side = (sx1 - sx0) * (ry - sy0) - (sy1 - sy0) * (rx - sx0) > 0

    # Records of a cell as bits: which records own each segment, which hold the ref.
    rec_edge = np.repeat(np.arange(len(edge_f)), np.diff(np.r_[edge_first, len(rec_zone)]))
    rec_bit = np.arange(len(rec_zone)) - edge_first[rec_edge]
    words = int(rec_bit.max()) // 64 + 1 if len(rec_bit) else 1
    p_rec = np.cumsum(np.r_[True, (p_f[1:] != p_f[:-1]) | (p_zone[1:] != p_zone[:-1])]) - 1
    seg_mask = np.zeros((len(cg), words), dtype=np.uint64)
    edge_ref_mask = np.zeros((len(edge_f), words), dtype=np.uint64)
    one = np.uint64(1)
    for w in range(words):
        mine = np.flatnonzero(rec_bit[p_rec] // 64 == w)
        bits = one << (rec_bit[p_rec[mine]] % 64).astype(np.uint64)
        np.bitwise_or.at(seg_mask[:, w], np.searchsorted(cg, p_key[mine]), bits)
        held = np.flatnonzero(rec_inside & (rec_bit // 64 == w))
        bits = one << (rec_bit[held] % 64).astype(np.uint64)
        np.bitwise_or.at(edge_ref_mask[:, w], rec_edge[held], bits)

    # Intern the zone sets of settled coarse cells and of all fine cells of blocks.
    settled = np.ones(ncc, dtype=bool)
    settled[blocks] = False
    settled_cells = np.flatnonzero(settled)
    all_h = np.concatenate([coarse_h[settled_cells], fine_h])
    some = np.flatnonzero(all_h)  # most cells are in no zone: set 0, the empty set
    sid = np.zeros(len(all_h), dtype=np.int64)
    sid_some, set_h = r.intern(all_h[some])
    sid[some] = sid_some + 1
    set_h = np.r_[np.uint64(0), set_h]
    set_start, set_zones = decode_sets(
        geoms, spec, keys, set_h, sid, settled_cells, blocks, edge_f, edge_first, rec_zone
    )

    # Tables: coarse cell -> block; settled coarse cells share one block per zone set.
    n_cs = len(settled_cells)
    present = np.bincount(sid[:n_cs], minlength=len(set_h)) > 0
    rank = np.cumsum(present) - 1
    block_of = np.empty(ncc, dtype=np.int32)
    block_of[blocks] = np.arange(nb, dtype=np.int32)
    block_of[settled_cells] = (nb + rank[sid[:n_cs]]).astype(np.int32)
    code = np.concatenate([sid[n_cs:], np.repeat(np.flatnonzero(present), ff)])
    edge_sid = code[edge_f].astype(np.int32)
    block_edge_start = np.searchsorted(edge_f // ff, np.arange(nb + 1))
    code[edge_f] = -1 - (np.arange(len(edge_f)) - block_edge_start[edge_f // ff])
    dtype = np.int16 if len(set_h) < 2**15 else np.int32
    return Grid(
        spec=spec,
        block_of=block_of,
        fine_code=code.astype(dtype),
        block_edge_start=_i32(block_edge_start),
        set_start=set_start,
        set_zones=set_zones,
        edge_sid=edge_sid,
        edge_ref=np.column_stack([ref_x, ref_y]),
        edge_seg_start=_i32(edge_seg_start),
        seg=cell_seg,
        seg_ref_side=ref_side,
        edge_rec_start=_i32(np.r_[edge_first, len(rec_zone)]),
        rec_zone=rec_zone.astype(np.int32),
        seg_mask=seg_mask,
        edge_ref_mask=edge_ref_mask,
    )


def _empty_grid(spec: GridSpec) -> Grid:
    """The grid of no zones: every cell settled in the empty set."""
    i32, f64, u64 = np.zeros(0, np.int32), np.zeros((0, 4)), np.zeros((0, 1), np.uint64)
    return Grid(
        spec=spec,
        block_of=np.zeros(spec.ncx * spec.ncy, dtype=np.int32),
        fine_code=np.zeros(spec.fine * spec.fine, dtype=np.int16),
        block_edge_start=np.zeros(1, np.int32),
        set_start=np.zeros(2, np.int64),
        set_zones=i32,
        edge_sid=i32,
        edge_ref=np.zeros((0, 2)),
        edge_seg_start=np.zeros(1, np.int32),
        seg=f64,
        seg_ref_side=np.zeros(0, bool),
        edge_rec_start=np.zeros(1, np.int32),
        rec_zone=i32,
        seg_mask=u64,
        edge_ref_mask=u64,
    )


def _i32(a: I64) -> I32:
    """Offsets as int32 (half the memory); the sizes here are far below 2**31."""
    if len(a) and a[-1] >= 2**31:
        raise OverflowError("zone grid too large for 32-bit offsets")
    return a.astype(np.int32)
