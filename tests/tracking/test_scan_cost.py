"""The fused tracker's per-scan shortcuts give the numbers of the general code they bypass.

Each shortcut (a distance matrix instead of a k-d tree, label propagation instead of a
sparse graph search, one site conversion per sensor, one branch of the coordinated turn,
the constant-velocity prediction without a matrix product, one polar pass for all IMM
models) is compared here with the general computation on random inputs, bit for bit
where the shortcut claims the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from airsentry.frame import SensorFrame
from airsentry.tracking.association import _components, gnn
from airsentry.tracking.fusedconfig import fused_imm
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import enu_rotation, geodetic_to_ecef, innovation
from airsentry.tracking.motion import MotionModel, ct_transition, cv_transition
from airsentry.tracking.polar import (
    SiteGeometry,
    ecef_at,
    polar_noise,
    polar_position_cov,
    polar_update,
    site_frames,
)
from airsentry.tracking.scan import BRUTE_PAIRS, _median, near_pairs


def test_near_pairs_matches_the_kd_tree() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n_c, n_p = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        base = geodetic_to_ecef(np.array([54.0]), np.array([18.0]))
        centre = base + rng.normal(0.0, 5_000.0, (n_c, 3))
        points = base + rng.normal(0.0, 5_000.0, (n_p, 3))
        radius = rng.uniform(100.0, 6_000.0, n_c)
        assert n_c * n_p <= BRUTE_PAIRS
        ti, pj = near_pairs(centre, radius, points)
        assert (np.diff(ti * 1000 + pj) > 0).all()
        lists = cKDTree(points).query_ball_point(centre, r=radius)
        want = sorted((i, j) for i, js in enumerate(lists) for j in js)
        assert sorted(zip(ti.tolist(), pj.tolist(), strict=True)) == want


def test_near_pairs_uses_the_tree_for_large_scans() -> None:
    rng = np.random.default_rng(4)
    centre = rng.normal(0.0, 1_000.0, (100, 3))
    points = rng.normal(0.0, 1_000.0, (100, 3))
    radius = np.full(100, 300.0)
    ti, pj = near_pairs(centre, radius, points)
    assert (np.diff(ti * 1000 + pj) > 0).all()  # sorted by centre then point, no repeats
    d = np.linalg.norm(centre[ti] - points[pj], axis=1)
    assert (d <= 300.0).all()
    full = np.linalg.norm(centre[:, None] - points[None], axis=2) <= 300.0
    assert len(ti) == int(full.sum())


def test_components_number_clusters_as_scipy_does() -> None:
    rng = np.random.default_rng(5)
    for _ in range(500):
        n_t, n_p = int(rng.integers(1, 10)), int(rng.integers(1, 10))
        k = int(rng.integers(1, 25))
        a, b = rng.integers(0, n_t, k), n_t + rng.integers(0, n_p, k)
        graph = coo_matrix((np.ones(k), (a, b)), shape=(n_t + n_p, n_t + n_p))
        _, label = connected_components(graph, directed=False)
        mine = _components(a, b, n_t + n_p)
        # the same clusters, in the same order
        assert (np.argsort(mine, kind="stable") == np.argsort(label[a], kind="stable")).all()
        same = mine[:, None] == mine[None, :]
        assert (same == (label[a][:, None] == label[a][None, :])).all()


def test_gnn_solves_overlapping_clusters() -> None:
    # two tracks wanting the same plot, and a third cluster apart
    t = np.array([0, 0, 1, 1, 5])
    p = np.array([0, 1, 0, 1, 9])
    cost = np.array([1.0, 2.0, 1.5, 10.0, 0.5])
    at, ap = gnn(t, p, cost)
    assert sorted(zip(at.tolist(), ap.tolist(), strict=True)) == [(0, 1), (1, 0), (5, 9)]


def test_median_of_scan_times() -> None:
    rng = np.random.default_rng(6)
    for n in range(1, 12):
        t = 1.758e9 + rng.uniform(0.0, 4.0, n)
        assert _median(t) == float(np.median(t))


def test_site_frames_cache_gives_the_conversion() -> None:
    lat, lon, alt = np.full(3, 54.3), np.full(3, 18.6), np.full(3, 120.0)
    site, rot = site_frames(lat, lon, alt)
    assert np.array_equal(site, ecef_at(lat, lon, alt))
    assert np.array_equal(rot, enu_rotation(lat, lon))
    site[0, 0] = 0.0  # the caller's copy: the cache stays intact
    again, _ = site_frames(lat, lon, alt)
    assert np.array_equal(again, ecef_at(lat, lon, alt))
    mixed = site_frames(np.array([54.0, 55.0]), np.array([18.0, 19.0]), np.zeros(2))
    assert np.array_equal(mixed[0], ecef_at(np.array([54.0, 55.0]), np.array([18.0, 19.0]),
                                            np.zeros(2)))  # fmt: skip


def _ct_general(x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coordinated turn with both branches mixed (the general code path)."""
    xs = np.concatenate([x, np.array([[0.0, 0.0, 10.0, 10.0, 1e-9]])])
    ds = np.concatenate([dt, [1.0]])
    xp, f = ct_transition(xs, ds)
    return xp[:-1], f[:-1]


