"""The plain records the incident book keeps beside :class:`~airsentry.model.Incident`.

:class:`BookedIncident` is an incident as the book numbers it: it adds the ordinal
("the 4th violation of Estonian airspace in 2025") that the store assigns. It is an
:class:`~airsentry.model.Incident`, so every consumer of incidents accepts it.
:class:`TrackState` is what the book remembers of one object inside one incident, so
that dwell, depth and "has it left yet" survive a restart. :class:`Decision` is one
human decision (acknowledgement, approval, refusal) recorded against an incident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airsentry.incidents.kinds import DecisionKind
from airsentry.model import Action, Incident, ZoneKind, isoformat


@dataclass(slots=True)
class BookedIncident(Incident):
    """An incident with its ordinal among its owner's sovereign incidents that year.

    ``ordinal`` is 1 for the first incident of the year in the owner's sovereign
    airspace (ordered by start time), 2 for the second, and so on; ``None`` for
    incidents in other kinds of zone, which are not violations of national airspace.
    """

    ordinal: int | None = None

    @property
    def year(self) -> int:
        """The UTC year of the start: the year the incident is counted in."""
        return self.start.year

    @property
    def is_sovereign(self) -> bool:
        return self.zone_kind == ZoneKind.SOVEREIGN

    def to_dict(self, *, with_events: bool = False) -> dict[str, Any]:
        """:meth:`Incident.to_dict` plus ``ordinal``."""
        # Explicit base call: zero-argument super() does not work in slotted dataclasses.
        out = Incident.to_dict(self, with_events=with_events)
        out["ordinal"] = self.ordinal
        return out


@dataclass(slots=True)
class TrackState:
    """One object's part in one incident, kept so the incident can be resumed.

    ``key`` names the object within the incident: ``"track:<id>"`` when the event
    carries a track id, else ``"identity:<identity>"``. Times are epoch seconds UTC.
    ``last_entry``/``last_exit`` are the latest entry into and exit from the
    incident's zone (``None`` when there was none); the object is inside while its
    latest entry is later than its latest exit. ``dwell_s`` is its longest completed
    stay, ``depth_m`` the deepest penetration any of its events reported.
    """

    key: str
    track_id: int | None
    identity: str = ""
    target_class: str = ""
    first_time: float = math.inf
    last_time: float = -math.inf
    last_entry: float | None = None
    last_exit: float | None = None
    dwell_s: float = 0.0
    depth_m: float = 0.0

    @property
    def inside(self) -> bool:
        """True while the object has entered the zone and not exited since.

        An object known only from a swarm report (no entry seen) is not inside: it
        cannot hold an incident open on its own.
        """
        if self.last_entry is None:
            return False
        return self.last_exit is None or self.last_entry > self.last_exit

    def current_stay(self) -> float:
        """Seconds of the stay in progress (0 when the object has left)."""
        if self.last_entry is None or not self.inside:
            return 0.0
        return max(0.0, self.last_time - self.last_entry)

    def longest_stay(self) -> float:
        """The longest stay of this object so far, including one in progress."""
        return max(self.dwell_s, self.current_stay())


@dataclass(frozen=True, slots=True)
class Decision:
    """A human decision recorded against an incident.

    ``kind`` says what was done (acknowledged, noted, authorised, refused); ``action``
    is the :class:`~airsentry.model.Action` authorised or refused, ``None`` for an
    acknowledgement or a note.
    """

    id: int
    incident_id: str
    time: datetime
    operator: str
    kind: DecisionKind
    action: Action | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``kind`` and ``action`` (``None`` when there is none) apart."""
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "time": isoformat(self.time),
            "operator": self.operator,
            "kind": str(self.kind),
            "action": None if self.action is None else str(self.action),
            "note": self.note,
        }

    def __str__(self) -> str:
        """``acknowledge``, ``note``, ``authorise engage``, ``refuse engage``."""
        return str(self.kind) if self.action is None else f"{self.kind} {self.action}"


@dataclass(slots=True)
class IncidentState:
    """An incident together with what the book needs to continue it after a restart.

    ``natural_key`` (zone, start, first identity or track) recognises the incident
    when a recorded file is fed again; ``tracks`` is keyed by :attr:`TrackState.key`.
    The incident's ``events`` are kept too (the recommender reads them), with
    ``event_keys`` (their dedup keys) so that a replayed event is not listed twice.
    """

    incident: BookedIncident
    tracks: dict[str, TrackState]
    natural_key: str
    event_keys: set[str] = field(default_factory=set)
