"""Exact sensor-frame measurement models: range and azimuth, or azimuth alone, from a site.

A radar measures slant range and azimuth from its antenna with its own noise (tens of
metres in range, a tenth of a degree in azimuth); at 100 km the error is an ellipse
170 m across and 70 m deep, and the lat/lon plot a decoder derives from it (with a
circular "accuracy") misstates both. The fused tracker therefore updates with what the
sensor measured, in its frame (:class:`~airsentry.frame.SensorFrame` on the batch), with
an extended Kalman filter whose measurement function is exact:

1. the track's horizontal state ``(e, n)`` lives in its own tangent frame (origin
   ``o``, rotation ``R_t``; :mod:`~airsentry.tracking.kalman`); its point on the WGS84
   ellipsoid is ``ecef_to_geodetic(o + R_t^T (e, n, 0))``, raised to the target's
   altitude (the track's altitude filter, else the plot's, else the site's) and taken
   back to ECEF with pyproj: exact geodesy, no flat-earth or spherical approximation
   (altitudes above mean sea level are used as ellipsoidal heights: the geoid's 30-40 m
   over Europe moves a slant range by ``dh * h / r``, under a metre);
2. the vector from the site (its own ECEF position at its altitude) in the site's
   east-north-up frame ``R_s (p - s) = (e_s, n_s, u_s)`` gives the slant range
   ``|(e_s, n_s, u_s)|`` and the azimuth ``atan2(e_s, n_s)`` (true, clockwise from north);
3. the Jacobian with respect to ``(e, n)`` is the derivative of range and azimuth with
   respect to the site-frame vector times the rotation ``R_s R_t^T`` (the derivative of
   step 1 in the tangent frame), evaluated at the prediction: the standard EKF
   linearisation of an exact function, re-evaluated for each IMM model.

Elevation, where measured, has already set the plot's altitude (the decoders compute it);
the horizontal filter does not use it. Bearing-only rows use the azimuth row alone
(:mod:`~airsentry.tracking.bearings`). Gating and association stay in the track's
Cartesian frame with the plot's stated accuracy (a gate only needs to be generous);
the state update is where the exact model matters.
"""

from __future__ import annotations

import functools

import numpy as np

from airsentry.frame import SensorFrame
from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.tracking.base import Predictor
from airsentry.tracking.kalman import (
    columns,
    ecef_to_geodetic,
    ecef_transformers,
    enu_rotation,
    innovation,
)

MIN_SIGMA_RANGE_M = 1.0
MIN_SIGMA_AZ_RAD = 1e-4


def ecef_at(lat: FloatArray, lon: FloatArray, h: FloatArray) -> FloatArray:
    """ECEF metres ``(K, 3)`` of geodetic points at ellipsoidal heights ``h``."""
    x, y, z = ecef_transformers()[0].transform(lon, lat, h)
    return columns(x, y, z)


def polar_rows(frame: SensorFrame | None, pj: IntArray) -> BoolArray:
    """Which plots ``pj`` carry a range and an azimuth from a known site."""
    if frame is None:
        return np.zeros(len(pj), dtype=bool)
    ok: BoolArray = frame.measured[pj] & np.isfinite(frame.range_m[pj])
    return ok


def site_frames(lat: FloatArray, lon: FloatArray, alt: FloatArray) -> tuple[FloatArray, FloatArray]:
    """ECEF positions ``(K, 3)`` and ENU rotations ``(K, 3, 3)`` of sensor sites. A sensor
    scan's rows share one site, and a sensor keeps its site: each distinct site is
    converted once and remembered (:func:`_site`; the same numbers as converting every
    row, where a pyproj call costs tens of microseconds whatever its size)."""
    if len(lat) and (lat == lat[0]).all() and (lon == lon[0]).all() and (alt == alt[0]).all():
        site, rot = _site(float(lat[0]), float(lon[0]), float(alt[0]))
        return np.repeat(site, len(lat), axis=0), np.repeat(rot, len(lat), axis=0)
    return ecef_at(lat, lon, alt), enu_rotation(lat, lon)


@functools.lru_cache(maxsize=4096)
def _site(lat: float, lon: float, alt: float) -> tuple[FloatArray, FloatArray]:
    """One site's ECEF position ``(1, 3)`` and ENU rotation ``(1, 3, 3)`` (read-only)."""
    site = ecef_at(np.array([lat]), np.array([lon]), np.array([alt]))
    rot = enu_rotation(np.array([lat]), np.array([lon]))
    site.flags.writeable = rot.flags.writeable = False
    return site, rot


