"""Kalman filtering in local east-north-up frames, and the measurement models.

Geometry is exact: positions go to Earth-centred Earth-fixed (ECEF) coordinates on the
WGS84 ellipsoid through pyproj, and each track keeps its own tangent plane, a local ENU
frame whose origin is the track's own estimated position (on the ellipsoid). A plot is
brought into a track's frame by the exact rotation ``R (p_ecef - o_ecef)``; after every
update the frame is re-centred on the new estimate (:func:`recentre`), so the plane is
never used further than one update step from its origin. Over a 10 km step the tangent
plane departs from the ellipsoid by 8 m vertically and by well under a metre
horizontally, which is why there is no flat-earth error over hundreds of kilometres.

Horizontal geometry is done on the ellipsoid surface (height 0); altitude has its own
filter (see :mod:`airsentry.tracking.motion`). The horizontal scale at 12 km altitude
differs from the surface by 0.2 %, far below any sensor's noise.

Measurement models (all vectorised over ``K`` items, states ``(K, 5)``):

* :func:`position_model`: a Cartesian position (a plot given as lat/lon with a stated
  1-sigma accuracy), linear;
* :func:`polar_model`: range and azimuth from a sensor site (a raw radar plot), EKF;
* :func:`bearing_model`: azimuth only from a site (a passive RF direction finder), EKF.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from airsentry.model import FloatArray

if TYPE_CHECKING:
    import pyproj


@functools.cache
def ecef_transformers() -> tuple[pyproj.Transformer, pyproj.Transformer]:
    """Geodetic (lon, lat, ellipsoidal height) to ECEF and back, WGS84, built on first use.

    pyproj is imported here and not with the module: importing it costs some 45 ms of
    CPU, a tenth of the start-up budget (issue 12), and a replay of cooperative reports
    never converts a coordinate to ECEF (only plots, bearings and sited sensors do).
    """
    import pyproj

    return (
        pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True),
        pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True),
    )


def geodetic_to_ecef(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """ECEF metres ``(K, 3)`` of points on the WGS84 ellipsoid (height 0)."""
    x, y, z = ecef_transformers()[0].transform(lon, lat, np.zeros_like(lat))
    return columns(x, y, z)


def columns(*cols: FloatArray) -> FloatArray:
    """``np.column_stack`` of equal-length 1-D float columns, without its generality
    (a third of its cost went to checks; the tracker calls it per sensor scan)."""
    out = np.empty((len(cols[0]), len(cols)))
    for i, c in enumerate(cols):
        out[:, i] = c
    return out


def ecef_to_geodetic(p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude (degrees) of ECEF points ``(K, 3)``."""
    lon, lat, _ = ecef_transformers()[1].transform(p[:, 0], p[:, 1], p[:, 2])
    return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


