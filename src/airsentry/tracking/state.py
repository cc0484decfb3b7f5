"""The fused tracker's state and scan settings, apart from the parts that act on them.

:class:`FusedState` is everything a fused tracker remembers between batches (the track
table, the track-number links, what it learnt of each sensor, events not yet drained,
counters); :class:`ScanSettings` are the knobs of a sensor scan that belong to no single
part (accuracy defaults, the vertical gate and filter, lateness). Keeping both out of the
tracker class lets :func:`~airsentry.tracking.scan.run_scan` take them explicitly, and
lets a test build a state by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airsentry.model import Event, FloatArray, IntArray
from airsentry.tracking.base import TrackingStats
from airsentry.tracking.bearingpool import BearingPool, BearingSettings
from airsentry.tracking.cluttermap import ClutterMap
from airsentry.tracking.existence import Existence
from airsentry.tracking.fusion import HintTable
from airsentry.tracking.revisit import Rotation
from airsentry.tracking.table import TrackTable


@dataclass(frozen=True, slots=True)
class ScanSettings:
    default_accuracy_m: float = 150.0  # plots that state no accuracy
    min_accuracy_m: float = 5.0
    max_speed_mps: float = 400.0  # a tentative track faster than this is clutter (per hop too)
    # a confirmed anonymous track reaches at most this times its own speed plus the margin
    # (at least the floor) from its last update: the stitch's reachable disc (stitch.py)
    reach_factor: float = 1.5
    reach_margin_mps: float = 15.0
    reach_floor_mps: float = 20.0
    # ... once it has coasted this long (before, its covariance is still its own gate)
    reach_after_s: float = 10.0
    alt_sigma_m: float = 150.0  # plots' altitude noise unless stated; transponder: a quarter
    sigma_az: float = 1.0  # m/s^2 vertical acceleration noise
    alt_gate_sigmas: float = 5.0  # vertical gate: this many sigmas of predicted altitude ...
    alt_gate_m: float = 500.0  # ... plus this margin (plots' altitude noise is unstated)
    late_s: float = 30.0  # plots older than their track by more than this are ignored
    existence: Existence = field(default_factory=Existence)  # clutter hook: IPDA knobs
    bearings: BearingSettings = field(default_factory=BearingSettings)  # clutter hook


@dataclass(slots=True)
class FusedState:
    """Live tracks and what the tracker learnt; ``m`` motion models per track."""

    table: TrackTable
    hints: HintTable = field(default_factory=HintTable)
    stats: TrackingStats = field(default_factory=TrackingStats)
    sensor_names: list[str] = field(default_factory=list)
    revisit: dict[int, float] = field(default_factory=dict)  # sensor index -> revisit time, s
    events: list[Event] = field(default_factory=list)  # integrity events not yet drained
    next_id: int = 1
    t0: float | None = None  # time of the first plot: origin of the scan windows
    housekept: float = -np.inf  # event time of the last merge and expiry check
    clutter: ClutterMap = field(default_factory=ClutterMap)  # clutter hook: learnt per sensor
    bearings: BearingPool = field(default_factory=BearingPool)  # clutter hook: to triangulate
    rotation: Rotation = field(default_factory=Rotation)  # rotating radars' timed plots

    @classmethod
    def empty(cls, m: int) -> FusedState:
        return cls(table=TrackTable(m))

    def new_ids(self, k: int) -> IntArray:
        """``k`` fresh track ids."""
        ids = np.arange(self.next_id, self.next_id + k, dtype=np.int64)
        self.next_id += k
        return ids

    def learn_revisit(self, sensor: int, intervals: FloatArray) -> None:
        """Follow a sensor's revisit time from the intervals between its hits of a track.

        Missed detections make intervals that are multiples of the revisit time, never
        shorter, so the estimate follows the shortest interval at once and longer ones
        only slowly. A rotating radar whose plots time its antenna
        (:mod:`~airsentry.tracking.revisit`) keeps that period instead: while only clutter
        is tracked, this estimate creeps up (2 s to 6 s in an hour)."""
        if sensor in self.rotation.period:
            return
        good = intervals[intervals > 0]
        if len(good):
            low = float(good.min())
            old = self.revisit.get(sensor)
            self.revisit[sensor] = low if old is None or low < old else 0.95 * old + 0.05 * low

    def count(self, reason: str, n: int) -> None:
        """Add ``n`` to the statistics under ``reason``."""
        self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + n
