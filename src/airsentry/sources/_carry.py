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

An identity silent for ``forget_s`` (event time: the gap between its rows, and for
the memory the newest position a decoder has seen) is forgotten: its values are not
carried onto a later return, which its own next identification message fills within
seconds anyway (ADS-B broadcasts it every few seconds; the tracker has ended its track
long before). Without it a live feed kept every aircraft it had ever heard and sorted
them all again with every chunk: the soak's heap grew by the 50 new aircraft a second
of its traffic (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.columns import cells
from airsentry.model import FloatArray, IntArray, ObjArray

Column = np.ndarray[Any, Any]

FORGET_S = 600.0
"""Silence (s) after which an identity's carried values are forgotten: twice the
tracker's default expiry, ten times the age up to which kinematics are carried."""


def _missing(values: Column) -> Column:
    if values.dtype == object:
        return np.asarray(values == "", dtype=np.bool_)
    return np.isnan(values)


@dataclass
class Carry:
    """Latest value and report time of each attribute, per identity.

    ``fields`` maps an attribute name to its kind: ``float`` (NaN is "unknown") or
    ``str`` ("" is "unknown"). ``forget_s``: an identity without a row for this long
    (behind the ``now`` its decoder gives) is forgotten.
    """

    fields: dict[str, type]
    forget_s: float = FORGET_S
    keys: np.ndarray[Any, np.dtype[np.str_]] = field(default_factory=lambda: np.empty(0, dtype=str))
    values: dict[str, Column] = field(default_factory=dict)
    times: dict[str, FloatArray] = field(default_factory=dict)
    seen: FloatArray = field(default_factory=lambda: np.empty(0))  # newest row per identity
    newest: float = -np.inf  # the latest ``now`` given

    def __post_init__(self) -> None:
        for name, kind in self.fields.items():
            self.values.setdefault(name, _empty(kind, 0))
            self.times.setdefault(name, np.empty(0))

    def fill(
        self, keys: ObjArray, t: FloatArray, columns: dict[str, Column], now: float = np.nan
    ) -> dict[str, tuple[Column, FloatArray]]:
        """Fill one chunk (rows in file order) and remember its latest values.

        Returns, per attribute, the value in force at each row (the row's own value if
        it has one) and the time it was reported (NaN when there is none). ``now``: the
        time the chunk brings the feed to, against which silence is judged (the
        decoders give their newest position: a file need not be in time order, and the
        simulator writes every identification first, each at its aircraft's first
        report); NaN (none) forgets nothing.

        Only the memory rows of the identities in the chunk take part: the others
        cannot change, and sorting all of them with every chunk made a live feed's
        cost grow with the aircraft it knew (a 2,900-row chunk: 5.6 ms with 2,000
        remembered, 11.4 ms with 30,000; now 1.65 and 3.7 ms, interleaved).
        """
        chunk = np.asarray(keys, dtype=str)  # fixed-width text sorts fast
        if not len(chunk):
            if len(self.keys):
                self._forget(now)
            return {name: (_empty(kind, 0), np.empty(0)) for name, kind in self.fields.items()}
        ids, row_id = np.unique(chunk, return_inverse=True)
        row_id = row_id.reshape(-1)
        slot = np.searchsorted(self.keys, ids)
        known = slot < len(self.keys)
        known[known] = self.keys[slot[known]] == ids[known]
        mem = slot[known]  # memory rows taking part, in the order of ``ids``
        m = len(mem)
        # memory row first within its identity, then the chunk's rows in file order
        order = np.argsort(np.r_[np.flatnonzero(known), row_id], kind="stable")
        starts = np.r_[0, np.cumsum(known.astype(np.int64) + np.bincount(row_id))[:-1]]
        row_t = np.r_[self.seen[mem], t][order]  # a memory row: its identity's last row
        # a value is carried within a run: an identity's rows, broken where it fell silent
        # for ``forget_s`` (so what is carried does not depend on where chunks are cut)
        with np.errstate(invalid="ignore"):
            silent = np.r_[False, np.diff(row_t) > self.forget_s]
        silent[starts] = True
        runs = np.flatnonzero(silent)
        rows = m + len(chunk)
        positions = np.arange(rows, dtype=np.int64)
        run_start = np.repeat(runs, np.diff(np.r_[runs, rows]))
        run_end = np.r_[starts[1:] - 1, rows - 1]  # each identity's last row

        out: dict[str, tuple[Column, FloatArray]] = {}
        latest: dict[str, tuple[Column, FloatArray]] = {}
        for name, kind in self.fields.items():
            values = np.concatenate([self.values[name][mem], np.asarray(columns[name])])
            own = ~_missing(values)
            times = np.concatenate([self.times[name][mem], np.where(own[m:], t, np.nan)])
            src_sorted = _last_source(own[order], positions, run_start, order)
            src = np.empty(rows, dtype=np.int64)
            src[order] = src_sorted
            filled = _take(values, src, kind)
            when = np.where(src >= 0, times[np.maximum(src, 0)], np.nan)
            out[name] = (filled[m:], when[m:])
            last = src_sorted[run_end]
            latest[name] = (
                _take(values, last, kind),
                np.where(last >= 0, times[np.maximum(last, 0)], np.nan),
            )
        self._remember(ids, known, slot, latest, np.fmax.reduceat(row_t, starts))
        self._forget(now)
        return out

    def _remember(
        self,
        ids: Column,
        known: Column,
        slot: IntArray,
        latest: dict[str, tuple[Column, FloatArray]],
        seen: FloatArray,
    ) -> None:
        """Store the chunk's identities' latest values (``ids`` sorted; ``known``: in
        memory already, at ``slot``; the others are inserted there, keeping it sorted)."""
        fresh = ~known
        at = slot[fresh]
        width = np.result_type(self.keys.dtype, ids.dtype)
        self.keys = np.insert(self.keys.astype(width, copy=False), at, ids[fresh])
        self.seen = self._merged(self.seen, slot[known], at, seen, known)
        for name, (values, times) in latest.items():
            self.values[name] = self._merged(self.values[name], slot[known], at, values, known)
            self.times[name] = self._merged(self.times[name], slot[known], at, times, known)

    @staticmethod
    def _merged(old: Column, update: IntArray, at: IntArray, new: Column, known: Column) -> Column:
        """``old`` with the known identities' rows (``update``) set from ``new`` and the
        fresh ones' inserted at ``at`` (``new`` in the order of the chunk's identities)."""
        out = old.copy()
        out[update] = new[known]
        return np.insert(out, at, new[~known])

    def _forget(self, newest: float) -> None:
        """Drop the identities silent for ``forget_s`` behind ``newest`` (or behind an
        earlier chunk's, if later)."""
        if newest == newest:  # not NaN
            self.newest = max(self.newest, newest)
        keep = self.seen >= self.newest - self.forget_s
        if keep.all():
            return
        self.keys, self.seen = self.keys[keep], self.seen[keep]
        for name in self.fields:
            self.values[name] = self.values[name][keep]
            self.times[name] = self.times[name][keep]


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
        return cells(n)
    return np.full(n, np.nan)
