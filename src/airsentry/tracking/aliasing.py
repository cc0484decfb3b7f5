"""Where a new sensor track number's first reports are compared: the keyed tracks' plots.

The combined tracker (:mod:`~airsentry.tracking.combined`) makes a new sensor track
number an alias of the keyed track of another sensor that most of its first reports fall
on: two RF nodes, or an RF node and an acoustic array, that hear one drone give one
object. The comparison was with the keyed tracks' reference rows (the rows kept from
earlier batches and the batch's keyed rows), and in a ten-minute batch a drone keyed by an
RF node's own number has only the node's fixes there (1-2.5 km stated accuracy). Two
such rough positions, extrapolated up to 30 s, gate each other 15 km apart: WALL-RF08's
number for decoy-19 became an alias of WALL-RF07's track of decoy-16, 16 km away (drone
wall, plots variant, seeds 2 and 4), and the one keyed track then took both drones'
plots, scan by scan the nearer (a second object each time a piece of either was left
over).

The plots joined to a keyed track (:meth:`~airsentry.tracking.combined.CombinedTracker`'s
join, checked by :mod:`~airsentry.tracking.joincheck`) place it to tens of metres, so
:func:`with_plots` adds a batch's joined fine plots to the reference rows (as rows of
their track, without a velocity) and leaves out the rough rows of a track within 30 s of
a fine one (:func:`~airsentry.tracking.join.prefer_fine`), as the join does. A new
number's rough reports are then compared with where its candidate's plots put it: the
rough report's own accuracy still makes the gate kilometres wide, but no longer the
candidate's. A keyed track with no plots near the new number's reports is compared with
its rough rows as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from airsentry.model import FloatArray, IntArray, ObjArray, ReportBatch
from airsentry.tracking.join import JoinConfig, Rows, accuracy, near_times, prefer_fine


def with_plots(
    ref: Rows, names: ObjArray, batch: ReportBatch, keyed: np.ndarray, known: np.ndarray,
    window: FloatArray, cfg: JoinConfig, fine_m: float,
    join: Callable[[np.ndarray, IntArray], tuple[IntArray, ObjArray]],
) -> Rows:  # fmt: skip
    """``ref`` (codes index ``names``) with the batch's fine plots (rows not ``keyed``,
    within ``max_gap_s`` of a time in ``window``) that ``join`` (keyed rows, plot rows ->
    rows joined, their keys) joins to the keyed tracks, as rows of those tracks, and
    without the rough rows (over ``fine_m``) of a track within 30 s of a fine row. The
    ``known`` keyed rows (not the new numbers') take plots first: an acoustic array's new
    number, its own rows 400 m, took the plots of the drone whose RF track it was to be
    compared with (drone wall, seed 1: decoy-19 counted twice); the new numbers then
    take what is left (in a first batch every number is new)."""
    plots = np.flatnonzero(~keyed & np.isfinite(batch.lat) & np.isfinite(batch.lon))
    plots = plots[near_times(batch.t, window, cfg.max_gap_s)[plots]]
    if not len(plots) or not len(names):
        return ref
    rows, keys = join(known, plots)  # the known tracks first, then the new numbers
    more, more_keys = join(keyed, plots[~np.isin(plots, rows)])
    rows, keys = np.concatenate([rows, more]), np.concatenate([keys, more_keys])
    p = batch.take(rows)
    acc = accuracy(p.accuracy, cfg)
    order = np.argsort(names)
    code = order[np.clip(np.searchsorted(names[order], keys), 0, len(names) - 1)]
    ok = ~(acc > fine_m) & (names[code] == keys)
    if not ok.any():
        return ref
    p = p.take(np.flatnonzero(ok))
    nan = np.full(len(p), np.nan)
    mine = Rows.of(p.t, p.lat, p.lon, p.alt, nan, nan, acc[ok], code[ok], cfg)
    t, c = np.concatenate([ref.t, mine.t]), np.concatenate([ref.code, mine.code])
    k = np.lexsort((t, c))
    both = Rows(t[k], np.concatenate([ref.ecef, mine.ecef])[k],
                np.concatenate([ref.vel, mine.vel])[k], np.concatenate([ref.alt, mine.alt])[k],
                np.concatenate([ref.acc, mine.acc])[k], c[k])  # fmt: skip
    return prefer_fine(both, fine_m)
