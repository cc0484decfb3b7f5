"""The contract of a tracker and the geometry helpers trackers share.

A tracker turns report batches (in event-time order) into :class:`TrackUpdates`, one row
per accepted report, and says which tracks ended because they fell silent. It never
looks at zones: that is the watch stage's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from airsentry.model import Event, FloatArray, ReportBatch, Track, TrackUpdates

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
        """Integrity events found since the last call (e.g. ADS-B that disagrees with
        radar); a tracker that checks nothing returns an empty list."""
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
