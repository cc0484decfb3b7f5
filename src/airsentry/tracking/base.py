"""The contract of a tracker, of the fused tracker's parts, and shared geometry helpers.

A tracker turns report batches (in event-time order) into :class:`TrackUpdates`, one row
per accepted report, says which tracks ended because they fell silent, and hands over
the integrity events it raised (:meth:`Tracker.drain_events`). It never looks at zones:
that is the watch stage's business.

The fused tracker (:mod:`~airsentry.tracking.mtt`) is assembled from parts, in the
manner of Stone Soup's ``MultiTargetTracker``; each part has a small protocol here so
that it can be tested alone and swapped: :class:`Predictor` (motion model or IMM),
:class:`Associator` (gating and assignment), :class:`Initiator` (new tentative tracks),
:class:`TrackManager` (M-of-N confirmation, coasting, deletion), :class:`Merger`
(identity and track-number fusion, duplicate merging) and :class:`CrossChecker`
(integrity events). Parts work on whole columns of tracks and plots, never per report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa

from airsentry.model import (
    BoolArray,
    Event,
    FloatArray,
    IntArray,
    ObjArray,
    ReportBatch,
    Track,
    TrackUpdates,
)
from airsentry.tracking.fusion import HintTable
from airsentry.tracking.imm import MeasureFn
from airsentry.tracking.plots import Candidates, ScanPlots
from airsentry.tracking.table import TrackTable

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres


@dataclass(frozen=True, slots=True)
class Ended:
    """A track that ended: its last known state and why it ended."""

    track: Track
    reason: str  # "silent" (no report within the expiry time) or "flush" (end of input)


@dataclass(slots=True)
class TrackingStats:
    reports: int = 0
    updates: int = 0
    late: int = 0  # older than the track's last update: counted, not used
    untracked: int = 0  # no identity and no sensor track number: needs the MTT tracker
    tracks_started: int = 0
    tracks_ended: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


class Tracker(Protocol):
    """Turns batches of reports into track updates, one row per accepted report."""

    stats: TrackingStats

    def process(self, batch: ReportBatch) -> tuple[TrackUpdates, list[Ended]]:
        """Update tracks with ``batch``; return this batch's updates and tracks that ended."""
        ...

    def flush(self) -> list[Ended]:
        """End every live track (end of input)."""
        ...

    def live(self) -> Sequence[Track]:
        """The live tracks as of the last batch."""
        ...

    def drain_events(self) -> list[Event]:
        """Integrity events raised since the last call (empty for trackers that raise none)."""
        ...


