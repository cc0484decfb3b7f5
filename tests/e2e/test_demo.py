"""End to end: the embedded September 2025 scenario through the whole pipeline.

Checks what the scenario's news reports say happened: 3 fast jets in Estonian airspace
for 12 minutes (intercept and escort), 19 or more drones over Poland, drones at
Copenhagen and Oslo airports (closure recommended), and not one violation by the civil
airliners crossing the same borders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airsentry.cli import main
from airsentry.sim.scenario import load_library

SCENARIO = load_library("september-2025")
AIRLINER_IDS = {a.identity for a in SCENARIO.actors if a.kind.value == "airliner"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    db, events_path = tmp / "book.sqlite", tmp / "events.jsonl"
    out = tmp / "out.json"
    t0 = time.perf_counter()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "airsentry.cli",
            "demo",
            "--json",
            "--db",
            str(db),
            "--events-out",
            str(events_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - t0
    assert res.returncode == 0, res.stderr
    out.write_text(res.stdout)
    incidents = json.loads(res.stdout)
    events = [json.loads(line) for line in events_path.read_text().splitlines()]
    return {"incidents": incidents, "events": events, "db": db, "elapsed": elapsed}


def one(incidents, zone_id):
    found = [i for i in incidents if i["zone_id"] == zone_id]
    assert len(found) == 1, f"{zone_id}: {[(i['id'], i['object_count']) for i in found]}"
    return found[0]


def test_demo_runs_well_under_a_minute(demo):
    assert demo["elapsed"] < 60.0


def test_json_has_the_contract_fields(demo):
    needed = {
        "id", "zone_id", "zone_kind", "owner", "start", "end", "object_count", "dwell_s",
        "identities", "recommendation", "reasons",
    }  # fmt: skip
    for inc in demo["incidents"]:
        assert needed <= set(inc)
        assert inc["start"].endswith("Z")
        assert inc["end"] >= inc["start"]
        assert len(inc["owner"]) == 3


def test_estonia_three_jets_twelve_minutes_intercept_and_escort(demo):
    inc = one(demo["incidents"], "sovereign:EST")
    assert inc["owner"] == "EST"
    assert inc["object_count"] == 3
    assert abs(inc["dwell_s"] - 720) <= 60
    assert inc["recommendation"] == "intercept_and_escort"
    assert set(inc["classes"]) == {"fast_jet"}
    assert inc["start"].startswith("2025-09-19T06:5")


def test_poland_nineteen_drones_one_incident(demo):
    inc = one(demo["incidents"], "sovereign:POL")
    assert inc["object_count"] >= 19
    # the airport on their path is closed before they arrive; air defence is alerted too
    assert inc["recommendation"] == "close_airport"
    assert inc["recommendation_detail"]["target"].startswith("EP")
    assert any("air defence alerted" in r for r in inc["recommendation_detail"]["reasons"])
    assert inc["start"].startswith("2025-09-09T21")
    assert inc["end"] >= "2025-09-10T04"
    assert inc["depth_m"] > 100_000  # several flew far inland
    swarms = [e for e in demo["events"] if e["kind"] == "swarm" and e["zone_id"] == "sovereign:POL"]
    assert swarms


@pytest.mark.parametrize(
    ("zone", "owner", "objects"), [("airport:EKCH", "DNK", 3), ("airport:ENGM", "NOR", 2)]
)
def test_airport_drones_close_the_airport(demo, zone, owner, objects):
    inc = one(demo["incidents"], zone)
    assert inc["owner"] == owner
    assert inc["object_count"] == objects
    assert inc["recommendation"] == "close_airport"
    assert inc["recommendation_detail"]["target"] == zone.split(":")[1]


def test_no_airliner_is_ever_a_violator(demo):
    airliner_events = [e for e in demo["events"] if e["identity"] in AIRLINER_IDS]
    assert {e["kind"] for e in airliner_events} >= {"entry", "exit"}  # they were watched
    assert all(e["authorised"] for e in airliner_events if e["kind"] in ("entry", "exit"))
    assert not [e for e in airliner_events if e["kind"] == "approach"]
    for inc in demo["incidents"]:
        assert not AIRLINER_IDS & set(inc["identities"])


def test_events_out_contract(demo):
    for e in demo["events"]:
        assert {
            "kind",
            "time",
            "track_id",
            "identity",
            "zone_id",
            "zone_kind",
            "zone_owner",
            "authorised",
            "reasons",
        } <= set(e)
        if e["kind"] == "exit":
            assert "dwell_s" in e
            assert "depth_m" in e


def test_second_run_keeps_and_does_not_duplicate(demo, capsys):
    db: Path = demo["db"]
    assert main(["demo", "--json", "--db", str(db)]) == 0
    second = json.loads(capsys.readouterr().out)
    assert sorted(i["id"] for i in second) == sorted(i["id"] for i in demo["incidents"])
    assert main(["incidents", "list", "--db", str(db), "--owner", "EST"]) == 0
    listing = capsys.readouterr().out
    assert "Estonia" in listing
    assert main(["incidents", "export", "--format", "json", "--db", str(db)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported) == len(demo["incidents"])
