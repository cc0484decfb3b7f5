"""The pure rules of grouping: which events start incidents, what they are about.

Kept free of state and storage so that each rule can be read and tested on its own;
:class:`~airsentry.incidents.book.IncidentBook` applies them.
"""

from __future__ import annotations

import math

from airsentry.model import Action, Event, EventKind, Incident, ZoneKind, isoformat

_ACTION_POINTS = {
    Action.MONITOR: 0,
    Action.ALERT_OPERATOR: 8,
    Action.ALERT_AIR_DEFENCE: 16,
    Action.INTERCEPT_ESCORT: 20,
    Action.CLOSE_AIRPORT: 20,
    Action.ENGAGE: 28,
}
_CLASS_POINTS = {"fast_jet": 10, "decoy_drone": 8, "drone": 8, "helicopter": 6, "unknown": 5}


def severity_of(incident: Incident) -> int:
    """How grave an incident is, 0 to 99: what it asks of the defence, then what it is.

    The operator's alert list is sorted by it, so it must rank a swarm of 19 drones
    208 km deep above one drone near a small airfield, though only the second closes
    an airport. Points, summed and capped at 99 (``docs/severity.md`` says why):

    ===================  ===============================================================
    response             monitor 0, operator 8, air defence 16, intercept / closure 20,
                         engagement 28 (the rules of engagement's step)
    objects              10 x log2(1 + objects), at most 30 (1: 10, 3: 20, 19: 30)
    what they are        the gravest class: fast jet 10, drone or decoy 8, helicopter 6,
                         unknown 5, other 0
    depth                1 per 10 km inside the zone, at most 10
    time to a site       10 when a protected site is less than 10 minutes away,
                         falling to 0 at an hour (from the threat assessment)
    traffic affected     2 per flight a closure would stop, at most 10
    dwell                1 per 10 minutes of the longest stay, at most 6
    ===================  ===============================================================
    """
    rec = incident.recommendation
    points = float(_ACTION_POINTS.get(rec.action, 0) if rec is not None else 0)
    objects = max(incident.object_count, 0)
    points += min(30.0, 10.0 * math.log2(1 + objects)) if objects else 0.0
    classes = {str(c) for c in incident.classes}
    points += max((_CLASS_POINTS.get(c, 0) for c in classes), default=0)
    points += min(10.0, max(incident.depth_m, 0.0) / 10_000.0)
    points += min(6.0, max(incident.dwell_s, 0.0) / 600.0)
    details = rec.details if rec is not None else {}
    threat = details.get("threat") or {}
    etas = [float(h["eta_s"]) for h in threat.get("heading_to", ()) if "eta_s" in h]
    if etas:
        soonest = min(etas)
        points += 10.0 * min(1.0, max(0.0, (3600.0 - soonest) / (3600.0 - 600.0)))
    impact = details.get("impact") or {}
    flights = int(impact.get("inbound", 0)) + int(impact.get("outbound", 0))
    points += min(10, 2 * flights)
    return min(99, round(points))


def natural_key(event: Event) -> str:
    """What identifies an incident across replays: zone, start time, first object."""
    if event.identity:
        first = event.identity
    elif event.track_id is not None:
        first = f"track:{event.track_id}"
    else:
        first = str(event.kind)
    return f"{event.zone_id}|{isoformat(event.time)}|{first}"


def object_keys(event: Event) -> list[tuple[str, int | None, str]]:
    """(key, track id, identity) of each object an event is about.

    A SWARM event names its own track (if any) plus the ints in ``details["track_ids"]``.
    """
    out: list[tuple[str, int | None, str]] = []
    if event.track_id is not None:
        out.append((f"track:{event.track_id}", event.track_id, event.identity))
    elif event.identity:
        out.append((f"identity:{event.identity}", None, event.identity))
    if event.kind is EventKind.SWARM:
        extra = event.details.get("track_ids", ())
        for tid in extra if isinstance(extra, list | tuple) else ():
            key = f"track:{int(tid)}"
            if all(k != key for k, _, _ in out):
                out.append((key, int(tid), ""))
    return out


def starts_incident(event: Event) -> bool:
    if event.kind is EventKind.SWARM:
        return event.authorised is not True
    return (
        event.kind is EventKind.ENTRY
        and event.authorised is False
        and event.zone_kind != ZoneKind.BUFFER
    )
