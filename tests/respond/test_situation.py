"""The situation an incident presents: the facts the playbooks' triggers read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airsentry.model import Event, EventKind, Incident
from airsentry.respond.situation import situation

T = datetime(2025, 9, 19, 7, 0, tzinfo=UTC)
ZONES = {
    "sovereign": ("sovereign:EST", "Estonia", "EST"),
    "airport": ("airport:EKCH", "Copenhagen Kastrup (EKCH)", "DNK"),
    "buffer": ("buffer:EST", "Estonia early warning", "EST"),
    "site": ("site:tapa", "Tapa army base", "EST"),
    "temporary": ("temporary:1", "NOTAM area", "EST"),
}


def incident(
    kind: str,
    classes: list[str],
    *,
    identities: list[str] | None = None,
    authorised: bool | None = False,
    swarm: bool = False,
    reasons: tuple[str, ...] = (),
    details: dict[str, Any] | None = None,
) -> Incident:
    zone_id, name, owner = ZONES[kind]
    n = len(classes)
    ids = identities if identities is not None else [""] * n
    events = [
        Event(
            EventKind.ENTRY,
            T,
            track_id=i,
            identity=ids[i],
            zone_id=zone_id,
            zone_kind=kind,
            zone_owner=owner,
            zone_name=name,
            authorised=authorised,
            reasons=reasons,
            target_class=classes[i],
            details=details or {},
        )
        for i in range(n)
    ]
    if swarm:
        events.append(Event(EventKind.SWARM, T, zone_id=zone_id, zone_kind=kind, authorised=False))
    return Incident(
        id="inc-1",
        zone_id=zone_id,
        zone_kind=kind,
        zone_name=name,
        owner=owner,
        start=T,
        end=T,
        track_ids=list(range(n)),
        identities=ids,
        classes=classes,
        object_count=n,
        events=events,
    )


def test_fast_jets_without_transponder_in_sovereign_airspace() -> None:
    s = situation(incident("sovereign", ["fast_jet"] * 3))
    assert (s.kind, s.owner, s.label) == ("sovereign", "EST", "Estonia airspace")
    assert (s.fast_jets, s.objects, s.drones) == (3, 3, 0)
    assert s.silent
    assert s.unauthorised
    assert not s.swarm


def test_foreign_state_aircraft_by_reason_or_by_address() -> None:
    reason = "foreign state aircraft registered in RUS"
    by_reason = incident("sovereign", ["unknown"], identities=["icao:150123"], reasons=(reason,))
    assert situation(by_reason).foreign_state == 1
    # A foreign military address is enough, with no reason text at all.
    by_address = incident("sovereign", ["unknown"], identities=["icao:3ea123"])
    assert situation(by_address).foreign_state == 1
    assert not situation(by_address).silent
    assert (
        situation(incident("sovereign", ["airliner"], identities=["icao:4ca123"])).foreign_state
        == 0
    )


def test_airport_and_radius() -> None:
    s = situation(incident("airport", ["drone", "drone"], details={"radius_m": 5000.0}))
    assert (s.airport, s.drones, s.radius_m) == ("EKCH", 2, 5000.0)
    assert situation(incident("sovereign", ["drone"])).airport == ""
    assert situation(incident("airport", ["drone"])).radius_m is None


def test_swarm_from_an_event_or_a_reason() -> None:
    assert situation(incident("site", ["drone"] * 4, swarm=True)).swarm
    assert situation(incident("site", ["drone"], reasons=("part of a swarm of 5",))).swarm
    assert not situation(incident("site", ["drone"] * 4)).swarm


def test_drone_classes_count_decoys() -> None:
    assert situation(incident("sovereign", ["drone", "decoy_drone", "airliner"])).drones == 2


def test_authorised_events_are_not_a_violation() -> None:
    assert not situation(incident("sovereign", ["fast_jet", "drone"], authorised=True)).unauthorised
    assert situation(incident("sovereign", ["drone"], authorised=None)).unauthorised


def test_situation_without_events_assumes_a_violation() -> None:
    bare = incident("sovereign", ["fast_jet"])
    bare.events.clear()
    s = situation(bare)
    assert s.unauthorised
    assert s.fast_jets == 1


def test_admitted_allied_aircraft_does_not_count_as_foreign() -> None:
    inc = incident("sovereign", ["drone"])
    inc.events.append(
        Event(
            EventKind.ENTRY,
            T,
            track_id=9,
            identity="icao:adf800",
            zone_id="sovereign:EST",
            zone_kind="sovereign",
            authorised=True,
            target_class="unknown",
        )
    )
    inc.identities.append("icao:adf800")
    assert situation(inc).foreign_state == 0


def test_classes_fall_back_to_the_events() -> None:
    inc = incident("airport", ["drone", "drone", "drone"])
    inc.classes.clear()
    assert situation(inc).drones == 3
