"""A new sensor number whose rough first report missed its object's track tries again.

A new keyed track first takes over the confirmed anonymous track at its first report's
position (:meth:`~airsentry.tracking.mtt.FusedTracker.claim`): the drone tracked on
plots keeps its id when an RF node first names it. A passive node's fix is rough (1-3
km) and now and then far rougher than it states: WALL-RF03's first fix of a drone fell
6.4 km from the drone's plot track, five sigmas of its stated 1.25 km (its next fixes
within 2 km), so the claim failed, the new keyed track took the drone's plots by the
join, the plot track starved, and the RF track's 556 s were a second object (drone
wall, plots variant, seed 1, decoy-13).

A new sensor number whose rough first report (stated accuracy over ``rough_m``) fails
its claim while a confirmed, fed anonymous track lies within ``near`` times the claim's
gate is therefore *pending* for ``window_s`` of event time: its next reports (at most
``tries``) each try the claim again, with the claim's own gate and candidates, and the
first that falls in the gate, with the median of the reports so far (one wild fix
moves it little), hands the nearest track over (the keyed track takes its id, as a
claim at the first report would have given it). While pending, the keyed track
joins no plot, so the plot track is still fed and its object stays one, and it shows no
row, so a claim that succeeds leaves nothing of the short-lived id behind; a pending key
that never claims shows its rows from the window's end (its object appears up to
``window_s`` later). The retries last seconds and keep the gate: one wild fix of a
passive sensor must neither split an object (here) nor merge two.

Event time decides: the combined tracker cuts a batch at a pending key's next reports
(:meth:`ClaimRetry.cuts_after`, as each piece is about to be processed, by the same
test the claim will make; :meth:`ClaimRetry.cut_rows` for keys pending from an earlier
batch), so each retry sees the multi-target part as it was then, in a ten-minute batch
as in half-second ones. Only keys that will be pending cut: cutting at the first few
reports of every rough new number changed other drones' tracks (drone wall, plots
variant, seed 3: decoy-09 counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray, ReportBatch, TrackUpdates
from airsentry.tracking.base import factorize
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.join import JoinConfig, accuracy, rank_within
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.keyedstitch import hand_over
from airsentry.tracking.mtt import FusedTracker


@dataclass(slots=True)
class Pending:
    """A new keyed track whose first report nearly claimed an anonymous track."""

    track_id: int  # the keyed track's id
    until: float  # end of its window (event time)
    lat: list[float]  # its reports so far
    lon: list[float]
    acc: list[float]
    tries: int = 0


class ClaimRetry:
    """New keyed tracks' claims, with a few more tries for rough first reports (see the
    module's docstring)."""

    def __init__(
        self, keyed: CooperativeTracker, mtt: FusedTracker, join: JoinConfig,
        rough_m: float = 500.0, window_s: float = 10.0, tries: int = 3, near: float = 4.0,
    ) -> None:  # fmt: skip
        self.keyed, self.mtt, self.join = keyed, mtt, join
        self.rough_m, self.window_s, self.tries, self.near = rough_m, window_s, tries, near
        self.pending: dict[str, Pending] = {}

    def new_ids(self, keys: ObjArray, first: ReportBatch) -> IntArray:
        """Ids of new keyed tracks: a confirmed anonymous track's at the first report's
        position (the object was tracked before it named itself), else fresh ones; a
        rough first report of a sensor's number that nearly claimed one is pending."""
        ids = np.full(len(keys), -1, dtype=np.int64)
        near: list[int] = []  # new tracks that nearly claimed one
        if len(self.mtt.state.table):
            acc = accuracy(first.accuracy, self.join)
            gate = self.join.gate
            for i in range(len(keys)):  # one per new track
                t, lat, lon = float(first.t[i]), float(first.lat[i]), float(first.lon[i])
                alt = float(first.alt[i])
                ended = "#" in str(keys[i])  # a sensor's number may continue an ended track
                ids[i] = self.mtt.claim(t, lat, lon, alt, float(acc[i]), gate, ended)
                if ids[i] < 0 and ended and first.accuracy[i] > self.rough_m:
                    here = geodetic_to_ecef(first.lat[i : i + 1], first.lon[i : i + 1])
                    _, d2 = self.mtt.nearest_fed(t, here, float(acc[i]), alt)
                    if d2 < self.near * gate:
                        near.append(i)
        new = ids < 0
        ids[new] = self.mtt.state.new_ids(int(new.sum()))
        for i in near:
            self.pending[str(keys[i])] = Pending(
                int(ids[i]), float(first.t[i]) + self.window_s, [float(first.lat[i])],
                [float(first.lon[i])], [float(accuracy(first.accuracy[i : i + 1], self.join)[0])],
            )  # fmt: skip
        return ids

    def cut_rows(self, batch: ReportBatch, keys: ObjArray, rows: IntArray) -> IntArray:
        """The rows among keyed ``rows`` (time order) where a pending key (of an earlier
        batch) tries its claim again: its next reports within its window, as many as it
        has tries left (``claim_cuts`` cuts there)."""
        if not self.pending:
            return np.empty(0, dtype=np.int64)
        uniq, inv = factorize(keys[rows])
        inv = inv.reshape(-1)
        until = np.full(len(uniq), -np.inf)
        left = np.zeros(len(uniq), dtype=np.int64)
        for k in range(len(uniq)):  # distinct keys of the batch: a few hundred at most
            p = self.pending.get(str(uniq[k]))
            if p is not None:
                until[k], left[k] = p.until, self.tries - p.tries
        ok = (batch.t[rows] <= until[inv]) & (rank_within(inv) < left[inv])
        out: IntArray = rows[ok]
        return out

    def cuts_after(self, batch: ReportBatch, keys: ObjArray, a: int, b: int) -> IntArray:
        """Rows after ``a`` at which to cut the time-sorted ``batch`` as the piece
        ``a:b`` is about to be processed: the next ``tries`` reports within ``window_s``
        of each new sensor number whose rough first report lies in the piece and will
        nearly claim (:meth:`new_ids` makes it pending: the claim's test against the
        multi-target part as it is now, before the piece, as the keyed part will ask
        it). Only such keys cut: other cuts would change nothing of the claim."""
        none = np.empty(0, dtype=np.int64)
        rows = a + np.flatnonzero((batch.accuracy[a:b] > self.rough_m) & (keys[a:b] != ""))
        if not len(rows) or not len(self.mtt.state.table):
            return none
        uniq, first = np.unique(keys[rows].astype(str), return_index=True)
        out = []
        for key, j in zip(uniq.tolist(), rows[first].tolist(), strict=True):  # a few
            if "#" not in key or key in self.keyed.tracks or key in self.pending:
                continue
            t, alt = float(batch.t[j]), float(batch.alt[j])
            here = geodetic_to_ecef(batch.lat[j : j + 1], batch.lon[j : j + 1])
            acc = float(accuracy(batch.accuracy[j : j + 1], self.join)[0])
            _, d2 = self.mtt.nearest_fed(t, here, acc, alt)
            if not self.join.gate <= d2 < self.near * self.join.gate:
                continue
            later = j + 1 + np.flatnonzero(keys[j + 1 :] == key)
            out.append(later[batch.t[later] <= t + self.window_s][: self.tries])
        return np.concatenate(out) if out else none

    def again(self, batch: ReportBatch, keys: ObjArray) -> None:
        """Pending keys' first report in this piece of a batch tries the claim again: the
        confirmed anonymous track nearest to it, fed lately, within the claim's gate is
        handed over and the keyed track takes its id."""
        if not self.pending:
            return
        t0 = float(batch.t[0]) if len(batch) else -np.inf
        self.pending = {k: p for k, p in self.pending.items() if p.until >= t0}
        rows = np.flatnonzero(np.isin(keys, np.array(list(self.pending), dtype=object)))
        uniq, first = np.unique(keys[rows].astype(str), return_index=True)
        for key, j in zip(uniq.tolist(), rows[first].tolist(), strict=True):
            p = self.pending[key]
            if float(batch.t[j]) > p.until:
                continue
            slot = self.keyed.slot_of(key)
            if slot < 0 or int(self.keyed.slot_ids(np.array([slot]))[0]) != p.track_id:
                del self.pending[key]
                continue
            if p.tries >= self.tries:  # no more tries: the track waits out its window
                continue
            p.tries += 1
            p.lat.append(float(batch.lat[j]))
            p.lon.append(float(batch.lon[j]))
            p.acc.append(float(accuracy(batch.accuracy[j : j + 1], self.join)[0]))
            row = self._claimable(float(batch.t[j]), float(batch.alt[j]), p)
            if row >= 0:
                self.keyed.rekey(slot, hand_over(self.mtt.state, row))
                del self.pending[key]

    def _claimable(self, t: float, alt: float, p: Pending) -> int:
        """The table row of the track a pending key's newest report claims: the nearest
        fed track within the claim's gate of that report and of the median of its
        reports so far (per axis, with their median accuracy: one wild fix moves it
        little, Huber 1981), the same track for both; -1 when none."""
        gate = self.join.gate
        here = geodetic_to_ecef(np.array(p.lat[-1:]), np.array(p.lon[-1:]))
        row, d2 = self.mtt.nearest_fed(t, here, p.acc[-1], alt)
        if d2 >= gate:
            return -1
        mid = geodetic_to_ecef(np.array([np.median(p.lat)]), np.array([np.median(p.lon)]))
        row_mid, d2_mid = self.mtt.nearest_fed(t, mid, float(np.median(p.acc)), alt)
        return row if row_mid == row and d2_mid < gate else -1

    def joinable(self, t: FloatArray, key: ObjArray) -> BoolArray:
        """Which joins (plots at ``t`` to tracks ``key``) may stand: none to a pending
        key within its window (its object's plot track must stay fed)."""
        ok = np.ones(len(t), dtype=bool)
        for k, p in self.pending.items():  # a handful at most
            ok &= ~((key == k) & (t <= p.until))
        return ok

    def shown(self, upd: TrackUpdates) -> BoolArray:
        """Which output rows of the keyed part may be shown: none of a pending key's
        track within its window."""
        ok = np.ones(len(upd), dtype=bool)
        for p in self.pending.values():  # a handful at most
            ok &= ~((upd.track_id == p.track_id) & (upd.state.t <= p.until))
        return ok
