"""A keyed drone track that lapses for half a minute is still the one object."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tracking_scenes import Target, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plots_confirmed_within_half_a_minute_of_a_lapsed_keyed_track_are_not_a_second_object(
    seed,
):
    """The air picture tracks a drone by number (with velocity, every 10 s) and misses it
    at 190 s and 200 s; a plot radar (light clutter), whose plots the keyed track takes,
    misses it from 194 s to 206 s (its next plots come 14 s after the keyed track's last
    row, beyond the join's 12 s extrapolation). The plots' anonymous track, confirmed
    where the keyed track would be before the air picture is back, was a second object
    (drone wall seed 1)."""
    drone = Target(52.0, 21.0, 40.0, 60.0, alt=900.0)
    asoc = observe([drone], 400, sensor="asoc", period=10, noise=100, track_numbers=True,
                   seed=seed)  # fmt: skip
    h = np.radians(60.0)
    asoc = dataclasses.replace(asoc, vel_e=np.full(len(asoc), 40.0 * np.sin(h)),
                               vel_n=np.full(len(asoc), 40.0 * np.cos(h)))  # fmt: skip
    t = asoc.t - asoc.t.min()
    asoc = asoc.take(np.flatnonzero((t < 190) | (t > 212)))
    r2 = observe([drone], 400, sensor="r2", period=2, phase=0.7, noise=20, seed=seed + 7,
                 clutter=2, clutter_box=(51.9, 52.3, 20.8, 21.4))  # fmt: skip
    t = r2.t - r2.t.min()
    r2 = r2.take(np.flatnonzero((t < 194) | (t >= 206)))
    updates, _ = run(CombinedTracker(), ReportBatch.concat([asoc, r2]).sorted_by_time(),
                     chunk_s=2.0)  # fmt: skip
    t = updates.state.t - asoc.t.min()
    assert len(np.unique(updates.track_id[(t > 150) & (t < 260)])) == 1  # the drone's


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_rf_node_first_heard_in_a_gap_of_the_air_picture_is_an_alias_of_its_track(seed):
    """The air picture tracks a drone by number every 10 s but misses it from 190 s to
    230 s; an RF node (positions kilometres along its bearing, its own object number)
    first hears it at 200 s. Its first rows fell in the gap, matched nothing within the
    join's 12 s, and its number became a second object (drone wall seed 4)."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    asoc = observe([drone], 400, sensor="asoc", period=10, noise=100, track_numbers=True,
                   seed=seed)  # fmt: skip
    h = np.radians(270.0)
    asoc = dataclasses.replace(asoc, vel_e=np.full(len(asoc), 40.0 * np.sin(h)),
                               vel_n=np.full(len(asoc), 40.0 * np.cos(h)))  # fmt: skip
    t = asoc.t - asoc.t.min()
    asoc = asoc.take(np.flatnonzero((t < 190) | (t > 230)))
    rf = observe([drone], 400, sensor="rf", period=2, phase=0.4, noise=2000, track_numbers=True,
                 seed=seed + 3)  # fmt: skip
    rf = rf.take(np.flatnonzero(rf.t - rf.t.min() >= 200))
    updates, _ = run(CombinedTracker(), ReportBatch.concat([asoc, rf]).sorted_by_time(),
                     chunk_s=10.0)  # fmt: skip
    assert len(np.unique(updates.track_id)) == 1
