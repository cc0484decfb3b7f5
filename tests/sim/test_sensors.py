"""Sensor models: noise of the stated size and shape, misses, clutter, latency, wire formats."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from airsentry.sim.scenario import parse_scenario
from airsentry.sim.sensors import observe, truth
from airsentry.sim.wire import sbs_lines

GEOD = Geod(ellps="WGS84")
SITE = {"lat": 52.0, "lon": 21.0, "alt_m": 100}
T0 = "2025-09-10T00:00:00Z"


def scenario(sensor, actor_over=None, more_actors=()):
    actor = {
        "id": "a1",
        "kind": "airliner",
        "identity": "icao:48ad04",
        "transponder": True,
        "callsign": "LOT1",
        "squawk": "2301",
        "sensors": [sensor["id"]],
        "route": [  # due north from 100 km to 300 km of the site
            {"t": T0, "lat": 52.9, "lon": 21.0, "alt_m": 9000},
            {"heading_deg": 0, "speed_mps": 200, "duration_s": 1000},
        ],
    }
    actor.update(actor_over or {})
    return parse_scenario({"name": "s", "sensors": [sensor], "actors": [actor, *more_actors]})


def radar(**kw):
    return {"id": "R", "kind": "radar", "site": SITE, "period_s": 10, "range_m": 400_000} | kw


def errors(feed, sc):
    """Range and cross-range error of each report, and its true range, from the site."""
    rep = feed.reports
    lat, lon, _ = truth(sc.actors[0], rep.t)
    n = len(rep)
    az_t, _, r_t = GEOD.inv(np.full(n, SITE["lon"]), np.full(n, SITE["lat"]), lon, lat)
    az_m, _, r_m = GEOD.inv(np.full(n, SITE["lon"]), np.full(n, SITE["lat"]), rep.lon, rep.lat)
    return r_m - r_t, np.radians(az_m - az_t) * r_t, r_t


def test_radar_noise_is_polar_cross_range_grows_with_range():
    sc = scenario(radar(range_noise_m=50, azimuth_noise_deg=0.2, period_s=2))
    feed = observe(sc, seed=1)
    dr, dx, r = errors(feed, sc)
    assert np.std(dr) == pytest.approx(50, rel=0.15)
    near, far = r < 150_000, r > 250_000
    # azimuth noise: cross-range 1-sigma is range * sigma_az
    assert np.std(dx[near]) / np.mean(r[near]) == pytest.approx(np.radians(0.2), rel=0.2)
    assert np.std(dx[far]) > 1.5 * np.std(dx[near])
    assert np.all(np.diff(feed.reports.accuracy[np.argsort(r)]) > -1e-6)  # stated error grows


def test_scan_times_follow_the_antenna_and_track_numbers_are_kept():
    sc = scenario(radar())
    rep = observe(sc, seed=2).reports
    assert np.allclose(np.diff(rep.t), 10.0, atol=0.05)  # a target due north: once a scan
    assert set(rep.track_number) == {1}
    assert set(rep.identity) == {""}  # primary radar: no identity
    assert np.isnan(rep.vel_e).all()


def test_misses_and_clutter_and_plots_without_track_numbers():
    sc = scenario(radar(p_detect=0.7, output="plots", clutter_per_scan=4, period_s=5))
    feed = observe(sc, seed=3)
    real, clutter = feed.actor >= 0, feed.actor == -1
    scans = 1000 / 5
    assert real.sum() / scans == pytest.approx(0.7, abs=0.08)
    assert clutter.sum() / scans == pytest.approx(4, rel=0.2)
    assert (feed.reports.track_number == -1).all()
    _, _, dist = GEOD.inv(
        np.full(int(clutter.sum()), SITE["lon"]), np.full(int(clutter.sum()), SITE["lat"]),
        feed.reports.lon[clutter], feed.reports.lat[clutter],
    )  # fmt: skip
    assert dist.max() <= 400_000 * 1.01
    assert np.median(dist) > 200_000  # uniform over the disc, not bunched at the site


def test_range_limits_coverage():
    sc = scenario(radar(range_m=200_000, period_s=2))
    _, _, r = errors(observe(sc, seed=4), sc)
    assert r.max() <= 200_000 + 100


def test_latency_delays_arrival_only():
    sc = scenario({"id": "A", "kind": "adsb", "period_s": 1, "latency_s": 2.5})
    feed = observe(sc, seed=5)
    np.testing.assert_allclose(feed.arrival - feed.reports.t, 2.5)
    assert np.all(np.diff(feed.arrival) >= 0)


def test_transponder_gap_silences_adsb_and_combined_radar_keeps_the_address():
    gap = [["2025-09-10T00:05:00Z", "2025-09-10T00:10:00Z"]]
    sensors = [
        {"id": "A", "kind": "adsb", "period_s": 1},
        radar(ssr=True, period_s=4),
        radar(id="P", ssr=True, hold_identity=False, period_s=4),
    ]
    sc = parse_scenario(
        {
            "name": "g",
            "sensors": sensors,
            "actors": [
                {
                    "id": "a1",
                    "kind": "airliner",
                    "identity": "icao:48ad04",
                    "transponder": True,
                    "squawk": "2301",
                    "transponder_off": gap,
                    "sensors": ["A", "R", "P"],
                    "route": [
                        {"t": T0, "lat": 52.9, "lon": 21.0, "alt_m": 9000},
                        {"heading_deg": 0, "speed_mps": 200, "duration_s": 1000},
                    ],
                }
            ],
        }
    )
    rep = observe(sc, seed=6).reports
    t0 = sc.actors[0].transponder_off[0][0]
    in_gap = (rep.t >= t0) & (rep.t < t0 + 300)
    assert not (in_gap & (rep.sensor == "A")).any()
    held = rep.take(in_gap & (rep.sensor == "R"))
    assert len(held) > 50
    assert set(held.identity) == {"icao:48ad04"}
    assert not held.transponder.any()
    assert set(held.squawk) == {""}
    bare = rep.take(in_gap & (rep.sensor == "P"))
    assert set(bare.identity) == {""}
    assert set(bare.track_number) == {1}
    after = rep.take((rep.t > t0 + 300) & (rep.sensor == "P"))
    assert after.transponder.all()
    assert set(after.identity) == {"icao:48ad04"}


def test_sbs_round_trip_through_the_real_decoder():
    plain = scenario({"id": "A", "kind": "adsb", "period_s": 1, "noise_m": 10})
    wired = scenario({"id": "A", "kind": "adsb", "period_s": 1, "noise_m": 10, "format": "sbs"})
    a, b = observe(plain, seed=7).reports, observe(wired, seed=7).reports
    assert len(a) == len(b)
    assert set(b.sensor) == {"A"}
    np.testing.assert_allclose(b.lat, a.lat, atol=1e-5)  # SBS keeps 5 decimals
    np.testing.assert_allclose(b.alt, a.alt, atol=0.16)  # whole feet
    np.testing.assert_allclose(b.t, a.t, atol=6e-4)  # milliseconds
    np.testing.assert_allclose(b.vel_n, a.vel_n, atol=0.6)  # whole knots
    assert set(b.callsign) == {"LOT1"}
    assert set(b.squawk) == {"2301"}
    text = sbs_lines(a)
    assert text.count("MSG,3,") == len(a)
    assert text.startswith("MSG,1,")


def test_remote_id_within_range_and_bearing_sensor_error():
    drone = {
        "id": "d", "kind": "drone", "identity": "rid:ABC123", "sensors": ["RX", "RF"],
        "route": [{"t": T0, "lat": 52.0, "lon": 21.01, "alt_m": 100},
                  {"heading_deg": 90, "speed_mps": 10, "duration_s": 600}],
    }  # fmt: skip
    sc = parse_scenario({
        "name": "d",
        "sensors": [
            {"id": "RX", "kind": "remote_id", "site": SITE, "range_m": 3000, "period_s": 1},
            {"id": "RF", "kind": "passive_rf", "site": SITE, "bearing_noise_deg": 2,
             "period_s": 1},
        ],
        "actors": [drone],
    })  # fmt: skip
    rep = observe(sc, seed=8).reports
    rx, rf = rep.take(rep.sensor == "RX"), rep.take(rep.sensor == "RF")
    _, _, d = GEOD.inv(np.full(len(rx), 21.0), np.full(len(rx), 52.0), rx.lon, rx.lat)
    assert d.max() <= 3000
    assert set(rx.identity) == {"rid:ABC123"}
    assert rx.transponder.all()
    assert len(rf) > len(rx)  # the RF sensor has no range limit here
    assert set(rf.identity) == {""}
    assert set(rf.track_number) == {1}


def test_deterministic_per_seed():
    sc = scenario(radar(p_detect=0.8, output="plots", clutter_per_scan=2, range_noise_m=30))
    a, b, c = observe(sc, seed=11), observe(sc, seed=11), observe(sc, seed=12)
    np.testing.assert_array_equal(a.reports.lat, b.reports.lat)
    np.testing.assert_array_equal(a.arrival, b.arrival)
    assert len(a) != len(c) or not np.array_equal(a.reports.lat, c.reports.lat)


def test_remote_id_round_trip_through_the_real_decoder():
    drone = {
        "id": "d", "kind": "drone", "identity": "rid:1581F5FJC24010AB", "sensors": ["RX"],
        "route": [{"t": T0, "lat": 52.0, "lon": 21.01, "alt_m": 100},
                  {"heading_deg": 200, "speed_mps": 12, "duration_s": 300, "alt_m": 120}],
    }  # fmt: skip
    rx = {"id": "RX", "kind": "remote_id", "period_s": 1, "noise_m": 3}
    plain = parse_scenario({"name": "p", "sensors": [rx], "actors": [drone]})
    wired = parse_scenario(
        {"name": "w", "sensors": [rx | {"format": "remoteid"}], "actors": [drone]}
    )
    a, b = observe(plain, seed=9).reports, observe(wired, seed=9).reports
    assert len(a) == len(b)
    assert set(b.sensor) == {"RX"}
    assert set(b.identity) == {"rid:1581F5FJC24010AB"}
    np.testing.assert_allclose(b.lat, a.lat, atol=1e-7)  # 1e-7 degree
    np.testing.assert_allclose(b.t, a.t, atol=0.1)  # tenths of seconds in the hour
    np.testing.assert_allclose(b.alt, a.alt, atol=0.26)  # half metres
    np.testing.assert_allclose(np.hypot(b.vel_e, b.vel_n), np.hypot(a.vel_e, a.vel_n), atol=0.2)
