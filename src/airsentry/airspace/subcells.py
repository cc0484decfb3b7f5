"""Sub-cells of the grid's edge cells, settled lazily: most edge points need no test.

An edge cell (a fine cell some border passes through, see :mod:`.grid`) is cut into
``SUB x SUB`` sub-cells. A sub-cell that none of its cell's segments comes near lies
wholly on one side of each of them, so every point in it is in the same zones as its
centre: the first query that lands there tests the centre once (the same crossing test
as any edge point) and stores the answer in one byte; later points in that sub-cell
are two table reads. Only points in *mixed* sub-cells (a segment passes within
``MARGIN`` of a sub-cell) are tested against the segments themselves.

A byte per sub-cell is kept for the edge cells that queries have touched (a block of
``SUB * SUB`` bytes given out at a cell's first query). State 0 is unknown, 1 is mixed (or too
many zones in the cell for a byte), ``2 + m`` is settled with record bits ``m`` (the
cell's records, as :func:`crossing_masks` gives them). Each (cell, bits) pair met gets
its own zone set, appended to a copy of the grid's set table (``set_start``,
``set_zones``), so a point in a settled sub-cell is expanded into pairs exactly as a
point in a settled cell. Writes are idempotent, so concurrent queries may race
harmlessly (a set may then be appended twice, both copies equal).

Exactness: "no segment near" is decided with a margin of ``MARGIN`` sub-cell around the
sub-cell and a tolerance scaled to the segment's length, far above float rounding, so a
settled sub-cell is one where the centre's answer holds for every point in it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airsentry.airspace.grid import Grid
from airsentry.airspace.raster import F64, I64, U64, popcount

SUB_SHIFT = 4
SUB = 1 << SUB_SHIFT
MARGIN = 1e-3
"""Sub-cells (~0.2 m) around a sub-cell within which a segment makes it mixed."""
LOCAL_RECORDS = 7
"""A cell with more records than this keeps every sub-cell mixed (the byte holds 7 bits)."""
UNKNOWN, MIXED = 0, 1


def cell_segments(grid: Grid, e: I64) -> tuple[I64, I64, I64]:
    """Every (cell, segment) pair of edge cells ``e``, flat: the position in ``e`` of
    each pair, where each cell's pairs start, and the segment's row in ``grid.seg``."""
    ss = grid.edge_seg_start[e]
    sc = grid.edge_seg_start[e + 1] - ss
    tp: I64 = np.repeat(np.arange(len(e)), sc)
    first: I64 = np.cumsum(sc) - sc
    k: I64 = np.arange(len(tp)) + np.repeat(ss - first, sc)
    return tp, first, k


def crossing_masks(grid: Grid, e: I64, lat: F64, lon: F64) -> U64:
    """Record bits of the zones of edge cell ``e[i]`` holding point ``i``, shape
    (points, words): parity of the crossings of the segment from the point to the
    cell's reference point with every distinct segment of the cell, XOR-ed into the
    reference point's own bits."""
    g = grid
    tp, first, k = cell_segments(g, e)
    # In coordinates relative to the point P: A and B the segment, Q = R - P.
    ref = np.take(g.edge_ref, e, axis=0)
    px, py = lon[tp], lat[tp]
    qx, qy = (ref[:, 0] - lon)[tp], (ref[:, 1] - lat)[tp]
    seg = np.take(g.seg, k, axis=0)
    ax, ay = seg[:, 0] - px, seg[:, 1] - py
    bx, by = seg[:, 2] - px, seg[:, 3] - py
    left = ax * by - ay * bx > 0  # P left of A->B
    a_left = qx * ay - qy * ax > 0  # A left of P->R
    b_left = qx * by - qy * bx > 0
    cross = (left != g.seg_ref_side[k]) & (a_left != b_left)
    flips = np.where(cross[:, None], g.seg_mask[k], np.uint64(0))
    out: U64 = g.edge_ref_mask[e] ^ np.bitwise_xor.reduceat(flips, first, axis=0)
    return out


