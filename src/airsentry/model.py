"""The vocabulary every stage of airsentry speaks.

Units inside airsentry are SI: metres, metres per second, seconds. Positions are WGS84
latitude and longitude in degrees. Times inside the columnar batches are float seconds
since the Unix epoch, UTC; every time that leaves a batch (events, incidents, the API)
is a timezone-aware UTC :class:`~datetime.datetime`. Conversions happen at the edges
(the sources and the outputs), never in the middle.

Bulk data moves as columns (:class:`ReportBatch`, :class:`TrackUpdates`): one NumPy
array per field, so that the hot paths work on whole batches. The rare, meaningful
things (:class:`Event`, :class:`Incident`, :class:`Recommendation`) are plain objects.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from airsentry.columns import (
    COLUMNS,
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    ReportBatch,
    TrackUpdates,
)

__all__ = [
    "COLUMNS",
    "EMERGENCY_SQUAWKS",
    "Action",
    "Admit",
    "BoolArray",
    "Event",
    "EventKind",
    "FloatArray",
    "Incident",
    "IntArray",
    "ObjArray",
    "Recommendation",
    "ReportBatch",
    "TargetClass",
    "Track",
    "TrackUpdates",
    "Zone",
    "ZoneKind",
    "as_str_array",
    "from_epoch",
    "isoformat",
    "parse_time",
    "to_epoch",
    "utc",
]

EMERGENCY_SQUAWKS = frozenset({"7500", "7600", "7700"})
"""Mode 3/A codes that declare an emergency: hijack, radio failure, general emergency."""


def utc(dt: datetime) -> datetime:
    """Return ``dt`` in UTC; refuse naive datetimes rather than guess their zone."""
    if dt.tzinfo is UTC:  # already (every event's time): astimezone would return it as is
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} has no time zone; airsentry needs UTC")
    return dt.astimezone(UTC)


def to_epoch(dt: datetime) -> float:
    """Seconds since the Unix epoch of an aware datetime."""
    return utc(dt).timestamp()


def from_epoch(t: float) -> datetime:
    """Aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(float(t), tz=UTC)


