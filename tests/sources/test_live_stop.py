"""A stop (SIGINT, SIGTERM) hands on what the run had read, within its time budget, and
accounts for every record (issue 13: the soak's "lost" lines under load).

A TCP session stops reading its socket on a stop but yields what it had already taken
from the kernel; the runner decodes it, flushes the decoders and hands the held reports
to the sink until ``stop_s`` has passed, counting the rest as skipped
(``STOPPED_REASON``): records read = accepted + rejected + skipped, exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta

from test_live import FAST, wait_for
from test_live_support import KillableServer

from airsentry.model import ReportBatch
from airsentry.sources._live_transports import READ_BYTES, TcpClient
from airsentry.sources.base import Quarantine
from airsentry.sources.base import decoder as new_decoder
from airsentry.sources.live import STOPPED_REASON, Feed, HttpPoller, LiveRunner


def sbs_positions(n: int) -> bytes:
    """``n`` SBS airborne positions of 50 aircraft, 1 ms apart in event time."""
    t0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        t = t0 + timedelta(milliseconds=i)
        stamp = f"{t:%Y/%m/%d},{t:%H:%M:%S}.{t.microsecond // 1000:03d}"
        out.append(
            f"MSG,3,1,1,{0x400000 + i % 50:06X},1,{stamp},{stamp},,35000,,,"
            f"{47 + (i % 50) * 0.01:.5f},{8 + i * 1e-5:.5f},,,0,0,0,0\n"
        )
    return "".join(out).encode()


@contextlib.asynccontextmanager
async def _stopped_after_reading(payload: bytes) -> AsyncIterator[AsyncGenerator[bytes, None]]:
    """A TCP session that has read all of ``payload`` from a local server, then stopped;
    closed (and the server killed) on the way out."""
    server = KillableServer(payload, chunk=len(payload))
    port = await server.start()
    stop = asyncio.Event()
    session = TcpClient("127.0.0.1", port).session(stop)
    try:
        assert await anext(session) == b""
        await wait_for(lambda: server.sent == len(payload))
        await asyncio.sleep(0.2)  # the loop reads the socket into the session's buffer
        stop.set()
        yield session
    finally:
        await session.aclose()
        await server.kill()


def test_a_stopped_tcp_session_yields_what_it_had_read_then_ends():
    payload = sbs_positions(1_000)  # about 90 kB: all of it read before the stop

    async def scenario() -> tuple[int, float]:
        async with _stopped_after_reading(payload) as session:
            began = time.monotonic()
            got = sum([len(chunk) async for chunk in session])
            return got, time.monotonic() - began

    got, took = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert got == len(payload)  # nothing taken from the socket is dropped
    assert took < 0.5


def test_a_stopped_tcp_session_hands_on_what_it_holds_in_one_piece():
    """A TCP session stopped with several reads' worth held (a feed behind under load)
    yields all of it at once: the runner decodes a piece without giving the loop a turn,
    so a stop budget that runs out (the feed task cancelled) can no longer cut the drain
    after its first read's worth and lose the rest uncounted (issue 13). Here the consumer
    takes one piece after the stop and goes, as a cancelled feed task does."""
    payload = sbs_positions(3 * READ_BYTES // 90)  # three reads' worth, all read before the stop
    q = Quarantine()

    async def scenario() -> int:
        async with _stopped_after_reading(payload) as session:
            piece = await anext(session)  # then the cancelled task's session is closed
        decoder = new_decoder("sbs")
        reports = len(decoder.feed(piece, q)) + len(decoder.flush(q))
        assert len(piece) == len(payload)
        return reports

    reports = asyncio.run(asyncio.wait_for(scenario(), 10))
    # sent = accepted + rejected + skipped, exactly, though only one piece was taken
    assert payload.count(b"\n") == reports + q.count + sum(q.skipped.values())


def test_a_busy_tcp_session_hands_on_its_bytes_in_few_large_pieces():
    """What a session holds goes to the decoder up to ``READ_BYTES`` (256 kB) at a time,
    not a socket read's worth: decoding costs per piece as well as per report (SBS in
    64 kB pieces took 1.95x the CPU per report of 256 kB, ``benchmarks/live_pieces.py``),
    so a feed that is behind catches up in few, large pieces."""
    payload = sbs_positions(9_000)  # about 900 kB

    async def scenario() -> list[bytes]:
        server = KillableServer(payload, chunk=len(payload))
        port = await server.start()
        session = TcpClient("127.0.0.1", port).session()
        try:
            assert await anext(session) == b""
            await wait_for(lambda: server.sent == len(payload))
            await asyncio.sleep(0.2)  # the loop reads the socket into the session's buffer
            pieces: list[bytes] = []
            while sum(map(len, pieces)) < len(payload):
                pieces.append(await anext(session))
            return pieces
        finally:
            await session.aclose()
            await server.kill()

    pieces = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert b"".join(pieces) == payload
    assert all(len(p) >= 256 * 1024 for p in pieces[:-1])
    assert len(pieces) <= 4  # 64 kB pieces would have been 15


def test_a_stop_accounts_for_every_line_read_within_its_budget():
    payload = sbs_positions(60_000)  # 60 s of event time, held by a 120 s merge window
    q = Quarantine()
    taken: list[int] = []

    def slow_sink(batch: ReportBatch) -> None:
        time.sleep(0.05)  # a pipeline slower than the feed: a stop finds reports held
        taken.append(len(batch))

    async def scenario() -> tuple[LiveRunner, float]:
        server = KillableServer(payload, chunk=1 << 16)
        port = await server.start()
        feed = Feed("f", TcpClient("127.0.0.1", port), "sbs", backoff=FAST)
        runner = LiveRunner([feed], slow_sink, q, window_s=120.0, emit_every_s=0.05, stop_s=0.4)
        task = asyncio.create_task(runner.run())
        try:
            await wait_for(lambda: runner.health()[0].bytes > len(payload) // 2, 10)
            runner.stop()
            began = time.monotonic()
            await task
            return runner, time.monotonic() - began
        finally:
            await server.kill()

    runner, took = asyncio.run(asyncio.wait_for(scenario(), 20))
    read = runner.health()[0].bytes
    assert 0 < read < len(payload)  # stopped mid-stream
    lines = payload[:read].count(b"\n") + (not payload[:read].endswith(b"\n"))
    assert q.skipped[STOPPED_REASON] == runner.unprocessed > 0  # the budget ran out
    assert lines == sum(taken) + q.count + sum(q.skipped.values())
    assert sum(taken) == runner.delivered
    assert took < 1.0


def test_a_stop_does_not_wait_for_a_get_in_flight():
    """An HTTP feed stopped while its GET waits on a server that never answers: the run
    ends within the 1-second stop rule, not after the GET's timeout (the GET ran on the
    loop's executor, whose threads are joined when the loop closes)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:  # take the connection and the request; never answer
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            held.append(conn)
            conn.recv(4096)

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data/aircraft.json"
    feed = Feed("readsb", HttpPoller(url, timeout_s=5.0), "aircraft_json", backoff=FAST)
    runner = LiveRunner([feed], lambda b: None, Quarantine(), window_s=0.1, emit_every_s=0.02)

    async def scenario() -> None:
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: bool(held))  # the GET is in flight
        await asyncio.sleep(0.1)
        runner.stop()
        await task

    try:
        started = time.monotonic()
        asyncio.run(scenario())
        stopped = time.monotonic()
    finally:
        for conn in held:
            conn.close()
        listener.close()
    assert held, "the poller never sent its GET"
    assert stopped - started < 1.0 + 0.1 + 1.0  # the GET's wait, its 0.1 s, the stop rule
