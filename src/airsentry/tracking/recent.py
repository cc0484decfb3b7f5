"""Bounded recent rows of keyed tracks: a ring of a few time buckets per track slot.

The cooperative tracker needs a track's earlier positions for two things: a velocity
from positions far enough apart where the feed gives none (4 s for ADS-B, ~50 s for
150 m radar plots), and the reference rows the combined tracker joins anonymous plots
and new sensor tracks onto (the last seconds: interpolation between the row before and
the row after a plot, or extrapolation from the nearest one). Neither needs every row:
a row per time bucket does, at a resolution that is a small fraction of the baseline.

:class:`RecentRows` keeps, per track slot, ``depth`` buckets of ``bucket_s`` seconds in
preallocated NumPy arrays (one row per bucket, the last one seen in it; bucket ``b``
lives at ``b % depth``, so a new bucket overwrites the one ``depth`` buckets older).
What a track holds is at most ``depth`` rows whatever the report rate, numbers only
(no Python objects per row), and every write or read touches only the slots involved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.order import lexsort

# columns of a kept row, in this order along the last axis
COLUMNS = ("t", "lat", "lon", "alt", "accuracy", "vel_e", "vel_n", "transponder")
_T = 0
_VE, _VN = COLUMNS.index("vel_e"), COLUMNS.index("vel_n")
_ROW = np.dtype((np.void, 8 * len(COLUMNS)))  # one kept row's bytes as one item


@dataclass(frozen=True, slots=True)
class Kept:
    """Kept rows gathered for some slots: each column, and the slot of every row."""

    slot: IntArray
    values: FloatArray  # (rows, len(COLUMNS))

    def col(self, name: str) -> FloatArray:
        return np.ascontiguousarray(self.values[:, COLUMNS.index(name)])

    @property
    def transponder(self) -> BoolArray:
        return self.values[:, COLUMNS.index("transponder")] > 0.5

    def __len__(self) -> int:
        return len(self.slot)


class RecentRows:
    """``depth`` rows per slot, one per ``bucket_s`` time bucket (see the module)."""

    def __init__(self, bucket_s: float, depth: int, capacity: int = 64) -> None:
        if bucket_s <= 0 or depth < 2:
            raise ValueError("bucket_s must be positive and depth at least 2")
        self.bucket_s = float(bucket_s)
        self.depth = int(depth)
        self._data = np.full((capacity, self.depth, len(COLUMNS)), np.nan)

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    def grow(self, capacity: int) -> None:
        """Room for slots up to ``capacity`` (existing rows kept)."""
        if capacity <= self.capacity:
            return
        data = np.full((capacity, self.depth, len(COLUMNS)), np.nan)
        data[: self.capacity] = self._data
        self._data = data

    def clear(self, slots: IntArray) -> None:
        """Forget every row of ``slots`` (their tracks ended)."""
        self._data[slots] = np.nan

    def held(self) -> int:
        """Rows held (finite times), over all slots."""
        return int(np.isfinite(self._data[:, :, _T]).sum())

    def write(self, slot: IntArray, values: FloatArray) -> None:
        """Keep rows (``values``: rows x COLUMNS, times in column 0, none older than the
        slot's kept rows): the last row of each (slot, bucket) takes its bucket's place."""
        if not len(slot):
            return
        t = values[:, _T]
        bucket = np.floor(t / self.bucket_s).astype(np.int64)
        order = lexsort((t, bucket, slot))
        s, b = slot[order], bucket[order]
        last = np.r_[(s[1:] != s[:-1]) | (b[1:] != b[:-1]), True]
        idx = order[last]
        # whole rows, each as one item: a 1-D gather and scatter (a 2-D fancy index
        # copies row by row, 2-3x the CPU)
        rows = np.take(np.ascontiguousarray(values, dtype=np.float64), idx, axis=0)
        at = slot[idx] * self.depth + bucket[idx] % self.depth
        self._rows()[at] = rows.view(_ROW).reshape(-1)

    def _rows(self) -> np.ndarray:
        """The kept rows as a 1-D array with one item per (slot, bucket) row (a view)."""
        return self._data.reshape(-1, len(COLUMNS)).view(_ROW).reshape(-1)

    def median_velocity(self, slots: IntArray) -> tuple[FloatArray, FloatArray]:
        """Per slot, the median east and north velocity of its kept rows (NaN where none
        has one): robust to a few wrong ones (Huber, *Robust Statistics*, 1981), as when a
        clutter plot joined to a keyed track made the next rows' differences hundreds of
        m/s (drone wall, plots variant)."""
        vel = self._data[slots][:, :, [_VE, _VN]]
        known = np.isfinite(vel).all(axis=2)
        vel = np.where(known[:, :, None], vel, np.inf)  # unknown rows sort last
        n = known.sum(axis=1)
        vel = np.sort(vel, axis=1)
        lo, hi = np.maximum((n - 1) // 2, 0), np.maximum(n // 2, 0)
        rows = np.arange(len(slots))
        med = 0.5 * (vel[rows, lo] + vel[rows, hi])
        med[n == 0] = np.nan
        return med[:, 0], med[:, 1]

    def gather(
        self, slots: IntArray, since: float, upto: FloatArray | None = None, newest: int = 0
    ) -> Kept:
        """The kept rows of ``slots`` at or after ``since``; with ``upto`` (one time per
        slot), of the rows at or before it only the newest (a search for the newest row
        at or before some time >= ``upto`` needs no older one); with ``newest``, at most
        that many rows per slot, the newest."""
        t = self._data[slots, :, _T]  # (n, depth)
        lower = np.full(len(slots), since)
        if 0 < newest < self.depth:
            filled = np.where(np.isfinite(t), t, -np.inf)
            kth = np.partition(filled, self.depth - newest, axis=1)[:, self.depth - newest]
            lower = np.maximum(lower, kth)
        if upto is not None:
            older = np.where(t <= upto[:, None], t, -np.inf)
            lower = np.maximum(lower, older.max(axis=1, initial=-np.inf))
        rows, pos = np.nonzero(t >= lower[:, None])  # NaN (empty) is not
        return Kept(slots[rows], self._data[slots[rows], pos])
