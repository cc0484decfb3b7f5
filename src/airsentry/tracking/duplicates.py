"""A tentative track is not confirmed as a second object where a confirmed track already is.

Two tentative tracks can start on one target (a clutter plot beside the target's first
plot, a missed scan that leaves the target's next plot outside a young track's gate); both
collect the target's plots in turn and both reach confirmation. The merger
(:mod:`~airsentry.tracking.fusion`) joins such duplicates after a few agreeing checks,
but by then both tracks have left the tracker, and an incident has counted two objects
(Copenhagen plots variant: 4 drones booked for 3). So at the moment of confirmation a
track is compared with the confirmed tracks that plots still feed, in position and
velocity (the merger's chi-square test of 4 degrees of freedom at the common time of
the scan); a track that agrees with one is a duplicate and is dropped before it emits
anything. Among tracks confirmed in the same scan that agree, the older one stays.
Two real objects closer than that test resolves are one object to the tracker anyway.
"""

from __future__ import annotations

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray
from airsentry.tracking.base import Predictor
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import from_enu
from airsentry.tracking.state import FusedState
from airsentry.tracking.table import TrackTable

ACTIVE_S = 30.0  # confirmed tracks updated this recently are compared


def duplicates(
    tab: TrackTable, fresh: BoolArray, predictor: Predictor, now: float, threshold: float,
    alive: BoolArray,
) -> BoolArray:  # fmt: skip
    """Rows among ``fresh`` (confirmed in this scan, anonymous) that duplicate another
    confirmed track in ``alive`` within ``threshold`` (chi-square, 4 dof) at time ``now``."""
    out = np.zeros(len(tab), dtype=bool)
    if not fresh.any():
        return out
    other = tab["confirmed"] & alive & (now - tab["t"] <= ACTIVE_S)
    rows = np.flatnonzero(other | fresh)
    if len(rows) < 2:
        return out
    dt = np.maximum(now - tab["t"][rows], 0.0)
    x, p, mu = predictor.predict(tab["x"][rows], tab["P"][rows], tab["mu"][rows], dt)
    xc, pc = IMM.combine(x, p, mu)
    enu = np.column_stack([xc[:, 0], xc[:, 1], np.zeros(len(rows))])
    ecef: FloatArray = from_enu(enu, tab["origin"][rows], tab["rot"][rows])
    new = fresh[rows]
    grid_a, grid_b = np.meshgrid(np.flatnonzero(new), np.arange(len(rows)), indexing="ij")
    a_i, b_i = grid_a.ravel(), grid_b.ravel()
    pair = a_i != b_i
    a_i, b_i = a_i[pair], b_i[pair]
    d_pos = ecef[a_i] - ecef[b_i]
    de = np.einsum("kij,kj->ki", tab["rot"][rows][a_i], d_pos)[:, :2]
    diff = np.column_stack([de, xc[a_i, 2:4] - xc[b_i, 2:4]])
    s = pc[a_i][:, :4, :4] + pc[b_i][:, :4, :4]
    d2 = np.einsum("ki,kij,kj->k", diff, np.linalg.inv(s), diff)
    ident_a = tab["identity"][rows][a_i].astype(str)
    ident_b = tab["identity"][rows][b_i].astype(str)
    agree = (d2 < threshold) & ((ident_a == "") | (ident_b == "") | (ident_a == ident_b))
    # a fresh track yields to an established one, or to an older fresh one
    first = tab["first_t"][rows]
    older = ~new[b_i] | (first[b_i] < first[a_i]) | ((first[b_i] == first[a_i]) & (b_i < a_i))
    drop = np.unique(a_i[agree & older])
    out[rows[drop]] = True
    return out


def drop_tracks(state: FusedState, ids: IntArray) -> None:
    """Take the tracks ``ids`` out of a fused tracker's state silently (they duplicate an
    object another part of the tracker keeps; see
    :class:`~airsentry.tracking.segments.Segments`)."""
    tab = state.table
    gone = np.isin(tab["id"], ids)
    if not gone.any():
        return
    state.hints.forget_tracks(tab["id"][gone])
    tab.keep(~gone)
    state.count("duplicate", int(gone.sum()))
