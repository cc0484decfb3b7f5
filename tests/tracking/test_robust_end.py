"""An anonymous track's end state for the segment stitch, and far plots a confirmed
track may not take (robustend.py, scan.reach_ok; issue 11, drone wall plots variant).

A drone's track that took a clutter plot 3.5 km off just before it ended carried 393 m/s
into the stitch gate (seed 1, decoy-16), and the drone's next segment 32 s later was a
second object; a track coasting 30 s took a border radar's clutter plot 11.6 km away (a
712 m/s jump, seed 0, decoy-03) and was lost with that state."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import GEOD, T0, Target, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.mtt import FusedConfig, FusedTracker
from airsentry.tracking.robustend import RING, push, robust_end
from airsentry.tracking.stitch import Dormant, StitchConfig, ecef_velocity, stitch

SPEED, HEADING = 45.0, 290.0


def drone_updates(seed: int, noise: float = 50.0) -> tuple[np.ndarray, ...]:
    """RING updates 2 s apart of a drone at SPEED on HEADING (``noise`` m), the newest
    replaced by a clutter plot 3.5 km off the line (the filter followed it)."""
    rng = np.random.default_rng(seed)
    t = T0 + 2.0 * np.arange(RING)
    dist = SPEED * (t - T0)
    lon, lat, _ = GEOD.fwd(np.full(RING, 23.1), np.full(RING, 52.0),
                           np.full(RING, HEADING), dist)  # fmt: skip
    east, north = rng.normal(0.0, noise, (2, RING))
    lat = lat + north / 111_320.0
    lon = lon + east / (111_320.0 * np.cos(np.radians(52.0)))
    lon[-1], lat[-1], _ = GEOD.fwd(lon[-1], lat[-1], 20.0, 3_500.0)
    return t, lat, lon


def ring_of(t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    ring = np.full((1, RING, 3), np.nan)
    for k in range(len(t)):  # one update a scan, as the tracker writes them
        push(ring, np.array([0]), t[k : k + 1], lat[k : k + 1], lon[k : k + 1])
    return ring


@pytest.mark.parametrize("seed", range(5))
def test_a_clutter_update_at_the_end_moves_neither_velocity_nor_position(seed):
    t, lat, lon = drone_updates(seed)
    ring = ring_of(t, lat, lon)
    filt_ve, filt_vn = np.array([243.0]), np.array([309.0])  # what the filter ended with
    r_lat, r_lon, ve, vn = robust_end(ring, lat[-1:], lon[-1:], filt_ve, filt_vn)
    true_lon, true_lat, _ = GEOD.fwd(23.1, 52.0, HEADING, SPEED * (t[-1] - T0))
    v_e = SPEED * np.sin(np.radians(HEADING))
    v_n = SPEED * np.cos(np.radians(HEADING))
    assert np.hypot(ve[0] - v_e, vn[0] - v_n) < 15.0
    _, _, miss = GEOD.inv(r_lon[0], r_lat[0], true_lon, true_lat)
    assert miss < 250.0


def test_too_few_updates_keep_the_filter_state():
    t, lat, lon = drone_updates(0)
    ring = ring_of(t[:3], lat[:3], lon[:3])
    out = robust_end(ring, lat[2:3], lon[2:3], np.array([1.0]), np.array([2.0]))
    assert [float(x[0]) for x in out] == [lat[2], lon[2], 1.0, 2.0]


@pytest.mark.parametrize("seed", range(5))
def test_the_next_segment_32_s_later_continues_the_robust_end_only(seed):
    """The drone's next segment, 32 s after the clutter update, is in the stitch gate
    of the robust end state and not in that of the filter's."""
    t, lat, lon = drone_updates(seed)
    ring = ring_of(t, lat, lon)
    filt = (lat[-1:], lon[-1:], np.array([243.0]), np.array([309.0]))
    later = t[-1] + 32.0
    n_lon, n_lat, _ = GEOD.fwd(23.1, 52.0, HEADING, SPEED * (later - T0))
    here = geodetic_to_ecef(np.array([n_lat]), np.array([n_lon]))
    got = []
    for end in (filt, robust_end(ring, *filt)):
        e_lat, e_lon, ve, vn = end
        cand = Dormant(id=np.array([7]), t=t[-1:], ecef=geodetic_to_ecef(e_lat, e_lon),
                       vel=ecef_velocity(e_lat, e_lon, ve, vn), sigma=np.array([60.0]),
                       alt=np.array([900.0]))  # fmt: skip
        i, _ = stitch(cand, StitchConfig(), 400.0, np.array([later]), np.array([later]),
                      here, np.array([80.0]), np.array([900.0]))  # fmt: skip
        got.append(len(i))
    assert got == [0, 1]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("side_m", "taken"), [(8_000.0, False), (0.0, True)])
def test_a_coasting_track_takes_no_plot_beyond_its_reach_from_another_radar(seed, side_m, taken):
    """A 45 m/s drone's track on one radar; the drone vanishes, and 30 s later a second
    radar, which never saw the track (its misses do not lower the track's existence),
    reports one plot: 8 km to the side of the drone's path (270 m/s from the track's
    last update) the track must not jump there; on the path it still takes it."""
    drone = Target(52.0, 23.1, speed=SPEED, heading=HEADING, end=120.0)
    plots = observe([drone], 120.0, sensor="r1", period=2.0, noise=60.0, p_detect=0.9,
                    seed=seed, window=(0.0, 120.0))  # fmt: skip
    last = plots.take(np.array([np.argmax(plots.t)]))
    ahead_lon, ahead_lat, _ = GEOD.fwd(last.lon, last.lat, [HEADING], [SPEED * 30.0])
    lon, lat, _ = GEOD.fwd(ahead_lon, ahead_lat, [HEADING + 90.0], [side_m])
    plot = ReportBatch.build(t=last.t + 30.0, lat=lat, lon=lon, alt=last.alt,
                             accuracy=100.0, sensor="r2")  # fmt: skip
    ups, _ = run(FusedTracker.from_config(FusedConfig()),
                 ReportBatch.concat([plots, plot]).sorted_by_time())  # fmt: skip
    late = ups.state.t > float(last.t[0]) + 1.0
    assert late.any() == taken
