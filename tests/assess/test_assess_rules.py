"""The default recommendation table: each row fires on its trigger, ENGAGE never."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from airsentry.assess.rules import TABLE, recommend, situation
from airsentry.model import Action, Event, EventKind, Incident

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


def test_fast_jets_in_sovereign_airspace_are_intercepted() -> None:
    rec = recommend(incident("sovereign", ["fast_jet"] * 3))
    assert rec.action is Action.INTERCEPT_ESCORT
    assert rec.authority == "air_policing_commander"
    assert rec.needs_decision
    assert rec.reasons[0] == "3 fast jets without transponder in Estonia airspace"


def test_foreign_state_aircraft_in_sovereign_airspace_is_intercepted() -> None:
    reason = "foreign state aircraft registered in RUS"
    rec = recommend(
        incident("sovereign", ["unknown"], identities=["icao:150123"], reasons=(reason,))
    )
    assert rec.action is Action.INTERCEPT_ESCORT
    assert "1 foreign state aircraft in Estonia airspace" in rec.reasons
    # A foreign military address is enough, with no reason text at all.
    by_address = incident("sovereign", ["unknown"], identities=["icao:3ea123"])
    assert recommend(by_address).action is Action.INTERCEPT_ESCORT


def test_drones_at_an_airport_close_it() -> None:
    rec = recommend(incident("airport", ["drone", "drone"]))
    assert rec.action is Action.CLOSE_AIRPORT
    assert rec.target == "EKCH"
    assert rec.authority == "airport_authority"
    assert rec.needs_decision
    assert rec.reasons[0] == "2 drones inside the drone zone of Copenhagen Kastrup (EKCH)"
    near = recommend(incident("airport", ["drone", "drone"], details={"radius_m": 5000.0}))
    assert near.reasons[0] == "2 drones within 5 km of Copenhagen Kastrup (EKCH)"


def test_swarm_alerts_air_defence() -> None:
    rec = recommend(incident("site", ["drone"] * 4, swarm=True))
    assert rec.action is Action.ALERT_AIR_DEFENCE
    assert rec.authority == "air_defence_commander"
    assert "swarm of 4 objects in Tapa army base" in rec.reasons
    # A swarm at an airport closes it, and the swarm is still said.
    both = recommend(incident("airport", ["drone"] * 4, swarm=True))
    assert both.action is Action.CLOSE_AIRPORT
    assert any("swarm" in r for r in both.reasons)


def test_drones_into_sovereign_airspace_alert_air_defence() -> None:
    rec = recommend(incident("sovereign", ["drone", "decoy_drone", "drone"]))
    assert rec.action is Action.ALERT_AIR_DEFENCE
    assert rec.reasons[0] == "3 drones crossing into Estonia airspace"


def test_other_unauthorised_targets_alert_the_operator() -> None:
    rec = recommend(incident("site", ["light_aircraft"]))
    assert rec.action is Action.ALERT_OPERATOR
    assert rec.authority == "operator"
    assert not rec.needs_decision
    assert rec.reasons == ("1 unauthorised object in Tapa army base",)


def test_nothing_unauthorised_is_monitored() -> None:
    rec = recommend(incident("sovereign", ["fast_jet", "drone"], authorised=True))
    assert rec.action is Action.MONITOR
    assert not rec.needs_decision
    assert recommend(incident("airport", [])).action is Action.MONITOR


@pytest.mark.parametrize(
    ("kind", "classes", "swarm", "not_expected"),
    [
        ("buffer", ["fast_jet"], False, Action.INTERCEPT_ESCORT),  # early warning only
        ("sovereign", ["drone"], False, Action.CLOSE_AIRPORT),  # not an airport
        ("airport", ["airliner"], False, Action.CLOSE_AIRPORT),  # not a drone
        ("sovereign", ["airliner"], False, Action.INTERCEPT_ESCORT),  # not a state aircraft
        ("site", ["drone"], False, Action.ALERT_AIR_DEFENCE),  # one drone at a site, no swarm
    ],
)
def test_rows_do_not_fire_without_their_trigger(
    kind: str, classes: list[str], swarm: bool, not_expected: Action
) -> None:
    assert recommend(incident(kind, classes, swarm=swarm)).action is not not_expected


def test_engage_is_never_recommended() -> None:
    assert all(row.action is not Action.ENGAGE for row in TABLE)
    classes = ["drone", "decoy_drone", "fast_jet", "airliner", "unknown", "balloon"]
    for kind, combo, swarm, auth, ident in itertools.product(
        ZONES,
        itertools.combinations_with_replacement(classes, 2),
        [False, True],
        [False, True, None],
        ["", "icao:150123", "icao:adf800"],
    ):
        inc = incident(kind, list(combo), identities=[ident] * 2, authorised=auth, swarm=swarm)
        rec = recommend(inc)
        assert rec.action is not Action.ENGAGE
        assert rec.reasons
        assert rec.needs_decision == (rec.action in (Action.INTERCEPT_ESCORT, Action.CLOSE_AIRPORT))


def test_situation_without_events_assumes_a_violation() -> None:
    bare = incident("sovereign", ["fast_jet"])
    bare.events.clear()
    s = situation(bare)
    assert s.unauthorised
    assert s.fast_jets == 1
    assert recommend(bare).action is Action.INTERCEPT_ESCORT


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
    assert recommend(inc).action is Action.ALERT_AIR_DEFENCE


def test_classes_fall_back_to_the_events() -> None:
    inc = incident("airport", ["drone", "drone", "drone"])
    inc.classes.clear()
    assert situation(inc).drones == 3
    assert recommend(inc).reasons[0].startswith("3 drones")