class SubCells:
    """The lazily settled sub-cells of one grid's edge cells (see the module doc)."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.scale = grid.spec.inv_fine * SUB  # sub-cells per degree
        self._chunk = np.zeros(0, dtype=np.int32)  # per edge cell: its byte block + 1
        self._pool = np.zeros(0, dtype=np.uint8)  # the blocks of SUB*SUB state bytes
        self._used = 0  # blocks given out
        rc = np.diff(grid.edge_rec_start).astype(np.int64)
        self._local = rc <= LOCAL_RECORDS
        slots = np.where(self._local, np.int64(1) << np.minimum(rc, LOCAL_RECORDS), 0)
        self._cell_base = np.cumsum(slots) - slots  # slot of (cell, bits) = base + bits
        self._n_slots = int(slots.sum())
        self._slot_set: npt.NDArray[np.int32] | None = None  # zone set id + 1 of a slot
        self.set_start: I64 = grid.set_start
        # int64, as the index's pairs are: a query gathers from it without a conversion
        self.set_zones: I64 = grid.set_zones.astype(np.int64)
        self.set_len: I64 = np.diff(grid.set_start)

    def set_of(self, e: I64, st: npt.NDArray[np.uint8]) -> I64:
        """The zone set id (in ``set_start``/``set_zones``) of settled states ``st`` of
        sub-cells of edge cells ``e``."""
        if self._slot_set is None:  # nothing settled yet
            return np.zeros(len(e), dtype=np.int64)
        slot = self._cell_base[e] + (st - np.uint8(2))
        out: I64 = self._slot_set[slot].astype(np.int64) - 1
        return out

    def states(self, e: I64, lat: F64, lon: F64) -> npt.NDArray[np.uint8]:
        """The state byte of the sub-cell of each point (edge cell ``e[i]``), settling
        the unknown ones first."""
        spec = self.grid.spec
        ux = ((lon - spec.lon0) * self.scale).astype(np.int64)
        uy = ((lat - spec.lat0) * self.scale).astype(np.int64)
        block = self._blocks(e)
        key = (block << (2 * SUB_SHIFT)) + ((uy & (SUB - 1)) << SUB_SHIFT) + (ux & (SUB - 1))
        state = self._pool
        st: npt.NDArray[np.uint8] = state[key]
        unknown = np.flatnonzero(st == UNKNOWN)
        if len(unknown):
            keys, first = np.unique(key[unknown], return_index=True)
            pick = unknown[first]
            state[keys] = self._settle(e[pick], ux[pick], uy[pick])
            st = state[key]
        return st

    def _blocks(self, e: I64) -> I64:
        """The state block of each edge cell ``e[i]``, given out at its first query
        (memory grows with the cells queries touch, not with the catalogue)."""
        if not len(self._chunk):
            self._chunk = np.zeros(len(self.grid.edge_sid), dtype=np.int32)
        ch = self._chunk[e]
        new = np.flatnonzero(ch == 0)
        if len(new):
            cells = np.unique(e[new])
            need = (self._used + len(cells)) << (2 * SUB_SHIFT)
            if need > len(self._pool):
                pool = np.zeros(max(need, 2 * len(self._pool)), dtype=np.uint8)
                pool[: len(self._pool)] = self._pool
                self._pool = pool
            self._chunk[cells] = np.arange(self._used + 1, self._used + 1 + len(cells))
            self._used += len(cells)
            ch = self._chunk[e]
        out: I64 = ch.astype(np.int64) - 1
        return out

    def _settle(self, e: I64, ux: I64, uy: I64) -> np.ndarray:
        """The state of sub-cell (``ux``, ``uy``: global sub-cell column and row) of
        edge cell ``e[i]``."""
        g, spec = self.grid, self.grid.spec
        fx, fy = ux.astype(np.float64), uy.astype(np.float64)
        x0: F64 = spec.lon0 + (fx - MARGIN) / self.scale
        x1: F64 = spec.lon0 + (fx + (1 + MARGIN)) / self.scale
        y0: F64 = spec.lat0 + (fy - MARGIN) / self.scale
        y1: F64 = spec.lat0 + (fy + (1 + MARGIN)) / self.scale
        tp, first, k = cell_segments(g, e)
        s = np.take(g.seg, k, axis=0)
        near = _touches(s, x0[tp], y0[tp], x1[tp], y1[tp])
        mixed = np.logical_or.reduceat(near, first) if len(near) else np.zeros(0, bool)
        mixed |= ~self._local[e]
        out = np.full(len(e), MIXED, dtype=np.uint8)
        ok = np.flatnonzero(~mixed)
        if len(ok):
            cx: F64 = spec.lon0 + (fx[ok] + 0.5) / self.scale
            cy: F64 = spec.lat0 + (fy[ok] + 0.5) / self.scale
            masks = crossing_masks(g, e[ok], cy, cx)[:, 0]
            out[ok] = (masks + np.uint64(2)).astype(np.uint8)
            self._add_sets(e[ok], masks.astype(np.int64))
        return out

    def _add_sets(self, e: I64, bits: I64) -> None:
        """Give each new (cell, record bits) pair its zone set: the zones wholly holding
        the cell and those of the set records."""
        if self._slot_set is None:
            self._slot_set = np.zeros(self._n_slots, dtype=np.int32)
        slot = self._cell_base[e] + bits
        new, first = np.unique(slot, return_index=True)
        fresh = self._slot_set[new] == 0
        new, e, bits = new[fresh], e[first[fresh]], bits[first[fresh]]
        if not len(new):
            return
        g = self.grid
        sid = g.edge_sid[e].astype(np.int64)
        base_len = self.set_len[sid]
        total = base_len + popcount(bits.astype(np.uint64)).astype(np.int64)
        start = np.cumsum(total) - total
        zones = np.empty(int(total.sum()), dtype=np.int64)
        i = np.repeat(np.arange(len(new)), base_len)
        r = np.arange(len(i)) - np.repeat(np.cumsum(base_len) - base_len, base_len)
        zones[start[i] + r] = self.set_zones[self.set_start[sid][i] + r]
        rs = g.edge_rec_start[e].astype(np.int64)
        off = base_len.copy()
        for b in range(LOCAL_RECORDS):
            on = np.flatnonzero((bits >> b) & 1)
            zones[start[on] + off[on]] = g.rec_zone[rs[on] + b]
            off[on] += 1
        n_sets = len(self.set_len)
        self.set_zones = np.concatenate([self.set_zones, zones])
        self.set_start = np.r_[self.set_start, self.set_start[-1] + np.cumsum(total)]
        self.set_len = np.r_[self.set_len, total]
        self._slot_set[new] = np.arange(n_sets + 1, n_sets + 1 + len(new), dtype=np.int32)


def _touches(s: F64, x0: F64, y0: F64, x1: F64, y1: F64) -> np.ndarray:
    """Whether segment ``s[i]`` (x0 y0 x1 y1) meets rectangle ``i`` (conservatively:
    bounding boxes overlap and the rectangle's corners are not all strictly on one side
    of the segment's line, with a tolerance)."""
    sx0, sy0, sx1, sy1 = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    boxes = (
        (np.minimum(sx0, sx1) <= x1)
        & (np.maximum(sx0, sx1) >= x0)
        & (np.minimum(sy0, sy1) <= y1)
        & (np.maximum(sy0, sy1) >= y0)
    )
    dx, dy = sx1 - sx0, sy1 - sy0
    tol = 1e-9 * (np.abs(dx) + np.abs(dy))
    lo = np.full(len(s), np.inf)
    hi = np.full(len(s), -np.inf)
    for cx, cy in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
        d = dx * (cy - sy0) - dy * (cx - sx0)
        lo, hi = np.minimum(lo, d), np.maximum(hi, d)
    out: np.ndarray = boxes & (lo <= tol) & (hi >= -tol)
    return out
