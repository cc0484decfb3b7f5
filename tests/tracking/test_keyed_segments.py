"""Segments of one object across the keyed and the anonymous part are one object.

A keyed track (an RF node's own object number, its plots joined to it) that falls silent,
and the anonymous track its object's plots start later, are two segments of one track
(keyedstitch.py); so are an anonymous track that ended and the keyed track a node starts
on the object later (the claim of an ended track). Drone wall, plots variant."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import GEOD, T0, Target, heard_then_seen, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker


def at(lat: float, lon: float, bearing: float, dist_m: float) -> tuple[float, float]:
    lo, la, _ = GEOD.fwd(lon, lat, bearing, dist_m)
    return la, lo


def ids_of(updates, t0: float, t1: float) -> np.ndarray:
    t = updates.state.t - T0
    return np.unique(updates.track_id[(t >= t0) & (t < t1)])


@pytest.mark.parametrize("chunk_s", [5.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_plots_after_a_silent_rf_track_continue_it(seed, chunk_s):
    """An RF node (2 km fixes, its own number) hears a drone until 200 s; a plot radar
    sees it until 150 s (its plots joined to the RF track) and again from 260 s: the
    plots' new anonymous track continues the RF track. A second drone 15 km away that
    the radar first sees at 260 s stays a second object."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    other = Target(*at(51.7, 23.8, 200.0, 15_000.0), 40.0, 90.0, alt=700.0)
    heard = heard_then_seen(drone, 400, 200.0, ((0.0, 150.0), (260.0, 400.0)),
                            rf_noise=2000, plot_noise=20, seed=seed)  # fmt: skip
    late = observe([other], 400, sensor="r1", period=2, noise=20, p_detect=0.9,
                   window=(260.0, 400.0), seed=seed + 30)  # fmt: skip
    batch = ReportBatch.concat([*heard, late]).sorted_by_time()
    updates, ended = run(CombinedTracker(), batch, chunk_s=chunk_s)
    before = ids_of(updates, 0.0, 150.0)
    assert len(before) == 1
    assert len(np.unique(updates.track_id)) == 2  # the drone, and the other one
    assert before[0] in ids_of(updates, 260.0, 400.0)  # the drone's plots kept its id
    assert len([e for e in ended if e.track.track_id == before[0]]) == 1


