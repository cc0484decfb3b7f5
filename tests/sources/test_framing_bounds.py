"""Framing decoders bound what they buffer, resynchronise in linear time and count what
they skip (issue 13, failure 1): a long run of garbage never stalls a feed, is never
kept whole, and every byte of it is accounted for in the quarantine."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder
from airsentry.sources.beast import MAX_RUN, BeastStream

START = datetime(2024, 7, 6, 6, 43, 9, tzinfo=UTC)


def rejected_bytes(q: Quarantine) -> int:
    """How many input bytes the quarantine holds (binary records)."""
    return sum(
        int(r.get("raw_len", len(base64.b64decode(str(r["raw_b64"])))))  # type: ignore[call-overload]
        for r in q.records
        if "raw_b64" in r
    )


def test_a_long_run_of_escape_bytes_is_rejected_not_kept(traffic_sample: dict[str, bytes]):
    stream = BeastStream(source="feed", start=START, clock=None)
    q = Quarantine()
    chunk = b"\x1a" * 16_384
    for _ in range(256):  # 4 MiB of 0x1a, as a broken receiver sent it
        assert len(stream.feed(chunk, q)) == 0
        assert len(stream._tail) <= MAX_RUN + 1  # bounded, never re-read
    assert q.count > 0
    assert q.by_reason["run of 0x1a longer than any Beast frame"] > 0
    # Every byte fed is either rejected or in the bounded tail: nothing vanishes.
    assert rejected_bytes(q) + len(stream._tail) == 256 * len(chunk)


def test_frames_after_a_long_run_still_decode(traffic_sample: dict[str, bytes]):
    capture = traffic_sample["beast"]

    def decode(data: bytes, q: Quarantine) -> ReportBatch:
        s = BeastStream(source="feed", start=START, clock=None)
        parts = [s.feed(data[i : i + 4096], q) for i in range(0, len(data), 4096)]
        return ReportBatch.concat([*parts, s.flush(q)])

    clean = decode(capture, Quarantine())
    q = Quarantine()
    # An even run: escaped bytes, so the capture's first marker still starts a frame.
    got = decode(b"\x1a" * 100_000 + capture, q)
    assert len(clean) > 0
    assert got.t.tolist() == clean.t.tolist()
    assert got.lat.tolist() == clean.lat.tolist()
    assert q.count >= 1


@pytest.mark.parametrize("fmt", ["raw", "sbs", "jet1090", "detections", "remoteid"])
def test_line_decoders_bound_a_line_without_end(fmt: str):
    dec = decoder(fmt, source="feed", clock=None) if fmt == "raw" else decoder(fmt, source="feed")
    q = Quarantine()
    chunk = b"x" * 65_536
    for _ in range(64):  # 4 MiB without a newline
        dec.feed(chunk, q)
    dec.feed(b"\n", q)
    dec.flush(q)
    assert q.count == 1  # one line, one reject, however long
    assert len(str(q.records[0].get("raw", q.records[0].get("raw_b64")))) < 10_000
