"""Remote ID: messages encoded here from the F3411 layout round-trip through the decoder.

The encoder below is written from the standard's message tables (little-endian
fields, altitude ``(m + 1000) * 2``, lat/lon 1e-7 degree), independently of the
decoder's code; malformed lengths, types and versions are rejected with reasons, and
random or mutated payloads never raise.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.model import ReportBatch
from airsentry.sources import _remoteid_messages as rid
from airsentry.sources.base import Quarantine, read_file
from airsentry.sources.remoteid import RemoteIdDecoder

T0 = datetime(2025, 9, 19, 10, 15, 30, tzinfo=UTC).timestamp()


def alt(m: float) -> int:
    return round((m + 1000) * 2)


def enc_basic(uas_id: str, id_type: int = 1, ua_type: int = 2, version: int = 2) -> bytes:
    return (
        bytes([0x00 | version, id_type << 4 | ua_type])
        + uas_id.encode().ljust(20, b"\0")
        + bytes(3)
    )


def enc_location(lat: float, lon: float, *, speed: float = 10.0, track: int = 200,
                 vspeed: float = -1.5, geo: float = 120.0, tenths: int = 9300,
                 h_acc: int = 10, status: int = 2) -> bytes:  # fmt: skip
    ew = 1 if track >= 180 else 0
    mult = 1 if speed > 63.75 else 0
    speed_raw = round((speed - 63.75) / 0.75) if mult else round(speed / 0.25)
    flags = status << 4 | ew << 1 | mult
    return (
        bytes([0x12, flags, track - 180 * ew, speed_raw])
        + struct.pack("<b", round(vspeed * 2))
        + struct.pack("<iiHHH", round(lat * 1e7), round(lon * 1e7), alt(100), alt(geo), alt(50))
        + bytes([0x40 | h_acc, 0x00])
        + struct.pack("<H", tenths)
        + bytes([0x01, 0x00])
    )


def enc_system(lat: float, lon: float, op_alt: float = 30.0, stamp: int = 210_000_000) -> bytes:
    return (
        bytes([0x42, 0x04 | 0x01])
        + struct.pack("<iiHBHH", round(lat * 1e7), round(lon * 1e7), 1, 5, alt(120), alt(0))
        + bytes([0x12])
        + struct.pack("<HI", alt(op_alt), stamp)
        + b"\0"
    )


def pack(*messages: bytes) -> bytes:
    return bytes([0xF2, 25, len(messages)]) + b"".join(messages)


def test_each_message_round_trips() -> None:
    for m in (enc_basic("1581F5FJC239F00D"), enc_location(59.3, 18.1), enc_system(59.29, 18.09)):
        assert len(m) == 25
    b = rid.decode(enc_basic("1581F5FJC239F00D"))
    assert (b["uas_id"], b["id_type"], b["ua_type"]) == ("1581F5FJC239F00D", "serial",
                                                          "helicopter_multirotor")  # fmt: skip
    loc = rid.decode(enc_location(59.3, 18.1, speed=80.25, track=200))
    assert loc["lat"] == pytest.approx(59.3, abs=1e-7)
    assert loc["lon"] == pytest.approx(18.1, abs=1e-7)
    assert loc["speed"] == pytest.approx(80.25)
    assert loc["track_deg"] == 200
    assert loc["vspeed"] == -1.5
    assert loc["geodetic_alt"] == 120.0
    assert loc["pressure_alt"] == 100.0
    assert loc["height"] == 50.0
    assert loc["h_accuracy_95"] == 10
    assert loc["status"] == "airborne"
    sys_ = rid.decode(enc_system(59.29, 18.09))
    assert (sys_["operator_lat"], sys_["operator_lon"]) == pytest.approx((59.29, 18.09), abs=1e-7)
    assert sys_["operator_alt"] == 30.0
    assert sys_["area_radius_m"] == 50.0
    assert sys_["area_ceiling"] == 120.0
    assert sys_["time"] == datetime(2019, 1, 1, tzinfo=UTC).timestamp() + 210_000_000
    assert sys_["operator_location_type"] == "live_gnss"
    assert [m["type"] for m in rid.unpack(pack(enc_basic("X"), enc_system(1, 2)))] == [
        "basic_id",
        "system",
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (enc_basic("X")[:24], "message is 24 octets, expected 25"),
        (b"\x72" + bytes(24), "message type 0x7 is not defined"),
        (b"\x09" + bytes(24), "protocol version 9 is not 0, 1 or 2"),
        (bytes([0xF2, 24, 1]) + bytes(25), "declares message size 24"),
        (bytes([0xF2, 25, 0]), "declares 0 messages"),
        (bytes([0xF2, 25, 2]) + enc_basic("X"), "needs 53 octets"),
        (enc_location(95.0, 10.0), "out of range"),
        (enc_location(50.0, 10.0, tenths=40_000), "past the end of the hour"),
        (b"", "empty payload"),
    ],
)
def test_malformed_payloads_are_rejected_with_reasons(payload: bytes, reason: str) -> None:
    with pytest.raises(rid.RidError, match=reason):
        rid.unpack(rid.strip_transport(payload))


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "rid.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_drone_and_operator_reports_from_a_pack(tmp_path: Path) -> None:
    payload = pack(
        enc_basic("1581F5FJC239F00D"), enc_location(59.3, 18.1), enc_system(59.29, 18.09)
    )
    line = f'{{"time": {T0}, "receiver": "rx1", "payload": "0d07{payload.hex()}"}}'
    q = Quarantine()
    b = ReportBatch.concat(read_file(write(tmp_path, [line]), "remoteid", q))
    assert q.count == 0
    assert list(b.identity) == ["rid:1581F5FJC239F00D", "rid:1581F5FJC239F00D#operator"]
    assert list(b.category) == ["rid:helicopter_multirotor", "rid:operator"]
    assert b.transponder.all()
    assert list(b.on_ground) == [False, True]
    assert b.lat[1] == pytest.approx(59.29)
    # Location timestamp 930.0 s into the hour 10:00 (reception at 10:15:30).
    assert b.t[0] == pytest.approx(T0 - 30 - 15 * 60 + 930)
    assert math.hypot(b.vel_e[0], b.vel_n[0]) == pytest.approx(10.0)
    assert b.vel_n[0] < 0
    assert b.vel_e[0] < 0
    assert b.accuracy[0] == 5.0


def test_separate_messages_are_tied_by_transmitter_address(tmp_path: Path) -> None:
    ad = bytes([30, 0x16, 0xFA, 0xFF, 0x0D, 0x00])
    lines = [
        f"2025-09-19T10:15:30Z rx1 AA:BB:CC:00:00:01 {(ad + enc_basic('SER1')).hex()}",
        f"2025-09-19T10:15:31Z rx1 aa:bb:cc:00:00:01 {(ad + enc_location(59.3, 18.1)).hex()}",
        f"2025-09-19T10:15:31Z rx1 aa:bb:cc:00:00:02 {enc_location(59.4, 18.2).hex()}",
        "not a line",
        "# comment",
    ]
    q = Quarantine()
    b = ReportBatch.concat(read_file(write(tmp_path, lines), "remoteid", q))
    assert list(b.identity) == ["rid:SER1", ""]
    assert q.count == 1
    assert q.records[0]["line"] == 4


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEED = pack(enc_basic("SER1"), enc_location(59.3, 18.1), enc_system(59.29, 18.09))


@FUZZ
@given(st.binary(max_size=260))
def test_random_payloads_never_raise(data: bytes) -> None:
    q = Quarantine()
    RemoteIdDecoder(source="t").feed(f"2025-09-19T10:15:30Z rx {data.hex()}\n".encode(), q)
    assert all(r["reason"] for r in q.records)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=5),
       st.binary(max_size=40))  # fmt: skip
def test_mutated_packs_and_lines_never_raise(edits: list[tuple[int, int]], junk: bytes) -> None:
    data = bytearray(SEED)
    for at, value in edits:
        data[at] = value
    q = Quarantine()
    lines = [f"2025-09-19T10:15:30Z rx {data.hex()}".encode(), junk, b'{"time": 1, "payload": 5}']
    src = RemoteIdDecoder(source="t")
    b = src.feed(b"\n".join([lines[0], junk.replace(b"\n", b" "), lines[2]]) + b"\n", q)
    assert q.count >= 1
    assert len(b) <= 3  # one report at most per message of the pack
    assert all(r["reason"] for r in q.records)


def test_deeply_nested_json_is_rejected_not_raised() -> None:
    q = Quarantine()
    src = RemoteIdDecoder(source="deep", max_line_bytes=1 << 20)
    assert not len(src.feed(b'{"a": ' + b"[" * 100_000 + b"\n", q))
    assert q.count == 1


def test_every_message_is_accounted_for_basic_id_included(tmp_path: Path) -> None:
    """A Basic ID has no position: it is counted as skipped, never silently dropped
    (issue 13, failure 3); each message of a line is a report, a skip or a reject."""
    ad = bytes([30, 0x16, 0xFA, 0xFF, 0x0D, 0x00])
    lines = [
        f"2025-09-19T10:15:30Z rx1 aa:bb:cc:00:00:01 {(ad + enc_basic('SER1')).hex()}",
        f"2025-09-19T10:15:31Z rx1 aa:bb:cc:00:00:01 {(ad + enc_location(59.3, 18.1)).hex()}",
        f"10000-01-01T00:00:00Z rx1 aa:bb:cc:00:00:01 {(ad + enc_location(59.3, 18.1)).hex()}",
    ]
    q = Quarantine()
    b = ReportBatch.concat(read_file(write(tmp_path, lines), "remoteid", q))
    assert len(b) + q.count + sum(q.skipped.values()) == len(lines)
    assert q.skipped["Remote ID basic ID message: no position"] == 1
    assert len(b) == 1
    assert q.count == 1  # the year 10000