# ---------------------------------------------------------------- fused tracker parts
class Predictor(Protocol):
    """Motion model(s) over arrays of tracks: per-model states ``x`` (K, M, 5), covariances
    ``P`` (K, M, 5, 5), model probabilities ``mu`` (K, M). An IMM; with M = 1 a Kalman filter."""

    @property
    def m(self) -> int:
        """Number of motion models."""
        ...

    @property
    def max_sigma_a(self) -> float:
        """Largest white-acceleration noise (m/s^2): sizes the association search radius."""
        ...

    def initial_mu(self, k: int) -> FloatArray:
        """Model probabilities of ``k`` new tracks."""
        ...

    def predict(
        self, x: FloatArray, p: FloatArray, mu: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """States, covariances and model probabilities ``dt`` seconds ahead."""
        ...

    def update(
        self, x: FloatArray, p: FloatArray, mu: FloatArray, measure: MeasureFn, r: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Update with one measurement (noise ``r``) per track."""
        ...


class Associator(Protocol):
    """Gating and assignment of one sensor scan's candidate (track, plot) pairs."""

    @property
    def threshold(self) -> float:
        """The gate (squared Mahalanobis distance); it also sizes the candidate search."""
        ...

    def gate(self, d2: FloatArray) -> BoolArray:
        """Pairs whose squared Mahalanobis distance ``d2`` falls inside the gate."""
        ...

    def assign(
        self, track: IntArray, plot: IntArray, cost: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """One-to-one (track, plot) assignment of gated pairs: it decides hits and output rows."""
        ...

    def weights(
        self, track: IntArray, plot: IntArray, likelihood: FloatArray
    ) -> tuple[FloatArray, FloatArray] | None:
        """Soft association where confirmed tracks share plots: weights per pair and miss
        probability per track label (JPDA); ``None`` for hard assignment only (GNN)."""
        ...


class Initiator(Protocol):
    """Starts tentative tracks at plots that no confirmed track claimed."""

    def initiate(
        self, table: TrackTable, plots: ScanPlots, pj: IntArray, ids: IntArray, predictor: Predictor
    ) -> IntArray:
        """Append one track per plot ``pj`` with ids ``ids`` to ``table``; returns their rows.
        New tracks have one hit and one opportunity; the scan confirms them if the
        :class:`TrackManager` says one hit is enough or the plot names an identity."""
        ...


class TrackManager(Protocol):
    """Confirmation (M of N), coasting and deletion, on arrays of tracks."""

    @property
    def expire_s(self) -> float:
        """Silence (s) after which any track ends; tentative tracks: ``tentative_silent``."""
        ...

    def record(self, hits: IntArray, seen: IntArray, hit: BoolArray) -> tuple[IntArray, IntArray]:
        """Shift one opportunity (hit or miss) into each track's history."""
        ...

    def hit_count(self, hits: IntArray) -> IntArray: ...

    def confirm(self, hits: IntArray) -> BoolArray: ...

    def tentative_dead(self, hits: IntArray, seen: IntArray) -> BoolArray:
        """Tentative tracks that can no longer be confirmed."""
        ...

    def tentative_silent(self, last_t: FloatArray, now: float, revisit: FloatArray) -> BoolArray:
        """Tentative tracks silent too long (``revisit``: each one's last sensor's revisit
        time, 0 if unknown); never sooner than M-of-N would end them."""
        ...

    def expired(
        self, last_t: FloatArray, now: float, sigma_m: FloatArray, named: BoolArray
    ) -> tuple[BoolArray, BoolArray]:
        """Tracks to end for silence, and for covariance growth."""
        ...

    def quality(self, hits: IntArray, seen: IntArray, sigma_m: FloatArray) -> FloatArray: ...


class Merger(Protocol):
    """Identity and track-number fusion: what plots teach tracks, and duplicate merging."""

    @property
    def hint_bonus(self) -> float:
        """Association cost reduction for a plot whose track number names the track."""
        ...

    def adopt(self, table: TrackTable, hints: HintTable, plots: ScanPlots, rows: IntArray,
              pj: IntArray) -> None:  # fmt: skip
        """Give tracks ``rows`` the identity, attributes and track-number links of plots ``pj``."""
        ...

    def merge(
        self, table: TrackTable, hints: HintTable, xc: FloatArray, pc: FloatArray, now: float
    ) -> int:
        """Merge duplicate tracks (combined states ``xc``, ``pc`` at ``now``); returns how many
        tracks were merged away (dropped from ``table``)."""
        ...


class CrossChecker(Protocol):
    """Integrity checks of identity and track-number links that the gate rejected."""

    def check(
        self, table: TrackTable, hints: HintTable, plots: ScanPlots, cand: Candidates
    ) -> tuple[list[Event], IntArray, int]:
        """Integrity events raised, the plots that must not start tracks of their own, and
        the number of contradicted pairs (for the tracker's statistics)."""
        ...


def local_velocity(
    lat0: FloatArray,
    lon0: FloatArray,
    lat1: FloatArray,
    lon1: FloatArray,
    dt: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """East and north velocity (m/s) between two nearby positions ``dt`` seconds apart.

    Uses the local tangent plane at the mid-latitude, which is exact to better than
    0.1 % over the few kilometres between successive reports of one object; longer
    baselines belong to the Kalman tracker, which works in a proper ENU frame.
    """
    mid = np.radians(0.5 * (lat0 + lat1))
    dlon = (lon1 - lon0 + 540.0) % 360.0 - 180.0  # across the antimeridian too
    de = np.radians(dlon) * EARTH_RADIUS_M * np.cos(mid)
    dn = np.radians(lat1 - lat0) * EARTH_RADIUS_M
    with np.errstate(divide="ignore", invalid="ignore"):
        return de / dt, dn / dt


def factorize(keys: ObjArray) -> tuple[ObjArray, IntArray]:
    """The distinct keys, sorted, and each row's index into them: ``np.unique(keys,
    return_inverse=True)`` by hashing (Arrow) instead of sorting every row's string.

    Keys often come in runs (a batch's one sensor, a track's identity in a sorted
    batch): when the runs are few, only their first keys are converted and hashed (a
    comparison of neighbours costs a fraction of converting a row's text to Arrow)."""
    arr = np.asarray(keys)
    n = len(arr)
    probe = arr[:65]  # a glance first: keys that change every row skip the pass
    if n > 8 and np.count_nonzero(probe[1:] != probe[:-1]) <= 16:
        change = np.flatnonzero(arr[1:] != arr[:-1]) + 1
        if len(change) < n // 4:
            starts = np.r_[0, change]
            uniq, run_code = _factorize(arr[starts])
            return uniq, np.repeat(run_code, np.diff(np.r_[starts, n]))
    return _factorize(keys)


def _factorize(keys: ObjArray) -> tuple[ObjArray, IntArray]:
    """:func:`factorize`, row by row."""
    encoded = pa.array(keys, type=pa.string()).dictionary_encode()
    if encoded.null_count:  # not text throughout: the plain way
        uniq, inverse = np.unique(np.asarray(keys).astype(str), return_inverse=True)
        return uniq.astype(object), inverse.reshape(-1).astype(np.int64)
    names = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    order = np.argsort(names.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return names[order], rank[codes]
