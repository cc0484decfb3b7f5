"""The fused multi-target tracker: every report, cooperative or not, into one track per object.

:class:`FusedTracker` follows the :class:`~airsentry.tracking.base.Tracker` protocol. A
batch is cut into *sensor scans*: the plots of one sensor within 0.9 of its revisit time
(learnt from repeated identities and track numbers and from its hits; ``scan_s`` until
known), so that a sensor sees each object at most once per scan; repeats of an identity
or a sensor track number go to a later round. Scans run in time order. For each, vectorised
over its tracks and plots:

1. candidate pairs from a k-d tree of plot positions (ECEF) around each track's
   predicted position, plus the pairs that identities and track-number hints name;
2. per pair: IMM prediction to the plot's own time, the plot in the track's ENU frame,
   the squared Mahalanobis distance, gating (:mod:`~airsentry.tracking.association`)
   plus a loose vertical gate (a low drone never updates an airliner overhead);
3. global nearest neighbour (or JPDA where gates overlap) with identity and hint costs;
4. IMM update of the assigned tracks, re-centring of their frames, altitude filter;
5. cross-checks of failed identity and hint links (:mod:`~airsentry.tracking.crosscheck`);
6. M-of-N bookkeeping, new tentative tracks from plots no confirmed track claimed.

Every ``housekeeping_s`` of event time, duplicate tracks (both still fed by plots)
merge and silent or lost tracks end (:mod:`~airsentry.tracking.management`). Output
rows are emitted for confirmed tracks only, one per plot used, with the filtered state.
Integrity events wait in :meth:`FusedTracker.drain_events` for the pipeline to forward.

Cost: a few milliseconds per sensor scan whatever its size (NumPy call overheads), then
about 40 microseconds per track; so feeds that deliver many plots per scan (a radar
sweep) are cheap per plot, and feeds that trickle one plot at a time are not.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import Event, FloatArray, IntArray, ReportBatch, Track, TrackUpdates
from airsentry.tracking.base import Ended, TrackingStats
from airsentry.tracking.crosscheck import CrossCheck
from airsentry.tracking.fusion import HintTable, merge_pairs
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import ecef_to_geodetic, from_enu
from airsentry.tracking.management import Management
from airsentry.tracking.motion import MotionModel
from airsentry.tracking.scan import ScanUpdater
from airsentry.tracking.table import TrackTable

Arr = np.ndarray[Any, Any]


def _fused_imm() -> IMM:
    """Motion models for a mixed picture. Drones fly waypoint routes and turn abruptly
    (a 90 degree corner at 18 m/s is a 25 m/s velocity jump within one 2 s revisit of a
    counter-drone radar with 15 m plots); with the quieter filter defaults their tracks
    fell out of the gate at corners and restarted as second objects."""
    return IMM(
        models=(MotionModel("cv", sigma_a=2.0), MotionModel("ct", sigma_a=6.0, sigma_w=0.05))
    )


@dataclass(frozen=True, slots=True)
class FusedConfig:
    imm: IMM = field(default_factory=_fused_imm)
    management: Management = field(default_factory=Management)
    crosscheck: CrossCheck = field(default_factory=CrossCheck)
    association: str = "gnn"  # "gnn", or "jpda" where gates overlap
    scan_s: float = 1.0  # shortest sensor scan: one sensor's plots within this window
    # chi-square 2 dof, 99.995 %: at the textbook 99.9 % (association.CHI2_GATE_2D) one good plot in
    # a thousand falls outside, and a drone seen every 2 s for an hour gives thousands
    gate: float = 20.0
    hint_bonus: float = 8.0  # cost reduction for a plot whose track number names the track
    default_accuracy_m: float = 150.0  # plots that state no accuracy
    min_accuracy_m: float = 5.0
    init_speed_sigma: float = 150.0  # m/s, velocity uncertainty of a new track
    init_turn_sigma: float = 0.05  # rad/s
    max_speed_mps: float = 400.0  # a tentative track faster than this is clutter
    alt_sigma_m: float = 60.0  # altitude noise of plots; transponder altitudes: a quarter
    sigma_az: float = 1.0  # m/s^2 vertical acceleration noise
    alt_gate_sigmas: float = 5.0  # vertical gate: this many sigmas of predicted altitude ...
    alt_gate_m: float = 500.0  # ... plus this margin (plots' altitude noise is unstated)
    late_s: float = 30.0  # plots older than their track by more than this are ignored
    merge_threshold: float = 9.5  # chi-square 4 dof, ~95 %
    merge_after: int = 3  # consecutive agreeing checks before two tracks merge
    merge_active_s: float = 30.0  # only tracks updated this recently merge
    housekeeping_s: float = 20.0  # merge and expiry checks at least this often (event time)

    def __post_init__(self) -> None:
        if self.association not in ("gnn", "jpda"):
            raise ValueError(f"association must be 'gnn' or 'jpda', not {self.association!r}")
        if self.scan_s <= 0:
            raise ValueError("scan_s must be positive")


class FusedTracker:
    """Multi-target, multi-sensor tracker with IMM filters and fused identities."""

    def __init__(self, config: FusedConfig | None = None) -> None:
        self.config = config or FusedConfig()
        self.stats = TrackingStats()
        self.table = TrackTable(self.config.imm.m)
        self.hints = HintTable()
        self.sensor_names: list[str] = []
        self._next_id = 1
        self._t0: float | None = None
        self._events: list[Event] = []
        self._scan = ScanUpdater(self)
        self.revisit: dict[int, float] = {}  # sensor index -> revisit time, s
        self._housekept = -np.inf

    # ------------------------------------------------------------ protocol
    def live(self) -> Sequence[Track]:
        """Confirmed live tracks, with their quality."""
        rows = np.flatnonzero(self.table["confirmed"])
        return [self._track(int(i)) for i in rows]

    def estimates(self, t: float) -> tuple[IntArray, FloatArray, FloatArray]:
        """Ids, latitudes and longitudes of the confirmed tracks predicted to time ``t``
        (the picture at an instant, coasting tracks included: what GOSPA scores)."""
        conf = self.table["confirmed"]
        if not conf.any():
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        xc, _, _ = self.sigma_at(t)
        enu = np.column_stack([xc[conf, 0], xc[conf, 1], np.zeros(int(conf.sum()))])
        ecef = from_enu(enu, self.table["origin"][conf], self.table["rot"][conf])
        lat, lon = ecef_to_geodetic(ecef)
        return self.table["id"][conf].copy(), lat, lon

    def drain_events(self) -> list[Event]:
        """Integrity events raised since the last call (the pipeline forwards them)."""
        out, self._events = self._events, []
        return out

    def process(self, batch: ReportBatch) -> tuple[TrackUpdates, list[Ended]]:
        self.stats.reports += len(batch)
        batch = self._valid(batch.sorted_by_time())
        if not len(batch):
            return TrackUpdates.empty(), []
        if self._t0 is None:
            self._t0 = float(batch.t[0])
        sensor_idx = self._sensor_index(batch.sensor)
        self._estimate_revisit(batch, sensor_idx)
        # a sensor scan lasts most of the sensor's revisit time (at least scan_s)
        span = np.array([max(self.config.scan_s, 0.9 * self.revisit.get(k, 0.0))
                         for k in range(len(self.sensor_names))])[sensor_idx]  # fmt: skip
        window = np.floor((batch.t - self._t0) / span).astype(np.int64)
        rounds = _rounds(batch, window)
        key = (window * 1024 + rounds) * 4096 + sensor_idx
        _, inverse = np.unique(key, return_inverse=True)
        # scans in the order of their first plot
        first_t = np.full(int(inverse.max()) + 1, np.inf)
        np.minimum.at(first_t, inverse, batch.t)
        rank = np.argsort(np.argsort(first_t, kind="stable"))
        order = np.argsort(rank[inverse], kind="stable")
        inverse = rank[inverse]
        bounds = np.flatnonzero(np.r_[True, inverse[order][1:] != inverse[order][:-1], True])
        out_rows: list[IntArray] = []
        out_tid: list[IntArray] = []
        out_state: list[ReportBatch] = []
        ended: list[Ended] = []
        for a, b in itertools.pairwise(bounds):
            idx = order[a:b]
            t_scan = float(batch.t[idx].min())
            if t_scan - self._housekept >= self.config.housekeeping_s:
                # merge duplicates, end silent and lost tracks, in event time
                self._merge(t_scan)
                ended += self._expire(t_scan)
                self._housekept = t_scan
            rows, tids, state = self._scan.run(batch.take(idx), int(sensor_idx[idx[0]]))
            out_rows.append(idx[rows])
            out_tid.append(tids)
            out_state.append(state)
        now = float(batch.t[-1])
        self._merge(now)
        ended += self._expire(now)
        self._housekept = now
        if not out_tid:
            return TrackUpdates.empty(), ended
        tid = np.concatenate(out_tid)
        state = ReportBatch.concat(out_state)
        order_out = np.argsort(np.concatenate(out_rows), kind="stable")
        self.stats.updates += len(tid)
        return TrackUpdates(tid[order_out], state.take(order_out)), ended

    def flush(self) -> list[Ended]:
        conf = np.flatnonzero(self.table["confirmed"])
        ended = [Ended(self._track(int(i)), "flush") for i in conf]
        self.stats.tracks_ended += len(ended)
        self.table.keep(np.zeros(len(self.table), dtype=bool))
        self.hints = HintTable()
        return ended

    # ------------------------------------------------------------ helpers
    def _valid(self, batch: ReportBatch) -> ReportBatch:
        ok = (
            np.isfinite(batch.t)
            & np.isfinite(batch.lat)
            & np.isfinite(batch.lon)
            & (np.abs(batch.lat) <= 90.0)
            & (np.abs(batch.lon) <= 180.0)
        )
        bad = int((~ok).sum())
        if bad:
            self.stats.by_reason["invalid_position"] = (
                self.stats.by_reason.get("invalid_position", 0) + bad
            )
        return batch if not bad else batch.take(ok)

    def _sensor_index(self, sensor: Arr) -> IntArray:
        names, inv = np.unique(sensor.astype(str), return_inverse=True)
        idx = np.empty(len(names), dtype=np.int64)
        for k, name in enumerate(names):  # one per distinct sensor, not per report
            if name not in self.sensor_names:
                self.sensor_names.append(str(name))
            idx[k] = self.sensor_names.index(name)
        return idx[inv]

    def learn_revisit(self, sensor: int, intervals: FloatArray) -> None:
        """Follow a sensor's revisit time from the intervals between its hits of a track.

        Missed detections make intervals that are multiples of the revisit time, never
        shorter, so the estimate follows the shortest interval at once and longer ones
        only slowly."""
        good = intervals[intervals > 0]
        if len(good):
            low = float(good.min())
            old = self.revisit.get(sensor)
            self.revisit[sensor] = low if old is None or low < old else 0.95 * old + 0.05 * low

    def _estimate_revisit(self, batch: ReportBatch, sensor_idx: IntArray) -> None:
        """Revisit times of sensors not yet known, from their named plots in ``batch``
        (the same identity or track number twice): the median interval."""
        ident = batch.identity.astype(str)
        named = (ident != "") | (batch.track_number >= 0)
        if not named.any():
            return
        name = np.where(ident != "", ident, batch.track_number.astype(str))
        key = np.char.add(np.char.add(sensor_idx.astype(str), "|"), name)[named]
        t, s = batch.t[named], sensor_idx[named]
        order = np.lexsort((t, key))
        same = key[order][1:] == key[order][:-1]
        gaps = np.diff(t[order])[same]
        gap_sensor = s[order][1:][same]
        for k in np.unique(gap_sensor):
            if int(k) not in self.revisit:
                g = gaps[(gap_sensor == k) & (gaps > 0)]
                if len(g):
                    self.revisit[int(k)] = float(np.median(g))

    def new_ids(self, k: int) -> IntArray:
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        return ids

    def emit(self, event: Event) -> None:
        self._events.append(event)

    def sigma_at(self, now: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Combined states and covariances of all tracks predicted to ``now``."""
        tab = self.table
        dt = np.maximum(now - tab["t"], 0.0)
        x, p, mu = self.config.imm.predict(tab["x"], tab["P"], tab["mu"], dt)
        xc, pc = IMM.combine(x, p, mu)
        return xc, pc, np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1]))

    def _track(self, i: int) -> Track:
        tr = self.table.track(i, self.sensor_names)
        _, _, sig = self.sigma_at(tr.last_seen)
        tab = self.table
        q = self.config.management.quality(tab["hits"][i : i + 1], tab["seen"][i : i + 1],
                                           sig[i : i + 1])  # fmt: skip
        tr.quality = float(q[0])
        return tr

    def _merge(self, now: float) -> None:
        tab, cfg = self.table, self.config
        if int(tab["confirmed"].sum()) < 2:
            return
        xc, pc, _ = self.sigma_at(now)
        enu = np.column_stack([xc[:, 0], xc[:, 1], np.zeros(len(xc))])
        ecef = from_enu(enu, tab["origin"], tab["rot"])
        active = now - tab["t"] <= cfg.merge_active_s
        keep, drop = merge_pairs(tab, ecef, xc, pc, cfg.merge_threshold, active)
        partner = np.full(len(tab), -1, dtype=np.int64)
        partner[drop] = tab["id"][keep]
        same = (partner >= 0) & (partner == tab["merge_with"])
        tab["merge_count"][:] = np.where(same, tab["merge_count"] + 1, (partner >= 0) * 1)
        tab["merge_with"][:] = partner
        ripe = np.flatnonzero(tab["merge_count"] >= cfg.merge_after)
        if not len(ripe):
            return
        survivors = tab.rows_of(tab["merge_with"][ripe])
        for col in ("identity", "callsign", "squawk", "category"):
            gives = (tab[col][survivors] == "") & (tab[col][ripe] != "")
            tab[col][survivors[gives]] = tab[col][ripe[gives]]
        tab["sensors"][survivors] |= tab["sensors"][ripe]
        dead = tab["id"][ripe]
        self.hints.track[np.isin(self.hints.track, dead)] = -1
        self.stats.by_reason["merged"] = self.stats.by_reason.get("merged", 0) + len(ripe)
        self.stats.tracks_ended += len(ripe)  # silently: the survivor carries on
        mask = np.ones(len(tab), dtype=bool)
        mask[ripe] = False
        tab.keep(mask)

    def _expire(self, now: float) -> list[Ended]:
        tab, mgmt = self.table, self.config.management
        if not len(tab):
            return []
        _, _, sig = self.sigma_at(now)
        named = tab["identity"] != ""
        silent, lost = mgmt.expired(tab["t"], now, sig, named)
        tentative_old = ~tab["confirmed"] & (now - tab["t"] > mgmt.expire_s / 10.0)
        gone = silent | lost | tentative_old
        if not gone.any():
            return []
        ended = []
        for i in np.flatnonzero(gone & tab["confirmed"]):
            ended.append(Ended(self._track(int(i)), "silent" if silent[i] else "lost"))
            reason = "silent" if silent[i] else "lost"
            self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + 1
        self.stats.tracks_ended += len(ended)
        self.hints.forget_tracks(tab["id"][gone])
        tab.keep(~gone)
        return ended


def _rounds(batch: ReportBatch, window: IntArray) -> IntArray:
    """0 for the first plot of each (window, sensor, identity-or-number), 1 for the next..."""
    ident = batch.identity.astype(str)
    tn = batch.track_number.astype(str)
    key = np.char.add(np.char.add(batch.sensor.astype(str), "|"), np.where(ident != "", ident, tn))
    named = (ident != "") | (batch.track_number >= 0)
    full = np.char.add(np.char.add(window.astype(str), "|"), key)
    _, inv = np.unique(full, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    s = inv[order]
    start = np.r_[True, s[1:] != s[:-1]]
    run_start = np.maximum.accumulate(np.where(start, np.arange(len(s)), 0))
    rank = np.empty(len(s), dtype=np.int64)
    rank[order] = np.arange(len(s)) - run_start
    return np.where(named, np.minimum(rank, 1023), 0)


__all__ = ["FusedConfig", "FusedTracker"]
