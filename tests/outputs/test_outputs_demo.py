"""The demo with three real receivers attached: MQTT (mosquitto), CoT over TCP, a webhook.

Every incident the demo books reaches all three; receivers that are down, failing or
restarted lose nothing: what was not confirmed stays in the store's outbox and is
delivered by the next run (at least once; webhooks deduplicate by idempotency key).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema_rs
import takproto
from output_receivers import (
    Broker,
    CotListener,
    Subscriber,
    WebhookReceiver,
    cot_events,
    wait_until,
)

from airsentry.build import open_run
from airsentry.cli._demo import book_demo
from airsentry.config import DeploymentConfig
from airsentry.incidents import DecisionKind, IncidentStore
from airsentry.incidents.outbox import Outbox
from airsentry.outputs.urls import parse_output

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "outputs.schema.json"


def _deployment(tmp_path: Path, urls: list[str]) -> DeploymentConfig:
    return DeploymentConfig(db=tmp_path / "db.sqlite", outputs=tuple(parse_output(u) for u in urls))


def test_demo_reaches_mqtt_cot_and_webhook_and_an_outage_loses_nothing(
    tmp_path: Path, broker: Broker, cot: CotListener, webhook: WebhookReceiver
) -> None:
    sub = Subscriber(broker, "site")
    webhook.fail_first = 3  # a receiver that answers 500 for a while
    urls = [
        f"mqtt://127.0.0.1:{broker.port}/site?rate=60",
        f"cot+tcp://127.0.0.1:{cot.port}?proto=1&rate=60",
        f"http://127.0.0.1:{webhook.port}/hook?secret_env=AIRSENTRY_TEST_WHSEC",
    ]
    dep = _deployment(tmp_path, urls)
    incidents, _, _ = book_demo(dep)
    ids = {inc.id for inc in incidents}
    assert ids

    # webhook: every incident, each idempotency key accepted once, signatures all valid
    assert {m[0]["data"]["id"] for m in webhook.accepted.values()} == ids
    assert all(len(v) == 1 for v in webhook.accepted.values())
    assert webhook.bad_signatures == 0
    assert webhook.requests > len(webhook.accepted)
    # MQTT: every incident on <prefix>/incidents, and tracks with the published fields
    assert wait_until(lambda: sub.incident_ids("site/incidents") == ids)
    tracks = sub.messages["site/tracks"]
    assert tracks
    assert {"track_id", "lat", "lon", "course_deg", "class"} <= tracks[0]["data"].keys()
    assert sub.messages["site/events"]
    # every message follows the published schema
    schema = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))
    with sub.lock:
        for messages in sub.messages.values():
            for m in messages:
                schema.validate(m)
    # CoT: every incident as a marker, tracks with types from class and affiliation
    assert wait_until(lambda: len(cot.snapshot()) > 0)
    events = cot_events(cot.snapshot())
    uids = {e.uid for e in events}
    assert {f"airsentry.incident.{i}" for i in ids} <= uids
    drones = [e for e in events if e.uid.startswith("airsentry.track.") and "-A-M-F-Q" in e.type]
    assert drones
    assert all(e.type.startswith(("a-h-", "a-u-")) for e in drones)
    assert all(e.how == "m-g" and e.staleTime > e.sendTime for e in events)

    # outage: every receiver down while a second deployment's run books new incidents
    webhook.failing = True
    broker.stop()
    cot.stop()
    dep2 = replace(
        dep,
        db=tmp_path / "db2.sqlite",  # same outputs, waiting at most 1 s at the end
        outputs=tuple(parse_output(u + ("&" if "?" in u else "?") + "drain=1") for u in urls),
    )
    sinks = dep2.outputs
    incidents2, _, _ = book_demo(dep2, seed=1)
    with IncidentStore(dep2.db) as store:
        waiting = {o.name: Outbox(store).counts(o.name)[0] for o in sinks}
    assert all(n > 0 for n in waiting.values()), waiting  # kept, not lost

    # receivers back; the next run (a restart of airsentry) delivers what was pending
    webhook.failing = False
    webhook.accepted.clear()
    broker.start()
    cot.start()
    assert wait_until(sub.client.is_connected)
    before = len(cot.snapshot())
    book_demo(dep2, seed=1)
    ids2 = {inc.id for inc in incidents2}
    assert {m[0]["data"]["id"] for m in webhook.accepted.values()} == ids2
    with IncidentStore(dep2.db) as store, store.reading("keys") as conn:
        mqtt_keys = {k for (k,) in conn.execute("SELECT key FROM outbox WHERE output LIKE 'mqtt%'")}
    assert mqtt_keys
    assert wait_until(lambda: sub.keys("site/incidents") >= mqtt_keys)
    later = {e.uid for e in cot_events(cot.snapshot()[before:])}
    assert {f"airsentry.incident.{i}" for i in ids2} <= later
    with IncidentStore(dep2.db) as store:
        assert all(Outbox(store).counts(o.name)[0] == 0 for o in sinks)
    sub.close()


def test_xml_cot_carries_course_speed_and_remarks(tmp_path: Path, cot: CotListener) -> None:
    book_demo(_deployment(tmp_path, [f"cot+tcp://127.0.0.1:{cot.port}?rate=120"]))
    assert wait_until(lambda: b"</event>" in cot.snapshot())
    xml = cot.snapshot().decode()
    events = re.findall(r"<event .*?</event>", xml, flags=re.S)
    track = next(e for e in events if "airsentry.track." in e)
    assert re.search(r'<track course="[\d.]+" speed="[\d.]+"', track)
    incident = next(e for e in events if "airsentry.incident." in e)
    assert "recommendation" in incident
    assert "<remarks>" in incident
    # the XML is what takproto reads as CoT
    parsed = takproto.functions.xml2message(incident)
    assert parsed.cotEvent.type == "b-m-p-s-m"


def test_decisions_reach_the_webhook_once_recorded(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    url = f"http://127.0.0.1:{webhook.port}/hook?secret_env=AIRSENTRY_TEST_WHSEC"
    dep = _deployment(tmp_path, [url])
    incidents, _, _ = book_demo(dep)
    with open_run(dep) as run:  # a running deployment; the console or `decide` records
        decision = run.store.record_decision(
            incidents[0].id, time=incidents[0].end, operator="duty-officer",
            kind=DecisionKind.ACKNOWLEDGE, note="seen",
        )  # fmt: skip
        key = f"decision:{decision.id}"
        assert wait_until(lambda: key in webhook.accepted, 10)
    body = webhook.accepted[key][0]
    assert body["type"] == "decision"
    assert (body["data"]["incident_id"], body["data"]["operator"], body["data"]["kind"]) == (
        incidents[0].id, "duty-officer", "acknowledge",
    )  # fmt: skip
