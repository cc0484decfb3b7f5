"""The velocity estimates of keyed tracks (``fill_velocity``) are those of the
whole-batch computation, now that only the rows of tracks with a row to estimate take
part: held equal, over random batches of many tracks (some with rows lacking a
velocity, some without), kept rows from earlier batches, one accuracy or mixed
accuracies (which take the whole batch for the refinement), to the implementation
before the change, kept here as the reference."""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.model import FloatArray, IntArray, ReportBatch
from airsentry.tracking.base import local_velocity
from airsentry.tracking.cooperative import CooperativeConfig
from airsentry.tracking.keyedvelocity import ROUGHER, VelocityConfig, fill_velocity, refine_sources
from airsentry.tracking.recent import COLUMNS, RecentRows


def batch(rng: np.random.Generator, mixed: bool) -> tuple[ReportBatch, IntArray]:
    tracks = int(rng.integers(2, 30))
    n = int(rng.integers(tracks, 400))
    slot = rng.integers(0, tracks, n).astype(np.int64)
    t = np.sort(rng.uniform(0.0, 120.0, n)).round(1) + 1.7e9
    lat = 50.0 + slot * 0.1 + (t - 1.7e9) * 1e-4
    lon = 20.0 + rng.normal(0.0, 1e-3, n).cumsum() * 0.01
    lacking = rng.random(tracks) < 0.3  # tracks with some rows lacking a velocity
    gone = lacking[slot] & (rng.random(n) < 0.5)
    vel_e = np.where(gone, np.nan, rng.normal(0.0, 50.0, n))
    vel_n = np.where(gone, np.nan, rng.normal(0.0, 50.0, n))
    vel_u = np.where(rng.random(n) < 0.05, np.nan, 0.0)
    # mixed: the tracks lacking a velocity 15 m plots and 1.5 km fixes, the others 150 m
    # and 16 m plots (the roughest row of an accuracy level can be another track's)
    rough = np.where(rng.random(n) < 0.5, 15.0, 1500.0)
    other = np.where(rng.random(n) < 0.5, 150.0, 16.0)
    accuracy = np.where(lacking[slot], rough, other) if mixed else np.full(n, np.nan)
    state = ReportBatch.build(
        t=t, lat=lat, lon=lon, alt=np.full(n, 500.0), vel_e=vel_e, vel_n=vel_n, vel_u=vel_u,
        accuracy=accuracy, sensor="s", identity="",
    )  # fmt: skip
    return state, slot


def kept_rows(
    rng: np.random.Generator, state: ReportBatch, slot: IntArray
) -> tuple[RecentRows, RecentRows]:
    cfg = CooperativeConfig()
    fine, coarse = RecentRows(cfg.baseline_s / 8, 24), RecentRows(cfg.history_s / 30, 32)
    for rows in (fine, coarse):
        rows.grow(int(slot.max()) + 1)
        earlier = rng.random(len(state)) < 0.5
        values = np.column_stack([np.asarray(getattr(state, c), dtype=float) for c in COLUMNS])
        values[:, 0] -= 100.0  # the same tracks, earlier
        rows.write(slot[earlier], values[earlier])
    return fine, coarse


@pytest.mark.parametrize("mixed", [False, True])
def test_estimates_are_the_whole_batchs(mixed: bool) -> None:
    rng = np.random.default_rng(5 + mixed)
    cfg = CooperativeConfig()
    compared = 0
    for _ in range(60):
        state, slot = batch(rng, mixed)
        fine, coarse = kept_rows(rng, state, slot)
        newest = float(state.t.min()) - 1.0
        got = fill_velocity(state, slot, fine, coarse, newest, cfg)
        want = reference(state, slot, fine, coarse, newest, cfg)
        assert (got is None) == (want is None)
        if got is None or want is None:
            continue
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
        compared += int(np.isfinite(got[0]).sum())
    assert compared > 1000


# -- the implementation before the change (commit 2316c60), the reference ----------


def reference(
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
    rows' accuracies (:func:`refine_sources`)."""
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
    need, inv = np.unique(slot[look], return_inverse=True)
    upto = np.full(len(need), np.inf)
    np.minimum.at(upto, inv.reshape(-1), (state.t - baseline)[look])
    kept_fine = fine.gather(need, since, upto)
    kept_coarse = coarse.gather(need, since, upto)
    n_hist = len(kept_fine) + len(kept_coarse)

    def col(name: str) -> FloatArray:
        return np.concatenate([kept_fine.col(name), kept_coarse.col(name), getattr(state, name)])

    all_t, all_lat, all_lon, all_alt = col("t"), col("lat"), col("lon"), col("alt")
    all_tid = np.concatenate([kept_fine.slot, kept_coarse.slot, slot])
    order = np.lexsort((all_t, all_tid))
    s_tid, s_t = all_tid[order], all_t[order]
    # Composite key so one searchsorted finds, per row, the newest earlier row of the
    # same track that is at least baseline_s older.
    span = float(s_t.max() - s_t.min()) + 10 * cfg.history_s + 1.0
    t0 = float(s_t.min())
    rank = np.cumsum(np.r_[True, s_tid[1:] != s_tid[:-1]]) - 1
    key = rank * span + (s_t - t0)
    # only the batch's rows look back (kept rows are sources only)
    at = np.flatnonzero(order >= n_hist)
    dst = order[at]
    target = key[at] - baseline[dst - n_hist]
    j = np.searchsorted(key, target, side="right") - 1
    valid = (j >= 0) & (rank[np.maximum(j, 0)] == rank[at])
    src = order[np.where(valid, j, 0)]
    # a source much rougher than its row must meet the pair's error bound
    # (refine_sources); never so on a feed of one kind, where this is one comparison
    all_acc = np.nan_to_num(col("accuracy"), nan=0.0)  # unknown: as the baseline's
    care = missing[dst - n_hist]  # rows given a horizontal velocity keep theirs
    if (valid & care & (all_acc[src] > ROUGHER * all_acc[dst])).any():
        j, valid = refine_sources(key, rank, all_acc[order], at, j, valid, cfg.speed_error_mps,
                                  cfg.baseline_s, cfg.history_s, care)  # fmt: skip
        src = order[np.where(valid, j, 0)]
    dt = all_t[dst] - all_t[src]
    ve, vn = local_velocity(all_lat[src], all_lon[src], all_lat[dst], all_lon[dst], dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        vu = (all_alt[dst] - all_alt[src]) / dt
    row = dst[valid] - n_hist
    est_e = np.full(len(state), np.nan)
    est_n = np.full(len(state), np.nan)
    est_u = np.full(len(state), np.nan)
    est_e[row], est_n[row], est_u[row] = ve[valid], vn[valid], vu[valid]
    return (
        np.where(missing, est_e, state.vel_e),
        np.where(missing, est_n, state.vel_n),
        np.where(~np.isfinite(state.vel_u), est_u, state.vel_u),
    )
