"""The situation an incident presents: the facts the playbooks' triggers read."""

from __future__ import annotations

from typing import Any

from airsentry.model import Event, EventKind, Incident
from airsentry.respond.situation import situation
from incident_builders import T0, make_incident


def incident(kind: str, classes: list[str], **kw: Any) -> Incident:
    return make_incident(kind, classes, reasons=kw.pop("reasons", ()), **kw)


def test_fast_jets_without_transponder_in_sovereign_airspace() -> None:
    s = situation(incident("sovereign", ["fast_jet"] * 3))
    assert (s.kind, s.owner) == ("sovereign", "EST")
    assert s.label.startswith("Estonia")
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
            T0,
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
