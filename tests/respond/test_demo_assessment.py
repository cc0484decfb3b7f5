"""The September 2025 scenario through the pipeline: what assessment says and recommends.

Checked against the scenario itself (the simulator's own reports are the ground truth
for who was flying where), not against numbers copied from a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from airsentry.build import open_run
from airsentry.config import DeploymentConfig
from airsentry.decisions.audit import default_log_path, verify
from airsentry.model import Event, ReportBatch, to_epoch
from airsentry.sim.generate import generate
from airsentry.sim.scenario import load_library

SCENARIO = load_library("september-2025")
AIRPORTS = {"EKCH": (55.618, 12.656), "ENGM": (60.194, 11.100)}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("demo") / "book.sqlite"
    reports = generate(SCENARIO, seed=0)
    events: list[Event] = []
    with open_run(DeploymentConfig(db=db)) as r:
        p = r.pipeline
        for start in range(0, len(reports), 20_000):
            events += p.process(reports.take(slice(start, start + 20_000))).events
        events += p.finish().events
        live = {i.id: i for i in p.book.open_incidents()} if p.book else {}
        yield {
            "incidents": r.incidents(),
            "events": events,
            "reports": reports,
            "db": db,
            "store": r.store,
            "live": live,
        }


def by_zone(run: dict[str, Any], zone_id: str) -> Any:
    found = [i for i in run["incidents"] if i.zone_id == zone_id]
    assert len(found) == 1, zone_id
    return found[0]


def test_migs_are_fast_jets_for_intercept_and_escort_not_engagement(run: dict[str, Any]) -> None:
    inc = by_zone(run, "sovereign:EST")
    assert inc.classes == ["fast_jet"]
    rec = inc.recommendation
    assert rec.action.value == "intercept_and_escort"
    assert rec.authority == "air_policing_commander"
    assert rec.needs_decision
    assert any("scramble to intercept" in r for r in rec.reasons)
    assert any(r.startswith("navigation error? for:") for r in rec.reasons)
    assert all(i.recommendation.action.value != "engage" for i in run["incidents"])


def test_polish_decoys_are_drones_with_a_border_crossing_alert(run: dict[str, Any]) -> None:
    inc = by_zone(run, "sovereign:POL")
    assert set(inc.classes) <= {"drone", "decoy_drone"}
    rec = inc.recommendation
    # closing the airport on their path outranks the air-defence alert, which stays listed
    assert rec.action.value == "close_airport"
    assert rec.authority == "airport_authority"
    assert rec.target.startswith("EP")  # a Polish aerodrome
    assert any(r.startswith("19 drone(s) heading for") and f"({rec.target})" in r
               for r in rec.reasons)  # fmt: skip
    assert any("crossing into Poland airspace: air defence alerted" in r for r in rec.reasons)
    assert any("weighing: deliberate likely" in r for r in rec.reasons)


def flights_due(reports: ReportBatch, airport: str, t: float) -> tuple[set[str], set[str]]:
    """From the simulator's ADS-B reports: airliners airborne at ``t`` whose flight ends at
    ``airport`` within the hour (inbound), or that leave it within the hour (outbound)."""
    lat0, lon0 = AIRPORTS[airport]
    inbound, outbound = set(), set()
    for ident in {i for i in reports.identity.tolist() if i.startswith("icao:")}:
        rows = np.flatnonzero(reports.identity == ident)
        first, last = rows[np.argmin(reports.t[rows])], rows[np.argmax(reports.t[rows])]

        def near(r: int) -> bool:
            return math.hypot(reports.lat[r] - lat0, (reports.lon[r] - lon0) * 0.55) < 0.1

        cs = str(reports.callsign[last]).strip()
        if near(last) and reports.t[first] <= t < reports.t[last] <= t + 3600:
            inbound.add(cs)
        if near(first) and t <= reports.t[first] <= t + 3600:
            outbound.add(cs)
    return inbound, outbound


@pytest.mark.parametrize("airport", ["EKCH", "ENGM"])
def test_airport_drones_close_the_airport_with_its_expected_impact(
    run: dict[str, Any], airport: str
) -> None:
    inc = by_zone(run, f"airport:{airport}")
    assert set(inc.classes) == {"drone"}
    rec = inc.recommendation
    assert rec.action.value == "close_airport"
    assert rec.target == airport
    assert rec.authority == "airport_authority"
    assert rec.needs_decision
    inbound, outbound = flights_due(run["reports"], airport, to_epoch(inc.start))
    assert inbound, "the scenario has flights inbound at the time"
    text = [r for r in rec.reasons if r.startswith(f"expected impact of closing {airport}")]
    assert text == [
        f"expected impact of closing {airport}: {len(inbound)} inbound and {len(outbound)} "
        "outbound flights in the next hour (from live cooperative tracks)"
    ]


def test_airliners_are_airliners_and_left_alone(run: dict[str, Any]) -> None:
    airliners = {a.identity for a in SCENARIO.actors if a.kind.value == "airliner"}
    seen = [e for e in run["events"] if e.identity in airliners]
    assert seen
    assert {e.target_class for e in seen} == {"airliner"}
    assert all(e.authorised for e in seen)
    for inc in run["incidents"]:
        assert not airliners & set(inc.identities)


def test_every_recommendation_is_in_an_intact_audit_log(run: dict[str, Any]) -> None:
    log = default_log_path(Path(run["db"]))
    assert verify(log) == []
    import json

    entries = [json.loads(line) for line in log.read_text().splitlines()]
    logged = {e["data"]["incident_id"] for e in entries if e["kind"] == "recommendation"}
    assert logged == {i.id for i in run["incidents"]}
    final = {e["data"]["incident_id"]: e["data"]["action"] for e in entries}
    for inc in run["incidents"]:
        assert final[inc.id] == inc.recommendation.action.value


def test_severity_puts_the_polish_swarm_first(run: dict[str, Any]) -> None:
    """docs/severity.md: the 19 drones deep in Poland above Kastrup's closure, above the
    MiG-31s and Oslo, above the single drones at Polish air bases."""
    by_id = {i.id: i for i in run["incidents"]}
    swarm = by_zone(run, "sovereign:POL")
    kastrup = by_zone(run, "airport:EKCH")
    singles = [i for i in by_id.values() if i.owner == "POL" and i.object_count == 1]
    assert singles
    assert swarm.severity > kastrup.severity > by_zone(run, "sovereign:EST").severity - 1
    assert kastrup.severity > by_zone(run, "airport:ENGM").severity
    assert min(i.severity for i in by_id.values() if i.object_count > 1) > max(
        i.severity for i in singles
    )
