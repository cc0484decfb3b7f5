"""The REST API through the real ASGI app (httpx TestClient): every route, every role."""

from __future__ import annotations

import contextlib
import io
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from server_helpers import ROLES, add_users, copy_db, swarm_feed, wait_for

from airsentry.cli import main
from airsentry.config import DeploymentConfig
from airsentry.server import create_app
from airsentry.server.auth import hash_token
from airsentry.server.guard import FailedAuth
from airsentry.server.serving import open_context


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, demo_db, tmp_path_factory):
    """A client over a copy of the demo store, with a runner that fed 20 live tracks: on
    SQLite, and on PostgreSQL (the demo run into a schema of the session's server)."""
    folder = tmp_path_factory.mktemp("api")
    if request.param == "sqlite":
        dep = DeploymentConfig(db=copy_db(demo_db, folder / "api.sqlite"))
    else:
        url = request.getfixturevalue("postgres_server").new_schema()
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["demo", "--db", url, "--audit-log", str(folder / "demo.jsonl")]) == 0
        dep = DeploymentConfig(db=url, audit_log=folder / "api.audit.jsonl")
    ctx = open_context(dep, list(swarm_feed(20, 10)))  # as `serve` does
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        wait_for(lambda: ctx.runner.done, 30, "the feed to finish")
        yield client, tokens, ctx


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def incident_id(client, tokens, zone_id: str) -> str:
    found = client.get("/api/incidents", headers=auth(tokens["viewer"])).json()
    ids = [i["id"] for i in found if i["zone_id"] == zone_id]
    assert ids, f"no incident in {zone_id}"
    return ids[0]


READS = [
    "/api/me",
    "/api/status",
    "/api/tracks",
    "/api/tracks/{track}",
    "/api/zones",
    "/api/zones/{zone}",
    "/api/events",
    "/api/events/span",
    "/api/sensors",
    "/api/statistics",
    "/api/incidents",
    "/api/incidents/{incident}",
    "/api/heatmap",
    "/api/gnss",
    "/api/incidents/{incident}/paths",
    "/api/incidents/{incident}/dossier",
    "/api/tracks/span",
    "/api/tracks/at?t=2025-09-19T07:00:00Z",
    "/api/registers",
]
WRITES = {  # path -> (body, least role that may)
    "/api/incidents/{incident}/acknowledge": ({"note": "seen"}, "operator"),
    "/api/incidents/{incident}/notes": ({"text": "RAF QRA informed"}, "operator"),
    "/api/incidents/{incident}/decisions": (
        {"action": "intercept_and_escort", "decision": "approve", "note": "go"},
        "commander",
    ),
}

REGISTER_WRITES = ("/api/registers/{kind}", "/api/registers/entries/{entry_id}/withdraw")


def fill(path: str, client, tokens) -> str:
    got = client.get("/api/tracks", headers=auth(tokens["viewer"]))
    assert got.status_code == 200, got.text
    track = got.json()[0]["id"]
    return path.format(
        track=track, zone="sovereign:EST", incident=incident_id(client, tokens, "sovereign:EST")
    )


def test_every_api_route_is_covered_here(api):
    client, _, _ = api
    paths = set(client.get("/api/openapi.json").json()["paths"])
    named = {
        p.replace("{track}", "{track_id}")
        .replace("{zone}", "{zone_id}")
        .replace("{incident}", "{incident_id}")
        .split("?")[0]
        for p in [*READS, *WRITES]
    }
    named |= set(REGISTER_WRITES)  # their roles and audit: tests/server/test_registers_api.py
    assert paths == named


@pytest.mark.parametrize("path", READS + list(WRITES))
@pytest.mark.parametrize("token", [None, "not-a-token", ""])
def test_without_a_valid_token_every_route_is_401(api, path, token):
    client, tokens, _ = api
    client.app.state.failed_auth = FailedAuth()  # each case its own budget (see test_guard)
    url = fill(path, client, tokens)
    headers = auth(token) if token is not None else {}
    res = (
        client.post(url, json={}, headers=headers)
        if path in WRITES
        else client.get(url, headers=headers)
    )
    assert res.status_code == 401, (url, res.text)


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads(api, path, role):
    client, tokens, _ = api
    res = client.get(fill(path, client, tokens), headers=auth(tokens[role]))
    assert res.status_code == 200, res.text


