"""Filters: ENU geometry, motion models, Kalman and EKF measurement models, the IMM."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import (
    bearing_model,
    enu_rotation,
    from_enu,
    geodetic_to_ecef,
    innovation,
    kalman_update,
    polar_model,
    recentre,
    site_in_frames,
    to_enu,
)
from airsentry.tracking.motion import MotionModel, ct_transition, cv_transition

GEOD = Geod(ellps="WGS84")


def frame(lat: float, lon: float):
    la, lo = np.array([lat]), np.array([lon])
    return geodetic_to_ecef(la, lo), enu_rotation(la, lo)


@pytest.mark.parametrize(("az", "dist"), [(0.0, 5_000.0), (90.0, 5_000.0), (225.0, 20_000.0)])
def test_enu_of_a_nearby_point_matches_the_geodesic(az, dist):
    origin, rot = frame(59.4, 24.7)
    lon, lat, _ = GEOD.fwd(24.7, 59.4, az, dist)
    enu = to_enu(geodetic_to_ecef(np.array([lat]), np.array([lon])), origin, rot)[0]
    # tangent-plane distance to a surface point: shorter than the geodesic by ~d^3/(24 R^2)
    assert np.hypot(enu[0], enu[1]) == pytest.approx(dist, rel=1e-5)
    assert np.degrees(np.arctan2(enu[0], enu[1])) % 360 == pytest.approx(az, abs=0.01)


def test_recentre_moves_the_origin_onto_the_estimate_and_keeps_the_velocity():
    origin, rot = frame(52.0, 21.0)
    x = np.array([[[8_000.0, 3_000.0, 100.0, 50.0, 0.0]]])
    p = np.broadcast_to(np.diag([100.0, 100.0, 25.0, 25.0, 1e-4]), (1, 1, 5, 5)).copy()
    xs, ps, new_origin, new_rot, lat, lon = recentre(x, p, origin, rot, x[:, 0, 0:2])
    np.testing.assert_allclose(xs[0, 0, 0:2], 0.0, atol=1e-6)
    # the new origin is the old ENU point, as a geodesic from the old origin
    az, _, dist = GEOD.inv(21.0, 52.0, lon[0], lat[0])
    assert dist == pytest.approx(np.hypot(8_000.0, 3_000.0), rel=1e-5)
    assert az % 360 == pytest.approx(np.degrees(np.arctan2(8_000.0, 3_000.0)), abs=0.01)
    # a velocity vector turns only by the meridian convergence (about 0.07 deg here)
    # (less the part of it that the tilt of the new plane turns into vertical: ~1e-6)
    assert np.hypot(*xs[0, 0, 2:4]) == pytest.approx(np.hypot(100.0, 50.0), rel=1e-5)
    turn = np.degrees(np.arctan2(xs[0, 0, 2], xs[0, 0, 3]) - np.arctan2(100.0, 50.0))
    assert 0.01 < abs(turn) < 0.2
    np.testing.assert_allclose(np.trace(ps[0, 0]), np.trace(p[0, 0]), rtol=1e-5)
    back = from_enu(np.zeros((1, 3)), new_origin, new_rot)
    np.testing.assert_allclose(back, new_origin)


def test_coordinated_turn_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    w = np.r_[0.0, 1e-7, 0.05, -0.1, 0.02, -0.3]
    x = np.column_stack([rng.normal(0, 100, (6, 2)), rng.normal(0, 200, (6, 2)), w])
    dt = np.full(6, 4.0)
    _, f = ct_transition(x, dt)
    eps = 1e-6
    for j in range(5):
        dx = np.zeros(5)
        dx[j] = eps * max(1.0, abs(x[:, j]).max())
        num = (ct_transition(x + dx, dt)[0] - ct_transition(x - dx, dt)[0]) / (2 * dx[j])
        np.testing.assert_allclose(f[:, :, j], num, rtol=1e-4, atol=1e-5)


def test_coordinated_turn_flies_a_circle_and_cv_a_line():
    w = np.radians(3.0)
    x = np.array([[0.0, 0.0, 200.0, 0.0, w]])
    period = 2 * np.pi / w
    xp, _ = ct_transition(x, np.array([period / 2]))
    np.testing.assert_allclose(xp[0, 0:2], [0.0, 2 * 200.0 / w], atol=1e-6)  # left turn
    np.testing.assert_allclose(xp[0, 2:4], [-200.0, 0.0], atol=1e-9)
    xl, _ = cv_transition(x, np.array([10.0]))
    np.testing.assert_allclose(xl[0, 0:4], [2000.0, 0.0, 200.0, 0.0])


def test_position_kalman_filter_reduces_noise_of_a_straight_flight():
    rng = np.random.default_rng(2)
    imm = IMM(models=(MotionModel("cv", sigma_a=0.5),))
    x = np.zeros((1, 1, 5))
    p = np.diag([1e4, 1e4, 1e4, 1e4, 1e-4])[None, None].copy()
    mu = imm.initial_mu(1)
    errs = []
    for k in range(1, 60):
        x, p, mu = imm.predict(x, p, mu, np.array([2.0]))
        truth = np.array([60.0 * 2 * k, -30.0 * 2 * k])
        z = truth + rng.normal(0, 50, 2)

        def measure(s, z=z):
            h = np.zeros((1, 2, 5))
            h[0, 0, 0] = h[0, 1, 1] = 1.0
            return z - s[:, 0:2], h

        x, p, mu = imm.update(x, p, mu, measure, np.diag([2500.0, 2500.0])[None])
        errs.append(np.hypot(*(x[0, 0, 0:2] - truth)))
    assert np.sqrt(np.mean(np.square(errs[20:]))) < 35.0  # below the 50 m per axis noise
    np.testing.assert_allclose(x[0, 0, 2:4], [60.0, -30.0], atol=5.0)


def test_polar_plots_from_a_radar_site_locate_the_target():
    """EKF with range/azimuth from a site 60 km away converges on the target."""
    rng = np.random.default_rng(3)
    origin, rot = frame(54.0, 18.0)
    site_lon, site_lat, _ = GEOD.fwd(18.0, 54.0, 200.0, 60_000.0)
    site = site_in_frames(site_lat, site_lon, origin, rot)
    truth = np.array([[0.0, 0.0, 0.0, 0.0, 0.0]])
    z_true, _ = polar_model(truth, site)
    assert z_true[0, 0] == pytest.approx(60_000.0, rel=1e-4)
    assert np.degrees(z_true[0, 1]) % 360 == pytest.approx(20.0, abs=0.05)
    x = np.array([[1500.0, -1200.0, 0.0, 0.0, 0.0]])
    p = np.diag([2e6, 2e6, 1.0, 1.0, 1e-6])[None]
    r = np.diag([30.0**2, np.radians(0.1) ** 2])[None]
    for _ in range(30):
        z = z_true + np.array([[rng.normal(0, 30.0), rng.normal(0, np.radians(0.1))]])
        zhat, h = polar_model(x, site)
        x, p, d2, _ = kalman_update(x, p, innovation(z, zhat, "polar"), h, r)
    assert np.hypot(*x[0, 0:2]) < 40.0
    assert d2[0] < 20.0


def test_bearings_from_two_sites_triangulate():
    origin, rot = frame(50.0, 30.0)
    sites = []
    for az in (250.0, 160.0):
        lon, lat, _ = GEOD.fwd(30.0, 50.0, az, 25_000.0)
        sites.append(site_in_frames(lat, lon, origin, rot))
    x = np.array([[3000.0, 2000.0, 0.0, 0.0, 0.0]])
    p = np.diag([1e7, 1e7, 1.0, 1.0, 1e-6])[None]
    r = np.array([[[np.radians(0.5) ** 2]]])
    truth = np.zeros((1, 5))
    for k in range(40):
        site = sites[k % 2]
        z = bearing_model(truth, site)[0]
        zhat, h = bearing_model(x, site)
        x, p, _, _ = kalman_update(x, p, innovation(z, zhat, "bearing"), h, r)
    assert np.hypot(*x[0, 0:2]) < 50.0
    # a single bearing leaves the range unknown: the other site is what fixes it
    assert np.sqrt(np.linalg.eigvalsh(p[0, 0:2, 0:2]).max()) < 500.0


def test_imm_model_probabilities_follow_the_manoeuvre():
    """Straight flight favours CV; a 4 deg/s turn moves the weight to CT."""
    imm = IMM()
    w = np.radians(4.0)
    x = np.zeros((1, 2, 5))
    x[0, :, 2] = 250.0
    p = np.broadcast_to(np.diag([100.0, 100.0, 100.0, 100.0, 1e-3]), (1, 2, 5, 5)).copy()
    mu = imm.initial_mu(1)
    truth = np.array([[0.0, 0.0, 250.0, 0.0, 0.0]])
    rng = np.random.default_rng(4)
    history = []
    for k in range(80):
        turning = 30 <= k < 60
        truth[0, 4] = w if turning else 0.0
        truth, _ = ct_transition(truth, np.array([1.0]))
        x, p, mu = imm.predict(x, p, mu, np.array([1.0]))
        z = truth[:, 0:2] + rng.normal(0, 15, 2)

        def measure(s, z=z):
            h = np.zeros((len(s), 2, 5))
            h[:, 0, 0] = h[:, 1, 1] = 1.0
            return z - s[:, 0:2], h

        x, p, mu = imm.update(x, p, mu, measure, np.diag([225.0, 225.0])[None])
        history.append(mu[0, 1])
    assert np.mean(history[15:30]) < 0.5  # straight: mostly CV
    assert np.mean(history[40:60]) > 0.8  # turning: CT
