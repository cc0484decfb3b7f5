"""What the watch stage needs from outside, and its settings.

The watch detects what happens between tracks and zones, with a chain of detectors
behind one small protocol (:class:`Detector`). Whether a target *may* be in a zone was
settled upstream by the identify stage: every batch reaches the watch as an
:class:`~airsentry.identify.base.Identified` record whose admission facts the detectors
read (``admitted``, ``describe``), so depth and swarm statistics count only
unauthorised stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from airsentry.identify.base import Identified
from airsentry.model import Event, IntArray, TrackUpdates
from airsentry.tracking.base import Ended


@dataclass(frozen=True, slots=True, eq=False)
class Scene:
    """What one batch shows the detectors: the identified track updates, the tracks that
    ended with the batch, and the batch's zone containment pairs (``point[i]`` is an
    update row inside zone ``zone[i]``), from one zone-index query shared by all."""

    identified: Identified
    ended: Sequence[Ended]
    point: IntArray
    zone: IntArray

    @property
    def updates(self) -> TrackUpdates:
        return self.identified.updates


class Detector(Protocol):
    """One detector of the watch's chain.

    ``detect`` sees the batch and the events the detectors before it found in this
    batch (a swarm detector reads the entries; the approach detector re-arms on them)
    and returns its own. ``finish`` closes what the detector holds for tracks that end
    at the end of input (``class_of`` gives their final class).
    """

    def detect(self, scene: Scene, found: Sequence[Event]) -> list[Event]: ...

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]: ...


def event_order(event: Event) -> tuple[Any, ...]:
    """A total order of events: time, then track, zone, kind and sensor. Events of
    one batch are sorted by it, so their order never depends on how the batch's rows
    were arranged (a scan merging partitions sorts by it too)."""
    tid = event.track_id if event.track_id is not None else -1
    return (event.time, tid, event.zone_id, str(event.kind), event.sensor)


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
    # an anonymous track first seen already inside is judged this long after it appeared
    # (or as soon as an identity claims it): own forces first seen by primary radar
    claim_grace_s: float = 30.0

    def __post_init__(self) -> None:
        if self.approach_horizon_s <= 0 or self.approach_steps < 1:
            raise ValueError("approach horizon and steps must be positive")
        if self.swarm_min_tracks < 2:
            raise ValueError("a swarm needs at least 2 tracks")
        if self.sensor_silence_s <= 0:
            raise ValueError("sensor_silence_s must be positive")
        if self.claim_grace_s < 0:
            raise ValueError("claim_grace_s must not be negative")
