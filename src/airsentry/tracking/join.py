"""Joining reports to keyed tracks: which identity (or sensor track) a position belongs to.

The combined tracker (:mod:`~airsentry.tracking.combined`) keeps the tracks of objects
that name themselves (ICAO address, Remote ID serial, a radar's own track number) by
key, and must decide for an anonymous plot, or for the first reports of a new sensor
track number, whether they are an object it already tracks. :func:`match` answers for
many query positions at once against the recent rows of the keyed tracks (a few kept
rows per track, :mod:`~airsentry.tracking.recent`, and the batch's own):

1. candidate (query, row) pairs from a k-d tree over position and scaled time (a row
   ``time_scale_mps`` x seconds away counts as that many metres away);
2. per pair, the keyed track's position at the query's time: interpolated between the
   two rows of the track that bracket it (at most ``max_gap_s`` apart), else
   extrapolated from the nearest row with its velocity (at most ``extrapolate_s``);
3. the squared horizontal distance normalised by the query's and the row's accuracies
   plus the motion allowed in between (white acceleration ``sigma_a``), a loose
   vertical check, and the best row per (query, track).

Everything is vectorised over pairs; the distance is on the ellipsoid surface (ECEF of
the geodetic position at height 0), with the vertical part removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from airsentry.model import FloatArray, IntArray, ObjArray
from airsentry.order import unique_inverse
from airsentry.tracking.base import factorize
from airsentry.tracking.kalman import geodetic_to_ecef

_EMPTY_I = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class JoinConfig:
    """Gates of joining plots and new sensor tracks to keyed tracks."""

    gate: float = 16.0  # squared normalised horizontal distance (chi-square 2 dof, 99.97 %)
    max_gap_s: float = 30.0  # longest interval interpolated between two rows of a track
    extrapolate_s: float = 12.0  # furthest extrapolation from a track's nearest row
    sigma_a: float = 3.0  # m/s^2: manoeuvre allowed between rows
    alt_gate_m: float = 600.0  # altitudes (where both known) may differ by this much
    default_accuracy_m: float = 150.0  # rows that state no accuracy
    min_accuracy_m: float = 5.0
    time_scale_mps: float = 400.0  # k-d tree time axis: metres per second of time
    search_m: float = 8_000.0  # k-d tree search radius (position and scaled time)
    scan_s: float = 2.0  # a track takes at most one plot per sensor within this


@dataclass(frozen=True, slots=True)
class Rows:
    """Reference rows of keyed tracks, sorted by (code, t): ``code`` numbers the key."""

    t: FloatArray
    ecef: FloatArray
    vel: FloatArray  # ECEF velocity (NaN where the row has none)
    alt: FloatArray
    acc: FloatArray
    code: IntArray

    @classmethod
    def of(
        cls, t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray, vel_e: FloatArray,
        vel_n: FloatArray, acc: FloatArray, code: IntArray, cfg: JoinConfig,
    ) -> Rows:  # fmt: skip
        order = np.lexsort((t, code))
        t, lat, lon, alt = t[order], lat[order], lon[order], alt[order]
        ve, vn, code = vel_e[order], vel_n[order], code[order]
        la, lo = np.radians(lat), np.radians(lon)
        east = np.column_stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)])
        north = np.column_stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)])
        vel = east * ve[:, None] + north * vn[:, None]
        return cls(t, geodetic_to_ecef(lat, lon), vel, alt, accuracy(acc[order], cfg), code)

    def __len__(self) -> int:
        return len(self.t)


def accuracy(acc: FloatArray, cfg: JoinConfig) -> FloatArray:
    """Stated accuracies with the default for unstated ones and a floor."""
    return np.maximum(np.where(np.isfinite(acc), acc, cfg.default_accuracy_m), cfg.min_accuracy_m)


def match(
    ref: Rows, t: FloatArray, ecef: FloatArray, alt: FloatArray, acc: FloatArray, cfg: JoinConfig
) -> tuple[IntArray, IntArray, FloatArray]:
    """Gated (query, code, d2): for each query and keyed track near it, the smallest
    squared normalised distance between the query and the track's position at the
    query's time (``acc`` already defaulted)."""
    if not len(ref) or not len(t):
        return _EMPTY_I, _EMPTY_I, np.empty(0)
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # on first use

    t0 = float(ref.t[0])
    k = cfg.time_scale_mps
    tree = cKDTree(np.column_stack([ref.ecef, k * (ref.t - t0)]))
    lists = tree.query_ball_point(np.column_stack([ecef, k * (t - t0)]), r=cfg.search_m)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    if not counts.sum():
        return _EMPTY_I, _EMPTY_I, np.empty(0)
    qi = np.repeat(np.arange(len(t)), counts)
    r = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    dt = t[qi] - ref.t[r]
    # the neighbour row of the same track on the other side of the query's time
    n = np.clip(np.where(dt > 0, r + 1, r - 1), 0, len(ref) - 1)
    gap = ref.t[n] - ref.t[r]
    brackets = (
        (n != r) & (ref.code[n] == ref.code[r]) & (dt * gap >= 0) & (np.abs(gap) >= np.abs(dt))
    )
    brackets &= (np.abs(gap) <= cfg.max_gap_s) & (gap != 0)
    w = np.where(brackets, dt / np.where(gap != 0, gap, 1.0), 0.0)
    interp = ref.ecef[r] + w[:, None] * (ref.ecef[n] - ref.ecef[r])
    var_i = (cfg.sigma_a * gap**2 / 8.0) ** 2 + np.maximum(ref.acc[r], ref.acc[n]) ** 2
    has_v = np.isfinite(ref.vel[r]).all(axis=1)
    extra = ref.ecef[r] + np.where(has_v[:, None], ref.vel[r], 0.0) * dt[:, None]
    var_e = (0.5 * cfg.sigma_a * dt**2) ** 2 + (2.0 * dt) ** 2 + ref.acc[r] ** 2
    var_e = np.where(has_v, var_e, var_e + (60.0 * dt) ** 2)
    pos = np.where(brackets[:, None], interp, extra)
    var = np.where(brackets, var_i, var_e) + acc[qi] ** 2
    ok = brackets | (np.abs(dt) <= cfg.extrapolate_s)
    diff = ecef[qi] - pos
    up = ecef[qi] / np.linalg.norm(ecef[qi], axis=1)[:, None]
    horiz = diff - np.einsum("ki,ki->k", diff, up)[:, None] * up
    d2 = np.einsum("ki,ki->k", horiz, horiz) / var
    dz = np.abs(alt[qi] - ref.alt[r])
    ok &= ~(dz > cfg.alt_gate_m) & (d2 < cfg.gate)  # NaN altitudes pass
    qi, code, d2 = qi[ok], ref.code[r[ok]], d2[ok]
    if not len(qi):
        return _EMPTY_I, _EMPTY_I, np.empty(0)
    # best row per (query, track)
    order = np.lexsort((d2, code, qi))
    qi, code, d2 = qi[order], code[order], d2[order]
    first = np.r_[True, (qi[1:] != qi[:-1]) | (code[1:] != code[:-1])]
    return qi[first], code[first], d2[first]


