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

from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.tracking.cluttermap import ClutterMap
from airsentry.tracking.existence import Existence
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
    if len(rows):
        t = batch.t[pj]
        rate = cmap.rate(plots.sensor, batch.lat[pj], batch.lon[pj], float(t.max()))
        rho = ex.density(rate, np.maximum(t - prev_t[rows], revisit or 0.0))
        p[rows] = ex.hit(p[rows], loglik[anon], rho)
    p[named] = 1.0
    warm = cmap.warm(plots.sensor, float(batch.t.max())) if len(batch) else True
    return ex.confirmed(p) & (warm | named), ex.dead(p) & ~named


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
    p[batch.identity[pj] != ""] = 1.0
    tab["exist"][rows] = p
    return ex.confirmed(p)


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
