"""The multi-target part's new tracks checked once against the keyed part.

The combined tracker (:mod:`~airsentry.tracking.combined`) runs keyed reports and
anonymous plots in two parts. An anonymous track that the multi-target part starts is
checked when it first reports: one that starts *on* an object a keyed track follows (the
join missed a few of the object's plots) is the same object seen twice at once and is
dropped; one that continues a keyed track silent since before it started is a second
segment of that object and takes its id (:func:`~airsentry.tracking.keyedstitch.continue_keyed`,
track-segment association).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from airsentry.model import IntArray, ReportBatch, TrackUpdates
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.duplicates import drop_tracks
from airsentry.tracking.join import JoinConfig, Rows, accuracy, match, reach
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.keyedstitch import continue_keyed
from airsentry.tracking.mtt import FusedTracker
from airsentry.tracking.stitch import remap


class Segments:
    """The multi-target part's new tracks, checked once when they first report against
    the keyed part: a duplicate of a keyed track is dropped, a continuation of a silent
    one takes its id (:func:`continue_keyed`)."""

    def __init__(self, keyed: CooperativeTracker, mtt: FusedTracker, join: JoinConfig) -> None:
        self.keyed, self.mtt, self.join = keyed, mtt, join
        self.reported = np.empty(0, dtype=np.int64)  # multi-target ids already output
        self.continued = 0  # anonymous tracks that took a silent keyed track's id

    def check(self, upd: TrackUpdates, references: Callable[[], Rows]) -> TrackUpdates:
        """``upd`` (the multi-target part's output) without tracks it confirmed on an
        object that a keyed track already follows, and with the ids of those that
        continue a silent keyed track. ``references``: the keyed rows of fine accuracy
        to compare with (made only when a new track reports).

        Plots of a drone that the join missed for a few scans (the keyed track's rows
        were sparse or rough) start an anonymous track there, and each such track was a
        second object in the incident (drone wall: 4 of 18 drones counted twice); a
        duplicate leaves the multi-target part before anyone saw it."""
        if not len(upd):
            return upd
        ids, first = np.unique(upd.track_id, return_index=True)
        new = ~np.isin(ids, self.reported)
        if not new.any():
            return upd
        ref = references()
        q = upd.state.take(first[new])
        acc = accuracy(q.accuracy, self.join)
        # as far ahead of the keyed rows as the join interpolates: a drone whose keyed
        # track lapsed for 30 s (the air picture missed it, a few plots unjoined) had its
        # plots confirmed 14 s after the track's last row (drone wall: a second object)
        qi, _, _ = match(ref, q.t, geodetic_to_ecef(q.lat, q.lon), q.alt, acc, reach(self.join))
        dup = np.zeros(int(new.sum()), dtype=bool)
        dup[qi] = True
        upd, kept_ids = self._continue(upd, ids[new][~dup], q.take(np.flatnonzero(~dup)))
        self.reported = np.union1d(self.reported, kept_ids)
        # ids are never reused: forget the ended, keep the dormant (a stitch revives them)
        live = np.concatenate([self.mtt.state.table["id"], self.mtt.stitcher.dormant.id])
        if len(self.reported) > 2 * len(live) + 256:
            self.reported = self.reported[np.isin(self.reported, live)]
        if not dup.any():
            return upd
        gone = ids[new][dup]
        drop_tracks(self.mtt.state, gone)
        return upd.take(np.flatnonzero(~np.isin(upd.track_id, gone)))

    def _continue(
        self, upd: TrackUpdates, ids: IntArray, q: ReportBatch
    ) -> tuple[TrackUpdates, IntArray]:
        """New anonymous tracks ``ids`` (first rows ``q``) that continue a silent keyed
        track take its id and the keyed track ends silently. Returns the updates and the
        ids the new tracks now have."""
        if not len(ids) or not len(self.keyed.tracks):
            return upd, ids
        tab = self.mtt.state.table
        first_t = tab["first_t"][tab.rows_of(ids)]
        cfg = self.mtt.stitcher.config
        i, slots = continue_keyed(self.keyed, cfg, self.mtt.settings.max_speed_mps, q.t, first_t,
                                  geodetic_to_ecef(q.lat, q.lon), accuracy(q.accuracy, self.join),
                                  q.alt)  # fmt: skip
        if not len(i):
            return upd, ids
        old = self.keyed.slot_ids(slots)
        self.keyed.release(slots)
        self.mtt.rename(ids[i], old)
        self.continued += len(i)
        renamed = remap(upd.track_id, ids[i], old)
        ids = ids.copy()
        ids[i] = old
        return TrackUpdates(renamed, upd.state), ids
