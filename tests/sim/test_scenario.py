"""Scenario format validation and the report generator."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from airsentry.errors import ScenarioError
from airsentry.sim.generate import generate, truth
from airsentry.sim.scenario import load_library, parse_scenario

GEOD = Geod(ellps="WGS84")


def doc(**over):
    d = {
        "name": "t",
        "sensors": [
            {"id": "rad", "kind": "radar", "period_s": 5, "noise_m": 100, "alt_noise_m": 50},
            {"id": "adsb", "kind": "adsb", "period_s": 1},
        ],
        "actors": [
            {
                "id": "a1",
                "kind": "drone",
                "sensor": "rad",
                "route": [
                    {"t": "2025-09-10T00:00:00Z", "lat": 52.0, "lon": 24.0, "alt_m": 500},
                    {"lat": 52.0, "lon": 23.0, "speed_mps": 50},
                ],
            },
            {
                "id": "a2",
                "kind": "airliner",
                "sensor": "adsb",
                "identity": "icao:48ad04",
                "transponder": True,
                "callsign": "LOT1",
                "route": [
                    {"t": "2025-09-10T00:00:00Z", "lat": 52.0, "lon": 21.0, "alt_m": 9000},
                    {"t": "2025-09-10T00:10:00Z", "lat": 53.0, "lon": 21.0},
                ],
            },
        ],
    }
    d.update(over)
    return d


def test_speed_waypoints_take_their_time_from_the_geodesic_length():
    sc = parse_scenario(doc())
    a1 = sc.actors[0]
    _, _, dist = GEOD.inv(24.0, 52.0, 23.0, 52.0)
    assert a1.end - a1.start == pytest.approx(dist / 50.0)
    assert a1.route[1].alt_m == 500  # altitude carried from the previous waypoint


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["actors"][0].update(kind="ufo"), "actor a1.kind"),
        (lambda d: d["actors"][0].update(sensor="nope"), "actor a1.sensor"),
        (lambda d: d["actors"][0]["route"][1].pop("speed_mps"), r"route\[1\]"),
        (lambda d: d["actors"][0]["route"][0].update(t="2025-09-10T00:00:00"), "naive"),
        (lambda d: d["actors"][0]["route"][0].update(lat=123), "out of range"),
        (lambda d: d["sensors"][0].update(period_s=-1), "period_s"),
        (lambda d: d["actors"][1].update(identity="ABC"), "identity"),
        (lambda d: d["actors"][1]["route"][1].update(t="2025-09-09T00:00:00Z"), "increase"),
    ],
)
def test_malformed_scenarios_name_the_place(mutate, message):
    d = doc()
    mutate(d)
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(d, source="bad.yaml")


def test_generator_is_deterministic_per_seed():
    sc = parse_scenario(doc())
    a, b, c = generate(sc, seed=1), generate(sc, seed=1), generate(sc, seed=2)
    np.testing.assert_array_equal(a.lat, b.lat)
    assert len(a) == len(b)
    assert not np.array_equal(a.lat[: min(len(a), len(c))], c.lat[: min(len(a), len(c))])


def test_radar_reports_carry_noise_of_the_stated_size_and_track_numbers_only():
    sc = parse_scenario(doc())
    reports = generate(sc, seed=3)
    rad = reports.take(reports.sensor == "rad")
    lat, lon, _ = truth(sc.actors[0], rad.t)
    _, _, err = GEOD.inv(lon, lat, rad.lon, rad.lat)
    # 2D Gaussian with sigma 100 m per axis: RMS radial error sqrt(2) * 100 m
    assert np.sqrt(np.mean(err**2)) == pytest.approx(141.4, rel=0.15)
    assert set(rad.identity) == {""}
    assert set(rad.track_number) == {1}
    assert not rad.transponder.any()
    assert np.isnan(rad.vel_e).all()


def test_adsb_reports_carry_identity_and_velocity():
    sc = parse_scenario(doc())
    reports = generate(sc, seed=3)
    ads = reports.take(reports.sensor == "adsb")
    assert set(ads.identity) == {"icao:48ad04"}
    assert set(ads.callsign) == {"LOT1"}
    assert ads.transponder.all()
    _, _, dist = GEOD.inv(21.0, 52.0, 21.0, 53.0)
    np.testing.assert_allclose(ads.vel_n, dist / 600.0, rtol=0.02)
    assert np.all(np.diff(reports.t) >= 0)


def test_embedded_library_scenario_loads():
    sc = load_library("september-2025")
    assert len([a for a in sc.actors if a.kind.value == "decoy_drone"]) == 19
    assert len([a for a in sc.actors if a.kind.value == "fast_jet"]) == 3
    airliners = [a for a in sc.actors if a.kind.value == "airliner"]
    assert airliners
    assert all(a.transponder and a.identity.startswith("icao:") for a in airliners)
    with pytest.raises(ScenarioError, match="no scenario named"):
        load_library("nope")
