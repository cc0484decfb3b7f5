"""One sensor scan through the fused tracker: gate, associate, update, initiate.

:func:`run_scan` takes the tracker's parts (:class:`ScanParts`), its state
(:class:`~airsentry.tracking.state.FusedState`) and one sensor scan's plots, and returns
which plots updated which confirmed tracks, with the filtered states. It holds no
reference to a tracker, so a test can run it on a state built by hand and parts of its
choosing. See :mod:`~airsentry.tracking.mtt` for the steps. Everything here is
vectorised over the scan's tracks, plots and pairs; the only Python loops run over
association clusters, over tracks in the candidate search, and over integrity events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from airsentry.model import FloatArray, IntArray, ReportBatch
from airsentry.tracking.base import (
    Associator,
    CrossChecker,
    Initiator,
    Merger,
    Predictor,
    TrackManager,
)
from airsentry.tracking.duplicates import duplicates
from airsentry.tracking.fusion import lookup
from airsentry.tracking.imm import IMM
from airsentry.tracking.ipda import learn_clutter, new_existence, scan_existence
from airsentry.tracking.kalman import columns, from_enu, to_enu
from airsentry.tracking.plots import Candidates, ScanPlots
from airsentry.tracking.state import FusedState, ScanSettings
from airsentry.tracking.table import TrackTable
from airsentry.tracking.update import (
    alt_ok,
    hard_update,
    output_states,
    soft_update,
    stated_gate_sigmas,
)

_EMPTY = np.empty(0, dtype=np.int64)
_NO_STATES = ReportBatch.empty()
MAX_CLIMB_MPS = 60.0  # steepest sustained climb or descent of anything tracked, m/s
HOP_SIGMAS = 3.0  # noise allowance of the per-hop speed gate of tentative tracks
DUPLICATE_CHI2 = 9.5  # chi-square 4 dof (~95 %): a newly confirmed track duplicates another


@dataclass(frozen=True, slots=True)
class ScanParts:
    """The parts a sensor scan uses (a fused tracker's, or any others)."""

    predictor: Predictor
    associator: Associator
    initiator: Initiator
    manager: TrackManager
    merger: Merger
    crosscheck: CrossChecker
    settings: ScanSettings


class ScanResult(NamedTuple):
    """Per output row: the scan plot used, its confirmed track's id, the filtered state."""

    plot_rows: IntArray
    track_ids: IntArray
    states: ReportBatch


def run_scan(parts: ScanParts, state: FusedState, plots: ScanPlots) -> ScanResult:
    """Process one sensor scan (plots of one sensor, each object at most once) against
    ``state``, which it updates in place; integrity events go to ``state.events``."""
    tab, batch, sensor = state.table, plots.batch, plots.sensor
    mgr = parts.manager
    n_p = len(plots)
    ti, pj = candidates(parts, state, plots)
    prev_t, prev_sensor = tab["t"].copy(), tab["last_sensor"].copy()
    n_t = len(tab)
    assigned_t, assigned_p = _EMPTY, _EMPTY
    loglik = np.empty(0)
    gated_plot = np.zeros(n_p, dtype=bool)
    withheld = _EMPTY
    if len(ti):
        assigned_t, assigned_p, withheld, loglik = _associate_and_update(
            parts, state, plots, ti, pj, gated_plot
        )
        same = prev_sensor[assigned_t] == sensor
        state.learn_revisit(sensor, batch.t[assigned_p[same]] - prev_t[assigned_t[same]])
        tab["last_sensor"][assigned_t] = sensor
    # M-of-N bookkeeping for the tracks this sensor has seen
    hit = np.zeros(n_t, dtype=bool)
    hit[assigned_t] = True
    # an opportunity: this sensor has seen the track and has had time to see it again
    t_scan = float(batch.t.max())
    due = t_scan - tab["opp_t"][:n_t] >= 0.75 * state.revisit.get(sensor, np.inf)
    opp = hit | (((tab["sensors"][:n_t] >> (sensor % 63)) & 1).astype(bool) & due)
    tab["opp_t"][np.flatnonzero(opp)] = t_scan
    h, sn = mgr.record(tab["hits"][:n_t][opp], tab["seen"][:n_t][opp], hit[opp])
    tab["hits"][np.flatnonzero(opp)], tab["seen"][np.flatnonzero(opp)] = h, sn
    tab["sensors"][assigned_t] |= 1 << (sensor % 63)
    # tentative tracks die when M of N is out of reach, or when faster than any aircraft
    # (clutter strung together across a scan)
    xc_all = IMM.combine(tab["x"][:n_t], tab["P"][:n_t], tab["mu"][:n_t])[0]
    too_fast = np.hypot(xc_all[:, 2], xc_all[:, 3]) > parts.settings.max_speed_mps
    dead = ~tab["confirmed"][:n_t] & (
        mgr.tentative_dead(tab["hits"][:n_t], tab["seen"][:n_t])
        | (too_fast & (mgr.hit_count(tab["hits"][:n_t]) >= 2))
    )
    # --- clutter hook: IPDA existence with the clutter map (ipda.py) ---
    ex = parts.settings.existence
    exists, ex_dead = scan_existence(ex, state.clutter, tab, plots, n_t, opp, assigned_t,
                                     assigned_p, loglik, prev_t,
                                     state.revisit.get(sensor))  # fmt: skip
    dead |= ex_dead & ~tab["confirmed"][:n_t]
    # --- end clutter hook
    was = tab["confirmed"][:n_t].copy()
    tab["confirmed"][:n_t] |= mgr.confirm(tab["hits"][:n_t]) & ~dead & exists
    state.stats.tracks_started += int((tab["confirmed"][:n_t] & ~was).sum())
    # identity, attributes and hints from the plots used
    parts.merger.adopt(tab, state.hints, plots, assigned_t, assigned_p)
    # new tracks from plots no confirmed track gated (and identity re-inits)
    used = np.zeros(n_p, dtype=bool)
    used[assigned_p] = True
    fresh = ~used & (~gated_plot | (batch.identity != ""))
    fresh[withheld] = False
    fresh_p = np.flatnonzero(fresh)
    new_rows = parts.initiator.initiate(
        tab, plots, fresh_p, state.new_ids(len(fresh_p)), parts.predictor
    )
    # named (cooperative) plots start confirmed tracks, as do all plots if one hit confirms
    exists_new = new_existence(ex, state.clutter, tab, plots, new_rows, fresh_p,
                               state.revisit.get(sensor))  # fmt: skip  # clutter hook
    tab["confirmed"][new_rows] = (batch.identity[fresh_p] != "") | (
        mgr.confirm(tab["hits"][new_rows]) & exists_new
    )
    learn_clutter(state.clutter, tab, plots, assigned_t, assigned_p)  # clutter hook
    # a track confirmed now where a confirmed track already is: a duplicate (duplicates.py)
    fresh_conf = np.zeros(len(tab), dtype=bool)
    fresh_conf[:n_t] = tab["confirmed"][:n_t] & ~was
    fresh_conf[new_rows] = tab["confirmed"][new_rows]
    fresh_conf &= tab["identity"] == ""
    alive = ~(tab["confirmed"] & ex.faded(tab["exist"]))
    alive[:n_t] &= ~dead
    dup = duplicates(tab, fresh_conf & alive, parts.predictor, t_scan, DUPLICATE_CHI2, alive)
    if dup.any():
        tab["confirmed"][dup] = False
        state.count("duplicate", int(dup.sum()))
        state.stats.tracks_started -= int(dup[:n_t].sum())
    state.stats.tracks_started += int(tab["confirmed"][new_rows].sum())
    parts.merger.adopt(tab, state.hints, plots, new_rows, fresh_p)
    rows_t = np.concatenate([assigned_t, new_rows])
    rows_p = np.concatenate([assigned_p, fresh_p])
    # drop dead tentative tracks (rows below n_t only; new rows stay)
    keep = np.ones(len(tab), dtype=bool)
    keep[:n_t] = ~dead
    keep &= ~dup
    if not keep.all():
        state.hints.forget_tracks(tab["id"][~keep])
    conf = tab["confirmed"][rows_t] & keep[rows_t]
    rows_t, rows_p = rows_t[conf], rows_p[conf]
    # most scans (clutter) output nothing: one shared empty batch instead of building one
    out = output_states(tab, batch, rows_t, rows_p) if len(rows_t) else _NO_STATES
    tids = tab["id"][rows_t]
    if not keep.all():
        tab.keep(keep)
    return ScanResult(rows_p, tids, out)


def _associate_and_update(
    parts: ScanParts, state: FusedState, plots: ScanPlots, ti: IntArray, pj: IntArray,
    gated_plot: np.ndarray,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:  # fmt: skip
    """Predict, gate, assign, cross-check and update over candidate pairs. Marks in
    ``gated_plot`` the plots inside a confirmed track's gate; returns the assigned
    (track row, plot) pairs, the plots the cross-check withheld and the assigned pairs'
    log-likelihoods (for the existence recursion)."""
    tab, batch, cfg = state.table, plots.batch, parts.settings
    n_p, n_t = len(plots), len(tab)
    acc = plots.acc
    dt = batch.t[pj] - tab["t"][ti]
    ok = dt > -cfg.late_s
    ti, pj, dt = ti[ok], pj[ok], dt[ok]
    xp, pp, cbar = parts.predictor.predict(tab["x"][ti], tab["P"][ti], tab["mu"][ti], dt)
    xc, pc = IMM.combine(xp, pp, cbar)
    z = to_enu(plots.ecef[pj], tab["origin"][ti], tab["rot"][ti])[:, 0:2]
    nu = z - xc[:, 0:2]
    s = pc[:, 0:2, 0:2] + (acc[pj] ** 2)[:, None, None] * np.eye(2)
    d2 = np.einsum("ki,kij,kj->k", nu, np.linalg.inv(s), nu)
    logdet = np.linalg.slogdet(s)[1]
    if "identity" in plots.texts:
        t_ident = tab["identity"][ti].astype(str)
        p_ident = batch.identity[pj].astype(str)
        same_id = (t_ident != "") & (t_ident == p_ident)
        # a plot whose identity another track holds goes to that track or nowhere: a
        # landing airliner's plots must not name the anonymous drone over the runway
        owner = lookup(tab["identity"], np.arange(n_t), batch.identity)[pj]
        clash = (p_ident != "") & ~same_id & ((t_ident != "") | (owner >= 0))
    else:  # anonymous plots (radar, clutter): neither
        same_id, clash = np.zeros(len(ti), dtype=bool), np.zeros(len(ti), dtype=bool)
    if len(state.hints.key):
        hinted = lookup(state.hints.key, state.hints.track, plots.hint_key[pj]) == tab["id"][ti]
    else:
        hinted = np.zeros(len(ti), dtype=bool)
    alt_acc = plots.alt_acc[pj]
    k_z = stated_gate_sigmas(parts.associator.threshold)
    level = alt_ok(tab, cfg, batch, ti, pj, dt, alt_acc, k_z) & climb_ok(
        tab, cfg, batch, ti, pj, dt, alt_acc
    )
    # a confirmed anonymous track whose existence has faded takes no plot (existence.py)
    faded = (
        tab["confirmed"][ti] & (tab["identity"][ti] == "") & cfg.existence.faded(tab["exist"][ti])
    )
    inside = parts.associator.gate(d2) & ~clash & (same_id | level) & ~faded
    inside &= tab["confirmed"][ti] | same_id | hop_ok(tab, cfg, acc[pj], ti, z, dt)
    anon = np.flatnonzero(inside & tab["confirmed"][ti] & ~same_id & (dt > cfg.reach_after_s))
    if len(anon):  # a few pairs a scan
        inside[anon] = reach_ok(tab, cfg, acc[pj[anon]], ti[anon], z[anon], dt[anon])
    gated_plot[pj[inside & tab["confirmed"][ti]]] = True
    cost = d2 + logdet - parts.merger.hint_bonus * hinted - 1e4 * same_id
    cost = cost + 2.0 * ~tab["confirmed"][ti]
    a_t, a_p = parts.associator.assign(ti[inside], pj[inside], cost[inside])
    # map assignment back to pair rows
    key_all = ti * (n_p + 1) + pj
    key_a = a_t * (n_p + 1) + a_p
    sorter = np.argsort(key_all)
    sel = sorter[np.searchsorted(key_all, key_a, sorter=sorter)]
    cand = Candidates(ti, pj, xc, pc, nu, same_id, hinted, inside)
    events, withheld, suspects = parts.crosscheck.check(tab, state.hints, plots, cand)
    state.events += events
    state.count("integrity", suspects)
    g_sel = sel
    # soft association (JPDA) for confirmed tracks whose gates share plots, if the
    # associator gives weights; hard assignment for the rest
    conf_in = inside & tab["confirmed"][ti]
    claims = np.bincount(pj[conf_in], minlength=n_p)
    shared = conf_in & (claims[pj] >= 2)
    j_rows = np.unique(ti[shared]) if shared.any() else _EMPTY
    if len(j_rows):
        g = np.flatnonzero(inside & np.isin(ti, j_rows))
        lik = np.exp(-0.5 * (d2[g] + logdet[g]))
        weights = parts.associator.weights(ti[g], pj[g], lik)
        if weights is not None:
            in_j = np.isin(ti[sel], j_rows)
            soft_update(tab, parts.predictor, cfg, plots, ti, pj, g, *weights, xp, pp, cbar,
                        sel[in_j])  # fmt: skip
            g_sel = sel[~in_j]
    hard_update(tab, parts.predictor, cfg, plots, ti[g_sel], pj[g_sel], xp[g_sel], pp[g_sel],
                cbar[g_sel], nu[g_sel])  # fmt: skip
    loglik = -0.5 * (d2[sel] + logdet[sel]) - np.log(2 * np.pi)  # clutter hook
    return ti[sel], pj[sel], withheld, loglik


def hop_ok(
    tab: TrackTable, settings: ScanSettings, acc: FloatArray, ti: IntArray, z: FloatArray,
    dt: FloatArray,
) -> np.ndarray:  # fmt: skip
    """Per-hop speed gate of tentative tracks: a plot ``z`` (track frame) further from the
    track's last position than ``max_speed_mps`` could fly in ``dt``, with
    ``HOP_SIGMAS`` of the plot's and that position's noise, is not its next plot. The
    too-fast kill looks at the filter's speed, which three clutter plots at 340-490 m/s
    between hops need not push over the limit."""
    x, p = tab["x"][ti], tab["P"][ti]
    mu = tab["mu"][ti]
    last = np.einsum("km,kmi->ki", mu, x[:, :, 0:2])
    var = np.einsum("km,km->k", mu, p[:, :, 0, 0] + p[:, :, 1, 1])
    hop = np.hypot(z[:, 0] - last[:, 0], z[:, 1] - last[:, 1])
    allowance = HOP_SIGMAS * np.sqrt(acc**2 + np.maximum(var, 0.0))
    return np.asarray(~(hop > settings.max_speed_mps * np.abs(dt) + allowance))


def reach_ok(
    tab: TrackTable, settings: ScanSettings, acc: FloatArray, ti: IntArray, z: FloatArray,
    dt: FloatArray,
) -> np.ndarray:  # fmt: skip
    """Reachability gate of confirmed tracks: a plot ``z`` farther from the track's last
    position than its class could fly in ``dt`` is not its plot, whatever the predicted
    covariance says. The class's top speed is the stitch's (stitch.py): ``reach_factor``
    times the track's speed (plus ``HOP_SIGMAS`` of its uncertainty), or that plus
    ``reach_margin_mps``, at least ``reach_floor_mps``, at most ``max_speed_mps``; with
    ``HOP_SIGMAS`` of both positions' noise. Only for tracks that coasted over
    ``reach_after_s``: a track 450 m off its scout drone after a rough plot, beyond its
    covariance, lost the drone's next plot 1.2 s later to the gate (seed 3, scout-20, two
    objects); a covariance only grows wide enough to take far clutter by coasting. A
    drone's track (50 m/s) coasting 30 s with a wide covariance took a border radar's
    clutter plot 11.6 km away, a 712 m/s jump, and was lost there, beyond the stitch
    gate of the drone's next segment (drone wall, plots variant, seed 0, decoy-03). The
    maximum-velocity gate of track initiation (Blackman & Popoli, *Design and Analysis
    of Modern Tracking Systems*, 1999, sec. 6.3) applied to confirmed tracks."""
    x, p, mu = tab["x"][ti], tab["P"][ti], tab["mu"][ti]
    last = np.einsum("km,kmi->ki", mu, x[:, :, 0:4])
    var = np.einsum("km,km->k", mu, p[:, :, 0, 0] + p[:, :, 1, 1])
    var_v = np.einsum("km,km->k", mu, p[:, :, 2, 2] + p[:, :, 3, 3])
    # the speed as fast as its uncertainty allows: a track on 100 m plots 10 s apart
    # that estimated 17 m/s for a 50 m/s drone must still take the drone's next plot
    speed = np.hypot(last[:, 2], last[:, 3]) + HOP_SIGMAS * np.sqrt(np.maximum(var_v, 0.0))
    vmax = np.clip(
        np.maximum(settings.reach_factor * speed, speed + settings.reach_margin_mps),
        settings.reach_floor_mps,
        settings.max_speed_mps,
    )
    hop = np.hypot(z[:, 0] - last[:, 0], z[:, 1] - last[:, 1])
    allowance = HOP_SIGMAS * np.sqrt(acc**2 + np.maximum(var, 0.0))
    return np.asarray(~(hop > vmax * np.abs(dt) + allowance))


def climb_ok(
    tab: TrackTable, settings: ScanSettings, batch: ReportBatch, ti: IntArray, pj: IntArray,
    dt: FloatArray, alt_acc: FloatArray,
) -> np.ndarray:  # fmt: skip
    """A cap on the vertical gate of coasting tracks: the altitude filter's uncertainty
    grows without limit while a track coasts (after two minutes it would take a plot
    8 km below), but nothing flying climbs faster than ``MAX_CLIMB_MPS``: a fighter's
    coasting track must not take the first plot of an airliner taking off below it.
    The margin on top of the climb is ``alt_gate_m`` for plots of unstated altitude
    noise, else ``alt_gate_sigmas`` of the track's altitude and the plot's noise."""
    dz = np.abs(batch.alt[pj] - tab["z"][ti, 0])
    stated_margin = settings.alt_gate_sigmas * np.sqrt(
        np.maximum(tab["Pz"][ti, 0, 0], 0.0) + alt_acc**2
    )
    margin = np.where(np.isfinite(alt_acc), stated_margin, settings.alt_gate_m)
    return np.asarray(~(dz > margin + MAX_CLIMB_MPS * np.abs(dt)))


def candidates(parts: ScanParts, state: FusedState, plots: ScanPlots) -> tuple[IntArray, IntArray]:
    """(track row, plot) pairs near enough to test: a k-d tree of plot positions searched
    around each track's predicted position, plus the pairs that identities and track
    number hints name, wherever the named track is."""
    tab, batch = state.table, plots.batch
    if not len(tab):
        return _EMPTY, _EMPTY
    tmid = _median(batch.t)
    dt = tmid - tab["t"]
    xc, pc = IMM.combine(tab["x"], tab["P"], tab["mu"])
    pos = xc[:, 0:2] + xc[:, 2:4] * dt[:, None]
    var = (
        pc[:, 0, 0] + pc[:, 1, 1] + dt**2 * (pc[:, 2, 2] + pc[:, 3, 3])
        + 2 * np.abs(dt * (pc[:, 0, 2] + pc[:, 1, 3]))
        + 0.5 * parts.predictor.max_sigma_a ** 2 * dt**4
    )  # fmt: skip
    speed = np.hypot(xc[:, 2], xc[:, 3])
    spread = float(np.ptp(batch.t)) + 1.0
    gate = parts.associator.threshold
    radius = np.sqrt(gate * (var + 2.0 * float(plots.acc.max()) ** 2)) + speed * spread + 50.0
    centre = from_enu(columns(pos[:, 0], pos[:, 1], np.zeros(len(pos))), tab["origin"], tab["rot"])
    ti, pj = near_pairs(centre, radius, plots.ecef)
    extra_t, extra_p = [ti], [pj]
    if "identity" in plots.texts:  # plots naming an identity: the track that holds it
        id_row = lookup(tab["identity"], np.arange(len(tab)), batch.identity)
        extra_t.append(id_row[id_row >= 0])
        extra_p.append(np.flatnonzero(id_row >= 0))
    if len(state.hints.key) and (plots.hint_key != "").any():  # linked track numbers
        hint_track = lookup(state.hints.key, state.hints.track, plots.hint_key)
        live = np.isin(hint_track, tab["id"])
        if live.any():
            extra_t.append(tab.rows_of(hint_track[live]))
            extra_p.append(np.flatnonzero(live))
    if len(extra_t) == 1:  # nearby pairs only: already unique, track then plot order
        return ti, pj
    n = len(plots) + 1
    key = np.unique(np.concatenate(extra_t) * n + np.concatenate(extra_p))
    return key // n, key % n


def _median(t: FloatArray) -> float:
    """``np.median`` of a scan's few plot times (the same number, without its overhead)."""
    s = np.sort(t)
    h = len(s) // 2
    return float(s[h]) if len(s) % 2 else float((s[h - 1] + s[h]) / 2.0)


BRUTE_PAIRS = 4096  # up to this many (track, plot) pairs, distances beat a k-d tree


def near_pairs(
    centre: FloatArray, radius: FloatArray, points: FloatArray
) -> tuple[IntArray, IntArray]:
    """(centre, point) index pairs within each centre's ``radius`` (ECEF metres), sorted
    by centre, then point. A sensor scan is a handful of plots against a few dozen
    tracks: there the full distance matrix costs a few NumPy calls, where building and
    querying a k-d tree costs a hundred microseconds; large scans use the tree."""
    if len(centre) * len(points) <= BRUTE_PAIRS:
        d2 = np.sum((centre[:, None, :] - points[None, :, :]) ** 2, axis=2)
        ti, pj = np.nonzero(d2 <= (radius**2)[:, None])
        return ti.astype(np.int64), pj.astype(np.int64)
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    lists = cKDTree(points).query_ball_point(centre, r=radius)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ti = np.repeat(np.arange(len(centre)), counts)
    pj = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists]) if counts.sum() else _EMPTY
    order = np.lexsort((pj, ti))  # the tree lists points in no particular order
    return ti[order], pj[order]
