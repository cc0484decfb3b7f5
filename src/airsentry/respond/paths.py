"""Every track's recent path, sampled, as one table of columns.

The traffic picture (:mod:`~airsentry.respond.picture`) keeps each track's positions
every ``sample_s`` seconds, the last ``max_samples`` of them, for the threat assessment
(how an incident's objects flew) and for the traffic at an earlier time (closing an
airport). It kept them as one small array per track, replaced by a copy one row longer
whenever a sample fell due: at national load (15,000 tracks kept, a sample every 20 s)
some 750 small allocations a second of ever-changing sizes, each living about 20 s
among the batch arrays. The allocator's heap filled with free holes between them that
no trim can return: the soak's resident memory rose ~80 MB an hour long after the
number of tracks had levelled off (issue 13), while the memory in use stayed flat.

:class:`SampledPaths` appends the samples of a batch to a few preallocated columns
(track id; time, latitude, longitude, altitude, on ground) and keeps each track's
newest sample time in two sorted arrays. The table is compacted only when it is full:
rows of forgotten tracks and rows beyond a track's newest ``max_samples`` go, and the
table doubles if it is still over three quarters full. Doubling the capacity (not
sizing it to twice the rows kept) matters: sized to the rows, a table whose traffic had
levelled off kept growing by a few per cent at every compaction for as long as the
rows crept up, in the soak up to 20 minutes after the traffic's state had filled
(issue 13); doubled, it grows only when the rows cross three quarters of a power of two
of the first capacity, a handful of times while the traffic builds up. Its memory is a
few large arrays whose size follows the traffic, not thousands of small ones; a batch's
work is a sort of its picked rows and a few ``searchsorted`` calls, with no Python loop
per track.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray, IntArray, TrackUpdates
from airsentry.order import lexsort

COLUMNS = 5  # t, lat, lon, alt, on_ground


class SampledPaths:
    """The sampled paths of every track (see the module's docstring)."""

    def __init__(self, sample_s: float, max_samples: int, capacity: int = 1024) -> None:
        self.sample_s = sample_s
        self.max_samples = max_samples
        self._tid, self._rows = _table(capacity)
        self._n = 0
        # the tracks that have samples (sorted), the time of each one's newest sample and
        # of its oldest since it was last forgotten (rows before that are dead: a track
        # id forgotten and seen again starts a new path)
        self._ids = np.empty(0, dtype=np.int64)
        self._last = np.empty(0, dtype=np.float64)
        self._since = np.empty(0, dtype=np.float64)

    def __len__(self) -> int:
        """Number of tracks with a path."""
        return len(self._ids)

    @property
    def rows_held(self) -> int:
        """Rows in the table, including those a compaction would drop."""
        return self._n

    def add(self, updates: TrackUpdates) -> None:
        """Sample a batch: the first row of each (track, ``sample_s`` bucket), if the
        track has no sample in that bucket yet (from an earlier batch) and it is at least
        half a period after the track's newest sample. One sample a period whatever the
        batches: a live feed's half-second batches sampled every half period before."""
        s = updates.state
        rows = np.flatnonzero(np.isfinite(s.lat) & np.isfinite(s.lon))
        if not len(rows):
            return
        bucket = np.floor(s.t[rows] / self.sample_s).astype(np.int64)
        tid = updates.track_id[rows].astype(np.int64)
        order = lexsort((s.t[rows], bucket, tid))  # by track, bucket, time
        t_s, b_s = tid[order], bucket[order]
        head = np.r_[True, (t_s[1:] != t_s[:-1]) | (b_s[1:] != b_s[:-1])]
        pick = rows[order[head]]
        tids = t_s[head]
        t = s.t[pick]
        pos, known = self._lookup(tids)
        last = np.full(len(tids), -np.inf)
        last[known] = self._last[pos[known]]
        fresh_bucket = b_s[head] > np.floor(last / self.sample_s)
        due = fresh_bucket & (t >= last + 0.5 * self.sample_s)
        if not due.any():
            return
        pick, tids, t = pick[due], tids[due], t[due]
        values = np.column_stack([t, s.lat[pick], s.lon[pick], s.alt[pick], s.on_ground[pick]])
        self._append(tids, values.astype(np.float64))
        # each track's oldest and newest sample (picks are sorted by track, then time)
        end = np.r_[tids[1:] != tids[:-1], True]
        begin = np.r_[True, tids[1:] != tids[:-1]]
        self._note_newest(tids[end], t[end], t[begin])

    def _lookup(self, ids: IntArray) -> tuple[IntArray, np.ndarray]:
        """Where ``ids`` are (or would go) in the sorted known ids, and which are known."""
        pos = np.searchsorted(self._ids, ids)
        known = pos < len(self._ids)
        known[known] = self._ids[pos[known]] == ids[known]
        return pos, known

    def _note_newest(self, ids: IntArray, t: FloatArray, oldest: FloatArray) -> None:
        pos, known = self._lookup(ids)
        self._last[pos[known]] = t[known]
        if known.all():
            return
        new = ~known
        order = np.argsort(np.concatenate([self._ids, ids[new]]), kind="stable")
        self._ids = np.concatenate([self._ids, ids[new]])[order]
        self._last = np.concatenate([self._last, t[new]])[order]
        self._since = np.concatenate([self._since, oldest[new]])[order]

    def _append(self, tids: IntArray, values: FloatArray) -> None:
        k = len(tids)
        if self._n + k > len(self._tid):
            self._compact()
            need, cap = self._n + k, len(self._tid)
            if need > cap * 3 // 4:
                while need > cap * 3 // 4:
                    cap *= 2
                tid, rows = _table(cap)
                tid[: self._n], rows[: self._n] = self._tid[: self._n], self._rows[: self._n]
                self._tid, self._rows = tid, rows
        self._tid[self._n : self._n + k] = tids
        self._rows[self._n : self._n + k] = values
        self._n += k

    def _alive(self, rows: IntArray) -> IntArray:
        """Those of ``rows`` that belong to a known track's current path."""
        pos, known = self._lookup(self._tid[rows])
        known[known] = self._rows[rows[known], 0] >= self._since[pos[known]]
        out: IntArray = rows[known]
        return out

    def _kept(self) -> IntArray:
        """Rows (in table order) of tracks still known, each track's newest
        ``max_samples`` (a track's rows are appended in time order)."""
        tid = self._tid[: self._n]
        rows = self._alive(np.arange(self._n))
        if not len(rows):
            return rows
        order = np.argsort(tid[rows], kind="stable")  # by track, then table order = time
        g = tid[rows][order]
        start = np.r_[True, g[1:] != g[:-1]]
        first = np.flatnonzero(start)
        size = np.diff(np.r_[first, len(g)])
        # rank from the newest within the track
        rank_new = np.repeat(first + size, size) - 1 - np.arange(len(g))
        return np.sort(rows[order[rank_new < self.max_samples]])

    def _compact(self) -> None:
        keep = self._kept()
        n = len(keep)
        self._tid[:n] = self._tid[keep]
        self._rows[:n] = self._rows[keep]
        self._n = n

    def forget(self, track_ids: IntArray) -> None:
        """Drop these tracks' paths (their rows go at the next compaction)."""
        if not len(track_ids) or not len(self._ids):
            return
        keep = ~np.isin(self._ids, track_ids)
        self._ids, self._last, self._since = self._ids[keep], self._last[keep], self._since[keep]

    def path(self, track_id: int) -> FloatArray:
        """The track's samples as rows ``(t, lat, lon, alt, on_ground)``, oldest first."""
        if not len(self._ids):
            return np.empty((0, COLUMNS))
        i = int(np.searchsorted(self._ids, track_id))
        if i >= len(self._ids) or self._ids[i] != track_id:
            return np.empty((0, COLUMNS))
        rows = self._alive(np.flatnonzero(self._tid[: self._n] == track_id))
        return self._rows[rows[-self.max_samples :]].copy()

    def grouped(self, track_ids: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """The paths of ``track_ids`` (sorted) at once: for each track, the start and
        length of its rows in the returned samples (rows ``(t, lat, lon, alt,
        on_ground)``, by track, oldest first; length 0 for a track without a path)."""
        keep = self._kept()
        tid = self._tid[keep]
        mine = np.isin(tid, track_ids)
        keep, tid = keep[mine], tid[mine]
        order = np.argsort(tid, kind="stable")
        samples = self._rows[keep[order]]
        g = tid[order]
        start = np.searchsorted(g, track_ids, side="left")
        size = np.searchsorted(g, track_ids, side="right") - start
        return start, size, samples


def _table(capacity: int) -> tuple[IntArray, FloatArray]:
    """A table of ``capacity`` rows, its pages written at once: the process's resident
    memory takes the table's size when it grows, not row by row over the next hour
    (``np.empty`` pages become resident only as appended rows reach them; the soak read
    that slow rise as a leak, issue 13)."""
    return np.full(capacity, -1, dtype=np.int64), np.full((capacity, COLUMNS), np.nan)
