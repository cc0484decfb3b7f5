"""The multi-target part's new tracks checked once against the keyed part.

The combined tracker (:mod:`~airsentry.tracking.combined`) runs keyed reports and
anonymous plots in two parts. An anonymous track that the multi-target part starts is
checked when it first reports: one that starts *on* an object a keyed track follows (the
join missed a few of the object's plots) is the same object seen twice at once and is
dropped; one that continues a keyed track silent since before it started is a second
segment of that object and takes its id (:func:`~airsentry.tracking.keyedstitch.continue_keyed`,
track-segment association): whether the keyed track's join lapsed just before (it
still reaches the new track's first rows, :meth:`Segments._lapsed`) or minutes before.

Event time decides, not where a batch was cut: a batch of ten minutes gives the keyed
part all its rows before the multi-target part's new tracks are checked, so a keyed
track that ended (silent for ``expire_s``) later in the batch than a new track started
is still a candidate, both for a lapse (:meth:`Segments._lapsed`: its rows here carry
no live slot) and for a continuation. Keyed tracks that ended (a sensor's own number)
stay candidates for the stitch window (``lapsed``), as the multi-target part keeps its
own ended tracks dormant: a drone whose RF track ended 160 s before its plots came back
(458 s after its last row) was a second object (drone wall, plots variant, seeds 0 and
1); its id comes back after its end was reported. A duplicate whose rows outlive its
keyed track in the batch goes on as that track from the track's newest report
(:meth:`Segments._outlived`), as half-second batches give it. A new track that already
ended within the batch (dormant in the multi-target part) may still continue a keyed
track (renamed where it is dormant), as it would have when first output in short
batches, but is not dropped from the dormant tracks as a duplicate (dropped, the
duplicate segment of one drone no longer drew that drone's next segment, and the
multi-target part's own stitch gave it to the dormant track of another drone that had
ended nine minutes before: drone wall, two drones merged).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from airsentry.model import FloatArray, IntArray, ObjArray, ReportBatch, TrackUpdates
from airsentry.tracking.base import Ended
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.duplicates import drop_tracks
from airsentry.tracking.join import JoinConfig, Rows, accuracy, match, reach
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.keyedstitch import continue_keyed, ended_keyed
from airsentry.tracking.mtt import FusedTracker
from airsentry.tracking.stitch import Dormant, remap


class Segments:
    """The multi-target part's new tracks, checked once when they first report against
    the keyed part: a duplicate of a keyed track is dropped, a continuation of a silent
    one takes its id (:func:`continue_keyed`)."""

    def __init__(self, keyed: CooperativeTracker, mtt: FusedTracker, join: JoinConfig) -> None:
        self.keyed, self.mtt, self.join = keyed, mtt, join
        self.reported = np.empty(0, dtype=np.int64)  # multi-target ids already output
        self.continued = 0  # anonymous tracks that took a silent keyed track's id
        # keyed tracks that ended, dormant for the stitch window (keyedstitch.ended_keyed)
        self.lapsed = Dormant()

    def retire(self, ended: list[Ended]) -> None:
        """Keep the keyed tracks that ended silent (a sensor's own number, no identity)
        dormant for the stitch window, as the multi-target part keeps its own: a new
        anonymous track that continues one takes its id (:func:`continue_keyed`)."""
        if not ended:
            return
        self.lapsed.extend(ended_keyed(ended, self.keyed))
        if len(self.lapsed):  # bounded: those within the window of the newest
            newest = float(self.lapsed.t.max())
            self.lapsed.take_out(self.lapsed.t >= newest - self.mtt.stitcher.config.window_s)

    def check(
        self, upd: TrackUpdates, references: Callable[[], tuple[Rows, ObjArray]],
        gone: list[Ended] | None = None,
    ) -> tuple[TrackUpdates, list[Ended]]:  # fmt: skip
        """``upd`` (the multi-target part's output) without tracks it confirmed on an
        object that a keyed track already follows (from that track's newest report on,
        one that outlives it continues it: :meth:`_outlived`), and with the ids of those
        that continue a silent keyed track. ``references``: the keyed rows of fine accuracy
        to compare with and the key of each code (made only when a new track reports).
        ``gone``: the keyed tracks that ended in this batch; returned without those a
        new track continues (their object goes on under their id).

        Plots of a drone that the join missed for a few scans (the keyed track's rows
        were sparse or rough) start an anonymous track there, and each such track was a
        second object in the incident (drone wall: 4 of 18 drones counted twice); a
        duplicate leaves the multi-target part before anyone saw it."""
        gone = gone or []
        if not len(upd):
            return upd, gone
        ids, first = np.unique(upd.track_id, return_index=True)
        new = ~np.isin(ids, self.reported)
        if not new.any():
            return upd, gone
        ref, names = references()
        q = upd.state.take(first[new])
        acc = accuracy(q.accuracy, self.join)
        # as far ahead of the keyed rows as the join interpolates: a drone whose keyed
        # track lapsed for 30 s (the air picture missed it, a few plots unjoined) had its
        # plots confirmed 14 s after the track's last row (drone wall: a second object)
        qi, code, d2 = match(ref, q.t, geodetic_to_ecef(q.lat, q.lon), q.alt, acc,
                             reach(self.join))  # fmt: skip
        # a track output in a long batch may have ended (dormant) since: it is left as
        # it was, neither renamed nor taken out of the dormant tracks
        tab = self.mtt.state.table
        live = np.isin(ids[new], tab["id"])
        first_t = np.full(len(live), np.nan)
        first_t[live] = tab["first_t"][tab.rows_of(ids[new][live])]
        i, slots, old = self._lapsed(qi, code, d2, first_t, names, gone)
        dup = np.zeros(int(new.sum()), dtype=bool)
        dup[qi] = True
        dup[i] = False
        j, j_slots, j_old, cut = self._outlived(upd, ids[new], qi, code, d2, dup & live,
                                                names, gone, old)  # fmt: skip
        if len(j):  # their rows up to the keyed track's last are duplicates
            early = upd.state.t <= _per_row(upd.track_id, ids[new][j], cut)
            upd = upd.take(np.flatnonzero(~early))
            dup[j] = False
            i, slots, old = np.r_[i, j], np.r_[slots, j_slots], np.r_[old, j_old]
        upd, took = self._rename(upd, ids[new][i], slots, old)
        if (slots < 0).any():  # keyed tracks that ended here go on: no end, not dormant
            went = set(old[slots < 0].tolist())
            gone = [e for e in gone if e.track.track_id not in went]
            self.lapsed.take_out(~np.isin(self.lapsed.id, old))
        # one that ended here (dormant) may still continue a keyed track, as it would
        # have when first output in short batches (drone wall, seed 2: decoy-18's plot
        # segment 170 s after its RF-keyed track, dormant by the batch's end)
        asleep = ~live & np.isin(ids[new], self.mtt.stitcher.dormant.id)
        rest = np.flatnonzero(~dup)
        rest = rest[~np.isin(rest, i) & (live | asleep)[rest]]
        # a segment starts no later than its id's first row here: in a long batch the id
        # may have gone dormant and been stitched to a later track, whose start the table
        # holds (drone wall: a drone's plots 458 s after its RF track's last row)
        start = np.fmin(first_t[rest], q.t[rest])
        upd, kept_ids, gone = self._continue(upd, ids[new][rest], start, q.take(rest), gone)
        self.reported = np.union1d(self.reported, np.concatenate([kept_ids, took]))
        # ids are never reused: forget the ended, keep the dormant (a stitch revives them)
        live = np.concatenate([self.mtt.state.table["id"], self.mtt.stitcher.dormant.id])
        if len(self.reported) > 2 * len(live) + 256:
            self.reported = self.reported[np.isin(self.reported, live)]
        if not dup.any():
            return upd, gone
        dropped = ids[new][dup]
        drop_tracks(self.mtt.state, dropped)
        return upd.take(np.flatnonzero(~np.isin(upd.track_id, dropped))), gone

    def _continue(
        self, upd: TrackUpdates, ids: IntArray, first_t: FloatArray, q: ReportBatch,
        gone: list[Ended],
    ) -> tuple[TrackUpdates, IntArray, list[Ended]]:  # fmt: skip
        """New anonymous tracks ``ids`` (started at ``first_t``, first rows ``q``) that
        continue a silent keyed track, live or ended within the stitch window
        (``lapsed``), take its id and the keyed track ends silently. Returns the
        updates, the ids the new tracks now have and ``gone`` without the tracks
        continued (their end is not reported: their object goes on)."""
        cfg = self.mtt.stitcher.config
        cand = self.lapsed
        if len(cand) and len(ids):  # forget those whose window passed before the new tracks
            cand.take_out(cand.t >= float(first_t.min()) - cfg.window_s)
        if not len(ids) or not (len(self.keyed.tracks) or len(cand)):
            return upd, ids, gone
        i, slots, old = continue_keyed(self.keyed, cfg, self.mtt.settings.max_speed_mps, q.t,
                                       first_t, geodetic_to_ecef(q.lat, q.lon),
                                       accuracy(q.accuracy, self.join), q.alt, cand)  # fmt: skip
        upd, old = self._rename(upd, ids[i], slots, old)
        ids = ids.copy()
        ids[i] = old
        if len(cand):
            cand.take_out(~np.isin(cand.id, old))
        taken = set(old.tolist())
        return upd, ids, [e for e in gone if e.track.track_id not in taken]

    def _lapsed(
        self, qi: IntArray, code: IntArray, d2: FloatArray, first_t: FloatArray,
        names: ObjArray, gone: list[Ended],
    ) -> tuple[IntArray, IntArray, IntArray]:  # fmt: skip
        """Triples (new anonymous track index, keyed slot, keyed id) among the gated pairs
        (``qi``, ``code``, ``d2`` from :func:`match`; ``names``: the key of each code)
        where the keyed track names no identity and its newest report is older than the
        anonymous track's first plot (``first_t``, NaN: not a candidate): the join onto
        the keyed track lapsed and the anonymous track goes on where it stopped, one
        object (a later report of the key claims it back). In a batch of ten minutes the
        join extends a keyed track only from the keyed rows of the batch (and those kept
        from before): once an RF node fell silent, the radar plots of its drone started
        an anonymous track, and that was dropped as a duplicate of the track it
        continued, scan after scan, until it was too far from it to be either and became
        a second object (drone wall, plots variant, seed 0: 5 of 18 drones).
        A keyed track that ended silent in this batch (in ``gone``, slot -1; its rows
        here carry a code past the live slots) is a candidate too, as it was while it
        lived: the drone whose plots started a track 2 s after its RF track's last
        joined plot, the RF track ending 300 s later in the same ten-minute batch, was
        dropped as its duplicate with 238 rows and counted twice (seed 3, decoy-04).
        Track-segment association as in :func:`continue_keyed`, with the join's gate (the
        older segment still reaches the younger one's first rows), one-to-one, nearest
        first (Blackman & Popoli 1999, sec. 9.4)."""
        ci, slot, tid, last = self._keyed_of(code, names, gone)
        ok = (tid[ci] >= 0) & (last[ci] < first_t[qi])  # NaN: no
        qi, ci, d2 = qi[ok], ci[ok], d2[ok]
        order = np.argsort(d2, kind="stable")
        qi, ci = qi[order], ci[order]
        _, one = np.unique(qi, return_index=True)  # each new track's nearest keyed track
        one = np.sort(one)
        qi, ci = qi[one], ci[one]
        _, one = np.unique(ci, return_index=True)  # each keyed track's nearest new one
        return qi[one], slot[ci[one]], tid[ci[one]]

    def _keyed_of(
        self, code: IntArray, names: ObjArray, gone: list[Ended]
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """The index of each pair's keyed track among the distinct ones of ``code``, and
        per distinct keyed track its live slot (-1: ended in this batch), its id and its
        newest report's time where it is a segment candidate (a sensor's own number, no
        identity; an ended one ended silent, in ``gone``), else id -1 and time NaN."""
        slot_keys = self.keyed.slot_keys
        n = len(slot_keys)
        uc, ci = np.unique(code, return_inverse=True)  # per distinct keyed track
        slot = np.where(uc < n, uc, -1)
        tid = np.full(len(uc), -1, dtype=np.int64)
        last = np.full(len(uc), np.nan)
        lv = np.flatnonzero(uc < n)
        lv = lv[slot_keys[uc[lv]] != ""]
        lv = lv[self.keyed.unnamed(uc[lv])]
        tid[lv], last[lv] = self.keyed.slot_ids(uc[lv]), self.keyed.last_seen(uc[lv])
        ended = {e.track.key: e.track for e in gone if e.reason == "silent"
                 and "#" in e.track.key and not e.track.identity}  # fmt: skip
        for k in np.flatnonzero(uc >= n) if ended else []:  # keys new in the batch: few
            tr = ended.get(str(names[uc[k]]))
            if tr is not None:
                tid[k], last[k] = tr.track_id, tr.last_seen
        return ci.reshape(-1), slot, tid, last

    def _outlived(
        self, upd: TrackUpdates, new_ids: IntArray, qi: IntArray, code: IntArray,
        d2: FloatArray, dup: np.ndarray, names: ObjArray, gone: list[Ended], taken: IntArray,
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray]:  # fmt: skip
        """Quadruples (new anonymous track index, keyed slot, keyed id, time) among the
        duplicates ``dup`` (indices into ``new_ids``, live in the multi-target part) whose
        nearest gated keyed track (``qi``, ``code``, ``d2`` as in :meth:`_lapsed`; not
        one of ``taken``) fell silent before the duplicate's last row here: from that
        track's newest report (the time) on, the duplicate continues it, its rows up to
        then are the duplicate's. In half-second batches the duplicate is dropped when it
        is first output and the object's later plots, once the keyed track lapsed, start a
        track that continues it (:meth:`_lapsed`); in a batch of ten minutes the whole
        duplicate, its rows after the keyed track's end included, was dropped (drone wall,
        plots variant, seed 1: 590 s of decoy-13's plots; the drone came back as a second
        object). Same candidates as :meth:`_lapsed`; one-to-one, nearest first."""
        empty = np.empty(0, dtype=np.int64)
        sel = dup[qi]
        if not sel.any():
            return empty, empty, empty, np.empty(0)
        qi, code, d2 = qi[sel], code[sel], d2[sel]
        ci, slot, tid, last = self._keyed_of(code, names, gone)
        ok = (tid[ci] >= 0) & ~np.isin(tid[ci], taken)
        qi, ci, d2 = qi[ok], ci[ok], d2[ok]
        order = np.argsort(d2, kind="stable")
        qi, ci = qi[order], ci[order]
        _, one = np.unique(qi, return_index=True)  # each duplicate's nearest keyed track
        one = np.sort(one)
        qi, ci = qi[one], ci[one]
        # the duplicate's newest row here must come after the keyed track's newest report
        pos = np.searchsorted(new_ids, upd.track_id)  # new_ids are sorted (np.unique)
        hit = (pos < len(new_ids)) & (new_ids[np.minimum(pos, len(new_ids) - 1)] == upd.track_id)
        end = np.full(len(new_ids), -np.inf)
        np.maximum.at(end, pos[hit], upd.state.t[hit])
        ok = end[qi] > last[ci] + self.join.max_gap_s  # NaN: no
        qi, ci = qi[ok], ci[ok]
        _, one = np.unique(ci, return_index=True)  # one duplicate per keyed track
        qi, ci = qi[one], ci[one]
        return qi, slot[ci], tid[ci], last[ci]

    def _rename(
        self, upd: TrackUpdates, ids: IntArray, slots: IntArray, old: IntArray
    ) -> tuple[TrackUpdates, IntArray]:
        """The new anonymous tracks ``ids`` take the ids ``old`` of the keyed tracks they
        continue, whose live ``slots`` (-1: ended already) end silently; returns the
        updates and the ids taken."""
        if not len(ids):
            return upd, np.empty(0, dtype=np.int64)
        self.keyed.release(slots[slots >= 0])
        self.mtt.rename(ids, old)
        self.continued += len(ids)
        return TrackUpdates(remap(upd.track_id, ids, old), upd.state), old


def _per_row(track_id: IntArray, ids: IntArray, values: FloatArray) -> FloatArray:
    """Per row of ``track_id``, the value of its id among ``ids`` (-inf where none)."""
    order = np.argsort(ids)
    pos = np.clip(np.searchsorted(ids, track_id, sorter=order), 0, len(ids) - 1)
    hit = ids[order[pos]] == track_id
    out: FloatArray = np.where(hit, values[order[pos]], -np.inf)
    return out
