"""``airsentry run --config`` against a live SBS server, and ``airsentry replay --speed``.

The flight is the real Rega helicopter of the ``traffic`` wheel (as SBS text); a
temporary restricted zone over its path makes the pipeline raise an entry.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_live_support import rega_sbs

from airsentry.cli import main
from airsentry.incidents import IncidentStore

ZONE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "zrh-tra", "kind": "temporary", "owner": "CHE"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[8.56, 47.35], [8.60, 47.35], [8.60, 47.38], [8.56, 47.38], [8.56, 47.35]]
                ],
            },
        }
    ],
}


@pytest.fixture(scope="module")
def sbs_file(traffic_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rega")
    path = folder / "rega.sbs"
    path.write_bytes(rega_sbs(traffic_wheel))
    (folder / "zone.geojson").write_text(json.dumps(ZONE), encoding="utf-8")
    return path


def serve_once(data: bytes) -> tuple[socket.socket, threading.Event]:
    """A TCP server on 127.0.0.1 that sends ``data`` to one client and keeps it open."""
    server = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(data)
            done.wait(30)

    threading.Thread(target=run, daemon=True).start()
    return server, done


def test_run_serves_live_feeds_until_interrupted(sbs_file: Path, tmp_path: Path):
    server, done = serve_once(sbs_file.read_bytes())
    port = server.getsockname()[1]
    events, db = tmp_path / "events.jsonl", tmp_path / "store.sqlite"
    config = tmp_path / "airsentry.yaml"
    config.write_text(
        f"""
db: {db}
events_out: {events}
protect: all
zones: {{default: false, files: [{sbs_file.parent / "zone.geojson"}]}}
merge: {{window_s: 0.3, emit_every_s: 0.05}}
feeds:
  - name: zurich-sbs
    format: sbs
    tcp: {{host: 127.0.0.1, port: {port}}}
  - name: nobody-home
    format: beast
    tcp: {{host: 127.0.0.1, port: 9}}
    reconnect: {{initial_s: 0.1, max_s: 0.5}}
""",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "airsentry.cli", "run", "--config", str(config)]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (events.exists() and '"entry"' in events.read_text(encoding="utf-8")):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no entry event in time"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        done.set()
        server.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped: 339 reports" in err  # every position of the flight, none lost
    assert "feed nobody-home: stopped" in err
    assert "failed attempts" in err
    entry = next(json.loads(x) for x in events.read_text().splitlines() if '"entry"' in x)
    assert entry["sensor"] == "zurich-sbs"
    assert entry["zone_id"] == "zrh-tra"
    with IncidentStore(db) as store:
        assert any(inc.zone_id == "zrh-tra" for inc in store.list())


def test_replay_speed_paces_and_changes_nothing(sbs_file: Path, tmp_path: Path):
    zone = str(sbs_file.parent / "zone.geojson")
    common = ["replay", str(sbs_file), "--format", "sbs", "--no-default-zones", "--zones", zone]
    outputs = []
    for speed in ("0", "200"):
        out = tmp_path / f"events-{speed}.jsonl"
        start = time.monotonic()
        rc = main(
            [
                *common,
                "--speed",
                speed,
                "--db",
                str(tmp_path / f"{speed}.db"),
                "--events-out",
                str(out),
            ]
        )
        outputs.append((time.monotonic() - start, out.read_text(encoding="utf-8")))
        assert rc == 0
    (_, events_fast), (paced, events_paced) = outputs
    assert '"entry"' in events_fast
    assert summary(events_paced) == summary(events_fast)  # same events, whatever the pace
    assert paced >= 338 / 200 - 0.05  # the flight lasts 338 s; at 200x, 1.7 s


def summary(text: str) -> list[tuple[object, ...]]:
    """What each event says (kind, time, zone, target, position), to the micrometre.

    Batches of another size change the last bits of derived floats, not the events.
    """
    keys = ("kind", "time", "zone_id", "identity", "track_id", "authorised")
    rows = [json.loads(line) for line in text.splitlines()]
    return [(*(e[k] for k in keys), round(e["lat"], 9), round(e["lon"], 9)) for e in rows]


def test_replay_refuses_a_negative_speed(sbs_file: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as info:
        main(["replay", str(sbs_file), "--format", "sbs", "--speed", "-2"])
    assert info.value.code == 2
    assert "'-2' is not a number >= 0" in capsys.readouterr().err