class SiteGeometry:
    """What the measurement function needs per (track, measurement) pair, computed once:
    the site's ECEF position and ENU rotation, the track frame and the target height."""

    def __init__(
        self, frame: SensorFrame, pj: IntArray, origin: FloatArray, rot: FloatArray,
        height: FloatArray,
    ) -> None:  # fmt: skip
        alt = frame.site_alt[pj]
        alt = np.where(np.isnan(alt), 0.0, alt)  # no stated site altitude: sea level
        self.site, self.site_rot = site_frames(frame.site_lat[pj], frame.site_lon[pj], alt)
        self.origin, self.rot = origin, rot
        self.height = np.where(np.isfinite(height), height, alt)
        # d(site ENU) / d(track e, n): the tangent-frame rotation between the two frames
        self.turn = np.einsum("kij,klj->kil", self.site_rot, rot)[:, :, 0:2]

    def site_vector(self, x: FloatArray) -> FloatArray:
        """The target seen from the site, in the site's ENU frame ``(K, 3)``."""
        k = len(x)
        tangent = self.origin + np.einsum(
            "kji,kj->ki", self.rot, columns(x[:, 0], x[:, 1], np.zeros(k))
        )
        lat, lon = ecef_to_geodetic(tangent)
        p = ecef_at(lat, lon, self.height)
        out: FloatArray = np.einsum("kij,kj->ki", self.site_rot, p - self.site)
        return out

    def polar(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Predicted (slant range, azimuth) ``(K, 2)`` and Jacobian ``(K, 2, 5)``."""
        v = self.site_vector(x)
        e, n = v[:, 0], v[:, 1]
        h2 = np.maximum(e**2 + n**2, 1e-6)
        r = np.maximum(np.linalg.norm(v, axis=1), 1e-3)
        d = np.zeros((len(x), 2, 3))
        d[:, 0] = v / r[:, None]
        d[:, 1, 0], d[:, 1, 1] = n / h2, -e / h2
        h = np.zeros((len(x), 2, 5))
        h[:, :, 0:2] = d @ self.turn
        return columns(r, np.arctan2(e, n)), h

    def bearing(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Predicted azimuth ``(K, 1)`` and Jacobian ``(K, 1, 5)``."""
        z, h = self.polar(x)
        return z[:, 1:2], h[:, 1:2]


def polar_noise(frame: SensorFrame, pj: IntArray, acc: FloatArray) -> FloatArray:
    """Measurement noise ``(K, 2, 2)`` of range and azimuth; a sigma the sensor did not
    state falls back on the plot's horizontal accuracy ``acc`` (across range: ``acc/r``)."""
    sr = np.where(np.isfinite(frame.sigma_range_m[pj]), frame.sigma_range_m[pj], acc)
    rng = np.maximum(frame.range_m[pj], 1.0)
    sa = np.where(np.isfinite(frame.sigma_azimuth_rad[pj]), frame.sigma_azimuth_rad[pj],
                  acc / rng)  # fmt: skip
    r = np.zeros((len(pj), 2, 2))
    r[:, 0, 0] = np.maximum(sr, MIN_SIGMA_RANGE_M) ** 2
    r[:, 1, 1] = np.maximum(sa, MIN_SIGMA_AZ_RAD) ** 2
    return r


def polar_position_cov(frame: SensorFrame, pj: IntArray, acc: FloatArray) -> FloatArray:
    """Horizontal position covariance ``(K, 2, 2)`` (east, north at the plot) of plots
    ``pj``: the range sigma along the beam, range times the azimuth sigma across it (the
    beam's direction at the plot differs from the site's azimuth by the meridians'
    convergence, a fraction of a degree at 100 km: negligible against the beam width)."""
    r = polar_noise(frame, pj, acc)
    az = frame.azimuth_rad[pj]
    sin, cos = np.sin(az), np.cos(az)
    along, across = columns(sin, cos), columns(cos, -sin)
    rng = np.maximum(frame.range_m[pj], 1.0)
    # outer products by broadcasting (one product per entry, as einsum's)
    out: FloatArray = r[:, 0, 0, None, None] * (along[:, :, None] * along[:, None, :]) + (
        rng**2 * r[:, 1, 1]
    )[:, None, None] * (across[:, :, None] * across[:, None, :])
    return out


def polar_update(
    predictor: Predictor, frame: SensorFrame, pj: IntArray, acc: FloatArray,
    origin: FloatArray, rot: FloatArray, height: FloatArray,
    xp: FloatArray, pp: FloatArray, cbar: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """IMM/EKF update of predicted tracks (per pair) with the range and azimuth of
    plots ``pj``: the updated per-model states, covariances and model weights."""
    k, m = xp.shape[0], xp.shape[1]
    z = columns(frame.range_m[pj], frame.azimuth_rad[pj])
    # the measurement function of every model's prediction in one pass (row i * m + j is
    # pair i's model j): the same numbers per row as one pass per model, at half the calls
    geo = SiteGeometry(frame, np.repeat(pj, m), np.repeat(origin, m, axis=0),
                       np.repeat(rot, m, axis=0), np.repeat(height, m))  # fmt: skip
    zhat_all, h_all = geo.polar(xp.reshape(k * m, xp.shape[2]))
    models = [(xp[:, j], zhat_all[j::m], h_all[j::m]) for j in range(m)]

    def measure(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        for xj, zhat, h in models:  # the predictor updates each model's prediction ...
            if x.shape == xj.shape and np.array_equal(x, xj):
                return innovation(z, zhat.copy(), "polar"), h.copy()
        zhat, h = SiteGeometry(frame, pj, origin, rot, height).polar(x)  # ... or another
        return innovation(z, zhat, "polar"), h

    return predictor.update(xp, pp, cbar, measure, polar_noise(frame, pj, acc))


def bearing_innovation(
    geo: SiteGeometry, azimuth: FloatArray, sigma: FloatArray, xc: FloatArray, pc: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Wrapped azimuth innovation ``(K,)`` and its variance ``(K,)`` for combined states."""
    zhat, h = geo.bearing(xc)
    nu = innovation(azimuth[:, None], zhat, "bearing")[:, 0]
    s = np.einsum("kij,kjl,kml->kim", h, pc, h)[:, 0, 0] + sigma**2
    return nu, s


def bearing_update(
    predictor: Predictor, geo: SiteGeometry, azimuth: FloatArray, sigma: FloatArray,
    xp: FloatArray, pp: FloatArray, cbar: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """IMM/EKF update with one azimuth per track (a direction finder's bearing)."""
    z = azimuth[:, None]
    r = (sigma**2)[:, None, None]

    def measure(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        zhat, h = geo.bearing(x)
        return innovation(z, zhat, "bearing"), h

    return predictor.update(xp, pp, cbar, measure, r)
