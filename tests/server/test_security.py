"""Every attempt to act is audited, and tokens follow their users (issue 13, failures 4
and 7): a demotion, a rotation or a removal by ``airsentry users`` in another process
takes effect on the next request; refusals, denied attempts (403), notes and
acknowledgements are all audit entries."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from server_helpers import add_users, copy_db, swarm_feed, wait_for

from airsentry.config import DeploymentConfig
from airsentry.server import create_app
from airsentry.server.serving import open_context


@pytest.fixture(scope="module")
def api(demo_db, tmp_path_factory):
    db = copy_db(demo_db, tmp_path_factory.mktemp("sec") / "sec.sqlite")
    ctx = open_context(DeploymentConfig(db=db), list(swarm_feed(5, 5)))
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        wait_for(lambda: ctx.runner.done, 30, "the feed to finish")
        yield client, tokens, ctx, db


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def incident(client, token: str) -> str:
    found = client.get("/api/incidents", headers=auth(token)).json()
    return next(i["id"] for i in found if i["zone_id"] == "sovereign:EST")


def users(db, *args: str) -> str:
    """``airsentry users`` in another process, as an administrator runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "airsentry.cli", "users", *args, "--db", str(db)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def audited(ctx, kind: str) -> list[dict[str, object]]:
    return [e["data"] for e in ctx.desk.log.entries() if e["kind"] == kind]


def test_a_demoted_user_cannot_act_on_the_next_request(api):
    client, _, ctx, db = api
    token = users(db, "add", "erik", "--role", "operator")
    inc = incident(client, token)
    ok = client.post(f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(token))
    assert ok.status_code == 201
    users(db, "set-role", "erik", "viewer")
    assert client.get("/api/me", headers=auth(token)).json()["role"] == "viewer"
    res = client.post(f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(token))
    assert res.status_code == 403
    denied = audited(ctx, "denied")[-1]
    assert denied["operator"] == "erik"
    assert denied["role"] == "viewer"
    assert str(denied["attempt"]).endswith(f"/api/incidents/{inc}/acknowledge")


def test_rotated_and_removed_tokens_stop_at_once(api):
    client, _, _, db = api
    old = users(db, "add", "liis", "--role", "viewer")
    assert client.get("/api/me", headers=auth(old)).status_code == 200
    new = users(db, "rotate", "liis")
    assert client.get("/api/me", headers=auth(old)).status_code == 401
    assert client.get("/api/me", headers=auth(new)).status_code == 200
    assert "liis\tviewer" in users(db, "list")
    users(db, "remove", "liis")
    assert client.get("/api/me", headers=auth(new)).status_code == 401
    assert "liis" not in users(db, "list")


def test_users_commands_name_a_missing_user(api, capsys):
    from airsentry.cli import main

    _, _, _, db = api
    assert main(["users", "remove", "nobody", "--db", str(db)]) == 2
    assert "nobody" in capsys.readouterr().err


def test_every_attempt_to_act_is_audited(api):
    client, tokens, ctx, _ = api
    inc = incident(client, tokens["viewer"])
    before = len(list(ctx.desk.log.entries()))
    note = client.post(
        f"/api/incidents/{inc}/notes",
        json={"text": "RAF informed"},
        headers=auth(tokens["operator"]),
    )
    assert note.status_code == 201
    assert audited(ctx, "note")[-1]["decision_id"] == note.json()["id"]
    body = {"action": "engage", "decision": "approve", "note": "now"}
    res = client.post(
        f"/api/incidents/{inc}/decisions", json=body, headers=auth(tokens["operator"])
    )
    assert res.status_code == 403  # the console's own role check
    assert "engage" in str(audited(ctx, "denied")[-1]["attempt"])
    res = client.post(
        f"/api/incidents/{inc}/decisions", json=body, headers=auth(tokens["commander"])
    )
    assert res.status_code == 403  # the playbook does not recommend it: the desk refuses
    assert audited(ctx, "refusal")[-1]["action"] == "engage"
    ack = client.post(
        f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(tokens["operator"])
    )
    assert ack.status_code == 201
    assert audited(ctx, "acknowledgement")[-1]["decision_id"] == ack.json()["id"]
    assert len(list(ctx.desk.log.entries())) == before + 4
    assert ctx.desk.log.verify() == []


def test_a_torn_audit_log_refuses_decisions_with_503_and_stores_none(demo_db, tmp_path):
    db = copy_db(demo_db, tmp_path / "torn.sqlite")
    ctx = open_context(DeploymentConfig(db=db), [])
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        inc = incident(client, tokens["viewer"])
        ok = client.post(
            f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(tokens["operator"])
        )
        assert ok.status_code == 201
        before = len(ctx.store.decisions_for(inc))
        with ctx.desk.log.path.open("ab") as fh:
            fh.write(b'{"seq": 9')  # a crash mid-write
        res = client.post(
            f"/api/incidents/{inc}/acknowledge", json={}, headers=auth(tokens["operator"])
        )
        assert res.status_code == 503
        assert "torn" in res.json()["detail"]
        assert len(ctx.store.decisions_for(inc)) == before
