"""Per-incident indexes the book keeps so that one event costs the same in an incident
of 2 objects as in one of 2,000.

Without them, finding an event's object by identity scanned every object of every open
incident, and asking whether an incident still has an object inside scanned them all
again: seconds per batch once a swarm made one incident of thousands of objects.
:class:`TrackLookup` answers both from dictionaries that the book updates as it adds
objects and applies events; the answers are exactly the scans' (the *first* object in
the incident's order with an identity; *any* object inside and not lost).
"""

from __future__ import annotations

from airsentry.incidents.records import IncidentState, TrackState


class TrackLookup:
    """Identity and inside-ness indexes over one :class:`IncidentState`'s objects."""

    __slots__ = ("_by_identity", "_pos", "inside", "state")

    def __init__(self, state: IncidentState) -> None:
        self.state = state
        self._pos: dict[str, int] = {}
        self._by_identity: dict[str, TrackState] = {}
        self.inside: dict[str, TrackState] = {}
        """The objects inside the zone (entered and not exited since), by key."""
        for track in state.tracks.values():
            self.added(track)

    def fresh(self, state: IncidentState) -> bool:
        """Whether this index still describes ``state`` (same object, no object added
        behind the book's back)."""
        return self.state is state and len(self._pos) == len(state.tracks)

    def added(self, track: TrackState) -> None:
        """``track`` was just added to the incident (it is the last in its order)."""
        self._pos[track.key] = len(self._pos)
        self.changed(track)

    def changed(self, track: TrackState) -> None:
        """``track``'s identity or stay may have changed."""
        if track.identity:
            first = self._by_identity.get(track.identity)
            if first is None or self._pos[first.key] > self._pos[track.key]:
                self._by_identity[track.identity] = track
        if track.inside:
            self.inside[track.key] = track
        else:
            self.inside.pop(track.key, None)

    def with_identity(self, identity: str) -> TrackState | None:
        """The first object (in the incident's order) that has ``identity``."""
        return self._by_identity.get(identity)
