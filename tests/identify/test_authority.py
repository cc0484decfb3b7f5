"""Admission of targets into zones: the token matrix and the reasons in words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from shapely.geometry import box

from airsentry.identify.authority import Authority, describe_admits, explain, zone_label
from airsentry.model import Admit, ReportBatch, Zone, ZoneKind

NATO = frozenset({"DEU", "USA", "GBR", "FRA", "POL", "LVA", "LTU", "FIN", "DNK"})
ESTONIA = Zone(
    id="sovereign:EST",
    name="Estonia",
    kind=ZoneKind.SOVEREIGN,
    owner="EST",
    geometry=box(21.5, 57.5, 28.2, 59.8),
    admits=frozenset(
        {Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED, Admit.DRONE_REMOTE_ID}
    ),
    allies=NATO,
)
KASTRUP = Zone(
    id="airport:EKCH",
    name="Copenhagen Kastrup (EKCH)",
    kind=ZoneKind.AIRPORT,
    owner="DNK",
    geometry=box(12.55, 55.57, 12.7, 55.66),
    admits=frozenset({Admit.NON_DRONE}),
)
INFO = Zone(
    id="buffer:EST",
    name="Estonia early warning",
    kind=ZoneKind.BUFFER,
    owner="EST",
    geometry=box(20, 57, 29, 61),
    admits=frozenset({Admit.ANY}),
)
ZONES = [ESTONIA, KASTRUP, INFO]

# (identity, transponder, squawk, class) and whether Estonia, Kastrup and the buffer admit it.
CASES: list[tuple[str, bool, str, str, tuple[bool, bool, bool]]] = [
    ("icao:4ca1d3", True, "2000", "airliner", (True, True, True)),  # Irish airliner
    ("", False, "", "airliner", (False, True, True)),  # no transponder, no identity
    ("icao:4ca1d3", True, "7700", "airliner", (False, True, True)),  # emergency
    ("icao:150123", True, "", "fast_jet", (False, True, True)),  # Russian state aircraft
    ("", False, "", "fast_jet", (False, True, True)),  # unidentified fast jet
    ("icao:3ea123", True, "", "unknown", (True, True, True)),  # German military range
    ("icao:3c6444", True, "", "fast_jet", (True, True, True)),  # German fast jet
    ("icao:511010", True, "", "fast_jet", (True, True, True)),  # Estonian state aircraft
    ("", False, "", "drone", (False, False, True)),  # drone without Remote ID
    ("rid:1581F5FJD229", True, "", "drone", (True, False, True)),  # drone with Remote ID
    ("", False, "", "decoy_drone", (False, False, True)),
    ("icao:150123", True, "2000", "airliner", (True, True, True)),  # Russian civil airliner
]


def batch(cases: list[Any]) -> tuple[ReportBatch, np.ndarray]:
    state = ReportBatch.build(
        t=np.zeros(len(cases)),
        lat=59.0,
        lon=25.0,
        identity=[c[0] for c in cases],
        transponder=[c[1] for c in cases],
        squawk=[c[2] for c in cases],
    )
    return state, np.array([c[3] for c in cases], dtype=object)


@pytest.mark.parametrize("zone_idx", [0, 1, 2])
def test_admission_matrix(zone_idx: int) -> None:
    state, classes = batch(CASES)
    got = Authority(ZONES).judge(np.full(len(CASES), zone_idx), state, classes)
    assert got.tolist() == [c[4][zone_idx] for c in CASES]


def test_pairs_with_mixed_zones_match_single_judgements() -> None:
    rng = np.random.default_rng(1)
    pick = rng.integers(0, len(CASES), 500)
    zone_idx = rng.integers(0, len(ZONES), 500)
    state, classes = batch([CASES[i] for i in pick])
    got = Authority(ZONES).judge(zone_idx, state, classes)
    assert got.tolist() == [CASES[i][4][z] for i, z in zip(pick, zone_idx, strict=True)]


def test_zone_without_tokens_admits_nothing() -> None:
    closed = KASTRUP.with_(id="temporary:x", kind=ZoneKind.TEMPORARY, admits=frozenset())
    state, classes = batch(CASES)
    assert not Authority([closed]).judge(np.zeros(len(CASES), int), state, classes).any()


@pytest.mark.parametrize("zones", [ZONES, [ESTONIA, INFO], [KASTRUP, INFO], [INFO]])
def test_admitted_everywhere_is_admitted_in_every_zone_by_its_tokens(zones: list[Zone]) -> None:
    """``Authority.everywhere`` (the approach detector skips those targets) is exactly
    the targets every zone admits, for targets whose admission does not depend on the
    zone's owner or allies (all the cases but the state aircraft)."""
    from airsentry.identify.authority import target_facts

    state, classes = batch(CASES)
    authority = Authority(zones)
    facts = target_facts(state.identity, state.transponder, state.squawk, classes)
    got = authority.everywhere(facts.civil, facts.drone, facts.remote_id)
    everywhere = [all(c[4][ZONES.index(z)] for z in zones) for c in CASES]
    for i, case in enumerate(CASES):
        if got[i]:  # never wrong where it says so
            assert everywhere[i], case
        elif not facts.state_aircraft[i]:  # and exact where no owner is involved
            assert not everywhere[i], case
    assert got.any()
    assert got.all() == (zones == [INFO])  # the buffer alone admits anything


