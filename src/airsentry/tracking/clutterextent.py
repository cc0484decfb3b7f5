"""Point or extended: a sequential test on the scatter of a track's radar plots.

A drone is a point target: scan after scan a radar measures its range to within the
radar's range sigma (15 m for a counter-drone radar) along a smooth path. A flock of
birds is an *extended* target: the radar resolves several birds or sub-flocks, and its
plots wander over tens to hundreds of metres around a centre that drifts at 10-20 m/s
(the same speed as a scout drone); the blades of a wind farm scatter plots over a square
kilometre. Speed cannot tell them apart and, where the air is otherwise clean, neither
can the clutter map (:mod:`~airsentry.tracking.cluttermap`): each flock plot is far
likelier under the track than under sparse uniform clutter. What differs is the spread
of the plots *in the radar's own frame*: in range, measured ten times finer than the
flock is wide, a point target's plots lie on a smooth curve, an extended target's jump.

The test uses each track's plots from one radar (the slant range and azimuth of
``ReportBatch.frame``), three at a time: the newest plot against the straight-line
extrapolation of the two before it (constant range rate, constant azimuth rate), which
for a point target is pure measurement noise: with ``a = (t3 - t2) / (t2 - t1)`` the
residual ``r3 - r2 - a (r2 - r1)`` has variance ``(1 + (1 + a)^2 + a^2) sigma_r^2``
(likewise in azimuth), so ``q``, the sum of both squared residuals over their variances,
is chi-square with 2 degrees of freedom. It needs no filter state and is independent of
the track's motion model; a drone's acceleration (5 m/s^2 in a tight turn) moves a
residual over 2 s scans by about one sigma at most. For an extended target of spread
``s`` sigmas, ``q`` is ``s^2`` times larger. Each ``q`` adds the log-likelihood ratio of
the two hypotheses (point: chi-square 2; extended: chi-square 2 scaled by ``scale``)
``q / 2 (1 - 1 / scale) - ln(scale)`` to a per-track sum that forgets (``memory``
per plot) and is floored at ``floor``. A track whose sum exceeds ``block`` (about 20:1
for the extended hypothesis) is not confirmed; a drone reaches that with probability
e^-6 per plot and is confirmed a scan or two later. This is Wald's sequential
probability ratio test (Wald, *Sequential Analysis*, 1947) as track-confirmation logic
uses it (Blackman & Popoli, *Design and Analysis of Modern Tracking Systems*, 1999,
ch. 6), on the spread of the measurements, which is how extended targets are recognised
and their extent estimated (Koch, "Bayesian approach to extended object and cluster
tracking using random matrices", IEEE T-AES 44(3), 2008; Granström, Baum & Reuter,
"Extended object tracking: introduction, overview and applications", JAIF 12(2), 2017);
counter-drone radars reject birds on their tracks' extent and erratic motion before any
micro-Doppler classification (Chen, Liu, Li & Yan, "Radar detection and classification
of birds and drones", IEEE T-AES 2020 survey; Rahman & Robertson, "Radar micro-Doppler
signatures of drones and birds at K-band and W-band", Sci. Rep. 8, 2018).

A flock's plots also lapse now and then (0.8 a scan: none for seven scans with p =
0.004), and a track born just after a lapse has no crowd; so where a radar's tracks were
held as crowded or found extended lately (``suspect_s``), a new track is held as a
crowded one (:meth:`PlotExtent.suspected`; drone wall, plots variant: a flock track
confirmed on three plots 12 s after the last crowded one).

It holds for the confirmation of anonymous tracks only: a named (cooperative) track and
plots without a range (bearings) are never tested. Everything is vectorised over the
scan's assigned plots; per (track, sensor) the test keeps the last two plots.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from airsentry.frame import SensorFrame
from airsentry.model import BoolArray, FloatArray, IntArray

_KEY = 64  # key = track id * _KEY + sensor index % _KEY
BRUTE_PAIRS = 4096  # up to this many (position, plot) pairs, distances beat a k-d tree
Recent = tuple[FloatArray, FloatArray, FloatArray]  # times, ECEF (n, 3), polar (n, 4)
_NO_PLOTS: Recent = (np.empty(0), np.empty((0, 3)), np.empty((0, 4)))


@dataclass(frozen=True, slots=True)
class ExtentConfig:
    """Knobs of the point/extended test (see the module docstring)."""

    scale: float = 10.0  # q of an extended target is this many times a point target's
    block: float = math.log(20.0)  # a sum above this confirms no track
    memory: float = 0.9  # the sum is multiplied by this before each new plot's ratio
    floor: float = -6.0  # the sum never falls below this (a drone's long history)
    # a track with more of its radar's plots around it than the clutter map expects is
    # suspect and is confirmed only after ``samples`` residuals have kept its sum low
    radius_m: float = 800.0  # neighbourhood of a track's plot, searched for other plots
    crowd_memory: float = 0.95  # per plot: the excess of neighbours is forgotten slowly
    crowd_limit: float = 0.5  # an excess above this (two plots) makes a track suspect
    samples: int = 12
    window_s: float = 20.0  # a new track's neighbourhood: the sensor's plots this recent
    # an older plot whose residual from the line back through a new track's first plot and
    # the latest before it is within this (chi-square 2 dof, 99 %) is the track's own past
    past_gate: float = 9.21
    # a new track's neighbours are a crowd where the most significant space-time cylinder
    # around its first plot has a Poisson tail below this (crowdbirth.crowd_pvalue)
    crowd_alpha: float = 0.01
    # a crowd at birth that is not significant holds the track this many of its sensor's
    # scans: a flock (0.8 plots a scan) shows another plot within three with p = 0.91
    pending_scans: int = 3
    # a new track within ``radius_m`` of where a track was held as crowded or extended
    # this recently is held ``samples`` of its sensor's scans: a flock's plots may lapse
    # for a few scans (0.8 a scan: none in six with p = 0.008), its crowd with them
    suspect_s: float = 30.0

    def __post_init__(self) -> None:
        if self.scale <= 1.0 or not 0.0 < self.memory <= 1.0 or self.floor > 0.0:
            raise ValueError("extent needs scale > 1, memory in (0, 1] and floor <= 0")

    def ratio(self, q: FloatArray) -> FloatArray:
        """Log-likelihood ratio, extended against point, of residuals ``q``."""
        out: FloatArray = 0.5 * q * (1.0 - 1.0 / self.scale) - math.log(self.scale)
        return out


@dataclass(slots=True)
class PlotExtent:
    """Per (track, sensor): the last two plots (time, range, azimuth) and the test's sum."""

    config: ExtentConfig = field(default_factory=ExtentConfig)
    key: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    last: FloatArray = field(default_factory=lambda: np.empty((0, 2, 3)))  # [older, newer]
    llr: FloatArray = field(default_factory=lambda: np.empty(0))
    crowd: FloatArray = field(default_factory=lambda: np.empty(0))  # neighbours in excess
    tested: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # residuals
    pending: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # scans held
    # per sensor, its recent plots no confirmed track explains: times, ECEF positions and
    # (range, azimuth, their sigmas)
    recent: dict[int, Recent] = field(default_factory=dict)
    # per sensor, where and when tracks were held as crowded or extended (``suspect_s``)
    suspects: dict[int, tuple[FloatArray, FloatArray]] = field(default_factory=dict)

    def observe(
        self, track_id: IntArray, sensor: int, t: FloatArray, frame: SensorFrame,
        at: IntArray | None = None,
    ) -> None:  # fmt: skip
        """Take one plot per track (``track_id``, at ``t``, measured as ``frame``, a
        sensor scan's plots of ``sensor``, or its rows ``at``); plots without a range
        are not tested."""
        rng, az = frame.range_m, frame.azimuth_rad
        s_r, s_az = frame.sigma_range_m, frame.sigma_azimuth_rad
        if at is not None:  # the four columns the test reads, not the whole frame
            rng, az, s_r, s_az = rng[at], az[at], s_r[at], s_az[at]
        ok = np.isfinite(rng) & np.isfinite(az)
        ok &= np.isfinite(s_r) & np.isfinite(s_az)
        if not ok.all():
            if not ok.any():
                return
            idx = np.flatnonzero(ok)
            track_id, t = track_id[idx], t[idx]
            rng, az, s_r, s_az = rng[idx], az[idx], s_r[idx], s_az[idx]
        r = self._rows(track_id * _KEY + sensor % _KEY)
        now = np.column_stack([t, rng, az])
        last = self.last[r]  # read once: the updates below write other columns first
        q = residual_q(last, now, s_r, s_az)
        cfg = self.config
        has = np.isfinite(q)
        if has.any():  # a new pair has no two earlier plots: nothing to test yet
            rh = r[has]
            self.llr[rh] = np.maximum(cfg.memory * self.llr[rh] + cfg.ratio(q[has]), cfg.floor)
            self.tested[rh] += 1
        later = (now[:, 0] > last[:, 1, 0]) | ~np.isfinite(last[:, 1, 0])
        if later.all():
            self.last[r] = np.stack([last[:, 1], now], axis=1)
        elif later.any():
            self.last[r[later]] = np.stack([last[later, 1], now[later]], axis=1)

    def crowded(
        self, track_id: IntArray, sensor: int, around: FloatArray,
        expected: Callable[[IntArray], FloatArray],
    ) -> BoolArray:  # fmt: skip
        """Count, for tracks ``sensor`` had a chance to see in a scan, the excess of that
        scan's other plots around each (``around``: neighbours less the track's own plot)
        over what clutter explains (``expected(which)``, >= 0, for the tracks at indices
        ``which``). The expected count (a clutter-map lookup) is asked only where it can
        change the result: a track with no crowd yet and no other plot around it keeps
        a crowd of exactly 0 whatever clutter is expected. Returns which of the tracks
        the crowd holds (unproven) or the test found extended."""
        if not len(track_id):
            return np.zeros(0, dtype=bool)
        r = self._rows(track_id * _KEY + sensor % _KEY)
        cfg = self.config
        prior = self.crowd[r]
        excess = np.array(around, dtype=np.float64)
        need = np.flatnonzero((prior > 0.0) | (excess > 0.0))
        if len(need):
            excess[need] -= expected(need)
        self.crowd[r] = np.maximum(cfg.crowd_memory * prior + excess, 0.0)
        self.pending[r] = np.maximum(self.pending[r] - 1, 0)
        crowd = (self.crowd[r] > cfg.crowd_limit) & (self.tested[r] < cfg.samples)
        return crowd | (self.llr[r] > cfg.block)  # held: crowded, or found extended

    def suspect(self, sensor: int, now: float, ecef: FloatArray) -> None:
        """Remember where tracks of ``sensor`` were held as crowded or extended at
        ``now`` (ECEF, (n, 3)) for ``suspect_s``."""
        old_t, old_p = self.suspects.get(sensor, (np.empty(0), np.empty((0, 3))))
        keep = old_t > now - self.config.suspect_s
        self.suspects[sensor] = (np.r_[old_t[keep], np.full(len(ecef), now)],
                                 np.concatenate([old_p[keep], ecef]))  # fmt: skip

    def suspected(self, sensor: int, t: FloatArray, ecef: FloatArray) -> BoolArray:
        """Which new tracks of ``sensor`` (first plots at ``t``, ``ecef``) lie within
        ``radius_m`` of where a track was held within ``suspect_s`` before (a flock
        whose plots lapsed for a few scans is still there)."""
        st, sp = self.suspects.get(sensor, (np.empty(0), np.empty((0, 3))))
        if len(st) and len(t):
            sp = sp[st > float(t.min()) - self.config.suspect_s]
        out: BoolArray = neighbours(sp, ecef, self.config.radius_m) > 0
        return out

    def remember(
        self, sensor: int, t: FloatArray, ecef: FloatArray, polar: FloatArray, now: float
    ) -> None:
        """Keep a scan's unexplained plots of ``sensor`` for ``window_s``: times, ECEF
        positions and ``polar`` (n, 4): range, azimuth and their sigmas."""
        old_t, old_p, old_q = self.recent.get(sensor, _NO_PLOTS)
        keep = old_t > now - self.config.window_s
        self.recent[sensor] = (
            np.concatenate([old_t[keep], t]),
            np.concatenate([old_p[keep], ecef]),
            np.concatenate([old_q[keep], polar]),
        )

    def plots_of(self, sensor: int) -> Recent:
        """The recent unexplained plots of ``sensor`` (:meth:`remember`)."""
        return self.recent.get(sensor, _NO_PLOTS)

    def born(
        self, track_id: IntArray, sensor: int, around: FloatArray, significant: BoolArray,
        expected: FloatArray, suspect: BoolArray | None = None,
    ) -> None:  # fmt: skip
        """Start the crowd of new tracks from the sensor's recent plots ``around`` each,
        its own first plot included (``crowdbirth.birth_crowd``): the excess over its own
        and the ``expected`` number of false ones over ``window_s``. Where a crowd that
        would make the track suspect is not ``significant`` (more than clutter:
        ``crowdbirth.crowd_pvalue``) it is none, but the track is held ``pending_scans``
        scans: a plot around it in those makes a crowd (:meth:`crowded`), as a flock's
        would. A ``suspect`` track (born where a track was held lately, :meth:`suspected`)
        is held ``samples`` scans."""
        if not len(track_id):
            return
        cfg = self.config
        r = self._rows(track_id * _KEY + sensor % _KEY)
        excess = np.maximum(around - 1.0 - expected, 0.0)  # less the track's own plot
        self.crowd[r] = np.where(significant, excess, 0.0)
        self.pending[r] = np.where(significant, 0, cfg.pending_scans)
        if suspect is not None and suspect.any():
            self.pending[r[suspect]] = np.maximum(self.pending[r[suspect]], cfg.samples)

    def _rows(self, keys: IntArray) -> IntArray:
        """Rows of (track, sensor) ``keys``, added where new (most scans add none: then
        one ``searchsorted``)."""
        pos: IntArray = np.searchsorted(self.key, keys)
        n = len(self.key)
        found = self.key[np.minimum(pos, n - 1)] == keys if n else np.zeros(len(keys), bool)
        if found.all():
            return pos
        new = np.unique(keys[~found])  # the keys not yet held, sorted
        k = len(new)
        self.key = np.concatenate([self.key, new])
        self.last = np.concatenate([self.last, np.full((k, 2, 3), np.nan)])
        self.llr = np.concatenate([self.llr, np.zeros(k)])
        self.crowd = np.concatenate([self.crowd, np.zeros(k)])
        self.tested = np.concatenate([self.tested, np.zeros(k, dtype=np.int64)])
        self.pending = np.concatenate([self.pending, np.zeros(k, dtype=np.int64)])
        self._take(np.argsort(self.key, kind="stable"))
        out: IntArray = np.searchsorted(self.key, keys)
        return out

    def extended(self, track_id: IntArray) -> BoolArray:
        """Tracks that may be extended (not a point target) on one of their radars: the
        test's sum is above ``block``, or the track is suspect (crowded by other plots)
        and has not yet had ``samples`` residuals."""
        if not len(self.key) or not len(track_id):
            return np.zeros(len(track_id), dtype=bool)
        cfg = self.config
        held = (self.crowd > cfg.crowd_limit) | (self.pending > 0)
        unproven = held & (self.tested < cfg.samples)
        bad = (self.llr > cfg.block) | unproven
        if not bad.any():  # the usual scan: no pair under suspicion
            return np.zeros(len(track_id), dtype=bool)
        owners = self.key[bad] // _KEY
        if len(track_id) * len(owners) <= BRUTE_PAIRS:  # np.isin's answer, without its setup
            found: BoolArray = (track_id[:, None] == owners[None, :]).any(axis=1)
            return found
        return np.isin(track_id, owners)

    def forget(self, live_ids: IntArray) -> None:
        """Drop the pairs of tracks that are no longer live."""
        keep = np.isin(self.key // _KEY, live_ids)
        if not keep.all():
            self._take(np.flatnonzero(keep))

    def _take(self, rows: IntArray) -> None:
        self.key, self.last, self.llr = self.key[rows], self.last[rows], self.llr[rows]
        self.crowd, self.tested = self.crowd[rows], self.tested[rows]
        self.pending = self.pending[rows]


def neighbours(ecef: FloatArray, around: FloatArray, radius_m: float) -> FloatArray:
    """How many plots of a scan (``ecef``, (n, 3)) lie within ``radius_m`` of each
    position ``around`` ((k, 3), ECEF)."""
    if not len(around) or not len(ecef):
        return np.zeros(len(around))
    if len(around) * len(ecef) <= BRUTE_PAIRS:  # a scan's few plots: distances, no tree
        d2 = np.sum((around[:, None, :] - ecef[None, :, :]) ** 2, axis=2)
        near: FloatArray = np.count_nonzero(d2 <= radius_m**2, axis=1).astype(np.float64)
        return near
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    counts = cKDTree(ecef).query_ball_point(around, r=radius_m, return_length=True)
    return np.asarray(counts, dtype=np.float64)


def residual_q(
    last: FloatArray, now: FloatArray, sigma_r: FloatArray, sigma_az: FloatArray
) -> FloatArray:
    """Normalised squared residual (chi-square 2 dof for a point target) of each plot
    ``now`` (t, range, azimuth) against the line through its two ``last`` plots; NaN
    where there are not two earlier plots in time order."""
    t1, r1, a1 = last[:, 0, 0], last[:, 0, 1], last[:, 0, 2]
    t2, r2, a2 = last[:, 1, 0], last[:, 1, 1], last[:, 1, 2]
    t3, r3, a3 = now[:, 0], now[:, 1], now[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (t3 - t2) / (t2 - t1)
        k = 1.0 + (1.0 + a) ** 2 + a**2
        er = r3 - r2 - a * (r2 - r1)
        d21 = np.angle(np.exp(1j * (a2 - a1)))
        d32 = np.angle(np.exp(1j * (a3 - a2)))
        ea = d32 - a * d21
        q: FloatArray = (er**2 / sigma_r**2 + ea**2 / sigma_az**2) / k
    valid = (t2 > t1) & (t3 > t2) & np.isfinite(q)
    return np.where(valid, q, np.nan)