@pytest.mark.parametrize("omega", [0.0, 1e-7, 0.05, -0.2])
def test_coordinated_turn_single_branch_matches_general(omega: float) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 100.0, (6, 5))
    x[:, 4] = omega
    dt = rng.uniform(0.5, 4.0, 6)
    xp, f = ct_transition(x, dt)
    xg, fg = _ct_general(x, dt)
    assert np.array_equal(xp, xg)
    assert np.array_equal(f, fg)


def test_constant_velocity_prediction_is_f_times_x() -> None:
    rng = np.random.default_rng(8)
    x, dt = rng.normal(0.0, 100.0, (7, 5)), rng.uniform(-1.0, 5.0, 7)
    xp, f = cv_transition(x, dt)
    assert np.array_equal(xp, np.einsum("kij,kj->ki", f, x))
    assert np.array_equal(f[:, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]], np.ones((7, 5)))


def test_combine_single_model() -> None:
    rng = np.random.default_rng(9)
    x, p = rng.normal(size=(4, 1, 5)), rng.normal(size=(4, 1, 5, 5))
    xc, pc = IMM.combine(x, p, np.ones((4, 1)))
    assert np.array_equal(xc, x[:, 0])
    assert np.array_equal(pc, p[:, 0])


def test_polar_update_of_all_models_in_one_pass() -> None:
    """One stacked polar pass gives each IMM model the numbers of its own pass."""
    rng = np.random.default_rng(10)
    k = 3
    imm = fused_imm()
    frame = SensorFrame(
        site_lat=np.full(k, 54.0), site_lon=np.full(k, 18.0), site_alt=np.full(k, 50.0),
        range_m=rng.uniform(20e3, 80e3, k), azimuth_rad=rng.uniform(0, 6.28, k),
        elevation_rad=np.full(k, np.nan), sigma_range_m=np.full(k, 30.0),
        sigma_azimuth_rad=np.full(k, 0.002), sigma_elevation_rad=np.full(k, np.nan),
    )  # fmt: skip
    lat, lon = 54.0 + rng.uniform(0.2, 0.6, k), 18.0 + rng.uniform(0.2, 0.6, k)
    origin, rot = geodetic_to_ecef(lat, lon), enu_rotation(lat, lon)
    xp = rng.normal(0.0, 50.0, (k, imm.m, 5))
    a = rng.normal(size=(k, imm.m, 5, 5))
    pp = a @ np.swapaxes(a, -1, -2) + 100.0 * np.eye(5)
    mu = np.full((k, imm.m), 0.5)
    pj, acc, height = np.arange(k), np.full(k, 50.0), np.full(k, 1_000.0)
    xs, ps, mus = polar_update(imm, frame, pj, acc, origin, rot, height, xp, pp, mu)
    # the reference: the measurement function evaluated model by model
    geo = SiteGeometry(frame, pj, origin, rot, height)
    z = np.column_stack([frame.range_m, frame.azimuth_rad])

    def measure(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zhat, h = geo.polar(x)
        return innovation(z, zhat, "polar"), h

    want = imm.update(xp, pp, mu, measure, polar_noise(frame, pj, acc))
    for got, ref in zip((xs, ps, mus), want, strict=True):
        assert np.array_equal(got, ref)


def test_one_model_prediction_unchanged() -> None:
    imm = IMM(models=(MotionModel("cv", sigma_a=1.0),))
    x, p = np.zeros((2, 1, 5)), np.broadcast_to(np.eye(5), (2, 1, 5, 5)).copy()
    x[:, 0, 2] = 10.0
    xs, _, _ = imm.predict(x, p, np.ones((2, 1)), np.array([2.0, 3.0]))
    assert np.array_equal(xs[:, 0, 0], np.array([20.0, 30.0]))


def test_polar_position_cov_outer_products() -> None:
    """The plot's error ellipse: range variance along the beam, cross-range across it."""
    rng = np.random.default_rng(11)
    k = 40
    frame = SensorFrame(
        site_lat=np.full(k, 54.0), site_lon=np.full(k, 18.0), site_alt=np.zeros(k),
        range_m=rng.uniform(1e3, 1e5, k), azimuth_rad=rng.uniform(-7.0, 7.0, k),
        elevation_rad=np.full(k, np.nan), sigma_range_m=np.full(k, 30.0),
        sigma_azimuth_rad=np.full(k, 0.002), sigma_elevation_rad=np.full(k, np.nan),
    )  # fmt: skip
    pj, acc = np.arange(k), np.full(k, 50.0)
    az, r = frame.azimuth_rad, polar_noise(frame, pj, acc)
    along = np.column_stack([np.sin(az), np.cos(az)])
    across = np.column_stack([np.cos(az), -np.sin(az)])
    want = r[:, 0, 0, None, None] * np.einsum("ki,kj->kij", along, along) + (
        np.maximum(frame.range_m, 1.0) ** 2 * r[:, 1, 1]
    )[:, None, None] * np.einsum("ki,kj->kij", across, across)
    got = polar_position_cov(frame, pj, acc)
    assert np.array_equal(got, want)
    # along the beam the variance is the range variance
    assert np.allclose(np.einsum("ki,kij,kj->k", along, got, along), 30.0**2)
