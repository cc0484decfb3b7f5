"""Conversions between the store's rows and airsentry's objects.

Kept apart from :mod:`airsentry.incidents.store` so the SQL there reads as SQL, and so
that the JSON forms (which outlive any one version of the code) are defined in one
place: an event is stored as the JSON of :meth:`Event.to_dict`, a recommendation as
the JSON of :meth:`Recommendation.to_dict`, lists as JSON arrays, times as epoch
seconds UTC.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Mapping
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
    parse_time,
    to_epoch,
)

# one encoder for every call (json.dumps with options builds a new one each time)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, anything unknown as its ``str``."""
    return _CANONICAL.encode(value)


def event_json(event: Event) -> str:
    return dumps(event.to_dict())


def event_dedup_key(data: str) -> str:
    """The identity of an event for replays: the hash of its canonical JSON.

    Two events with the same content (to the millisecond) are the same event, so
    feeding a recorded file twice stores each event once.
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


def event_row(event: Event, incident_id: str | None, data: str | None = None) -> dict[str, Any]:
    """Parameters of one ``events`` row (``data``: the event's :func:`event_json`, when
    the caller has it)."""
    if data is None:
        data = event_json(event)
    return {
        "dedup": event_dedup_key(data),
        "kind": str(event.kind),
        "time": to_epoch(event.time),
        "zone_id": event.zone_id,
        "zone_kind": event.zone_kind,
        "owner": event.zone_owner,
        "track_id": event.track_id,
        "identity": event.identity,
        "incident_id": incident_id,
        "data": data,
    }


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
