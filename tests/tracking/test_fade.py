"""A confirmed track whose object is gone fades (IPDA) and takes no far clutter plot; a
second track confirmed on an object already tracked is dropped as a duplicate."""

from __future__ import annotations

import numpy as np
from tracking_scenes import GEOD, T0, Target, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.cluttermap import ClutterMapConfig
from airsentry.tracking.existence import Existence
from airsentry.tracking.mtt import FusedConfig, FusedTracker

PERIOD = 2.0  # a counter-drone radar


def test_a_track_whose_drone_is_gone_takes_no_clutter_plot_kilometres_away():
    drone = Target(55.6, 12.6, speed=18.0, heading=90.0, alt=250.0, end=200.0)
    plots = observe([drone], 200.0, period=PERIOD, noise=15.0, p_detect=0.85, seed=3,
                    window=(0.0, 200.0))  # fmt: skip
    # 30 s after the drone's last plot, one false plot 1.5 km beyond its dead reckoning
    last = plots.take(np.array([np.argmax(plots.t)]))
    lon, lat, _ = GEOD.fwd(last.lon, last.lat, [90.0], [18.0 * 30 + 1_500.0])
    false = ReportBatch.build(t=last.t + 30.0, lat=lat, lon=lon, alt=[250.0],
                              accuracy=15.0, sensor="radar")  # fmt: skip
    tracker = FusedTracker.from_config(FusedConfig())
    ups, _ = run(tracker, ReportBatch.concat([plots, false]).sorted_by_time())
    assert len(np.unique(ups.track_id)) == 1
    late = ups.state.t > float(last.t[0]) + 1.0
    assert not late.any(), "the faded track took the false plot"


def test_two_tracks_started_on_one_drone_confirm_as_one_object():
    drone = Target(55.6, 12.6, speed=18.0, heading=45.0, alt=250.0, end=120.0)
    plots = observe([drone], 120.0, period=PERIOD, noise=10.0, seed=5)
    # a split plot in each of the first four scans: two tentative tracks on one drone
    early = plots.take(plots.t < T0 + 4 * PERIOD)
    lon, lat, _ = GEOD.fwd(early.lon, early.lat, np.full(len(early), 0.0),
                           np.full(len(early), 25.0))  # fmt: skip
    split = ReportBatch.build(t=early.t + 0.01, lat=lat, lon=lon, alt=early.alt,
                              accuracy=10.0, sensor="radar")  # fmt: skip
    # confirmation from the first scans: no clutter-map warm-up (ClutterMap.warm)
    cold = Existence(clutter=ClutterMapConfig(hold_s=0.0))
    tracker = FusedTracker.from_config(FusedConfig(existence=cold))
    ups, _ = run(tracker, ReportBatch.concat([plots, split]).sorted_by_time())
    assert len(np.unique(ups.track_id)) == 1
    assert tracker.state.stats.by_reason.get("duplicate", 0) >= 1


def test_two_drones_300_m_apart_are_not_duplicates():
    a = Target(55.6, 12.6, speed=18.0, heading=45.0, alt=250.0, end=120.0)
    lon, lat, _ = GEOD.fwd([12.6], [55.6], [135.0], [300.0])
    b = Target(float(lat[0]), float(lon[0]), speed=18.0, heading=45.0, alt=250.0, end=120.0)
    plots = observe([a, b], 120.0, period=PERIOD, noise=10.0, seed=6)
    ups, _ = run(FusedTracker.from_config(FusedConfig()), plots)
    assert len(np.unique(ups.track_id)) == 2
