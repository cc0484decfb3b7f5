"""The GOSPA metric: how far a set of estimated positions is from the true set.

Generalised optimal sub-pattern assignment (Rahmathullah, García-Fernández and Svensson,
2017) with ``alpha = 2``: estimates and truths are paired by an optimal assignment;
each pair costs ``min(d, c) ** p``, each truth left without a partner within ``c`` (a
*missed* target) and each estimate left without one (a *false* track) costs
``c ** p / 2``. The distance is the ``p``-th root of the total. The components are
returned as Stone Soup's ``GOSPAMetric`` returns them (sums of the ``p``-th powers), so
the two can be compared directly; the counts of missed and false targets besides.

Positions are Cartesian (metres): :func:`ecef` turns latitude, longitude and altitude
into Earth-centred coordinates, whose straight-line distance is the geodesic distance
to well under a metre over the kilometres GOSPA looks at. :func:`track_accuracy` scores
a run's tracks against a scenario's truth on a time grid (``airsentry evaluate``).
"""

from __future__ import annotations

import itertools

import numpy as np

from airsentry.model import FloatArray, TrackUpdates
from airsentry.sim.scenario import Scenario
from airsentry.sim.truth import sample
from airsentry.tracking.base import EARTH_RADIUS_M
from airsentry.tracking.gospa import Gospa, gospa

__all__ = ["Gospa", "ecef", "gospa", "track_accuracy"]


def ecef(lat: FloatArray, lon: FloatArray, alt: FloatArray) -> FloatArray:
    """Earth-centred Cartesian coordinates (m) on a sphere, shape (n, 3)."""
    r = EARTH_RADIUS_M + np.nan_to_num(np.asarray(alt, dtype=np.float64))
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack(
        [r * np.cos(la) * np.cos(lo), r * np.cos(la) * np.sin(lo), r * np.sin(la)]
    )


def track_accuracy(
    scenario: Scenario,
    updates: TrackUpdates,
    *,
    step_s: float,
    stale_s: float,
    c: float,
    p: float,
) -> tuple[float, float, float, float]:
    """How well a run's tracks follow the truth of ``scenario``, every ``step_s``: mean
    GOSPA, mean paired distance, and the fractions of missed truths and false tracks.
    Each track counts at its latest update dead-reckoned, for at most ``stale_s``."""
    truth = sample(scenario, step_s)
    grid = np.unique(np.round(truth.t / step_s) * step_s)
    # truth positions on the grid: each actor's samples rounded onto it
    tgrid = np.searchsorted(grid, np.round(truth.t / step_s) * step_s)
    tpos = ecef(truth.lat, truth.lon, truth.alt)
    # track positions on the grid: latest update not older than track_stale_s, dead-reckoned
    st = updates.state
    est_g, est_pos = [], []
    if len(updates):
        order = np.lexsort((st.t, updates.track_id))
        tid, t = updates.track_id[order], st.t[order]
        bounds = np.r_[0, np.flatnonzero(np.diff(tid)) + 1, len(tid)]
        for a, b in itertools.pairwise(bounds):
            rows = order[a:b]
            g0, g1 = (
                np.searchsorted(grid, t[a]),
                np.searchsorted(grid, t[b - 1] + stale_s, "right"),
            )
            gi = np.arange(g0, g1)
            j = np.searchsorted(t[a:b], grid[gi], side="right") - 1
            ok = (j >= 0) & (grid[gi] - t[a:b][np.maximum(j, 0)] <= stale_s)
            gi, r = gi[ok], rows[j[ok]]
            dt = grid[gi] - st.t[r]
            lat = st.lat[r] + np.degrees(np.nan_to_num(st.vel_n[r]) * dt / 6_371_008.8)
            lon = st.lon[r] + np.degrees(
                np.nan_to_num(st.vel_e[r]) * dt / (6_371_008.8 * np.cos(np.radians(st.lat[r])))
            )
            est_g.append(gi)
            est_pos.append(ecef(lat, lon, st.alt[r]))
    eg = np.concatenate(est_g) if est_g else np.empty(0, np.int64)
    ep = np.concatenate(est_pos) if est_pos else np.empty((0, 3))
    t_order, e_order = np.argsort(tgrid, kind="stable"), np.argsort(eg, kind="stable")
    t_cut = np.searchsorted(tgrid[t_order], np.arange(len(grid) + 1))
    e_cut = np.searchsorted(eg[e_order], np.arange(len(grid) + 1))
    dist, loc, pairs, n_missed, n_false, n_true, n_est = [], 0.0, 0, 0, 0, 0, 0
    for k in range(len(grid)):
        x = tpos[t_order[t_cut[k] : t_cut[k + 1]]]
        y = ep[e_order[e_cut[k] : e_cut[k + 1]]]
        g = gospa(x, y, c=c, p=p)
        dist.append(g.distance)
        loc += g.localisation
        pairs, n_missed, n_false = pairs + g.pairs, n_missed + g.n_missed, n_false + g.n_false
        n_true, n_est = n_true + len(x), n_est + len(y)
    return (
        float(np.mean(dist)) if dist else 0.0,
        (loc / pairs) ** (1 / p) if pairs and p == 1 else (loc / pairs if pairs else 0.0),
        n_missed / n_true if n_true else 0.0,
        n_false / n_est if n_est else 0.0,
    )
