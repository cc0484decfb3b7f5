"""The Done-when live test: a real Beast recording served over TCP, the server killed
mid-stream and restarted, and no decoded position after the restart lost.

The recording is ``traffic/data/samples/dump1090/sample_dump1090.bin`` of the ``traffic``
wheel (a real dump1090 capture, 4 KB). A server on 127.0.0.1 streams it, dies in the
middle of a frame, and comes back with the frames after that one, as a restarted
receiver would. The feed must reconnect, drop the half frame (counted in quarantine, not
glued to the new stream) and keep its CPR state: its positions must be exactly those of
decoding the bytes it was sent from the file, and every position the whole recording
yields after the restart must be among them.
"""

from __future__ import annotations

import asyncio
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_live import FAST, wait_for
from test_live_support import KillableServer, is_time_ordered, positions

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine
from airsentry.sources.beast import BeastStream
from airsentry.sources.live import Feed, FeedState, LiveRunner, TcpClient

SAMPLE = "traffic/data/samples/dump1090/sample_dump1090.bin"
START = datetime(2024, 7, 6, 6, 43, 9, tzinfo=UTC)  # any fixed tick-0 time, same for both
PAYLOAD = {0x31: 9, 0x32: 14, 0x33: 21, 0x34: 21, 0xE3: 8}


@pytest.fixture(scope="module")
def beast(traffic_wheel: Path) -> bytes:
    with zipfile.ZipFile(traffic_wheel) as z:
        return z.read(SAMPLE)


def frame_starts(data: bytes) -> list[int]:
    """Offsets where Beast frames begin (escape marker + type), walking escaped bytes."""
    starts, i = [], 0
    while i + 1 < len(data):
        assert data[i] == 0x1A, f"not a frame start at {i}"
        starts.append(i)
        need, i = PAYLOAD[data[i + 1]], i + 2
        while need:
            i += 2 if data[i] == 0x1A else 1  # an escaped 0x1a is two bytes
            need -= 1
    return starts


def decode(data: bytes) -> ReportBatch:
    stream = BeastStream(source="ref", start=START, clock=None)
    q = Quarantine()
    return ReportBatch.concat([stream.feed(data, q), stream.flush(q)])


def test_beast_feed_survives_a_receiver_restart(beast: bytes):
    starts = frame_starts(beast)
    whole = decode(beast)
    assert len(whole) >= 2
    # Cut inside a short frame (no position in it) with positions on both sides.
    candidates = [
        (n, s)
        for n, s in enumerate(starts[:-1])
        if beast[s + 1] == 0x32 and 0 < len(decode(beast[:s])) < len(whole)
    ]
    n, cut_frame = candidates[len(candidates) // 2]
    cut, resume = cut_frame + 6, starts[n + 1]  # dies 6 bytes into the frame
    reference = decode(beast[:cut_frame] + beast[resume:])
    restart_t = float(decode(beast[:cut_frame]).t.max())
    after = whole.take(whole.t > restart_t)  # positions the recording gives after it
    assert len(after) >= 1
    got: list[ReportBatch] = []
    quarantine = Quarantine()

    async def scenario() -> LiveRunner:
        first = KillableServer(beast[:cut], chunk=97)
        port = await first.start()
        feed = Feed(
            "rx-beast",
            TcpClient("127.0.0.1", port),
            "beast",
            options={"start": START, "clock": None},
            backoff=FAST,
        )
        runner = LiveRunner([feed], got.append, quarantine, window_s=0.2, emit_every_s=0.02)
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: first.sent == cut)
        await asyncio.sleep(0.05)
        await first.kill()
        await wait_for(lambda: runner.health()[0].state is FeedState.RETRYING)
        second = KillableServer(beast[resume:], port=port, chunk=97)
        await second.start()
        await wait_for(
            lambda: runner.health()[0].connects == 2 and second.sent == len(beast) - resume
        )
        await wait_for(lambda: runner.delivered >= len(reference))
        # and every byte sent has been read, so that stopping flushes no half frame
        await wait_for(lambda: runner.health()[0].bytes == cut + len(beast) - resume)
        runner.stop()
        await task
        await second.kill()
        return runner

    runner = asyncio.run(asyncio.wait_for(scenario(), 15))
    merged = ReportBatch.concat(got)
    assert positions(merged) == positions(reference)
    assert len(merged) == len(reference)
    assert positions(after) <= positions(merged)  # nothing after the restart lost
    assert is_time_ordered(got)
    assert set(merged.sensor) == {"rx-beast"}
    # the six bytes of the dead connection's half frame were counted, not decoded
    assert [r["reason"] for r in quarantine.records] == ["stream ended inside a frame"]
    h = runner.health()[0]
    assert h.connects == 2
    assert h.bytes == cut + len(beast) - resume
