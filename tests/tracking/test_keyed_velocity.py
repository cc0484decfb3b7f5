"""Velocities of keyed tracks whose rows differ in accuracy (keyedvelocity.py).

An RF node fixes a drone to kilometres, a border radar plots it to metres; joined, both
kinds of rows are one keyed track. Differenced against a rough fix a few seconds older,
a fine plot gave the drone hundreds of metres per second (drone wall, plots variant)."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import T0, Target, observe

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker
from airsentry.tracking.cooperative import CooperativeTracker


def mixed(seed: int, plots: tuple[float, float] = (0.0, 300.0)) -> ReportBatch:
    """A 40 m/s drone: 1.5 km RF fixes every 2 s throughout (a second after each plot:
    the kept rows' buckets hold one row a half second), 15 m plots every 2 s in
    ``plots`` (stated accuracies as observed)."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    rf = observe([drone], 300, sensor="rf", period=2, phase=1.0, noise=1500, seed=seed)
    r1 = observe([drone], 300, sensor="r1", period=2, noise=15, window=plots, seed=seed + 7)
    return ReportBatch.concat([rf, r1]).sorted_by_time()


def speeds(batch: ReportBatch, chunk_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Speeds (NaN: unknown) and accuracies of one key's rows through the keyed part."""
    tracker = CooperativeTracker()
    out_v, out_acc = [], []
    for a in np.arange(batch.t.min(), batch.t.max() + chunk_s, chunk_s):
        part = batch.take((batch.t >= a) & (batch.t < a + chunk_s))
        if not len(part):
            continue
        upd, _ = tracker.process(part, np.full(len(part), "rf#1", dtype=object))
        out_v.append(np.hypot(upd.state.vel_e, upd.state.vel_n))
        out_acc.append(upd.state.accuracy)
    return np.concatenate(out_v), np.concatenate(out_acc)


@pytest.mark.parametrize("chunk_s", [2.0, 600.0])
@pytest.mark.parametrize("seed", range(3))
def test_fine_rows_take_no_velocity_from_rough_ones(seed, chunk_s):
    """Every fine row's velocity (where it has one) is within 16 m/s of the drone's 40
    m/s (15 m plots 5.3 s apart), and most fine rows have one: they are differenced
    against fine rows only (before: against a 1.5 km fix, hundreds of m/s off)."""
    v, acc = speeds(mixed(seed), chunk_s)
    fine = v[acc < 100.0]
    known = fine[np.isfinite(fine)]
    assert len(known) > 0.9 * len(fine)
    assert np.abs(known - 40.0).max() < 16.0


@pytest.mark.parametrize("seed", range(3))
def test_fine_rows_after_rough_ones_wait_for_a_fine_baseline(seed):
    """Plots from 150 s after 150 s of RF fixes alone: a plot with no fine row 5.3 s
    before it is differenced against a fix at least 90 s older (the error bound as far
    as the history allows), never one a few seconds older; from the fourth plot on the
    plots' own baseline gives the drone's speed to 16 m/s."""
    v, acc = speeds(mixed(seed, plots=(150.0, 300.0)), 600.0)
    fine = v[acc < 100.0]
    assert np.isfinite(fine).all()
    assert np.abs(fine[:3] - 40.0).max() < 40.0
    assert np.abs(fine[3:] - 40.0).max() < 16.0


def test_one_accuracy_keeps_the_baseline_of_the_row():
    """A feed of one accuracy (ADS-B) is untouched: rows 4 s apart differenced."""
    drone = Target(51.7, 23.8, 200.0, 90.0, alt=9000.0)
    adsb = observe([drone], 60, sensor="adsb", period=1, noise=0.0, seed=0)
    v, _ = speeds(adsb, 10.0)
    known = v[np.isfinite(v)]
    assert len(known) == len(v) - 4  # the first 4 s have no row 4 s older
    assert np.abs(known - 200.0).max() < 1.0


@pytest.mark.parametrize("seed", range(3))
def test_joined_plots_of_an_rf_track_move_at_the_drone_speed(seed):
    """Through the combined tracker (RF track numbers, radar plots joined): the output
    rows of the drone's fine plots report its speed."""
    drone = Target(51.7, 23.8, 40.0, 270.0, alt=700.0)
    rf = observe([drone], 300, sensor="rf", period=2, phase=0.4, noise=1500,
                 track_numbers=True, seed=seed)  # fmt: skip
    r1 = observe([drone], 300, sensor="r1", period=2, noise=15, p_detect=0.9, seed=seed + 7)
    tracker = CombinedTracker()
    batch = ReportBatch.concat([rf, r1]).sorted_by_time()
    upd, _ = tracker.process(batch)
    fine = (upd.state.accuracy < 100.0) & (upd.state.t - T0 > 20.0)
    v = np.hypot(upd.state.vel_e, upd.state.vel_n)[fine]
    assert fine.sum() > 100
    known = v[np.isfinite(v)]
    assert np.abs(known - 40.0).max() < 16.0
