"""What the watch stage needs from outside, and its settings.

The watch detects what happens between tracks and zones. Whether a target *may* be in a
zone is the assessment stage's call, downstream of the watch; the pipeline hands the
watch a :class:`Judge` built from the assessment for each batch, so that the watch can
keep depth and swarm statistics for unauthorised stays without importing assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airsentry.model import BoolArray, IntArray


class Judge(Protocol):
    """Authorisation of track-update rows in zones, for one batch of updates."""

    def authorise(self, rows: IntArray, zones: IntArray) -> BoolArray:
        """True where the target of update row ``rows[i]`` is admitted in ``zones[i]``."""
        ...

    def describe(self, row: int, zone: int, authorised: bool) -> tuple[tuple[str, ...], str]:
        """The reasons for the verdict on one row in one zone, and the target's class."""
        ...

    def track_class(self, track_id: int) -> str:
        """The class the track holds now (for exits, which close a stay)."""
        ...


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """Detector settings; every time is in seconds of event time."""

    approach_horizon_s: float = 120.0  # look-ahead of the approach prediction
    approach_steps: int = 12  # samples along the predicted path
    approach_every_s: float = 10.0  # at most one prediction per track per this interval
    approach_rearm_s: float = 600.0  # an approach warning repeats after this, if no entry
    swarm_min_tracks: int = 5  # distinct unauthorised tracks ...
    swarm_window_s: float = 3600.0  # ... entering one zone within this window
    sensor_silence_s: float = 120.0  # a sensor silent this long raises an event

    def __post_init__(self) -> None:
        if self.approach_horizon_s <= 0 or self.approach_steps < 1:
            raise ValueError("approach horizon and steps must be positive")
        if self.swarm_min_tracks < 2:
            raise ValueError("a swarm needs at least 2 tracks")
        if self.sensor_silence_s <= 0:
            raise ValueError("sensor_silence_s must be positive")
