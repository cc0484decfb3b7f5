"""A live Beast feed that sends nothing but 0x1a (issue 13, failure 1): the run keeps up,
counts what it rejects in the feed's health, and stops within a second of SIGINT or
SIGTERM while the garbage keeps coming."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest


def garbage_server() -> tuple[socket.socket, threading.Event, list[int]]:
    """A TCP server on 127.0.0.1 streaming 0x1a to each client as fast as it reads."""
    server = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()
    sent = [0]

    def run() -> None:
        conn, _ = server.accept()
        chunk = b"\x1a" * 65_536
        with conn:
            while not done.is_set():
                try:
                    conn.sendall(chunk)
                except OSError:
                    return
                sent[0] += len(chunk)

    threading.Thread(target=run, daemon=True).start()
    return server, done, sent


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_stops_within_a_second_while_a_feed_sends_garbage(tmp_path: Path, sig: int):
    server, done, sent = garbage_server()
    port = server.getsockname()[1]
    config = tmp_path / "airsentry.yaml"
    config.write_text(
        f"""
db: {tmp_path / "store.sqlite"}
quarantine: {tmp_path / "quarantine.jsonl"}
merge: {{window_s: 0.3, emit_every_s: 0.05}}
feeds:
  - name: stuck
    format: beast
    tcp: {{host: 127.0.0.1, port: {port}}}
""",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "airsentry.cli", "run", "--config", str(config)]
    command += ["--status-every", "0"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while sent[0] < 8 << 20:  # 8 MiB of garbage read by the feed
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, f"feed read only {sent[0]} bytes"
            time.sleep(0.05)
        start = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - start
    finally:
        done.set()
        server.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 1.0 + 0.5, f"took {took:.2f} s to stop"  # 0.5 s: interpreter exit
    rejected = int(re.search(r"feed stuck: \w+, .* ([\d,]+) rejected", err)[1].replace(",", ""))  # type: ignore[index]
    assert rejected > 0, err
