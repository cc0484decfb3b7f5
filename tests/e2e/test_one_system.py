"""One system, whatever the command: the same database, the same audit log, the same rules.

Run as a user would, as real processes with a fresh data folder (``XDG_DATA_HOME``) and
no ``--db`` or ``--log`` anywhere: ``airsentry demo`` books the September 2025
scenario; ``airsentry incidents``, ``airsentry serve`` and ``airsentry serve --demo``
show the same incidents; a
decision approved and one refused in the console, one acknowledgement with
``airsentry decide`` and the pipeline's own recommendations all land in the one audit
log that ``airsentry audit verify`` checks by default. And ``serve --playbook X``
changes what the pipeline recommends, not only what the desk accepts.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

pytestmark = pytest.mark.slow


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airsentry.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    """``airsentry serve`` on an ephemeral port; its console address once it is bound."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "airsentry.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "console: http://127.0.0.1:PORT/"
    if not line.startswith("console: "):
        proc.kill()
        raise AssertionError(f"serve did not start: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
    return proc, line.split()[1]


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}


def by_zone(incidents: list[dict], zone_id: str) -> dict:
    [found] = [i for i in incidents if i["zone_id"] == zone_id]
    return found


def test_every_command_shares_one_database_and_one_audit_log(home: dict[str, str]) -> None:
    demo = cli(home, "demo", "--json")
    assert demo.returncode == 0, demo.stderr
    booked = json.loads(demo.stdout)
    ids = {i["id"] for i in booked}
    assert {"sovereign:EST", "airport:EKCH"} <= {i["zone_id"] for i in booked}

    listed = cli(home, "incidents", "list")
    assert listed.returncode == 0, listed.stderr
    assert all(i in listed.stdout for i in ids)
    exported = cli(home, "incidents", "export", "--format", "json")
    assert {i["id"] for i in json.loads(exported.stdout)} == ids

    token = cli(home, "users", "add", "duty", "--role", "commander").stdout.strip()
    h = {"Authorization": f"Bearer {token}"}
    proc, url = serve(home)  # no flags: the default database, as every command
    try:
        served = httpx.get(url + "api/incidents", headers=h).json()
        assert {i["id"] for i in served} == ids
        estonia, kastrup = by_zone(served, "sovereign:EST"), by_zone(served, "airport:EKCH")
        assert estonia["recommendation"] == "intercept_and_escort"
        approve = {"action": "intercept_and_escort", "decision": "approve", "note": "QRA up"}
        r = httpx.post(url + f"api/incidents/{estonia['id']}/decisions", json=approve, headers=h)
        assert r.status_code == 201, r.text
        refuse = {"action": "close_airport", "decision": "refuse", "note": "police drone"}
        r = httpx.post(url + f"api/incidents/{kastrup['id']}/decisions", json=refuse, headers=h)
        assert r.status_code == 201, r.text
    finally:
        stop(proc)

    proc, url = serve(home, "--demo", "--speed", "0")  # books the demo again: nothing new
    try:
        assert {i["id"] for i in httpx.get(url + "api/incidents", headers=h).json()} == ids
    finally:
        stop(proc)

    ack = cli(home, "decide", "ack", estonia["id"], "--operator", "ana", "--note", "seen")
    assert ack.returncode == 0, ack.stderr

    verify = cli(home, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    log = Path(home["XDG_DATA_HOME"]) / "airsentry" / "airsentry.sqlite.audit.jsonl"
    assert str(log) in verify.stdout
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    recommended = {e["data"]["incident_id"] for e in entries if e["kind"] == "recommendation"}
    assert recommended == ids  # the pipeline's own recommendations, every incident
    decisions = {
        (e["data"]["incident_id"], e["data"]["action"], e["data"]["verdict"], e["data"]["operator"])
        for e in entries
        if e["kind"] == "decision"
    }
    assert decisions == {
        (estonia["id"], "intercept_and_escort", "authorise", "duty"),
        (kastrup["id"], "close_airport", "refuse", "duty"),
    }
    acks = [e["data"] for e in entries if e["kind"] == "acknowledgement"]
    assert [(a["incident_id"], a["operator"]) for a in acks] == [(estonia["id"], "ana")]


KASTRUP = (55.618, 12.656)


def drone_at_kastrup(path: Path) -> Path:
    """A drone seen by a counter-drone radar, circling inside Kastrup's drone zone."""
    lines = []
    t0 = 1_758_565_800.0  # 2025-09-22 18:30 UTC
    for k in range(150):
        angle = k / 20.0
        lat = KASTRUP[0] + 0.01 * math.sin(angle)
        lon = KASTRUP[1] + 0.016 * math.cos(angle)
        lines.append(
            json.dumps(
                {
                    "time": t0 + 2 * k,
                    "sensor": "cuas-ekch",
                    "kind": "radar",
                    "lat": lat,
                    "lon": lon,
                    "alt": 120.0,
                    "accuracy_m": 20.0,
                    "track_id": 7,
                    "class_hint": "drone",
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def recommendations(env: dict[str, str], db: Path, *extra: str) -> list[dict]:
    """Serve a replay of the drone into ``db`` to completion; the airport incident's
    recommendation."""
    token = cli(env, "users", "add", "v", "--role", "viewer", "--db", str(db)).stdout.strip()
    h = {"Authorization": f"Bearer {token}"}
    feed = drone_at_kastrup(db.with_suffix(".jsonl"))
    args = ["--replay", str(feed), "--format", "detections", "--speed", "0", "--db", str(db)]
    args += extra
    proc, url = serve(env, *args)
    try:
        deadline = time.monotonic() + 120
        while httpx.get(url + "api/status", headers=h).json()["running"]:
            assert time.monotonic() < deadline, "the replay never finished"
            time.sleep(0.2)
        incidents = httpx.get(url + "api/incidents", headers=h).json()
    finally:
        stop(proc)
    return [by_zone(incidents, "airport:EKCH")["recommendation_detail"]]


def test_serve_playbook_changes_what_the_pipeline_recommends(
    home: dict[str, str], tmp_path: Path
) -> None:
    [default] = recommendations(home, tmp_path / "default.sqlite")
    assert default["action"] == "close_airport"

    calm = {
        "name": "police-drones-at-kastrup",
        "roles": {"operator": []},
        "steps": [
            {"name": "watch_it", "action": "alert_operator", "when": {"unauthorised": True},
             "authority": "operator", "reason": "drone in {label}: police drone unit informed"},
        ],
    }  # fmt: skip
    playbook = tmp_path / "calm.yaml"
    playbook.write_text(yaml.safe_dump(calm))
    db = tmp_path / "calm.sqlite"
    [changed] = recommendations(home, db, "--playbook", str(playbook))
    assert changed["action"] == "alert_operator"
    assert changed["reasons"][0].startswith("drone in Copenhagen Kastrup")
    log = db.with_name(db.name + ".audit.jsonl")  # the pipeline's trail, beside its database
    trail = [json.loads(line)["data"] for line in log.read_text().splitlines()]
    assert ("airport:EKCH", "alert_operator") in {(d["zone_id"], d["action"]) for d in trail}
    assert {d["action"] for d in trail} == {"alert_operator"}  # nothing from the default


def test_the_demo_in_other_batches_books_each_incident_once(tmp_path: Path) -> None:
    """`demo` books in 20,000-report chunks, the console in slices of event time: into
    one database, the second run finds the first's incidents and adds none."""
    from airsentry.build import open_run
    from airsentry.cli._common import chunks
    from airsentry.config import DeploymentConfig
    from airsentry.server.runner import time_slices
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    reports = generate(load_library("september-2025"), seed=0)
    deployment = DeploymentConfig(db=tmp_path / "book.sqlite")
    booked = []
    for batches in (chunks(reports), time_slices(reports, 60.0)):
        with open_run(deployment) as run:
            run.pipeline.run(batches)
            booked.append(sorted(i.id for i in run.store.list()))
    assert len(booked[0]) >= 9
    assert booked[1] == booked[0]