def isoformat(t: float | datetime) -> str:
    """ISO 8601 UTC text with a ``Z`` suffix, to the millisecond."""
    dt = from_epoch(t) if not isinstance(t, datetime) else utc(t)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 text into an aware UTC datetime; naive text is refused."""
    return utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


class ZoneKind(enum.StrEnum):
    """What a zone protects, which decides its default admission rules."""

    SOVEREIGN = "sovereign"  # national airspace: land plus 12 NM territorial sea
    BUFFER = "buffer"  # early-warning band outside a border
    AIRPORT = "airport"  # drone-restriction zone around an aerodrome
    SITE = "site"  # critical infrastructure, military base
    TEMPORARY = "temporary"  # time-limited restricted area (NOTAM-like)


class TargetClass(enum.StrEnum):
    """What kind of object a track is believed to be."""

    DRONE = "drone"
    DECOY_DRONE = "decoy_drone"
    FAST_JET = "fast_jet"
    AIRLINER = "airliner"
    HELICOPTER = "helicopter"
    LIGHT_AIRCRAFT = "light_aircraft"
    BALLOON = "balloon"
    UNKNOWN = "unknown"

    @property
    def is_drone(self) -> bool:
        return self in (TargetClass.DRONE, TargetClass.DECOY_DRONE)


class Admit(enum.StrEnum):
    """Tokens naming which targets a zone admits (see ``identify.authority``)."""

    ANY = "any"  # everything is admitted: the zone only informs
    CIVIL_COOPERATIVE = "civil_cooperative"  # transponder, identity, no emergency, not state
    STATE_OWN = "state_own"  # state aircraft registered to the zone's owner
    STATE_ALLIED = "state_allied"  # state aircraft of a state in ``Zone.allies``
    DRONE_REMOTE_ID = "drone_remote_id"  # a drone broadcasting Remote ID
    NON_DRONE = "non_drone"  # any target not classified as a drone


class EventKind(enum.StrEnum):
    APPROACH = "approach"  # predicted to cross into a zone within the horizon
    ENTRY = "entry"
    EXIT = "exit"
    SWARM = "swarm"  # several unauthorised tracks in one zone within a window
    SENSOR_SILENT = "sensor_silent"
    SENSOR_BACK = "sensor_back"
    INTEGRITY = "integrity"  # a cooperative position contradicted by radar (spoofing?)


class Action(enum.StrEnum):
    """Responses the rules of engagement can recommend, in escalating order."""

    MONITOR = "monitor"
    ALERT_OPERATOR = "alert_operator"
    ALERT_AIR_DEFENCE = "alert_air_defence"
    INTERCEPT_ESCORT = "intercept_and_escort"
    CLOSE_AIRPORT = "close_airport"
    ENGAGE = "engage"

    @property
    def rank(self) -> int:
        return list(Action).index(self)


@dataclass(slots=True)
class Track:
    """Our estimate of one real object, as of its last update."""

    track_id: int
    identity: str  # "" when unknown
    first_seen: float  # epoch s
    last_seen: float  # epoch s
    lat: float
    lon: float
    alt: float
    vel_e: float
    vel_n: float
    vel_u: float
    callsign: str = ""
    squawk: str = ""
    category: str = ""
    transponder: bool = False
    sensors: set[str] = field(default_factory=set)
    key: str = ""  # what the tracker keys it by: identity, or sensor + track number
    quality: float = math.nan  # 0..1 track quality (multi-target tracker), NaN if not rated

    @property
    def speed(self) -> float:
        return math.hypot(self.vel_e, self.vel_n)


@dataclass(frozen=True, slots=True, eq=False)
class Zone:
    """A 3D volume of airspace with an owner, a validity window and admission rules.

    ``geometry`` is a shapely Polygon or MultiPolygon in lon/lat degrees. ``floor_m`` and
    ``ceiling_m`` are metres above mean sea level. A zone is active at time ``t`` when
    ``valid_from <= t < valid_to`` (open ends when None). ``admits`` lists the
    :class:`Admit` tokens of the targets allowed inside; ``allies`` the states whose
    state aircraft are admitted under :attr:`Admit.STATE_ALLIED`.
    """

    id: str
    name: str
    kind: ZoneKind
    owner: str  # ISO 3166 alpha-3
    geometry: Any  # shapely geometry, lon/lat
    floor_m: float = -math.inf
    ceiling_m: float = math.inf
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    admits: frozenset[Admit] = frozenset()
    allies: frozenset[str] = frozenset()
    properties: Mapping[str, Any] = field(default_factory=dict)

    def active_at(self, t: float) -> bool:
        if self.valid_from is not None and t < to_epoch(self.valid_from):
            return False
        return not (self.valid_to is not None and t >= to_epoch(self.valid_to))

    def with_(self, **changes: Any) -> Zone:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a track with respect to a zone, or to a sensor."""

    kind: EventKind
    time: datetime
    track_id: int | None = None
    identity: str = ""
    zone_id: str = ""
    zone_kind: str = ""
    zone_owner: str = ""
    zone_name: str = ""
    authorised: bool | None = None
    reasons: tuple[str, ...] = ()
    target_class: str = ""
    lat: float = math.nan
    lon: float = math.nan
    alt: float = math.nan
    dwell_s: float | None = None
    depth_m: float | None = None
    sensor: str = ""
    callsign: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``--events-out`` line format)."""
        out: dict[str, Any] = {
            "kind": str(self.kind),
            "time": isoformat(self.time),
            "track_id": self.track_id,
            "identity": self.identity,
            "callsign": self.callsign,
            "zone_id": self.zone_id,
            "zone_kind": self.zone_kind,
            "zone_owner": self.zone_owner,
            "zone_name": self.zone_name,
            "authorised": self.authorised,
            "reasons": list(self.reasons),
            "target_class": self.target_class,
            "lat": _finite_or_none(self.lat),
            "lon": _finite_or_none(self.lon),
            "alt_m": _finite_or_none(self.alt),
            "sensor": self.sensor,
        }
        if self.kind is EventKind.EXIT or self.dwell_s is not None:
            out["dwell_s"] = self.dwell_s
        if self.kind is EventKind.EXIT or self.depth_m is not None:
            out["depth_m"] = self.depth_m
        if self.details:
            out["details"] = dict(self.details)
        return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A response the rules recommend, why, and who must decide it.

    ``needs_decision`` is True for every action beyond alerting: airsentry recommends,
    a named human with ``authority`` decides, and the decision is recorded.
    """

    action: Action
    reasons: tuple[str, ...]
    authority: str  # role that must decide: "operator", "commander", "airport_authority"
    needs_decision: bool
    target: str = ""  # e.g. the airport ICAO code to close
    # JSON-ready structure behind the reasons: playbook step and ladder, threat
    # assessment, expected impact of an airport closure (see ``respond.playbook``).
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": str(self.action),
            "reasons": list(self.reasons),
            "authority": self.authority,
            "needs_decision": self.needs_decision,
            "target": self.target,
        }
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(slots=True)
class Incident:
    """Events that belong to one episode in one zone, with the response recommended."""

    id: str
    zone_id: str
    zone_kind: str
    zone_name: str
    owner: str
    start: datetime
    end: datetime
    track_ids: list[int] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    object_count: int = 0
    dwell_s: float = 0.0  # the longest stay of one object
    depth_m: float = 0.0  # the deepest penetration of one object
    severity: int = 0
    recommendation: Recommendation | None = None
    reasons: list[str] = field(default_factory=list)
    status: str = "open"
    events: list[Event] = field(default_factory=list)

    def to_dict(self, *, with_events: bool = False) -> dict[str, Any]:
        rec = self.recommendation
        out: dict[str, Any] = {
            "id": self.id,
            "zone_id": self.zone_id,
            "zone_kind": self.zone_kind,
            "zone_name": self.zone_name,
            "owner": self.owner,
            "start": isoformat(self.start),
            "end": isoformat(self.end),
            "object_count": self.object_count,
            "dwell_s": round(self.dwell_s, 3),
            "depth_m": round(self.depth_m, 1),
            "track_ids": list(self.track_ids),
            "identities": list(self.identities),
            "classes": list(self.classes),
            "severity": self.severity,
            "recommendation": str(rec.action) if rec else None,
            "recommendation_detail": rec.to_dict() if rec else None,
            "reasons": list(self.reasons),
            "status": self.status,
        }
        if with_events:
            out["events"] = [e.to_dict() for e in self.events]
        return out


def as_str_array(values: Sequence[str] | ObjArray) -> ObjArray:
    """An object array of Python strings (the dtype of the text columns)."""
    return np.asarray(values, dtype=object)
