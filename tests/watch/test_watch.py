"""Watch detectors on small hand-made zones: entries, exits, dwell, depth, approach, swarm."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from pyproj import Geod

from airsentry.airspace.index import ZoneIndex
from airsentry.identify.base import Identifier
from airsentry.model import (
    Admit,
    EventKind,
    ReportBatch,
    Zone,
    ZoneKind,
    to_epoch,
)
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.watch.base import WatchConfig
from airsentry.watch.stage import Watch

GEOD = Geod(ellps="WGS84")
T0 = to_epoch(datetime(2025, 9, 19, 6, 50, tzinfo=UTC))

# A 1°×0.5° box east of 25°E and a small high box inside it.
BOX = Zone(
    id="sovereign:TST",
    name="Testland airspace",
    kind=ZoneKind.SOVEREIGN,
    owner="TST",
    geometry=shapely.box(25.0, 59.0, 26.0, 59.5),
    admits=frozenset({Admit.CIVIL_COOPERATIVE}),
)
LOW = Zone(
    id="site:LOW",
    name="Low site",
    kind=ZoneKind.SITE,
    owner="TST",
    geometry=shapely.box(25.4, 59.2, 25.6, 59.3),
    floor_m=0.0,
    ceiling_m=500.0,
)


def flight(lat, lon0, lon1, speed, dt, t0=T0, alt=8000.0, **cols):
    """Reports of an object flying east along a parallel at constant speed."""
    _, _, dist = GEOD.inv(lon0, lat, lon1, lat)
    n = int(dist / speed / dt) + 1
    d = np.arange(n) * speed * dt
    lons, lats, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat), np.full(n, 90.0), d)
    return ReportBatch.build(t=t0 + dt * np.arange(n), lat=lats, lon=lons, alt=alt, **cols)


def run(batches, zones=(BOX,), config=None):
    tracker = CooperativeTracker()
    identifier = Identifier(list(zones))
    watch = Watch(list(zones), ZoneIndex(list(zones)), config)
    events = []
    for b in batches:
        updates, ended = tracker.process(b)
        identified = identifier.identify(updates, [e.track.track_id for e in ended])
        events += watch.process(identified, ended)
    events += watch.finish(tracker.flush(), lambda tid: str(identifier.latest([tid])[0]))
    return events


def kinds(events):
    return [(e.kind.value, e.zone_id) for e in events if e.kind is not EventKind.SENSOR_SILENT]


def test_unauthorised_crossing_gives_entry_and_exit_with_dwell_and_depth():
    b = flight(59.25, 24.5, 26.5, 200.0, 5.0, sensor="r", track_number=1)
    events = run([b])
    entry = next(e for e in events if e.kind is EventKind.ENTRY)
    exit_ = next(e for e in events if e.kind is EventKind.EXIT)
    assert entry.authorised is False
    assert entry.zone_id == "sovereign:TST"
    assert entry.lon == pytest.approx(25.0, abs=0.02)
    _, _, width = GEOD.inv(25.0, 59.25, 26.0, 59.25)
    assert exit_.dwell_s == pytest.approx(width / 200.0, abs=10.0)
    # deepest point of a straight east-west pass through a box 0.5° tall at the middle:
    # the nearest border is north or south, 0.25° of latitude away
    _, _, half = GEOD.inv(25.5, 59.25, 25.5, 59.5)
    assert exit_.depth_m == pytest.approx(half, rel=0.02)
    assert not exit_.details["lost"]


def test_authorised_crossing_is_reported_but_not_measured():
    b = flight(59.25, 24.5, 26.5, 200.0, 5.0, identity="icao:4ca1d3", transponder=True)
    events = run([b])
    entry = next(e for e in events if e.kind is EventKind.ENTRY)
    exit_ = next(e for e in events if e.kind is EventKind.EXIT)
    assert entry.authorised is True
    assert exit_.authorised is True
    assert exit_.depth_m is None
    assert exit_.dwell_s > 0
    assert not [e for e in events if e.kind is EventKind.APPROACH]


@pytest.mark.parametrize("size", [1, 7, 50, 10_000])
def test_batch_boundaries_do_not_change_the_events(size):
    b = flight(59.25, 24.5, 26.5, 150.0, 4.0, sensor="r", track_number=1)
    whole = run([b])
    parts = run([b.take(slice(i, i + size)) for i in range(0, len(b), size)])
    assert kinds(parts) == kinds(whole)
    e1 = next(e for e in whole if e.kind is EventKind.EXIT)
    e2 = next(e for e in parts if e.kind is EventKind.EXIT)
    assert e2.dwell_s == pytest.approx(e1.dwell_s)
    assert e2.depth_m == pytest.approx(e1.depth_m)


def test_track_lost_inside_exits_as_lost():
    b = flight(59.25, 24.8, 25.5, 45.0, 10.0, sensor="r", track_number=3)
    events = run([b])
    exit_ = next(e for e in events if e.kind is EventKind.EXIT)
    assert exit_.details["lost"] is True
    entry = next(e for e in events if e.kind is EventKind.ENTRY)
    assert exit_.time >= entry.time
    assert exit_.dwell_s == pytest.approx((exit_.time - entry.time).total_seconds())


def test_first_detection_inside_counts_as_entry():
    b = flight(59.25, 25.3, 25.6, 40.0, 5.0, sensor="r", track_number=4)
    entry = next(e for e in run([b]) if e.kind is EventKind.ENTRY)
    assert entry.details["first_seen_inside"] is True
    assert any("first detected" in r for r in entry.reasons)


def test_approach_predicted_before_entry_for_unauthorised_only():
    bad = flight(59.25, 24.0, 25.5, 250.0, 5.0, sensor="r", track_number=5)
    events = run([bad])
    approach = [e for e in events if e.kind is EventKind.APPROACH]
    entry = next(e for e in events if e.kind is EventKind.ENTRY)
    assert len(approach) == 1
    lead = (entry.time - approach[0].time).total_seconds()
    assert 100.0 <= lead <= 130.0  # horizon 120 s, sampled every 10 s
    assert approach[0].details["eta_s"] == pytest.approx(lead, abs=15.0)
    good = flight(59.25, 24.0, 25.5, 250.0, 5.0, identity="icao:461f51", transponder=True)
    assert not [e for e in run([good]) if e.kind is EventKind.APPROACH]


def test_altitude_limits_the_zone():
    high = flight(59.25, 25.3, 25.7, 50.0, 5.0, alt=3000.0, sensor="r", track_number=6)
    low = flight(59.25, 25.3, 25.7, 50.0, 5.0, alt=200.0, sensor="r", track_number=7)

    def zones_hit(b):
        return {e.zone_id for e in run([b], zones=(BOX, LOW)) if e.kind is EventKind.ENTRY}

    assert zones_hit(high) == {"sovereign:TST"}
    assert zones_hit(low) == {"sovereign:TST", "site:LOW"}


def test_swarm_needs_enough_distinct_unauthorised_tracks():
    def drones(n):
        return ReportBatch.concat(
            [
                flight(
                    59.1 + 0.05 * k,
                    24.9,
                    25.1,
                    40.0,
                    10.0,
                    t0=T0 + 300 * k,
                    sensor="r",
                    track_number=k,
                )
                for k in range(n)
            ]
        ).sorted_by_time()

    cfg = WatchConfig(swarm_min_tracks=5, swarm_window_s=3600)
    five = [e for e in run([drones(5)], config=cfg) if e.kind is EventKind.SWARM]
    four = [e for e in run([drones(4)], config=cfg) if e.kind is EventKind.SWARM]
    assert len(five) == 1
    assert not four
    assert five[0].details["count"] == 5
    assert five[0].zone_id == "sovereign:TST"


def test_sensor_silence_and_return():
    b = flight(59.25, 24.0, 24.5, 100.0, 5.0, sensor="radar-1", track_number=1)
    gap = np.where(np.arange(len(b)) < len(b) // 2, 0.0, 600.0)
    b2 = ReportBatch.build(t=b.t + gap, lat=b.lat, lon=b.lon, sensor="radar-1", track_number=1)
    events = run([b2], config=WatchConfig(sensor_silence_s=120.0))
    silent = [e for e in events if e.kind is EventKind.SENSOR_SILENT]
    back = [e for e in events if e.kind is EventKind.SENSOR_BACK]
    assert len(silent) == 1
    assert len(back) == 1
    assert silent[0].sensor == "radar-1"
    assert (back[0].time - silent[0].time).total_seconds() == pytest.approx(600 + 5 - 120, abs=1)
