"""The simulator's ASTERIX encoders: the asterix-decoder package (EUROCONTROL's item
definitions, its own C parser) and airsentry's decoder read the same values back."""

from __future__ import annotations

import asterix
import numpy as np
import pytest

from airsentry.model import ReportBatch
from airsentry.sim import wire_asterix as wa
from airsentry.sources.asterix import AsterixDecoder
from airsentry.sources.base import Quarantine

T0 = 1_757_462_400.0 + 5 * 3600  # 2025-09-10T05:00:00Z
SITE = (52.3, 20.0, 100.0)
FT = 0.3048


def batch(n: int = 40, seed: int = 1) -> tuple[ReportBatch, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xpdr = rng.random(n) < 0.5
    ident = np.where(xpdr, [f"icao:{x:06x}" for x in rng.integers(0, 1 << 24, n)], "")
    b = ReportBatch.build(
        t=T0 + np.sort(rng.uniform(0, 600, n)),
        lat=rng.uniform(50, 54, n),
        lon=rng.uniform(18, 24, n),
        alt=rng.uniform(50, 11000, n),
        accuracy=rng.uniform(20, 300, n),
        vel_e=rng.normal(0, 100, n),
        vel_n=rng.normal(0, 100, n),
        identity=ident,
        callsign=np.where(xpdr, "LOT" + np.char.mod("%d", rng.integers(1, 9999, n)), ""),
        squawk=np.where(xpdr, np.char.mod("%04o", rng.integers(0, 0o7777, n)), ""),
        transponder=xpdr,
        track_number=rng.integers(0, 4000, n),
    )
    return b, rng.uniform(500, 200_000, n), rng.uniform(0, 360, n)


def parsed(data: bytes) -> list[dict]:
    return asterix.parse(data, verbose=False)


def test_cat048_items_read_back_by_asterix_decoder_and_airsentry():
    b, ground, az = batch()
    data = wa.cat048(b, (0x30, 7), ground, az, SITE[2])
    ref = parsed(data)
    assert len(ref) == len(b)
    for i, r in enumerate(ref):
        assert r["category"] == 48
        assert (r["I010"]["SAC"]["val"], r["I010"]["SIC"]["val"]) == (0x30, 7)
        assert r["I140"]["ToD"]["val"] == pytest.approx(b.t[i] % 86400, abs=1 / 128)
        slant = wa.slant_range(ground[i], b.alt[i], SITE[2])
        assert r["I040"]["RHO"]["val"] == pytest.approx(slant / 1852.0, abs=1 / 256)
        assert r["I040"]["THETA"]["val"] == pytest.approx(az[i], abs=360 / 65536)
        assert r["I161"]["Tn"]["val"] == b.track_number[i]
        if b.transponder[i]:
            assert r["I020"]["TYP"]["val"] == 5
            assert r["I070"]["Mode3A"]["val"] == b.squawk[i]
            assert r["I090"]["FL"]["val"] == pytest.approx(b.alt[i] / FT / 100, abs=0.125)
            assert r["I220"]["ACAddr"]["val"].lower() == b.identity[i][5:]
            assert r["I240"]["TId"]["val"].strip() == b.callsign[i]
        else:
            assert r["I020"]["TYP"]["val"] == 1
            assert r["I110"]["3D_Height"]["val"] == pytest.approx(b.alt[i] / FT, abs=12.5)
            assert "I070" not in r
    q = Quarantine()
    site = {"lat": SITE[0], "lon": SITE[1], "alt": SITE[2]}
    dec = AsterixDecoder(recording=None, radars={"*": site}, date="2025-09-10")
    dec.live = False
    dec.feed(data, q)
    got = dec.flush(q)
    assert q.count == 0
    assert len(got) == len(b)
    np.testing.assert_allclose(got.t, b.t, atol=1 / 128)
    np.testing.assert_allclose(got.alt, b.alt, atol=12.5 * FT)
    assert got.transponder.tolist() == b.transponder.tolist()
    assert got.identity.tolist() == b.identity.tolist()
    assert got.callsign.tolist() == b.callsign.tolist()
    assert got.squawk.tolist() == b.squawk.tolist()
    # the position is the site's range and azimuth walked back out along the geodesic
    from airsentry.sim.routes import GEOD

    n = len(b)
    back_az, _, back_ground = GEOD.inv(np.full(n, SITE[1]), np.full(n, SITE[0]), got.lon, got.lat)
    np.testing.assert_allclose(back_ground, ground, atol=10.0)
    np.testing.assert_allclose(np.asarray(back_az) % 360, az, atol=0.01)
    # ... and the radar's own measurement rides along, exactly as sent
    assert got.frame is not None
    assert np.isnan(got.frame.elevation_rad).all()  # a 2D radar
    np.testing.assert_allclose(np.degrees(got.frame.azimuth_rad), az, atol=360 / 65536)
    slant = [wa.slant_range(g, a, SITE[2]) for g, a in zip(ground, b.alt, strict=True)]
    np.testing.assert_allclose(got.frame.range_m, slant, atol=1852 / 256)
    assert (got.frame.site_lat == SITE[0]).all()


def test_cat062_items_read_back_by_asterix_decoder_and_airsentry():
    b, _, _ = batch(seed=2)
    data = wa.cat062(b, (0x30, 9))
    ref = parsed(data)
    assert len(ref) == len(b)
    for i, r in enumerate(ref):
        assert r["category"] == 62
        assert r["I070"]["ToT"]["val"] == pytest.approx(b.t[i] % 86400, abs=1 / 128)
        assert r["I105"]["Lat"]["val"] == pytest.approx(b.lat[i], abs=180 / 2**25)
        assert r["I105"]["Lon"]["val"] == pytest.approx(b.lon[i], abs=180 / 2**25)
        assert r["I185"]["Vx"]["val"] == pytest.approx(b.vel_e[i], abs=0.125)
        assert r["I185"]["Vy"]["val"] == pytest.approx(b.vel_n[i], abs=0.125)
        assert r["I040"]["TrkN"]["val"] == b.track_number[i]
        assert r["I130"]["Alt"]["val"] == pytest.approx(b.alt[i] / FT, abs=3.125)
        if b.transponder[i]:
            assert r["I060"]["Mode3A"]["val"] == b.squawk[i]
            assert r["I380"]["ADR"]["ADR"]["val"].lower() == b.identity[i][5:]
            assert r["I380"]["ID"]["ACID"]["val"].strip() == b.callsign[i]
    q = Quarantine()
    dec = AsterixDecoder(date="2025-09-10")
    dec.live = False
    dec.feed(data, q)
    got = dec.flush(q)
    assert q.count == 0
    np.testing.assert_allclose(got.lat, b.lat, atol=180 / 2**25)
    np.testing.assert_allclose(got.lon, b.lon, atol=180 / 2**25)
    np.testing.assert_allclose(got.vel_e, b.vel_e, atol=0.125)
    np.testing.assert_allclose(got.accuracy, b.accuracy, atol=1.0)
    assert got.track_number.tolist() == b.track_number.tolist()
    assert got.transponder.tolist() == b.transponder.tolist()
    assert got.identity.tolist() == b.identity.tolist()


def test_a_held_address_in_a_transponder_gap_is_not_a_transponder():
    b = ReportBatch.build(
        t=[T0], lat=[52.0], lon=[20.0], alt=[6000.0], identity=["icao:48ae21"],
        callsign=["LOT3801"], transponder=[False], track_number=[3],
    )  # fmt: skip
    q = Quarantine()
    for data in (wa.cat062(b, (1, 1)), wa.cat048(b, (1, 2), np.array([9e4]), np.array([10.0]), 0)):
        dec = AsterixDecoder(date="2025-09-10", radars={"*": {"lat": 52, "lon": 19, "alt": 0}})
        dec.live = False
        dec.feed(data, q)
        got = dec.flush(q)
        assert got.identity.tolist() == ["icao:48ae21"]
        assert got.transponder.tolist() == [False]
    assert q.count == 0


def test_blocks_are_cut_and_fspec_extends():
    assert wa.fspec([1]) == b"\x80"
    assert wa.fspec([1, 8]) == b"\x81\x80"
    assert wa.fspec([27]) == b"\x01\x01\x01\x04"
    b, ground, az = batch(n=600, seed=3)
    data = wa.cat048(b, (1, 1), ground, az, 0.0)
    assert len(data) > wa.BLOCK_BYTES
    assert len(parsed(data)) == 600
