"""A new RF number is compared with where the keyed tracks' plots put them (aliasing.py).

Two drones 14 km apart, each heard by its own RF node (fixes good to 2.2 km, the node's
own number) and plotted by a border radar; the second node first hears its drone three
minutes into a ten-minute batch. Compared with the first node's fixes, the second
node's first fixes fell within the join's gate (two rough positions extrapolated up to
30 s), its number became an alias of the first drone's track and one track took both
drones' plots (drone wall, plots variant, seeds 2 and 4: WALL-RF08's decoy-19 and
WALL-RF07's decoy-16, 16 km apart; at 13-14 km the old comparison merged them on 8 seeds
of 8)."""

from __future__ import annotations

import numpy as np
import pytest
from test_keyed_segments import at
from tracking_scenes import Target, observe, run

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker

APART_M = 14_000.0


def scene(seed: int, apart_m: float = APART_M) -> tuple[ReportBatch, ReportBatch]:
    """The plots of drone A and of drone B (``apart_m`` south of A), with both nodes'
    fixes: A's node hears it throughout, B's from 180 s."""
    a = Target(51.9, 23.6, 40.0, 275.0, alt=700.0)
    b = Target(*at(51.9, 23.6, 180.0, apart_m), 40.0, 275.0, alt=700.0)
    rf_a = observe([a], 590, sensor="rf7", period=2, phase=0.4, noise=2200,
                   track_numbers=True, seed=seed + 3)  # fmt: skip
    rf_b = observe([b], 590, sensor="rf8", period=2, phase=0.6, noise=2200,
                   track_numbers=True, window=(180.0, 590.0), seed=seed + 5)  # fmt: skip
    plots_a = observe([a], 590, sensor="r3", period=2, noise=40, p_detect=0.85, seed=seed)
    plots_b = observe([b], 590, sensor="r3", period=2, noise=40, p_detect=0.85,
                      seed=seed + 9)  # fmt: skip
    return ReportBatch.concat([rf_a, rf_b, plots_a]).sorted_by_time(), plots_b


@pytest.mark.parametrize("seed", range(6))
def test_a_new_rf_number_14_km_from_a_plotted_drone_is_not_its_alias(seed):
    """In one batch of ten minutes the two drones are two tracks: no id carries plots of
    both (B's plots are told from A's by where they fall)."""
    first, plots_b = scene(seed)
    batch = ReportBatch.concat([first, plots_b]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, chunk_s=600.0)
    s = updates.state
    north = s.lat > 51.9 - 0.5 * APART_M / 111_000.0  # drone A's side
    plotted = s.sensor == "r3"
    ids_a = set(np.unique(updates.track_id[plotted & north]).tolist())
    ids_b = set(np.unique(updates.track_id[plotted & ~north]).tolist())
    assert ids_a
    assert ids_b
    assert not ids_a & ids_b


@pytest.mark.parametrize("seed", range(4))
def test_a_second_rf_node_that_hears_the_same_drone_is_its_alias(seed):
    """The second node hears drone A itself from 180 s: its number is an alias of A's
    track, one object (its fixes, 2.2 km, fall on A's plots)."""
    a = Target(51.9, 23.6, 40.0, 275.0, alt=700.0)
    rf_a = observe([a], 590, sensor="rf7", period=2, phase=0.4, noise=2200,
                   track_numbers=True, seed=seed + 3)  # fmt: skip
    rf_b = observe([a], 590, sensor="rf8", period=2, phase=0.6, noise=2200,
                   track_numbers=True, window=(180.0, 590.0), seed=seed + 5)  # fmt: skip
    plots = observe([a], 590, sensor="r3", period=2, noise=40, p_detect=0.85, seed=seed)
    batch = ReportBatch.concat([rf_a, rf_b, plots]).sorted_by_time()
    updates, _ = run(CombinedTracker(), batch, chunk_s=600.0)
    assert len(np.unique(updates.track_id)) == 1
