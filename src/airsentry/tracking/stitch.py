"""Track stitching: an anonymous object out of sight for minutes is still the same object.

A drone that flies behind a hill, or below a radar's horizon, loses its track: the
multi-target tracker deletes a track whose position uncertainty has grown past what
association can use (``Management.max_sigma_m``, some 40-60 s of coasting). When the
drone shows again, a new track starts; without stitching it is a second object and an
incident counts two drones where there was one.

Instead, an anonymous confirmed track that ends is kept *dormant* for ``window_s`` (its
last state, its uncertainty, a :class:`~airsentry.model.Track` snapshot). A track that is
newly confirmed takes over the id of a dormant track it could be (the old id is
restored, so everything downstream sees one object) when:

* it started after the dormant track's last update;
* its position lies within the dormant track's *reachable disc*: the distance from the
  last position is at most ``vmax * dt`` plus three combined sigmas of the two
  positions, where ``vmax`` is the top speed of the dormant track's class as the tracker
  can judge it from its own speed (``speed_factor`` times it plus ``speed_margin_mps``,
  at least ``min_vmax_mps``, at most the tracker's ``max_speed_mps``);
* it lies within ``k_sigma`` of the dead-reckoned position, or of the circle the
  dormant track's speed reaches in any direction (a drone that turned a corner of its
  zig-zag while out of sight: dead reckoning sent it kilometres the wrong way and the
  object was counted twice), the distance normalised by
  the time-scaled predicted uncertainty ``sqrt(sigma^2 + (sigma_v dt)^2 + (a dt^2 / 2)^2)``
  (``a``: a sustained acceleration), and its altitude is within ``alt_margin_m`` plus a
  climb of ``climb_mps`` over the gap (a fighter at 9 km is not the airliner climbing
  out below it);
* among candidates, the nearest to the dead reckoning wins; each dormant track is
  taken at most once.

Only when a dormant track's window passes does the tracker report it ended. This
follows the track-segment association of Blackman & Popoli (*Design and Analysis of
Modern Tracking Systems*, 1999, sec. 9.4), with a kinematic gate in place of the
likelihood of the full covariance (which after minutes of coasting says little).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from airsentry.model import FloatArray, IntArray, Track
from airsentry.tracking.base import Ended
from airsentry.tracking.fusion import HintTable
from airsentry.tracking.kalman import geodetic_to_ecef
from airsentry.tracking.table import TrackTable


@dataclass(frozen=True, slots=True)
class StitchConfig:
    window_s: float = 600.0  # how long an anonymous track stays dormant
    speed_factor: float = 1.5  # the class's top speed: this times the track's own speed ...
    speed_margin_mps: float = 15.0  # ... plus this (a hovering drone may still dash off)
    min_vmax_mps: float = 20.0
    sigma_v_mps: float = 5.0  # velocity uncertainty that scales the prediction's sigma
    accel_mps2: float = 0.3  # sustained acceleration the dead reckoning allows for
    k_sigma: float = 3.0  # the new track lies within this many sigmas of the dead reckoning
    alt_margin_m: float = 600.0  # altitudes (where known) differ by at most this ...
    climb_mps: float = 15.0  # ... plus this climb or descent rate over the gap
    # a newly confirmed track takes over a young confirmed track coasting where it is
    coast_s: float = 30.0  # the young track coasted at most this long
    young: int = 10  # ... and has had at most this many opportunities


@dataclass(slots=True)
class Dormant:
    """Anonymous tracks that ended, kept for stitching (columns, one row per track)."""

    id: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    t: FloatArray = field(default_factory=lambda: np.empty(0))
    ecef: FloatArray = field(default_factory=lambda: np.empty((0, 3)))
    vel: FloatArray = field(default_factory=lambda: np.empty((0, 3)))  # ECEF velocity
    sigma: FloatArray = field(default_factory=lambda: np.empty(0))
    alt: FloatArray = field(default_factory=lambda: np.empty(0))
    tracks: list[Track] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.id)

    def add(
        self, tracks: list[Track], reasons: list[str], sigma: FloatArray,
        end: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
    ) -> None:  # fmt: skip
        """Keep ``tracks`` dormant; ``end``: their end states (lat, lon, east and north
        velocity) where not the snapshots' (robustend.py)."""
        if not tracks:
            return
        if end is None:
            lat = np.array([tr.lat for tr in tracks])
            lon = np.array([tr.lon for tr in tracks])
            ve = np.array([tr.vel_e for tr in tracks])
            vn = np.array([tr.vel_n for tr in tracks])
        else:
            lat, lon, ve, vn = end
        ve, vn = np.nan_to_num(ve), np.nan_to_num(vn)
        self.id = np.concatenate([self.id, [tr.track_id for tr in tracks]]).astype(np.int64)
        self.t = np.concatenate([self.t, [tr.last_seen for tr in tracks]])
        self.ecef = np.concatenate([self.ecef, geodetic_to_ecef(lat, lon)])
        self.vel = np.concatenate([self.vel, ecef_velocity(lat, lon, ve, vn)])
        self.sigma = np.concatenate([self.sigma, sigma])
        self.alt = np.concatenate([self.alt, [tr.alt for tr in tracks]])
        self.tracks += tracks
        self.reasons += reasons

    def extend(self, other: Dormant) -> None:
        """Append ``other``'s rows (their states as they are)."""
        self.id = np.concatenate([self.id, other.id])
        self.t = np.concatenate([self.t, other.t])
        self.ecef = np.concatenate([self.ecef, other.ecef])
        self.vel = np.concatenate([self.vel, other.vel])
        self.sigma = np.concatenate([self.sigma, other.sigma])
        self.alt = np.concatenate([self.alt, other.alt])
        self.tracks += other.tracks
        self.reasons += other.reasons

    def rename(self, ids: IntArray, new_ids: IntArray) -> None:
        """The rows of ``ids`` go on as ``new_ids`` (the objects they continue)."""
        hit = np.isin(self.id, ids)
        if not hit.any():
            return
        self.id = remap(self.id, ids, new_ids)
        for k in np.flatnonzero(hit).tolist():
            self.tracks[k] = replace(self.tracks[k], track_id=int(self.id[k]))

    def take_out(self, keep: np.ndarray) -> list[tuple[Track, str]]:
        """Drop the rows not in ``keep``; return their tracks and end reasons."""
        gone = [(self.tracks[i], self.reasons[i]) for i in np.flatnonzero(~keep)]
        self.id, self.t, self.ecef = self.id[keep], self.t[keep], self.ecef[keep]
        self.vel, self.sigma, self.alt = self.vel[keep], self.sigma[keep], self.alt[keep]
        self.tracks = [tr for tr, k in zip(self.tracks, keep, strict=True) if k]
        self.reasons = [r for r, k in zip(self.reasons, keep, strict=True) if k]
        return gone


