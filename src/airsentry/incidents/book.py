"""The incident book: groups events into incidents, keeps them current, and persists them.

Rules (all in event time, never the wall clock):

* An incident **starts** with an unauthorised ENTRY (``authorised is False``) into a zone
  of any kind but ``buffer``, or with a SWARM event that is not authorised. Incidents
  are keyed by (zone id, zone owner): a later starting event for the same key joins
  the latest incident of that key when it falls within ``gap_s`` of the incident's
  span (``start - gap_s`` … ``end + gap_s``); otherwise a new incident starts.
* **Exits** from the incident's zone by one of its objects extend ``end`` and close
  that object's stay (its dwell is the exit's ``dwell_s``, else exit minus entry time;
  its depth the deepest ``depth_m`` reported). While an object is inside, every event
  seen for it extends ``end``.
* APPROACH events, BUFFER-zone entries and other unauthorised or unknown-authority
  events of an object already in an incident are **attached** to it. Anything else
  (authorised events, sensor events, unrelated approaches) is stored as an event only.
* The incident's ``events`` (every event attached to it, in time order) are kept
  with it, so the recommender can read authorisations, swarm reports and details.
* Derived fields: ``object_count`` is the number of distinct objects, ``dwell_s`` the
  longest stay of one object (a stay in progress counts up to its latest event),
  ``depth_m`` the deepest, ``reasons`` the ordered union of the starting events'
  reasons, ``recommendation = recommender(incident)`` and ``severity``
  (:func:`severity_of`) are recomputed whenever the incident changes.
* An open incident is **closed** by :meth:`IncidentBook.close_stale` once ``gap_s`` has
  passed since its end and each of its objects has exited or is lost (silent for
  ``lost_after_s``).

Objects are named by track id, else by identity; an exit or approach that carries an
identity also finds the object that entered under that identity.

Every batch is written in one transaction (events and the incidents they changed), so
a crash loses nothing accepted, and a new book on the same store resumes the open
incidents. Feeding the same events again converges to the same incidents: every
aggregate is a min, max or set union, and a starting event whose natural key (zone,
start time, first identity or track) is already stored reopens that record instead of
numbering a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter

from airsentry.incidents import codec
from airsentry.incidents.folding import Touched, fold, snapshot, track_print
from airsentry.incidents.grouping import natural_key, object_keys, severity_of, starts_incident
from airsentry.incidents.kinds import IncidentStatus
from airsentry.incidents.lookup import TrackLookup
from airsentry.incidents.records import BookedIncident, IncidentState, TrackState
from airsentry.incidents.store import IncidentStore
from airsentry.model import (
    Event,
    EventKind,
    Incident,
    Recommendation,
    to_epoch,
)

Recommender = Callable[[Incident], Recommendation]
"""Maps an incident to the response the rules of engagement recommend."""

OPEN = IncidentStatus.OPEN
CLOSED = IncidentStatus.CLOSED


_event_time = attrgetter("time")


class IncidentBook:
    """Groups events into incidents and keeps them, durably, in an :class:`IncidentStore`."""

    def __init__(
        self,
        store: IncidentStore,
        recommender: Recommender,
        *,
        gap_s: float = 3600.0,
        lost_after_s: float = 6 * 3600.0,
    ) -> None:
        if gap_s < 0 or lost_after_s < 0:
            raise ValueError("gap_s and lost_after_s must not be negative")
        self.store = store
        self.recommender = recommender
        self.gap_s = gap_s
        self.lost_after_s = lost_after_s
        # Keyed by natural key: a new incident has no id until it is saved. Besides the
        # open incidents it holds closed ones reloaded by a replay of their events,
        # until close_stale() sweeps them out.
        self._working: dict[str, IncidentState] = {}
        self._lookups: dict[int, TrackLookup] = {}  # id(state) -> its indexes
        self._revision = -1
        self._resume()

    def resume(self) -> None:
        """Reload the working set from the store: for a caller whose transaction, which
        this book wrote in, was rolled back after the book's part succeeded."""
        self._resume()

    def _resume(self) -> None:
        """(Re)load the working set from the store: the state after a restart.

        Open incidents come from the store; closed ones that a replay had reloaded
        are read again, so they too reflect what another writer may have done.
        """
        fresh = {s.natural_key: s for s in self.store.open_states()}
        for key, state in self._working.items():
            if key not in fresh and state.incident.id:
                stored = self.store.state_by_natural_key(key)
                if stored is not None:
                    fresh[key] = stored
        self._working = fresh
        self._lookups = {}
        self._revision = self.store.revision()

    def _sync(self) -> None:
        """Inside a write transaction: reload if anyone else wrote since our last batch.

        Two processes may keep books on one database file (a restart overlapping the
        old process, a second pipeline), and the console records decisions through the
        same store. Every write transaction bumps the store's revision; ours started
        from the revision we last committed unless someone else wrote in between, so a
        batch that finds any other number works from a fresh copy, never a stale one.
        """
        current = self.store.revision()
        # the same revision: a second write of ours in the one transaction we last
        # wrote in (the pipeline books a step's events and closes its stale incidents
        # in the step's transaction; one rolled back calls :meth:`resume`)
        if current not in (self._revision + 1, self._revision):
            self._resume()
        self._revision = current

    def open_incidents(self) -> list[BookedIncident]:
        """Copies of the incidents still open, oldest first."""
        live = [s.incident for s in self._working.values() if s.incident.status == OPEN]
        return [snapshot(i) for i in sorted(live, key=lambda i: (i.start, i.id))]

    # -- the two entry points -------------------------------------------------------

    def add(self, events: Sequence[Event]) -> list[BookedIncident]:
        """Store ``events`` and fold them into incidents; return those created or changed.

        Events are taken in time order. Events and incidents are committed together
        before this returns. On any error nothing of the batch is kept, and the book
        reloads its state from the store.
        """
        ordered = sorted(events, key=_event_time)  # aware datetimes: by instant
        # each event's canonical JSON once: its dedup key here and its stored row there
        encoded = [codec.event_json(e) for e in ordered]
        links: list[IncidentState | None] = []
        touched: dict[int, Touched] = {}
        try:
            with self.store.transaction():
                self._sync()
                for event, data in zip(ordered, encoded, strict=True):
                    state = self._route(event, touched, data)
                    links.append(state)
                changed = self._save_changed(touched)
                self.store.add_events(
                    ordered,
                    incident_ids=[s.incident.id if s else None for s in links],
                    encoded=encoded,
                )
        except BaseException:
            self._resume()
            raise
        return self._after_commit(changed)

    def close_stale(self, now: datetime) -> list[BookedIncident]:
        """Close open incidents that have gone quiet by event time ``now``; return them.

        An incident closes when ``now`` is ``gap_s`` or more after its end and none of
        its objects is still inside (an object silent for ``lost_after_s`` counts as
        lost, not inside). Closed incidents leave the working set.
        """
        t = to_epoch(now)
        closed: list[IncidentState] = []
        # No write transaction (a commit per live batch) when nothing we hold has gone
        # quiet: another writer can only extend an incident or decide on it, never make
        # one quiet sooner, so a fresh copy would not close anything either.
        if all(t - to_epoch(s.incident.end) < self.gap_s for s in self._working.values()):
            return []
        try:
            with self.store.transaction():
                self._sync()
                for state in list(self._working.values()):
                    incident = state.incident
                    if t - to_epoch(incident.end) < self.gap_s:
                        continue
                    if incident.status == OPEN:
                        if self._occupied(state, t):
                            continue
                        incident.status = CLOSED
                        self._refresh(state)
                        self._save(state)
                        closed.append(state)
                    del self._working[state.natural_key]
        except BaseException:
            self._resume()
            raise
        return self._after_commit(closed)

    # -- routing one event ----------------------------------------------------------

    def _route(
        self,
        event: Event,
        touched: dict[int, Touched],
        data: str,
    ) -> IncidentState | None:
        """Apply one event (``data``: its canonical JSON); return its incident, if any."""
        if event.kind in (EventKind.SENSOR_SILENT, EventKind.SENSOR_BACK):
            return None
        state: IncidentState | None
        if starts_incident(event):
            state = self._incident_for(event)
        elif event.kind is EventKind.EXIT or event.authorised is not True:
            state = self._holding(event)
        else:
            state = None
        if state is None:
            return None
        seen = touched.get(id(state))
        if seen is None:
            before = None if not state.incident.id else state.incident.to_dict()
            seen = touched[id(state)] = Touched(state, before)
        self._apply(state, event, seen)
        dedup = codec.event_dedup_key(data)
        if dedup not in state.event_keys:
            state.event_keys.add(dedup)
            state.incident.events.append(event)
        return state

    def _incident_for(self, event: Event) -> IncidentState:
        """The incident a starting event joins, reloaded on replay, or a new one.

        It joins the latest incident of its zone whose span, widened by ``gap_s``,
        holds it; an incident with an object still inside (not lost) reaches to now, so
        a second drone an hour after the first, while the first still loiters, is the
        same episode. Stored incidents are found by the same rule (not only by their
        natural key), so a replay in other batches, whose first entry lands a few
        seconds apart, books each incident once.
        """
        t = to_epoch(event.time)
        same_key = [
            s
            for s in self._working.values()
            if s.incident.zone_id == event.zone_id and s.incident.owner == event.zone_owner
        ]
        if same_key:
            latest = max(same_key, key=lambda s: (s.incident.end, s.incident.start))
            start, end = to_epoch(latest.incident.start), to_epoch(latest.incident.end)
            if self._occupied(latest, t):
                end = max(end, t)
            if start - self.gap_s <= t <= end + self.gap_s:
                return latest
        key = natural_key(event)
        stored = self.store.state_by_natural_key(key) or self.store.state_spanning(
            event.zone_id, event.zone_owner, t, self.gap_s
        )
        if stored is not None:
            return self._working.setdefault(stored.natural_key, stored)
        incident = BookedIncident(
            id="",
            zone_id=event.zone_id,
            zone_kind=event.zone_kind,
            zone_name=event.zone_name,
            owner=event.zone_owner,
            start=event.time,
            end=event.time,
            status=OPEN,
        )
        state = self._working[key] = IncidentState(incident=incident, tracks={}, natural_key=key)
        return state

    def _lookup(self, state: IncidentState) -> TrackLookup:
        """The indexes of ``state``'s objects, (re)built when missing or stale."""
        found = self._lookups.get(id(state))
        if found is None or not found.fresh(state):
            if len(self._lookups) > 2 * len(self._working) + 64:  # drop departed states
                live = {id(s) for s in self._working.values()}
                self._lookups = {k: v for k, v in self._lookups.items() if k in live}
            found = self._lookups[id(state)] = TrackLookup(state)
        return found

    def _occupied(self, state: IncidentState, t: float) -> bool:
        """An object of the incident is inside its zone and not lost at event time ``t``."""
        inside = self._lookup(state).inside.values()
        return any(t - tr.last_time < self.lost_after_s for tr in inside)

    def _holding(self, event: Event) -> IncidentState | None:
        """The incident an object of this event belongs to (same zone first, then latest)."""
        keys = {k for k, _, _ in object_keys(event)}
        best: IncidentState | None = None
        for state in self._working.values():
            if self._track_of(state, keys, event.identity, self._lookup(state)) is None:
                continue
            rank = (state.incident.zone_id == event.zone_id, state.incident.end)
            if best is None or rank > (best.incident.zone_id == event.zone_id, best.incident.end):
                best = state
        return best

    @staticmethod
    def _track_of(
        state: IncidentState, keys: set[str], identity: str, lookup: TrackLookup
    ) -> TrackState | None:
        for key in keys:
            if key in state.tracks:
                return state.tracks[key]
        return lookup.with_identity(identity) if identity else None

    # -- applying one event to one incident -----------------------------------------

    def _apply(self, state: IncidentState, event: Event, seen: Touched) -> None:
        incident = state.incident
        t = to_epoch(event.time)
        in_zone = event.zone_id == incident.zone_id
        starting = starts_incident(event) and in_zone
        if starting:
            incident.start = min(incident.start, event.time)
            incident.end = max(incident.end, event.time)
            for reason in event.reasons:
                if reason not in incident.reasons:
                    incident.reasons.append(reason)
        lookup = self._lookup(state)
        for key, track_id, identity in object_keys(event):
            track = self._track_of(state, {key}, identity, lookup)
            if track is None:
                if not starting:
                    continue  # attached events never add objects
                track = state.tracks[key] = TrackState(key=key, track_id=track_id)
                lookup.added(track)
                seen.tracks[track.key] = None
            elif track.key not in seen.tracks:
                seen.tracks[track.key] = track_print(track)
            fold(state.incident, track, event, t, in_zone)
            lookup.changed(track)

    # -- derived fields and persistence ---------------------------------------------

    def _refresh(self, state: IncidentState) -> None:
        """Recompute every derived field, the recommendation and the severity."""
        incident = state.incident
        incident.events.sort(key=lambda e: e.time)
        tracks = sorted(state.tracks.values(), key=lambda tr: (tr.first_time, tr.key))
        incident.track_ids = [tr.track_id for tr in tracks if tr.track_id is not None]
        incident.identities = list(dict.fromkeys(tr.identity for tr in tracks if tr.identity))
        incident.classes = list(dict.fromkeys(tr.target_class for tr in tracks if tr.target_class))
        incident.object_count = len(tracks)
        incident.dwell_s = max((tr.longest_stay() for tr in tracks), default=0.0)
        incident.depth_m = max((tr.depth_m for tr in tracks), default=0.0)
        incident.recommendation = self.recommender(snapshot(incident))
        incident.severity = severity_of(incident)

    def _save(self, state: IncidentState, tracks: Sequence[TrackState] | None = None) -> None:
        """Write the incident's row and ``tracks`` of its objects (all when None)."""
        self.store.save_incident(
            state.incident,
            state.tracks.values() if tracks is None else tracks,
            natural_key=state.natural_key,
        )

    def _save_changed(self, touched: dict[int, Touched]) -> list[IncidentState]:
        changed: list[IncidentState] = []
        for seen in touched.values():
            state = seen.state
            self._refresh(state)
            tracks = seen.changed_tracks()
            if seen.incident is None or tracks or state.incident.to_dict() != seen.incident:
                self._save(state, tracks)
                changed.append(state)
        return changed

    def _after_commit(self, states: list[IncidentState]) -> list[BookedIncident]:
        """Refresh ordinals (an insert may renumber its year) and hand out copies."""
        ids = {s.incident.id for s in [*self._working.values(), *states]}
        ordinals = self.store.ordinals(ids)
        for state in [*self._working.values(), *states]:
            state.incident.ordinal = ordinals.get(state.incident.id)
        return [snapshot(s.incident) for s in states]
