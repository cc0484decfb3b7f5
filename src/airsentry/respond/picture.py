"""The live traffic picture the rules of engagement look at: latest states and short paths.

The incident book hands the recommender an incident, which holds only the few events of
its objects. Two questions need more: what the objects have been doing (the threat
assessment reads their recent paths) and what else is flying (closing an airport stops
the flights inbound and outbound). :class:`TrafficPicture` answers both from the track
updates the pipeline already has, in event time:

- ``latest``: one row per live track (position, velocity, identity, transponder, on
  ground, class), replaced batch by batch with one ``np.unique`` and a merge;
- ``path(track_id)``: the track's positions sampled every ``sample_s`` seconds, the last
  ``max_samples`` of them (the first row of each (track, time bucket) pair, found with
  one ``np.unique``; the Python loop runs over tracks that gained a sample, not rows);
- ``at(t)``: every track's state at an earlier event time, from the paths.

Tracks are kept for ``recent_s`` of event time after they were last seen (past the
tracker's expiry, 300 s, and ``at``'s ``stale_s``: the traffic when an incident began;
the builder sets it to the deployment's ``expire_s`` + 600 s), and the
objects of incidents (:meth:`TrafficPicture.pin`, by the recommender) for ``retain_s``,
so an incident refreshed after its objects left still sees how they flew. Memory is then
bounded by the traffic of the last ``recent_s``, not by every track of the last hours:
at national load (6,000 aircraft, a new flight every few seconds) a six-hour retention
for every track held ~150,000 tracks and grew the heap by ~100 MB an hour (issue 13).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airsentry.columns import cells
from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray, TrackUpdates
from airsentry.order import lexsort
from airsentry.respond.paths import SampledPaths

_FIELDS = ("t", "lat", "lon", "alt", "vel_e", "vel_n", "vel_u")


@dataclass(frozen=True, slots=True, eq=False)
class Latest:
    """One row per track: the last state seen (columns sorted by track id)."""

    track_id: IntArray
    t: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    vel_e: FloatArray
    vel_n: FloatArray
    vel_u: FloatArray
    identity: ObjArray
    callsign: ObjArray
    transponder: np.ndarray  # bool
    on_ground: np.ndarray  # bool
    cls: ObjArray

    def __len__(self) -> int:
        return len(self.track_id)


def _empty_latest() -> Latest:
    f = np.empty(0, dtype=np.float64)
    o = np.empty(0, dtype=object)
    b = np.empty(0, dtype=bool)
    return Latest(np.empty(0, dtype=np.int64), f, f, f, f, f, f, f, o, o, b, b, o)


class TrafficPicture:
    """Latest state and recent path of every track, updated batch by batch."""

    def __init__(
        self,
        *,
        sample_s: float = 20.0,
        max_samples: int = 180,
        retain_s: float = 6 * 3600.0,
        recent_s: float = 900.0,
    ) -> None:
        self.sample_s = sample_s
        self.max_samples = max_samples
        self.retain_s = retain_s  # incident objects (pinned)
        self.recent_s = min(recent_s, retain_s)  # every other track
        self._pinned: set[int] = set()
        self.latest = _empty_latest()
        self.now = -np.inf
        self._paths = SampledPaths(sample_s, max_samples)  # columns, not an array per track

    def update(self, updates: TrackUpdates, classes: ObjArray | None = None) -> None:
        """Fold one batch of track updates (and their classes, row-aligned) in."""
        if not len(updates):
            return
        s = updates.state
        cls = np.asarray(classes, dtype=object) if classes is not None else None
        order = lexsort((s.t, updates.track_id))
        tid = updates.track_id[order]
        last = order[np.r_[tid[1:] != tid[:-1], True]]
        new = Latest(
            track_id=updates.track_id[last].astype(np.int64),
            **{name: getattr(s, name)[last].astype(np.float64) for name in _FIELDS},
            identity=s.identity[last],
            callsign=s.callsign[last],
            transponder=s.transponder[last],
            on_ground=s.on_ground[last],
            cls=cls[last] if cls is not None else cells(len(last), "unknown"),
        )
        old = self.latest
        renewed = np.isin(old.track_id, new.track_id)
        self.now = max(self.now, float(s.t.max()))
        # retention counts from the batch's first time, not its last: ``at(t)`` is asked
        # for times within the batch (an incident's start), and a replay batch may span
        # more than recent_s - stale_s of event time
        fresh = self._fresh(old, min(self.now, float(s.t.min())))
        keep = ~renewed & fresh
        self._drop_paths(old.track_id[~renewed & ~fresh])
        merged = {
            name: np.concatenate([getattr(old, name)[keep], getattr(new, name)])
            for name in Latest.__slots__
        }
        by_id = np.argsort(merged["track_id"], kind="stable")
        self.latest = Latest(**{k: v[by_id] for k, v in merged.items()})
        self._paths.add(updates)

    def pin(self, track_ids: Iterable[int]) -> None:
        """Keep these tracks (an incident's objects) for ``retain_s``, not ``recent_s``."""
        self._pinned.update(int(t) for t in track_ids)

    def _fresh(self, rows: Latest, now: float) -> npt.NDArray[np.bool_]:
        """Which rows are still kept at event time ``now``: seen within ``recent_s``, or
        ``retain_s`` if pinned."""
        fresh = rows.t >= now - self.recent_s
        if self._pinned:
            pinned = np.isin(rows.track_id, np.fromiter(self._pinned, np.int64))
            fresh |= pinned & (rows.t >= now - self.retain_s)
        return fresh

    def _drop_paths(self, track_ids: IntArray) -> None:
        """Forget tracks whose latest row went out of retention (a path ends no later
        than its track's latest row, so nothing kept loses its path)."""
        if not len(track_ids):
            return
        self._paths.forget(track_ids)
        if self._pinned:
            self._pinned.difference_update(track_ids.tolist())

    def __len__(self) -> int:
        """Number of tracks the picture remembers (live or within ``retain_s``)."""
        return len(self.latest)

    def path(self, track_id: int) -> FloatArray:
        """The track's sampled positions as rows ``(t, lat, lon, alt)``, oldest first."""
        return self._paths.path(int(track_id))[:, :4]

    def at(self, t: float, *, stale_s: float = 300.0) -> Latest:
        """Every track's state at event time ``t``, interpolated from its sampled path.

        A track counts when its path covers ``t`` or ended at most ``stale_s`` before
        it; velocity comes from the two samples around ``t``. Identity, transponder and
        class are the latest known. This lets a replay in large batches ask what the
        sky looked like when an incident began, not when the batch ended.
        """
        lt = self.latest
        start, size, p = self._paths.grouped(lt.track_id)
        idx = np.flatnonzero(size >= 2)
        s0, n = start[idx], size[idx]
        ok = (p[s0, 0] <= t) & (p[s0 + n - 1, 0] >= t - stale_s)
        idx, s0, n = idx[ok], s0[ok], n[ok]
        if not len(idx):
            return _empty_latest()
        # samples before t within each path (``searchsorted`` per path, at once)
        before = _counts_within(p[:, 0] < t, s0, n)
        j = s0 + np.clip(before, 1, n - 1)
        a, b = p[j - 1], p[j]
        dt = np.maximum(b[:, 0] - a[:, 0], 1e-6)
        w = np.clip((t - a[:, 0]) / dt, 0.0, 1.0)
        pos = a[:, 1:4] + w[:, None] * (b[:, 1:4] - a[:, 1:4])
        phi = np.radians(pos[:, 0])  # metres per degree on the WGS84 ellipsoid
        m_lat = 111_132.954 - 559.822 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
        m_lon = 111_412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi)
        return Latest(
            track_id=lt.track_id[idx],
            t=np.full(len(idx), float(t)),
            lat=pos[:, 0],
            lon=pos[:, 1],
            alt=pos[:, 2],
            vel_e=(b[:, 2] - a[:, 2]) * m_lon / dt,
            vel_n=(b[:, 1] - a[:, 1]) * m_lat / dt,
            vel_u=(b[:, 3] - a[:, 3]) / dt,
            identity=lt.identity[idx],
            callsign=lt.callsign[idx],
            transponder=lt.transponder[idx],
            on_ground=np.where(w > 0.5, b[:, 4], a[:, 4]).astype(bool),
            cls=lt.cls[idx],
        )

    def state(self, track_id: int) -> dict[str, float] | None:
        """The latest state of one track, or None."""
        lt = self.latest
        i = int(np.searchsorted(lt.track_id, track_id))
        if i >= len(lt) or lt.track_id[i] != track_id:
            return None
        return {name: float(getattr(lt, name)[i]) for name in _FIELDS}


def _counts_within(flag: BoolArray, start: IntArray, size: IntArray) -> IntArray:
    """How many of ``flag``'s rows are true in each run ``[start, start + size)``."""
    c: IntArray = np.r_[0, np.cumsum(flag, dtype=np.int64)]
    out: IntArray = c[start + size] - c[start]
    return out
