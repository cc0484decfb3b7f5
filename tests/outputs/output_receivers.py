"""Real receivers for the outputs' tests, on 127.0.0.1 with free ports.

* :class:`Broker`: Debian's ``mosquitto`` (``scripts/test`` installs it), with
  persistence, so a subscriber's session survives a broker restart;
* :class:`WebhookReceiver`: an HTTP server that checks the Standard Webhooks signature
  and answers 500 while it is told to fail;
* :class:`CotListener`: a TCP server that keeps every byte it receives.
Each can be stopped and started again on the same port (a receiver restart).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import takproto


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Any, timeout_s: float = 20.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


class Broker:
    """A mosquitto process on a free port, restartable, with on-disk persistence."""

    def __init__(self, folder: Path) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        assert Path(exe).exists(), "mosquitto is not installed (scripts/test installs it)"
        self.exe = exe
        self.port = free_port()
        self.folder = folder
        self.conf = folder / "mosquitto.conf"
        # As root, mosquitto drops to its own user, which cannot write the test's private
        # folder: its persistence (the subscriber's session across a restart) would be
        # lost silently. Keep it root then; as another user the option is not needed.
        user = "user root\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {folder}/\n"
            f"autosave_interval 1\n{user}",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False

        assert wait_until(up, 10.0), "mosquitto did not start"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class WebhookReceiver:
    """Checks each request's signature; answers 500 while ``failing`` (or for the first
    ``fail_first`` requests), else 200; keeps the accepted bodies by webhook-id."""

    def __init__(self, secret: bytes, *, fail_first: int = 0) -> None:
        self.secret = secret
        self.port = free_port()
        self.fail_first = fail_first
        self.failing = False
        self.requests = 0
        self.bad_signatures = 0
        self.accepted: dict[str, list[dict[str, Any]]] = {}
        self._server: ThreadingHTTPServer | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests += 1
                msg_id = self.headers["webhook-id"]
                ts = self.headers["webhook-timestamp"]
                expected = base64.b64encode(
                    hmac.new(
                        receiver.secret, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256
                    ).digest()
                ).decode()
                given = [s.split(",", 1)[1] for s in self.headers["webhook-signature"].split()]
                if expected not in given or abs(time.time() - int(ts)) > 300:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.failing or receiver.requests <= receiver.fail_first:
                    self.send_response(500)
                else:
                    receiver.accepted.setdefault(msg_id, []).append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

        return Handler

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class CotListener:
    """A TCP server that keeps what every connection sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.data = bytearray()
        self._sock: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen()
        self._sock = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        try:
            while chunk := conn.recv(65536):
                with self._lock:
                    self.data += chunk
        except OSError:
            return

    def stop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            self._sock.close()
            self._sock = None
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()

    def snapshot(self) -> bytes:
        with self._lock:
            return bytes(self.data)


class Subscriber:
    """A persistent-session MQTT subscriber (QoS 1) that keeps every message by topic."""

    def __init__(self, broker: Broker, prefix: str) -> None:
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=f"airsentry-test-sub-{prefix}",  # one persistent session per test
            clean_session=False,
        )
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe(f"{prefix}/#", qos=1)
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        with self.lock:
            self.messages.setdefault(msg.topic, []).append(json.loads(msg.payload))

    def incident_ids(self, topic: str) -> set[str]:
        with self.lock:
            return {m["data"]["id"] for m in self.messages.get(topic, [])}

    def keys(self, topic: str) -> set[str]:
        with self.lock:
            return {m["id"] for m in self.messages.get(topic, [])}

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def cot_events(data: bytes) -> list[Any]:
    """TAK protocol v1 stream frames (0xbf, varint length, TakMessage) parsed by takproto."""
    out, i = [], 0
    while i < len(data):
        assert data[i] == 0xBF, f"not a TAK stream frame at byte {i}"
        n, shift, j = 0, 0, i + 1
        while True:
            b = data[j]
            n |= (b & 0x7F) << shift
            shift += 7
            j += 1
            if not b & 0x80:
                break
        frame = data[i : j + n]
        out.append(takproto.parse_proto(bytearray(frame)).cotEvent)
        i = j + n
    return out
