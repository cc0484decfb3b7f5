"""State updates of one sensor scan: horizontal filter (hard or JPDA), altitude, output.

Split from :mod:`~airsentry.tracking.scan` to keep each module small. Functions here take
the track table, the predictor and the scan's plots explicitly; all are vectorised over
the tracks being updated.
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist
from typing import Any

import numpy as np

from airsentry.model import FloatArray, IntArray, ReportBatch
from airsentry.tracking.base import Predictor
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import geodetic_to_ecef, position_model, recentre, to_enu
from airsentry.tracking.motion import vertical_predict, vertical_update
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.polar import polar_rows, polar_update
from airsentry.tracking.robustend import push
from airsentry.tracking.state import ScanSettings
from airsentry.tracking.table import TrackTable

VELOCITY_SIGMA_MAX_MPS = 8.0  # output velocities less certain than this ...
YOUNG_SEEN = 8  # ... of tracks with fewer opportunities than this are left unknown
MIN_ALT_SIGMA_M = 1.0  # floor of a plot's stated altitude noise in the altitude filter

Arr = np.ndarray[Any, Any]


def hard_update(
    tab: TrackTable, predictor: Predictor, settings: ScanSettings, plots: ScanPlots,
    rows: IntArray, pj: IntArray, xp: FloatArray, pp: FloatArray, cbar: FloatArray,
    nu: FloatArray,
) -> None:  # fmt: skip
    """Filter update of tracks ``rows`` with their assigned plots ``pj`` (predictions
    ``xp``, ``pp``, ``cbar`` and innovations ``nu`` per pair), then re-centre their frames."""
    if not len(rows):
        return
    # plots that carry range and azimuth from their site: exact polar EKF update (polar.py);
    # the others: their position in the track frame
    pol = polar_rows(plots.batch.frame, pj)
    c = np.flatnonzero(~pol)
    xs, ps, mu = np.empty_like(xp), np.empty_like(pp), np.empty_like(cbar)
    if len(c):
        z = nu[c] + IMM.combine(xp[c], pp[c], cbar[c])[0][:, 0:2]  # plot in the track frame
        r = (plots.acc[pj[c]] ** 2)[:, None, None] * np.eye(2)

        def measure(x: FloatArray) -> tuple[FloatArray, FloatArray]:
            zhat, h = position_model(x)
            return z - zhat, h

        xs[c], ps[c], mu[c] = predictor.update(xp[c], pp[c], cbar[c], measure, r)
    if pol.any():
        frame = plots.batch.frame
        assert frame is not None
        q = np.flatnonzero(pol)
        height = np.where(np.isfinite(tab["z"][rows[q], 0]), tab["z"][rows[q], 0],
                          plots.batch.alt[pj[q]])  # fmt: skip
        xs[q], ps[q], mu[q] = polar_update(
            predictor, frame, pj[q], plots.acc[pj[q]], tab["origin"][rows[q]],
            tab["rot"][rows[q]], height, xp[q], pp[q], cbar[q],
        )  # fmt: skip
    vertical(tab, settings, plots.batch, rows, pj, plots.alt_acc)
    store(tab, rows, xs, ps, mu, plots.batch.t[pj])


def soft_update(
    tab: TrackTable, predictor: Predictor, settings: ScanSettings, plots: ScanPlots,
    ti: IntArray, pj: IntArray, g: IntArray, beta: FloatArray, beta0: FloatArray,
    xp: FloatArray, pp: FloatArray, cbar: FloatArray, sel: IntArray,
) -> None:  # fmt: skip
    """PDA update of the tracks of pairs ``g`` from all their gated plots, with association
    weights ``beta`` (per pair of ``g``) and miss probabilities ``beta0`` (per track row).
    A sensor scan's plots are nearly simultaneous, so each track's pairs share the
    prediction of its first pair. Altitude follows the assigned pairs ``sel``."""
    if not len(g):
        return
    batch = plots.batch
    rows, first_k = np.unique(ti[g], return_index=True)
    first = g[first_k]
    xc, pc = IMM.combine(xp[first], pp[first], cbar[first])
    z_all = to_enu(geodetic_to_ecef(batch.lat[pj[g]], batch.lon[pj[g]]),
                   tab["origin"][ti[g]], tab["rot"][ti[g]])[:, 0:2]  # fmt: skip
    slot = np.searchsorted(rows, ti[g])
    nu_j = z_all - xc[slot, 0:2]
    nu = np.zeros((len(rows), 2))
    np.add.at(nu, slot, beta[:, None] * nu_j)
    spread = np.zeros((len(rows), 2, 2))
    np.add.at(spread, slot, beta[:, None, None] * np.einsum("ki,kj->kij", nu_j, nu_j))
    spread -= np.einsum("ki,kj->kij", nu, nu)
    r = (plots.acc[pj[first]] ** 2)[:, None, None] * np.eye(2)
    s = pc[:, 0:2, 0:2] + r
    gain = pc[:, :, 0:2] @ np.linalg.inv(s)
    b0 = beta0[rows][:, None, None]
    pn = b0 * pc + (1 - b0) * (pc - gain @ s @ np.swapaxes(gain, 1, 2))
    pn = pn + gain @ spread @ np.swapaxes(gain, 1, 2)
    xn = xc + np.einsum("kij,kj->ki", gain, nu)
    m = predictor.m
    vertical(tab, settings, batch, ti[sel], pj[sel], plots.alt_acc)
    store(tab, rows, np.repeat(xn[:, None], m, 1), np.repeat(pn[:, None], m, 1),
          cbar[first], batch.t[pj[first]])  # fmt: skip


def store(
    tab: TrackTable, rows: IntArray, xs: FloatArray, ps: FloatArray, mu: FloatArray,
    t: FloatArray,
) -> None:  # fmt: skip
    """Write updated states, re-centring each track's frame on its new position."""
    centre = np.einsum("km,kmn->kn", mu, xs)[:, 0:2]
    x, p, origin, rot, lat, lon = recentre(xs, ps, tab["origin"][rows], tab["rot"][rows],
                                           centre)  # fmt: skip
    tab["x"][rows], tab["P"][rows], tab["mu"][rows] = x, p, mu
    tab["origin"][rows], tab["rot"][rows] = origin, rot
    tab["lat"][rows], tab["lon"][rows], tab["t"][rows] = lat, lon, t
    push(tab["ring"], rows, t, lat, lon)


