"""Incidents built from events, for the playbook, threat and decision tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from airsentry.model import Event, EventKind, Incident

T0 = datetime(2025, 9, 19, 7, 0, tzinfo=UTC)
ZONES = {
    "sovereign": ("sovereign:EST", "Estonia", "EST"),
    "airport": ("airport:EKCH", "Copenhagen Kastrup Airport", "DNK"),
    "buffer": ("buffer:EST", "Estonia early warning", "EST"),
    "site": ("site:tapa", "Tapa army base", "EST"),
}


def make_incident(
    kind: str,
    classes: list[str],
    *,
    identities: list[str] | None = None,
    authorised: bool | None = False,
    swarm: bool = False,
    reasons: tuple[str, ...] = ("no transponder and no identity",),
    dwell_s: float = 600.0,
    depth_m: float = 3000.0,
    paths: list[list[tuple[float, float, float]]] | None = None,
    extra: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> Incident:
    """An incident of ``len(classes)`` objects, each with an entry and an exit event.

    ``paths`` gives each object's positions as ``(seconds after T0, lat, lon)``; the
    first is its entry, the last its exit, the others approach-free intermediate
    entries (events carry positions the threat assessment reads). ``details`` go on
    every entry and exit; ``extra`` sets fields of the incident itself.
    """
    zone_id, name, owner = ZONES[kind]
    n = len(classes)
    ids = identities if identities is not None else [""] * n
    events: list[Event] = []
    for i in range(n):
        path = paths[i] if paths else [(0.0, 59.5, 25.0 + 0.01 * i), (dwell_s, 59.5, 25.1)]
        for j, (dt, lat, lon) in enumerate(path):
            kind_e = EventKind.EXIT if j == len(path) - 1 and j else EventKind.ENTRY
            events.append(
                Event(
                    kind_e,
                    T0 + timedelta(seconds=dt),
                    track_id=i,
                    identity=ids[i],
                    zone_id=zone_id,
                    zone_kind=kind,
                    zone_owner=owner,
                    zone_name=name,
                    authorised=authorised,
                    reasons=reasons,
                    target_class=classes[i],
                    lat=lat,
                    lon=lon,
                    alt=500.0,
                    dwell_s=dwell_s if kind_e is EventKind.EXIT else None,
                    depth_m=depth_m if kind_e is EventKind.EXIT else None,
                    details=dict(details or {}),
                )
            )
    if swarm:
        events.append(Event(EventKind.SWARM, T0, zone_id=zone_id, zone_kind=kind, authorised=False))
    events.sort(key=lambda e: e.time)
    end = max((e.time for e in events), default=T0)
    inc = Incident(
        id="",
        zone_id=zone_id,
        zone_kind=kind,
        zone_name=name,
        owner=owner,
        start=T0,
        end=end,
        track_ids=list(range(n)),
        identities=[i for i in ids if i],
        classes=list(dict.fromkeys(classes)),
        object_count=n,
        dwell_s=dwell_s if n else 0.0,
        depth_m=depth_m if n else 0.0,
        reasons=list(reasons),
        events=events,
    )
    for k, v in (extra or {}).items():
        setattr(inc, k, v)
    return inc


def straight_path(
    lat: float, lon: float, heading_deg: float, speed: float, seconds: float, step: float = 60.0
) -> list[tuple[float, float, float]]:
    """Positions of a straight flight from ``(lat, lon)``: ``(t, lat, lon)`` rows."""
    out = []
    h = math.radians(heading_deg)
    for k in range(int(seconds // step) + 1):
        d = speed * k * step
        out.append(
            (
                k * step,
                lat + d * math.cos(h) / 111_320.0,
                lon + d * math.sin(h) / (111_320.0 * math.cos(math.radians(lat))),
            )
        )
    return out
