"""Beast binary: the real dump1090 capture of the ``traffic`` wheel, escapes, times, bad bytes.

Reference for positions: pyModeS's per-message decoding (``pyModeS.decode(frame,
reference=...)``) with Toulouse-Blagnac as reference (the capture was made near it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyModeS
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS.position import airborne_position_pair

from airsentry.errors import ConfigError
from airsentry.model import ReportBatch
from airsentry.sources.base import Quarantine, decoder, formats, read_file
from airsentry.sources.beast import BeastStream
from airsentry.sources.modes.timing import PERIOD, TickClock

START = datetime(2024, 7, 6, 6, 43, 9, tzinfo=UTC)
LFBO = (43.6293, 1.3638)
PAYLOAD = {0x31: 9, 0x32: 14, 0x33: 21, 0x34: 21, 0xE3: 8}
AIRBORNE = "8D40621D58C382D690C8AC2863A7"  # the classic DF17 TC11 example frame
WAITING = "CPR frame waiting for its pair or reference"
EVEN, ODD = "8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6"
# pyModeS's decoding of its documented example pair, the odd frame being the newer.
ODD_NEWER = airborne_position_pair(
    *(pyModeS.decode(EVEN)[k] for k in ("cpr_lat", "cpr_lon")),
    *(pyModeS.decode(ODD)[k] for k in ("cpr_lat", "cpr_lon")),
    even_is_newer=False,
)


def unescaped_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(type, payload) of every frame, walking the escapes byte by byte (test oracle)."""
    out, i = [], 0
    while i + 1 < len(data):
        assert data[i] == 0x1A
        kind, need, i = data[i + 1], PAYLOAD[data[i + 1]], i + 2
        body = bytearray()
        while len(body) < need:
            body.append(data[i])
            i += 2 if data[i] == 0x1A else 1
        out.append((kind, bytes(body)))
    return out


def frame(msg: str | bytes, ticks: int, signal: int = 0x40) -> bytes:
    """One escaped Beast frame."""
    raw = bytes.fromhex(msg) if isinstance(msg, str) else msg
    kind = b"3" if len(raw) == 14 else b"2"
    body = ticks.to_bytes(6, "big") + bytes([signal]) + raw
    return b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")


def decode(data: bytes, q: Quarantine | None = None, **kw: object) -> ReportBatch:
    stream = BeastStream(source="test", start=START, clock=None, **kw)  # type: ignore[arg-type]
    q = q if q is not None else Quarantine()
    return ReportBatch.concat([stream.feed(data, q), stream.flush(q)])


@pytest.fixture(scope="module")
def capture(traffic_sample: dict[str, bytes]) -> bytes:
    return traffic_sample["beast"]


def test_every_mode_s_format_is_registered() -> None:
    assert {"beast", "raw", "jet1090", "aircraft_json", "readsb_trace"} <= set(formats())
    assert isinstance(decoder("beast"), BeastStream)


def test_real_capture_positions_agree_with_pymodes(capture: bytes) -> None:
    q = Quarantine()
    b = decode(capture, q)
    frames = unescaped_frames(capture)
    positions = []
    for _, body in frames:
        d = pyModeS.decode(body[7:].hex(), reference=LFBO)
        if d.get("bds") == "0,5":
            t = START + timedelta(seconds=int.from_bytes(body[:6], "big") / 12e6)
            positions.append((t.timestamp(), d["latitude"], d["longitude"], d["altitude"]))
    # The first frame of the aircraft has no partner yet; every later one is decoded.
    assert len(positions) == 4
    assert len(b) == 3
    assert q.skipped[WAITING] == 1
    want = np.array(positions[1:])
    np.testing.assert_allclose(b.t, want[:, 0], atol=1e-6)
    np.testing.assert_allclose(b.lat, want[:, 1], atol=1e-9)
    np.testing.assert_allclose(b.lon, want[:, 2], atol=1e-9)
    np.testing.assert_allclose(b.alt, want[:, 3] * 0.3048)
    assert q.count == 0
    # Accounting: every Mode S frame is a report or a counted skip.
    n_modes = sum(kind in (0x32, 0x33) for kind, _ in frames)
    assert len(b) + sum(q.skipped.values()) == n_modes
    last = b.take([-1])
    assert last.callsign[0] == "TRA89M"
    assert last.category[0] == "A3"
    assert last.squawk[0] == "5516"  # from DF5/21 replies, carried
    assert last.identity[0] == "icao:48520a"
    assert 200 < last.speed()[0] < 260  # m/s, from the TC19 velocity message


def test_feeding_byte_by_byte_gives_the_same_reports(capture: bytes) -> None:
    whole = decode(capture)
    for size in (1, 5, 64):
        stream, q = BeastStream(start=START, clock=None), Quarantine()
        parts = [stream.feed(capture[i : i + size], q) for i in range(0, len(capture), size)]
        got = ReportBatch.concat([*parts, stream.flush(q)])
        np.testing.assert_array_equal(got.lat, whole.lat)
        np.testing.assert_array_equal(got.t, whole.t)
        assert q.count == 0


