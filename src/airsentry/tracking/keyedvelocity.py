"""Velocity sources of keyed tracks whose rows differ in accuracy.

The keyed part (:class:`~airsentry.tracking.cooperative.CooperativeTracker`) gives a row
without a velocity the difference between its position and an earlier one of its track
``baseline`` seconds back, the baseline chosen so that the position noise the rows state
makes a velocity error of at most ``speed_error_mps``. Two positions of stated accuracies
``a`` (earlier) and ``b`` (later) ``dt`` apart give a velocity error of
``sqrt(a^2 + b^2) / dt`` (two-point differencing; Bar-Shalom, Li & Kirubarajan,
*Estimation with Applications to Tracking and Navigation*, 2001, sec. 5.5.3), so the
baseline depends on *both* rows. Chosen from the later row's accuracy alone, it assumed
``a = b``: right for a feed of one accuracy (ADS-B), wrong for a drone that an RF node
fixes to 1.5 km and a border radar plots to 15 m, whose track has both kinds of rows. A
15 m plot differenced against a 1.5 km fix 5 s older gave 260-350 m/s for a 40 m/s drone,
and the join, the duplicate check and the segment stitch (:mod:`keyedstitch`), which all
extrapolate a keyed track by its velocity, missed the drone's next plots and counted it
twice (drone wall, plots variant).

:func:`refine_sources` keeps the source the later row's baseline found unless that row
is more than ``ROUGHER`` (2) times rougher than the later one (never so on a feed of one
kind: nothing changes), and otherwise looks for the newest earlier row that meets the
error bound with its own accuracy: among the rows no rougher than each of a few accuracy
levels (those present), the newest at least ``sqrt(b^2 + A^2) / speed_error_mps`` older
(``A``: the roughest row of the level, the baseline at most ``history_s``), newest over
the levels: a plot after minutes of RF fixes alone is differenced against a fix 90 s
older, not one 4 s older. A row that finds none gets no velocity (NaN, as at a track's
start) rather than a wrong one. Only rows that need a horizontal velocity are concerned
(an airliner's ADS-B row carries its own). Vectorised: one ``searchsorted`` per level,
for the rows concerned only; a batch with none costs one comparison.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from airsentry.model import BoolArray, FloatArray, IntArray, ReportBatch
from airsentry.order import unique, unique_inverse
from airsentry.tracking.base import local_velocity
from airsentry.tracking.recent import Kept, RecentRows


class VelocityConfig(Protocol):
    """What :func:`fill_velocity` reads of the keyed part's configuration."""

    @property
    def baseline_s(self) -> float: ...
    @property
    def history_s(self) -> float: ...
    @property
    def speed_error_mps(self) -> float: ...


# A source at most this many times rougher than its row is of the same kind (one radar's
# accuracy varies with range: 143-162 m in one airliner's track): with the row's own
# baseline the velocity error stays within 1.6 times the bound, and the rows are left
# as they were; an RF fix beside a radar plot is a hundred times rougher.
ROUGHER = 2.0


def refine_sources(
    key: FloatArray, rank: IntArray, acc: FloatArray, at: IntArray, src: IntArray,
    valid: BoolArray, speed_error_mps: float, baseline_s: float, history_s: float,
    care: BoolArray | None = None,
) -> tuple[IntArray, BoolArray]:  # fmt: skip
    """Sources of velocity for the rows ``at`` of arrays sorted by (track, time).

    ``key``: the sorted composite key (track rank times a span, plus time), so a time
    difference within a track is a key difference; ``rank``: each row's track; ``acc``:
    each row's stated accuracy (0 where unknown); ``src``/``valid``: the source each row
    ``at`` found with its own accuracy's baseline. Returns the sources and validity
    with rows whose source was rougher than they are resolved by the pair's error bound
    (see the module); ``care``: the rows ``at`` that need a horizontal velocity (the
    others, given one by their feed, keep their source for the vertical rate)."""
    much = valid & (acc[src] > ROUGHER * acc[at])
    rough = np.flatnonzero(much if care is None else much & care)
    if not len(rough):
        return src, valid
    dst, old = at[rough], src[rough]
    need = np.clip(np.hypot(acc[dst], acc[old]) / speed_error_mps, baseline_s, history_s)
    bad = rough[key[dst] - key[old] < need]
    if not len(bad):
        return src, valid
    dst = at[bad]
    best = np.full(len(bad), -1, dtype=np.int64)
    best_key = np.full(len(bad), -np.inf)
    # the accuracy levels present among rows no rougher than the roughest bad source
    finer = np.flatnonzero(acc <= acc[src[bad]].max())
    levels = np.unique(np.ceil(np.log2(np.maximum(acc[finer], 1.0))))
    for level in levels.tolist():  # one pass per accuracy level present: a handful
        rows = finer[acc[finer] <= 2.0**level]
        top = float(acc[rows].max())
        base = np.clip(np.hypot(acc[dst], top) / speed_error_mps, baseline_s, history_s)
        j = np.searchsorted(key[rows], key[dst] - base, side="right") - 1
        found = (j >= 0) & (rank[rows[np.maximum(j, 0)]] == rank[dst])
        cand = rows[np.maximum(j, 0)]
        newer = found & (key[cand] > best_key)
        best[newer] = cand[newer]
        best_key[newer] = key[cand[newer]]
    src, valid = src.copy(), valid.copy()
    src[bad] = np.maximum(best, 0)
    valid[bad] = best >= 0
    return src, valid


