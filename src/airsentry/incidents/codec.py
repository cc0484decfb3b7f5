"""Conversions between the store's rows and airsentry's objects.

Kept apart from :mod:`airsentry.incidents.store` so the SQL there reads as SQL, and so
that the JSON forms (which outlive any one version of the code) are defined in one
place: an event is stored as the JSON of :meth:`Event.to_dict`, a recommendation as
the JSON of :meth:`Recommendation.to_dict`, lists as JSON arrays, times as epoch
seconds UTC.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airsentry.incidents.kinds import DecisionKind, IncidentStatus
from airsentry.incidents.records import BookedIncident, Decision, TrackState
from airsentry.model import (
    Action,
    Event,
    EventKind,
    Incident,
    Recommendation,
    from_epoch,
    isoformat,
    parse_time,
    to_epoch,
)

EventRow = tuple[str, str, float, str, str, str, int | None, str, str | None, str]
"""An ``events`` row as :func:`event_row` gives it."""

# one encoder for every call (json.dumps with options builds a new one each time)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, anything unknown as its ``str``."""
    return _CANONICAL.encode(value)


def event_json(event: Event) -> str:
    """:func:`dumps` of :meth:`Event.to_dict`, byte for byte.

    Written field by field (the keys in sorted order, each value as the canonical
    encoder writes it) instead of building the dict and walking it: the book encodes
    every event of a replay (32,000 on Switzerland x2). Any value of a type the fast
    form does not write as the encoder would (a NumPy integer id, a flag that is not a
    bool, text that is not ``str``) takes the dict's way.
    """
    e = event
    track, authorised = e.track_id, e.authorised
    texts = (e.callsign, e.identity, e.sensor, e.target_class)
    zone = (e.zone_id, e.zone_kind, e.zone_name, e.zone_owner)
    if (
        not (track is None or type(track) is int)
        or not (authorised is None or authorised is True or authorised is False)
        or not _all_text((*texts, *zone, *e.reasons))
    ):
        return dumps(e.to_dict())
    exit_ = e.kind is EventKind.EXIT
    # written when the event is an exit or has the value (null for None)
    depth = _number(e.depth_m) if exit_ or e.depth_m is not None else None
    dwell = _number(e.dwell_s) if exit_ or e.dwell_s is not None else None
    if depth == "" or dwell == "":
        return dumps(e.to_dict())
    text = _ENCODE_TEXT
    parts = [
        f'{{"alt_m":{_coordinate(e.alt)},"authorised":{_LITERAL[authorised]},'
        f'"callsign":{text(e.callsign)}'
    ]
    if depth is not None:
        parts.append(f',"depth_m":{depth}')
    if e.details:
        parts.append(f',"details":{_details_text(e.details) or dumps(dict(e.details))}')
    if dwell is not None:
        parts.append(f',"dwell_s":{dwell}')
    parts.append(
        f',"identity":{text(e.identity)},"kind":{text(str(e.kind))},'
        f'"lat":{_coordinate(e.lat)},"lon":{_coordinate(e.lon)},"reasons":{_reasons_text(e.reasons)},'
        f'"sensor":{text(e.sensor)},"target_class":{text(e.target_class)},'
        f'"time":{_time_text(e.time)},"track_id":{_LITERAL[None] if track is None else track},'
        f"{_zone_text(*zone)}}}"
    )
    return "".join(parts)