def ecef_velocity(lat: FloatArray, lon: FloatArray, ve: FloatArray, vn: FloatArray) -> FloatArray:
    """ECEF velocity vectors of east/north velocities at (lat, lon)."""
    la, lo = np.radians(lat), np.radians(lon)
    east = np.column_stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)])
    north = np.column_stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)])
    out: FloatArray = east * ve[:, None] + north * vn[:, None]
    return out


def stitch(
    dormant: Dormant, cfg: StitchConfig, max_speed_mps: float, t: FloatArray, first_t: FloatArray,
    ecef: FloatArray, sigma: FloatArray, alt: FloatArray, until: FloatArray | None = None,
) -> tuple[IntArray, IntArray]:  # fmt: skip
    """Pairs (new track index, dormant row) of newly confirmed tracks (position ``ecef``
    and uncertainty ``sigma`` at ``t``, started at ``first_t``) and the dormant tracks
    they continue; greedy one-to-one by normalised distance to the dead reckoning.
    ``until``: per dormant row, the latest start of a track that may continue it."""
    empty = np.empty(0, dtype=np.int64)
    if not len(dormant) or not len(t):
        return empty, empty
    dt = t[:, None] - dormant.t[None, :]
    after = first_t[:, None] > dormant.t[None, :]
    if until is not None:
        after &= first_t[:, None] <= until[None, :]
    speed = np.linalg.norm(dormant.vel, axis=1)
    vmax = np.clip(
        np.maximum(cfg.speed_factor * speed, speed + cfg.speed_margin_mps),
        cfg.min_vmax_mps,
        max_speed_mps,
    )
    sig2 = sigma[:, None] ** 2 + dormant.sigma[None, :] ** 2
    dist = np.linalg.norm(ecef[:, None, :] - dormant.ecef[None, :, :], axis=2)
    reach = after & (dist <= vmax[None, :] * np.maximum(dt, 0.0) + 3.0 * np.sqrt(sig2))
    pred = dormant.ecef[None, :, :] + dormant.vel[None, :, :] * dt[:, :, None]
    miss = np.linalg.norm(ecef[:, None, :] - pred, axis=2)
    var = sig2 + (cfg.sigma_v_mps * dt) ** 2 + (0.5 * cfg.accel_mps2 * dt**2) ** 2
    # or it flew its speed but turned (a zig-zag corner while out of sight): the new
    # track lies on the circle of radius speed * dt around the last position
    ring = np.abs(dist - speed[None, :] * np.maximum(dt, 0.0))
    cost = np.minimum(miss, ring) ** 2 / var
    climb = np.abs(alt[:, None] - dormant.alt[None, :])
    level = ~(climb > cfg.alt_margin_m + cfg.climb_mps * np.abs(dt))  # NaN altitudes pass
    cost = np.where(reach & level & (cost <= cfg.k_sigma**2), cost, np.inf)
    new_i, dorm_j = [], []
    while np.isfinite(cost).any():  # one round per stitched pair: a handful at a time
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        new_i.append(int(i))
        dorm_j.append(int(j))
        cost[i, :] = np.inf
        cost[:, j] = np.inf
    return np.array(new_i, dtype=np.int64), np.array(dorm_j, dtype=np.int64)


