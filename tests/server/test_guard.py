"""The server's guards (issue 13, failure 8): request size limit without echo, a rate
limit on failed authentication, the WebSocket's Origin check, security headers, and
``serve`` on a busy port without a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from server_helpers import add_users, copy_db
from starlette.websockets import WebSocketDisconnect

from airsentry.config import DeploymentConfig
from airsentry.server import create_app
from airsentry.server.guard import MAX_BODY, MAX_FAILURES, FailedAuth
from airsentry.server.serving import open_context


@pytest.fixture
def api(demo_db, tmp_path):
    db = copy_db(demo_db, tmp_path / "guard.sqlite")
    ctx = open_context(DeploymentConfig(db=db), [])
    tokens = add_users(ctx)
    with TestClient(create_app(ctx, close_on_shutdown=True)) as client:
        yield client, tokens, ctx


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_huge_note_is_refused_and_not_echoed(api):
    client, tokens, ctx = api
    inc = ctx.store.list()[0].id
    huge = "A" * (20 << 20)
    res = client.post(
        f"/api/incidents/{inc}/notes", json={"text": huge}, headers=auth(tokens["operator"])
    )
    assert res.status_code == 413
    assert len(res.content) < 1000
    # Under the limit but over the field's length: 422, naming the field, not echoing it.
    res = client.post(
        f"/api/incidents/{inc}/notes",
        json={"text": "B" * (MAX_BODY // 2)},
        headers=auth(tokens["operator"]),
    )
    assert res.status_code == 422
    assert "BBBB" not in res.text
    assert res.json()["detail"][0]["loc"] == ["body", "text"]


def test_a_chunked_body_over_the_limit_is_refused(api):
    client, tokens, ctx = api
    inc = ctx.store.list()[0].id

    def chunks():
        for _ in range(10):
            yield b"x" * MAX_BODY

    res = client.post(
        f"/api/incidents/{inc}/notes",
        content=chunks(),
        headers={**auth(tokens["operator"]), "Content-Type": "application/json"},
    )
    assert res.status_code == 413


def test_security_headers_on_console_and_api(api):
    client, tokens, _ = api
    for res in (client.get("/"), client.get("/api/me", headers=auth(tokens["viewer"]))):
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "no-referrer"
        assert res.headers["x-frame-options"] == "DENY"


def test_failed_authentication_is_rate_limited(api):
    client, tokens, _ = api
    for _ in range(MAX_FAILURES):
        assert client.get("/api/me", headers=auth("guess")).status_code == 401
    res = client.get("/api/me", headers=auth("guess"))
    assert res.status_code == 429
    assert int(res.headers["retry-after"]) > 0
    # even a good token waits: the address is over its budget
    assert client.get("/api/me", headers=auth(tokens["viewer"])).status_code == 429


def test_the_limit_forgets_after_its_window():
    limiter = FailedAuth(limit=3, window_s=10)
    for t in (0.0, 1.0, 2.0):
        limiter.failed("a", now=t)
    assert limiter.blocked("a", now=3.0) == pytest.approx(7.0)
    assert limiter.blocked("b", now=3.0) == 0
    assert limiter.blocked("a", now=10.5) == 0


def test_websocket_refuses_another_origin(api):
    client, tokens, _ = api
    url = f"/api/stream?token={tokens['viewer']}"
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(url, headers={"Origin": "https://evil.example"}) as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4403
    with client.websocket_connect(url, headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "status"


def test_serve_on_a_busy_port_says_so_without_a_traceback(tmp_path):
    busy = socket.create_server(("127.0.0.1", 0))
    port = busy.getsockname()[1]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "airsentry.cli", "serve", "--port", str(port),
             "--db", str(tmp_path / "x.sqlite")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        busy.close()
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert str(port) in done.stderr
