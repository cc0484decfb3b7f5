"""Hand-built events and a simple recommender for the incident-book tests.

The zones are plain dictionaries of the zone fields an :class:`Event` carries; the
times are fixed so that ids ("EST-2025-0001") and texts can be asserted exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airsentry.model import Action, Event, EventKind, Incident, Recommendation, ZoneKind

T0 = datetime(2025, 9, 19, 9, 58, 0, tzinfo=UTC)

EST_SOV: dict[str, Any] = {
    "zone_id": "EST-sov",
    "zone_kind": "sovereign",
    "zone_owner": "EST",
    "zone_name": "Estonia national airspace",
}
EST_BUFFER: dict[str, Any] = {
    "zone_id": "EST-buffer",
    "zone_kind": "buffer",
    "zone_owner": "EST",
    "zone_name": "Estonia early-warning band",
}
EST_AIRPORT: dict[str, Any] = {
    "zone_id": "EETN-drone",
    "zone_kind": "airport",
    "zone_owner": "EST",
    "zone_name": "Tallinn airport drone zone",
}
LVA_SOV: dict[str, Any] = {
    "zone_id": "LVA-sov",
    "zone_kind": "sovereign",
    "zone_owner": "LVA",
    "zone_name": "Latvia national airspace",
}

# Vaindloo island, in the Gulf of Finland: where the September 2025 incursion happened.
LAT, LON = 59.82, 26.36


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(
    track: int,
    minutes: float,
    *,
    zone: dict[str, Any] = EST_SOV,
    authorised: bool | None = False,
    target_class: str = "fast_jet",
    identity: str = "",
    reasons: tuple[str, ...] = ("no transponder", "foreign state aircraft"),
    depth_m: float | None = None,
) -> Event:
    return Event(
        kind=EventKind.ENTRY,
        time=at(minutes),
        track_id=track,
        identity=identity,
        authorised=authorised,
        reasons=reasons if authorised is False else (),
        target_class=target_class,
        lat=LAT + 0.01 * track,
        lon=LON + 0.01 * track,
        alt=9000.0,
        depth_m=depth_m,
        sensor="radar-1",
        **zone,
    )


def exit_(
    track: int,
    minutes: float,
    *,
    zone: dict[str, Any] = EST_SOV,
    dwell_s: float | None = None,
    depth_m: float | None = None,
    identity: str = "",
) -> Event:
    return Event(
        kind=EventKind.EXIT,
        time=at(minutes),
        track_id=track,
        identity=identity,
        authorised=False,
        target_class="fast_jet",
        lat=LAT + 0.05,
        lon=LON - 0.05,
        alt=9000.0,
        dwell_s=dwell_s,
        depth_m=depth_m,
        sensor="radar-1",
        **zone,
    )


def approach(track: int, minutes: float, *, zone: dict[str, Any] = EST_SOV) -> Event:
    return Event(
        kind=EventKind.APPROACH,
        time=at(minutes),
        track_id=track,
        authorised=False,
        target_class="drone",
        lat=LAT - 0.2,
        lon=LON,
        details={"eta_s": 90.0},
        **zone,
    )


def swarm(minutes: float, tracks: list[int], *, zone: dict[str, Any] = EST_BUFFER) -> Event:
    return Event(
        kind=EventKind.SWARM,
        time=at(minutes),
        authorised=False,
        reasons=(f"{len(tracks)} unauthorised drones within 60 s",),
        target_class="drone",
        lat=LAT,
        lon=LON,
        details={"track_ids": tracks},
        **zone,
    )


def three_jets(start: float = 0.0) -> list[Event]:
    """Three jets enter Estonian airspace together and leave 12 minutes later."""
    entries = [
        entry(t, start + t / 60, identity=f"icao:15{t:04x}", depth_m=1000.0 * t) for t in (1, 2, 3)
    ]
    exits = [exit_(t, start + 12 + t / 60, dwell_s=720.0, depth_m=2000.0 * t) for t in (1, 2, 3)]
    return entries + exits


_BY_KIND = {
    ZoneKind.SOVEREIGN: (Action.INTERCEPT_ESCORT, "commander", True),
    ZoneKind.AIRPORT: (Action.CLOSE_AIRPORT, "airport_authority", True),
    ZoneKind.BUFFER: (Action.ALERT_OPERATOR, "operator", False),
}


def recommend(incident: Incident) -> Recommendation:
    """A real, if simple, rule: the response follows the zone kind."""
    action, authority, needs = _BY_KIND.get(
        ZoneKind(incident.zone_kind), (Action.MONITOR, "operator", False)
    )
    reasons = (f"{incident.object_count} objects in {incident.zone_kind} zone", *incident.reasons)
    return Recommendation(
        action, reasons, authority, needs, target="EETN" if action is Action.CLOSE_AIRPORT else ""
    )
