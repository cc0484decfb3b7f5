"""ASTERIX decoding of records built here from the UAP, checked against asterix.parse.

Records are encoded by a small FSPEC builder over the category's UAP; the reference for
every value is ``asterix.parse`` of the same octets. Fuzzing: random octets and
mutated real-shaped blocks never raise, and everything rejected is kept with a reason.
"""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import asterix
import numpy as np
import pyproj
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airsentry.sources import _asterix_spec as spec
from airsentry.sources.asterix import AsterixDecoder, Site, decode_datagram, stereographic
from airsentry.sources.base import Quarantine, read_file


def record(number: int, items: dict[str, bytes]) -> bytes:
    """One record: FSPEC built from the UAP positions of ``items``, then the items."""
    cat = spec.category(number)
    assert cat is not None
    frns = sorted(cat.uap.index(k) for k in items)
    octets = [0] * (frns[-1] // 7 + 1)
    for frn in frns:
        octets[frn // 7] |= 0x80 >> (frn % 7)
    for j in range(len(octets) - 1):
        octets[j] |= 1
    return bytes(octets) + b"".join(items[cat.uap[f] or ""] for f in frns)


def block(number: int, *records: bytes) -> bytes:
    body = b"".join(records)
    return bytes([number]) + struct.pack(">H", len(body) + 3) + body


def tod(seconds: float) -> bytes:
    return int(seconds * 128).to_bytes(3, "big")


def cat021(seconds: float, lat: float, lon: float) -> bytes:
    return record(
        21,
        {
            "010": b"\x19\x0a",
            "071": tod(seconds),
            "131": struct.pack(">ii", round(lat * 2**30 / 180), round(lon * 2**30 / 180)),
            "080": bytes.fromhex("4ca1d3"),
            "145": struct.pack(">h", 350 * 4),
            "160": struct.pack(">HH", round(450 / 3600 * 16384), round(90 * 65536 / 360)),
            "170": bytes.fromhex("0c7260d38820"),  # "CARDUS  " in 6-bit ICAO characters
            "020": b"\x05",
        },
    )


def test_cat021_values_agree_with_asterix_parse() -> None:
    data = block(21, cat021(3600.5, 47.25, 8.5), cat021(3601.5, -33.9, 151.2))
    ref = asterix.parse(data, verbose=False)
    q = Quarantine()
    b = decode_datagram(data, received=dt.datetime(2025, 9, 19, 1, tzinfo=dt.UTC).timestamp(),
                        quarantine=q)  # fmt: skip
    assert q.count == 0
    assert len(b) == len(ref) == 2
    np.testing.assert_allclose(b.lat, [r["I131"]["Lat"]["val"] for r in ref], atol=1e-7)
    np.testing.assert_allclose(b.lon, [r["I131"]["Lon"]["val"] for r in ref], atol=1e-7)
    assert list(b.identity) == ["icao:" + r["I080"]["TAddr"]["val"].lower() for r in ref]
    assert list(b.callsign) == [r["I170"]["TId"]["val"].strip() for r in ref]
    np.testing.assert_allclose(b.alt, [r["I145"]["FL"]["val"] * 30.48 for r in ref])
    np.testing.assert_allclose(b.vel_e, 450 * 1852 / 3600, rtol=1e-3)
    assert set(b.category) == {"A5"}
    assert b.transponder.all()
    np.testing.assert_allclose(np.mod(b.t, 86400), [3600.5, 3601.5])


def test_cat062_cartesian_only_track_uses_the_system_reference_point() -> None:
    ref = Site(45.8, 16.0)
    x, y = stereographic(ref)(15.0, 45.0)
    rec = record(
        62,
        {
            "010": b"\x19\x64",
            "070": tod(100.0),
            "100": round(x * 2).to_bytes(3, "big", signed=True)
            + round(y * 2).to_bytes(3, "big", signed=True),
            "040": b"\x00\x07",
        },
    )
    q = Quarantine()
    src = AsterixDecoder(system_refs={"25/100": ref})
    b = src.decode_datagram(block(62, rec), received=200.0, quarantine=q)
    assert len(b) == 1
    assert q.count == 0
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(15.0, 45.0, b.lon[0], b.lat[0])
    assert dist < 1.0
    # Without the reference point it is set aside and counted, with the reason.
    q2 = Quarantine()
    assert len(AsterixDecoder().decode_datagram(block(62, rec), received=200.0, quarantine=q2)) == 0
    reason = "ASTERIX CAT062: no system reference point configured for asterix:25/100"
    assert q2.skipped == {reason: 1}


def test_raw_file_rolls_over_midnight(tmp_path: Path) -> None:
    data = block(21, cat021(86399.0, 50.0, 5.0)) + block(21, cat021(1.0, 50.0, 5.0))
    path = tmp_path / "night.raw"
    path.write_bytes(data)
    b = next(read_file(path, "asterix", Quarantine(), date=dt.date(2025, 12, 31)))
    assert np.diff(b.t)[0] == 2.0
    assert dt.datetime.fromtimestamp(b.t[1], dt.UTC).date() == dt.date(2026, 1, 1)


def test_broken_block_length_is_rejected_and_the_stream_resyncs() -> None:
    good = block(21, cat021(10.0, 50.0, 5.0))
    q = Quarantine()
    b = decode_datagram(b"\x15\xff\xff\x01\x02" + good, received=20.0, quarantine=q)
    assert len(b) == 1
    assert q.count == 1
    assert "block length" in q.records[0]["reason"]
    assert q.records[0]["raw_b64"]


def test_truncated_record_is_rejected_with_its_reason() -> None:
    good = cat021(10.0, 50.0, 5.0)
    q = Quarantine()
    b = decode_datagram(block(21, good, good[:12]), received=20.0, quarantine=q)
    assert len(b) == 1
    assert "runs past the end" in q.records[0]["reason"]


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEED = block(21, cat021(10.0, 50.0, 5.0)) + block(
    62, record(62, {"010": b"\x19\x64", "070": tod(9.0), "105": bytes(8), "040": b"\x00\x01"})
)


@FUZZ
@given(st.binary(max_size=300))
def test_random_octets_never_raise(data: bytes) -> None:
    q = Quarantine()
    src = AsterixDecoder(radars=Site(45, 16), system_refs=Site(45, 16))
    b = src.decode_datagram(data, received=1e9, quarantine=q)
    assert all(r["reason"] and (r.get("raw_b64") is not None) for r in q.records)
    assert len(b) <= len(data)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=6))
