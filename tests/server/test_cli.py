"""``airsentry users``, ``airsentry serve`` and ``airsentry demo --serve`` as a user runs
them: real processes, a server on 127.0.0.1 on an ephemeral port, stopped by the test."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from airsentry.cli import main


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_users_add_prints_a_new_token_once_and_lists_roles(tmp_path):
    db = tmp_path / "u.sqlite"
    code, out, _ = run_cli("users", "add", "ana", "--role", "commander", "--db", str(db))
    token = out.strip()
    assert code == 0
    assert len(token) >= 40
    code, out2, _ = run_cli("users", "add", "bo", "--role", "viewer", "--db", str(db))
    assert out2.strip() != token
    assert run_cli("users", "list", "--db", str(db))[1].splitlines() == [
        "ana\tcommander",
        "bo\tviewer",
    ]
    assert token not in db.read_bytes().decode("latin-1")  # only the hash is kept
    code, _, err = run_cli("users", "add", "ana", "--role", "viewer", "--db", str(db))
    assert code == 2
    assert "exists" in err
    code, out3, _ = run_cli("users", "add", "ana", "--role", "viewer", "--replace", "--db", str(db))
    assert code == 0
    assert out3.strip() != token


def test_serve_refuses_an_unreadable_live_config(tmp_path):
    code, _, err = run_cli("serve", "--db", str(tmp_path / "s.sqlite"), "--config", "nope.yaml")
    assert code == 2
    assert "nope.yaml" in err


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str] | None = None):
    """A CLI process whose stdout lines are collected; interrupted and reaped on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "airsentry.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        yield proc, lines
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def console_url(lines: list[str], proc, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(lines):
            if m := re.search(r"console: (http://127\.0\.0\.1:\d+/\S*)", line):
                return m.group(1)
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.1)
    raise AssertionError("the server never printed its address")


def test_serve_runs_a_replay_on_localhost(tmp_path):
    db = tmp_path / "serve.sqlite"
    token = run_cli("users", "add", "ana", "--role", "operator", "--db", str(db))[1].strip()
    args = ["serve", "--db", str(db), "--port", "0", "--demo", "--speed", "0"]
    with process(args) as (proc, lines):
        url = console_url(lines, proc)
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(url + "api/me", headers=h).json() == {"name": "ana", "role": "operator"}
        assert httpx.get(url + "api/me").status_code == 401
        assert "maplibre-gl" in httpx.get(url).text
    assert proc.returncode in (0, -signal.SIGINT)


@pytest.mark.slow
def test_demo_serve_opens_the_demo_in_the_console(tmp_path):
    db = tmp_path / "demo.sqlite"
    # BROWSER=true: the webbrowser module "opens" the page with /bin/true
    with process(["demo", "--serve", "--db", str(db)], env={"BROWSER": "true"}) as (proc, lines):
        url = console_url(lines, proc)
        base, token = url.split("#token=")
        incidents = httpx.get(
            base + "api/incidents", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert {"sovereign:EST", "sovereign:POL"} <= {i["zone_id"] for i in incidents}
        assert any("Estonia" in line for line in lines)  # the demo's timeline came first
    assert Path(db).exists()


def sbs_lines(t0: datetime, seconds: int) -> list[str]:
    """Two aircraft reporting position (MSG,3) once a second from ``t0``, in SBS-1."""
    lines = []
    for k in range(seconds):
        t = t0 + timedelta(seconds=k)
        day, clock = t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S.%f")[:-3]
        for hexid, lat, lon in (("4CA1D3", 52.0, 10.0 + 0.01 * k), ("3C6586", 50.0, 8.0)):
            pos = f",35000,,,{lat:.5f},{lon:.5f},,,0,0,0,0"
            lines.append(f"MSG,3,1,1,{hexid},1,{day},{clock},{day},{clock},{pos}")
    return lines


def test_serve_runs_the_live_feeds_of_a_configuration(tmp_path):
    db = tmp_path / "live.sqlite"
    log = tmp_path / "sbs.log"
    log.write_text("\n".join(sbs_lines(datetime.now(UTC) - timedelta(seconds=20), 10)) + "\n")
    config = tmp_path / "deploy.yaml"
    config.write_text(
        "feeds:\n"
        "  - name: sbs-tail\n"
        "    format: sbs\n"
        "    file: {path: sbs.log, from_start: true, poll_s: 0.1}\n"
        "db: live.sqlite\n"
        "merge: {window_s: 0.5, emit_every_s: 0.1}\n"
    )
    token = run_cli("users", "add", "ana", "--role", "viewer", "--db", str(db))[1].strip()
    h = {"Authorization": f"Bearer {token}"}
    with process(["serve", "--config", str(config), "--port", "0"]) as (proc, lines):
        url = console_url(lines, proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until every line went through the pipeline
            status = httpx.get(url + "api/status", headers=h).json()
            if status["reports"] == 20:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # the next track snapshot
        tracks = httpx.get(url + "api/tracks", headers=h).json()
        assert {t["identity"] for t in tracks} == {"icao:4ca1d3", "icao:3c6586"}
        sensors = httpx.get(url + "api/sensors", headers=h).json()
        assert [(s["name"], s["reports"]) for s in sensors] == [("sbs-tail", 20)]
