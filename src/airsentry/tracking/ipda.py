"""The existence recursion and the clutter map inside one sensor scan of the fused tracker.

:func:`scan_existence` is the one call :func:`~airsentry.tracking.scan.run_scan` makes
after association: it updates the existence probability (table column ``exist``) of every
track the sensor had an opportunity to see (:mod:`~airsentry.tracking.existence`), with
the clutter density the map (:mod:`~airsentry.tracking.cluttermap`) holds at each plot,
and returns which tentative tracks existence confirms and which it kills.
:func:`new_existence` gives tracks started in the scan their initial existence, and
:func:`learn_clutter` feeds the scan's unused plots to the map. All vectorised over the
scan's tracks and plots.
"""

from __future__ import annotations

import numpy as np

from airsentry.frame import SensorFrame
from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.tracking.clutterextent import neighbours
from airsentry.tracking.cluttermap import ClutterMap
from airsentry.tracking.crowdbirth import birth_crowd
from airsentry.tracking.existence import Existence
from airsentry.tracking.kalman import ecef_to_geodetic, from_enu
from airsentry.tracking.plots import ScanPlots
from airsentry.tracking.table import TrackTable


def scan_existence(
    ex: Existence, cmap: ClutterMap, tab: TrackTable, plots: ScanPlots, n_t: int,
    opp: BoolArray, assigned_t: IntArray, assigned_p: IntArray, loglik: FloatArray,
    prev_t: FloatArray, revisit: float | None,
) -> tuple[BoolArray, BoolArray]:  # fmt: skip
    """Update ``exist`` of the first ``n_t`` tracks for this scan's opportunities ``opp``
    (hits are ``assigned_t`` with plots ``assigned_p`` of log-likelihood ``loglik``,
    ``prev_t`` the tracks' update times before the scan). Returns, per track, whether
    existence allows confirmation and whether it kills a tentative track."""
    cmap.config = ex.clutter
    p = tab["exist"][:n_t]
    batch = plots.batch
    named = tab["identity"][:n_t] != ""
    hit = np.zeros(n_t, dtype=bool)
    hit[assigned_t] = True
    miss = opp & ~hit & ~named
    p[miss] = ex.miss(p[miss])
    anon = ~named[assigned_t]
    rows, pj = assigned_t[anon], assigned_p[anon]
    rho = np.zeros(len(rows))
    if len(rows):
        t = batch.t[pj]
        rate = cmap.rate(plots.sensor, batch.lat[pj], batch.lon[pj], float(t.max()))
        rho = ex.density(rate, np.maximum(t - prev_t[rows], revisit or 0.0))
        p[rows] = ex.hit(p[rows], loglik[anon], rho)
    p[named] = 1.0
    warm = cmap.warm(plots.sensor, float(batch.t.max())) if len(batch) else True
    ids = tab["id"][:n_t]
    tentative = opp & ~named & ~tab["confirmed"][:n_t]
    _observe_extent(cmap, tab, plots, rows, pj, tentative, hit, revisit or 0.0)
    if batch.frame is not None and len(batch):  # plots no confirmed track explains
        free = (batch.identity == "") & ~batch.transponder
        free[assigned_p[tab["confirmed"][:n_t][assigned_t]]] = False
        cmap.extent.remember(plots.sensor, batch.t[free], plots.ecef[free],
                             _polar(batch.frame, free), float(batch.t.max()))  # fmt: skip
    point = ~cmap.extent.extended(ids) | named  # a flock or a farm confirms no track
    return ex.confirmed(p) & (warm | named) & point, ex.dead(p) & ~named