def best_per_query(
    qi: IntArray, code: IntArray, d2: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """The nearest track of each query among gated pairs."""
    order = np.lexsort((d2, qi))
    qi, code, d2 = qi[order], code[order], d2[order]
    first = np.r_[True, qi[1:] != qi[:-1]] if len(qi) else np.empty(0, dtype=bool)
    return qi[first], code[first], d2[first]


def one_per_scan(
    qi: IntArray, code: IntArray, d2: FloatArray, t: FloatArray, sensor: IntArray, scan_s: float
) -> IntArray:
    """Positions (into ``qi``) of the pairs kept when each track takes at most one query
    per sensor per ``scan_s`` (the nearest): the second drone beside a tracked one, in the
    scan where the tracked one was missed, is not taken for it."""
    if not len(qi):
        return _EMPTY_I
    bucket = np.floor(t[qi] / scan_s).astype(np.int64)
    order = np.lexsort((d2, bucket, sensor[qi], code))
    c, s, b = code[order], sensor[qi][order], bucket[order]
    first = np.r_[True, (c[1:] != c[:-1]) | (s[1:] != s[:-1]) | (b[1:] != b[:-1])]
    return np.sort(order[first])


def prefer_fine(ref: Rows, fine_m: float, hold_s: float = 30.0) -> Rows:
    """``ref`` without the rough rows (stated accuracy over ``fine_m``) of a track that
    has a fine row within ``hold_s`` of them: a passive RF or acoustic row aliased to a
    radar-tracked drone lies kilometres along its bearing, and as a join reference its
    gate took a clutter plot 9 km from the drone (drone wall: the track jumped across the
    border). Where the track has no fine row that close, its rough rows are all that
    place it and stay (the rows the track shows, :class:`RoughRows`): a drone whose
    radar plots lapsed for half a minute while its RF node still heard it had its next
    plots matched against the fine rows of before the lapse only (kept from an earlier
    batch), beyond the join's reach, and they started a second object beside the RF
    node's track (drone wall, plots variant)."""
    fine = ~(ref.acc > fine_m)
    if fine.all() or not fine.any():
        return ref
    rough = np.flatnonzero(~fine)
    keep = fine.copy()
    keep[rough] = _gap_to(ref.code[fine], ref.t[fine], ref.code[rough], ref.t[rough]) > hold_s
    return Rows(ref.t[keep], ref.ecef[keep], ref.vel[keep], ref.alt[keep], ref.acc[keep],
                ref.code[keep])  # fmt: skip


@dataclass(slots=True)
class RoughRows:
    """Which output rows of keyed tracks are too rough to show beside fine ones.

    A keyed track's rows are its reports as measured; a passive sensor's report (an RF
    detector's object aliased to the radar track of the drone it hears) puts the drone
    where its bearing meets a range known to 20 %, kilometres from the radar's fix. Shown
    as the track's position it made the drone jump back and forth across a border
    (entries and exits of a zone the drone never entered). A row of stated accuracy over
    ``fine_m`` within ``hold_s`` of a fine row of its track is therefore not output: the
    track still lives on it (the keyed part keeps it), but its position is the fine
    rows'. A track seen only by rough sensors shows its rough rows."""

    fine_m: float = 500.0
    hold_s: float = 30.0
    last_fine: dict[int, float] = field(default_factory=dict)  # track id -> newest fine row

    def shown(self, track_id: IntArray, t: FloatArray, acc: FloatArray) -> np.ndarray:
        """Mask of the rows to output (a batch may span minutes: each rough row is judged
        by the nearest fine row of its track in time); remembers the newest fine ones."""
        fine = ~(acc > self.fine_m)  # NaN accuracy counts as fine (unstated)
        rough = np.flatnonzero(~fine)
        out = np.ones(len(t), dtype=bool)
        if len(rough) and (fine.any() or self.last_fine):
            known = np.array(list(self.last_fine.items()), dtype=np.float64).reshape(-1, 2)
            f_id = np.concatenate([track_id[fine], known[:, 0].astype(np.int64)])
            f_t = np.concatenate([t[fine], known[:, 1]])
            out[rough] = _gap_to(f_id, f_t, track_id[rough], t[rough]) > self.hold_s
        if fine.any():
            ids, inv = unique_inverse(track_id[fine])
            newest = np.full(len(ids), -np.inf)
            np.maximum.at(newest, inv.reshape(-1), t[fine])
            for k, v in zip(ids.tolist(), newest.tolist(), strict=True):
                self.last_fine[k] = max(v, self.last_fine.get(k, -np.inf))
            if len(self.last_fine) > 4096:  # forget the long gone
                now = float(t.max()) - self.hold_s
                self.last_fine = {k: v for k, v in self.last_fine.items() if v >= now}
        return out


def _gap_to(f_id: IntArray, f_t: FloatArray, q_id: IntArray, q_t: FloatArray) -> FloatArray:
    """Per query (``q_id``, ``q_t``), the time to the nearest row (``f_id``, ``f_t``) of
    the same id; inf where the id has none."""
    ids = np.unique(np.concatenate([f_id, q_id]))
    t0 = float(min(f_t.min(), q_t.min()))
    span = float(max(f_t.max(), q_t.max())) - t0 + 1.0
    fk = np.searchsorted(ids, f_id) * span + (f_t - t0)
    qk = np.searchsorted(ids, q_id) * span + (q_t - t0)
    order = np.argsort(fk)
    fk, fid = fk[order], f_id[order]
    pos = np.searchsorted(fk, qk)
    gap = np.full(len(qk), np.inf)
    for side in (pos - 1, pos):  # the fine rows just before and just after
        ok = (side >= 0) & (side < len(fk))
        s = side[ok]
        same = fid[s] == q_id[ok]
        d = np.where(same, np.abs(fk[s] - qk[ok]), np.inf)
        gap[ok] = np.minimum(gap[ok], d)
    return gap


def reach(cfg: JoinConfig) -> JoinConfig:
    """``cfg`` extrapolating keyed rows as far as it interpolates (``max_gap_s``)."""
    more = cfg.time_scale_mps * (cfg.max_gap_s - cfg.extrapolate_s)  # k-d tree time axis
    return replace(cfg, extrapolate_s=cfg.max_gap_s, search_m=cfg.search_m + more)


def match_reaching(
    ref: Rows, t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray,
    acc: FloatArray, cfg: JoinConfig, rough_m: float,
) -> tuple[IntArray, IntArray]:  # fmt: skip
    """Gated (query, code) pairs, time-sorted by query, of the first rows of new sensor
    numbers; a rough row (a passive sensor's, over ``rough_m``) reaches ``max_gap_s``
    ahead of the keyed rows (:func:`reach`): the air picture's track of a drone had a
    40 s gap where an RF node first heard it, its rows matched nothing, and the node's
    number became a second object (drone wall seed 4)."""
    ecef = geodetic_to_ecef(lat, lon)
    rough = acc > rough_m
    parts_q, parts_c = [], []
    for rows, c in ((np.flatnonzero(~rough), cfg), (np.flatnonzero(rough), reach(cfg))):
        if len(rows):
            qi, code, _ = match(ref, t[rows], ecef[rows], alt[rows], acc[rows], c)
            parts_q.append(rows[qi])
            parts_c.append(code)
    if not parts_q:
        return _EMPTY_I, _EMPTY_I
    qi, code = np.concatenate(parts_q), np.concatenate(parts_c)
    order = np.argsort(qi, kind="stable")
    return qi[order], code[order]


def resolve_chains(alias: dict[str, str]) -> None:
    """Point every alias at the end of its chain: two new numbers of one drone in one
    batch (an RF node's aliased to another node's, that one to the radar track) made
    ``a -> b -> radar``, and ``a``'s rows became a second track under ``b`` (drone wall:
    a drone counted twice). A cycle is left at its first repeat."""
    for key in list(alias):
        seen = {key}
        target = alias[key]
        while target in alias and target not in seen:
            seen.add(target)
            target = alias[target]
        if target != key:
            alias[key] = target


def near_times(t: FloatArray, times: FloatArray, margin: float) -> np.ndarray:
    """Rows of the time-sorted ``t`` within ``margin`` of any of ``times``."""
    lo = np.searchsorted(t, times - margin, side="left")
    hi = np.searchsorted(t, times + margin, side="right")
    cover = np.zeros(len(t) + 1, dtype=np.int64)
    np.add.at(cover, lo, 1)
    np.add.at(cover, hi, -1)
    return np.asarray(np.cumsum(cover)[:-1] > 0)


def rank_within(inv: IntArray) -> IntArray:
    """0 for the first occurrence of each group in ``inv``, 1 for the second..."""
    order = np.argsort(inv, kind="stable")
    s = inv[order]
    start = np.r_[True, s[1:] != s[:-1]] if len(s) else np.empty(0, dtype=bool)
    run_start = np.maximum.accumulate(np.where(start, np.arange(len(s)), 0))
    rank = np.empty(len(s), dtype=np.int64)
    rank[order] = np.arange(len(s)) - run_start
    return rank


def first_times(keys: ObjArray, t: np.ndarray) -> dict[str, float]:
    """The earliest time ``t`` of each distinct key."""
    uniq, inv = factorize(keys)
    first = np.full(len(uniq), np.inf)
    np.minimum.at(first, inv, t)
    return dict(zip((str(k) for k in uniq), first.tolist(), strict=True))
