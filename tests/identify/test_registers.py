"""Admitted by name: clearances, drone permits and own forces, through the whole pipeline.

Each case flies a target into a zone through the one builder (tracker, identification,
watch, incident book) and reads what the book and the events say: who is admitted,
which paper admitted it, and who remains a violation.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml

from airsentry.build import open_run
from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.errors import InputError
from airsentry.identify.registers import load_registers, parse_registers
from airsentry.model import Admit, EventKind, ReportBatch, Zone, ZoneKind

T0 = 1_758_300_000.0  # 2025-09-19 16:40 UTC
FRANCE = Zone(
    id="sovereign:FRA",
    name="France",
    kind=ZoneKind.SOVEREIGN,
    owner="FRA",
    geometry=shapely.box(2.0, 48.0, 3.0, 49.0),
    admits=frozenset({Admit.CIVIL_COOPERATIVE, Admit.STATE_OWN, Admit.STATE_ALLIED}),
    allies=frozenset({"DEU", "USA"}),
)
KASTRUP = Zone(
    id="airport:EKCH",
    name="Copenhagen Kastrup Airport",
    kind=ZoneKind.AIRPORT,
    owner="DNK",
    geometry=shapely.box(12.55, 55.57, 12.75, 55.67),
    admits=frozenset({Admit.NON_DRONE}),
)


def crossing(identity: str, *, transponder: bool, callsign: str = "", sensor: str = "ssr"):
    """A transport at 150 m/s flying east across France's western edge, a report a 4 s."""
    n = 40
    return ReportBatch.build(
        t=T0 + 4.0 * np.arange(n),
        lat=48.5,
        lon=1.9 + 0.008 * np.arange(n),
        alt=6000.0,
        vel_e=150.0,
        vel_n=0.0,
        identity=identity,
        callsign=callsign,
        transponder=transponder,
        squawk="4512" if transponder else "",
        category="A5" if transponder else "",
        sensor=sensor,
        track_number=-1 if identity else 11,
    )


def hovering_drone(serial: str) -> ReportBatch:
    """A drone broadcasting Remote ID, circling inside Kastrup's zone for 4 minutes."""
    k = np.arange(120)
    return ReportBatch.build(
        t=T0 + 2.0 * k,
        lat=55.62 + 0.01 * np.sin(k / 10),
        lon=12.65 + 0.01 * np.cos(k / 10),
        alt=120.0,
        identity=f"rid:{serial}" if serial else "",
        transponder=bool(serial),
        category="drone",
        sensor="rid-ekch",
        track_number=-1 if serial else 5,
    )


def run(tmp_path: Path, batch: ReportBatch, zone: Zone, register: dict | None = None):
    files: tuple[Path, ...] = ()
    if register is not None:
        files = (tmp_path / "register.yaml",)
        files[0].write_text(yaml.safe_dump(register))
    dep = DeploymentConfig(
        db=tmp_path / "book.sqlite",
        pipeline=PipelineConfig(protect=None, registers=files),
    )
    with open_run(dep, zones=[zone]) as r:
        steps = r.pipeline.run([batch])
        events = [e for s in steps for e in s.events]
        incidents = r.incidents()
    entries = [e for e in events if e.kind is EventKind.ENTRY and e.zone_id == zone.id]
    assert len(entries) == 1, entries
    return entries[0], incidents


EGYPT_AF = "icao:010075"  # in the Egyptian air force range of the shipped table
CLEARANCE = {
    "clearances": [
        {
            "reference": "FR-DIP-2025-0919",
            "state": "EGY",
            "callsigns": ["EGY1071"],
            "zones": ["FRA"],
            "valid_from": "2025-09-19T00:00:00Z",
            "valid_to": "2025-09-20T00:00:00Z",
        }
    ]
}


def test_a_cooperative_foreign_state_aircraft_is_to_verify_not_a_violation(tmp_path):
    entry, incidents = run(
        tmp_path, crossing(EGYPT_AF, transponder=True, callsign="EGY1071"), FRANCE
    )
    assert entry.authorised is None
    assert entry.reasons[0].startswith("verify clearance")
    assert incidents == []


def test_a_clearance_admits_its_flight_and_is_named(tmp_path):
    flight = crossing(EGYPT_AF, transponder=True, callsign="EGY1071")
    entry, incidents = run(tmp_path, flight, FRANCE, CLEARANCE)
    assert entry.authorised is True
    assert entry.reasons[0] == "cleared: diplomatic clearance FR-DIP-2025-0919 (EGY)"
    assert incidents == []


