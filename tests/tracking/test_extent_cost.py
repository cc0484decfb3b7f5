"""The point/extended test's per-scan shortcuts give the numbers of the general code.

The crowd count of :mod:`~airsentry.tracking.clutterextent` runs once or twice in every
sensor scan of the fused tracker, so it takes shortcuts: a distance matrix instead of a
k-d tree for a scan's few plots, one ``searchsorted`` for the rows of pairs already held,
the clutter-map lookup only for tracks whose crowd it can change, and no membership test
when no pair is under suspicion. Each is compared here, on random inputs, with the
general computation it bypasses (written out as the code before the shortcut had it),
bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from airsentry.frame import SensorFrame
from airsentry.tracking.clutterextent import (
    _KEY,
    BRUTE_PAIRS,
    ExtentConfig,
    PlotExtent,
    neighbours,
    residual_q,
)
from airsentry.tracking.kalman import geodetic_to_ecef


def test_neighbours_count_what_the_kd_tree_counts() -> None:
    rng = np.random.default_rng(11)
    base = geodetic_to_ecef(np.array([52.5]), np.array([23.0]))
    for _ in range(200):
        k, n = int(rng.integers(1, 30)), int(rng.integers(1, 60))
        assert k * n <= BRUTE_PAIRS
        spread = rng.uniform(100.0, 3_000.0)
        plots = base + rng.normal(0.0, spread, (n, 3))
        around = base + rng.normal(0.0, spread, (k, 3))
        m = min(k, n) // 3
        around[:m] = plots[:m]  # some positions exactly on a plot
        tree = cKDTree(plots).query_ball_point(around, r=800.0, return_length=True)
        got = neighbours(plots, around, 800.0)
        assert got.dtype == np.float64
        assert np.array_equal(got, np.asarray(tree, dtype=np.float64))


def test_neighbours_of_a_large_scan_use_the_tree() -> None:
    rng = np.random.default_rng(12)
    plots = rng.normal(0.0, 2_000.0, (200, 3))
    around = rng.normal(0.0, 2_000.0, (40, 3))
    assert len(plots) * len(around) > BRUTE_PAIRS
    d = np.linalg.norm(around[:, None] - plots[None], axis=2)
    assert np.array_equal(neighbours(plots, around, 500.0), (d <= 500.0).sum(axis=1))


def _rows_general(ext: PlotExtent, keys: np.ndarray) -> np.ndarray:
    """The rows of ``keys`` as the code before the shortcut found them: ``setdiff1d``."""
    new = np.setdiff1d(keys, ext.key)
    if len(new):
        k = len(new)
        ext.key = np.concatenate([ext.key, new])
        ext.last = np.concatenate([ext.last, np.full((k, 2, 3), np.nan)])
        ext.llr = np.concatenate([ext.llr, np.zeros(k)])
        ext.crowd = np.concatenate([ext.crowd, np.zeros(k)])
        ext.tested = np.concatenate([ext.tested, np.zeros(k, dtype=np.int64)])
        ext.pending = np.concatenate([ext.pending, np.zeros(k, dtype=np.int64)])
        order = np.argsort(ext.key, kind="stable")
        ext.key, ext.last, ext.llr = ext.key[order], ext.last[order], ext.llr[order]
        ext.crowd, ext.tested = ext.crowd[order], ext.tested[order]
        ext.pending = ext.pending[order]
    return np.searchsorted(ext.key, keys)


def _same(a: PlotExtent, b: PlotExtent) -> bool:
    return (
        np.array_equal(a.key, b.key)
        and np.array_equal(a.last, b.last, equal_nan=True)
        and np.array_equal(a.llr, b.llr)
        and np.array_equal(a.crowd, b.crowd)
        and np.array_equal(a.tested, b.tested)
        and np.array_equal(a.pending, b.pending)
    )


def test_rows_of_held_and_new_pairs_as_setdiff_found_them() -> None:
    rng = np.random.default_rng(13)
    mine, general = PlotExtent(), PlotExtent()
    for _ in range(300):
        ids = rng.choice(60, size=int(rng.integers(0, 12)), replace=False)
        keys = ids * _KEY + int(rng.integers(0, 5))
        want = _rows_general(general, keys)
        got = mine._rows(keys)
        assert np.array_equal(got, want)
        assert _same(mine, general)
        mine.llr[got] += 1.0  # state the rows carry must follow them through re-sorts
        general.llr[want] += 1.0
        mine.pending[got] += 1
        general.pending[want] += 1
        if rng.random() < 0.1:
            live = rng.choice(60, size=30, replace=False)
            mine.forget(live)
            general.forget(live)


def test_crowd_asks_the_clutter_map_only_where_it_matters() -> None:
    rng = np.random.default_rng(14)
    cfg = ExtentConfig()
    mine = PlotExtent()
    for _ in range(300):
        k = int(rng.integers(1, 15))
        ids = rng.choice(40, size=k, replace=False)
        around = rng.integers(0, 4, k) - rng.integers(0, 2, k).astype(bool)
        around = np.asarray(around, dtype=np.float64)
        expected = rng.exponential(0.3, k) * (rng.random(k) < 0.8)  # >= 0, some exactly 0
        rows = mine._rows(ids * _KEY + 3)
        prior = mine.crowd[rows].copy()
        want = np.maximum(cfg.crowd_memory * prior + (around - expected), 0.0)
        asked: list[np.ndarray] = []

        def lookup(
            which: np.ndarray, expected: np.ndarray = expected, asked: list = asked
        ) -> np.ndarray:
            asked.append(which)
            return expected[which]

        mine.crowded(ids, 3, around, lookup)
        assert np.array_equal(mine.crowd[mine._rows(ids * _KEY + 3)], want)
        skipped = np.setdiff1d(np.arange(k), np.concatenate(asked) if asked else [])
        assert (prior[skipped] == 0.0).all()
        assert (around[skipped] <= 0.0).all()


def test_extended_without_suspects_is_the_membership_test() -> None:
    rng = np.random.default_rng(15)
    cfg = ExtentConfig()
    ext = PlotExtent()
    for _ in range(200):
        ids = rng.choice(50, size=int(rng.integers(1, 20)), replace=False)
        ext._rows(ids * _KEY + int(rng.integers(0, 3)))
        n = len(ext.key)
        ext.llr = np.where(rng.random(n) < 0.05, 5.0, rng.normal(0.0, 1.0, n))
        ext.crowd = np.where(rng.random(n) < 0.05, 2.0, 0.0)
        ext.tested = rng.integers(0, 20, n)
        ext.pending = np.where(rng.random(n) < 0.05, 2, 0)
        owner = ext.key // _KEY
        held = (ext.crowd > cfg.crowd_limit) | (ext.pending > 0)
        unproven = held & (ext.tested < cfg.samples)
        bad = np.unique(owner[(ext.llr > cfg.block) | unproven])
        for query in (rng.integers(0, 60, 25), rng.integers(0, 60, 500)):  # small, large
            assert np.array_equal(ext.extended(query), np.isin(query, bad))


def test_crowd_is_kept_per_track_and_sensor() -> None:
    # one track seen by two sensors: two pairs, each with its own crowd
    ext = PlotExtent()
    ext.crowded(np.array([7]), 1, np.array([2.0]), lambda w: np.full(len(w), 0.5))
    ext.crowded(np.array([7]), 2, np.array([0.0]), lambda w: np.full(len(w), 0.5))
    assert ext.crowd[ext._rows(np.array([7 * _KEY + 1]))][0] == 1.5
    assert ext.crowd[ext._rows(np.array([7 * _KEY + 2]))][0] == 0.0


def _observe_general(
    ext: PlotExtent, track_id: np.ndarray, sensor: int, t: np.ndarray, frame: SensorFrame
) -> None:
    """One plot per track into the test, as the code before the shortcuts had it."""
    ok = np.isfinite(frame.range_m) & np.isfinite(frame.azimuth_rad)
    ok &= np.isfinite(frame.sigma_range_m) & np.isfinite(frame.sigma_azimuth_rad)
    if not ok.any():
        return
    idx = np.flatnonzero(ok)
    r = _rows_general(ext, track_id[idx] * _KEY + sensor % _KEY)
    now = np.column_stack([t[idx], frame.range_m[idx], frame.azimuth_rad[idx]])
    q = residual_q(ext.last[r], now, frame.sigma_range_m[idx], frame.sigma_azimuth_rad[idx])
    cfg = ext.config
    has = np.isfinite(q)
    ext.llr[r[has]] = np.maximum(cfg.memory * ext.llr[r[has]] + cfg.ratio(q[has]), cfg.floor)
    ext.tested[r[has]] += 1
    later = now[:, 0] > ext.last[r, 1, 0]
    later |= ~np.isfinite(ext.last[r, 1, 0])
    rl = r[later]
    ext.last[rl, 0] = ext.last[rl, 1]
    ext.last[rl, 1] = now[later]


def test_observe_of_frame_rows_is_the_general_update() -> None:
    rng = np.random.default_rng(16)
    mine, general = PlotExtent(), PlotExtent()
    t0 = 1.758e9
    for scan in range(400):
        n = int(rng.integers(1, 10))
        ids = rng.choice(25, size=n, replace=False)
        t = np.full(n, t0 + 2.0 * (scan // 2))  # every other scan repeats the time
        t[rng.random(n) < 0.1] -= 4.0  # and some plots come late
        m = n + int(rng.integers(0, 4))  # the scan's frame; tracks took rows ``at`` of it
        range_m = rng.uniform(2_000.0, 20_000.0, m)
        range_m[rng.random(m) < 0.15] = np.nan  # bearings
        frame = SensorFrame.build(
            m, range_m=range_m, azimuth_rad=rng.uniform(-np.pi, np.pi, m),
            sigma_range_m=15.0, sigma_azimuth_rad=np.radians(0.3),
        )  # fmt: skip
        at = rng.choice(m, size=n, replace=False)
        sensor = int(rng.integers(0, 3))
        mine.observe(ids, sensor, t, frame, at)
        _observe_general(general, ids, sensor, t, frame.take(at))
        assert _same(mine, general)
    assert (mine.tested > 0).any()
