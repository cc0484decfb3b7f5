"""The fused multi-target tracker: every report, cooperative or not, into one track per object.

:class:`FusedTracker` follows the :class:`~airsentry.tracking.base.Tracker` protocol and is
assembled from parts, in the manner of Stone Soup's ``MultiTargetTracker``: a predictor
(IMM), an associator (gate and assignment), an initiator, a track manager (M of N,
coasting, deletion), a merger (identities, track numbers, duplicates) and a cross-check
(integrity), each a small protocol of :mod:`~airsentry.tracking.base`. The tracker keeps
its memory in a :class:`~airsentry.tracking.state.FusedState` and runs each sensor scan
through :func:`~airsentry.tracking.scan.run_scan`, which takes parts and state
explicitly. :meth:`FusedTracker.from_config` builds the default assembly from a
:class:`FusedConfig` (what the pipeline and the scenario library use).

A batch is cut into *sensor scans* (:mod:`~airsentry.tracking.fusedscans`): the plots of
one sensor within 0.9 of its revisit time, so that a sensor sees each object at most once
per scan. Scans run in time order. For each, vectorised over its tracks and plots
(:mod:`~airsentry.tracking.scan`):

1. candidate pairs from a k-d tree of plot positions (ECEF) around each track's
   predicted position, plus the pairs that identities and track-number hints name;
2. per pair: prediction to the plot's own time (predictor), the plot in the track's ENU
   frame, the squared Mahalanobis distance, gating (associator) plus a vertical gate (a
   low drone never updates an airliner overhead): on the altitude innovation with the
   plot's own height noise where its sensor frame states one (as probable as the
   horizontal gate), loose (``alt_gate_m``) where it does not; and a per-hop speed gate
   for tentative tracks (no plot further from the track than ``max_speed_mps`` allows);
3. assignment (associator: global nearest neighbour, or JPDA weights where gates
   overlap) with identity and hint costs (merger);
4. cross-checks of failed identity and hint links (cross-check);
5. filter update of the assigned tracks, re-centring of their frames, altitude filter
   (:mod:`~airsentry.tracking.update`);
6. M-of-N bookkeeping (track manager), identities and hints from the plots used
   (merger), new tentative tracks from plots no confirmed track claimed (initiator).

Every ``housekeeping_s`` of event time, duplicate tracks (both still fed by plots)
merge (merger) and silent or lost tracks end (track manager); anonymous ones stay
dormant for a while, and a newly confirmed track that continues one on a reachable path
takes back its id (:mod:`~airsentry.tracking.stitch`). The default tracker of every
command wraps this one (:mod:`~airsentry.tracking.combined`): it only sees the plots
that no keyed (identity or sensor track number) track claimed. Output rows are emitted
for confirmed tracks only, one per plot used, with the filtered state. Integrity events
wait in :meth:`FusedTracker.drain_events` for the pipeline to forward.

Cost: about a millisecond per sensor scan whatever its size (NumPy call overheads on tiny
arrays; ``benchmarks/tracking_scans.py``), then tens of microseconds per track: a radar
sweep of many plots is cheap per plot, a feed that trickles one plot at a time is not.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from airsentry.model import Event, FloatArray, IntArray, ReportBatch, Track, TrackUpdates
from airsentry.tracking.association import GNNAssociator, JPDAAssociator
from airsentry.tracking.base import (
    Associator,
    CrossChecker,
    Ended,
    Initiator,
    Merger,
    Predictor,
    TrackingStats,
    TrackManager,
)
from airsentry.tracking.bearings import bearing_rows
from airsentry.tracking.crosscheck import CrossCheck
from airsentry.tracking.fusedconfig import FusedConfig, fused_imm
from airsentry.tracking.fusedscans import cut_scans, estimate_revisit, sensor_index
from airsentry.tracking.fusion import HintTable, TrackMerger
from airsentry.tracking.imm import IMM
from airsentry.tracking.initiation import PlotInitiator
from airsentry.tracking.kalman import ecef_to_geodetic, from_enu, geodetic_to_ecef
from airsentry.tracking.keyedstitch import claim_ended, hand_over
from airsentry.tracking.management import Management
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.robustend import robust_end
from airsentry.tracking.scan import ScanParts
from airsentry.tracking.sensorscan import run_any_scan
from airsentry.tracking.state import FusedState, ScanSettings
from airsentry.tracking.stitch import Stitcher, remap

CLAIM_RECENT_S = 30.0  # a track handed to a new identity was updated this recently ...
CLAIM_ALT_M = 1_000.0  # ... at an altitude this close (where both are known)

__all__ = ["CLAIM_ALT_M", "CLAIM_RECENT_S", "FusedConfig", "FusedTracker"]


@dataclass(eq=False)
class FusedTracker:
    """Multi-target, multi-sensor tracker with IMM filters and fused identities.

    Every field has the default assembly's part; :meth:`from_config` builds it from a
    :class:`FusedConfig`. Parts may be swapped for anything that follows their protocol."""

    predictor: Predictor = field(default_factory=fused_imm)
    """Motion models: predicts track states to a plot's time and updates them with it."""
    associator: Associator = field(default_factory=GNNAssociator)
    """Gates (track, plot) pairs and assigns each plot to at most one track."""
    initiator: Initiator = field(default_factory=PlotInitiator)
    """Starts tentative tracks at plots that no confirmed track claimed."""
    manager: TrackManager = field(default_factory=Management)
    """M-of-N confirmation, coasting and deletion."""
    merger: Merger = field(default_factory=TrackMerger)
    """Identity and track-number fusion, and merging of duplicate tracks."""
    crosscheck: CrossChecker = field(default_factory=CrossCheck)
    """Integrity events when cooperative and radar positions of one track disagree."""
    settings: ScanSettings = field(default_factory=ScanSettings)
    """Scan knobs that belong to no single part (accuracies, vertical gate, lateness)."""
    scan_s: float = 1.0
    """Shortest sensor scan: one sensor's plots within this window (or 0.9 revisit)."""
    housekeeping_s: float = 20.0
    """Merge and expiry checks at least this often, in event time."""
    stitcher: Stitcher = field(default_factory=Stitcher)
    """Keeps ended anonymous tracks dormant; a new track that continues one takes its id."""
    state: FusedState = field(init=False, repr=False)
    stats: TrackingStats = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.predictor, FusedConfig):
            raise TypeError("build a FusedTracker from a FusedConfig with FusedTracker.from_config")
        if self.scan_s <= 0:
            raise ValueError("scan_s must be positive")
        self.state = FusedState.empty(self.predictor.m)
        self.stats = self.state.stats

    @classmethod
    def from_config(cls, config: FusedConfig | None = None) -> FusedTracker:
        """The default assembly, tuned by ``config``."""
        cfg = config or FusedConfig()
        kind = JPDAAssociator if cfg.association == "jpda" else GNNAssociator
        return cls(
            predictor=cfg.imm,
            associator=kind(threshold=cfg.gate),
            initiator=PlotInitiator(
                init_speed_sigma=cfg.init_speed_sigma,
                init_turn_sigma=cfg.init_turn_sigma,
                alt_sigma_m=cfg.alt_sigma_m,
            ),
            manager=cfg.management,
            merger=TrackMerger(
                hint_bonus=cfg.hint_bonus,
                threshold=cfg.merge_threshold,
                after=cfg.merge_after,
                active_s=cfg.merge_active_s,
            ),
            crosscheck=cfg.crosscheck,
            settings=ScanSettings(
                default_accuracy_m=cfg.default_accuracy_m,
                min_accuracy_m=cfg.min_accuracy_m,
                max_speed_mps=cfg.max_speed_mps,
                alt_sigma_m=cfg.alt_sigma_m,
                sigma_az=cfg.sigma_az,
                alt_gate_sigmas=cfg.alt_gate_sigmas,
                alt_gate_m=cfg.alt_gate_m,
                late_s=cfg.late_s,
                existence=cfg.existence,  # clutter hook
            ),
            scan_s=cfg.scan_s,
            housekeeping_s=cfg.housekeeping_s,
            stitcher=Stitcher(cfg.stitch),
        )

    @property
    def parts(self) -> ScanParts:
        """The parts as one sensor scan takes them."""
        return ScanParts(self.predictor, self.associator, self.initiator, self.manager,
                         self.merger, self.crosscheck, self.settings)  # fmt: skip

    # ------------------------------------------------------------ protocol
    def live(self) -> Sequence[Track]:
        """Confirmed live tracks, with their quality."""
        rows = np.flatnonzero(self.state.table["confirmed"])
        return [self._track(int(i)) for i in rows]

    def estimates(self, t: float) -> tuple[IntArray, FloatArray, FloatArray]:
        """Ids, latitudes and longitudes of the confirmed tracks predicted to time ``t``
        (the picture at an instant, coasting tracks included: what GOSPA scores)."""
        tab = self.state.table
        conf = tab["confirmed"]
        if not conf.any():
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        xc, _, _ = self.sigma_at(t)
        enu = np.column_stack([xc[conf, 0], xc[conf, 1], np.zeros(int(conf.sum()))])
        ecef = from_enu(enu, tab["origin"][conf], tab["rot"][conf])
        lat, lon = ecef_to_geodetic(ecef)
        return tab["id"][conf].copy(), lat, lon

    def claim(
        self, t: float, lat: float, lon: float, alt: float, acc: float, gate: float,
        ended: bool = False,
    ) -> int:  # fmt: skip
        """Hand over the confirmed track nearest to a position at time ``t`` if it lies
        within the gate (squared distance normalised by the track's and the position's
        uncertainty): the track leaves this tracker silently and its id is returned
        (-1 when none): the combined tracker keeps the object by the identity it now
        has. The anonymous drone track becomes the Remote ID serial's track. Only tracks
        that plots still feed (updated within ``CLAIM_RECENT_S``) at a compatible altitude
        qualify: a coasting track's wide covariance "agrees" with anything nearby. When
        none does and ``ended`` is set (a new key that is a sensor's own number, no
        identity), an anonymous track that ended before ``t`` and that the position
        continues on a reachable path is handed over instead
        (:func:`~airsentry.tracking.keyedstitch.claim_ended`, track-segment association).
        Not for an identity: an airliner first heard 100 m above the runway took over
        the dormant track of a drone that had flown there (Copenhagen, plots variant:
        the drone's incident lasted 11 minutes too long)."""
        here = geodetic_to_ecef(np.array([lat]), np.array([lon]))
        row, d2 = self.nearest_fed(t, here, acc, alt)
        if d2 < gate:
            return hand_over(self.state, row)
        if not ended:
            return -1
        return claim_ended(self.state, self.stitcher, self.settings.max_speed_mps,
                           CLAIM_RECENT_S, t, here, acc, alt)  # fmt: skip

    def nearest_fed(self, t: float, here: FloatArray, acc: float, alt: float) -> tuple[int, float]:
        """The table row of the confirmed track fed within ``CLAIM_RECENT_S`` at an
        altitude within ``CLAIM_ALT_M`` of ``alt`` nearest to ``here`` (ECEF, (1, 3), of
        stated accuracy ``acc``) at time ``t``, and its squared distance over both
        uncertainties; (-1, inf) when there is none (:meth:`claim`)."""
        tab = self.state.table
        recent = (t - tab["t"] <= CLAIM_RECENT_S) & ~(np.abs(tab["z"][:, 0] - alt) > CLAIM_ALT_M)
        conf = np.flatnonzero(tab["confirmed"] & recent)
        if not len(conf):
            return -1, np.inf
        xc, _, sig = self.sigma_at(t)
        enu = np.column_stack([xc[conf, 0], xc[conf, 1], np.zeros(len(conf))])
        pos = from_enu(enu, tab["origin"][conf], tab["rot"][conf])
        d2 = np.sum((pos - here) ** 2, axis=1) / (sig[conf] ** 2 + acc**2)
        best = int(np.argmin(d2))
        return int(conf[best]), float(d2[best])

    def rename(self, ids: IntArray, new_ids: IntArray) -> None:
        """Tracks ``ids``, live or dormant, go on as ``new_ids`` (the ids of the objects
        they continue, :mod:`~airsentry.tracking.keyedstitch`); counted as stitched."""
        tab, st = self.state.table, self.state
        live = np.isin(ids, tab["id"])  # or dormant: ended in a long batch
        tab["id"][tab.rows_of(ids[live])] = new_ids[live]
        self.stitcher.dormant.rename(ids[~live], new_ids[~live])
        st.hints.track[:] = remap(st.hints.track, ids, new_ids)
        stc = self.stitcher
        stc.announced = np.union1d(stc.announced[~np.isin(stc.announced, ids)], new_ids)
        stc.stitched += len(ids)

    def advance(self, now: float) -> list[Ended]:
        """Housekeeping up to event time ``now`` when no plot came (tracks still end)."""
        idle = not len(self.state.table) and not len(self.stitcher.dormant)
        if idle or now - self.state.housekept < self.housekeeping_s:
            return []
        return self._housekeep(now)

    def drain_events(self) -> list[Event]:
        """Integrity events raised since the last call (the pipeline forwards them)."""
        out, self.state.events = self.state.events, []
        return out

    def process(self, batch: ReportBatch) -> tuple[TrackUpdates, list[Ended]]:
        st = self.state
        self.stats.reports += len(batch)
        batch = self._valid(batch.sorted_by_time())
        if not len(batch):
            return TrackUpdates.empty(), []
        if st.t0 is None:
            st.t0 = float(batch.t[0])
        sensor_idx = sensor_index(st, batch.sensor)
        estimate_revisit(st, batch, sensor_idx)
        order, bounds = cut_scans(st, batch, sensor_idx, self.scan_s)
        out_rows: list[IntArray] = []
        out_tid: list[IntArray] = []
        out_state: list[ReportBatch] = []
        ended: list[Ended] = []
        parts, cfg = self.parts, self.settings
        whole = ScanPlots.of(batch, 0, cfg.default_accuracy_m, cfg.min_accuracy_m)  # sliced
        for a, b in itertools.pairwise(bounds):  # one iteration per sensor scan
            idx = order[a:b]
            t_scan = float(batch.t[idx].min())
            if t_scan - st.housekept >= self.housekeeping_s:
                # merge duplicates, end silent and lost tracks, in event time
                ended += self._housekeep(t_scan)
            plots = whole.take(idx, int(sensor_idx[idx[0]]))
            rows, tids, state = run_any_scan(parts, st, plots)  # clutter hook: bearings too
            tids = self.stitcher.on_output(st.table, st.hints, tids, cfg.max_speed_mps)
            out_rows.append(idx[rows])
            out_tid.append(tids)
            out_state.append(state)
        ended += self._housekeep(float(batch.t[-1]))
        if not out_tid:
            return TrackUpdates.empty(), ended
        tid = np.concatenate(out_tid)
        state = ReportBatch.concat(out_state)
        order_out = np.argsort(np.concatenate(out_rows), kind="stable")
        self.stats.updates += len(tid)
        return TrackUpdates(tid[order_out], state.take(order_out)), ended

    def flush(self) -> list[Ended]:
        tab = self.state.table
        conf = np.flatnonzero(tab["confirmed"])
        ended = [Ended(self._track(int(i)), "flush") for i in conf] + self.stitcher.flush()
        self.stats.tracks_ended += len(ended)
        tab.keep(np.zeros(len(tab), dtype=bool))
        self.state.hints = HintTable()
        return ended

    # ------------------------------------------------------------ helpers
    def _valid(self, batch: ReportBatch) -> ReportBatch:
        ok = (
            np.isfinite(batch.t)
            & np.isfinite(batch.lat)
            & np.isfinite(batch.lon)
            & (np.abs(batch.lat) <= 90.0)
            & (np.abs(batch.lon) <= 180.0)
        ) | (np.isfinite(batch.t) & bearing_rows(batch))  # clutter hook: bearing-only rows
        bad = int((~ok).sum())
        if bad:
            self.state.count("invalid_position", bad)
        return batch if not bad else batch.take(ok)

    def sigma_at(self, now: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Combined states and covariances of all tracks predicted to ``now``."""
        tab = self.state.table
        dt = np.maximum(now - tab["t"], 0.0)
        x, p, mu = self.predictor.predict(tab["x"], tab["P"], tab["mu"], dt)
        xc, pc = IMM.combine(x, p, mu)
        return xc, pc, np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1]))

    def _track(self, i: int) -> Track:
        tab = self.state.table
        tr = tab.track(i, self.state.sensor_names)
        _, _, sig = self.sigma_at(tr.last_seen)
        q = self.manager.quality(tab["hits"][i : i + 1], tab["seen"][i : i + 1], sig[i : i + 1])
        tr.quality = float(q[0])
        return tr

    def _housekeep(self, now: float) -> list[Ended]:
        """Merge duplicate tracks, then end silent and lost ones, as of ``now``."""
        st = self.state
        if int(st.table["confirmed"].sum()) >= 2:
            xc, pc, _ = self.sigma_at(now)
            merged = self.merger.merge(st.table, st.hints, xc, pc, now)
            if merged:
                st.count("merged", merged)
            self.stats.tracks_ended += merged  # silently: the survivor carries on
        st.housekept = now
        return self._expire(now)

    def _expire(self, now: float) -> list[Ended]:
        tab, mgr = self.state.table, self.manager
        if not len(tab):
            return self.stitcher.expire(now)
        _, _, sig = self.sigma_at(now)
        named = tab["identity"] != ""
        silent, lost = mgr.expired(tab["t"], now, sig, named)
        # confirmed anonymous tracks whose existence faded are lost (existence.py)
        lost |= tab["confirmed"] & ~named & ~silent & self.settings.existence.faded(tab["exist"])
        # each track's last sensor's revisit time (index -1, none yet: the appended 0)
        st = self.state
        rev = np.array([st.revisit.get(s, 0.0) for s in range(len(st.sensor_names))] + [0.0])
        quiet = mgr.tentative_silent(tab["t"], now, rev[tab["last_sensor"]])
        tentative_old = ~tab["confirmed"] & quiet
        gone = silent | lost | tentative_old
        ended = self.stitcher.expire(now)
        if gone.any():
            # named tracks end; anonymous ones go dormant (stitch.py) and end later
            retire = gone & tab["confirmed"] & ~named
            sig_last = np.sqrt(0.5 * np.maximum(IMM.combine(tab["x"], tab["P"], tab["mu"])[1][
                :, [0, 1], [0, 1]].sum(axis=1), 0.0))  # fmt: skip
            dormant, reasons = [], []
            for i in np.flatnonzero(gone & tab["confirmed"]):  # tracks that end, not reports
                reason = "silent" if silent[i] else "lost"
                self.state.count(reason, 1)
                if retire[i]:
                    dormant.append(self._track(int(i)))
                    reasons.append(reason)
                else:
                    ended.append(Ended(self._track(int(i)), reason))
            r = np.flatnonzero(retire)
            xr = np.einsum("km,kmi->ki", tab["mu"][r], tab["x"][r])
            end = robust_end(tab["ring"][r], tab["lat"][r], tab["lon"][r], xr[:, 2], xr[:, 3])
            self.stitcher.retire(dormant, reasons, sig_last[retire], end)
            self.state.hints.forget_tracks(tab["id"][gone])
            tab.keep(~gone)
            self.stitcher.prune(tab["id"])
        self.stats.tracks_ended += len(ended)
        return ended


__all__ = ["FusedConfig", "FusedTracker"]