def _all_text(values: tuple[Any, ...]) -> bool:
    """Whether every value is a ``str`` (or a subclass): ``str.join`` takes exactly
    those, and tells it in C (0.1 us for an event's dozen texts, against 0.6 us for a
    generator of ``isinstance`` calls; the whole encoding takes ~6 us)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


_ENCODE_TEXT = json.encoder.encode_basestring_ascii  # what the encoder writes for a str
_LITERAL = {None: "null", True: "true", False: "false"}


@functools.lru_cache(maxsize=4096)
def _time_text(time: datetime) -> str:
    """An event time as the encoder writes its ISO text (the events of a batch share a
    few instants: each is formatted once; equal instants have one text)."""
    return _ENCODE_TEXT(isoformat(time))


@functools.lru_cache(maxsize=4096)
def _reasons_text(reasons: tuple[str, ...]) -> str:
    """A reasons tuple (text only) as the encoder writes the list (a track's rows share
    one tuple, and its entries into several zones one set of reasons)."""
    return "[" + ",".join([_ENCODE_TEXT(r) for r in reasons]) + "]"


@functools.lru_cache(maxsize=4096)
def _zone_text(zone_id: str, kind: str, name: str, owner: str) -> str:
    """The zone's four fields (the same for every event in the zone: encoded once)."""
    return (
        f'"zone_id":{_ENCODE_TEXT(zone_id)},"zone_kind":{_ENCODE_TEXT(kind)},'
        f'"zone_name":{_ENCODE_TEXT(name)},"zone_owner":{_ENCODE_TEXT(owner)}'
    )


def _details_text(details: Mapping[str, Any]) -> str | None:
    """A flat ``details`` (text keys; flags, numbers, text or None as values) as the
    encoder writes it; None for anything else (the encoder's way)."""
    if not all(type(key) is str for key in details):
        return None
    parts = []
    for key, v in sorted(details.items()):
        if v is None or v is True or v is False:
            value = _LITERAL[v]
        elif isinstance(v, str):
            value = _ENCODE_TEXT(v)
        else:
            value = _number(v)
            if not value:
                return None
        parts.append(f"{_ENCODE_TEXT(key)}:{value}")
    return "{" + ",".join(parts) + "}"


def _float_text(x: float) -> str:
    """A float as the encoder writes it (``allow_nan``: NaN and infinities as words)."""
    if x != x:
        return "NaN"
    if x in (math.inf, -math.inf):
        return "Infinity" if x > 0 else "-Infinity"
    return float.__repr__(x)


def _coordinate(x: Any) -> str:
    """``lat``/``lon``/``alt_m`` as :meth:`Event.to_dict` writes them: finite, else null."""
    return float.__repr__(float(x)) if math.isfinite(x) else "null"


def _number(x: Any) -> str:
    """``dwell_s``/``depth_m`` as the encoder writes it (``null`` for None); ``""`` for
    a value the fast form leaves to the encoder."""
    if x is None:
        return "null"
    if isinstance(x, float):
        return _float_text(x)
    if type(x) is int:
        return int.__repr__(x)
    return ""


def event_dedup_key(data: str) -> str:
    """The identity of an event for replays: the hash of its canonical JSON.

    Two events with the same content (to the millisecond) at the same instant are the
    same event, so feeding a recorded file twice stores each event once. The store keys
    events by ``(time, dedup)``: the time leads so that inserts append (schema 8).
    """
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def event_from_dict(d: Mapping[str, Any]) -> Event:
    """Rebuild an :class:`Event` from :meth:`Event.to_dict` output."""
    track_id = d.get("track_id")
    return Event(
        kind=EventKind(d["kind"]),
        time=parse_time(str(d["time"])),
        track_id=None if track_id is None else int(track_id),
        identity=str(d.get("identity", "")),
        zone_id=str(d.get("zone_id", "")),
        zone_kind=str(d.get("zone_kind", "")),
        zone_owner=str(d.get("zone_owner", "")),
        zone_name=str(d.get("zone_name", "")),
        authorised=d.get("authorised"),
        reasons=tuple(str(r) for r in d.get("reasons", ())),
        target_class=str(d.get("target_class", "")),
        lat=_float(d.get("lat")),
        lon=_float(d.get("lon")),
        alt=_float(d.get("alt_m")),
        dwell_s=_optional_float(d.get("dwell_s")),
        depth_m=_optional_float(d.get("depth_m")),
        sensor=str(d.get("sensor", "")),
        callsign=str(d.get("callsign", "")),
        details=dict(d.get("details", {})),
    )


