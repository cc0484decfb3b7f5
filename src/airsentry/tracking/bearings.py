"""Bearing-only measurements: passive RF direction finders and acoustic arrays.

A direction finder reports an azimuth from its site and no range (a row whose
:class:`~airsentry.frame.SensorFrame` has ``range_m`` NaN and whose lat/lon are NaN).
One bearing cannot start a track; it can refine one. A sensor scan of bearings
(:func:`bearing_scan`, vectorised over the scan's bearings and the tracks in reach):

1. **Update**: pairs of (confirmed track within ``max_range_m`` of the site, bearing);
   the track predicted to the bearing's time, the exact azimuth from the site
   (:class:`~airsentry.tracking.polar.SiteGeometry`), the wrapped innovation and its
   variance, a chi-square gate of one degree of freedom; global nearest neighbour
   assignment, where a bearing naming an identity (an RF detector that decodes the
   emitter, ``rf:<MAC>``, or a Remote ID serial) goes to that identity's track and never
   to a track holding another one; then the IMM/EKF update with the azimuth alone
   (:func:`~airsentry.tracking.polar.bearing_update`). A track without an identity takes
   the bearing's.
2. **Triangulation**: bearings no track took wait ``window_s`` in
   :class:`BearingPool`; each new one is crossed with the waiting bearings of *other*
   sensors. Two rays from sites ``a`` and ``b`` meet where ``a + s u_a = b + v u_b``
   (solved in the tangent plane at the pair's midpoint, each azimuth turned from its own
   site's frame into that plane), in front of both sites, within ``max_range_m``, at an
   angle of at least ``min_cut_deg``. The fix's error is the cross-range error of each
   ray carried along the other: ``sum_k (r_k sigma_k / sin(gamma))^2 u_other u_other^T``
   (the textbook two-station fix; Poisel, *Electronic warfare target location methods*,
   2012, ch. 2). With three or more sensors, every other waiting bearing that passes
   through a fix within ``support_sigmas`` supports it; assignment (each bearing in at
   most one fix) prefers supported fixes and matching identities, which removes most
   ghosts (with two sensors and several emitters, ghost fixes remain possible; existence
   and confirmation then decide, as for any plot).
3. Fixes become plots of the pseudo-sensor ``triangulation`` and go through the ordinary
   sensor scan (:func:`~airsentry.tracking.scan.run_scan`): association with the
   tracks that earlier fixes started, initiation, existence, confirmation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from airsentry.frame import SensorFrame
from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch
from airsentry.tracking.association import gnn
from airsentry.tracking.bearingpool import BearingPool, BearingSettings
from airsentry.tracking.fusion import lookup
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import (
    ecef_to_geodetic,
    enu_rotation,
    from_enu,
    geodetic_to_ecef,
    innovation,
    to_enu,
)
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.polar import SiteGeometry, bearing_innovation, bearing_update, ecef_at
from airsentry.tracking.update import output_states, store

TRIANGULATION = "triangulation"  # pseudo-sensor of the fixes
_EMPTY = np.empty(0, dtype=np.int64)


def bearing_rows(batch: ReportBatch) -> BoolArray:
    """Rows that are bearing-only measurements (no position, an azimuth from a site)."""
    if batch.frame is None:
        return np.zeros(len(batch), dtype=bool)
    out: BoolArray = batch.frame.bearing_only & ~np.isfinite(batch.lat)
    return out


def sigmas(frame: SensorFrame, rows: IntArray, cfg: BearingSettings) -> FloatArray:
    s = frame.sigma_azimuth_rad[rows]
    out: FloatArray = np.where(np.isfinite(s) & (s > 0), s, np.radians(cfg.default_sigma_deg))
    return out


def bearing_scan(
    cfg: BearingSettings, state: Any, predictor: Any, batch: ReportBatch, sensor: int
) -> tuple[IntArray, IntArray, ReportBatch, ReportBatch, IntArray]:
    """Update tracks with one sensor scan's bearings, then cross the rest.

    Returns the rows that updated confirmed tracks, their track ids and output states,
    and the fixes (a batch of plots for the ordinary scan) with the bearing row each
    came from."""
    frame = batch.frame
    assert frame is not None
    tab = state.table
    n_b = len(batch)
    sig = sigmas(frame, np.arange(n_b), cfg)
    a_t, a_b = _assign(cfg, state, predictor, batch, sig)
    if len(a_t):
        _update(tab, predictor, batch, a_t, a_b, sig)
    conf = tab["confirmed"][a_t]
    out_rows, out_t = a_b[conf], a_t[conf]
    states = output_states(tab, batch, out_t, out_rows)
    tids = tab["id"][out_t]
    free = np.ones(n_b, dtype=bool)
    free[a_b] = False
    fixes, fix_rows = _triangulate(cfg, state.bearings, batch, sig, free, sensor)
    return out_rows, tids, states, fixes, fix_rows


def _assign(
    cfg: BearingSettings, state: Any, predictor: Any, batch: ReportBatch, sig: FloatArray
) -> tuple[IntArray, IntArray]:
    """Gated GNN assignment of bearings to confirmed tracks in reach."""
    tab = state.table
    frame = batch.frame
    assert frame is not None
    conf = np.flatnonzero(tab["confirmed"])
    if not len(conf) or not len(batch):
        return _EMPTY, _EMPTY
    site = geodetic_to_ecef(frame.site_lat, frame.site_lon)
    where = geodetic_to_ecef(tab["lat"][conf], tab["lon"][conf])
    dist = np.linalg.norm(where[:, None, :] - site[None, :, :], axis=2)  # (tracks, bearings)
    ci, bj = np.nonzero(dist <= cfg.max_range_m)
    ti = conf[ci]
    t_ident = tab["identity"][ti].astype(str)
    b_ident = batch.identity[bj].astype(str)
    same = (t_ident != "") & (t_ident == b_ident)
    owner = lookup(tab["identity"], np.arange(len(tab)), batch.identity)[bj]
    clash = (b_ident != "") & ~same & ((t_ident != "") | (owner >= 0))
    ti, bj, same = ti[~clash], bj[~clash], same[~clash]
    if not len(ti):
        return _EMPTY, _EMPTY
    dt = np.maximum(batch.t[bj] - tab["t"][ti], 0.0)
    xp, pp, cbar = predictor.predict(tab["x"][ti], tab["P"][ti], tab["mu"][ti], dt)
    xc, pc = IMM.combine(xp, pp, cbar)
    geo = SiteGeometry(frame, bj, tab["origin"][ti], tab["rot"][ti], tab["z"][ti, 0])
    nu, s = bearing_innovation(geo, frame.azimuth_rad[bj], sig[bj], xc, pc)
    d2 = nu**2 / s
    inside = d2 <= cfg.gate
    cost = d2 + np.log(s) - 1e4 * same
    return gnn(ti[inside], bj[inside], cost[inside])


def _update(
    tab: Any, predictor: Any, batch: ReportBatch, rows: IntArray, bj: IntArray, sig: FloatArray
) -> None:
    """EKF/IMM update of tracks ``rows`` with bearings ``bj``; identities bind."""
    frame = batch.frame
    assert frame is not None
    dt = np.maximum(batch.t[bj] - tab["t"][rows], 0.0)
    xp, pp, cbar = predictor.predict(tab["x"][rows], tab["P"][rows], tab["mu"][rows], dt)
    geo = SiteGeometry(frame, bj, tab["origin"][rows], tab["rot"][rows], tab["z"][rows, 0])
    xs, ps, mu = bearing_update(predictor, geo, frame.azimuth_rad[bj], sig[bj], xp, pp, cbar)
    store(tab, rows, xs, ps, mu, np.maximum(batch.t[bj], tab["t"][rows]))
    ident = batch.identity[bj]
    give = (ident != "") & (tab["identity"][rows] == "")
    tab["identity"][rows[give]] = ident[give]


def _triangulate(
    cfg: BearingSettings, pool: BearingPool, batch: ReportBatch, sig: FloatArray,
    free: BoolArray, sensor: int,
) -> tuple[ReportBatch, IntArray]:  # fmt: skip
    """Cross this scan's free bearings with the pool; returns the fixes and the bearing
    row of each. Unused free bearings join the pool."""
    frame = batch.frame
    assert frame is not None
    now = float(batch.t.max())
    pool.keep(pool.t >= now - cfg.window_s)
    new = np.flatnonzero(free)
    other = np.flatnonzero(pool.sensor != sensor)
    fixes, fix_rows = ReportBatch.empty(), _EMPTY
    if len(new) and len(other):
        ai = np.repeat(new, len(other))
        bi = np.tile(other, len(new))
        a_lat, a_lon = frame.site_lat[ai], frame.site_lon[ai]
        p, cov, ok = crossing(
            a_lat, a_lon, frame.azimuth_rad[ai], sig[ai],
            pool.site_lat[bi], pool.site_lon[bi], pool.az[bi], pool.sigma[bi], cfg,
        )  # fmt: skip
        ia, ib = batch.identity[ai].astype(str), pool.identity[bi].astype(str)
        ok &= (ia == "") | (ib == "") | (ia == ib)
        ai, bi, p, cov = ai[ok], bi[ok], p[ok], cov[ok]
        same = (ia[ok] != "") & (ia[ok] == ib[ok])
        support = _support(cfg, pool, p, bi, sensor)
        acc = np.sqrt(0.5 * (cov[:, 0, 0] + cov[:, 1, 1]))
        cost = -10.0 * support - 100.0 * same + np.log(acc)
        fa, fb = gnn(ai, bi, cost)
        if len(fa):
            key = ai * (len(pool) + 1) + bi
            sel = np.searchsorted(key, fa * (len(pool) + 1) + fb, sorter=np.argsort(key))
            sel = np.argsort(key)[sel]
            lat, lon = ecef_to_geodetic(p[sel])
            ident = np.where(ia[ok][sel] != "", ia[ok][sel], ib[ok][sel])
            fixes = ReportBatch.build(
                t=batch.t[fa], lat=lat, lon=lon, accuracy=acc[sel], sensor=TRIANGULATION,
                identity=ident.astype(object), category=batch.category[fa],
            )  # fmt: skip
            fix_rows = fa
            used = np.zeros(len(pool), dtype=bool)
            used[fb] = True
            pool.keep(~used)
            free = free.copy()
            free[fa] = False
    rest = np.flatnonzero(free)
    pool.add(
        t=batch.t[rest], sensor=np.full(len(rest), sensor, dtype=np.int64),
        site_lat=frame.site_lat[rest], site_lon=frame.site_lon[rest],
        az=frame.azimuth_rad[rest], sigma=sig[rest], identity=batch.identity[rest],
    )  # fmt: skip
    return fixes, fix_rows


def crossing(
    a_lat: FloatArray, a_lon: FloatArray, a_az: FloatArray, a_sig: FloatArray,
    b_lat: FloatArray, b_lon: FloatArray, b_az: FloatArray, b_sig: FloatArray,
    cfg: BearingSettings,
) -> tuple[FloatArray, FloatArray, BoolArray]:  # fmt: skip
    """Where pairs of rays from sites ``a`` and ``b`` meet: ECEF points ``(K, 3)`` on the
    ellipsoid, horizontal covariances ``(K, 2, 2)`` in the local plane, and which pairs
    give a usable fix (in front of both, in reach, not too flat a cut)."""
    sa, sb = geodetic_to_ecef(a_lat, a_lon), geodetic_to_ecef(b_lat, b_lon)
    mid_lat, mid_lon = ecef_to_geodetic(0.5 * (sa + sb))
    origin = geodetic_to_ecef(mid_lat, mid_lon)
    rot = enu_rotation(mid_lat, mid_lon)
    pa, pb = to_enu(sa, origin, rot)[:, 0:2], to_enu(sb, origin, rot)[:, 0:2]
    ua = _direction(a_lat, a_lon, a_az, rot)
    ub = _direction(b_lat, b_lon, b_az, rot)
    cross = ua[:, 0] * ub[:, 1] - ua[:, 1] * ub[:, 0]  # sin of the cut angle
    d = pb - pa
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (d[:, 0] * ub[:, 1] - d[:, 1] * ub[:, 0]) / cross
        v = (d[:, 0] * ua[:, 1] - d[:, 1] * ua[:, 0]) / cross
    ok = (
        (np.abs(cross) >= np.sin(np.radians(cfg.min_cut_deg)))
        & (s > 0) & (v > 0) & (s <= cfg.max_range_m) & (v <= cfg.max_range_m)
    )  # fmt: skip
    s, v = np.where(ok, s, 0.0), np.where(ok, v, 0.0)
    fix = pa + s[:, None] * ua
    k = len(fix)
    p = from_enu(np.column_stack([fix, np.zeros(k)]), origin, rot)
    lat, lon = ecef_to_geodetic(p)
    on_surface = geodetic_to_ecef(lat, lon)
    g = np.where(ok, np.abs(cross), 1.0)
    ea, eb = (s * a_sig / g)[:, None, None], (v * b_sig / g)[:, None, None]
    cov = ea**2 * np.einsum("ki,kj->kij", ub, ub) + eb**2 * np.einsum("ki,kj->kij", ua, ua)
    return on_surface, cov, ok


def _direction(lat: FloatArray, lon: FloatArray, az: FloatArray, rot: FloatArray) -> FloatArray:
    """Unit horizontal direction ``(K, 2)`` in frames ``rot`` of azimuths measured at
    sites ``lat``/``lon`` (each in its own east-north frame)."""
    k = len(lat)
    local = np.column_stack([np.sin(az), np.cos(az), np.zeros(k)])
    ecef = np.einsum("kji,kj->ki", enu_rotation(lat, lon), local)
    d = np.einsum("kij,kj->ki", rot, ecef)[:, 0:2]
    out: FloatArray = d / np.linalg.norm(d, axis=1, keepdims=True)
    return out


def _support(
    cfg: BearingSettings, pool: BearingPool, p: FloatArray, used: IntArray, sensor: int
) -> IntArray:
    """How many waiting bearings of sensors other than the pair's pass near each fix."""
    if not len(p) or not len(pool):
        return np.zeros(len(p), dtype=np.int64)
    k, m = len(p), len(pool)
    fi, qi = np.repeat(np.arange(k), m), np.tile(np.arange(m), k)
    site = ecef_at(pool.site_lat[qi], pool.site_lon[qi], np.zeros(k * m))
    v = np.einsum("kij,kj->ki", enu_rotation(pool.site_lat[qi], pool.site_lon[qi]),
                  p[fi] - site)  # fmt: skip
    az = np.arctan2(v[:, 0], v[:, 1])
    nu = innovation(pool.az[qi][:, None], az[:, None], "bearing")[:, 0]
    near = (np.abs(nu) <= cfg.support_sigmas * pool.sigma[qi]) & (
        pool.sensor[qi] != pool.sensor[used[fi]]
    )
    near &= np.hypot(v[:, 0], v[:, 1]) <= cfg.max_range_m
    near &= (qi != used[fi]) & (pool.sensor[qi] != sensor)
    out: IntArray = np.bincount(fi[near], minlength=k)
    return out


def fix_plots(fixes: ReportBatch, sensor: int, settings: Any) -> ScanPlots:
    """The fixes as a scan's plots (pseudo-sensor index ``sensor``)."""
    return ScanPlots.of(fixes, sensor, settings.default_accuracy_m, settings.min_accuracy_m)
