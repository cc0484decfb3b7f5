"""Plots joined to a keyed track that only rough rows place are checked against its other
plots (joincheck.py).

In a ten-minute batch a drone keyed by an RF node's own number has only the node's
fixes (1.5 km) as join references, and in a scan where the radar missed the drone the
join took a wind farm's plot kilometres away (drone wall, plots variant: decoy-06, which
never enters Poland, was counted in the sovereign incident on seeds 1, 2 and 4)."""

from __future__ import annotations

import numpy as np
import pytest
from test_keyed_segments import at
from tracking_scenes import GEOD, T0, Target, heard_then_seen, run, truth

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker

FARM_OFF_M = 4_000.0  # the wind farm's centre from the drone's path


def farm(centre: tuple[float, float], duration: float, seed: int) -> ReportBatch:
    """A wind farm's clutter in the radar ``r1``: three plots a 2 s scan within 1 km, at
    the height :func:`~tracking_scenes.observe` gives every plot."""
    rng = np.random.default_rng(seed)
    scans = np.arange(0.0, duration, 2.0)
    n = 3 * len(scans)
    az, dist = rng.uniform(0, 360, n), 1000.0 * np.sqrt(rng.uniform(0, 1, n))
    lon, lat, _ = GEOD.fwd(np.full(n, centre[1]), np.full(n, centre[0]), az, dist)
    return ReportBatch.build(t=T0 + np.repeat(scans, 3) + 0.01, lat=lat, lon=lon, alt=3000.0,
                             accuracy=15.0, sensor="r1").sorted_by_time()  # fmt: skip


def scene(seed: int, with_farm: bool = True) -> tuple[ReportBatch, Target]:
    """A 40 m/s drone heard by an RF node (1.5 km fixes, its own number) and plotted by a
    2 s radar (15 m, Pd 0.9) for ten minutes; a wind farm 4 km off its path, mid-way."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    parts = heard_then_seen(drone, 590, 590.0, ((0.0, 590.0),), rf_noise=1500,
                            plot_noise=15, seed=seed)  # fmt: skip
    if with_farm:
        mid = at(51.7, 23.8, 270.0, 40.0 * 300.0)
        parts.append(farm(at(*mid, 0.0, FARM_OFF_M), 590, seed + 7))
    return ReportBatch.concat(parts).sorted_by_time(), drone


def off_path_m(drone: Target, t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance of each position from the drone's true position at its time."""
    times, tlat, tlon, _, _ = truth([drone], 600.0)
    k = np.clip(np.searchsorted(times, t - T0), 0, len(times) - 1)
    _, _, d = GEOD.inv(tlon[k, 0], tlat[k, 0], lon, lat)
    return np.asarray(d)


@pytest.mark.parametrize("seed", range(4))
def test_a_keyed_track_in_a_long_batch_takes_no_wind_farm_plot(seed):
    """In one batch of ten minutes the drone's RF track (the rows it shows are its
    joined plots: the RF fixes beside them are not shown) takes its plots and none of the
    wind farm's 4 km away (the RF fixes' gate reaches 6 km): every radar row of the
    track is within 200 m of the drone."""
    batch, drone = scene(seed)
    updates, _ = run(CombinedTracker(), batch, chunk_s=600.0)
    ids, n = np.unique(updates.track_id, return_counts=True)
    mine = (updates.track_id == ids[np.argmax(n)]) & (updates.state.sensor == "r1")
    s = updates.state
    d = off_path_m(drone, s.t[mine], s.lat[mine], s.lon[mine])
    assert mine.sum() > 200  # the drone's plots are joined (Pd 0.9: ~265)
    assert d.max() < 200.0


@pytest.mark.parametrize("seed", range(2))
def test_the_check_keeps_what_the_join_took_without_a_farm(seed):
    """Without the farm the check changes nothing: every plot of the drone that the join
    took in short batches it takes in one long batch too."""
    batch, _ = scene(seed, with_farm=False)
    counts = []
    for chunk_s in (4.0, 600.0):
        updates, _ = run(CombinedTracker(), batch, chunk_s=chunk_s)
        counts.append(int((updates.state.sensor == "r1").sum()))
        assert len(np.unique(updates.track_id)) == 1
    assert counts[1] >= counts[0] - 2