@functools.lru_cache(maxsize=8)
def stated_gate_sigmas(threshold_2d: float) -> float:
    """Sigmas of a one-dimensional gate with the gate probability of the horizontal
    chi-square gate ``threshold_2d`` (2 dof: ``P = 1 - exp(-T/2)``); 20 gives 4.06."""
    return NormalDist().inv_cdf(1.0 - 0.5 * math.exp(-0.5 * threshold_2d))


def alt_ok(
    tab: TrackTable, settings: ScanSettings, batch: ReportBatch, ti: IntArray, pj: IntArray,
    dt: FloatArray, alt_acc: FloatArray, stated_sigmas: float,
) -> Arr:  # fmt: skip
    """Vertical gate of (track, plot) pairs: the 2-D gate alone lets a low drone's
    plot update an airliner passing overhead. Pairs without an altitude on either
    side pass. A plot that states its altitude noise (``alt_acc``, m, per pair) must lie
    within ``stated_sigmas`` of the altitude innovation (predicted altitude variance plus
    that noise): a chi-square gate in metres, as probable as the horizontal gate
    (:func:`stated_gate_sigmas`). A plot that states none is allowed ``alt_sigma_m`` of
    noise, ``alt_gate_sigmas`` of it, and ``alt_gate_m`` more."""
    z, pz = tab["z"][ti], tab["Pz"][ti]
    alt_pred = z[:, 0] + dt * z[:, 1]
    stated = np.isfinite(alt_acc)
    noise = np.where(stated, alt_acc, settings.alt_sigma_m)
    var = pz[:, 0, 0] + 2 * dt * pz[:, 0, 1] + dt**2 * pz[:, 1, 1] + noise**2
    dz = np.abs(batch.alt[pj] - alt_pred)
    sigmas = np.where(stated, stated_sigmas, settings.alt_gate_sigmas)
    bound = sigmas * np.sqrt(np.maximum(var, 0.0)) + np.where(stated, 0.0, settings.alt_gate_m)
    ok: Arr = ~(dz > bound)  # NaN on either side: no vertical test
    return ok


def vertical(
    tab: TrackTable, settings: ScanSettings, batch: ReportBatch, rows: IntArray, pj: IntArray,
    alt_acc: FloatArray,
) -> None:  # fmt: skip
    """Altitude filter (altitude, vertical rate) of tracks ``rows`` with plots ``pj``;
    a plot's stated altitude noise (``ScanPlots.alt_acc``) where it has one, else
    transponder altitudes count four times as precise as other plots'."""
    dt = batch.t[pj] - tab["t"][rows]  # t already moved: 0 for updated rows
    zp, pzp = vertical_predict(tab["z"][rows], tab["Pz"][rows], dt, settings.sigma_az)
    alt = batch.alt[pj]
    sigma = np.where(batch.transponder[pj], settings.alt_sigma_m / 4.0, settings.alt_sigma_m)
    stated = alt_acc[pj]
    sigma = np.where(np.isfinite(stated), np.maximum(stated, MIN_ALT_SIGMA_M), sigma)
    fresh = ~np.isfinite(zp[:, 0]) & np.isfinite(alt)
    zp[fresh, 0], zp[fresh, 1] = alt[fresh], 0.0
    zn, pzn = vertical_update(np.where(np.isnan(zp), 0.0, zp), pzp, alt, sigma)
    zn[~np.isfinite(zp[:, 0]) & ~fresh] = np.nan
    tab["z"][rows], tab["Pz"][rows] = zn, pzn


def output_states(tab: TrackTable, batch: ReportBatch, rows: IntArray, pj: IntArray) -> ReportBatch:
    """One output row per used plot ``pj``: the filtered state of its track ``rows``."""
    xc, pc = IMM.combine(tab["x"][rows], tab["P"][rows], tab["mu"][rows])
    # a young track's velocity known no better than this is no velocity (NaN): the first
    # updates of a track confirmed on three noisy plots gave a drone 35 m/s, and the
    # classifier made it a helicopter (its speed spread)
    sigma_v = np.sqrt(np.maximum(0.5 * (pc[:, 2, 2] + pc[:, 3, 3]), 0.0))
    vague = (sigma_v > VELOCITY_SIGMA_MAX_MPS) & (tab["seen"][rows] < YOUNG_SEEN)
    return ReportBatch(
        t=batch.t[pj], lat=tab["lat"][rows], lon=tab["lon"][rows], alt=tab["z"][rows, 0],
        vel_e=np.where(vague, np.nan, xc[:, 2]), vel_n=np.where(vague, np.nan, xc[:, 3]),
        vel_u=tab["z"][rows, 1],
        accuracy=np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1])), sensor=batch.sensor[pj],
        identity=tab["identity"][rows], track_number=batch.track_number[pj],
        callsign=tab["callsign"][rows], squawk=tab["squawk"][rows],
        category=tab["category"][rows], transponder=batch.transponder[pj],
        on_ground=batch.on_ground[pj], vel_accuracy=sigma_v,
    )  # fmt: skip
