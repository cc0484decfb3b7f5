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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.frame import SensorFrame
from airsentry.nav import NavIntegrity, concat_optional

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

EMERGENCY_SQUAWKS = frozenset({"7500", "7600", "7700"})
"""Mode 3/A codes that declare an emergency: hijack, radio failure, general emergency."""


def utc(dt: datetime) -> datetime:
    """Return ``dt`` in UTC; refuse naive datetimes rather than guess their zone."""
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


def _column(value: Any, n: int, dtype: Any, default: Any) -> np.ndarray[Any, Any]:
    if value is None:
        return np.full(n, default, dtype=dtype)
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim == 0:
        return np.full(n, arr.item(), dtype=dtype)
    return arr


@dataclass(frozen=True, slots=True, eq=False)
class ReportBatch:
    """Many observations as columns; the unit that moves between stages.

    One row is one report: one sensor's observation of one object at one time.
    ``identity`` is the object's own identity when the sensor gives one, written with
    its scheme: ``icao:4ca1d3`` (ICAO 24-bit address), ``rid:1581F5FJ...`` (Remote ID
    serial); ``""`` when the sensor does not know it. ``track_number`` is a sensor's own
    track number (radar CAT048/CAT062), ``-1`` when there is none. Unknown floats are NaN.
    ``frame`` holds what a radar or direction finder measured in its own frame (range,
    azimuth, elevation from its site, with its noise; see :mod:`airsentry.frame`), or
    None when no row has one. A bearing-only row has NaN ``lat``/``lon``.
    """

    t: FloatArray  # epoch seconds, UTC (event time)
    lat: FloatArray  # degrees
    lon: FloatArray  # degrees
    alt: FloatArray  # metres above mean sea level (barometric when that is all there is)
    vel_e: FloatArray  # m/s east
    vel_n: FloatArray  # m/s north
    vel_u: FloatArray  # m/s up
    accuracy: FloatArray  # horizontal 1-sigma position error, metres
    sensor: ObjArray  # str: which sensor or feed reported it
    identity: ObjArray  # str: "icao:xxxxxx", "rid:SERIAL" or ""
    track_number: IntArray  # sensor-local track number or -1
    callsign: ObjArray  # str, "" when unknown
    squawk: ObjArray  # str, 4 octal digits, "" when unknown
    category: ObjArray  # str: ADS-B emitter category ("A5"), Remote ID UA type, sensor hint
    transponder: BoolArray  # the report came from the target's own transponder/broadcast
    on_ground: BoolArray
    frame: SensorFrame | None = None  # what a radar / direction finder measured, if any
    nav: NavIntegrity | None = None  # NACp/NIC/SIL of ADS-B rows, if any (airsentry.nav)

    @classmethod
    def build(
        cls,
        *,
        t: Any,
        lat: Any,
        lon: Any,
        alt: Any = None,
        vel_e: Any = None,
        vel_n: Any = None,
        vel_u: Any = None,
        accuracy: Any = None,
        sensor: Any = None,
        identity: Any = None,
        track_number: Any = None,
        callsign: Any = None,
        squawk: Any = None,
        category: Any = None,
        transponder: Any = None,
        on_ground: Any = None,
        frame: SensorFrame | None = None,
    ) -> ReportBatch:
        """Make a batch from columns; missing columns take their 'unknown' value."""
        t_arr = np.asarray(t, dtype=np.float64).reshape(-1)
        n = len(t_arr)
        batch = cls(
            t=t_arr,
            lat=_column(lat, n, np.float64, np.nan),
            lon=_column(lon, n, np.float64, np.nan),
            alt=_column(alt, n, np.float64, np.nan),
            vel_e=_column(vel_e, n, np.float64, np.nan),
            vel_n=_column(vel_n, n, np.float64, np.nan),
            vel_u=_column(vel_u, n, np.float64, np.nan),
            accuracy=_column(accuracy, n, np.float64, np.nan),
            sensor=_column(sensor, n, object, ""),
            identity=_column(identity, n, object, ""),
            track_number=_column(track_number, n, np.int64, -1),
            callsign=_column(callsign, n, object, ""),
            squawk=_column(squawk, n, object, ""),
            category=_column(category, n, object, ""),
            transponder=_column(transponder, n, np.bool_, False),
            on_ground=_column(on_ground, n, np.bool_, False),
            frame=frame,
        )
        batch.check()
        return batch

    @classmethod
    def empty(cls) -> ReportBatch:
        return cls.build(t=np.empty(0), lat=np.empty(0), lon=np.empty(0))

    def check(self) -> None:
        """Raise ValueError if the columns disagree in length or shape."""
        n = len(self.t)
        for name in COLUMNS:
            col = getattr(self, name)
            if col.ndim != 1 or len(col) != n:
                raise ValueError(f"column {name} has shape {col.shape}, expected ({n},)")
        if self.frame is not None:
            self.frame.check(n)

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: npt.ArrayLike | slice) -> ReportBatch:
        """Rows selected by an integer index, a boolean mask or a slice."""
        idx = index if isinstance(index, slice) else np.asarray(index)
        return ReportBatch(
            **{name: getattr(self, name)[idx] for name in COLUMNS},
            frame=None if self.frame is None else self.frame.take(idx),
            nav=None if self.nav is None else self.nav.take(idx),
        )

    def replace_columns(self, **columns: Any) -> ReportBatch:
        """The same rows with some columns replaced (the frame is kept)."""
        return replace(self, **columns)

    def sorted_by_time(self) -> ReportBatch:
        order = np.argsort(self.t, kind="stable")
        return self.take(order)

    @staticmethod
    def concat(batches: Iterable[ReportBatch]) -> ReportBatch:
        parts = [b for b in batches if len(b)]
        if not parts:
            return ReportBatch.empty()
        if len(parts) == 1:
            return parts[0]
        sizes = [len(b) for b in parts]
        return ReportBatch(
            **{name: np.concatenate([getattr(b, name) for b in parts]) for name in COLUMNS},
            frame=concat_optional(SensorFrame.concat, [b.frame for b in parts], sizes),
            nav=concat_optional(NavIntegrity.concat, [b.nav for b in parts], sizes),
        )

    def speed(self) -> FloatArray:
        """Horizontal speed in m/s (NaN where the velocity is unknown)."""
        return np.hypot(self.vel_e, self.vel_n)


COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(ReportBatch) if f.name not in ("frame", "nav")
)
"""The array columns of a :class:`ReportBatch`, in order (``frame`` and ``nav`` are apart)."""


@dataclass(frozen=True, slots=True, eq=False)
class TrackUpdates:
    """The tracker's output for one batch: a track id per row plus the estimated state.

    ``state`` holds, row by row, the track's estimated position and velocity at that
    time, with the identity and attributes the track has accumulated so far (so a
    track whose callsign arrived earlier carries it on every row).
    """

    track_id: IntArray
    state: ReportBatch

    def __len__(self) -> int:
        return len(self.track_id)

    def take(self, index: npt.ArrayLike) -> TrackUpdates:
        idx = np.asarray(index)
        return TrackUpdates(self.track_id[idx], self.state.take(idx))

    @staticmethod
    def empty() -> TrackUpdates:
        return TrackUpdates(np.empty(0, dtype=np.int64), ReportBatch.empty())


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
