"""The Beast encoder against pyModeS and airsentry's own Beast decoder, on real flights.

Input: real OpenSky state vectors of the ``traffic`` wheel (``collections/quickstart``,
flights around Paris, 2021-10-07), the first minutes of every aircraft. They are encoded
as DF17 squitters in Beast frames, then

* every frame is decoded by pyModeS 3 (the reference): CRC valid, address, type code,
  callsign, altitude, velocity, and the CPR position decoded locally against the true
  position lands within the CPR cell of it;
* the byte stream is decoded by :class:`~airsentry.sources.beast.BeastStream`: every
  position after the first of each aircraft (which waits for its CPR pair) comes back,
  within the wire's resolution, with its callsign, velocity and time.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import pyModeS
import pytest

from airsentry.model import ReportBatch, from_epoch
from airsentry.sim import wire_beast as wb
from airsentry.sources.base import Quarantine
from airsentry.sources.beast import BeastStream
from airsentry.sources.modes.cpr import distance_m

SAMPLE = "traffic/data/samples/collections/quickstart.json.gz"
FT, KT, FPM = 0.3048, 1852 / 3600, 0.3048 / 60
CPR_CELL_M = 5.2  # half the diagonal of the largest airborne CPR cell (about 5.1 m x 7.3 m)


@pytest.fixture(scope="module")
def flights(traffic_wheel: Path) -> ReportBatch:
    """Real state vectors (first 5 minutes of the recording) with a position and altitude."""
    with zipfile.ZipFile(traffic_wheel) as z:
        records = json.loads(gzip.decompress(z.read(SAMPLE)))
    t0 = min(r["timestamp"] for r in records)
    rows = [
        r
        for r in records
        if r["timestamp"] < t0 + 300_000
        and r["latitude"] is not None
        and r["altitude"] is not None
        and r["groundspeed"] is not None
        and r["vertical_rate"] is not None
    ]

    def col(key: str, factor: float = 1.0) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=np.float64) * factor

    track = np.radians(col("track"))
    speed = col("groundspeed", KT)
    return ReportBatch.build(
        t=col("timestamp", 1e-3),
        lat=col("latitude"),
        lon=col("longitude"),
        alt=col("altitude", FT),
        vel_e=speed * np.sin(track),
        vel_n=speed * np.cos(track),
        vel_u=col("vertical_rate", FPM),
        identity=np.array([f"icao:{r['icao24']}" for r in rows], dtype=object),
        callsign=np.array([(r["callsign"] or "").strip() for r in rows], dtype=object),
        squawk="",
        transponder=True,
    )


def test_frames_decode_with_pymodes(flights: ReportBatch) -> None:
    records = wb.beast_records(flights, float(flights.t.min()))
    order = np.argsort(flights.t, kind="stable")
    b = flights.take(order)
    _, first = np.unique(b.identity, return_index=True)
    assert len(records) == len(first) + 2 * len(b)
    # where each report's velocity frame is: after the identifications sent before it
    ident_before = np.searchsorted(np.sort(first), np.arange(len(b)), side="right")
    vel_at = 2 * np.arange(len(b)) + ident_before
    is_ident = np.ones(len(records), dtype=bool)
    is_ident[vel_at] = is_ident[vel_at + 1] = False
    for k in np.flatnonzero(is_ident)[:40].tolist():
        d = pyModeS.decode(records[k, 9:].tobytes().hex())
        assert d["crc_valid"]
        assert d["df"] == 17
        assert d["typecode"] == 4
        assert f"icao:{d['icao'].lower()}" in set(b.identity.tolist())
    # a sample of the position and velocity frames; pyModeS decodes one per call
    for k in np.r_[vel_at, vel_at + 1][::97].tolist():
        msg = records[k, 9:].tobytes().hex()
        i = int(np.searchsorted(vel_at, k, side="right")) - 1
        is_pos = k == vel_at[i] + 1
        truth = b.take([i])
        ref = (float(truth.lat[0]), float(truth.lon[0]))
        d = pyModeS.decode(msg, reference=ref)
        assert d["crc_valid"]
        assert d["df"] == 17
        assert f"icao:{d['icao'].lower()}" == truth.identity[0]
        if is_pos:
            assert d["typecode"] == 11
            assert abs(d["altitude"] - truth.alt[0] / FT) <= 12.5
            gap = distance_m(
                np.array([d["latitude"]]), np.array([d["longitude"]]), truth.lat, truth.lon
            )
            assert gap[0] < CPR_CELL_M
        else:
            assert d["typecode"] == 19
            track = np.radians(d["track"])
            ve, vn = d["groundspeed"] * np.sin(track), d["groundspeed"] * np.cos(track)
            assert abs(ve * KT - truth.vel_e[0]) < 1.0 * KT  # 0.5 kt per component, rounded
            assert abs(vn * KT - truth.vel_n[0]) < 1.0 * KT
            assert abs(d["vertical_rate"] * FPM - truth.vel_u[0]) <= 32 * FPM + 1e-9


def test_callsigns_decode_with_pymodes(flights: ReportBatch) -> None:
    ident, first = np.unique(flights.identity, return_index=True)
    frames = wb.identification(
        wb.icao_numbers(ident), flights.callsign[first], np.full(len(first), "A3", dtype=object)
    )
    for row, want in zip(frames, flights.callsign[first].tolist(), strict=True):
        d = pyModeS.decode(row.tobytes().hex())
        assert d["callsign"] == want
        assert d["category"] == 3
        assert d["typecode"] == 4


def test_round_trip_through_the_beast_decoder(flights: ReportBatch) -> None:
    epoch = float(flights.t.min())
    data = wb.beast_bytes(flights, epoch)
    assert data.count(b"\x1a\x1a") > 0  # escapes occur in real counters, addresses, CRCs
    q = Quarantine()
    stream = BeastStream(source="sim", start=from_epoch(epoch), clock=None)
    # fed in arbitrary pieces, as a socket delivers it
    pieces = [data[i : i + 65_537] for i in range(0, len(data), 65_537)]
    got = ReportBatch.concat([*(stream.feed(p, q) for p in pieces), stream.flush(q)])
    assert q.count == 0
    n_aircraft = len(np.unique(flights.identity))
    # every position but each aircraft's first (waiting for its CPR pair) comes back
    assert len(got) == len(flights) - n_aircraft
    assert q.skipped["CPR frame waiting for its pair or reference"] == n_aircraft
    b = flights.take(np.argsort(flights.t, kind="stable"))
    nth = np.zeros(len(b), dtype=bool)
    _, first = np.unique(b.identity, return_index=True)
    nth[first] = True
    want = b.take(np.flatnonzero(~nth))
    np.testing.assert_array_equal(got.identity, want.identity)
    np.testing.assert_allclose(got.t, want.t, atol=1e-6)
    assert distance_m(got.lat, got.lon, want.lat, want.lon).max() < CPR_CELL_M
    assert np.abs(got.alt - want.alt).max() <= 12.5 * FT + 1e-9
    assert np.abs(got.vel_e - want.vel_e).max() <= 0.5 * KT + 1e-9
    assert np.abs(got.vel_n - want.vel_n).max() <= 0.5 * KT + 1e-9
    assert np.abs(got.vel_u - want.vel_u).max() <= 32 * FPM + 1e-9
    assert (got.callsign == want.callsign).all()


def test_escape_doubles_every_0x1a_after_the_marker() -> None:
    frames = np.full((2, 14), 0x1A, dtype=np.uint8)
    records = wb.beast_frames(frames, np.array([0x1A1A1A1A1A1A, 0]), signal=0x1A)
    data = wb.escape(records)
    # record 0: marker, type, then 6 + 1 + 14 bytes all 0x1a, each doubled
    assert data[:2] == b"\x1a3"
    assert data[2:44] == b"\x1a" * 42
    assert len(data) == 2 + 42 + 2 + 6 + 2 + 28
