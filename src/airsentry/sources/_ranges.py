"""The one range check of times and numbers, shared by every decoder.

A decoder may parse a value that is well formed but cannot be true: a time in the year
10000 (which no ``datetime`` can hold, so it would crash the run when printed), a
latitude of 400, a track number beyond int64. Each decoder refuses what it can at the
record (:func:`time_value`, :func:`int_value`), and :func:`in_range` checks every batch
any decoder gives, for recordings and live feeds alike (see
:class:`~airsentry.sources.base.Guarded`), so no out-of-range report reaches the pipeline
whichever format it came in.
"""

from __future__ import annotations

import json
import math
from typing import Any, Protocol

import numpy as np

from airsentry.errors import DecodeError, InputError
from airsentry.model import ReportBatch


class Quarantine(Protocol):
    """What the check needs of :class:`~airsentry.sources.base.Quarantine` (which
    imports this module)."""

    def reject(self, error: InputError, raw: str | bytes) -> None: ...


T_MIN = 0.0  # 1970-01-01T00:00:00Z
T_MAX = 7_258_118_400.0  # 2200-01-01T00:00:00Z
INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
ALT_M = (-2_000.0, 1_000_000.0)  # below the Dead Sea shore to far above any airspace
SPEED_MS = 20_000.0  # per velocity component: beyond orbital speed
ACCURACY_M = 1e7


def time_value(t: float) -> bool:
    """Whether epoch seconds ``t`` are a time a report can carry."""
    return math.isfinite(t) and T_MIN <= t < T_MAX


def int_value(v: Any) -> bool:
    """Whether ``v`` is an integer (not a bool) that fits int64."""
    return isinstance(v, int) and not isinstance(v, bool) and INT_MIN <= v <= INT_MAX


def _bad_rows(b: ReportBatch) -> list[tuple[np.ndarray, str]]:
    def optional(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        out: np.ndarray = ~np.isnan(x) & ~((x >= lo) & (x <= hi))
        return out

    # a bearing-only measurement has no position: its site and azimuth stand for it
    bearing = np.zeros(len(b), dtype=bool)
    if b.frame is not None:
        f = b.frame
        bearing = f.bearing_only & np.isnan(b.lat) & np.isnan(b.lon)
        bad_site = ~((np.abs(f.site_lat) <= 90) & (np.abs(f.site_lon) <= 180))
        bad_az = ~((f.azimuth_rad >= 0) & (f.azimuth_rad <= 2 * np.pi))
        bearing_bad = bearing & (bad_site | bad_az)
    else:
        bearing_bad = bearing
    return [
        (~((b.t >= T_MIN) & (b.t < T_MAX)), "time out of range (1970 to 2200)"),
        (~((np.abs(b.lat) <= 90) & (np.abs(b.lon) <= 180)) & ~bearing, "position out of range"),
        (bearing_bad, "bearing-only measurement: site or azimuth out of range"),
        (optional(b.alt, *ALT_M), "altitude out of range"),
        (
            optional(b.vel_e, -SPEED_MS, SPEED_MS)
            | optional(b.vel_n, -SPEED_MS, SPEED_MS)
            | optional(b.vel_u, -SPEED_MS, SPEED_MS),
            "velocity out of range",
        ),
        (optional(b.accuracy, 0.0, ACCURACY_M), "accuracy out of range"),
    ]


def in_range(batch: ReportBatch, source: str, quarantine: Quarantine) -> ReportBatch:
    """The rows of ``batch`` whose values are in range; each other row is rejected.

    The check is array work; only rejected rows meet a loop, to write their record
    (the report's values, as the raw bytes are no longer at hand).
    """
    if not len(batch):
        return batch
    bad = np.zeros(len(batch), dtype=np.bool_)
    for mask, reason in _bad_rows(batch):
        for i in np.flatnonzero(mask & ~bad):
            err = DecodeError(reason, source=source)
            quarantine.reject(err, _describe(batch, int(i)))
        bad |= mask
    return batch if not bad.any() else batch.take(~bad)


def _describe(b: ReportBatch, i: int) -> str:
    row = {
        "t": float(b.t[i]),
        "lat": float(b.lat[i]),
        "lon": float(b.lon[i]),
        "alt": float(b.alt[i]),
        "vel": [float(b.vel_e[i]), float(b.vel_n[i]), float(b.vel_u[i])],
        "identity": str(b.identity[i]),
    }
    return json.dumps(row)
