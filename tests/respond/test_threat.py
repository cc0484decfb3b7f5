"""Threat assessment: heading and time to protected sites, behaviour, and the evidence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airsentry.model import ReportBatch, TrackUpdates
from airsentry.respond.impact import distance_bearing
from airsentry.respond.picture import TrafficPicture
from airsentry.respond.threat import Site, assess, sites_from_zones
from incident_builders import make_incident, straight_path

TALLINN = Site("Tallinn Airport (EETN)", "airport", "EST", 59.4133, 24.8328, "EETN")
TAPA = Site("Tapa army base", "site", "EST", 59.25, 25.96, "site:tapa")
ELSEWHERE = Site("Riga (EVRA)", "airport", "LVA", 56.92, 23.97, "EVRA")


def test_heading_and_time_to_reach_a_site() -> None:
    # 60 km west of Tallinn, flying due east at 200 m/s: about 5 minutes out.
    start_lon = 24.8328 - 60_000 / (111_320 * math.cos(math.radians(59.4133)))
    path = straight_path(59.4133, start_lon, 90.0, 200.0, 120.0, step=30.0)
    inc = make_incident("sovereign", ["fast_jet"], paths=[path])
    threat = assess(inc, [TALLINN, TAPA, ELSEWHERE])
    # Tallinn first (soonest), then Tapa further along the same line; never Riga.
    assert [h["site"] for h in threat.heading_to] == ["Tallinn Airport (EETN)", "Tapa army base"]
    h = threat.heading_to[0]
    d_now = float(distance_bearing(np.array([path[-1][1]]), np.array([path[-1][2]]),
                                   TALLINN.lat, TALLINN.lon)[0][0])  # fmt: skip
    assert h["distance_m"] == pytest.approx(d_now, rel=1e-6)
    assert h["eta_s"] == pytest.approx(d_now / 200.0, rel=0.02)
    assert any("heading for Tallinn Airport (EETN)" in line for line in threat.lines())
    # Flying the other way, nothing is ahead.
    away = straight_path(59.4133, start_lon, 270.0, 200.0, 120.0, step=30.0)
    assert (
        assess(make_incident("sovereign", ["fast_jet"], paths=[away]), [TALLINN]).heading_to == ()
    )


def test_loitering_and_straight_transit_are_told_apart() -> None:
    circle = [
        (60.0 * k, 59.0 + 0.01 * math.sin(k / 3), 25.0 + 0.02 * math.cos(k / 3)) for k in range(20)
    ]
    loiter = assess(make_incident("site", ["drone"], paths=[circle]), [])
    assert loiter.loitering == 1
    assert "loitering" in loiter.evidence_against_error
    line = straight_path(59.0, 25.0, 45.0, 40.0, 1200.0)
    transit = assess(make_incident("site", ["drone"], paths=[line]), [])
    assert transit.loitering == 0
    assert any(b.startswith("straight transit") for b in transit.behaviour)


def test_course_change_back_to_the_border_counts_for_a_navigation_error() -> None:
    out = straight_path(59.5, 27.5, 270.0, 100.0, 300.0)  # entered at 27.5 E heading west
    back = [(t + 300.0, lat, lon) for t, lat, lon in straight_path(out[-1][1], out[-1][2], 90.0,
                                                                     100.0, 180.0)[1:]]  # fmt: skip
    inc = make_incident("sovereign", ["light_aircraft"], identities=["icao:4ca1d3"],
                        paths=[out + back], dwell_s=600, depth_m=3000, reasons=())  # fmt: skip
    threat = assess(inc, [])
    assert threat.turned == "towards_border"
    assert "turned back towards the border" in threat.evidence_for_error
    assert "transponder on and identified" in threat.evidence_for_error
    assert threat.verdict == "navigation error plausible"


def test_coordinated_deep_silent_group_weighs_deliberate() -> None:
    paths = [straight_path(53.3 - 0.1 * i, 23.9, 265.0, 45.0, 3600.0, step=300.0) for i in range(5)]
    inc = make_incident("sovereign", ["decoy_drone"] * 5, paths=paths, dwell_s=3600,
                        depth_m=150_000)  # fmt: skip
    threat = assess(inc, [])
    assert threat.coordinated
    assert threat.deliberate
    against = " ".join(threat.evidence_against_error)
    for cue in ("5 objects", "without transponder", "deep penetration", "coordinated"):
        assert cue in against
    assert threat.evidence_for_error == ()


def test_the_picture_paths_are_preferred_to_the_events() -> None:
    pic = TrafficPicture(sample_s=10.0)
    t = 1_758_265_200.0 + np.arange(0, 600, 5.0)
    lon = 24.0 + np.arange(len(t)) * 0.002
    pic.update(TrackUpdates(np.zeros(len(t), dtype=np.int64),
                            ReportBatch.build(t=t, lat=59.4133, lon=lon, alt=500.0)))  # fmt: skip
    assert len(pic.path(0)) == 60  # one sample per 10 s
    inc = make_incident("sovereign", ["drone"], paths=[[(0.0, 59.0, 22.0), (60.0, 59.0, 22.1)]])
    threat = assess(inc, [TALLINN], pic)
    assert threat.heading_to
    assert threat.heading_to[0]["site"].startswith("Tallinn")


def test_sites_come_from_airport_and_site_zones() -> None:
    from airsentry.airspace import default_catalogue

    zones = [z for z in default_catalogue().zones if z.owner == "DNK"]
    sites = sites_from_zones(zones)
    ekch = [s for s in sites if s.code == "EKCH"]
    assert ekch
    assert ekch[0].kind == "airport"
    assert abs(ekch[0].lat - 55.62) < 0.05
    assert abs(ekch[0].lon - 12.65) < 0.05