def test_escaped_bytes_anywhere_in_a_frame() -> None:
    """0x1a in the counter, the signal and the message is doubled on the wire."""
    even, odd = EVEN, ODD
    data = frame(even, 0x1A1A1A1A1A1A, 0x1A) + frame(odd, 0x1A1A1A1A1A1A + 12_000_000, 0x1A)
    assert data.count(b"\x1a\x1a") >= 12
    b = decode(data)
    assert len(b) == 1
    assert (b.lat[0], b.lon[0]) == pytest.approx(ODD_NEWER, abs=1e-9)
    assert b.t[0] == pytest.approx(START.timestamp() + 0x1A1A1A1A1A1A / 12e6 + 1.0)


def test_a_start_time_is_required_for_recordings(tmp_path: Path, capture: bytes) -> None:
    path = tmp_path / "cap.bin"
    path.write_bytes(capture)
    with pytest.raises(ConfigError, match=r"cap\.bin\.start"):
        list(read_file(path, "beast", Quarantine()))
    (tmp_path / "cap.bin.start").write_text("2024-07-06T06:43:09Z\n")
    from_file = ReportBatch.concat(read_file(path, "beast", Quarantine()))
    np.testing.assert_array_equal(from_file.t, decode(capture).t)


def test_live_feed_anchors_the_counter_on_the_clock() -> None:
    stream = BeastStream(start=None, clock=lambda: 1_000_000.0)
    ticks = 5 * 12_000_000
    q = Quarantine()
    stream.feed(frame("5D4CA1D3C1B2A3", ticks), q)  # DF11: confirms, no position
    b = stream.feed(
        frame(AIRBORNE, ticks + 6_000_000)
        + frame("8D40621D58C386435CC412692AD6", ticks + 12_000_000),
        q,
    )
    assert b.t[0] == pytest.approx(1_000_001.0)


def test_counter_wrap_and_reset() -> None:
    clock = TickClock(start=100.0)
    near_end = np.array([PERIOD - 12e6, PERIOD - 6e6], dtype=np.float64).astype(np.uint64)
    t1 = clock.times(near_end)
    t2 = clock.times(np.array([6_000_000, 12_000_000], dtype=np.uint64))
    np.testing.assert_allclose(np.diff(np.r_[t1, t2]), [0.5, 1.0, 0.5], rtol=0, atol=1e-3)
    # A restarted receiver: the counter falls back to 0; time goes on from the last frame.
    t3 = clock.times(np.array([0, 24_000_000], dtype=np.uint64))
    assert t3[0] == pytest.approx(t2[-1])
    assert t3[1] == pytest.approx(t2[-1] + 2.0)
    # Small jitter backwards is not a reset.
    t4 = clock.times(np.array([23_000_000], dtype=np.uint64))
    assert t4[0] == pytest.approx(t3[1] - 1 / 12)


def test_bad_bytes_are_quarantined_with_offsets_and_good_frames_survive() -> None:
    even, odd = EVEN, ODD
    bad_crc = bytearray(bytes.fromhex(even))
    bad_crc[6] ^= 0x10
    pieces = [
        b"junk!",  # 0: before the first marker
        frame(even, 12_000_000),  # 5
        b"\x1a\x39garbage",  # unknown type '9'
        frame(bytes(bad_crc), 13_000_000),
        b"\x1a\x32\x00\x00",  # short frame cut by the next marker
        frame(odd, 14_000_000),
        b"\x1a\x33\x00\x00\x00",  # stream ends inside a frame
    ]
    data = b"".join(pieces)
    q = Quarantine()
    b = decode(data, q)
    assert len(b) == 1
    assert (b.lat[0], b.lon[0]) == pytest.approx(ODD_NEWER, abs=1e-9)
    reasons = {r["reason"]: r for r in q.records}
    assert set(reasons) == {
        "bytes before the first Beast frame marker",
        "unknown Beast frame type 0x39",
        "DF17 CRC mismatch",
        "Beast frame cut short by a marker",
        "stream ended inside a frame",
    }
    assert reasons["bytes before the first Beast frame marker"]["line"] == 0
    assert reasons["unknown Beast frame type 0x39"]["line"] == len(pieces[0]) + len(pieces[1])
    assert reasons["DF17 CRC mismatch"]["line"] == data.index(pieces[3])
    assert all(r["source"] == "test" and r["raw_b64"] for r in q.records)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    q = Quarantine()
    b = decode(data, q)
    assert len(b) <= data.count(b"\x1a")
    for r in q.records:
        assert 0 <= int(r["line"]) <= len(data)  # type: ignore[call-overload]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_real_stream_never_raises(capture: bytes, data: st.DataObject) -> None:
    buf = bytearray(capture)
    for _ in range(data.draw(st.integers(1, 12))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(buf)))
    q = Quarantine()
    b = decode(bytes(buf[:cut]), q)
    assert np.isfinite(b.lat).all()
    assert (np.abs(b.lat) <= 90).all()
    assert all(r["reason"] for r in q.records)