def test_mutated_blocks_never_raise(edits: list[tuple[int, int]]) -> None:
    data = bytearray(SEED)
    for at, value in edits:
        data[at] = value
    q = Quarantine()
    b = decode_datagram(bytes(data), received=1e9, quarantine=q)
    assert all(r["reason"] for r in q.records)
    assert len(b) + q.count + sum(q.skipped.values()) >= 1


def udp_frame(payload: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around ``payload`` (checksums left zero)."""
    udp = struct.pack(">HHHH", 40000, 8600, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([232, 1, 1, 1]))  # fmt: skip
    return bytes.fromhex("01005e010101 020000000001 0800") + ip + udp


def pcap(frames: list[tuple[float, bytes]]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for t, frame in frames:
        sec = int(t)
        out += struct.pack("<IIII", sec, round((t - sec) * 1e6), len(frame), len(frame)) + frame
    return out


def pcapng(frames: list[tuple[float, bytes]]) -> bytes:
    def blk(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += blk(1, struct.pack("<HHI", 1, 0, 0))
    for t, frame in frames:
        ticks = round(t * 1e6)
        out += blk(6, struct.pack("<IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, len(frame),
                                  len(frame)) + frame)  # fmt: skip
    return out


NOON = dt.datetime(2025, 9, 19, 12, tzinfo=dt.UTC).timestamp()
FRAMES = [
    (NOON + k, udp_frame(block(21, cat021(43200.0 + k, 50.0 + k / 100, 5.0)))) for k in range(3)
]


def test_pcap_and_pcapng_give_the_same_reports_with_the_capture_date(tmp_path: Path) -> None:
    (tmp_path / "a.pcap").write_bytes(pcap(FRAMES))
    (tmp_path / "a.pcapng").write_bytes(pcapng(FRAMES))
    got = []
    for name in ("a.pcap", "a.pcapng"):
        q = Quarantine()
        got.append(next(read_file(tmp_path / name, "asterix", q)))
        assert q.count == 0
    np.testing.assert_allclose(got[0].t, [f[0] for f in FRAMES])
    np.testing.assert_array_equal(got[0].t, got[1].t)
    np.testing.assert_array_equal(got[0].lat, got[1].lat)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
       st.integers(0, 400))  # fmt: skip
def test_mutated_captures_never_raise(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(pcap(FRAMES) if cut % 2 else pcapng(FRAMES))
    for at, value in edits:
        data[at % len(data)] = value
    q = Quarantine()
    path = Path(f"/dev/shm/airsentry-fuzz-{cut % 2}.cap")
    path.write_bytes(bytes(data[: len(data) - cut // 2]))
    try:
        reports = sum(len(b) for b in read_file(path, "asterix", q))
    finally:
        path.unlink()
    assert reports <= len(FRAMES)
    # the raw bytes, or the decoded values of a report refused by the range check
    assert all(r["reason"] and ("raw_b64" in r or "raw" in r) for r in q.records)


def test_raw_file_without_a_date_is_counted_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "nodate.raw"
    path.write_bytes(block(21, cat021(10.0, 50.0, 5.0), cat021(11.0, 50.0, 5.0)))
    q = Quarantine()
    assert not sum(len(b) for b in read_file(path, "asterix", q))
    assert q.skipped == {"ASTERIX CAT021: no date for a time of day (set the source's date)": 2}


def test_raw_file_is_read_in_chunks_in_order(tmp_path: Path) -> None:
    path = tmp_path / "many.raw"
    path.write_bytes(b"".join(block(21, cat021(100.0 + k, 50.0, 5.0)) for k in range(25)))
    options = {"date": dt.date(2025, 1, 1), "chunk_records": 10}
    batches = list(read_file(path, "asterix", Quarantine(), **options))  # type: ignore[arg-type]
    assert sum(len(b) for b in batches) == 25
    assert (np.diff(np.concatenate([b.t for b in batches])) == 1.0).all()