def fill_velocity(
    state: ReportBatch,
    slot: IntArray,
    fine: RecentRows,
    coarse: RecentRows,
    newest: float,
    cfg: VelocityConfig,
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """The keyed part's velocity columns (east, north, up) of ``state`` with estimates
    where the feed gave none (None: every row has one): from positions at least the
    row's baseline apart, among the batch's own rows and the tracks' kept rows
    (``fine``, ``coarse``: by track ``slot``), the pair's error bound met with both
    rows' accuracies (:func:`refine_sources`).

    Only the rows of tracks with a row to estimate take part: a row's source is an
    earlier row of its own track (OpenSky's quickstart: 13 % of rows lack a velocity,
    21 % are in such tracks). The search keys are those of the whole batch (its time
    span, each track's rank among the batch's), so every estimate is the one the whole
    batch gives; the refinement, whose accuracy levels are the batch's, sees them all.
    """
    missing = ~np.isfinite(state.vel_e) | ~np.isfinite(state.vel_n)
    if not missing.any():
        return None
    since = min(newest, float(state.t.min())) - cfg.history_s
    baseline = np.clip(
        np.nan_to_num(state.accuracy, nan=0.0) * np.sqrt(2.0) / cfg.speed_error_mps,
        cfg.baseline_s,
        cfg.history_s,
    )
    # per track, the earliest time a row of this batch looks back to: of the kept
    # rows before it only the newest can be a source
    look = missing | ~np.isfinite(state.vel_u)
    need, inv = unique_inverse(slot[look])
    upto = np.full(len(need), np.inf)
    np.minimum.at(upto, inv, (state.t - baseline)[look])
    kept = (fine.gather(need, since, upto), coarse.gather(need, since, upto))
    tracks = unique(slot)  # the batch's tracks, whose ranks make the search keys
    in_need = np.zeros(len(tracks), dtype=bool)
    in_need[np.searchsorted(tracks, need)] = True
    rows = np.flatnonzero(in_need[np.searchsorted(tracks, slot)])
    found = _sources(state, slot, rows, kept, tracks, baseline, missing, cfg)
    if found is None:  # the refinement is needed: over the whole batch
        found = _sources(state, slot, np.arange(len(state)), kept, tracks, baseline, missing, cfg)
        assert found is not None
    row, ve, vn, vu = found
    est_e = np.full(len(state), np.nan)
    est_n = np.full(len(state), np.nan)
    est_u = np.full(len(state), np.nan)
    est_e[row], est_n[row], est_u[row] = ve, vn, vu
    return (
        np.where(missing, est_e, state.vel_e),
        np.where(missing, est_n, state.vel_n),
        np.where(~np.isfinite(state.vel_u), est_u, state.vel_u),
    )


def _sources(
    state: ReportBatch,
    slot: IntArray,
    rows: IntArray,
    kept: tuple[Kept, Kept],
    tracks: IntArray,
    baseline: FloatArray,
    missing: BoolArray,
    cfg: VelocityConfig,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray] | None:
    """The batch rows (among ``rows``) given an estimate, and its east, north and up
    velocities; None when a row's source needs the refinement and ``rows`` are not the
    whole batch (the refinement's accuracy levels are the whole batch's)."""
    kept_fine, kept_coarse = kept
    n_hist = len(kept_fine) + len(kept_coarse)

    def col(name: str) -> FloatArray:
        return np.concatenate(
            [kept_fine.col(name), kept_coarse.col(name), getattr(state, name)[rows]]
        )

    all_t, all_lat, all_lon, all_alt = col("t"), col("lat"), col("lon"), col("alt")
    all_tid = np.concatenate([kept_fine.slot, kept_coarse.slot, slot[rows]])
    order = np.lexsort((all_t, all_tid))
    s_tid, s_t = all_tid[order], all_t[order]
    # Composite key so one searchsorted finds, per row, the newest earlier row of the
    # same track that is at least baseline_s older: the span and first time of all
    # the kept rows and the whole batch, each track's rank among the batch's tracks.
    every_t = np.concatenate([kept_fine.col("t"), kept_coarse.col("t"), state.t])
    span = float(every_t.max() - every_t.min()) + 10 * cfg.history_s + 1.0
    t0 = float(every_t.min())
    rank = np.searchsorted(tracks, s_tid)
    key = rank * span + (s_t - t0)
    # only the batch's rows look back (kept rows are sources only)
    at = np.flatnonzero(order >= n_hist)
    dst = order[at]
    target = key[at] - baseline[rows[dst - n_hist]]
    j = np.searchsorted(key, target, side="right") - 1
    valid = (j >= 0) & (rank[np.maximum(j, 0)] == rank[at])
    src = order[np.where(valid, j, 0)]
    # a source much rougher than its row must meet the pair's error bound
    # (refine_sources); never so on a feed of one kind, where this is one comparison
    all_acc = np.nan_to_num(col("accuracy"), nan=0.0)  # unknown: as the baseline's
    care = missing[rows[dst - n_hist]]  # rows given a horizontal velocity keep theirs
    if (valid & care & (all_acc[src] > ROUGHER * all_acc[dst])).any():
        if len(rows) < len(state):
            return None
        j, valid = refine_sources(key, rank, all_acc[order], at, j, valid, cfg.speed_error_mps,
                                  cfg.baseline_s, cfg.history_s, care)  # fmt: skip
        src = order[np.where(valid, j, 0)]
    dt = all_t[dst] - all_t[src]
    ve, vn = local_velocity(all_lat[src], all_lon[src], all_lat[dst], all_lon[dst], dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        vu = (all_alt[dst] - all_alt[src]) / dt
    return rows[dst[valid] - n_hist], ve[valid], vn[valid], vu[valid]
