"""The vectorised Mode S core against pyModeS's own per-message decoding.

Reference: pyModeS 3 (``pyModeS.decode`` and ``pyModeS.position``), message by
message, on the real frames of the rs1090 recording in the ``traffic`` wheel (one Air
France flight, Paris CDG to Toulouse, 57,793 frames) and on random CPR inputs.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyModeS
import pytest
from pyModeS.position import (
    airborne_position_pair,
    airborne_position_with_ref,
    cprNL,
    surface_position_pair,
)

from airsentry.sources.base import Quarantine
from airsentry.sources.modes import ModeSDecoder, cpr
from airsentry.sources.modes import fields as fl

CDG = (49.0097, 2.5479)


@pytest.fixture(scope="module")
def messages(traffic_sample: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in traffic_sample["jsonl"].splitlines()]


def frame_matrix(hexes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Frames as the (n, 14) matrix; rs1090 pads short frames to 28 digits: cut them."""
    frames = np.zeros((len(hexes), 14), dtype=np.uint8)
    long = np.zeros(len(hexes), dtype=np.bool_)
    for i, h in enumerate(hexes):
        b = bytes.fromhex(h)
        b = b if b[0] >> 3 >= 16 else b[:7]
        frames[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        long[i] = len(b) == 14
    return frames, long


def short_hex(h: str) -> str:
    return h if int(h[:2], 16) >> 3 >= 16 else h[:14]


def test_fields_agree_with_pymodes_message_by_message(messages: list[dict[str, Any]]) -> None:
    sample = messages[::7]
    hexes = [short_hex(m["frame"]) for m in sample]
    ref = [pyModeS.decode(h) for h in hexes]
    frames, long = frame_matrix(hexes)
    df, _, _ = fl.header(frames)
    assert list(df) == [r["df"] for r in ref]
    es = (df == 17) | (df == 18)
    assert (fl.crc_remainder(frames, long)[es] == 0).all()
    me = fl.me_field(frames)
    tc = fl.bits(me, 51, 5)
    code = fl.code13(frames)
    checked = {"alt": 0, "squawk": 0, "callsign": 0, "vel": 0, "pos": 0}
    for i, r in enumerate(ref):
        if r["df"] in (0, 4, 16, 20):
            want = r["altitude"]
            got = fl.altitude_ft(code[i : i + 1])[0]
            assert (math.isnan(got) and want is None) or got == want
            checked["alt"] += 1
        if r["df"] in (5, 21):
            assert fl.squawk(code[i : i + 1])[0] == r["squawk"]
            checked["squawk"] += 1
        if r.get("bds") == "0,8":
            assert fl.callsign_text(fl.callsign_codes(me[i : i + 1]))[0] == r["callsign"]
            checked["callsign"] += 1
        if r.get("bds") == "0,9" and r["subtype"] == 1:
            ve, vn, vu = fl.airborne_velocity(me[i : i + 1])
            assert math.hypot(ve[0], vn[0]) / fl.KT == pytest.approx(r["groundspeed"], abs=1)
            track = math.degrees(math.atan2(ve[0], vn[0])) % 360
            assert track == pytest.approx(r["track"], abs=1e-6)
            assert vu[0] / fl.FPM == pytest.approx(r["vertical_rate"])
            checked["vel"] += 1
        if r.get("bds") == "0,5":
            assert fl.bits(me[i : i + 1], 17, 17)[0] == r["cpr_lat"]
            alt = fl.altitude_ft(fl.ac12_to_ac13(fl.bits(me[i : i + 1], 36, 12)))[0]
            assert alt == r["altitude"]
            assert tc[i] == r["typecode"]
            checked["pos"] += 1
    assert min(checked.values()) > 10, checked


def test_nl_matches_pymodes_everywhere() -> None:
    lat = np.r_[np.linspace(-90, 90, 20_001), 87.0, -87.0, 0.0]
    assert list(cpr.nl(lat)) == [cprNL(x) for x in lat]


def test_global_and_local_cpr_match_pymodes_scalar_functions() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    ye, xe, yo, xo = (rng.integers(0, 1 << 17, n) for _ in range(4))
    odd = rng.random(n) < 0.5
    lat, lon, ok = cpr.global_airborne(ye, xe, yo, xo, odd)
    ref_lat, ref_lon = rng.uniform(-60, 60, n), rng.uniform(-180, 180, n)
    s_lat, s_lon, s_ok = cpr.global_surface(ye, xe, yo, xo, odd, ref_lat, ref_lon)
    for i in range(n):
        want = airborne_position_pair(ye[i], xe[i], yo[i], xo[i], even_is_newer=not odd[i])
        assert ok[i] == (want is not None)
        if want is not None:
            assert (lat[i], lon[i]) == pytest.approx(want, abs=1e-9)
        want = surface_position_pair(
            ye[i],
            xe[i],
            yo[i],
            xo[i],
            lat_ref=ref_lat[i],
            lon_ref=ref_lon[i],
            even_is_newer=not odd[i],
        )
        assert s_ok[i] == (want is not None)
        if want is not None:
            assert (s_lat[i], s_lon[i]) == pytest.approx(want, abs=1e-9)
    fmt = odd.astype(np.int64)
    l_lat, l_lon = cpr.local(fmt, ye, xe, ref_lat, ref_lon, np.zeros(n, dtype=np.bool_))
    for i in range(0, n, 3):
        want = airborne_position_with_ref(fmt[i], ye[i], xe[i], ref_lat[i], ref_lon[i])
        assert (l_lat[i], l_lon[i]) == pytest.approx(want, abs=1e-9)


def test_real_flight_positions_equal_rs1090s_own(messages: list[dict[str, Any]]) -> None:
    """Every position rs1090 decoded (8,324 of them, taxi, take-off, cruise, landing)
    comes out of our decoder, at the same time and within 1e-9 degrees (0.1 mm)."""
    frames, long = frame_matrix([m["frame"] for m in messages])
    t = np.array([m["timestamp"] for m in messages])
    q = Quarantine()
    b = ModeSDecoder(receiver=CDG).decode(frames, long, t, np.arange(len(t)), q, "rs1090")
    want = [(m["timestamp"], m["latitude"], m["longitude"]) for m in messages if "latitude" in m]
    assert q.count == 0
    assert len(b) == len(want)
    np.testing.assert_array_equal(b.t, [w[0] for w in want])
    np.testing.assert_allclose(b.lat, [w[1] for w in want], atol=1e-9)
    np.testing.assert_allclose(b.lon, [w[2] for w in want], atol=1e-9)
    assert set(b.identity) == {"icao:393322"}
    assert set(b.callsign) <= {"", "AFR34ZG"}
    assert (b.callsign == "AFR34ZG").mean() > 0.99
    # Taxi at CDG and at Toulouse on the surface; cruise at up to FL3xx in between.
    assert b.on_ground[0]
    assert b.on_ground[-1]
    assert not b.on_ground.all()
    assert np.isnan(b.alt[b.on_ground]).all()
    assert 9_000 < np.nanmax(b.alt) < 12_500
    assert set(b.squawk) <= {"", "1000"}


def test_chunking_changes_nothing(messages: list[dict[str, Any]]) -> None:
    sub = messages[:12_000]
    frames, long = frame_matrix([m["frame"] for m in sub])
    t = np.array([m["timestamp"] for m in sub])
    off = np.arange(len(t))
    whole = ModeSDecoder(receiver=CDG).decode(frames, long, t, off, Quarantine(), "x")
    dec = ModeSDecoder(receiver=CDG)
    parts = [
        dec.decode(
            frames[i : i + 997],
            long[i : i + 997],
            t[i : i + 997],
            off[i : i + 997],
            Quarantine(),
            "x",
        )
        for i in range(0, len(t), 997)
    ]
    lat = np.concatenate([p.lat for p in parts])
    assert len(lat) == len(whole)
    np.testing.assert_array_equal(lat, whole.lat)
    assert [c for p in parts for c in p.callsign] == list(whole.callsign)


def test_parity_addressed_frames_need_a_confirmed_address(
    messages: list[dict[str, Any]],
) -> None:
    """DF4/5/20/21 alone (no DF11/17/18 heard) give nothing: their address is unproven."""
    surv = [m for m in messages if m["df"] in ("4", "5", "20", "21")][:500]
    frames, long = frame_matrix([m["frame"] for m in surv])
    q = Quarantine()
    dec = ModeSDecoder()
    dec.decode(frames, long, np.arange(500.0), np.arange(500), q, "x")
    assert q.skipped["Mode S address not confirmed by DF11/17/18"] == 500
    assert q.count == 0
