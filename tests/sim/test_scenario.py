"""Scenario format validation and the report generator."""

from __future__ import annotations

import itertools

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


def test_heading_segments_follow_the_geodesic_and_carry_altitude():
    d = doc()
    d["actors"][0]["route"] = [
        {"t": "2025-09-10T00:00:00Z", "lat": 52.0, "lon": 24.0, "alt_m": 500},
        {"heading_deg": 270, "speed_mps": 50, "duration_s": 1200, "alt_m": 800},
    ]
    a1 = parse_scenario(d).actors[0]
    assert a1.end - a1.start == pytest.approx(1200)
    end = a1.route[-1]
    _, _, dist = GEOD.inv(24.0, 52.0, end.lon, end.lat)
    assert dist == pytest.approx(60_000, rel=1e-6)
    assert len(a1.route) == 4  # cut into legs of at most 20 km
    assert end.alt_m == pytest.approx(800)


def test_transponder_intervals_remote_id_and_several_sensors():
    d = doc()
    d["actors"][1].update(
        sensors=["adsb", "rad"],
        transponder_off=[["2025-09-10T00:02:00Z", "2025-09-10T00:04:00Z"]],
    )
    d["actors"].append(
        {
            "id": "d1",
            "kind": "drone",
            "identity": "rid:XYZ",
            "sensor": "adsb",
            "route": [
                {"t": "2025-09-10T00:00:00Z", "lat": 52, "lon": 20, "alt_m": 100},
                {"lat": 52.01, "lon": 20, "speed_mps": 10},
            ],
        }
    )
    sc = parse_scenario(d)
    a2, d1 = sc.actors[1], sc.actors[2]
    assert a2.sensors == ("adsb", "rad")
    t = a2.start + np.array([60.0, 180.0, 300.0])
    assert a2.transponding(t).tolist() == [True, False, True]
    assert d1.remote_id
    assert d1.broadcasting_rid(t).all()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["actors"][1].update(transponder_off=[["2025-09-10T00:04:00Z",
                                                           "2025-09-10T00:02:00Z"]]),
         "transponder_off"),
        (lambda d: d["actors"][0].update(remote_id=True), "remote_id"),
        (lambda d: d["sensors"][0].update(output="tracklets"), "output"),
        (lambda d: d["sensors"][0].update(range_m=1000), "site"),
        (lambda d: d["sensors"][0].update(kind="passive_rf"), "bearing sensor needs a site"),
        (lambda d: d.update(expected=[{"owner": "POL"}]), r"expected\[0\]"),
        (lambda d: d.update(expected=[{"zone": "x", "recommendation": "nuke"}]), "action"),
        (lambda d: d.update(control=True, expected=[{"zone": "x"}]), "control"),
    ],
)  # fmt: skip
def test_malformed_extensions_name_the_place(mutate, message):
    d = doc()
    mutate(d)
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(d, source="bad.yaml")


def test_every_library_scenario_loads_and_controls_expect_nothing():
    from airsentry.sim.scenario import library_names

    names = library_names()
    assert {"poland-2025-09-10", "estonia-2025-09-19", "copenhagen-2025-09-22",
            "oslo-2025-09-22", "control-airline-traffic", "control-transponder-gap",
            "control-legal-drone"} <= set(names)  # fmt: skip
    for name in names:
        sc = load_library(name)
        assert sc.control == name.startswith("control-")
        assert sc.control or sc.expected


@pytest.mark.parametrize("name", ["transport-no-transponder", "estonia-2025-09-19"])
def test_fixed_wing_aircraft_of_the_library_turn_as_aircraft_can(name: str) -> None:
    """A route point is a kink: an aircraft at 135 m/s reversing its course there turns
    at an infinite rate, and no tracker should follow that (the transport's turn back
    was one 180 deg kink, its track split in two on the plots variant). Manned fixed
    wings turn back through legs of at most 30 deg each."""
    from airsentry.sim.routes import GEOD

    for a in load_library(name).actors:
        if a.kind not in ("airliner", "fast_jet", "light_aircraft"):
            continue
        pts = [(w.lat, w.lon) for w in a.route]
        legs = [(p, q) for p, q in itertools.pairwise(pts) if p != q]
        az = [GEOD.inv(p[1], p[0], q[1], q[0])[0] for p, q in legs]
        turns = [abs((b - c + 180) % 360 - 180) for c, b in itertools.pairwise(az)]
        assert max(turns, default=0.0) <= 30.0, a.id