def new_existence(
    ex: Existence, cmap: ClutterMap, tab: TrackTable, plots: ScanPlots, rows: IntArray,
    pj: IntArray, revisit: float | None,
) -> BoolArray:  # fmt: skip
    """Set the initial existence of new tracks ``rows`` started at plots ``pj``; returns
    whether each may be confirmed at once (existence already high enough)."""
    cmap.config = ex.clutter
    batch = plots.batch
    if not len(rows):
        return np.zeros(0, dtype=bool)
    rate = cmap.rate(plots.sensor, batch.lat[pj], batch.lon[pj], float(batch.t[pj].max()))
    wait = np.full(len(rows), revisit or 0.0)
    p = ex.initial(ex.density(rate, wait))
    named = batch.identity[pj] != ""
    p[named] = 1.0
    tab["exist"][rows] = p
    anon = rows[~named]
    _observe_extent(cmap, tab, plots, anon, pj[~named], np.zeros(0, dtype=bool), anon, 0.0)
    ext = cmap.extent
    if batch.frame is not None and len(anon):
        radius, window = ext.config.radius_m, ext.config.window_s
        expected = rate[~named] * window * np.pi * radius**2
        fresh = pj[~named]
        around, significant = birth_crowd(
            ext.plots_of(plots.sensor), batch.t[fresh], plots.ecef[fresh],
            _polar(batch.frame, fresh), revisit or window, ext.config, expected,
        )  # fmt: skip
        suspect = ext.suspected(plots.sensor, batch.t[fresh], plots.ecef[fresh])
        ext.born(tab["id"][anon], plots.sensor, around, significant, expected, suspect)
    return ex.confirmed(p)


def _polar(frame: SensorFrame, at: BoolArray | IntArray) -> FloatArray:
    """Range, azimuth and their sigmas of plots ``at`` of a scan's ``frame``, (n, 4)."""
    cols = (frame.range_m, frame.azimuth_rad, frame.sigma_range_m, frame.sigma_azimuth_rad)
    out: FloatArray = np.column_stack([c[at] for c in cols])
    return out


def _observe_extent(
    cmap: ClutterMap, tab: TrackTable, plots: ScanPlots, rows: IntArray, pj: IntArray,
    tentative: BoolArray, hit: BoolArray | IntArray, scan_s: float,
) -> None:  # fmt: skip
    """Feed anonymous tracks' radar plots (tracks ``rows`` took plots ``pj``) to the
    point/extended test (:mod:`~airsentry.tracking.clutterextent`), and count the plots
    around the ``tentative`` tracks (a mask over the first rows) the scan's sensor had a
    chance to see (``hit``: which of them took a plot, mask or rows; ``scan_s``: the
    sensor's revisit time, over which the clutter map's rate is expected)."""
    ext = cmap.extent
    if len(ext.key) > 4 * len(tab) + 256:
        ext.forget(tab["id"])
    frame = plots.batch.frame
    if frame is None or not np.isfinite(frame.range_m).any():
        return  # bearings, cooperative reports: nothing to test
    if len(rows):
        ext.observe(tab["id"][rows], plots.sensor, plots.batch.t[pj], frame, pj)
    near = np.flatnonzero(tentative)
    if not len(near):
        return
    xc = np.einsum("km,kmn->kn", tab["mu"][near], tab["x"][near])
    enu = np.column_stack([xc[:, 0:2], np.zeros(len(near))])
    pos = from_enu(enu, tab["origin"][near], tab["rot"][near])
    radius = ext.config.radius_m
    own = np.zeros(len(tab), dtype=bool)
    own[hit] = True
    now = float(plots.batch.t.max())
    wait = max(float(np.ptp(plots.batch.t)), scan_s)

    def expected(which: IntArray) -> FloatArray:
        """False plots the clutter map expects around tracks ``near[which]`` (>= 0)."""
        lat, lon = ecef_to_geodetic(pos[which])
        out: FloatArray = cmap.rate(plots.sensor, lat, lon, now) * wait * np.pi * radius**2
        return out

    around = neighbours(plots.ecef, pos, radius) - own[near]
    held = ext.crowded(tab["id"][near], plots.sensor, around, expected)
    if held.any():  # where a flock or a farm held a track (clutterextent.suspected)
        ext.suspect(plots.sensor, now, pos[held])


def learn_clutter(
    cmap: ClutterMap, tab: TrackTable, plots: ScanPlots, rows: IntArray, pj: IntArray
) -> None:
    """Count the scan's anonymous plots into the map, each weighted by the probability
    that it is false: 1 - the existence of the track it went to (``rows``, ``pj``), 1 for
    plots no track used. A real target's plots stop counting as its track firms up,
    and do not raise the clutter density around it."""
    batch = plots.batch
    if not len(batch):
        return
    weight = np.where((batch.identity == "") & ~batch.transponder, 1.0, 0.0)
    weight[pj] *= 1.0 - tab["exist"][rows]
    cmap.learn(plots.sensor, batch.lat, batch.lon, float(batch.t.max()), weight)
