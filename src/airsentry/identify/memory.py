"""What the classifier keeps and reads: each track's running statistics between batches
(:class:`TrackMemory`) and a batch's rows in track order (:class:`SortedRows`).

Both are columns, not objects: a batch's tracks are found in memory with one
``searchsorted`` and their statistics gathered and scattered at once, and the rows are
a take of only the columns the rules read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airsentry.identify.cues import CLASSES
from airsentry.model import FloatArray, IntArray, ObjArray, ReportBatch

_K = len(CLASSES)

_MANOEUVRE_FILL: dict[str, float] = {
    "hover": 0,
    "s2sum": 0.0,
    "q2sum": 0.0,
    "speed_hi": 0.0,
    "t": np.nan,
    "heading": np.nan,
    "heading_sd": np.nan,
    "turn": np.nan,
    "turn_max": 0.0,
    "climb": np.nan,
    "climb_max": 0.0,
}


@dataclass(frozen=True, slots=True, eq=False)
class SortedRows:
    """The columns the classifier reads, its rows in track order.

    A take of 11 of a batch's columns: positions, sensors, track numbers and the
    sensor-frame and integrity side columns are not read here, and taking every
    column cost a tenth of the classifier on ADS-B batches."""

    t: FloatArray
    alt: FloatArray
    vel_e: FloatArray
    vel_n: FloatArray
    vel_u: FloatArray
    vel_accuracy: FloatArray | None
    identity: ObjArray
    callsign: ObjArray
    squawk: ObjArray
    category: ObjArray
    transponder: npt.NDArray[np.bool_]

    @classmethod
    def take(cls, batch: ReportBatch, order: IntArray) -> SortedRows:
        acc = batch.vel_accuracy
        return cls(
            t=batch.t[order],
            alt=batch.alt[order],
            vel_e=batch.vel_e[order],
            vel_n=batch.vel_n[order],
            vel_u=batch.vel_u[order],
            vel_accuracy=None if acc is None else acc[order],
            identity=batch.identity[order],
            callsign=batch.callsign[order],
            squawk=batch.squawk[order],
            category=batch.category[order],
            transponder=batch.transponder[order],
        )

    def __len__(self) -> int:
        return len(self.t)

    def speed(self) -> FloatArray:
        """Horizontal speed in m/s (NaN where the velocity is unknown)."""
        return np.hypot(self.vel_e, self.vel_n)


class TrackMemory:
    """Running statistics per track, as columns sorted by track id.

    Kept as arrays rather than a dict of objects so that a batch's tracks are found
    with one ``searchsorted`` and their statistics gathered and scattered at once.
    """

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.vmax = np.empty(0, dtype=np.float64)  # fastest horizontal speed, m/s
        self.alt = np.empty(0, dtype=np.float64)  # latest known altitude, m
        self.count = np.empty(0, dtype=np.int64)  # updates seen
        self.xpdr = np.empty(0, dtype=bool)  # transponder ever heard
        self.cat = np.empty(0, dtype=object)  # latest non-empty category
        self.ssum = np.empty(0, dtype=np.float64)  # sum of known speeds, m/s
        self.vlast = np.empty(0, dtype=np.float64)  # latest speed less 1 sigma (0: unknown)
        self.alt_raw = np.empty(0, dtype=np.float64)  # latest reported altitude
        self.sn = np.empty(0, dtype=np.int64)  # number of known speeds
        # manoeuvres (identify.manoeuvre): hover spells, speed spread, turns, climbs
        self.hover = np.empty(0, dtype=np.int64)
        self.s2sum = np.empty(0, dtype=np.float64)
        self.q2sum = np.empty(0, dtype=np.float64)  # sum of speed noise variances
        self.speed_hi = np.empty(0, dtype=np.float64)  # latest speed + 1 sigma (0: unknown)
        self.t = np.empty(0, dtype=np.float64)
        self.heading = np.empty(0, dtype=np.float64)
        self.heading_sd = np.empty(0, dtype=np.float64)
        self.turn = np.empty(0, dtype=np.float64)
        self.turn_max = np.empty(0, dtype=np.float64)
        self.climb = np.empty(0, dtype=np.float64)
        self.climb_max = np.empty(0, dtype=np.float64)
        self.level = np.empty((0, _K), dtype=np.int64)  # held confidence per class
        self.why: ObjArray = np.empty((0, _K), dtype=object)  # reasons per class

    def slots(self, ids: IntArray) -> IntArray:
        """Slots of the sorted, distinct ``ids``, adding tracks not seen before."""
        pos = np.searchsorted(self.ids, ids)
        known = pos < len(self.ids)
        known[known] = self.ids[pos[known]] == ids[known]
        new = ids[~known]
        if len(new):
            at = np.searchsorted(self.ids, new)
            self.ids = np.insert(self.ids, at, new)
            self.vmax = np.insert(self.vmax, at, 0.0)
            self.alt = np.insert(self.alt, at, np.nan)
            self.count = np.insert(self.count, at, 0)
            self.xpdr = np.insert(self.xpdr, at, False)
            self.cat = np.insert(self.cat, at, "")
            self.ssum = np.insert(self.ssum, at, 0.0)
            self.vlast = np.insert(self.vlast, at, 0.0)
            self.alt_raw = np.insert(self.alt_raw, at, np.nan)
            self.sn = np.insert(self.sn, at, 0)
            for name, fill in _MANOEUVRE_FILL.items():
                setattr(self, name, np.insert(getattr(self, name), at, fill))
            self.level = np.insert(self.level, at, 0, axis=0)
            self.why = np.insert(self.why, at, np.empty((len(new), _K), dtype=object), axis=0)
        return np.searchsorted(self.ids, ids).astype(np.int64)

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        for name in (
            "ids",
            "vmax",
            "alt",
            "count",
            "xpdr",
            "cat",
            "ssum",
            "sn",
            "vlast",
            "alt_raw",
            "level",
            "why",
            *_MANOEUVRE_FILL,
        ):
            setattr(self, name, getattr(self, name)[mask])
