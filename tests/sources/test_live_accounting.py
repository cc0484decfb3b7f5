"""A live document whose decoder raises is quarantined and counted in the feed's health
(issue 13, failure 3), never lost to a reconnect with "0 rejected"."""

from __future__ import annotations

import asyncio

from test_live import FAST, wait_for
from test_live_support import http_server

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine
from airsentry.sources.live import Feed, HttpPoller, LiveRunner

NESTED = b'{"now": 1720000000, "aircraft": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"


def test_bad_live_documents_are_quarantined_and_counted():
    got: list[ReportBatch] = []
    q = Quarantine()

    with http_server(lambda n: (200, NESTED)) as (base, served):

        async def scenario() -> LiveRunner:
            url = f"{base}/data/aircraft.json"
            feed = Feed("readsb", HttpPoller(url, interval_s=0.01), "aircraft_json", backoff=FAST)
            runner = LiveRunner([feed], got.append, q, window_s=0.1, emit_every_s=0.02)
            task = asyncio.create_task(runner.run())
            await wait_for(lambda: q.count >= 9)
            runner.stop()
            await task
            return runner

        runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    h = runner.health()[0]
    assert h.rejected == q.count >= 9  # each bad document once, in the health too
    assert q.count <= len(served)
    assert h.disconnects == 0  # a bad document is not a broken connection
    assert not got
