"""What the outputs say: the JSON messages, one schema for MQTT, webhooks and files.

Every message is an object with ``type`` (``incident.opened``, ``incident.updated``,
``incident.closed``, ``event``, ``track``, ``decision``), ``schema`` (this module's
:data:`SCHEMA_VERSION`), ``id`` (the idempotency key) and ``data``. The JSON Schema is
published in ``docs/outputs.schema.json``; ``tests/outputs`` checks messages against it.

Incident messages are keyed by the incident's id and a digest of its content: the same
state of the same incident always has the same key (a replay queues nothing new), a
changed one a new key. Track messages are built in the delivery threads from a slice of
the step's arrays (:class:`TrackSnapshot`), never row by row on the pipeline's thread.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from airsentry.columns import cells
from airsentry.model import Event, Incident, ObjArray, TrackUpdates, from_epoch, isoformat

SCHEMA_VERSION = 1
INCIDENT_TYPES = ("incident.opened", "incident.updated", "incident.closed")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def incident_type(incident: Incident, seen: bool) -> str:
    """``incident.closed`` for a closed incident, else opened the first time it is seen."""
    if incident.status != "open":
        return "incident.closed"
    return "incident.updated" if seen else "incident.opened"


def incident_message(incident: Incident, kind: str) -> tuple[str, str]:
    """The ``(key, JSON body)`` of an incident message of type ``kind``."""
    data = incident.to_dict()
    data["position"] = last_position(incident)
    digest = hashlib.sha256(_canonical(data).encode()).hexdigest()[:16]
    key = f"{incident.id}:{digest}"
    body = {"type": kind, "schema": SCHEMA_VERSION, "id": key, "data": data}
    return key, _canonical(body)


def decision_message(decision: dict[str, Any]) -> tuple[str, str]:
    """The ``(key, JSON body)`` of a decision message (a record of the decisions table)."""
    key = f"decision:{decision['id']}"
    body = {"type": "decision", "schema": SCHEMA_VERSION, "id": key, "data": decision}
    return key, _canonical(body)


def last_position(incident: Incident) -> dict[str, Any] | None:
    """Where the incident was last seen: its latest event with a position (or None)."""
    for e in reversed(incident.events):
        if math.isfinite(e.lat) and math.isfinite(e.lon):
            alt = e.alt if math.isfinite(e.alt) else None
            return {"lat": e.lat, "lon": e.lon, "alt_m": alt, "time": isoformat(e.time)}
    return None


def event_message(event: Event) -> dict[str, Any]:
    return {"type": "event", "schema": SCHEMA_VERSION, "data": event.to_dict()}


def _f(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class TrackRow:
    """One track's latest state, ready for any output."""

    track_id: int
    time: float
    lat: float
    lon: float
    alt: float
    vel_e: float
    vel_n: float
    vel_u: float
    identity: str
    callsign: str
    category: str
    target_class: str

    @property
    def speed(self) -> float:
        return math.hypot(self.vel_e, self.vel_n)

    @property
    def course(self) -> float:
        """Degrees clockwise from true north (0 when not moving)."""
        return math.degrees(math.atan2(self.vel_e, self.vel_n)) % 360.0

    def message(self) -> dict[str, Any]:
        return {
            "type": "track",
            "schema": SCHEMA_VERSION,
            "data": {
                "track_id": self.track_id,
                "time": isoformat(from_epoch(self.time)),
                "lat": _f(self.lat, 6),
                "lon": _f(self.lon, 6),
                "alt_m": _f(self.alt, 1),
                "speed_mps": _f(self.speed, 2),
                "course_deg": _f(self.course, 1),
                "vertical_mps": _f(self.vel_u, 2),
                "identity": self.identity,
                "callsign": self.callsign,
                "category": self.category,
                "class": self.target_class,
            },
        }


@dataclass(frozen=True, slots=True)
class TrackSnapshot:
    """The latest row of each track in a span of steps: arrays, converted lazily."""

    updates: TrackUpdates
    classes: ObjArray

    @staticmethod
    def latest(updates: TrackUpdates, classes: ObjArray) -> TrackSnapshot:
        """Keep each track's last row (vectorised: one ``np.unique`` over the ids)."""
        ids = updates.track_id[::-1]
        _, first = np.unique(ids, return_index=True)
        rows = len(ids) - 1 - first
        cls = classes[rows] if len(classes) == len(updates) else cells(len(rows))
        return TrackSnapshot(updates.take(rows), cls)

    def __len__(self) -> int:
        return len(self.updates)

    def rows(self) -> list[TrackRow]:
        s = self.updates.state
        return [
            TrackRow(
                int(tid), float(s.t[i]), float(s.lat[i]), float(s.lon[i]), float(s.alt[i]),
                float(s.vel_e[i]), float(s.vel_n[i]), float(s.vel_u[i]), str(s.identity[i]),
                str(s.callsign[i]), str(s.category[i]), str(self.classes[i] or ""),
            )
            for i, tid in enumerate(self.updates.track_id)
        ]  # fmt: skip


def decode(body: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(body)
    return out


def topics(prefix: str) -> Sequence[str]:
    """The MQTT topics under ``prefix``."""
    return tuple(f"{prefix}/{t}" for t in ("tracks", "events", "incidents", "decisions"))