def enu_rotation(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Rotations ``(K, 3, 3)`` from ECEF vectors to local east-north-up vectors."""
    la, lo = np.radians(lat), np.radians(lon)
    sl, cl, so, co = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    r = np.empty((len(la), 3, 3))
    r[:, 0, 0], r[:, 0, 1], r[:, 0, 2] = -so, co, 0.0
    r[:, 1, 0], r[:, 1, 1], r[:, 1, 2] = -sl * co, -sl * so, cl
    r[:, 2, 0], r[:, 2, 1], r[:, 2, 2] = cl * co, cl * so, sl
    return r


def to_enu(p_ecef: FloatArray, origin: FloatArray, rot: FloatArray) -> FloatArray:
    """East, north, up ``(K, 3)`` of ECEF points in the frames ``(origin, rot)`` pairwise."""
    out: FloatArray = np.einsum("kij,kj->ki", rot, p_ecef - origin)
    return out


def from_enu(enu: FloatArray, origin: FloatArray, rot: FloatArray) -> FloatArray:
    """ECEF points ``(K, 3)`` of local ENU coordinates, pairwise."""
    out: FloatArray = origin + np.einsum("kji,kj->ki", rot, enu)
    return out


def recentre(
    x: FloatArray, p: FloatArray, origin: FloatArray, rot: FloatArray, centre: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Move per-model states ``x`` (K, M, 5) and covariances ``P`` (K, M, 5, 5) to frames
    centred on ``centre`` (K, 2), the combined (e, n) estimates in the old frames.

    Returns the new states, covariances, origins, rotations, latitudes and longitudes.
    The position becomes (0, 0); velocity and covariance are turned by the horizontal
    block of the rotation between the old and the new frame.
    """
    k = x.shape[0]
    enu = columns(centre[:, 0], centre[:, 1], np.zeros(k))
    pe = from_enu(enu, origin, rot)
    lat, lon = ecef_to_geodetic(pe)
    new_origin = geodetic_to_ecef(lat, lon)
    new_rot = enu_rotation(lat, lon)
    turn = np.einsum("kij,klj->kil", new_rot, rot)[:, :2, :2]  # new <- old, horizontal
    t = np.zeros((k, 5, 5))
    t[:, 0:2, 0:2] = turn
    t[:, 2:4, 2:4] = turn
    t[:, 4, 4] = 1.0
    xs = np.einsum("kij,kmj->kmi", t, x)
    # positions relative to the new origin: the offset of each model's mean from the mean
    xs[:, :, 0:2] -= np.einsum("kij,kj->ki", turn, centre)[:, None, :]
    ps = np.einsum("kij,kmjl,kol->kmio", t, p, t)
    return xs, ps, new_origin, new_rot, lat, lon


# ------------------------------------------------------------------ measurement models
def position_model(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Predicted measurement ``(K, 2)`` and Jacobian ``(K, 2, 5)`` of an (e, n) position."""
    h = np.zeros((len(x), 2, 5))
    h[:, 0, 0] = h[:, 1, 1] = 1.0
    return x[:, 0:2].copy(), h


def polar_model(x: FloatArray, site: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Range (m) and azimuth (rad, clockwise from north) from ``site`` (K, 2) in ENU."""
    de, dn = x[:, 0] - site[:, 0], x[:, 1] - site[:, 1]
    r2 = np.maximum(de**2 + dn**2, 1e-6)
    r = np.sqrt(r2)
    h = np.zeros((len(x), 2, 5))
    h[:, 0, 0], h[:, 0, 1] = de / r, dn / r
    h[:, 1, 0], h[:, 1, 1] = dn / r2, -de / r2
    return np.column_stack([r, np.arctan2(de, dn)]), h


def bearing_model(x: FloatArray, site: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Azimuth only (rad, clockwise from north) from ``site`` (K, 2) in ENU."""
    z, h = polar_model(x, site)
    return z[:, 1:2], h[:, 1:2, :]


def site_in_frames(lat: float, lon: float, origin: FloatArray, rot: FloatArray) -> FloatArray:
    """A sensor site's (e, n) ``(K, 2)`` in each of ``K`` track frames."""
    s = geodetic_to_ecef(np.array([lat]), np.array([lon]))
    return to_enu(np.broadcast_to(s, origin.shape), origin, rot)[:, 0:2]


@functools.cache
def _angle_dims(kind: str) -> tuple[int, ...]:
    return {"position": (), "polar": (1,), "bearing": (0,)}[kind]


def innovation(z: FloatArray, zhat: FloatArray, kind: str) -> FloatArray:
    """``z - zhat`` with azimuth differences wrapped to [-pi, pi)."""
    nu = z - zhat
    for d in _angle_dims(kind):
        nu[:, d] = (nu[:, d] + np.pi) % (2 * np.pi) - np.pi
    return nu


def kalman_update(
    x: FloatArray, p: FloatArray, nu: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(Extended) Kalman update, vectorised: states ``(K, n)``, covariances ``(K, n, n)``,
    innovations ``(K, m)``, Jacobians ``(K, m, n)``, noise ``(K, m, m)``.

    Returns the updated states and covariances (Joseph form, so they stay symmetric and
    positive), the squared Mahalanobis distances and the log-likelihoods of ``nu``.
    """
    ph = p @ np.swapaxes(h, 1, 2)
    s = h @ ph + r
    s_inv = np.linalg.inv(s)
    gain = ph @ s_inv
    d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
    _, logdet = np.linalg.slogdet(s)
    loglik = -0.5 * (d2 + logdet + nu.shape[1] * np.log(2 * np.pi))
    xn = x + np.einsum("kij,kj->ki", gain, nu)
    ikh = np.eye(x.shape[1]) - gain @ h
    pn = ikh @ p @ np.swapaxes(ikh, 1, 2) + gain @ r @ np.swapaxes(gain, 1, 2)
    return xn, pn, d2, loglik
