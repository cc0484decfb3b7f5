"""A live document whose decoder raises is quarantined and counted in the feed's health
(issue 13, failure 3), never lost to a reconnect with "0 rejected"."""

from __future__ import annotations

import asyncio
import http.server
import threading

from test_live import FAST, wait_for

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine
from airsentry.sources.live import Feed, HttpPoller, LiveRunner

NESTED = b'{"now": 1720000000, "aircraft": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"


def test_bad_live_documents_are_quarantined_and_counted():
    served: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(1)
            self.send_response(200)
            self.send_header("Content-Length", str(len(NESTED)))
            self.end_headers()
            self.wfile.write(NESTED)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/data/aircraft.json"
    got: list[ReportBatch] = []
    q = Quarantine()

    async def scenario() -> LiveRunner:
        feed = Feed("readsb", HttpPoller(url, interval_s=0.01), "aircraft_json", backoff=FAST)
        runner = LiveRunner([feed], got.append, q, window_s=0.1, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: q.count >= 9)
        runner.stop()
        await task
        return runner

    try:
        runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    finally:
        httpd.shutdown()
        httpd.server_close()
    h = runner.health()[0]
    assert h.rejected == q.count >= 9  # each bad document once, in the health too
    assert q.count <= len(served)
    assert h.disconnects == 0  # a bad document is not a broken connection
    assert not got
