"""A long live run gives the heap's free pages back to the kernel (issue 13: the soak's
resident anonymous memory crept up with glibc's free chunks while the memory in use
stayed flat)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from airsentry.sources._live_heap import HeapTrim
from airsentry.sources.base import Quarantine
from airsentry.sources.live import Feed, FileTail, LiveRunner

pytestmark = pytest.mark.skipif(not HeapTrim().available, reason="no malloc_trim (not glibc)")


def rss_anon_mb() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"RssAnon:\s+(\d+) kB", text)[1]) / 1024  # type: ignore[index]


def test_a_trim_returns_the_free_pages_inside_a_fragmented_heap():
    blocks = [bytes(2000) for _ in range(60_000)]  # ~120 MB of malloc'd 2 kB chunks
    kept = blocks[::16]  # one in sixteen stays: the heap cannot shrink from its top
    del blocks
    before = rss_anon_mb()
    heap = HeapTrim(every_s=0.0)
    heap.maybe()
    after = rss_anon_mb()
    assert heap.trims == 1
    assert before - after > 40  # most of the ~110 MB freed went back
    assert len(kept) == 3_750


def test_the_live_runner_trims_the_heap_every_interval(tmp_path: Path):
    log = tmp_path / "quiet.sbs"
    log.write_bytes(b"")
    feed = Feed("quiet", FileTail(log, poll_s=0.02), "sbs")
    runner = LiveRunner([feed], lambda b: None, Quarantine(), emit_every_s=0.01, trim_every_s=0.05)

    async def scenario() -> None:
        task = asyncio.create_task(runner.run())
        await asyncio.sleep(0.4)
        runner.stop()
        await task

    asyncio.run(scenario())
    assert 2 <= runner.heap.trims <= 10
