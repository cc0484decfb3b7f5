"""The default (combined) tracker: one track per real object, whoever sees it.

Scenes from :mod:`tracking_scenes` (noise, misses and phases seeded); every scene runs
on seeds 0-4 and must give the same count each time."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import GEOD, Target, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker

SEEDS = range(5)


def at(lat: float, lon: float, bearing: float, dist_m: float) -> tuple[float, float]:
    """The point ``dist_m`` from (lat, lon) on ``bearing`` (degrees)."""
    lo, la, _ = GEOD.fwd(lon, lat, bearing, dist_m)
    return la, lo


def objects(updates) -> int:
    return len(np.unique(updates.track_id))


@pytest.mark.parametrize("seed", SEEDS)
def test_two_drones_300_m_apart_stay_two_tracks(seed):
    # side by side, 300 m apart, flying the same way at 20 m/s; two plot radars
    a = Target(52.0, 21.0, 20.0, 45.0, alt=300.0)
    b = Target(*at(52.0, 21.0, 135.0, 300.0), 20.0, 45.0, alt=300.0)
    r1 = observe([a, b], 300, sensor="r1", period=4, noise=30, p_detect=0.9, seed=seed)
    r2 = observe([a, b], 300, sensor="r2", period=3, phase=1.3, noise=40, p_detect=0.9,
                 seed=seed + 50)  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat([r1, r2]).sorted_by_time())
    assert objects(updates) == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_an_airliner_seen_by_two_radars_and_ads_b_is_one_track(seed):
    jet = Target(52.0, 21.0, 230.0, 80.0, alt=9000.0, identity="icao:4ca1d3")
    adsb = observe([jet], 300, sensor="adsb", period=1, phase=0.2, noise=10, cooperative=True,
                   seed=seed)  # fmt: skip
    # a radar that reports its own track numbers and one that reports plots
    tracks = observe([jet], 300, sensor="psr1", period=4, noise=80, track_numbers=True,
                     p_detect=0.9, seed=seed + 10)  # fmt: skip
    plots = observe([jet], 300, sensor="psr2", period=5, phase=2.1, noise=120, p_detect=0.9,
                    seed=seed + 20)  # fmt: skip
    batch = ReportBatch.concat([adsb, tracks, plots]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch)
    assert objects(updates) == 1
    assert len(updates) >= 0.95 * len(batch)  # the radars' reports update that track


@pytest.mark.parametrize("seed", SEEDS)
def test_the_radar_sees_the_airliner_before_its_transponder_is_heard(seed):
    """The anonymous track of the radar's plots becomes the ADS-B identity's track."""
    jet = Target(52.0, 21.0, 230.0, 80.0, alt=9000.0, identity="icao:4ca1d3")
    plots = observe([jet], 300, sensor="psr", period=4, noise=80, p_detect=0.9, seed=seed)
    adsb = observe([jet], 300, sensor="adsb", period=1, phase=0.2, noise=10, cooperative=True,
                   window=(90, 300), seed=seed + 5)  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat([plots, adsb]).sorted_by_time())
    assert objects(updates) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_the_transponder_claims_the_radar_track_in_one_long_batch(seed):
    """The same scene as one 10-minute batch (replay's size): the anonymous track is
    claimed as of the transponder's first report, not after the whole batch (it was
    stale then and the aircraft became two objects; claimcuts.py)."""
    jet = Target(52.0, 21.0, 230.0, 80.0, alt=9000.0, identity="icao:4ca1d3")
    plots = observe([jet], 300, sensor="psr", period=4, noise=80, p_detect=0.9, seed=seed)
    adsb = observe([jet], 300, sensor="adsb", period=1, phase=0.2, noise=10, cooperative=True,
                   window=(90, 300), seed=seed + 5)  # fmt: skip
    batch = ReportBatch.concat([plots, adsb]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, chunk_s=600.0)
    assert objects(updates) == 1
    first_named = float(adsb.t.min())
    assert (updates.state.t < first_named).any()  # the radar's track came first


@pytest.mark.parametrize("seed", SEEDS)
def test_four_drones_at_an_airport_are_four_objects(seed):
    """Four drones circling at 400-900 m from each other near a runway that an airliner
    (ADS-B, also seen by the radar) lands on: four anonymous tracks plus the airliner."""
    lat, lon = 52.1657, 20.9671  # Warsaw Chopin
    drones = [
        Target(*at(lat, lon, brg, dist), 15.0, hdg, alt=150.0,
               turns=[(0.0, 600.0, turn)])
        for brg, dist, hdg, turn in ((0, 600, 90, 1.5), (90, 700, 0, -1.5),
                                     (180, 650, 270, 1.5), (270, 800, 180, -1.5))
    ]  # fmt: skip
    jet = Target(*at(lat, lon, 250.0, 9000.0), 75.0, 70.0, alt=400.0,
                 identity="icao:48ad04")  # fmt: skip
    scene = [*drones, jet]
    adsb = observe(scene, 300, sensor="adsb", period=1, noise=10, cooperative=True, only=[4],
                   seed=seed)  # fmt: skip
    r1 = observe(scene, 300, sensor="r1", period=2, noise=15, p_detect=0.9, seed=seed + 1)
    r2 = observe(scene, 300, sensor="r2", period=3, phase=0.7, noise=20, p_detect=0.85,
                 seed=seed + 2)  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat([adsb, r1, r2]).sorted_by_time())
    named = np.unique(updates.track_id[updates.state.identity == "icao:48ad04"])
    assert len(named) == 1
    assert objects(updates) == 5


@pytest.mark.parametrize("seed", SEEDS)
def test_a_drone_hidden_for_three_minutes_is_one_object(seed):
    """Out of sight for 180 s (behind a hill), found again on a plausible path: the same
    track id, and the ended track is reported once."""
    drone = Target(52.0, 21.0, 25.0, 60.0, alt=200.0, end=600.0)
    seen = [
        observe([drone], 600, sensor="r1", period=3, noise=30, p_detect=0.9, window=w,
                seed=seed + k)
        for k, w in enumerate(((0.0, 200.0), (380.0, 600.0)))
    ]  # fmt: skip
    updates, ended = run(CombinedTracker(), ReportBatch.concat(seen).sorted_by_time())
    assert objects(updates) == 1
    assert len(ended) == 1
    assert (updates.state.t > 1_758_265_200.0 + 380).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_drone_that_turns_a_corner_out_of_sight_is_one_object(seed):
    """Out of sight for 50 s while it turns 90 degrees (a zig-zag corner): dead
    reckoning puts it some 2 km from where it shows again, yet it is the same object.
    A second drone 6 km away, flying the other way, stays a second object."""
    drone = Target(52.0, 21.0, 45.0, 60.0, alt=300.0, end=500.0, turns=[(200.0, 205.0, 18.0)])
    other = Target(*at(52.0, 21.0, 150.0, 6000.0), 45.0, 240.0, alt=300.0, end=500.0)
    seen = [
        observe([drone], 500, sensor="r1", period=2, noise=30, p_detect=0.9, window=w,
                seed=seed + k)
        for k, w in enumerate(((0.0, 190.0), (240.0, 500.0)))
    ]  # fmt: skip
    seen.append(observe([other], 500, sensor="r1", period=2, noise=30, p_detect=0.9,
                        seed=seed + 40))  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat(seen).sorted_by_time())
    assert objects(updates) == 2


def test_the_tracker_key_and_flag_choose_the_tracker(tmp_path):
    """Every command builds the fused tracker unless told ``cooperative``."""
    import argparse

    from airsentry.build import tracker
    from airsentry.cli._common import add_deployment_options, deployment_from_args
    from airsentry.config import parse_config
    from airsentry.tracking.cooperative import CooperativeTracker

    assert isinstance(tracker(parse_config({}).pipeline), CombinedTracker)
    coop = parse_config({"tracker": "cooperative"}).pipeline
    assert isinstance(tracker(coop), CooperativeTracker)
    p = argparse.ArgumentParser()
    add_deployment_options(p)
    for argv, kind in (([], CombinedTracker), (["--tracker", "cooperative"], CooperativeTracker),
                       (["--tracker", "fused"], CombinedTracker)):  # fmt: skip
        dep = deployment_from_args(p.parse_args(argv))
        assert isinstance(tracker(dep.pipeline), kind)


@pytest.mark.parametrize("seed", SEEDS)
def test_split_plots_beside_a_keyed_drone_track_are_not_a_second_object(seed):
    """A drone that the air picture tracks by number (with velocity, every 10 s) and a
    plot radar sees, each scan with a split plot 60 m beside the drone's: the join takes
    one plot per scan, the split ones start an anonymous track on the same drone, which
    was confirmed as a second object (drone wall: drones counted twice)."""
    import dataclasses

    drone = Target(52.0, 21.0, 45.0, 60.0, alt=800.0)
    asoc = observe([drone], 600, sensor="asoc", period=10, noise=100, track_numbers=True,
                   p_detect=0.9, seed=seed)  # fmt: skip
    h = np.radians(60.0)
    asoc = dataclasses.replace(asoc, vel_e=np.full(len(asoc), 45.0 * np.sin(h)),
                               vel_n=np.full(len(asoc), 45.0 * np.cos(h)))  # fmt: skip
    r2 = observe([drone], 600, sensor="r2", period=2, phase=0.7, noise=20, p_detect=0.9,
                 seed=seed + 7)  # fmt: skip
    lon, lat, _ = GEOD.fwd(r2.lon, r2.lat, np.full(len(r2), 90.0), np.full(len(r2), 60.0))
    split = ReportBatch.build(t=r2.t + 0.01, lat=lat, lon=lon, alt=r2.alt, accuracy=20.0,
                              sensor="r2")  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat([asoc, r2, split]).sorted_by_time(),
                     chunk_s=60.0)  # fmt: skip
    assert objects(updates) == 1
    assert len(updates) >= 0.9 * (len(asoc) + len(r2))  # the keyed track took the rest


@pytest.mark.parametrize("seed", SEEDS)
def test_a_plot_joined_to_an_airliner_keeps_its_transponder(seed):
    """The radar plots (and a clutter plot in the join gate) of an airliner whose
    transponder is heard are rows of a transponder-equipped aircraft, or the airliner is
    judged "no transponder"; once the transponder is off, its plots say so."""
    jet = Target(52.0, 21.0, 230.0, 80.0, alt=9000.0, identity="icao:4ca1d3")
    adsb = observe([jet], 400, sensor="adsb", period=1, phase=0.2, noise=10, cooperative=True,
                   window=(0, 200), seed=seed)  # fmt: skip
    plots = observe([jet], 400, sensor="psr", period=4, phase=1.1, noise=80, p_detect=0.9,
                    seed=seed + 20)  # fmt: skip
    # a clutter plot 150 m off the airliner at t = 101 s
    jet_at = observe([jet], 102, sensor="x", period=101, phase=101, noise=0, seed=seed)
    c_lat, c_lon = at(float(jet_at.lat[0]), float(jet_at.lon[0]), 0.0, 150.0)
    clutter = ReportBatch.build(t=jet_at.t + 0.05, lat=c_lat, lon=c_lon, alt=9000.0,
                                accuracy=80.0, sensor="psr")  # fmt: skip
    batch = ReportBatch.concat([adsb, plots, clutter]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch)
    s = updates.state
    radar = (s.sensor == "psr") & (s.identity == "icao:4ca1d3")
    t = s.t - s.t.min()
    heard, silent = radar & (t < 195), radar & (t > 220)
    # the radar's rows follow the airliner
    assert heard.sum() >= 30
    assert silent.sum() >= 30
    assert s.transponder[heard].all()
    assert not s.transponder[silent].any()
    assert objects(updates) == 1
