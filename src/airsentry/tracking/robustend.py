"""A robust end state of an anonymous track for segment stitching.

A track that ends is predicted over the gap to the next segment of its object
(``stitch.py``, track-segment association: Yeom, Kirubarajan & Bar-Shalom, IEEE Trans.
AES 40(1), 2004). Its filter's last state is a poor start when the last update took a
clutter plot: a drone's track that coasted 18 s took a plot 3.5 km off and ended with
393 m/s (drone wall, plots variant, seed 1, decoy-16), another ended with 69 m/s for a
45 m/s drone (decoy-09), and the next segment, 30-40 s later, fell outside the gate.

The table keeps each track's last ``RING`` updated positions (``ring``: time, lat,
lon; written by :func:`push`, a whole scan's rows at once). At the end a straight line
is fitted to them with the Theil-Sen estimator (Theil 1950; Sen 1968): per axis the
velocity is the median of the pairwise slopes and the position at the last update the
median of the points carried along that velocity, so a minority of wrong positions
(one clutter update among eight) moves neither. Pairs closer than ``MIN_PAIR_S`` in
time (two sensors' plots of one instant) are left out; with fewer than ``MIN_POINTS``
positions the filter's state stands.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray, IntArray

RING = 8  # updated positions kept per track
MIN_POINTS = 4
MIN_PAIR_S = 2.0
_M_PER_DEG = 111_320.0
_I, _J = np.triu_indices(RING, k=1)


def push(ring: FloatArray, rows: IntArray, t: FloatArray, lat: FloatArray, lon: FloatArray) -> None:
    """Append an update (time, lat, lon) to ``rows`` of ``ring`` (rows x RING x 3, oldest
    first), dropping each row's oldest."""
    ring[rows, :-1] = ring[rows, 1:]
    ring[rows, -1] = np.column_stack([t, lat, lon])


def robust_end(
    ring: FloatArray, lat: FloatArray, lon: FloatArray, ve: FloatArray, vn: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per track, the position (lat, lon) at its newest kept update and the east and
    north velocity of the Theil-Sen line through its kept updates; the filter's ``lat``,
    ``lon``, ``ve``, ``vn`` where too few are kept."""
    if not len(ring):
        return lat, lon, ve, vn
    t, plat, plon = ring[:, :, 0], ring[:, :, 1], ring[:, :, 2]
    t_end = np.nanmax(np.where(np.isfinite(t), t, -np.inf), axis=1)
    lat0 = np.where(np.isfinite(lat), lat, 0.0)
    east = (plon - lon[:, None]) * _M_PER_DEG * np.cos(np.radians(lat0))[:, None]
    north = (plat - lat[:, None]) * _M_PER_DEG
    dt = t[:, _J] - t[:, _I]
    ok = np.abs(dt) >= MIN_PAIR_S  # NaN (unfilled) is not
    safe = np.where(ok, dt, 1.0)
    s_e = np.where(ok, (east[:, _J] - east[:, _I]) / safe, np.nan)
    s_n = np.where(ok, (north[:, _J] - north[:, _I]) / safe, np.nan)
    enough = (np.isfinite(t).sum(axis=1) >= MIN_POINTS) & (ok.sum(axis=1) >= MIN_POINTS - 1)
    if not enough.any():
        return lat, lon, ve, vn
    s_e, s_n, east, north = s_e[enough], s_n[enough], east[enough], north[enough]
    back = t[enough] - t_end[enough, None]
    r_ve = np.nanmedian(s_e, axis=1)
    r_vn = np.nanmedian(s_n, axis=1)
    r_e = np.nanmedian(east - r_ve[:, None] * back, axis=1)
    r_n = np.nanmedian(north - r_vn[:, None] * back, axis=1)
    out_lat, out_lon = lat.copy(), lon.copy()
    out_ve, out_vn = ve.copy(), vn.copy()
    out_lat[enough] = lat[enough] + r_n / _M_PER_DEG
    out_lon[enough] = lon[enough] + r_e / (_M_PER_DEG * np.cos(np.radians(lat0[enough])))
    out_ve[enough], out_vn[enough] = r_ve, r_vn
    return out_lat, out_lon, out_ve, out_vn


__all__ = ["MIN_PAIR_S", "MIN_POINTS", "RING", "push", "robust_end"]