@pytest.mark.parametrize("path", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_writes_need_their_role(api, path, role):
    client, tokens, ctx = api
    body, least = WRITES[path]
    url = fill(path, client, tokens)
    before = len(ctx.store.decisions_for(url.split("/")[3]))
    res = client.post(url, json=body, headers=auth(tokens[role]))
    allowed = ROLES.index(role) >= ROLES.index(least)
    assert res.status_code == (201 if allowed else 403), res.text
    after = ctx.store.decisions_for(url.split("/")[3])
    assert len(after) == before + allowed
    if allowed:
        assert after[-1].operator == f"{role}-user"
        assert res.json()["id"] == after[-1].id


def test_me_names_the_user_and_role(api):
    client, tokens, _ = api
    for role in ROLES:
        assert client.get("/api/me", headers=auth(tokens[role])).json() == {
            "name": f"{role}-user",
            "role": role,
        }


def test_tokens_are_stored_hashed(api):
    _, tokens, ctx = api
    stored = {u.token_sha256 for u in ctx.store.users.all()}
    assert stored == {hash_token(t) for t in tokens.values()}
    assert not stored & set(tokens.values())


def test_live_tracks_come_from_the_feed(api):
    client, tokens, _ = api
    tracks = client.get("/api/tracks", headers=auth(tokens["viewer"])).json()
    assert len(tracks) == 20
    assert {t["callsign"] for t in tracks} == {f"TST{i:04d}" for i in range(20)}
    t = tracks[0]
    assert 0 <= t["heading_deg"] < 360
    assert 60 <= t["speed_mps"] <= 250
    assert len(t["trail"]) >= 2  # the runner published more than one snapshot
    one = client.get(f"/api/tracks/{t['id']}", headers=auth(tokens["viewer"])).json()
    assert one["identity"] == t["identity"]
    assert client.get("/api/tracks/999999", headers=auth(tokens["viewer"])).status_code == 404
    sensors = client.get("/api/sensors", headers=auth(tokens["viewer"])).json()
    assert {"name": "adsb-test", "reports": 200} in [
        {k: s[k] for k in ("name", "reports")} for s in sensors
    ]


def test_zones_are_geojson_of_the_catalogue(api):
    client, tokens, _ = api
    h = auth(tokens["viewer"])
    fc = client.get("/api/zones", params={"kind": "sovereign"}, headers=h).json()
    assert fc["type"] == "FeatureCollection"
    owners = {f["properties"]["owner"] for f in fc["features"]}
    assert {"EST", "POL", "DNK", "NOR"} <= owners
    assert {f["properties"]["kind"] for f in fc["features"]} == {"sovereign"}
    est = client.get("/api/zones/sovereign:EST", headers=h).json()
    assert est["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert client.get("/api/zones/nowhere", headers=h).status_code == 404
    pol = client.get("/api/zones", params={"owner": "POL", "kind": "airport"}, headers=h).json()
    assert pol["features"]
    assert all(f["id"].startswith("airport:EP") for f in pol["features"])


def test_incident_detail_has_timeline_tracks_and_decisions(api):
    client, tokens, _ = api
    h = auth(tokens["viewer"])
    inc_id = incident_id(client, tokens, "sovereign:EST")
    d = client.get(f"/api/incidents/{inc_id}", headers=h).json()
    assert d["object_count"] == 3
    assert d["recommendation"] == "intercept_and_escort"
    assert [e["time"] for e in d["events"]] == sorted(e["time"] for e in d["events"])
    assert len(d["tracks"]) == 3
    assert {t["target_class"] for t in d["tracks"]} == {"fast_jet"}
    assert 57 < d["lat"] < 60.5
    assert 21 < d["lon"] < 29
    assert d["authorise_role"] == "commander"
    assert client.get("/api/incidents/XXX-1", headers=h).status_code == 404


def test_nobody_authorises_an_engagement_the_playbook_does_not_recommend(api):
    client, tokens, ctx = api
    inc = incident_id(client, tokens, "sovereign:EST")
    url = f"/api/incidents/{inc}/decisions"
    body = {"action": "engage", "decision": "approve", "note": "shoot"}
    for role in ROLES:
        res = client.post(url, json=body, headers=auth(tokens[role]))
        assert res.status_code == 403, role
    assert "does not recommend engage" in res.json()["detail"]  # the commander's refusal
    assert ctx.desk.log.verify() == []
    refusals = [e["data"] for e in ctx.desk.log.entries() if e["kind"] == "refusal"]
    assert any(r["action"] == "engage" and r["operator"] == "commander-user" for r in refusals)
    assert "engage" not in {d.action for d in ctx.store.decisions_for(inc)}


def test_decisions_go_through_the_desk_into_the_audit_log(api):
    client, tokens, ctx = api
    inc = incident_id(client, tokens, "sovereign:EST")
    body = {"action": "intercept_and_escort", "decision": "approve", "note": "QRA launched"}
    res = client.post(
        f"/api/incidents/{inc}/decisions", json=body, headers=auth(tokens["commander"])
    )
    assert res.status_code == 201
    assert (res.json()["kind"], res.json()["action"]) == ("authorise", "intercept_and_escort")
    logged = [e["data"] for e in ctx.desk.log.entries() if e["kind"] == "decision"]
    assert logged[-1]["decision_id"] == res.json()["id"]
    assert logged[-1]["reasons"] == ["QRA launched"]
    refuse = {"action": "intercept_and_escort", "decision": "refuse", "note": "not ours"}
    res = client.post(
        f"/api/incidents/{inc}/decisions", json=refuse, headers=auth(tokens["commander"])
    )
    assert res.status_code == 201
    assert (res.json()["kind"], res.json()["action"]) == ("refuse", "intercept_and_escort")
    (refused,) = [d for d in ctx.store.decisions_for(inc) if d.kind == "refuse"]
    assert refused.action == "intercept_and_escort"
    ack = client.post(
        f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(tokens["operator"])
    )
    assert ack.status_code == 201
    kinds = [e["kind"] for e in ctx.desk.log.entries()]
    assert "acknowledgement" in kinds
    assert ctx.desk.log.verify() == []


def test_statistics_count_the_stored_violations(api):
    client, tokens, _ = api
    h = auth(tokens["viewer"])
    incidents = client.get("/api/incidents", params={"zone_kind": "sovereign"}, headers=h).json()
    expected = Counter((i["owner"], int(i["start"][:4])) for i in incidents)
    stats = client.get("/api/statistics", headers=h).json()
    assert {(r["owner"], r["year"]): r["incidents"] for r in stats if r["incidents"]} == expected
    # violations add the public record: Estonia's three earlier ones that year, and
    # Romania's, which the demo never books; the MiG-31s are booked and counted once
    violations = {(r["owner"], r["year"]): r["violations"] for r in stats}
    assert violations[("EST", 2025)] == 4
    assert violations[("ROU", 2025)] == 1
    assert violations[("POL", 2025)] == expected[("POL", 2025)]
    every = client.get("/api/statistics", params={"zone_kind": "all"}, headers=h).json()
    assert sum(r["incidents"] for r in every) == len(client.get("/api/incidents", headers=h).json())


def test_events_replay_window(api):
    client, tokens, _ = api
    h = auth(tokens["viewer"])
    span = client.get("/api/events/span", headers=h).json()
    assert span["events"] > 0
    since, until = "2025-09-19T06:00:00Z", "2025-09-19T08:00:00Z"
    events = client.get("/api/events", params={"since": since, "until": until}, headers=h).json()
    assert events
    assert all(since <= e["time"] < until for e in events)
    assert {e["zone_owner"] for e in events if e["kind"] == "entry"} >= {"EST"}
    naive = client.get("/api/events", params={"since": "2025-09-19T06:00:00"}, headers=h)
    assert naive.status_code == 422


def test_console_and_schema_are_served(api):
    client, _, _ = api
    page = client.get("/")
    assert page.status_code == 200
    assert "/static/vendor/maplibre-gl-csp.js" in page.text
    for path in ("maplibre-gl-csp.js", "maplibre-gl-csp-worker.js", "glyphs/DejaVu Sans/0-255.pbf"):
        assert client.get(f"/static/vendor/{path}").status_code == 200, path
    schema = client.get("/api/openapi.json").json()
    assert "/api/incidents/{incident_id}/decisions" in schema["paths"]


def test_websocket_refuses_a_bad_token_and_streams_to_a_good_one(api):
    client, tokens, _ = api
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/api/stream?token=x") as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4401
    with client.websocket_connect(f"/api/stream?token={tokens['viewer']}") as ws:
        assert ws.receive_json()["type"] == "status"
        snap = ws.receive_json()
        assert snap["type"] == "snapshot"
        assert len(snap["tracks"]) == 20
