"""Swarm detection: many unauthorised tracks entering one zone within a window.

Nineteen drones crossing into Poland over one night are one coordinated event, not
nineteen separate ones. A swarm fires once per zone when at least ``min_tracks``
distinct unauthorised tracks have entered it within ``window_s``; it re-arms after a
full window with fewer entries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence

from airsentry.model import Event, EventKind, ZoneKind, to_epoch
from airsentry.tracking.base import Ended
from airsentry.watch.base import Scene, event_order


class SwarmDetector:
    def __init__(self, min_tracks: int = 5, window_s: float = 3600.0) -> None:
        self.min_tracks = min_tracks
        self.window_s = window_s
        self._entries: dict[str, deque[tuple[float, int]]] = {}
        self._fired: dict[str, float] = {}  # zone -> time of its last swarm event

    def detect(self, scene: Scene, found: Sequence[Event]) -> list[Event]:
        """Swarms completed by the entries the detectors before found in this batch."""
        return self.process(sorted(found, key=event_order))

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]:
        return []

    def process(self, events: Iterable[Event]) -> list[Event]:
        """Feed events in time order; return the swarm events they complete."""
        out: list[Event] = []
        for ev in events:
            if (
                ev.kind is not EventKind.ENTRY
                or ev.authorised is not False
                or ev.zone_kind == ZoneKind.BUFFER
                or ev.track_id is None
            ):
                continue
            t = to_epoch(ev.time)
            window = self._entries.setdefault(ev.zone_id, deque())
            window.append((t, ev.track_id))
            while window and window[0][0] < t - self.window_s:
                window.popleft()
            tracks = sorted({tid for _, tid in window})
            fired = self._fired.get(ev.zone_id)
            if fired is not None and t - fired <= self.window_s:
                self._fired[ev.zone_id] = t  # the swarm goes on: keep it armed-off
                continue
            if len(tracks) >= self.min_tracks:
                self._fired[ev.zone_id] = t
                minutes = self.window_s / 60.0
                out.append(
                    Event(
                        kind=EventKind.SWARM,
                        time=ev.time,
                        zone_id=ev.zone_id,
                        zone_kind=ev.zone_kind,
                        zone_owner=ev.zone_owner,
                        zone_name=ev.zone_name,
                        authorised=False,
                        reasons=(
                            f"{len(tracks)} unauthorised tracks entered {ev.zone_name} "
                            f"within {minutes:.0f} min",
                        ),
                        lat=ev.lat,
                        lon=ev.lon,
                        details={"track_ids": tracks, "count": len(tracks)},
                    )
                )
        return out
