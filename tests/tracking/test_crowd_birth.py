"""A new track's crowd: its object's own past is none, and one stray plot only holds it.

Copenhagen, plots variant, seed 4: the first drone's first plot started a tentative
track while the clutter map was still at its prior; one missed scan killed it, the next
plot started a second track, and that track counted the first one's plot as a plot "no
track explains" around it: a crowd, so it waited 12 residuals (24 s) to be confirmed and
the sovereign alert came 25.5 s after the entry (median 13.0 s, over the 10 s limit).
``crowd_at_birth`` now credits the new track with a past one point target could have
made (at most one plot a scan; the latest, and older ones on the line back through it),
while a flock's scattered plots, and a scan with several plots, stay a crowd.

Oslo, plots variant, seed 4: beside the drone's own past plot a clutter plot fell 770 m
away 8 s before its new track (0.085 expected there): a crowd of one, so the drone
waited ~20 s and the sovereign alert came 25.1 s after the entry (median 13.1 s: fail).
``crowd_pvalue`` (a space-time scan statistic) finds that plot no more than clutter
(0.039), so the track is only held ``pending_scans`` scans for the crowd to recur; a
flock's plots near the track, or recurring, still make a crowd.
"""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.config import PipelineConfig
from airsentry.sim.scenario import load_library
from airsentry.sim.score import ScoreSettings, evaluate
from airsentry.sim.variants import variant
from airsentry.tracking.clutterextent import _KEY, ExtentConfig, PlotExtent
from airsentry.tracking.crowdbirth import birth_crowd, birth_pairs, crowd_at_birth, crowd_pvalue
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


def pvalue(recent: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...], expected: float) -> float:
    rt, rp, rq = (np.concatenate([a, b]) for a, b in zip(recent, new, strict=True))
    t, pos, polar = new
    pairs = birth_pairs((rt, rp, rq), t, pos, polar, SCAN, CFG)
    return float(crowd_pvalue(*pairs, 1, SCAN, CFG, np.array([expected]))[0])


def start(ext: PlotExtent, track: int, new: tuple[np.ndarray, ...], expected: float) -> None:
    """Start track ``track`` at plot ``new`` of sensor 3, as a scan of the tracker does."""
    exp = np.array([expected])
    around, significant = birth_crowd(ext.plots_of(3), *new, SCAN, ext.config, exp)
    ext.born(np.array([track]), 3, around, significant, exp)


def oslo_birth(rng: np.random.Generator) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """A drone's own plot 4 s before its new track's first plot and a clutter plot 770 m
    away 8 s before (Oslo, plots variant, seed 4)."""
    own, new = drone(np.array([4.0]), rng), drone(np.array([8.0]), rng)
    east, north = new[1][0, 0] - 600.0, new[1][0, 1] - 480.0
    stray = plots(np.array([0.0]), np.array([east]), np.array([north]))
    past = tuple(np.concatenate([a, b]) for a, b in zip(stray, own, strict=True))
    return past, new


def test_one_stray_plot_is_not_a_significant_crowd() -> None:
    rng = np.random.default_rng(3)
    past, new = oslo_birth(rng)
    assert birth(past, new) == 2.0  # still counted: its own and the stray
    # its smallest cylinder: 768 m over 5 scans, 0.085 * 5 * 2 / 20 * (768 / 800)^2
    lam = 0.085 * 0.5 * (np.hypot(600.0, 480.0) / 800.0) ** 2
    assert pvalue(past, new, 0.085) == pytest.approx(1.0 - np.exp(-lam), rel=1e-9)
    assert pvalue(past, new, 0.085) > CFG.crowd_alpha
    # with no clutter expected there, the same plot is a crowd
    assert pvalue(past, new, 0.005) < CFG.crowd_alpha


def test_a_flocks_plots_near_the_track_or_in_its_scan_are_significant() -> None:
    rng = np.random.default_rng(5)
    new = drone(np.array([16.0]), rng)
    centre = new[1][0]
    # Flock seed 20: one plot 208 m away in the birth scan; the map, having learnt the
    # flock, expects 0.2 within 800 m over 20 s
    beside = plots(np.array([16.01]), centre[:1] + 208.0, centre[1:2])
    assert birth(beside, new) == 2.0
    assert pvalue(beside, new, 0.2) < CFG.crowd_alpha
    # Flock seed 32: plots 290 m and 330 m away 16 s and 8 s before (the latest credited)
    two = plots(np.array([0.0, 8.0]), centre[:1] + np.array([290.0, -330.0]),
                centre[1:2] + np.array([0.0, 20.0]))  # fmt: skip
    assert birth(two, new) == 2.0
    # 0.023: alone not enough (the track is held a few scans to see more)
    assert CFG.crowd_alpha < pvalue(two, new, 0.2) < 0.05


