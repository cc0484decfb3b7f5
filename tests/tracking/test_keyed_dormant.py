"""Keyed tracks that ended stay dormant for the stitch window (segments.py).

An RF node's track of a drone (its own object number, the drone's plots joined to it)
ends after ``expire_s`` (300 s) of silence; the multi-target part keeps its own ended
tracks dormant for ``window_s`` (600 s), and the keyed part's must be too: a drone whose
RF track ended 160 s before its plots came back, 458 s after the track's last row, was a
second object (drone wall, plots variant, seeds 0 and 1). Its velocity for the gate is
the median of its last rows' (a clutter plot joined to the track had made the newest
row's 569 m/s)."""

from __future__ import annotations

import numpy as np
import pytest
from test_keyed_segments import at, ids_of
from tracking_scenes import GEOD, T0, Target, heard_then_seen, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker
from airsentry.tracking.cooperative import CooperativeTracker


def gap_scene(seed: int, beside_m: float | None = None) -> ReportBatch:
    """A 40 m/s drone: RF fixes (1.5 km, its own number) and 15 m plots until 100 s,
    plots again from 558 s (458 s later; the RF track ended at 400 s); with
    ``beside_m``, a second drone that far beside the first, plotted throughout; and an
    airliner's ADS-B far away."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0, end=900.0)
    heard = heard_then_seen(drone, 800, 100.0, ((0.0, 100.0), (558.0, 800.0)),
                            rf_noise=1500, plot_noise=15, seed=seed)  # fmt: skip
    # an airliner's ADS-B throughout keeps the keyed part's clock: the RF track ends
    jet = Target(*at(51.7, 23.8, 0.0, 40_000.0), 200.0, 90.0, end=900.0,
                 identity="icao:48c2a1")  # fmt: skip
    adsb = observe([jet], 800, sensor="adsb", period=1, noise=10, cooperative=True,
                   seed=seed + 1)  # fmt: skip
    parts = [*heard, adsb]
    if beside_m is not None:
        other = Target(*at(51.7, 23.8, 0.0, beside_m), 40.0, 270.0, alt=700.0, end=900.0)
        parts.append(observe([other], 800, sensor="r1", period=2, noise=15, p_detect=0.9,
                             seed=seed + 40))  # fmt: skip
    return ReportBatch.concat(parts).sorted_by_time()


@pytest.mark.parametrize("chunk_s", [5.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_plots_after_an_rf_track_ended_continue_it_within_the_window(seed, chunk_s):
    """The plots of 558 s continue the RF track that ended at 400 s: one id (and the
    airliner's)."""
    updates, _ = run(CombinedTracker(), gap_scene(seed), chunk_s=chunk_s)
    drone = updates.state.identity == ""
    before = np.unique(updates.track_id[drone & (updates.state.t - T0 < 100.0)])
    assert len(before) == 1
    assert len(np.unique(updates.track_id[drone])) == 1
    assert before[0] in ids_of(updates, 600.0, 800.0)


@pytest.mark.parametrize("chunk_s", [5.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_a_drone_300_m_beside_stays_a_second_track(seed, chunk_s):
    """A second drone 300 m beside the first, plotted throughout, is alive while the
    first's RF track lies dormant, so it never continues it: after the gap the two
    drones are two tracks, the second's the one it had during the gap."""
    updates, _ = run(CombinedTracker(), gap_scene(seed, beside_m=300.0), chunk_s=chunk_s)
    drone = updates.state.identity == ""
    t = updates.state.t - T0
    during = np.unique(updates.track_id[drone & (t >= 120.0) & (t < 540.0)])
    after = np.unique(updates.track_id[drone & (t >= 600.0)])
    assert len(after) == 2
    assert set(during.tolist()) <= set(after.tolist())


def test_a_window_past_is_a_new_object():
    """Plots 700 s after the RF track's last row (past the 600 s window): two objects."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0, end=900.0)
    rf = observe([drone], 900, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, window=(0.0, 100.0), seed=3)  # fmt: skip
    r1 = [observe([drone], 900, sensor="r1", period=2, noise=15, p_detect=0.9, window=w,
                  seed=k) for k, w in enumerate(((0.0, 100.0), (800.0, 900.0)))]  # fmt: skip
    jet = Target(*at(51.7, 23.8, 0.0, 40_000.0), 200.0, 90.0, end=900.0, identity="icao:1")
    adsb = observe([jet], 900, sensor="adsb", period=1, noise=10, cooperative=True)
    batch = ReportBatch.concat([rf, *r1, adsb]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, 5.0)
    assert len(np.unique(updates.track_id[updates.state.identity == ""])) == 2


def test_an_ended_track_keeps_the_median_velocity_of_its_last_rows():
    """A keyed track's 15 m rows at 40 m/s west, one of them 10 km off (a joined clutter
    plot: the rows differenced against it are hundreds of m/s off): ended, its velocity
    is the median of its last rows', about 40 m/s west, whatever its newest row says."""
    t = T0 + np.arange(0.0, 60.0, 2.0)
    n = len(t)
    lon, lat, _ = GEOD.fwd(np.full(n, 23.8), np.full(n, 51.7), np.full(n, 270.0),
                           40.0 * (t - T0))  # fmt: skip
    lon[-8], lat[-8], _ = GEOD.fwd(lon[-8], lat[-8], 90.0, 10_000.0)
    batch = ReportBatch.build(t=t, lat=lat, lon=lon, alt=700.0, accuracy=15.0, sensor="r1")
    tracker = CooperativeTracker()
    upd, _ = tracker.process(batch, np.full(n, "rf#1", dtype=object))
    speed = np.hypot(upd.state.vel_e, upd.state.vel_n)
    assert np.nanmax(speed[-8:]) > 200.0  # rows differenced against the stray one
    ended = tracker.flush()
    acc, ve, vn = tracker.ended_rows(np.array([ended[0].track.track_id]))
    assert acc[0] == 15.0
    assert abs(ve[0] + 40.0) < 3.0
    assert abs(vn[0]) < 3.0
