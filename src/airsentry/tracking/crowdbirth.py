"""The crowd around a new track: its recent neighbours, less its own past, and whether
they are more than clutter by a space-time scan statistic.

A new anonymous track's radar plot is compared with the plots of that radar no
confirmed track explained over the last ``window_s`` (:class:`PlotExtent.recent
<airsentry.tracking.clutterextent.PlotExtent>`). Two questions, two functions:

* :func:`crowd_at_birth`: how many of them lie within ``radius_m``, less those one
  point target could have made before (the new track's object flying unnoticed);
* :func:`crowd_pvalue`: whether those left are more than the clutter map expects there
  and then, as a significance level;

and :func:`birth_crowd` answers both for :meth:`PlotExtent.born
<airsentry.tracking.clutterextent.PlotExtent.born>`.

Vectorised over the scan's new tracks; per (track, neighbour) pair, a few arrays.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.tracking.clutterextent import BRUTE_PAIRS, ExtentConfig, Recent, residual_q

_MAX_CORNERS = 12  # a track with more crowd plots is tested on its nearest and newest


def crowd_at_birth(
    recent: Recent, t: FloatArray, around: FloatArray, polar: FloatArray, scan_s: float,
    cfg: ExtentConfig,
) -> FloatArray:  # fmt: skip
    """How many of a sensor's ``recent`` plots lie within ``radius_m`` of each new
    track's first plot (at ``t``, ``around`` (k, 3) ECEF, ``polar`` (k, 4): range,
    azimuth and their sigmas), its own included, less those one point target could have
    made before it.

    A new track's object may have flown there unnoticed: its first plots taken by a
    tentative track that then died (a miss while the clutter map was at its prior, or a
    doomed clutter track that took the plot). Those plots are no crowd, but they look
    like one: a flock makes as many plots a scan (0.8) as a drone at Pd 0.85. What
    differs is their arrangement: at most one a scan on a smooth path for the drone;
    scattered over hundreds of metres, or several in a scan, for a flock or a wind farm.
    So the plots around are grouped by scan (whole revisits, ``scan_s``, before ``t``:
    around one position an antenna's plots of one scan are milliseconds apart). Where no
    scan has more than one, the latest earlier plot may be the object's (two plots
    cannot be tested), and each plot before it is the object's if it lies on the line
    back through those two: its residual (:func:`residual_q`, time reversed) is within
    ``past_gate``. The rest are the crowd."""
    i, _, _, crowd = birth_pairs(recent, t, around, polar, scan_s, cfg)
    out: FloatArray = np.bincount(i, weights=crowd, minlength=len(around)).astype(np.float64)
    return out


def birth_crowd(
    recent: Recent, t: FloatArray, around: FloatArray, polar: FloatArray, scan_s: float,
    cfg: ExtentConfig, expected: FloatArray,
) -> tuple[FloatArray, BoolArray]:  # fmt: skip
    """Per new track (as :func:`crowd_at_birth`; ``expected``: false plots the clutter
    map expects within ``radius_m`` over ``window_s``): its crowd at birth, its own
    first plot included, and whether that crowd is more than clutter
    (:func:`crowd_pvalue` below ``crowd_alpha``), asked only where the crowd's excess
    over its own plot and ``expected`` would make the track suspect (over
    ``crowd_limit``; elsewhere True: the excess is kept as it is)."""
    i, ago, dist, crowd = birth_pairs(recent, t, around, polar, scan_s, cfg)
    count = np.bincount(i, weights=crowd, minlength=len(around)).astype(np.float64)
    significant = np.ones(len(around), dtype=bool)
    # only a crowd that would hold the track is tested (a smaller one holds nothing)
    tested = np.flatnonzero(count - 1.0 - expected > cfg.crowd_limit)
    if not len(tested):  # the usual new track: nothing to test
        return count, significant
    pick = np.isin(i, tested)
    k = np.searchsorted(tested, i[pick])  # pairs of the tested tracks, renumbered
    p = crowd_pvalue(k, ago[pick], dist[pick], crowd[pick], len(tested), scan_s, cfg,
                     expected[tested])  # fmt: skip
    significant[tested] = p < cfg.crowd_alpha
    return count, significant


def crowd_pvalue(
    i: IntArray, ago: IntArray, dist: FloatArray, crowd: FloatArray, k: int, scan_s: float,
    cfg: ExtentConfig, expected: FloatArray,
) -> FloatArray:  # fmt: skip
    """Significance of the crowd around each of ``k`` new tracks (its :func:`birth_pairs`
    ``i``, ``ago``, ``dist``, ``crowd``; ``expected``: false plots the clutter map
    expects within ``radius_m`` over ``window_s``): the smallest Poisson tail
    ``P(N >= n | lambda)`` over the space-time cylinders centred on the track's first
    plot that end in its scan, ``n`` the crowd plots inside, ``lambda`` the clutter
    expected inside; 1 where there is no crowd. Where the whole neighbourhood's level is
    below ``crowd_alpha`` already, that level (no cylinder can change the verdict).

    One stray clutter plot and a flock's first extra plot are both one plot where the
    map expects a tenth of one, so a count over the whole neighbourhood cannot tell them
    apart (Oslo, plots variant, seed 4: a clutter plot 770 m from a drone's new track
    8 s before it, 0.085 expected within 800 m over 20 s, P(N >= 1) = 0.08; held as a
    crowd, the drone's sovereign alert came 25 s after its entry). What differs is where
    and when: a flock puts its plots within its few hundred metres of the track and goes
    on putting them there scan after scan; clutter falls anywhere in the neighbourhood
    (three quarters of it beyond 400 m) and does not come back. The scan statistic asks,
    for every cylinder of radius ``r <= radius_m`` and of the last ``w`` scans, whether
    it holds more plots than clutter explains, and keeps the most significant:
    Kulldorff's spatial scan statistic ("A spatial scan statistic", Commun. Stat. Theory
    Methods 26(6), 1997) in its prospective space-time form, cylinders ending now
    (Kulldorff, J. R. Stat. Soc. A 164(1), 2001), against the expectation of a
    clutter-map CFAR (Nitzberg, IEEE T-AES 22(4), 1986). The cylinders worth trying have
    a crowd plot on their rim and on their lid (their ``r`` and ``w`` from two plots):
    at most ``_MAX_CORNERS`` squared per track. Kulldorff takes the maximum's
    significance by Monte Carlo; here the smallest nominal level is compared with
    ``crowd_alpha`` directly, which errs towards a crowd (more cylinders, more chances),
    the side a flock must not escape by. The Oslo stray's level is 0.039 (its cylinder
    is all 770 m and 5 scans); a flock plot 208 m away in the birth scan, where the map
    has learnt the flock and expects 0.2 within 800 m over 20 s, is 0.0014. A flock's
    one plot 287 m away 8 scans back (its latest, 4 scans back, credited as the track's
    own) is 0.023: not a crowd on this evidence, which is why such a track is still held
    a few scans (``ExtentConfig.pending_scans``) for the crowd to recur."""
    if not k:
        return np.zeros(0)
    own = _own_first_plot(i, ago, dist)
    sel = np.flatnonzero((crowd > 0.0) & ~own)
    i, ago, dist = i[sel], np.maximum(ago[sel], 0), dist[sel]
    if not len(i):  # the usual new track: nothing around it but its own past
        return np.ones(k)
    # here, not at the top: scipy.special costs ~0.1 CPU-s to import, and a replay of
    # cooperative traffic never comes here (start-up target, issue 12)
    from scipy.special import gammainc  # type: ignore[import-untyped]

    # the whole neighbourhood over the whole window
    total = np.bincount(i, minlength=k).astype(np.float64)
    lam_all = np.maximum(expected, 1e-12)
    whole = np.where(total > 0, gammainc(np.maximum(total, 1.0), lam_all), 1.0)
    # cylinders only where the whole neighbourhood has not decided already
    pick = whole[i] >= cfg.crowd_alpha
    i, ago, dist = i[pick], ago[pick], dist[pick]
    if not len(i):
        return whole
    # per track with a crowd, its crowd plots, newest and nearest first, _MAX_CORNERS at most
    rows, i = np.unique(i, return_inverse=True)
    order = np.lexsort((dist, ago, i))
    i, ago, dist = i[order], ago[order], dist[order]
    slot = np.arange(len(i)) - np.searchsorted(i, np.arange(len(rows)))[i]
    keep = slot < _MAX_CORNERS
    i, ago, dist, slot = i[keep], ago[keep], dist[keep], slot[keep]
    m = int(slot.max()) + 1
    d = np.full((len(rows), m), np.inf)
    a = np.full((len(rows), m), np.iinfo(np.int64).max)
    d[i, slot], a[i, slot] = dist, ago
    # cylinder (r, w) from plots (u, v): r = d[u], w = a[v]; n = plots inside
    r, w = d[:, :, None], a[:, None, :]
    inside = (d[:, None, None, :] <= r[..., None]) & (a[:, None, None, :] <= w[..., None])
    n = inside.sum(axis=3).astype(np.float64)
    real = np.isfinite(r) & (w < np.iinfo(np.int64).max)
    span = np.minimum((np.where(real, w, 0) + 1.0) * scan_s / cfg.window_s, 1.0)
    area = (np.where(real, r, 0.0) / cfg.radius_m) ** 2
    lam = np.maximum(expected[rows, None, None] * span * area, 1e-12)
    p = np.where(real & (n > 0), gammainc(np.maximum(n, 1.0), lam), 1.0)  # P(N >= n)
    out: FloatArray = whole.copy()
    out[rows] = np.minimum(p.reshape(len(rows), -1).min(axis=1), whole[rows])
    return out


def birth_pairs(
    recent: Recent, t: FloatArray, around: FloatArray, polar: FloatArray, scan_s: float,
    cfg: ExtentConfig,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:  # fmt: skip
    """The (new track, recent plot) pairs within ``radius_m`` of :func:`crowd_at_birth`:
    the track, the scans back (0: the birth scan), the distance and 1.0 where the plot is
    crowd, 0.0 where it is the track's own past."""
    rt, rp, rq = recent
    if not len(around):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    if not len(rt):  # its own plot (remembered before it starts a track)
        own = np.arange(len(around), dtype=np.int64)
        ago = np.zeros(len(around), dtype=np.int64)
        return own, ago, np.zeros(len(around)), np.ones(len(around))
    if len(around) * len(rt) <= BRUTE_PAIRS:
        d2 = np.sum((around[:, None, :] - rp[None, :, :]) ** 2, axis=2)
        i, j = np.nonzero(d2 <= cfg.radius_m**2)
        dist = np.sqrt(d2[i, j])
    else:
        from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

        pairs = cKDTree(around).sparse_distance_matrix(
            cKDTree(rp), cfg.radius_m, output_type="ndarray"
        )
        i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
        dist = np.asarray(pairs["v"], dtype=np.float64)
    ago = np.rint((t[i] - rt[j]) / scan_s).astype(np.int64)
    past = ago >= 1
    order = np.lexsort((-rt[j], ~past, i))  # per track: its past, newest first; then now
    i, j, ago, past, dist = i[order], j[order], ago[order], past[order], dist[order]
    same_scan = (i[1:] == i[:-1]) & (ago[1:] == ago[:-1])
    crowded = np.zeros(len(around), dtype=bool)
    crowded[i[1:][same_scan]] = True  # several plots in one scan: a crowd whatever the path
    lead = past & np.r_[True, i[1:] != i[:-1]]  # each track's latest earlier plot
    first = np.flatnonzero(lead)
    b = np.full(len(around), -1)
    b[i[first]] = j[first]
    older = np.flatnonzero(past & ~lead)
    k, ja = i[older], j[older]
    jb = b[k]
    # the line from the new plot back through the latest earlier one, time reversed
    last = np.stack([np.column_stack([-t[k], polar[k, 0], polar[k, 1]]),
                     np.column_stack([-rt[jb], rq[jb, 0], rq[jb, 1]])], axis=1)  # fmt: skip
    q = residual_q(last, np.column_stack([-rt[ja], rq[ja, 0], rq[ja, 1]]), rq[ja, 2], rq[ja, 3])
    own = np.zeros(len(i), dtype=bool)
    own[older] = np.isfinite(q) & (np.nan_to_num(q, nan=np.inf) <= cfg.past_gate)
    own[first] = True  # the latest earlier plot
    crowd = np.where(own & ~crowded[i], 0.0, 1.0)
    return i, ago, dist, crowd


def _own_first_plot(i: IntArray, ago: IntArray, dist: FloatArray) -> BoolArray:
    """Per pair, whether it is its track's own first plot (remembered with the scan's
    other plots): each track's nearest pair of its birth scan (distance 0)."""
    now = np.flatnonzero(ago <= 0)
    own = np.zeros(len(i), dtype=bool)
    if not len(now):
        return own
    order = now[np.lexsort((dist[now], i[now]))]
    head = np.r_[True, i[order][1:] != i[order][:-1]]
    own[order[head]] = True
    return own