@dataclass(eq=False)
class Stitcher:
    """The multi-target tracker's stitching part: dormant tracks, and the ids already
    reported (a track is *newly* confirmed when its id first reaches the output)."""

    config: StitchConfig = field(default_factory=StitchConfig)
    dormant: Dormant = field(default_factory=Dormant)
    announced: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    stitched: int = 0

    def retire(
        self, tracks: list[Track], reasons: list[str], sigma: FloatArray,
        end: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
    ) -> None:  # fmt: skip
        """Anonymous confirmed tracks that ended: dormant until their window passes."""
        self.dormant.add(tracks, reasons, sigma, end)

    def expire(self, now: float) -> list[Ended]:
        """Dormant tracks whose window has passed: now they have ended."""
        if not len(self.dormant):
            return []
        gone = self.dormant.take_out(now - self.dormant.t <= self.config.window_s)
        return [Ended(tr, reason) for tr, reason in gone]

    def flush(self) -> list[Ended]:
        gone = self.dormant.take_out(np.zeros(len(self.dormant), dtype=bool))
        self.announced = np.empty(0, dtype=np.int64)
        return [Ended(tr, reason) for tr, reason in gone]

    def on_output(
        self, table: TrackTable, hints: HintTable, tids: IntArray, max_speed_mps: float
    ) -> IntArray:
        """Give newly confirmed anonymous tracks among ``tids`` (one scan's output ids) the
        id of the track they continue: a young confirmed track coasting where the new one
        is (its plots went to the new one), else a dormant one; returns the output ids,
        renamed."""
        if not len(tids):
            return tids
        uniq = np.unique(tids)
        new = uniq[~np.isin(uniq, self.announced)]
        if len(new):
            tids = self._take_over(table, hints, tids, new, max_speed_mps)
            uniq = np.unique(tids)
            new = uniq[~np.isin(uniq, self.announced)]
        if len(new) and len(self.dormant):
            rows = table.rows_of(new)
            anon = table["identity"][rows] == ""
            new, rows = new[anon], rows[anon]
            p = np.einsum("km,kmij->kij", table["mu"][rows], table["P"][rows])
            sigma = np.sqrt(0.5 * np.maximum(p[:, 0, 0] + p[:, 1, 1], 0.0))
            ecef = geodetic_to_ecef(table["lat"][rows], table["lon"][rows])
            i, j = stitch(self.dormant, self.config, max_speed_mps, table["t"][rows],
                          table["first_t"][rows], ecef, sigma, table["z"][rows, 0])  # fmt: skip
            if len(i):
                old = self.dormant.id[j]
                table["id"][rows[i]] = old
                m = np.isin(hints.track, new[i])
                hints.track[m] = remap(hints.track[m], new[i], old)
                tids = remap(tids, new[i], old)
                keep = np.ones(len(self.dormant), dtype=bool)
                keep[j] = False
                self.dormant.take_out(keep)
                self.stitched += len(i)
        self.announced = np.union1d(self.announced, np.unique(tids))
        return tids

    def _take_over(
        self, table: TrackTable, hints: HintTable, tids: IntArray, new: IntArray,
        max_speed_mps: float,
    ) -> IntArray:  # fmt: skip
        """A new track where a young confirmed track of the same scan lost its plots is
        that track: a track confirmed on a wrong first velocity (plots of two nearby
        drones) coasts off while a tentative one on the right velocity takes its plots."""
        rows = table.rows_of(new)
        rows = rows[table["identity"][rows] == ""]
        now = float(table["t"][rows].max()) if len(rows) else 0.0
        cfg = self.config
        coasting = (
            table["confirmed"] & (table["identity"] == "") & np.isin(table["id"], self.announced)
            & (table["t"] < now) & (now - table["t"] <= cfg.coast_s) & (table["seen"] <= cfg.young)
        )  # fmt: skip
        old = np.flatnonzero(coasting)
        if not len(rows) or not len(old):
            return tids
        # the young track's reachable disc from its last update (its velocity, from plots
        # of two objects, is what went wrong), nearest first
        pos = geodetic_to_ecef(table["lat"], table["lon"])
        p = np.einsum("km,kmij->kij", table["mu"], table["P"])
        sig = np.sqrt(0.5 * np.maximum(p[:, 0, 0] + p[:, 1, 1], 0.0))
        x = np.einsum("km,kmi->ki", table["mu"], table["x"])
        speed = np.hypot(x[old, 2], x[old, 3])
        vmax = np.clip(np.maximum(cfg.speed_factor * speed, speed + cfg.speed_margin_mps),
                       cfg.min_vmax_mps, max_speed_mps)  # fmt: skip
        dist = np.linalg.norm(pos[rows][:, None, :] - pos[old][None, :, :], axis=2)
        dt = table["t"][rows][:, None] - table["t"][old][None, :]
        sig2 = sig[rows][:, None] ** 2 + sig[old][None, :] ** 2
        reach = dist <= vmax[None, :] * np.maximum(dt, 0.0) + 3.0 * np.sqrt(sig2)
        climb = np.abs(table["z"][rows, 0][:, None] - table["z"][old, 0][None, :])
        reach &= ~(climb > cfg.alt_margin_m + cfg.climb_mps * np.abs(dt))
        d2 = np.where(reach, dist**2 / sig2, np.inf)
        pairs_new, pairs_old = [], []
        while np.isfinite(d2).any():  # one round per pair taken over: rare
            i, j = np.unravel_index(int(np.argmin(d2)), d2.shape)
            pairs_new.append(int(rows[i]))
            pairs_old.append(int(old[j]))
            d2[i, :] = np.inf
            d2[:, j] = np.inf
        if not pairs_new:
            return tids
        new_ids = table["id"][pairs_new].copy()
        old_ids = table["id"][pairs_old].copy()
        hints.forget_tracks(old_ids)
        table["id"][pairs_new] = old_ids
        hints.track[:] = remap(hints.track, new_ids, old_ids)
        keep = np.ones(len(table), dtype=bool)
        keep[pairs_old] = False
        table.keep(keep)
        self.stitched += len(pairs_new)
        return remap(tids, new_ids, old_ids)

    def prune(self, live: IntArray) -> None:
        """Forget reported ids that are neither live nor dormant."""
        self.announced = self.announced[
            np.isin(self.announced, live) | np.isin(self.announced, self.dormant.id)
        ]


def remap(ids: IntArray, old: IntArray, new: IntArray) -> IntArray:
    """``ids`` with each value in ``old`` replaced by the matching ``new``."""
    order = np.argsort(old)
    pos = np.clip(np.searchsorted(old, ids, sorter=order), 0, len(old) - 1)
    hit = old[order[pos]] == ids
    return np.where(hit, new[order[pos]], ids)
