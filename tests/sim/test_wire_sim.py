"""The simulator on the wire: plot radars through CAT048, counter-UAS nodes through
SAPIENT, structured clutter, the plots variant and the drone-wall scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from airsentry.sim.scenario import load_library, parse_scenario
from airsentry.sim.sensors import observe, truth
from airsentry.sim.variants import plots, variant

GEOD = Geod(ellps="WGS84")
T0 = "2025-09-10T00:00:00Z"
SITE = {"lat": 52.0, "lon": 23.5, "alt_m": 150}


def small_wall() -> dict:
    drone = {
        "id": "d1", "kind": "decoy_drone", "sensors": ["R", "RF", "AC"],
        "route": [{"t": T0, "lat": 52.0, "lon": 23.75, "alt_m": 500},
                  {"heading_deg": 270, "speed_mps": 40, "duration_s": 900}],
    }  # fmt: skip
    return {
        "name": "w",
        "sensors": [
            {"id": "R", "kind": "radar", "site": SITE, "range_m": 30000, "period_s": 2,
             "range_noise_m": 15, "azimuth_noise_deg": 0.3, "p_detect": 0.9, "output": "plots",
             "clutter_per_scan": 1,
             "clutter_sources": [{"kind": "wind_farm", "lat": 52.1, "lon": 23.3,
                                  "radius_m": 1000, "per_scan": 3},
                                 {"kind": "birds", "lat": 51.95, "lon": 23.4, "radius_m": 200,
                                  "per_scan": 1, "heading_deg": 180, "speed_mps": 12,
                                  "start": T0, "end": "2025-09-10T00:10:00Z"}]},
            {"id": "RF", "kind": "passive_rf", "site": SITE, "range_m": 15000, "period_s": 2,
             "bearing_noise_deg": 3},
            {"id": "AC", "kind": "acoustic", "site": {**SITE, "lon": 23.45}, "range_m": 3000,
             "period_s": 2, "bearing_noise_deg": 5},
        ],
        "actors": [drone],
    }  # fmt: skip


def test_sensors_speak_their_wire_by_default():
    sc = parse_scenario(small_wall())
    assert {s.id: s.format for s in sc.sensors} == {
        "R": "asterix",
        "RF": "sapient",
        "AC": "sapient",
    }


def test_plots_sapient_and_clutter_come_back_through_the_decoders():
    sc = parse_scenario(small_wall())
    feed = observe(sc, seed=3)
    rep = feed.reports
    radar = (rep.sensor == "R") & (feed.actor == 0)
    # CAT048 plots: positions within a few sigma of the truth, no track numbers
    lat, lon, _ = truth(sc.actors[0], rep.t[radar])
    _, _, err = GEOD.inv(lon, lat, rep.lon[radar], rep.lat[radar])
    assert np.median(err) < 60
    assert (rep.track_number[radar] == -1).all()
    # the wind farm: clutter plots scan after scan around its place
    clutter = (rep.sensor == "R") & (feed.actor == -1)
    _, _, d_farm = GEOD.inv(
        np.full(clutter.sum(), 23.3),
        np.full(clutter.sum(), 52.1),
        rep.lon[clutter],
        rep.lat[clutter],
    )
    near_farm = (d_farm < 1100).sum()
    scans = (sc.span[1] - sc.span[0]) / 2
    assert near_farm > 2 * scans  # ~3 per scan, against ~0.003 per scan for uniform clutter
    # SAPIENT: range and bearing from the node's site, kept on the sensor frame
    rf = rep.take(rep.sensor == "RF")
    assert len(rf) > 50
    assert rf.frame is not None
    assert np.allclose(rf.frame.site_lat, SITE["lat"])
    az, _, _ = GEOD.inv(
        np.full(len(rf), SITE["lon"]), np.full(len(rf), SITE["lat"]), rf.lon, rf.lat
    )
    np.testing.assert_allclose(np.radians(np.asarray(az) % 360), rf.frame.azimuth_rad, atol=1e-6)
    assert set(rf.category) == {"drone"}  # an RF detector hears drone links
    assert set(rf.track_number) == {1}  # the node's object id, numbered by the decoder
    ac = rep.take(rep.sensor == "AC")
    assert len(ac) > 0
    assert set(ac.category) == {""}


def test_plots_variant_makes_every_radar_a_plot_radar_with_a_site():
    sc = load_library("september-2025")
    pv = plots(sc)
    assert pv.name == "september-2025+plots"
    for before, after in zip(sc.sensors, pv.sensors, strict=True):
        if before.kind != "radar":
            assert after == before
            continue
        assert after.output == "plots"
        assert after.format == "asterix"
        assert after.site is not None
        assert math.isfinite(after.range_m)
        assert after.clutter_per_scan >= 3
        assert after.p_detect <= 0.85
        # the derived coverage reaches every route point it watches
        for a in sc.actors:
            if before.id in (a.sensors or (a.sensor,)):
                for w in a.route:
                    _, _, d = GEOD.inv(after.site[1], after.site[0], w.lon, w.lat)
                    assert d <= after.range_m
    assert variant(sc, "wire") is sc


def test_drone_wall_is_a_night_border_with_radars_rf_acoustic_and_overflights():
    sc = load_library("drone-wall-poland")
    kinds = [s.kind for s in sc.sensors]
    assert kinds.count("passive_rf") == 10
    assert kinds.count("acoustic") == 20
    assert kinds.count("radar") == 5
    formats = {s.format for s in sc.sensors if s.kind in ("radar", "passive_rf", "acoustic")}
    assert formats == {"asterix", "sapient"}
    assert any(s.clutter_sources for s in sc.sensors)
    drones = [a for a in sc.actors if a.kind.is_drone]
    assert 18 <= len(drones) <= 22
    hours = [((a.start % 86400) / 3600) for a in drones]
    assert all(h >= 20.5 or h < 4 for h in hours)  # UTC, night in Poland
    # border sites from north to south: some 300 km of border
    wall = [s.site for s in sc.sensors if s.kind == "acoustic"]
    assert wall[0] is not None
    assert wall[-1] is not None
    _, _, span = GEOD.inv(wall[0][1], wall[0][0], wall[-1][1], wall[-1][0])
    assert 230_000 < span < 350_000
    # some fly far inland: 250 km or more west of where they crossed
    depth = [
        GEOD.inv(a.route[1].lon, a.route[1].lat, a.route[-1].lon, a.route[-1].lat)[2]
        for a in drones
    ]
    assert sum(d > 250_000 for d in depth) >= 2
    assert sum(1 for a in sc.actors if a.kind.value == "airliner") >= 5


@pytest.mark.parametrize("name", ["control-transponder-gap"])
def test_a_library_scenario_and_its_plots_variant_go_through_the_wire(name: str):
    sc = load_library(name)
    for s in (sc, plots(sc)):
        feed = observe(s, seed=1)
        assert len(feed) > 0
        assert set(feed.reports.sensor) == {x.id for x in s.sensors}


def test_cat048_plots_beyond_256_nm_are_refused_at_load():
    from airsentry.errors import ScenarioError

    doc = small_wall()
    doc["sensors"][0]["range_m"] = 600_000
    with pytest.raises(ScenarioError, match="256 NM"):
        parse_scenario(doc)
    doc["sensors"][0]["format"] = "reports"
    assert parse_scenario(doc).sensors[0].format == "reports"
    far = plots(load_library("control-airline-traffic"))
    assert all(s.range_m <= 450_000 for s in far.sensors if s.kind == "radar")
