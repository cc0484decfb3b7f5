"""How one event changes an incident's object, and what a batch's save compares.

The incident book (:mod:`~airsentry.incidents.book`) routes each event to its incident;
:func:`fold` is the part that follows: the object's first time, entry, exit and stay
(dwell), deepest depth and firmest class, and the incident's end. :class:`Touched`
remembers an incident and its objects as they were before a batch, so the save writes
only the objects that changed; :func:`snapshot` is the copy handed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from airsentry.incidents.records import BookedIncident, IncidentState, TrackState
from airsentry.model import Event, EventKind

_TRACK_FIELDS = tuple(f.name for f in fields(TrackState))


def track_print(track: TrackState) -> tuple[Any, ...]:
    """What a save writes of one object (scalars only, so a flat tuple;
    ``dataclasses.astuple`` deep-copies and cost more than the rest)."""
    return tuple(getattr(track, n) for n in _TRACK_FIELDS)


@dataclass(slots=True)
class Touched:
    """An incident a batch touched, as it was before: its row (None when new) and
    each object the batch touched (None when the batch added it). The save compares
    only these, and writes only the objects that changed (not every object of a big
    incident every batch)."""

    state: IncidentState
    incident: dict[str, Any] | None
    tracks: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)

    def changed_tracks(self) -> list[TrackState]:
        found = self.state.tracks
        return [
            found[key]
            for key, before in self.tracks.items()
            if key in found and (before is None or track_print(found[key]) != before)
        ]


def snapshot(incident: BookedIncident) -> BookedIncident:
    """A copy the caller may keep or change without touching the book's state."""
    return replace(
        incident,
        track_ids=list(incident.track_ids),
        identities=list(incident.identities),
        classes=list(incident.classes),
        reasons=list(incident.reasons),
        events=list(incident.events),
    )


def fold(
    incident: BookedIncident, track: TrackState, event: Event, t: float, in_zone: bool
) -> None:
    """Fold one event of one object (``t``: its epoch time; ``in_zone``: in the
    incident's own zone) into the object's stay and the incident's end."""
    if event.identity and not track.identity:
        track.identity = event.identity
    track.first_time = min(track.first_time, t)
    if in_zone and event.kind is EventKind.ENTRY:
        track.last_entry = t if track.last_entry is None else max(track.last_entry, t)
    # Classification firms up as a track is followed: a later, known class replaces
    # an earlier guess (a drone first seen as "unknown" at its first plot).
    known = bool(event.target_class) and (not track.target_class or event.target_class != "unknown")
    if in_zone and event.kind is not EventKind.APPROACH and known:
        track.target_class = event.target_class
    if in_zone and event.depth_m is not None and math.isfinite(event.depth_m):
        track.depth_m = max(track.depth_m, float(event.depth_m))
    if in_zone and event.kind is EventKind.EXIT:
        track.last_exit = t if track.last_exit is None else max(track.last_exit, t)
        if event.dwell_s is not None and math.isfinite(event.dwell_s):
            stay = float(event.dwell_s)
        else:
            stay = t - track.last_entry if track.last_entry is not None else 0.0
        track.dwell_s = max(track.dwell_s, stay)
    # An approach is by definition from outside: only an object inside extends it.
    if (in_zone and event.kind is not EventKind.APPROACH) or track.inside:
        track.last_time = max(track.last_time, t)
        incident.end = max(incident.end, event.time)
