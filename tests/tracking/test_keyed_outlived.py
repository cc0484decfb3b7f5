"""Keyed tracks continued by anonymous segments that a long batch saw whole.

An RF node (its own object number, 1.5 km fixes) hears a drone; a plot radar sees it
throughout, its plots joined to the RF track. The node's fixes pause for 34 s (a hole
in the join's reach: a few plots unjoined), so the drone's plots start an anonymous
track there, which is a duplicate of the RF track while that still joins plots; after
the node's last fix the plots go to the anonymous track alone. In half-second batches
the duplicate is dropped when first output and the later plots continue the lapsed RF
track; in one batch of ten minutes the whole duplicate, its rows after the RF track's
end included, was dropped: the drone vanished (drone wall, plots variant, seed 1:
decoy-13's plots for 590 s, then a second object)."""

from __future__ import annotations

import numpy as np
import pytest
from test_keyed_segments import at
from tracking_scenes import T0, Target, heard_then_seen, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker


def scene(seed: int) -> ReportBatch:
    """RF fixes every 2 s until 150 s and one at 184.4 s (the join reaches 12 s from a
    fix: the plots of 161-172 s are unjoined); radar plots every 2 s to 590 s."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    rf = [observe([drone], 590, sensor="rf", period=2, phase=0.4, noise=1500,
                  track_numbers=True, window=w, seed=seed + 3)
          for w in ((0.0, 150.0), (184.0, 186.0))]  # fmt: skip
    r1 = observe([drone], 590, sensor="r1", period=2, noise=20, p_detect=0.9, seed=seed)
    return ReportBatch.concat([*rf, r1]).sorted_by_time()


@pytest.mark.parametrize("chunk_s", [2.0, 600.0])
@pytest.mark.parametrize("seed", range(4))
def test_plots_that_outlive_the_keyed_track_they_duplicate_continue_it(seed, chunk_s):
    updates, ended = run(CombinedTracker(), scene(seed), chunk_s=chunk_s)
    assert len(np.unique(updates.track_id)) == 1
    t = np.sort(updates.state.t - T0)
    assert t[-1] > 580.0  # the drone is tracked to the end
    assert np.diff(t).max() < 30.0  # without a long gap
    assert len(ended) == 1


@pytest.mark.parametrize("chunk_s", [5.0, 600.0])
@pytest.mark.parametrize("seed", range(4))
def test_a_segment_that_ended_within_the_batch_still_continues_a_keyed_track(seed, chunk_s):
    """An RF node hears a drone until 150 s (its plots joined to the RF track); the radar
    sees the drone again from 250 s to 350 s, then loses it, and goes on plotting another
    drone 20 km away. In one batch of ten minutes the drone's anonymous segment had ended
    (dormant) by the time it was checked and was left as it was, a second object (drone
    wall, plots variant, seed 2: decoy-18's segment 170 s after its RF-keyed track); in
    short batches it continues the RF track."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    other = Target(*at(51.7, 23.8, 180.0, 20_000.0), 40.0, 90.0, alt=700.0)
    heard = heard_then_seen(drone, 590, 150.0, ((0.0, 150.0), (250.0, 350.0)),
                            rf_noise=1500, plot_noise=20, seed=seed)  # fmt: skip
    far = observe([other], 590, sensor="r1", period=2, noise=20, p_detect=0.9, seed=seed + 50)
    batch = ReportBatch.concat([*heard, far]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, chunk_s=chunk_s)
    near = updates.state.lat > 51.6  # the drone's rows, not the other's (20 km south)
    assert len(np.unique(updates.track_id[near])) == 1
    assert ((updates.state.t[near] - T0) > 340.0).any()  # the late segment is output
    assert len(np.unique(updates.track_id)) == 2
