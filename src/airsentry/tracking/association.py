"""Data association: which plot belongs to which track, for a whole scan at once.

Input is the sparse list of gated (track, plot) pairs of one sensor scan (see
:func:`gate`), each with a cost (squared Mahalanobis distance, lowered by hints). Most
pairs are unambiguous: a track with one plot in its gate, which no other track claims.
Those are settled at once, vectorised. The rest fall into clusters (connected
components of the gating graph), each solved by an optimal assignment
(:func:`scipy.optimize.linear_sum_assignment`): global nearest neighbour (GNN).

:func:`jpda_weights` gives joint probabilistic data association weights for clusters
where gates overlap, with Fitzgerald's "cheap JPDA" approximation (closed form, so it
vectorises over all pairs rather than enumerating joint events).

:class:`GNNAssociator` and :class:`JPDAAssociator` package gate and assignment as the
fused tracker's :class:`~airsentry.tracking.base.Associator` part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray

CHI2_GATE_2D = 13.8155  # chi-square, 2 degrees of freedom, 99.9 %


def gate(d2: FloatArray, threshold: float = CHI2_GATE_2D) -> BoolArray:
    """Pairs whose squared Mahalanobis distance falls inside the gate."""
    return np.isfinite(d2) & (d2 <= threshold)


def gnn(track: IntArray, plot: IntArray, cost: FloatArray) -> tuple[IntArray, IntArray]:
    """Global nearest neighbour over gated pairs: each track and plot used at most once,
    total cost minimal within each cluster. Returns the assigned (track, plot) pairs.

    ``track`` and ``plot`` are any non-negative integer labels; ``cost`` may be negative
    (hints and identities lower it).
    """
    if len(track) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if len(track) == 1:  # one gated pair (most sensor scans): nothing to choose
        return track.astype(np.int64), plot.astype(np.int64)
    tu, ti = np.unique(track, return_inverse=True)
    pu, pi = np.unique(plot, return_inverse=True)
    n_t, n_p = len(tu), len(pu)
    # unambiguous pairs: the track has one candidate and the plot one claimant
    deg_t = np.bincount(ti, minlength=n_t)
    deg_p = np.bincount(pi, minlength=n_p)
    lone = (deg_t[ti] == 1) & (deg_p[pi] == 1)
    out_t, out_p = [ti[lone]], [pi[lone]]
    rest = ~lone
    if rest.any():
        rt, rp, rc = ti[rest], pi[rest], cost[rest]
        # scipy is imported on first use: the identity-keyed tracker never needs it
        from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

        comp = _components(rt, n_t + rp, n_t + n_p)
        order = np.argsort(comp, kind="stable")
        bounds = np.flatnonzero(np.r_[True, comp[order][1:] != comp[order][:-1], True])
        for a, b in itertools.pairwise(bounds):
            sel = order[a:b]
            ct, ctr = np.unique(rt[sel], return_inverse=True)
            cp, cpr = np.unique(rp[sel], return_inverse=True)
            big = float(np.abs(rc[sel]).max()) * 10.0 + 1e6
            mat = np.full((len(ct), len(cp)), big)
            mat[ctr, cpr] = rc[sel]
            r, c = linear_sum_assignment(mat)
            ok = mat[r, c] < big
            out_t.append(ct[r[ok]])
            out_p.append(cp[c[ok]])
    at, ap = np.concatenate(out_t), np.concatenate(out_p)
    return tu[at], pu[ap]


def _components(a: IntArray, b: IntArray, n: int) -> IntArray:
    """Connected component of each edge ``(a, b)`` of a graph of ``n`` nodes, labelled by
    the smallest node of the component (so components come in the order of their first
    node, as scipy's ``connected_components`` numbers them). Label propagation: a sensor
    scan's clusters are a few pairs, where this takes a few NumPy calls and a sparse
    matrix with scipy's search takes a hundred microseconds."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # jump to the label's own label (pointer jumping)
        if np.array_equal(new, label):
            return label[a]
        label = new


def jpda_weights(
    track: IntArray,
    plot: IntArray,
    likelihood: FloatArray,
    p_detect: float = 0.9,
    clutter_density: float = 1e-9,
) -> tuple[FloatArray, FloatArray]:
    """Association probabilities of gated pairs and each track's miss probability.

    Cheap JPDA (Fitzgerald 1985): with ``G_ij = p_detect * likelihood_ij``,
    ``beta_ij = G_ij / (S_i + T_j - G_ij + B)`` where ``S_i`` sums ``G`` over the
    track's plots, ``T_j`` over the plot's tracks and ``B`` is the clutter density.
    Returns ``beta`` per pair and ``beta0`` indexed by track label (``max(track) + 1``).
    """
    n_t = int(track.max()) + 1 if len(track) else 0
    g = p_detect * likelihood
    s = np.bincount(track, weights=g, minlength=n_t)
    t = np.bincount(plot, weights=g, minlength=int(plot.max()) + 1 if len(plot) else 0)
    beta = g / (s[track] + t[plot] - g + clutter_density)
    beta0 = 1.0 - np.bincount(track, weights=beta, minlength=n_t)
    return beta, np.clip(beta0, 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class GNNAssociator:
    """Gate at ``threshold`` (squared Mahalanobis distance), then global nearest neighbour."""

    # chi-square 2 dof, 99.995 %: at the textbook 99.9 % (CHI2_GATE_2D) one good plot in a
    # thousand falls outside, and a drone seen every 2 s for an hour gives thousands
    threshold: float = 20.0

    def gate(self, d2: FloatArray) -> BoolArray:
        return gate(d2, self.threshold)

    def assign(
        self, track: IntArray, plot: IntArray, cost: FloatArray
    ) -> tuple[IntArray, IntArray]:
        return gnn(track, plot, cost)

    def weights(
        self, track: IntArray, plot: IntArray, likelihood: FloatArray
    ) -> tuple[FloatArray, FloatArray] | None:
        """Hard assignment only: every track updates with its assigned plot."""
        return None


@dataclass(frozen=True, slots=True)
class JPDAAssociator:
    """As :class:`GNNAssociator` (whose assignment still decides hits and output rows), but
    confirmed tracks whose gates share plots update from all their gated plots with cheap
    JPDA weights."""

    threshold: float = 20.0
    p_detect: float = 0.9
    clutter_density: float = 1e-9

    def gate(self, d2: FloatArray) -> BoolArray:
        return gate(d2, self.threshold)

    def assign(
        self, track: IntArray, plot: IntArray, cost: FloatArray
    ) -> tuple[IntArray, IntArray]:
        return gnn(track, plot, cost)

    def weights(
        self, track: IntArray, plot: IntArray, likelihood: FloatArray
    ) -> tuple[FloatArray, FloatArray] | None:
        return jpda_weights(track, plot, likelihood, self.p_detect, self.clutter_density)