def test_an_expired_clearance_or_another_callsign_admits_nothing(tmp_path):
    expired = yaml.safe_load(yaml.safe_dump(CLEARANCE))
    expired["clearances"][0]["valid_to"] = "2025-09-19T12:00:00Z"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    flight = crossing(EGYPT_AF, transponder=True, callsign="EGY1071")
    entry, _ = run(tmp_path / "a", flight, FRANCE, expired)
    assert entry.authorised is None
    other = crossing(EGYPT_AF, transponder=True, callsign="EGY2222")
    entry, _ = run(tmp_path / "b", other, FRANCE, CLEARANCE)
    assert entry.authorised is None


def test_a_silent_foreign_state_aircraft_remains_a_violation(tmp_path):
    """Air policing intercepts those who do not cooperate: no transponder, no clearance."""
    entry, incidents = run(tmp_path, crossing("", transponder=False), FRANCE, CLEARANCE)
    assert entry.authorised is False
    assert [i.zone_id for i in incidents] == ["sovereign:FRA"]


def test_verification_can_be_switched_off(tmp_path):
    flight = crossing(EGYPT_AF, transponder=True, callsign="EGY1071")
    dep = DeploymentConfig(
        db=tmp_path / "book.sqlite", pipeline=PipelineConfig(protect=None, verify_cooperative=False)
    )
    with open_run(dep, zones=[FRANCE]) as r:
        r.pipeline.run([flight])
        assert [i.zone_id for i in r.incidents()] == ["sovereign:FRA"]


PERMIT = {
    "permits": [
        {
            "reference": "DK-UAS-0007",
            "holder": "Copenhagen Police drone unit",
            "remote_ids": ["1581F5FKD229400G0000"],
            "zones": ["airport:EKCH"],
            "valid_from": "2025-09-19T00:00:00Z",
            "valid_to": "2025-09-20T00:00:00Z",
        }
    ]
}


def test_a_permitted_drone_is_admitted_and_named(tmp_path):
    entry, incidents = run(tmp_path, hovering_drone("1581F5FKD229400G0000"), KASTRUP, PERMIT)
    assert entry.authorised is True
    assert entry.reasons[0] == "permitted: drone permit DK-UAS-0007 (Copenhagen Police drone unit)"
    assert incidents == []


def test_a_drone_without_a_permit_closes_the_airport(tmp_path):
    entry, incidents = run(tmp_path, hovering_drone("1581F5FKD2294OTHER000"), KASTRUP, PERMIT)
    assert entry.authorised is False
    [incident] = incidents
    assert incident.recommendation is not None
    assert str(incident.recommendation.action) == "close_airport"


def test_own_forces_are_never_violators(tmp_path):
    """An interceptor without transponder, reported by the own-force feed: over France it
    would be a violation (see the silent case above); named as own forces, it is not."""
    jet = crossing("", transponder=False, sensor="blue-force")
    own = {
        "own_forces": [
            {
                "unit": "Escadron de chasse 1/2 Cigognes",
                "state": "FRA",
                "sensors": ["blue-force"],
                "source": "the deployment's blue-force tracker",
            }
        ]
    }
    entry, incidents = run(tmp_path, jet, FRANCE, own)
    assert entry.authorised is True
    assert entry.reasons[0] == "own forces: Escadron de chasse 1/2 Cigognes (FRA)"
    assert incidents == []


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"clearances": [{"state": "EGY", "callsigns": ["X1"]}]}, "clearances[0].reference"),
        ({"clearances": [{"reference": "r", "state": "EGYPT", "callsigns": ["X"]}]}, "state"),
        ({"clearances": [{"reference": "r", "state": "EGY"}]}, "clearances[0].addresses"),
        (
            {
                "clearances": [
                    {
                        "reference": "r",
                        "state": "EGY",
                        "callsigns": ["X"],
                        "valid_from": "2025-09-19T00:00:00",
                    }
                ]
            },
            "needs a time zone",
        ),
        ({"permits": [{"reference": "p", "holder": "h"}]}, "permits[0].remote_ids"),
        ({"own_forces": [{"unit": "u", "state": "POL", "addresses": ["zz"]}]}, "24-bit"),
        ({"own_forces": [{"unit": "u", "state": "POL", "colour": "blue"}]}, "colour"),
        ({"friends": []}, "unknown key"),
    ],
)
def test_register_mistakes_name_the_entry(doc, where):
    with pytest.raises(InputError, match=re.escape(where)):
        parse_registers(doc, "reg.yaml")


def test_registers_merge_from_several_files(tmp_path):
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(CLEARANCE))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PERMIT))
    reg = load_registers([tmp_path / "c.yaml", tmp_path / "p.yaml"])
    assert [c.reference for c in reg.clearances] == ["FR-DIP-2025-0919"]
    assert [p.reference for p in reg.permits] == ["DK-UAS-0007"]
    with pytest.raises(InputError, match="cannot read"):
        load_registers([tmp_path / "missing.yaml"])
