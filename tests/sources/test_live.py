"""Live feeds over real sockets on 127.0.0.1: reconnects, merge order, health, transports.

Every test runs its own asyncio loop and stops by itself within a few seconds. The data
is a real flight (the Rega helicopter of the ``traffic`` wheel) written as SBS text.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import socket
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from test_asterix_real import DAY, RADAR, samples
from test_live_support import (
    REGA,
    KillableServer,
    http_server,
    is_time_ordered,
    positions,
    rega_sbs,
)

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder, read_file
from airsentry.sources.live import (
    Backoff,
    Dropped,
    Feed,
    FeedState,
    FileTail,
    HttpPoller,
    LiveRunner,
    Merger,
    TcpClient,
    UdpReceiver,
    pace,
)

__all__ = ["samples"]  # the ASTERIX sdist fixture, shared with test_asterix_real

FAST = Backoff(initial_s=0.05, max_s=0.2, factor=2.0, jitter=0.5)


@pytest.fixture(scope="module")
def sbs_bytes(traffic_wheel: Path) -> bytes:
    return rega_sbs(traffic_wheel)


def decode_file(data: bytes, tmp: Path) -> ReportBatch:
    path = tmp / "ref.sbs"
    path.write_bytes(data)
    return ReportBatch.concat(list(read_file(path, "sbs", Quarantine())))


async def wait_for(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_tcp_feed_reconnects_and_loses_nothing_after_restart(sbs_bytes: bytes, tmp_path: Path):
    """The server dies in the middle of a line and comes back with the lines after it."""
    lines_at = np.flatnonzero(np.frombuffer(sbs_bytes, np.uint8) == ord("\n")) + 1
    # cut inside a position line halfway through the recording
    k = next(int(s) for s in lines_at[len(lines_at) // 2 :] if sbs_bytes[s : s + 5] == b"MSG,3")
    cut = k + 40
    resume = int(lines_at[lines_at > cut][0])
    reference = decode_file(sbs_bytes[:k] + sbs_bytes[resume:], tmp_path)
    after = decode_file(sbs_bytes[resume:], tmp_path)  # positions sent after the restart
    got: list[ReportBatch] = []
    quarantine = Quarantine()

    async def scenario() -> LiveRunner:
        first = KillableServer(sbs_bytes[:cut])
        port = await first.start()
        feed = Feed("rx1", TcpClient("127.0.0.1", port, idle_timeout_s=5), "sbs", backoff=FAST)
        runner = LiveRunner([feed], got.append, quarantine, window_s=0.3, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: first.sent == cut)
        await asyncio.sleep(0.05)
        await first.kill()
        await wait_for(lambda: runner.health()[0].failures >= 1)  # refused while down
        second = KillableServer(sbs_bytes[resume:], port=port)
        await second.start()
        await wait_for(lambda: runner.delivered >= len(reference))
        runner.stop()
        await task
        await second.kill()
        return runner

    runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert positions(after) <= positions(merged)
    assert positions(merged) == positions(reference)
    assert len(merged) == len(reference)  # no duplicates either
    assert is_time_ordered(got)
    assert set(merged.sensor) == {"rx1"}
    assert set(merged.callsign) == {"REGA1"}  # carried across the reconnection
    # the half line of the dead connection was rejected, not glued to the next one
    assert quarantine.count == 1
    assert quarantine.records[0]["reason"] == "stream cut inside a line"
    h = runner.health()[0]
    assert h.connects == 2
    assert h.disconnects >= 1
    assert h.state is FeedState.STOPPED
    assert h.reports == len(reference)
    assert h.rejected == 1


def test_a_dead_feed_is_retried_while_the_others_run(sbs_bytes: bytes, tmp_path: Path):
    dead_port = free_port()  # nothing listens there: every attempt is refused
    expected = decode_file(sbs_bytes, tmp_path)
    got: list[ReportBatch] = []

    async def scenario() -> LiveRunner:
        server = KillableServer(sbs_bytes)
        port = await server.start()
        feeds = [
            Feed("good", TcpClient("127.0.0.1", port), "sbs", backoff=FAST),
            Feed("dead", TcpClient("127.0.0.1", dead_port), "sbs", backoff=FAST),
        ]
        runner = LiveRunner(feeds, got.append, Quarantine(), window_s=0.2, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.delivered >= len(expected))
        await wait_for(lambda: runner.health()[1].failures >= 3)
        runner.stop()
        await task
        await server.kill()
        return runner

    runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert positions(ReportBatch.concat(got)) == positions(expected)
    good, dead = runner.health()
    assert good.connects == 1
    assert good.failures == 0
    assert good.reports == len(expected)
    assert dead.connects == 0
    assert dead.reports == 0
    assert "refused" in dead.last_error.lower() or "connect" in dead.last_error.lower()


def test_merger_orders_two_feeds_and_counts_late_reports():
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 100, 2000))
    a, b = t[::2], t[1::2]

    def jittered(x: np.ndarray, name: str) -> Iterator[ReportBatch]:
        noisy = x + rng.uniform(0, 1.0, len(x))  # arrival order: up to 1 s out of order
        order = np.argsort(noisy)
        for part in np.array_split(order, 40):
            yield ReportBatch.build(t=x[part], lat=0.0, lon=0.0, sensor=name)

    q = Quarantine()
    merger = Merger(window_s=2.0, quarantine=q)
    out = []
    for pa, pb in zip(jittered(a, "a"), jittered(b, "b"), strict=True):
        merger.push("a", pa, now=0.0)
        merger.push("b", pb, now=0.0)
        out.append(merger.release(now=0.0))
    assert merger.held > 0  # the last window's worth is held back ...
    out.append(merger.release(now=5.0))  # ... until the feeds have been quiet that long
    merged = ReportBatch.concat(out)
    assert is_time_ordered(out)
    assert np.array_equal(merged.t, t)  # everything, in order, nothing late
    assert sum(merger.late.values()) == 0
    # a report older than the released watermark is counted as late, not passed on
    merger.push("b", ReportBatch.build(t=[merged.t[-1] - 10, 1e9], lat=0, lon=0), now=6.0)
    assert merger.late == {"b": 1}
    assert q.skipped["late: older than the merge watermark"] == 1
    assert len(merger.release(now=100.0)) == 1


def test_backoff_grows_is_capped_and_jittered():
    b = Backoff(initial_s=0.5, max_s=8.0, factor=2.0, jitter=0.25)
    rng = random.Random(3)
    ceilings = [min(8.0, 0.5 * 2**n) for n in range(10)]
    for n, ceiling in enumerate(ceilings):
        draws = [b.delay(n, rng) for _ in range(200)]
        assert 0.75 * ceiling <= min(draws)
        assert max(draws) <= ceiling
        assert max(draws) - min(draws) > 0.1 * ceiling  # jitter actually spreads them
    assert b.delay(10_000, rng) <= 8.0
    with pytest.raises(ValueError, match="initial_s"):
        Backoff(initial_s=5, max_s=1)


def test_udp_unicast_datagrams(sbs_bytes: bytes, tmp_path: Path):
    """Each datagram is a whole message (here a few SBS lines)."""
    lines = sbs_bytes.splitlines(keepends=True)
    grams = [b"".join(lines[i : i + 7]) for i in range(0, len(lines), 7)]
    expected = decode_file(sbs_bytes, tmp_path)
    port = free_port(socket.SOCK_DGRAM)
    got: list[ReportBatch] = []

    async def scenario() -> LiveRunner:
        feed = Feed("udp1", UdpReceiver(port, host="127.0.0.1"), "sbs", backoff=FAST)
        runner = LiveRunner([feed], got.append, Quarantine(), window_s=0.2, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].state is FeedState.CONNECTED)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for g in grams:
                tx.sendto(g, ("127.0.0.1", port))
                await asyncio.sleep(0.0005)
        await wait_for(lambda: runner.delivered >= len(expected))
        runner.stop()
        await task
        return runner

    runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert positions(ReportBatch.concat(got)) == positions(expected)
    assert runner.health()[0].bytes == len(sbs_bytes)


def test_udp_rejects_a_non_multicast_group():
    with pytest.raises(ValueError, match="multicast"):
        UdpReceiver(30_000, group="10.1.2.3")


def test_http_polling_of_a_document(tmp_path: Path):
    """A polled document (an OpenSky state-vector CSV) is decoded whole, poll after poll;
    a server that answers with errors is retried."""
    docs = [
        b"time,icao24,lat,lon,baroaltitude\n1700000000,4b43ac,47.0,8.0,1000\n",
        b"time,icao24,lat,lon,baroaltitude\n1700000001,4b43ac,47.001,8.001,1000\n",
    ]
    got: list[ReportBatch] = []

    def answer(n: int) -> tuple[int, bytes]:
        return (503, b"") if n == 1 else (200, docs[min(n // 2, 1)])  # one failure: retried

    with http_server(answer) as (base, _):

        async def scenario() -> LiveRunner:
            url = f"{base}/data.csv"
            feed = Feed("poll", HttpPoller(url, interval_s=0.05), "opensky", backoff=FAST)
            runner = LiveRunner([feed], got.append, Quarantine(), window_s=0.1, emit_every_s=0.02)
            task = asyncio.create_task(runner.run())
            await wait_for(lambda: len({float(t) for b in got for t in b.t}) >= 2)
            runner.stop()
            await task
            return runner

        runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert {float(t) for t in merged.t} == {1_700_000_000.0, 1_700_000_001.0}
    assert set(merged.identity) == {"icao:4b43ac"}
    h = runner.health()[0]
    assert "503" in h.last_error
    assert h.connects >= 2


def test_file_tail_follows_growth_and_rotation(sbs_bytes: bytes, tmp_path: Path):
    lines = sbs_bytes.splitlines(keepends=True)
    third = len(lines) // 3
    parts = [b"".join(lines[:third]), b"".join(lines[third : 2 * third])]
    parts.append(b"".join(lines[2 * third :]))
    log = tmp_path / "feed.sbs"
    log.write_bytes(b"")
    expected = decode_file(sbs_bytes, tmp_path)
    got: list[ReportBatch] = []

    async def scenario() -> LiveRunner:
        feed = Feed("tail", FileTail(log, poll_s=0.02), "sbs", backoff=FAST)
        runner = LiveRunner([feed], got.append, Quarantine(), window_s=0.1, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].state is FeedState.CONNECTED)
        with log.open("ab") as fh:  # the file grows in pieces, lines cut anywhere
            for i in range(0, len(parts[0]), 1000):
                fh.write(parts[0][i : i + 1000])
                fh.flush()
                await asyncio.sleep(0.005)
        log.rename(tmp_path / "feed.sbs.1")  # rotation: rename, then a new file
        await asyncio.sleep(0.05)
        log.write_bytes(parts[1])
        await wait_for(lambda: runner.health()[0].connects >= 2)
        with log.open("r+b") as fh:  # then truncated (copytruncate) and written again
            fh.truncate(0)
        await wait_for(lambda: runner.health()[0].connects >= 3)
        with log.open("ab") as fh:
            fh.write(parts[2])
        await wait_for(lambda: runner.delivered >= len(expected))
        runner.stop()
        await task
        return runner

    runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert positions(ReportBatch.concat(got)) == positions(expected)
    assert runner.health()[0].rejected == 0


def test_file_tail_starts_at_the_end_unless_asked(tmp_path: Path):
    log = tmp_path / "old.sbs"
    log.write_bytes(
        b"MSG,3,1,1,4B43AC,1,2019/05/24,21:18:39.000,2019/05/24,21:18:39.000,,1950,,,47.3,8.5,,,0,0,0,0\n"
    )

    async def first_chunk(tail: FileTail) -> bytes:
        session = tail.session()
        assert await anext(session) == b""  # opened
        try:
            return await asyncio.wait_for(anext(session), 0.2)
        except TimeoutError:
            return b""
        finally:
            await session.aclose()

    assert asyncio.run(first_chunk(FileTail(log))) == b""
    assert asyncio.run(first_chunk(FileTail(log, from_start=True))).startswith(b"MSG,3")


def test_silence_is_noticed_while_connected(sbs_bytes: bytes):
    async def scenario() -> LiveRunner:
        server = KillableServer(sbs_bytes[:2000])  # a little, then nothing
        port = await server.start()
        feed = Feed("quiet", TcpClient("127.0.0.1", port), "sbs", backoff=FAST, silence_s=0.2)
        runner = LiveRunner([feed], lambda b: None, Quarantine(), emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].silent)
        runner.stop()
        await task
        await server.kill()
        return runner

    h = asyncio.run(asyncio.wait_for(scenario(), 10)).health()[0]
    assert h.silences == 1
    assert h.connects == 1
    assert h.bytes == 2000


def test_sbs_line_decoder_matches_the_file_reader_whatever_the_pieces(
    sbs_bytes: bytes, tmp_path: Path
):
    expected = decode_file(sbs_bytes, tmp_path)
    rng = np.random.default_rng(7)
    cuts = np.sort(rng.choice(len(sbs_bytes), 60, replace=False))
    dec, q = decoder("sbs", source="x"), Quarantine()
    pieces = np.split(np.frombuffer(sbs_bytes, np.uint8), cuts)
    out = [dec.feed(p.tobytes(), q) for p in pieces] + [dec.flush(q)]
    got = ReportBatch.concat(out)
    assert q.count == 0
    assert np.array_equal(got.t, expected.t)
    assert np.array_equal(got.lat, expected.lat)
    assert np.allclose(got.vel_e, expected.vel_e, equal_nan=True)
    assert list(got.callsign) == list(expected.callsign)


def test_pace_releases_at_the_requested_speed():
    t = 1_700_000_000 + np.linspace(0.0, 3.0, 301)
    batches = [
        ReportBatch.build(t=t[:150], lat=0, lon=0),
        ReportBatch.build(t=t[150:], lat=0, lon=0),
    ]
    start = time.monotonic()
    stamps = []
    out = []
    for b in pace(batches, speed=10.0):
        stamps.append((time.monotonic() - start, float(b.t[0]) - t[0]))
        out.append(b)
    elapsed = time.monotonic() - start
    assert np.array_equal(ReportBatch.concat(out).t, t)
    assert 0.28 <= elapsed < 1.0  # 3 s of events at 10x: 0.3 s
    # no slice leaves before its time (event offset / speed)
    assert all(wall >= ev / 10.0 - 0.005 for wall, ev in stamps)
    assert list(pace(batches, speed=0)) == batches
    with pytest.raises(ValueError, match="speed"):
        list(pace(batches, speed=-1))


def test_health_snapshot_is_frozen():
    feed = Feed("x", TcpClient("127.0.0.1", 9), "sbs")
    runner = LiveRunner([feed], lambda b: None, Quarantine())
    snap = runner.health()[0]
    assert snap.state is FeedState.CONNECTING
    assert snap.where == "tcp://127.0.0.1:9"
    with pytest.raises(AttributeError):
        snap.reports = 3  # type: ignore[misc]


def test_asterix_over_udp_matches_the_file_decoder(samples: Path):
    """Real ASTERIX recordings (the ``asterix-decoder`` sdist), one data block per datagram:
    the same tracks and plots as the file reader gives, placed on the same day."""
    day = DAY
    noon = datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp() + 43_200
    data = b"".join((samples / n).read_bytes() for n in ("cat048.raw", "cat062cat065.raw"))
    blocks, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos + 1 : pos + 3], "big")
        blocks.append(data[pos : pos + size])
        pos += size
    file = samples.parent / "both.raw"
    file.write_bytes(data)
    expected = ReportBatch.concat(read_file(file, "asterix", Quarantine(), date=day, radars=RADAR))
    assert len(expected) >= 2
    port = free_port(socket.SOCK_DGRAM)
    got: list[ReportBatch] = []
    options = {"date": day, "radars": RADAR, "clock": lambda: noon}

    async def scenario() -> LiveRunner:
        receiver = UdpReceiver(port, host="127.0.0.1")
        feed = Feed("radar", receiver, "asterix", options=options, backoff=FAST)
        runner = LiveRunner([feed], got.append, Quarantine(), window_s=0.1, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].state is FeedState.CONNECTED)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for block in blocks:
                tx.sendto(block, ("127.0.0.1", port))
        await wait_for(lambda: runner.delivered >= len(expected))
        runner.stop()
        await task
        return runner

    asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert positions(merged) == positions(expected)
    assert set(merged.sensor) == {"radar"}


def test_http_polling_of_aircraft_json_passes_each_position_once(traffic_wheel: Path):
    """Snapshots built from the real Rega flight, each served twice (a receiver polled
    faster than it updates): every position arrives once, none twice."""
    with zipfile.ZipFile(traffic_wheel) as z:
        flight = json.loads(gzip.decompress(z.read(REGA)))[:40]
    snaps = [
        json.dumps(
            {
                "now": r["timestamp"] / 1000 + 0.5,
                "aircraft": [
                    {"hex": r["icao24"], "lat": r["latitude"], "lon": r["longitude"],
                     "seen_pos": 0.5, "alt_baro": r["altitude"], "flight": "REGA1   "},
                    {"hex": "~abcdef", "seen": 1.0},  # no position: counted, not passed
                ],
            }
        ).encode()
        for r in flight
    ]  # fmt: skip
    got: list[ReportBatch] = []
    q = Quarantine()

    with http_server(lambda n: (200, snaps[min(n // 2, len(snaps) - 1)])) as (base, polls):

        async def scenario() -> None:
            url = f"{base}/data/aircraft.json"
            feed = Feed("readsb", HttpPoller(url, interval_s=0.005), "aircraft_json", backoff=FAST)
            runner = LiveRunner([feed], got.append, q, window_s=0.1, emit_every_s=0.02)
            task = asyncio.create_task(runner.run())
            await wait_for(lambda: len(polls) >= 2 * len(snaps) + 2)
            runner.stop()
            await task

        asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert len(merged) == len(flight)  # each position once
    assert np.allclose(merged.t, [r["timestamp"] / 1000 for r in flight])
    assert np.allclose(merged.lat, [r["latitude"] for r in flight])
    assert set(merged.callsign) == {"REGA1"}
    assert q.skipped["aircraft.json position already seen"] >= len(flight)


def test_file_tail_waits_for_a_file_that_does_not_exist_yet(sbs_bytes: bytes, tmp_path: Path):
    log = tmp_path / "later.sbs"
    expected = decode_file(sbs_bytes, tmp_path)
    got: list[ReportBatch] = []

    async def scenario() -> LiveRunner:
        feed = Feed("late-file", FileTail(log, poll_s=0.02), "sbs", backoff=FAST)
        runner = LiveRunner([feed], got.append, Quarantine(), window_s=0.1, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].failures >= 2)
        log.write_bytes(sbs_bytes)  # appears whole: read from its start
        await wait_for(lambda: runner.delivered >= len(expected))
        runner.stop()
        await task
        return runner

    h = asyncio.run(asyncio.wait_for(scenario(), 15)).health()[0]
    assert positions(ReportBatch.concat(got)) == positions(expected)
    assert h.failures >= 2
    assert h.connects == 1


def test_udp_datagrams_beyond_a_full_queue_are_counted_not_lost():
    """A receiver whose queue is full drops datagrams: each one is counted as skipped,
    with the reason, and its bytes in the feed's health, so that what was sent equals
    what was kept plus what was dropped (it used to vanish without a count)."""
    port = free_port(socket.SOCK_DGRAM)
    grams = [f"datagram {i:04d}\n".encode() for i in range(300)]

    async def scenario() -> tuple[list[bytes], int, int]:
        session = UdpReceiver(port, host="127.0.0.1", max_queue=4).session()
        assert await anext(session) == b""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i, g in enumerate(grams):
                tx.sendto(g, ("127.0.0.1", port))
                if i % 20 == 19:  # small bursts: the kernel's buffer never overflows,
                    await asyncio.sleep(0.005)  # the session's queue (4) does
        kept: list[bytes] = []
        dropped = dropped_bytes = 0
        while len(kept) + dropped < len(grams):
            item = await asyncio.wait_for(anext(session), 2)
            if isinstance(item, bytes):
                kept.append(item)
            else:
                dropped += item.datagrams
                dropped_bytes += item.size
        await session.aclose()
        return kept, dropped, dropped_bytes

    kept, dropped, dropped_bytes = asyncio.run(scenario())
    assert dropped > 0
    assert len(kept) + dropped == len(grams)
    assert sum(map(len, kept)) + dropped_bytes == sum(map(len, grams))


def test_udp_datagrams_the_kernel_drops_are_counted_not_lost():
    """Datagrams that arrive while the loop is busy overflow the socket's receive buffer
    and the kernel drops them: the session reads the socket's drop counter and hands
    them on as skipped with the reason, so that sent = kept + dropped, exactly (they
    used to vanish without a count)."""
    port = free_port(socket.SOCK_DGRAM)
    grams = [f"datagram {i:05d}\n".encode() for i in range(5_000)]

    async def scenario() -> tuple[list[bytes], dict[str, int]]:
        session = UdpReceiver(port, host="127.0.0.1").session()
        assert await anext(session) == b""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for g in grams:  # the loop is blocked: nothing is read meanwhile
                tx.sendto(g, ("127.0.0.1", port))
        kept: list[bytes] = []
        dropped: dict[str, int] = {}
        while len(kept) + sum(dropped.values()) < len(grams):
            item = await asyncio.wait_for(anext(session), 2)
            if isinstance(item, bytes):
                kept.append(item)
            else:
                dropped[item.reason] = dropped.get(item.reason, 0) + item.datagrams
        await session.aclose()
        return kept, dropped

    kept, dropped = asyncio.run(scenario())
    assert dropped.get(Dropped.KERNEL, 0) > 0  # the buffer did overflow
    assert len(kept) + sum(dropped.values()) == len(grams)
    assert len(set(kept)) == len(kept)


def test_a_stop_counts_the_kernel_drops_after_the_last_datagram():
    """Drops after the last datagram received are counted at the stop (the counter is
    read, not carried by a later datagram), and so are the datagrams received and not
    decoded when the stop budget (1 s) ran out (the session was cancelled with them):
    the runner's accounting is exact."""
    port = free_port(socket.SOCK_DGRAM)
    q = Quarantine()
    got: list[ReportBatch] = []
    lines = [
        f"MSG,3,1,1,{0x400000 + i:06X},1,2026/12/04,12:00:00.000,2026/12/04,12:00:00.000,,"
        f"35000,,,47.0,8.0,,,0,0,0,0\n".encode()
        for i in range(3_000)
    ]

    async def scenario() -> LiveRunner:
        feed = Feed("udp", UdpReceiver(port, host="127.0.0.1"), "sbs", backoff=FAST)
        runner = LiveRunner([feed], got.append, q, window_s=0.1, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.health()[0].connects > 0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for line in lines:  # the loop is blocked: the buffer overflows
                tx.sendto(line, ("127.0.0.1", port))
        runner.stop()  # before the session has read anything
        await task
        return runner

    started = time.monotonic()
    asyncio.run(asyncio.wait_for(scenario(), 15))
    assert time.monotonic() - started < 5.0  # the stop rule, not every datagram decoded
    reports = sum(len(b) for b in got)
    kernel = q.skipped[f"udp: {Dropped.KERNEL}"]
    assert kernel > 0
    assert reports + q.count + sum(q.skipped.values()) == len(lines)
