"""Track segments across the keyed and the anonymous part: one object, one id.

The combined tracker (:mod:`~airsentry.tracking.combined`) keeps an object by key while
something names it (a Remote ID serial, an RF node's own object number) and joins the
plots that fall on it; when the naming sensor falls silent and the plots lapse (a drone
that flew out of an RF node's range and below the border radar's cover for a minute),
the object's plots start an anonymous track in the multi-target part. That track is a
second *segment* of the same object, and without association across the parts it was a
second object in the incident (drone wall, plots variant, seed 0: 7 of 18 drones
counted twice this way). The other direction, a new key whose object's anonymous track
had ended a little earlier (dormant, or confirmed but no longer fed), is the same
question asked by :meth:`~airsentry.tracking.mtt.FusedTracker.claim` when no live track
is at the key's first report (:func:`claim_ended`; 3 drones of that seed).

This is track-segment association (Blackman & Popoli, *Design and Analysis of Modern
Tracking Systems*, 1999, sec. 9.4; Yeom, Kirubarajan & Bar-Shalom, "Track segment
association, fine-step IMM and initialization with Doppler for improved track
performance", IEEE Trans. AES 40(1), 2004): the older segment's last state is
predicted over the gap and the younger segment's first state must lie within the
reachable, dead-reckoned region (:func:`~airsentry.tracking.stitch.stitch`, the gate the
multi-target part's own dormant tracks use); the older segment must have ended before
the younger one started, so two objects seen at once are never one. Segments of
different accuracy (a passive RF fix kilometres wide, a radar track of tens of metres)
enter the gate with their own uncertainties, as in track-to-track association of
unequal tracks (Bar-Shalom, Willett & Tian, *Tracking and Data Fusion*, 2011).

:func:`continue_keyed` asks it of newly confirmed anonymous tracks against the keyed
tracks' newest rows (:func:`silent_keyed`);
:class:`~airsentry.tracking.segments.Segments` renames the anonymous track to the keyed
track's id and ends the keyed track silently (a later report of its key starts a keyed
track that claims the anonymous one back while plots feed it).
"""

from __future__ import annotations

import numpy as np

from airsentry.model import FloatArray, IntArray
from airsentry.tracking.base import Ended
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.recent import Kept
from airsentry.tracking.robustend import robust_end
from airsentry.tracking.state import FusedState
from airsentry.tracking.stitch import Dormant, StitchConfig, Stitcher, ecef_velocity, stitch

_DEFAULT_ACC_M = 150.0  # rows that state no accuracy


def silent_keyed(keyed: CooperativeTracker, since: float) -> tuple[IntArray, Dormant]:
    """The slots of live keyed tracks that name no identity (a sensor's own object or
    track number) whose newest row is at or after ``since``, and their newest rows as
    stitch candidates (time, position, velocity, accuracy); the stitch gate keeps those
    silent since before the younger segment started. A track of an identity is not a
    candidate: an airliner's ADS-B track, silent after it landed, took over the track
    of a drone that rose beside the runway 9 km away (Oslo, plots variant), and an
    anonymous track must not inherit a name its plots never gave it."""
    kept = keyed.recent(since, newest=1)
    if len(kept):
        anon = keyed.unnamed(kept.slot)
        kept = Kept(kept.slot[anon], kept.values[anon])
    if not len(kept):
        return np.empty(0, dtype=np.int64), Dormant()
    # newest row per slot (rows come grouped by slot; take the latest of each)
    t = kept.col("t")
    order = np.lexsort((t, kept.slot))
    slot = kept.slot[order]
    last = np.r_[slot[1:] != slot[:-1], True]
    rows = order[last]
    lat, lon = kept.col("lat")[rows], kept.col("lon")[rows]
    # the median velocity of the track's last rows (a joined clutter plot made one row's
    # hundreds of m/s and the gate missed the drone's next segment), else the newest's
    me, mn = keyed.recent_velocity(kept.slot[rows])
    ve = np.nan_to_num(np.where(np.isfinite(me), me, kept.col("vel_e")[rows]))
    vn = np.nan_to_num(np.where(np.isfinite(mn), mn, kept.col("vel_n")[rows]))
    acc = kept.col("accuracy")[rows]
    acc = np.where(np.isfinite(acc), acc, _DEFAULT_ACC_M)
    ids = keyed.slot_ids(kept.slot[rows])
    cand = Dormant(
        id=ids, t=t[rows], ecef=geodetic_to_ecef(lat, lon), vel=ecef_velocity(lat, lon, ve, vn),
        sigma=acc, alt=kept.col("alt")[rows],
    )  # fmt: skip
    return kept.slot[rows], cand


def ended_keyed(gone: list[Ended], keyed: CooperativeTracker) -> Dormant:
    """Keyed tracks that ended silent and name no identity, as stitch candidates (their
    newest row's accuracy: an RF node's fix kilometres off its drone must not shut out
    the drone's next segment; the median velocity of their last rows: a clutter plot
    joined to the track made its newest row's 569 m/s, drone wall, plots variant);
    :class:`~airsentry.tracking.segments.Segments` keeps them for the stitch window."""
    tracks = [e.track for e in gone
              if e.reason == "silent" and "#" in e.track.key and not e.track.identity]  # fmt: skip
    acc, ve, vn = keyed.ended_rows(np.array([tr.track_id for tr in tracks], dtype=np.int64))
    cand = Dormant()
    cand.add(tracks, ["silent"] * len(tracks), np.where(np.isfinite(acc), acc, _DEFAULT_ACC_M))
    if len(cand):  # the median velocity of the last rows, robust to a wrong one
        lat, lon = np.array([tr.lat for tr in tracks]), np.array([tr.lon for tr in tracks])
        med = ecef_velocity(lat, lon, np.nan_to_num(ve), np.nan_to_num(vn))
        cand.vel = np.where(np.isfinite(ve + vn)[:, None], med, cand.vel)
    return cand


