"""A second look at plots joined to a keyed track that only rough rows placed.

The combined tracker (:mod:`~airsentry.tracking.combined`) joins a batch's anonymous
plots to keyed tracks by matching them against the tracks' reference rows
(:func:`~airsentry.tracking.join.match`): the rows kept from earlier batches and the
batch's own keyed rows. The plots it joins are no references themselves, since they are
decided at once. For a drone keyed by an RF node's own object number, whose plots a
border radar gives, the batch's references are the node's fixes alone (good to a
kilometre or two), and a batch of the evaluation is ten minutes long: the join's gate
around a fix of 1.7 km stated accuracy is 7 km wide, so in a scan where the radar missed
the drone the nearest plot in the gate, a wind farm's 7-12 km away, was joined to the
track (drone wall, plots variant: decoy-06, which never enters Poland, was counted in the
sovereign incident on seeds 1, 2 and 4 when such a plot fell inside it).

The plots joined around it place the track far better than the fixes: every 2 s, to
tens of metres. So each join of a track that has rough rows among its references is
checked against the track's fine rows nearest it in time (its kept rows, its fine keyed
rows and its *other* fine joined plots; ``NEIGHBOURS`` of them within ``max_gap_s``): the
straight line through each pair of them (at least ``MIN_PAIR_S`` apart) predicts the
plot's position, with the pair's noise carried by the lever arms and the chord's
deviation under ``sigma_a`` (``a |(t - t1)(t - t2)| / 2``), and the join's gate decides.
A join that no pair gates is undone and the plot goes to the multi-target part with the
batch's other anonymous plots. A line through a wrong join misses the plots around it,
so one wrong join neither vouches for another nor condemns a right one as long as two
of the neighbours are right: a minimal-subset consensus in the manner of RANSAC
(Fischler & Bolles, Comm. ACM 24(6), 1981). A majority of the pairs instead undid the
drone's own plots where the radar had missed it three scans in six and the farm's
plots had been joined in those (a synthetic scene, ``tests/tracking/test_join_check.py``).
A join with no pair to test it stands; a batch whose references are all fine
(cooperative traffic) costs one comparison.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray, IntArray
from airsentry.tracking.join import JoinConfig, Rows

NEIGHBOURS = 6  # fine rows of the track nearest a join in time
MIN_PAIR_S = 2.0  # two rows closer in time make no line (two sensors' plots of one instant)
_I, _J = np.triu_indices(NEIGHBOURS, k=1)  # the pairs among the neighbours


def vouched(
    ref: Rows, t: FloatArray, ecef: FloatArray, acc: FloatArray, qi: IntArray, code: IntArray,
    cfg: JoinConfig, fine_m: float,
) -> np.ndarray:  # fmt: skip
    """Mask of the joins (plot ``qi`` to track ``code``) that stand: those of tracks with
    no rough reference row (stated accuracy over ``fine_m``), those no pair of fine rows
    tests, and those a pair gates (``ref``: the join's references;
    ``t``, ``ecef``, ``acc``: the plots')."""
    ok = np.ones(len(qi), dtype=bool)
    rough = ref.acc > fine_m
    if not len(qi) or not rough.any():
        return ok
    test = np.flatnonzero(np.isin(code, np.unique(ref.code[rough])))
    if not len(test):
        return ok
    q, c = qi[test], code[test]
    tq, xq = t[q], ecef[q]
    # fine rows of the tracks concerned: their references and their fine joined plots
    sel = ~rough & np.isin(ref.code, c)
    own = np.flatnonzero(~(acc[q] > fine_m))
    r_t = np.concatenate([ref.t[sel], tq[own]])
    r_x = np.concatenate([ref.ecef[sel], xq[own]])
    r_a = np.concatenate([ref.acc[sel], acc[q][own]])
    r_c = np.concatenate([ref.code[sel], c[own]])
    r_o = np.concatenate([np.full(int(sel.sum()), -1, dtype=np.int64), own])
    nb, valid = _neighbours(r_t, r_c, r_o, tq, c, cfg.max_gap_s)
    i, j = nb[:, _I], nb[:, _J]
    t1, t2 = r_t[i], r_t[j]
    pair = valid[:, _I] & valid[:, _J] & (np.abs(t2 - t1) >= MIN_PAIR_S)
    dt = np.where(pair, t2 - t1, 1.0)
    w = (tq[:, None] - t1) / dt  # the plot's time along the pair's line
    pred = r_x[i] + w[..., None] * (r_x[j] - r_x[i])
    chord = 0.5 * cfg.sigma_a * np.abs((tq[:, None] - t1) * (tq[:, None] - t2))
    var = ((1 - w) * r_a[i]) ** 2 + (w * r_a[j]) ** 2 + chord**2 + acc[q][:, None] ** 2
    diff = xq[:, None, :] - pred
    up = xq / np.linalg.norm(xq, axis=1)[:, None]
    vert = np.einsum("kpi,ki->kp", diff, up)
    d2 = (np.einsum("kpi,kpi->kp", diff, diff) - vert**2) / var
    ok[test] = ~pair.any(axis=1) | (pair & (d2 < cfg.gate)).any(axis=1)
    return ok


def _neighbours(
    r_t: FloatArray, r_c: IntArray, r_o: IntArray, tq: FloatArray, cq: IntArray, reach_s: float
) -> tuple[IntArray, np.ndarray]:
    """Per query (time ``tq``, track ``cq``; query ``k`` is row ``r_o == k`` if a row),
    the ``NEIGHBOURS`` rows of its track nearest in time within ``reach_s``, itself left
    out: their indices (n, NEIGHBOURS) and which are real."""
    t0 = float(min(r_t.min(), tq.min()))
    span = float(max(r_t.max(), tq.max())) - t0 + 2.0 * reach_s + 1.0
    key = r_c * span + (r_t - t0)
    order = np.argsort(key, kind="stable")
    pos = np.searchsorted(key[order], cq * span + (tq - t0))
    cand = pos[:, None] + np.arange(-NEIGHBOURS - 1, NEIGHBOURS + 1)
    inside = (cand >= 0) & (cand < len(order))
    row = order[np.clip(cand, 0, len(order) - 1)]
    gap = np.abs(r_t[row] - tq[:, None])
    real = inside & (r_c[row] == cq[:, None]) & (gap <= reach_s)
    real &= r_o[row] != np.arange(len(tq))[:, None]
    near = np.argsort(np.where(real, gap, np.inf), axis=1, kind="stable")[:, :NEIGHBOURS]
    return np.take_along_axis(row, near, axis=1), np.take_along_axis(real, near, axis=1)