def event_row(event: Event, incident_id: str | None, data: str | None = None) -> EventRow:
    """Parameters of one ``events`` row, in the insert's column order (``dedup, kind,
    time, zone_id, zone_kind, owner, track_id, identity, incident_id, data``; positional:
    binding a tuple costs the store 1.2 us less per event than binding names).
    ``data``: the event's :func:`event_json`, when the caller has it."""
    if data is None:
        data = event_json(event)
    return (
        event_dedup_key(data),
        str(event.kind),
        to_epoch(event.time),
        event.zone_id,
        event.zone_kind,
        event.zone_owner,
        event.track_id,
        event.identity,
        incident_id,
        data,
    )


def recommendation_from_dict(d: Mapping[str, Any]) -> Recommendation:
    return Recommendation(
        action=Action(d["action"]),
        reasons=tuple(str(r) for r in d.get("reasons", ())),
        authority=str(d.get("authority", "")),
        needs_decision=bool(d.get("needs_decision", False)),
        target=str(d.get("target", "")),
    )


def incident_row(incident: Incident) -> dict[str, Any]:
    """Parameters of the mutable columns of one ``incidents`` row."""
    rec = incident.recommendation
    return {
        "id": incident.id,
        "zone_id": incident.zone_id,
        "zone_kind": incident.zone_kind,
        "zone_name": incident.zone_name,
        "owner": incident.owner,
        "year": incident.start.year,
        "start_time": to_epoch(incident.start),
        "end_time": to_epoch(incident.end),
        "track_ids": dumps(incident.track_ids),
        "identities": dumps(incident.identities),
        "classes": dumps(incident.classes),
        "object_count": incident.object_count,
        "dwell_s": float(incident.dwell_s),
        "depth_m": float(incident.depth_m),
        "severity": incident.severity,
        "recommendation": dumps(rec.to_dict()) if rec is not None else None,
        "reasons": dumps(incident.reasons),
        "status": str(IncidentStatus(incident.status)),
    }


def incident_from_row(row: sqlite3.Row) -> BookedIncident:
    rec = row["recommendation"]
    ordinal = row["ordinal"]
    return BookedIncident(
        id=row["id"],
        zone_id=row["zone_id"],
        zone_kind=row["zone_kind"],
        zone_name=row["zone_name"],
        owner=row["owner"],
        start=from_epoch(row["start_time"]),
        end=from_epoch(row["end_time"]),
        track_ids=[int(t) for t in json.loads(row["track_ids"])],
        identities=[str(i) for i in json.loads(row["identities"])],
        classes=[str(c) for c in json.loads(row["classes"])],
        object_count=int(row["object_count"]),
        dwell_s=float(row["dwell_s"]),
        depth_m=float(row["depth_m"]),
        severity=int(row["severity"]),
        recommendation=recommendation_from_dict(json.loads(rec)) if rec is not None else None,
        reasons=[str(r) for r in json.loads(row["reasons"])],
        status=IncidentStatus(row["status"]),
        ordinal=None if ordinal is None else int(ordinal),
    )


def track_row(incident_id: str, track: TrackState) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "track_key": track.key,
        "track_id": track.track_id,
        "identity": track.identity,
        "target_class": track.target_class,
        "first_time": track.first_time,
        "last_time": track.last_time,
        "last_entry": track.last_entry,
        "last_exit": track.last_exit,
        "dwell_s": track.dwell_s,
        "depth_m": track.depth_m,
    }


def track_from_row(row: sqlite3.Row) -> TrackState:
    return TrackState(
        key=row["track_key"],
        track_id=row["track_id"],
        identity=row["identity"],
        target_class=row["target_class"],
        first_time=row["first_time"],
        last_time=row["last_time"],
        last_entry=row["last_entry"],
        last_exit=row["last_exit"],
        dwell_s=row["dwell_s"],
        depth_m=row["depth_m"],
    )


def decision_from_row(row: sqlite3.Row) -> Decision:
    return Decision(
        id=int(row["id"]),
        incident_id=row["incident_id"],
        time=from_epoch(row["time"]),
        operator=row["operator"],
        kind=DecisionKind(row["kind"]),
        action=None if row["action"] is None else Action(row["action"]),
        note=row["note"],
    )
