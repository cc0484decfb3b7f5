"""Raw AVR lines: the real rs1090 flight written as ``@``/``<``/``*`` lines, and bad lines.

Reference: the positions rs1090 itself decoded, stored in the same recording.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, read_file
from airsentry.sources.raw import RawStream

CDG = (49.0097, 2.5479)


@pytest.fixture(scope="module")
def flight(traffic_sample: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in traffic_sample["jsonl"].splitlines()][:15_000]


def avr(m: dict[str, Any], t0: float, form: str) -> str:
    f = m["frame"].upper()
    f = f if int(f[:2], 16) >> 3 >= 16 else f[:14]  # rs1090 pads short frames
    ticks = round((m["timestamp"] - t0) * 12e6)
    if form == "@":
        return f"@{ticks:012X}{f};"
    if form == "<":
        return f"<{ticks:012X}C8{f};"
    return f"*{f};"


def test_real_flight_matches_rs1090(flight: list[dict[str, Any]], tmp_path: Path) -> None:
    t0 = float(int(flight[0]["timestamp"]))
    lines = [avr(m, t0, "@<"[i % 2]) for i, m in enumerate(flight)]
    path = tmp_path / "flight.avr"
    path.write_text("\r\n".join(lines) + "\r\n")
    (tmp_path / "flight.avr.start").write_text(datetime.fromtimestamp(t0, UTC).isoformat())
    q = Quarantine()
    b = ReportBatch.concat(read_file(path, "raw", q, receiver=CDG, block_bytes=4096))
    want = [m for m in flight if "latitude" in m]
    assert q.count == 0
    assert len(b) == len(want)
    np.testing.assert_allclose(b.t, [m["timestamp"] for m in want], atol=1e-6)  # 12 MHz
    np.testing.assert_allclose(b.lat, [m["latitude"] for m in want], atol=1e-9)
    np.testing.assert_allclose(b.lon, [m["longitude"] for m in want], atol=1e-9)
    assert len(b) + sum(q.skipped.values()) == len(flight)


def test_star_lines_take_the_clock_when_live(flight: list[dict[str, Any]]) -> None:
    stream = RawStream(clock=lambda: 1_700_000_000.0, receiver=CDG)
    text = "\n".join(avr(m, 0.0, "*") for m in flight[:3000]) + "\n"
    b = stream.feed(text.encode(), Quarantine())
    assert len(b) > 100
    assert (b.t == 1_700_000_000.0).all()


def test_bad_lines_are_quarantined_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        "*8D40621D58C382D690C8AC2863A7;",
        "",
        "hello",
        "*8D40621D58C382D690C8AC2863A7",
        "*8D40621D58C382D690C8AC28;",
        "*8D40621D58C382D690C8AC2863AZ;",
        "*8D40621D58C386435CC412692AD6;",
        "@00000000000A8D40621D58C386435CC412692AD6;",  # timed, but no start for the file
    ]
    path = tmp_path / "bad.avr"
    path.write_text("\n".join(lines))  # no final newline: the last line still counts
    q = Quarantine()
    b = ReportBatch.concat(read_file(path, "raw", q))
    got = {r["line"]: r["reason"] for r in q.records}
    assert got == {
        3: "line does not start with '*', '@' or '<'",
        4: "line does not end with ';'",
        5: "frame is not 14 or 28 hex digits",
        6: "not hexadecimal",
        # A recording without start= nor a .start companion has no time for any frame.
        1: "no time: pass start= for a recording",
        7: "no time: pass start= for a recording",
        8: "no time: pass start= for a recording",
    }
    assert q.skipped["blank line"] == 1
    assert len(b) == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=60) | st.sampled_from([b"*8D40621D58C382D690C8AC2863A7;"])))
def test_random_lines_never_raise(chunks: list[bytes]) -> None:
    stream, q = RawStream(clock=lambda: 0.0), Quarantine()
    for c in chunks:
        stream.feed(c, q)
    stream.flush(q)
    assert all(r["reason"] and int(r["line"]) >= 1 for r in q.records)  # type: ignore[call-overload]
