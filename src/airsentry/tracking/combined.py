"""The default tracker: keyed reports by key, anonymous plots by multi-target tracking.

One object must be one track whoever sees it: an airliner broadcasting ADS-B and seen
by two radars, a drone broadcasting Remote ID and seen by a plot radar. Reports that
name their object (an identity, or a sensor's own track number) need no data
association; anonymous plots do. :class:`CombinedTracker` runs both kinds through one
tracker with one id space, in two parts:

* the **keyed part**, a :class:`~airsentry.tracking.cooperative.CooperativeTracker`
  (vectorised per batch; the cost of the cooperative tracker on cooperative input);
* the **multi-target part**, a :class:`~airsentry.tracking.mtt.FusedTracker` (IMM,
  gating, assignment, M-of-N confirmation, IPDA existence where configured), which only
  ever sees the plots no keyed track claimed.

Per batch (:mod:`~airsentry.tracking.join` does the matching, vectorised):

1. **keys**: identity, else ``sensor#track_number``, through the aliases learnt so far;
2. **new sensor tracks**: the first reports of a track number not seen before are
   compared with the keyed tracks of *other* sensors; when most of them fall on one,
   the number becomes an alias of that track (two radars tracking one aircraft);
3. **anonymous plots** on a keyed track (the radar plot of an ADS-B airliner) are
   joined to it, at most one per sensor per scan and track;
4. the keyed part takes the keyed and joined rows; the multi-target part the rest;
5. a **new keyed track** first takes over a confirmed anonymous track at its position
   (:meth:`~airsentry.tracking.mtt.FusedTracker.claim`: the drone tracked on plots whose
   Remote ID is then heard keeps its track id), else (a sensor's own number only) an
   anonymous track that ended before it on a path it continues; a rough first report
   that nearly claimed tries again on its next few (:mod:`~airsentry.tracking.claimretry`);
6. a **new anonymous track** that continues a keyed track silent since before it
   started takes the keyed track's id (:mod:`~airsentry.tracking.keyedstitch`: the
   drone whose RF node fell silent while its plots lapsed stays one object; so does a
   keyed track that ended later in the same batch), and one that starts on a keyed
   track's object is dropped as a duplicate, unless that track names no identity and
   was last heard before it started: then it continues it (all in
   :class:`~airsentry.tracking.segments.Segments`).

Output rows are those of both parts, in time order. Integrity events come from the
multi-target part.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import fields, replace

import numpy as np

from airsentry.model import Event, FloatArray, IntArray, ObjArray, ReportBatch, Track, TrackUpdates
from airsentry.order import unique_inverse
from airsentry.tracking.aliasing import with_plots
from airsentry.tracking.base import Ended, TrackingStats, factorize
from airsentry.tracking.claimcuts import claim_cuts
from airsentry.tracking.claimretry import ClaimRetry
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.crosscheck import CrossCheck, keyed_disagreements
from airsentry.tracking.join import (
    JoinConfig,
    RoughRows,
    Rows,
    accuracy,
    best_per_query,
    first_times,
    match,
    match_reaching,
    near_times,
    one_per_scan,
    prefer_fine,
    rank_within,
    resolve_chains,
)
from airsentry.tracking.joincheck import vouched
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.mtt import FusedTracker
from airsentry.tracking.segments import Segments

_ALIAS_ROWS = 8  # first rows of a new sensor track compared with the known tracks
# Kept rows per keyed track a batch's plots are matched against (besides the batch's
# own rows of the track): a plot falls after them, so the newest ones bracket or
# extrapolate it; older ones only add pairs that extrapolate further.
_KEPT_ROWS = 4
_DUP_REF_ACC_M = 500.0  # keyed rows at most this inaccurate vouch for a duplicate
# A joined plot of a keyed track is a transponder row while the track's own transponder
# was heard this recently: the radar saw the aircraft whose transponder speaks, so the
# plot must not make an airliner "without transponder" (a clutter plot in the join gate
# did). Once the transponder is silent longer than this, joined plots say so (a
# transponder really switched off).
TRANSPONDER_HOLD_S = 15.0


class CombinedTracker:
    """Keyed and anonymous reports through one tracker (see the module's docstring)."""

    def __init__(
        self,
        keyed: CooperativeTracker | None = None,
        mtt: FusedTracker | None = None,
        join: JoinConfig | None = None,
    ) -> None:
        self.keyed = keyed or CooperativeTracker()
        self.mtt = mtt or FusedTracker.from_config()
        self.join = join or JoinConfig()
        self.alias: dict[str, str] = {}  # sensor#track_number -> the key it is an alias of
        self.stats = TrackingStats()
        self._joined = 0
        self.segments = Segments(self.keyed, self.mtt, self.join)
        self.cross = CrossCheck()
        self._events: list[Event] = []
        self._integrity_t: dict[str, float] = {}  # key -> time of its last integrity event
        self._heard_t: dict[int, float] = {}  # keyed track id -> its transponder's last report
        self._heard_swept = -np.inf  # event time of the last sweep of _heard_t
        self._rough = RoughRows(_DUP_REF_ACC_M)  # passive sensors' rows beside fine ones
        self.retry = ClaimRetry(self.keyed, self.mtt, self.join, _DUP_REF_ACC_M)
        self.keyed.new_ids = self.retry.new_ids  # claims (claimretry.py)

    # ------------------------------------------------------------ protocol
    def live(self) -> Sequence[Track]:
        return [*self.keyed.live(), *self.mtt.live()]

    def drain_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out + self.mtt.drain_events()

    def flush(self) -> list[Ended]:
        ended = self.keyed.flush() + self.mtt.flush()
        self._sum_stats()
        return ended

    def process(self, batch: ReportBatch) -> tuple[TrackUpdates, list[Ended]]:
        batch = batch.sorted_by_time()
        own = CooperativeTracker.keys_of(batch)
        keys = self._keys(batch, own)
        keyed = keys != ""
        if keyed.any() and (batch.identity == "").any():
            keys = self._alias_new(batch, keys, keyed)  # on the whole batch's first rows
        anon = (keys == "") & np.isfinite(batch.lat) & np.isfinite(batch.lon)
        cuts = claim_cuts(batch, keys, self.keyed.tracks, anon, self.join.search_m,
                          self.retry.cut_rows)  # fmt: skip
        todo, n = cuts.tolist(), len(batch)  # ascending: a heap already
        parts: list[TrackUpdates] = []
        ended: list[Ended] = []
        a = 0  # new keys claim as of their first report (claimcuts.py)
        while not parts or a < n:  # one piece at least (an empty batch ends tracks too)
            while todo and todo[0] <= a:
                heapq.heappop(todo)
            for c in self.retry.cuts_after(batch, keys, a, todo[0] if todo else n).tolist():
                heapq.heappush(todo, c)  # later reports of a key that will be pending
            b = todo[0] if todo else n
            upd, end = self._process(batch.take(slice(a, b)), own[a:b], keys[a:b])
            parts.append(upd)
            ended += end
            a = b
        if len(parts) == 1:
            return parts[0], ended
        tid = np.concatenate([p.track_id for p in parts])
        return TrackUpdates(tid, ReportBatch.concat([p.state for p in parts])), ended

    def _process(
        self, batch: ReportBatch, own: ObjArray, keys: ObjArray
    ) -> tuple[TrackUpdates, list[Ended]]:
        """One time-sorted piece of a batch (``own``: its rows' own keys, ``keys``: through
        the aliases)."""
        keys = keys.copy()
        keyed = keys != ""
        self.retry.again(batch, keys)  # a pending new key claims again (claimretry.py)
        plots = np.flatnonzero(~keyed & np.isfinite(batch.lat) & np.isfinite(batch.lon))
        if len(plots) and (keyed.any() or self.keyed.tracks):
            idx, key = self._join_plots(batch, keys, keyed, plots)
            keys[idx] = key
            keyed[idx] = True
            self._joined += len(idx)
        self._cross_check(batch, keys, keyed & (keys != own) & ~batch.transponder)
        k_rows, m_rows = np.flatnonzero(keyed), np.flatnonzero(~keyed)
        parts: list[TrackUpdates] = []
        ended: list[Ended] = []
        if len(k_rows):
            upd, end = self.keyed.process(batch.take(k_rows), keys[k_rows])
            if self.retry.pending:  # a pending key's rows wait (claimretry.py)
                upd = upd.take(np.flatnonzero(self.retry.shown(upd)))
            upd = upd.take(np.flatnonzero(self._rough.shown(upd.track_id, upd.state.t,
                                                            upd.state.accuracy)))  # fmt: skip
            parts.append(self._vouch(upd))
            ended += end
            self.segments.retire(end)
        if len(m_rows):
            upd, end = self.mtt.process(batch.take(m_rows))
            if keyed.any() or self.keyed.tracks or len(self.segments.lapsed):
                upd, ended = self.segments.check(
                    upd, lambda: self._fine_references(batch, keys, keyed), ended
                )
            parts.append(upd)
            ended += end
        elif len(batch):
            ended += self.mtt.advance(float(batch.t[-1]))
        self._sum_stats()
        if not parts:
            return TrackUpdates.empty(), ended
        if len(parts) == 1:
            return parts[0], ended
        tid = np.concatenate([p.track_id for p in parts])
        state = ReportBatch.concat([p.state for p in parts])
        order = np.argsort(state.t, kind="stable")
        return TrackUpdates(tid[order], state.take(order)), ended

    # ------------------------------------------------------------ steps
    def _keys(self, batch: ReportBatch, own: ObjArray) -> ObjArray:
        """Each row's key (``own``: its own) through the aliases (one dictionary look-up
        per distinct key)."""
        keys = own.copy()
        if not self.alias:
            return keys
        tn = np.flatnonzero(batch.identity == "")
        if not len(tn):
            return keys
        uniq, inv = factorize(keys[tn])
        mapped = np.array([self.alias.get(k, k) for k in uniq], dtype=object)
        keys[tn] = mapped[inv]
        return keys

    def _references(
        self, batch: ReportBatch, keys: ObjArray, rows: IntArray,
        window: FloatArray | None = None, transponder_only: bool = False,
    ) -> tuple[Rows, ObjArray]:  # fmt: skip
        """The keyed tracks' kept rows (the keyed part's, as far back as a query of this
        batch can reach) and this batch's ``rows`` (those within ``max_gap_s`` of a time
        in ``window``, when given); returns the rows and the key of each code (codes of
        live tracks are their slots, keys new in this batch follow)."""
        cfg = self.join
        if window is not None:
            rows = rows[near_times(batch.t, window, cfg.max_gap_s)[rows]]
        t_first = float(batch.t[0]) if len(batch) else np.inf
        kept = self.keyed.recent(
            t_first - cfg.search_m / cfg.time_scale_mps - cfg.max_gap_s, _KEPT_ROWS
        )
        slot_keys = self.keyed.slot_keys
        # this batch's rows: the slot of their live track, else a new code per key
        uniq, inv = factorize(keys[rows])
        slot = np.array([self.keyed.slot_of(str(k)) for k in uniq], dtype=np.int64)
        fresh = np.flatnonzero(slot < 0)
        slot[fresh] = len(slot_keys) + np.arange(len(fresh))
        names = np.concatenate([slot_keys, uniq[fresh]])
        b = batch.take(rows)
        keep = np.r_[np.ones(len(kept), dtype=bool), keys[rows] != ""]
        if transponder_only:
            keep &= np.r_[kept.transponder, b.transponder]

        def col(name: str) -> FloatArray:
            return np.concatenate([kept.col(name), getattr(b, name)])[keep]

        code = np.concatenate([kept.slot, slot[inv]])[keep]
        ref = Rows.of(col("t"), col("lat"), col("lon"), col("alt"), col("vel_e"), col("vel_n"),
                      col("accuracy"), code, cfg)  # fmt: skip
        return ref, names

    def _fine_references(
        self, batch: ReportBatch, keys: ObjArray, keyed: np.ndarray
    ) -> tuple[Rows, ObjArray]:
        """The keyed rows of stated accuracy at most ``_DUP_REF_ACC_M`` (a passive
        sensor's position, kilometres along its bearing, vouches for nothing close) and
        the key of each code (:meth:`_references`)."""
        ref, names = self._references(batch, keys, np.flatnonzero(keyed))
        fine = ref.acc <= _DUP_REF_ACC_M
        return Rows(ref.t[fine], ref.ecef[fine], ref.vel[fine], ref.alt[fine], ref.acc[fine],
                    ref.code[fine]), names  # fmt: skip

    def _join_plots(
        self, batch: ReportBatch, keys: ObjArray, keyed: np.ndarray, plots: IntArray
    ) -> tuple[IntArray, ObjArray]:
        """Anonymous plots that fall on a keyed track: their rows and that track's key."""
        ref, names = self._references(batch, keys, np.flatnonzero(keyed))
        ref = prefer_fine(ref, _DUP_REF_ACC_M)
        q = batch.take(plots)
        acc = accuracy(q.accuracy, self.join)
        ecef = geodetic_to_ecef(q.lat, q.lon)
        qi, code, d2 = match(ref, q.t, ecef, q.alt, acc, self.join)
        qi, code, d2 = best_per_query(qi, code, d2)
        _, sensor = np.unique(q.sensor.astype(str), return_inverse=True)
        keep = one_per_scan(qi, code, d2, q.t, sensor.reshape(-1), self.join.scan_s)
        qi, code = qi[keep], code[keep]
        ok = vouched(ref, q.t, ecef, acc, qi, code, self.join, _DUP_REF_ACC_M)
        ok &= self.retry.joinable(q.t[qi], names[code])
        return plots[qi[ok]], names[code[ok]]

    def _vouch(self, upd: TrackUpdates) -> TrackUpdates:
        """Remember when each keyed track's transponder was last heard, and make its
        other rows (joined plots, aliased radar tracks) transponder rows while it was
        heard within :data:`TRANSPONDER_HOLD_S` (one look-up per distinct track)."""
        s = upd.state
        xpdr = s.transponder.astype(bool)
        heard = np.flatnonzero(xpdr)
        if len(heard):
            uniq, inv = unique_inverse(upd.track_id[heard])
            newest = np.full(len(uniq), -np.inf)
            np.maximum.at(newest, inv.reshape(-1), s.t[heard])
            for k, t in zip(uniq.tolist(), newest.tolist(), strict=True):
                self._heard_t[k] = max(t, self._heard_t.get(k, -np.inf))
            now = float(s.t.max())
            if now - self._heard_swept >= TRANSPONDER_HOLD_S:  # forget the long gone
                # once per hold of event time: what is left is the tracks heard within
                # three holds, whatever the turnover (a cap on the live count let a national
                # feed's gone tracks pile up to four times the live ones before a sweep);
                # one hold of slack for rows a little older than this batch's newest
                self._heard_swept = now
                since = now - 2.0 * TRANSPONDER_HOLD_S
                self._heard_t = {k: t for k, t in self._heard_t.items() if t >= since}
        other = np.flatnonzero(~xpdr)
        if not len(other) or not self._heard_t:
            return upd
        uniq, inv = unique_inverse(upd.track_id[other])
        last = np.array([self._heard_t.get(k, -np.inf) for k in uniq.tolist()])[inv.reshape(-1)]
        on = other[s.t[other] - last <= TRANSPONDER_HOLD_S]
        if not len(on):
            return upd
        xpdr[on] = True
        return TrackUpdates(upd.track_id, s.replace_columns(transponder=xpdr))

    def _alias_new(self, batch: ReportBatch, keys: ObjArray, keyed: np.ndarray) -> ObjArray:
        """Make new sensor track numbers aliases of the keyed track of another sensor
        that most of their first reports fall on (one look per new number), the keyed
        tracks placed by their joined plots where they have them
        (:func:`~airsentry.tracking.aliasing.with_plots`)."""
        tn_rows = np.flatnonzero(keyed & (batch.identity == ""))
        uniq, inv = factorize(keys[tn_rows])
        fresh = np.array([k not in self.keyed.tracks for k in uniq], dtype=bool)
        if not fresh.any():
            return keys
        # the first rows of each new number (rows are in time order)
        rank = rank_within(inv)
        q_sel = fresh[inv] & (rank < _ALIAS_ROWS)
        q_rows = tn_rows[q_sel]
        q_key = uniq[inv[q_sel]]
        q = batch.take(q_rows)
        ref, names = self._references(batch, keys, np.flatnonzero(keyed), q.t)
        known = keyed.copy()  # where the known tracks' plots place them (aliasing.py)
        known[tn_rows[fresh[inv]]] = False
        ref = with_plots(ref, names, batch, keyed, known, q.t, self.join, _DUP_REF_ACC_M,
                         lambda k, p: self._join_plots(batch, keys, k, p))  # fmt: skip
        acc = accuracy(q.accuracy, self.join)
        qi, code = match_reaching(ref, q.t, q.lat, q.lon, q.alt, acc, self.join, _DUP_REF_ACC_M)
        own = np.char.add(q.sensor[qi].astype(str), "#")
        other = (names[code] != q_key[qi]) & ~np.char.startswith(names[code].astype(str), own)
        qi, code = qi[other], code[other]
        first_t = first_times(keys[keyed], batch.t[keyed])
        n_q = np.bincount(inv[q_sel], minlength=len(uniq))
        for k in np.flatnonzero(fresh):  # one per new sensor track number
            key = str(uniq[k])
            mine = inv[q_sel][qi] == k
            if not mine.any():
                continue
            votes = np.bincount(code[mine], minlength=len(names))
            best = int(np.argmax(votes))
            target = str(names[best])
            target = self.alias.get(target, target)
            # an identity is always the canonical key; of two track numbers, the older
            older = ("#" not in target or target in self.keyed.tracks
                     or first_t.get(target, np.inf) < first_t[key])  # fmt: skip
            if older and target != key and votes[best] >= max(1, int(np.ceil(0.6 * n_q[k]))):
                self.alias[key] = target
        resolve_chains(self.alias)
        if len(self.alias) > 4 * len(self.keyed.tracks) + 256:  # forget ended tracks'
            live, here = self.keyed.tracks, set(keys.tolist())
            self.alias = {k: v for k, v in self.alias.items() if v in live or v in here}
        return self._keys(batch, CooperativeTracker.keys_of(batch)) if self.alias else keys

    def _cross_check(self, batch: ReportBatch, keys: ObjArray, radar: np.ndarray) -> None:
        """Integrity events where a radar report that follows a cooperative track (by its
        alias or as a joined plot) disagrees with the track's own transponder positions
        by more than ``k_sigma`` combined sigmas: a spoofed or falsified position. The
        radar report was linked while the two agreed, so the radar vouches for the object."""
        q_rows = np.flatnonzero(radar & np.isfinite(batch.lat) & np.isfinite(batch.lon))
        coop = np.flatnonzero((keys != "") & batch.transponder)
        if not len(q_rows) or not len(coop):
            return
        ref, names = self._references(batch, keys, coop, transponder_only=True)
        q = batch.take(q_rows)
        acc = accuracy(q.accuracy, self.join)
        loose = replace(self.join, gate=np.inf, extrapolate_s=5.0)
        qi, code, d2 = match(ref, q.t, geodetic_to_ecef(q.lat, q.lon), q.alt, acc, loose)
        bad = (names[code] == keys[q_rows][qi]) & (d2 > self.cross.k_sigma**2)
        self._events += keyed_disagreements(
            batch, q_rows[qi[bad]], names[code[bad]], np.sqrt(d2[bad]), acc[qi[bad]],
            self.cross.holdoff_s, self._integrity_t, self.keyed.tracks,
        )  # fmt: skip

    def _sum_stats(self) -> None:
        a, b = self.keyed.stats, self.mtt.stats
        reasons = dict(b.by_reason)
        for k, v in a.by_reason.items():
            reasons[k] = reasons.get(k, 0) + v
        reasons["joined"] = self._joined
        reasons["continued"] = self.segments.continued
        reasons["aliases"] = len(self.alias)
        s = self.stats
        for f in fields(TrackingStats):
            if f.name != "by_reason":
                setattr(s, f.name, getattr(a, f.name) + getattr(b, f.name))
        # the keyed part counts the multi-target part's rows as untracked
        s.untracked = 0
        s.by_reason = reasons