@pytest.mark.parametrize("chunk_s", [5.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_an_rf_node_that_names_a_drone_after_its_track_ended_keeps_its_id(seed, chunk_s):
    """A plot radar tracks a drone until 150 s (then it flies below the radar's cover);
    the anonymous track ends; an RF node first hears the drone at 240 s. Its keyed
    track takes the ended track's id: one object."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    r1 = observe([drone], 400, sensor="r1", period=2, noise=20, p_detect=0.9,
                 window=(0.0, 150.0), seed=seed)  # fmt: skip
    rf = observe([drone], 400, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, window=(240.0, 400.0), seed=seed + 3)  # fmt: skip
    updates, _ = run(CombinedTracker(), ReportBatch.concat([r1, rf]).sorted_by_time(),
                     chunk_s=chunk_s)  # fmt: skip
    assert len(np.unique(updates.track_id)) == 1
    assert (updates.state.t - T0 > 240.0).any()


@pytest.mark.parametrize("chunk_s", [60.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_plots_after_a_lapse_join_the_rf_track_that_still_hears_the_drone(seed, chunk_s):
    """An RF node (700 m fixes, its own number) hears a drone throughout; a plot radar's
    plots join its track but lapse from 120 s to 150 s. In a batch that starts at the
    lapse, the join compared the later plots with the fine rows of before it only (the
    RF rows, rough, were dropped for a track that had fine rows), beyond its reach, and
    the plots became a second object."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    rf = observe([drone], 400, sensor="rf", period=2, phase=1.0, noise=700,
                 track_numbers=True, seed=seed + 3)  # fmt: skip
    seen = [
        observe([drone], 400, sensor="r1", period=2, noise=20, p_detect=0.9, window=w,
                seed=seed + 10 * k)
        for k, w in enumerate(((0.0, 120.0), (150.0, 400.0)))
    ]  # fmt: skip
    batch = ReportBatch.concat([rf, *seen]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, chunk_s=chunk_s)
    assert len(np.unique(updates.track_id)) == 1


@pytest.mark.parametrize("seed", range(3))
def test_an_identity_neither_continues_nor_is_continued_by_an_ended_anonymous_track(seed):
    """Only a sensor's own number joins segments across the parts. An airliner's ADS-B
    track that fell silent (landed) is not taken over by the track of a drone that
    rises on its path (Oslo), nor does an airliner first heard where a drone's track
    ended take over the drone's id (Copenhagen): four objects in all."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=300.0)
    jet = Target(*at(51.7, 23.8, 270.0, 6000.0), 80.0, 270.0, alt=300.0, identity="icao:45ac45")
    jet2 = Target(*at(51.75, 23.8, 0.0, 0.0), 80.0, 90.0, alt=300.0, identity="icao:4601f2")
    drone2 = Target(*at(51.75, 23.8, 90.0, 6000.0), 40.0, 90.0, alt=300.0)
    r1 = observe([drone], 400, sensor="r1", period=2, noise=20, window=(0.0, 150.0), seed=seed)
    adsb = observe([jet], 400, sensor="adsb", period=1, noise=10, cooperative=True,
                   window=(240.0, 400.0), seed=seed + 1)  # fmt: skip
    adsb2 = observe([jet2], 400, sensor="adsb", period=1, noise=10, cooperative=True,
                    window=(0.0, 150.0), seed=seed + 2)  # fmt: skip
    r2 = observe([drone2], 400, sensor="r1", period=2, noise=20, window=(240.0, 400.0),
                 seed=seed + 3)  # fmt: skip
    batch = ReportBatch.concat([r1, adsb, adsb2, r2]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch)
    assert len(np.unique(updates.track_id)) == 4


@pytest.mark.parametrize("seed", range(3))
def test_plots_that_outlive_a_silent_rf_track_in_one_long_batch_continue_it(seed):
    """An RF node (1.5 km fixes, its own number) hears a drone until 200 s; a plot radar
    sees it throughout. In one batch of ten minutes the join extends the RF track only
    from the batch's RF rows, so the plots after 212 s started an anonymous track that
    was dropped as a duplicate of the RF track (the drone vanished from the output, and
    in the drone wall came back as a second object in the next batch). The anonymous
    track continues the lapsed RF track: one id to the end."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    rf = observe([drone], 590, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, window=(0.0, 200.0), seed=seed + 3)  # fmt: skip
    r1 = observe([drone], 590, sensor="r1", period=2, noise=20, p_detect=0.9, seed=seed)
    updates, ended = run(CombinedTracker(), ReportBatch.concat([rf, r1]).sorted_by_time(),
                         chunk_s=600.0)  # fmt: skip
    assert len(np.unique(updates.track_id)) == 1
    assert (updates.state.t - T0 > 500.0).any()  # the drone is tracked to the end
    assert len(ended) == 1


@pytest.mark.parametrize("seed", range(3))
def test_a_keyed_track_ended_later_in_the_batch_is_continued_by_event_time(seed):
    """An RF node hears a drone until 200 s (its track ends 300 s later, at 500 s); a
    plot radar first sees the drone at 320 s, and an airliner's ADS-B runs throughout.
    In one batch of ten minutes the keyed part ended the RF track (by the airliner's
    rows at 590 s) before the anonymous track of 320 s was checked, so it continued
    nothing and the drone was two objects (drone wall, plots variant). A second drone
    15 km away first seen at 320 s stays a second object."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    other = Target(*at(51.7, 23.8, 200.0, 15_000.0), 40.0, 90.0, alt=700.0)
    jet = Target(*at(51.7, 23.8, 0.0, 40_000.0), 200.0, 90.0, identity="icao:48c2a1")
    rf = observe([drone], 590, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, window=(0.0, 200.0), seed=seed + 3)  # fmt: skip
    seen = observe([drone], 590, sensor="r1", period=2, noise=20, p_detect=0.9,
                   window=(320.0, 590.0), seed=seed)  # fmt: skip
    late = observe([other], 590, sensor="r1", period=2, noise=20, p_detect=0.9,
                   window=(320.0, 590.0), seed=seed + 30)  # fmt: skip
    adsb = observe([jet], 590, sensor="adsb", period=1, noise=10, cooperative=True,
                   seed=seed + 1)  # fmt: skip
    batch = ReportBatch.concat([rf, seen, late, adsb]).sorted_by_time()
    updates, ended = run(CombinedTracker(), batch, chunk_s=600.0)
    drone_rows = updates.state.identity == ""  # not the airliner
    before = np.unique(updates.track_id[drone_rows & (updates.state.t - T0 < 200.0)])
    assert len(before) == 1
    assert before[0] in ids_of(updates, 330.0, 590.0)  # the drone's plots kept its id
    assert len(np.unique(updates.track_id[drone_rows])) == 2  # the drone, and the other
    assert len([e for e in ended if e.track.track_id == before[0]]) == 1


@pytest.mark.parametrize("seed", range(3))
def test_plots_that_outlive_an_rf_track_ended_later_in_the_batch_continue_it(seed):
    """As above, with an airliner's ADS-B throughout: the keyed part's newest row is then
    the batch's end, so the RF track (silent from 200 s) ends in the batch at 500 s, and
    its rows here carry no live slot. The drone's anonymous track, started just after
    the last joined plot, was dropped as the ended track's duplicate with all its rows
    (drone wall, plots variant, seed 3, decoy-04: 238 rows, then a second object); it
    continues the RF track as it would have had the batch been cut before the end."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    jet = Target(*at(51.7, 23.8, 0.0, 40_000.0), 200.0, 90.0, identity="icao:48c2a1")
    rf = observe([drone], 590, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, window=(0.0, 200.0), seed=seed + 3)  # fmt: skip
    r1 = observe([drone], 590, sensor="r1", period=2, noise=20, p_detect=0.9, seed=seed)
    adsb = observe([jet], 590, sensor="adsb", period=1, noise=10, cooperative=True,
                   seed=seed + 1)  # fmt: skip
    batch = ReportBatch.concat([rf, r1, adsb]).sorted_by_time()
    updates, ended = run(CombinedTracker(), batch, chunk_s=600.0)
    drone_rows = updates.state.identity == ""
    assert len(np.unique(updates.track_id[drone_rows])) == 1
    t = updates.state.t[drone_rows] - T0
    assert (t > 500.0).any()  # the drone is tracked to the end
    assert np.diff(np.sort(t)).max() < 30.0  # without a gap
    assert len([e for e in ended if not e.track.identity]) == 1