def row(case: tuple[Any, ...], **more: Any) -> dict[str, Any]:
    return {
        "identity": case[0],
        "transponder": case[1],
        "squawk": case[2],
        "class": case[3],
        "callsign": "",
        **more,
    }


def test_explain_unauthorised_fast_jet() -> None:
    why = explain(ESTONIA, row(("", False, "", "fast_jet"), speed=250.0, alt=9000.0), False)
    assert "no transponder and no identity" in why
    assert "fast jet (250 m/s) without transponder" in why
    assert why[-1] == (
        "not admitted in Estonia airspace: admits civil cooperative traffic,"
        " own and allied state aircraft, drones with Remote ID"
    )


def test_explain_authorised_civil_traffic() -> None:
    why = Authority(ZONES).explain(ESTONIA, row(CASES[0], callsign="EIN4CV"), True)
    assert why == (
        "cooperative civil traffic: transponder, icao:4ca1d3 (Ireland),"
        " callsign EIN4CV, squawk 2000",
    )


def test_explain_foreign_and_allied_state_aircraft() -> None:
    foreign = explain(ESTONIA, row(CASES[3]), False)
    assert "foreign state aircraft registered in RUS" in foreign
    allied = explain(ESTONIA, row(CASES[5]), True)
    assert allied == ("allied state aircraft registered in DEU (Germany)",)
    own = explain(ESTONIA, row(CASES[7]), True)
    assert own == ("own state aircraft registered in EST (Estonia)",)


def test_explain_emergency_and_drones() -> None:
    assert "squawking 7700 (general emergency)" in explain(ESTONIA, row(CASES[2]), False)
    drone = explain(KASTRUP, row(CASES[8]), False)
    assert "drone inside the drone zone of Copenhagen Kastrup (EKCH)" in drone
    assert (
        drone[-1]
        == "not admitted in Copenhagen Kastrup (EKCH): admits aircraft that are not drones"
    )
    assert "drone without Remote ID" in explain(ESTONIA, row(CASES[8]), False)
    assert explain(ESTONIA, row(CASES[9]), True) == ("drone with Remote ID rid:1581F5FJD229",)
    assert explain(INFO, row(CASES[8]), True) == ("Estonia early warning admits all traffic",)


def test_labels() -> None:
    assert zone_label(ZoneKind.SOVEREIGN, "Estonia") == "Estonia airspace"
    assert zone_label("sovereign", "Latvian airspace") == "Latvian airspace"
    assert zone_label(ZoneKind.AIRPORT, "Riga (EVRA)") == "Riga (EVRA)"
    assert describe_admits(frozenset()) == "nothing"
    assert describe_admits(frozenset({Admit.STATE_ALLIED})) == "allied state aircraft"


def test_civil_cooperative_does_not_admit_drones() -> None:
    airway = ESTONIA.with_(
        id="site:x", kind=ZoneKind.SITE, admits=frozenset({Admit.CIVIL_COOPERATIVE})
    )
    state, classes = batch([CASES[0], CASES[9]])
    assert Authority([airway]).judge(np.zeros(2, int), state, classes).tolist() == [True, False]