def continue_keyed(
    keyed: CooperativeTracker, cfg: StitchConfig, max_speed_mps: float, t: FloatArray,
    first_t: FloatArray, ecef: FloatArray, sigma: FloatArray, alt: FloatArray,
    gone: Dormant | None = None,
) -> tuple[IntArray, IntArray, IntArray]:  # fmt: skip
    """Triples (new anonymous track index, keyed slot, keyed id): newly confirmed
    anonymous tracks (state at ``t``, started at ``first_t``) that continue a keyed
    track silent since before they started (within the stitch window); one-to-one,
    nearest first. ``gone``: keyed tracks that ended (slot -1), candidates for the
    tracks that started within the stitch window (``window_s``) of their last row, as
    the multi-target part keeps its own ended tracks dormant: in a batch of ten minutes
    the keyed part ended an RF node's track at the batch's end, before the anonymous
    track its drone's plots had started two minutes after the node fell silent was
    checked; and a drone whose RF track ended (``expire_s`` of silence) 160 s before its
    plots came back, 458 s after the last row, was a second object (drone wall, plots
    variant)."""
    empty = np.empty(0, dtype=np.int64)
    if not len(t):
        return empty, empty, empty
    slots, cand = silent_keyed(keyed, float(first_t.min()) - cfg.window_s)
    until = np.full(len(cand), np.inf)
    if gone is not None and len(gone):
        slots = np.r_[slots, np.full(len(gone), -1, dtype=np.int64)]
        until = np.r_[until, gone.t + cfg.window_s]
        cand = Dormant(
            id=np.r_[cand.id, gone.id], t=np.r_[cand.t, gone.t], ecef=np.r_[cand.ecef, gone.ecef],
            vel=np.r_[cand.vel, gone.vel], sigma=np.r_[cand.sigma, gone.sigma],
            alt=np.r_[cand.alt, gone.alt],
        )  # fmt: skip
    if not len(cand):
        return empty, empty, empty
    i, j = stitch(cand, cfg, max_speed_mps, t, first_t, ecef, sigma, alt, until)
    return i, slots[j], cand.id[j]


def claim_ended(
    state: FusedState, stitcher: Stitcher, max_speed_mps: float, recent_s: float, t: float,
    here: FloatArray, acc: float, alt: float,
) -> int:  # fmt: skip
    """The id of the anonymous track that ended before ``t`` (dormant, or confirmed but
    not fed for over ``recent_s``) that a new keyed track's first report at ``here``
    (ECEF, stated accuracy ``acc``) continues, by the stitch gate; that track leaves the
    multi-target part silently (-1: none). A drone's plot track lapsed when it flew
    below the radar's cover, and an RF node named it a minute later: one object."""
    dormant, tab = stitcher.dormant, state.table
    stale = np.flatnonzero(tab["confirmed"] & (t - tab["t"] > recent_s)
                           & (tab["identity"] == ""))  # fmt: skip
    if not len(dormant) and not len(stale):
        return -1
    mu = tab["mu"][stale]
    x = np.einsum("km,kmi->ki", mu, tab["x"][stale])
    p = np.einsum("km,kmij->kij", mu, tab["P"][stale])
    lat, lon, ve, vn = robust_end(tab["ring"][stale], tab["lat"][stale], tab["lon"][stale],
                                  x[:, 2], x[:, 3])  # fmt: skip
    cand = Dormant(
        id=np.r_[dormant.id, tab["id"][stale]], t=np.r_[dormant.t, tab["t"][stale]],
        ecef=np.r_[dormant.ecef, geodetic_to_ecef(lat, lon)],
        vel=np.r_[dormant.vel, ecef_velocity(lat, lon, ve, vn)],
        sigma=np.r_[dormant.sigma, np.sqrt(0.5 * np.maximum(p[:, 0, 0] + p[:, 1, 1], 0.0))],
        alt=np.r_[dormant.alt, tab["z"][stale, 0]],
    )  # fmt: skip
    one = np.array([t])
    _, j = stitch(cand, stitcher.config, max_speed_mps, one, one, here, np.array([acc]),
                  np.array([alt]))  # fmt: skip
    if not len(j):
        return -1
    k = int(j[0])
    tid = int(cand.id[k])
    if k < len(dormant):
        keep = np.ones(len(dormant), dtype=bool)
        keep[k] = False
        dormant.take_out(keep)
        state.count("claimed", 1)
        return tid
    return hand_over(state, int(stale[k - len(dormant)]))


def hand_over(state: FusedState, row: int) -> int:
    """The track at table ``row`` leaves the multi-target part silently (a keyed track
    takes it over, :meth:`~airsentry.tracking.mtt.FusedTracker.claim`); returns its id."""
    tab = state.table
    tid = int(tab["id"][row])
    keep = np.ones(len(tab), dtype=bool)
    keep[row] = False
    state.hints.forget_tracks(np.array([tid]))
    tab.keep(keep)
    state.count("claimed", 1)
    return tid
