"""Per-aircraft memory across chunks, computed for whole chunks at once.

Mode S state lives per aircraft (its last callsign, altitude, velocity, its last even
and odd CPR frames, its last position). Rows of a chunk are in arrival order; the
question asked of each row is "what is the latest earlier row of the same aircraft
that has X?". :func:`last_index` answers it for every row with one stable sort by
key and a running maximum: no loop per row. :class:`Carry` keeps the latest value of
each attribute per aircraft (numbers only: text travels as integer codes) and fills
each row of a chunk with the value in force at that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.sources.modes.fields import F64, I64


@dataclass(frozen=True)
class Groups:
    """Rows grouped by key, in their original order within each group."""

    order: I64  # sorted position -> row
    run_start: I64  # sorted position -> sorted position where its group starts
    run_end: I64  # for each group: its last sorted position
    first_rows: I64  # for each group: one row (to read its key)

    @staticmethod
    def of(keys: I64) -> Groups:
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        new = np.r_[True, sk[1:] != sk[:-1]] if len(sk) else np.zeros(0, dtype=np.bool_)
        starts = np.flatnonzero(new)
        run_start = np.repeat(starts, np.diff(np.r_[starts, len(sk)]))
        run_end = np.r_[starts[1:] - 1, len(sk) - 1] if len(starts) else starts
        return Groups(order, run_start, run_end.astype(np.int64), order[starts])

    def last(self, mask: np.ndarray, *, strict: bool = False) -> I64:
        """Per row: the latest row at or before it (``strict``: before it) of its group
        where ``mask`` holds, or -1."""
        n = len(self.order)
        pos = np.arange(n, dtype=np.int64)
        acc = np.maximum.accumulate(np.where(mask[self.order], pos, -1)) if n else pos
        if strict and n:
            acc = np.r_[-1, acc[:-1]]
        found = acc >= self.run_start
        out = np.empty(n, dtype=np.int64)
        out[self.order] = np.where(found, self.order[np.maximum(acc, 0)], -1)
        return out

    def last_of_group(self, mask: np.ndarray) -> I64:
        """For each group: its latest row where ``mask`` holds, or -1."""
        return self.last(mask)[self.order[self.run_end]]


def take(values: F64, index: I64) -> F64:
    """``values[index]`` with NaN where ``index`` is -1."""
    if len(values) == 0:
        return np.full(len(index), np.nan)
    return np.where(index >= 0, values[np.maximum(index, 0)], np.nan)


@dataclass
class Carry:
    """Latest value (NaN: unknown) and its time, per key and attribute."""

    names: tuple[str, ...]
    keys: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: dict[str, F64] = field(default_factory=dict)
    times: dict[str, F64] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.names:
            self.values.setdefault(name, np.empty(0))
            self.times.setdefault(name, np.empty(0))

    def fill(self, keys: I64, t: F64, columns: dict[str, F64]) -> dict[str, tuple[F64, F64]]:
        """Value in force at each row (its own if it has one) and when it was reported."""
        m = len(self.keys)
        every = np.r_[self.keys, keys]
        groups = Groups.of(every)
        out: dict[str, tuple[F64, F64]] = {}
        last_rows = self.keys
        for name in self.names:
            values = np.r_[self.values[name], columns[name]]
            times = np.r_[self.times[name], np.where(np.isnan(columns[name]), np.nan, t)]
            src = groups.last(~np.isnan(values))
            out[name] = (take(values, src)[m:], take(times, src)[m:])
            final = src[groups.order[groups.run_end]]
            self.values[name] = take(values, final)
            self.times[name] = take(times, final)
            last_rows = every[groups.first_rows]
        self.keys = last_rows
        return out

    def forget_before(self, t: float) -> None:
        """Drop keys whose every attribute is older than ``t`` (bounded memory)."""
        if not len(self.keys):
            return
        newest = np.full(len(self.keys), -np.inf)
        for name in self.names:
            newest = np.fmax(newest, self.times[name])
        keep = newest >= t
        self.keys = self.keys[keep]
        for name in self.names:
            self.values[name] = self.values[name][keep]
            self.times[name] = self.times[name][keep]