def test_the_cylinder_search_finds_the_smallest_level_written_out() -> None:
    """The vectorised search against every cylinder, one track at a time, by loops."""
    from scipy.stats import poisson

    rng = np.random.default_rng(8)
    window, depth = CFG.window_s, int(CFG.window_s / SCAN)
    k = 40
    n = rng.integers(1, 9, k)  # crowd plots per track
    i = np.repeat(np.arange(k), n + 1)
    own = np.r_[0, np.cumsum(n + 1)[:-1]]
    ago = rng.integers(0, depth + 1, len(i))
    dist = rng.uniform(20.0, CFG.radius_m, len(i))
    ago[own], dist[own] = 0, 0.0  # each track's own first plot, not counted
    expected = rng.uniform(0.01, 3.0, k)
    got = crowd_pvalue(i, ago, dist, np.ones(len(i)), k, SCAN, CFG, expected)
    for t in range(k):
        sel = (i == t) & ~np.isin(np.arange(len(i)), own)
        a, d = ago[sel], dist[sel]
        whole = poisson.sf(len(a) - 1, expected[t])
        best = whole
        for r in d:
            for w in a:
                inside = np.count_nonzero((d <= r) & (a <= w))
                lam = expected[t] * min((w + 1) * SCAN / window, 1.0) * (r / CFG.radius_m) ** 2
                best = min(best, poisson.sf(inside - 1, lam))
        if whole < CFG.crowd_alpha:  # decided without the search
            assert got[t] == pytest.approx(whole, rel=1e-9)
        else:
            assert got[t] == pytest.approx(best, rel=1e-9)


def test_a_stray_plot_holds_a_track_a_few_scans_and_a_recurring_crowd_keeps_it() -> None:
    rng = np.random.default_rng(6)
    past, new = oslo_birth(rng)
    held = []
    for recur in (False, True):
        ext = PlotExtent()
        ext.remember(3, *past, now=4.0)
        ext.remember(3, *new, now=8.0)
        start(ext, 11, new, 0.085)
        scans = []
        for k in range(CFG.pending_scans + 2):
            scans.append(bool(ext.extended(np.array([11]))[0]))
            around = 1.0 if recur and k == 0 else 0.0  # another plot beside it, once
            ext.crowded(np.array([11]), 3, np.array([around]), lambda w: np.full(len(w), 0.01))
        held.append(scans)
    # a stray plot: held for pending_scans of its sensor's scans, then free
    assert held[0] == [True] * CFG.pending_scans + [False, False]
    # another plot in the next scan: a crowd, held until it has proved itself point-like
    assert all(held[1])


def test_born_keeps_the_excess_over_own_and_expected() -> None:
    rng = np.random.default_rng(2)
    ext = PlotExtent()
    t, pos, polar = drone(np.array([0.0, 2.0, 4.0]), rng)
    ext.remember(3, t, pos, polar, now=4.0)
    nt, npos, npolar = drone(np.array([6.0]), rng)
    ext.remember(3, nt, npos, npolar, now=6.0)
    start(ext, 11, (nt, npos, npolar), 0.1)
    assert ext.crowd[ext._rows(np.array([11 * _KEY + 3]))][0] == 0.0
    assert not ext.extended(np.array([11])).any()


@pytest.mark.parametrize(
    ("scenario", "zone"),
    [
        # a stray clutter plot beside the first drone's new track held it ~20 s (25.1 s
        # before the significance test; median 13.1 s, a fail)
        ("oslo-2025-09-22", "sovereign:NOR"),
        # a dead first track's plot counted as a crowd around the next one (25.5 s before
        # a new track's own past was told from the crowd)
        ("copenhagen-2025-09-22", "sovereign:DNK"),
    ],
)
def test_plots_seed_4_sovereign_entry_is_alerted_in_time(scenario: str, zone: str) -> None:
    """The scenario's sovereign entry (plots variant, seed 4) is alerted within 15 s."""
    sc = variant(load_library(scenario), "plots")
    score = evaluate(sc, settings=ScoreSettings(seed=4), config=PipelineConfig(fused=FusedConfig()))
    assert score.passed, score.to_dict()
    sovereign = [m for m in score.matches if m.truth and m.zone_id == zone]
    assert sovereign
    assert sovereign[0].time_to_alert_s is not None
    assert sovereign[0].time_to_alert_s < 15.0
