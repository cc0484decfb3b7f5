"""Merge several feeds into one stream in event-time order, with a bounded reorder window.

Feeds deliver reports slightly out of order (network delay, receivers that batch) and
at different lags. :class:`Merger` holds every report for up to ``window_s`` of event
time: the *watermark* is the latest event time seen from any feed minus ``window_s``,
and :meth:`Merger.release` hands on, sorted by time, every held report at or before
it. A report that arrives already older than the last watermark released cannot be put
in order any more: it is counted as late (per feed, and in the quarantine's skipped
counts) and not passed on, since the tracker would drop it anyway.

When event time has not moved forward for ``window_s`` of wall time (every feed quiet,
or a polled document that has not changed), whatever is held is released, so a lull
never holds reports back longer than the window.
Everything is vectorised: a release is one concatenation, one stable sort and one
``searchsorted``.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine

LATE_REASON = "late: older than the merge watermark"


class Merger:
    """Event-time merge of several feeds (see the module docstring)."""

    def __init__(self, window_s: float = 2.0, quarantine: Quarantine | None = None) -> None:
        if not window_s >= 0:
            raise ValueError("window_s must be >= 0")
        self.window_s = window_s
        self.quarantine = quarantine
        self.late: Counter[str] = Counter()
        self.released = 0
        self._held: list[ReportBatch] = []
        self._held_rows = 0
        self._latest = -math.inf  # latest event time seen
        self._watermark = -math.inf  # everything at or before this was released
        self._last_push = -math.inf  # wall time at which event time last moved forward

    @property
    def held(self) -> int:
        return self._held_rows

    @property
    def watermark(self) -> float:
        return self._watermark

    def push(self, feed: str, batch: ReportBatch, now: float) -> int:
        """Hold ``batch`` of feed ``feed`` for ordering; return how many rows were late."""
        if not len(batch):
            return 0
        late = batch.t < self._watermark
        n_late = int(late.sum())
        if n_late:
            self.late[feed] += n_late
            if self.quarantine is not None:
                self.quarantine.skip(LATE_REASON, n_late)
            batch = batch.take(~late)
            if not len(batch):
                return n_late
        self._held.append(batch)
        self._held_rows += len(batch)
        latest = float(np.nanmax(batch.t))
        if latest > self._latest:
            self._latest = latest
            self._last_push = now
        return n_late

    def release(self, now: float, *, everything: bool = False) -> ReportBatch:
        """Reports up to the watermark, in time order (all of them if ``everything`` or
        if event time stood still for ``window_s`` of wall time)."""
        if not self._held_rows:
            return ReportBatch.empty()
        if everything or now - self._last_push >= self.window_s:
            cut = self._latest
        else:
            cut = self._latest - self.window_s
        if cut <= self._watermark:
            return ReportBatch.empty()
        merged = ReportBatch.concat(self._held).sorted_by_time()
        n = int(np.searchsorted(merged.t, cut, side="right"))
        out, rest = merged.take(slice(0, n)), merged.take(slice(n, None))
        self._held = [rest] if len(rest) else []
        self._held_rows = len(rest)
        self._watermark = cut
        self.released += len(out)
        return out
