"""Carry each object's latest known attributes forward onto its later rows, vectorised.

Message-oriented feeds (SBS, Beast) spread one aircraft's state over several message
kinds: its callsign comes in one message, its velocity in another, its position in a
third. :class:`Carry` keeps, per identity, the latest value of each attribute and the
time it was reported, across the chunks of a file, and fills every row of a new chunk
with the values known at that row.

How it is done without a loop per row: the rows of the chunk are preceded by one
"memory" row per identity seen before, stably sorted by identity (so within an
identity the memory row comes first and the chunk rows keep their file order), and a
running maximum of "index of the last row holding a value" gives every row the row
its value comes from; a row whose source lies before the start of its identity's run
has no value yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import FloatArray, IntArray, ObjArray

Column = np.ndarray[Any, Any]


def _missing(values: Column) -> Column:
    if values.dtype == object:
        return np.asarray(values == "", dtype=np.bool_)
    return np.isnan(values)


@dataclass
class Carry:
    """Latest value and report time of each attribute, per identity.

    ``fields`` maps an attribute name to its kind: ``float`` (NaN is "unknown") or
    ``str`` ("" is "unknown").
    """

    fields: dict[str, type]
    keys: np.ndarray[Any, np.dtype[np.str_]] = field(default_factory=lambda: np.empty(0, dtype=str))
    values: dict[str, Column] = field(default_factory=dict)
    times: dict[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, kind in self.fields.items():
            self.values.setdefault(name, _empty(kind, 0))
            self.times.setdefault(name, np.empty(0))

    def fill(
        self, keys: ObjArray, t: FloatArray, columns: dict[str, Column]
    ) -> dict[str, tuple[Column, FloatArray]]:
        """Fill one chunk (rows in file order) and remember its latest values.

        Returns, per attribute, the value in force at each row (the row's own value if
        it has one) and the time it was reported (NaN when there is none).
        """
        m = len(self.keys)
        # Fixed-width text sorts several times faster than Python strings.
        every = np.concatenate([self.keys, np.asarray(keys, dtype=str)])
        if len(every) == 0:
            return {name: (_empty(kind, 0), np.empty(0)) for name, kind in self.fields.items()}
        uniq, code = np.unique(every, return_inverse=True)
        order = np.argsort(code, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(code[order]) != 0])
        positions = np.arange(len(every), dtype=np.int64)
        run_start = np.repeat(starts, np.diff(np.r_[starts, len(every)]))
        run_end = np.r_[starts[1:] - 1, len(every) - 1]

        out: dict[str, tuple[Column, FloatArray]] = {}
        for name, kind in self.fields.items():
            values = np.concatenate([self.values[name], np.asarray(columns[name])])
            own = ~_missing(values)
            times = np.concatenate([self.times[name], np.where(own[m:], t, np.nan)])
            src_sorted = _last_source(own[order], positions, run_start, order)
            src = np.empty(len(every), dtype=np.int64)
            src[order] = src_sorted
            filled = _take(values, src, kind)
            when = np.where(src >= 0, times[np.maximum(src, 0)], np.nan)
            out[name] = (filled[m:], when[m:])
            last = src_sorted[run_end]
            self.values[name] = _take(values, last, kind)
            self.times[name] = np.where(last >= 0, times[np.maximum(last, 0)], np.nan)
        self.keys = uniq
        return out


def _last_source(
    has_sorted: Column, positions: IntArray, run_start: IntArray, order: IntArray
) -> IntArray:
    """Per sorted row: the original index of the latest row of its run with a value, or -1."""
    last = np.maximum.accumulate(np.where(has_sorted, positions, -1))
    valid = last >= run_start
    return np.where(valid, order[np.maximum(last, 0)], -1)


def _take(values: Column, src: IntArray, kind: type) -> Column:
    picked = values[np.maximum(src, 0)]
    blank: Any = "" if kind is str else np.nan
    return np.where(src >= 0, picked, blank).astype(values.dtype)


def _empty(kind: type, n: int) -> Column:
    if kind is str:
        return np.full(n, "", dtype=object)
    return np.full(n, np.nan)
