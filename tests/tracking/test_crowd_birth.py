"""A new track's own past is no crowd: its object's earlier plots, one a scan on a line.

Copenhagen, plots variant, seed 4: the first drone's first plot started a tentative
track while the clutter map was still at its prior; one missed scan killed it, the next
plot started a second track, and that track counted the first one's plot as a plot "no
track explains" around it: a crowd, so it waited 12 residuals (24 s) to be confirmed and
the sovereign alert came 25.5 s after the entry (median 13.0 s, over the 10 s limit).
``crowd_at_birth`` now credits the new track with a past one point target could have
made (at most one plot a scan; the latest, and older ones on the line back through it),
while a flock's scattered plots, and a scan with several plots, stay a crowd.
"""

from __future__ import annotations

import numpy as np

from airsentry.config import PipelineConfig
from airsentry.sim.scenario import load_library
from airsentry.sim.score import ScoreSettings, evaluate
from airsentry.sim.variants import variant
from airsentry.tracking.clutterextent import _KEY, ExtentConfig, PlotExtent, crowd_at_birth
from airsentry.tracking.mtt import FusedConfig

SCAN = 2.0
SIGMA_R, SIGMA_AZ = 10.0, np.radians(0.2)
CFG = ExtentConfig()


def plots(t: np.ndarray, east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, ...]:
    """Plots of a radar at the origin: times, positions (local metres stand in for ECEF:
    only distances are used) and (range, azimuth, sigmas)."""
    pos = np.column_stack([east, north, np.zeros(len(t))])
    polar = np.column_stack([np.hypot(east, north), np.arctan2(east, north),
                             np.full(len(t), SIGMA_R), np.full(len(t), SIGMA_AZ)])  # fmt: skip
    return t, pos, polar


def drone(t: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A drone 8 km north of the radar flying east at 18 m/s, plots with radar noise."""
    r = np.hypot(18.0 * t, 8000.0) + rng.normal(0, SIGMA_R, len(t))
    az = np.arctan2(18.0 * t, 8000.0) + rng.normal(0, SIGMA_AZ, len(t))
    return plots(t, r * np.sin(az), r * np.cos(az))


def birth(recent: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> float:
    rt, rp, rq = (np.concatenate([a, b]) for a, b in zip(recent, new, strict=True))
    t, pos, polar = new
    return float(crowd_at_birth((rt, rp, rq), t, pos, polar, SCAN, CFG)[0])


def test_a_drones_own_past_is_no_crowd() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        past = drone(np.array([0.0, 4.0, 6.0, 8.0, 12.0]), rng)  # scans 2 and 10 missed
        assert birth(past, drone(np.array([14.0]), rng)) == 1.0  # its own plot only
    # one earlier plot, or none, cannot be tested and is its own
    assert birth(drone(np.array([10.0]), rng), drone(np.array([14.0]), rng)) == 1.0
    assert birth(plots(np.empty(0), np.empty(0), np.empty(0)), drone(np.array([14.0]), rng)) == 1.0


def test_a_flocks_scatter_and_a_busy_scan_are_a_crowd() -> None:
    rng = np.random.default_rng(7)
    # one plot a scan, scattered over 300 m around a centre drifting at 12 m/s
    t = np.arange(0.0, 20.0, SCAN)
    ang, rad = rng.uniform(0, 2 * np.pi, len(t)), 300.0 * np.sqrt(rng.random(len(t)))
    flock = plots(t, 12.0 * t + rad * np.sin(ang), 6000.0 + rad * np.cos(ang))
    past = tuple(c[:-1] for c in flock)
    new = tuple(c[-1:] for c in flock)
    assert birth(past, new) == len(t) - 1  # all but the latest earlier one (untestable)
    # the drone's own past, but a second plot in one of its scans: a crowd, all counted
    line = drone(np.array([0.0, 2.0, 4.0, 6.0]), rng)
    extra = plots(np.array([2.01]), line[1][1:2, 0] + 300.0, line[1][1:2, 1])
    busy = tuple(np.concatenate([a, b]) for a, b in zip(line, extra, strict=True))
    assert birth(busy, drone(np.array([8.0]), rng)) == 6.0


def test_a_stray_plot_off_the_drones_line_still_counts() -> None:
    # Oslo, plots variant, seed 4: a clutter plot 770 m away 8 s before, then the drone's
    rng = np.random.default_rng(1)
    stray = plots(np.array([-4.0]), np.array([-600.0]), np.array([8000.0 - 480.0]))
    own = drone(np.array([0.0]), rng)
    past = tuple(np.concatenate([a, b]) for a, b in zip(stray, own, strict=True))
    assert birth(past, drone(np.array([4.0]), rng)) == 2.0  # its own and the stray


def test_born_keeps_the_excess_over_own_and_expected() -> None:
    rng = np.random.default_rng(2)
    ext = PlotExtent()
    t, pos, polar = drone(np.array([0.0, 2.0, 4.0]), rng)
    ext.remember(3, t, pos, polar, now=4.0)
    nt, npos, npolar = drone(np.array([6.0]), rng)
    ext.remember(3, nt, npos, npolar, now=6.0)
    ext.born(np.array([11]), 3, nt, npos, npolar, np.array([0.1]), SCAN)
    assert ext.crowd[ext._rows(np.array([11 * _KEY + 3]))][0] == 0.0
    assert not ext.extended(np.array([11])).any()


def test_copenhagen_plots_seed_4_alerts_in_time() -> None:
    """The scenario's sovereign entry is alerted within 15 s (25.5 s before)."""
    sc = variant(load_library("copenhagen-2025-09-22"), "plots")
    score = evaluate(sc, settings=ScoreSettings(seed=4), config=PipelineConfig(fused=FusedConfig()))
    assert score.passed, score.to_dict()
    sovereign = [m for m in score.matches if m.truth and m.zone_id == "sovereign:DNK"]
    assert sovereign
    assert sovereign[0].time_to_alert_s is not None
    assert sovereign[0].time_to_alert_s < 15.0
