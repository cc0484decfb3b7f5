"""Rule-based classification of tracks: what each object is, how sure, and why.

:class:`TrackClassifier` turns the tracker's output into a class per row
(:class:`~airsentry.model.TargetClass`), a confidence in [0, 1] and the reasons an
operator needs to trust it. The rules (``identify.rules``) look at the row's kinematics,
its transponder and identity, its ADS-B emitter category, and at what the track has
shown before: each track keeps small running statistics (fastest speed, latest
altitude and category, whether a transponder was ever heard, number of updates).

Stickiness: a track holds, for every class, the highest confidence any of its rows has
given that class. Each row takes the class with the highest held confidence (ties go
to the row's own rule), so one noisy row cannot flip a class that better rows
established, while stronger evidence (an ADS-B category, Remote ID, a faster cue set)
takes over at once. A class is dropped for good once the track has flown faster than
that class can (``cues.MAX_SPEED``): a "drone" that reaches 250 m/s was not a drone.

Everything runs over whole columns: rows are grouped by track with one stable sort and
the running statistics are grouped cumulative maxima (``identify.grouped``). Python loops
run only over the eight classes and over the few rows that establish a new class for a
track, which is when reason strings are built; other rows reuse those tuples.

This is a deliberately simple, explainable baseline: issue 6 replaces it with a
calibrated classifier trained on labelled tracks, behind the same interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from airsentry.columns import cells
from airsentry.identify import callsign, icao
from airsentry.identify.cues import CLASSES, LEVELS, MAX_SPEED, Cues, category_classes, manned_hint
from airsentry.identify.grouped import (
    group_start,
    grouped_best,
    grouped_cummax,
    grouped_cumsum,
    grouped_last,
)
from airsentry.identify.manoeuvre import (
    ManoeuvreMemory,
    Manoeuvres,
    manoeuvres,
    speed_spread,
    velocity_sigma,
)
from airsentry.identify.memory import SortedRows, TrackMemory
from airsentry.identify.reasons import reasons
from airsentry.identify.rules import evaluate, manoeuvre_veto
from airsentry.model import (
    EMERGENCY_SQUAWKS,
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    TargetClass,
    TrackUpdates,
)
from airsentry.order import stable_order, unique

CLASS_NAMES: ObjArray = np.array([str(c) for c in CLASSES], dtype=object)
_LIMITS = np.array([MAX_SPEED[c] for c in CLASSES], dtype=np.float64)
_K = len(CLASSES)
_EMERGENCY = sorted(EMERGENCY_SQUAWKS)


@dataclass(frozen=True, slots=True, eq=False)
class Classification:
    """Per-row result of :meth:`TrackClassifier.update`, aligned with its input rows."""

    cls: ObjArray  # TargetClass values as str
    confidence: FloatArray  # 0..1
    reasons: ObjArray  # one tuple of str per row (rows of a track share their tuple)
    # per row, computed once per run of an identity or a squawk: its ICAO address (-1:
    # none), whether it is a Remote ID serial, whether there is an identity at all,
    # whether the squawk declares an emergency; and the class as its index in
    # ``cues.CLASSES`` (``authority.target_facts`` reuses them all)
    address: IntArray | None = None
    remote_id: npt.NDArray[np.bool_] | None = None
    has_identity: npt.NDArray[np.bool_] | None = None
    emergency: npt.NDArray[np.bool_] | None = None
    code: IntArray | None = None

    def __len__(self) -> int:
        return len(self.cls)


def _per_run(
    values: ObjArray, first: npt.NDArray[np.bool_], fn: Callable[[ObjArray], npt.NDArray[Any]]
) -> npt.NDArray[Any]:
    """``fn(values)`` computed once per run of equal values (runs restart at ``first``)."""
    at, which = _runs(values, first)
    return fn(values[at])[which]


def _runs(values: ObjArray, first: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Where each run of equal values starts (runs restart at ``first``), and each row's
    run: text columns are judged per run, not per row (a track's identity, category and
    callsign rarely change)."""
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    change = first.copy()
    change[1:] |= values[1:] != values[:-1]
    return np.flatnonzero(change), np.cumsum(change) - 1


CORRELATED_UPDATES = 10.0
"""A tracking filter's velocity errors are correlated over about this many updates, so
the mean of n speeds is known to ``rms sigma / sqrt(n / CORRELATED_UPDATES)``."""

_MAN_FIELDS = fields(ManoeuvreMemory)  # the manoeuvre statistics a track's memory keeps


class TrackClassifier:
    """Classifies tracks batch by batch, remembering each track between batches.

    Feed it every :class:`~airsentry.model.TrackUpdates` in time order; call
    :meth:`forget` for tracks the tracker has dropped, so memory stays bounded.
    """

    def __init__(self) -> None:
        self._mem = TrackMemory()

    def __len__(self) -> int:
        """Number of tracks remembered."""
        return len(self._mem.ids)

    def forget(self, track_ids: npt.ArrayLike) -> None:
        """Drop the memory of ended tracks."""
        ids = np.asarray(track_ids, dtype=np.int64).reshape(-1)
        self._mem.keep(~np.isin(self._mem.ids, ids))

    def latest(self, track_ids: npt.ArrayLike) -> ObjArray:
        """The class each track holds now, from memory ("unknown" for tracks not known)."""
        ids = np.asarray(track_ids, dtype=np.int64).reshape(-1)
        mem = self._mem
        out = cells(len(ids), str(TargetClass.UNKNOWN))
        if not len(mem.ids) or not len(ids):
            return out
        pos = np.minimum(np.searchsorted(mem.ids, ids), len(mem.ids) - 1)
        known = mem.ids[pos] == ids
        veto = mem.vmax[pos][:, None] > _LIMITS[None, :]
        veto |= manoeuvre_veto(
            mem.xpdr[pos], mem.turn_max[pos], mem.climb_max[pos], manned_hint(mem.cat[pos])
        )
        held = np.where(veto, 0, mem.level[pos])
        choice = np.argmax(held, axis=1)
        firm = known & (held.max(axis=1) > 0)
        out[firm] = CLASS_NAMES[choice[firm]]
        return out

    def update(self, updates: TrackUpdates) -> Classification:
        """Classify every row of ``updates`` and fold the rows into the tracks' memory."""
        n = len(updates)
        if n == 0:
            return Classification(np.empty(0, dtype=object), np.empty(0), np.empty(0, object))
        # rows by track (stably: in time order within a track), each track a group
        tid = np.asarray(updates.track_id, dtype=np.int64)
        order = stable_order(tid)
        sorted_ids = tid[order]
        first = np.empty(n, dtype=bool)
        first[0] = True
        np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
        g = np.cumsum(first, dtype=np.int64)
        g -= 1
        start = group_start(g)
        slot_of_group = self._mem.slots(sorted_ids[first])
        s = SortedRows.take(updates.state, order)
        slot = slot_of_group[g]
        cues, address, ssum, sn, alt_ff, man, spd_lo = self._cues(s, g, slot, first, start)
        rule_idx, raw_cls, raw_level = evaluate(cues)
        spread = cues.spread()

        # Held confidence per class: the best of memory and of this batch's rows so far.
        # A class no row gives has level 0 throughout, reached first at its track's first
        # row: that is what grouped_best returns for it, without the pass (a batch of
        # airliners gives one or two classes of the eight).
        best_lvl = np.zeros((n, _K), dtype=np.int64)
        best_pos = np.repeat(start[:, None], _K, axis=1)
        for k in np.flatnonzero(np.bincount(raw_cls, minlength=_K)).tolist():
            lvl = np.where(raw_cls == k, raw_level, 0)
            best_lvl[:, k], best_pos[:, k] = grouped_best(lvl, g, LEVELS)
        mem_lvl = np.take(self._mem.level, slot, axis=0)  # 2.5x less than level[slot]
        from_mem = mem_lvl >= best_lvl  # a tie keeps the older evidence
        held = np.where(from_mem, mem_lvl, best_lvl)
        vetoed = cues.vmax[:, None] > _LIMITS[None, :]
        vetoed |= manoeuvre_veto(cues.transponder, cues.turns(), cues.climbs(), cues.manned_hint())

        # The row's own rule always counts, even for a class the track's past vetoes.
        rows = np.arange(n)
        own = vetoed[rows, raw_cls]
        held[rows[own], raw_cls[own]] = raw_level[own]
        best_pos[rows[own], raw_cls[own]] = rows[own]
        from_mem[rows[own], raw_cls[own]] = False
        vetoed[rows, raw_cls] = False
        held = np.where(vetoed, 0, held)
        score = held * 2
        score[rows, raw_cls] += 1  # ties go to the row's own rule
        choice = np.argmax(score, axis=1)

        # Reasons: built once for each row that established a class, then shared.
        last = np.flatnonzero(np.r_[np.diff(g) != 0, True])  # each track's last row
        use_batch = ~from_mem[rows, choice]
        need_last = (~from_mem[last]) & (held[last] > 0)
        need = unique(
            np.r_[best_pos[rows, choice][use_batch], best_pos[last][need_last]].astype(np.int64)
        )
        why_rows = np.empty(n, dtype=object)
        for p in need.tolist():
            why_rows[p] = reasons(
                int(rule_idx[p]),
                {
                    "speed": cues.speed[p],
                    "vmax": cues.vmax[p],
                    "alt": cues.alt[p],
                    "identity": s.identity[p],
                    "category": cues.category[p],
                    "callsign": s.callsign[p],
                    "squawk": s.squawk[p],
                    "military": bool(cues.military[p]),
                    "mean_speed": cues.mean_speed[p],
                    "hover": int(man.hover[p]),
                    "speed_cv": spread[p],
                    "turn_max": man.turn_max[p],
                    "climb_max": man.climb_max[p],
                },
            )
        mem_why = self._mem.why[slot, choice]
        row_why = np.where(use_batch, why_rows[best_pos[rows, choice]], mem_why)

        at = slot[last]
        self._mem.why[at] = np.where(from_mem[last], self._mem.why[at], why_rows[best_pos[last]])
        self._remember(at, last, {
            "vmax": cues.vmax, "alt": cues.alt, "count": cues.count, "xpdr": cues.transponder,
            "cat": cues.category, "level": held, "ssum": ssum, "vlast": spd_lo,
            "alt_raw": alt_ff, "sn": sn, "t": s.t,
            **{f.name: getattr(man, f.name) for f in _MAN_FIELDS if f.name != "t"},
        })  # fmt: skip

        back = np.empty(n, dtype=np.int64)
        back[order] = rows
        conf = held[rows, choice] / 1000.0
        return Classification(
            cls=CLASS_NAMES[choice][back],
            confidence=conf[back].astype(np.float64),
            reasons=row_why[back],  # read per event only (Identified.describe)
            address=address[back],
            remote_id=cues.remote_id[back],
            has_identity=cues.has_identity[back],
            emergency=None if cues.emergency is None else cues.emergency[back],
            code=choice[back],
        )

    def _cues(
        self,
        s: SortedRows,
        g: IntArray,
        slot: IntArray,
        first: BoolArray | None = None,
        start: IntArray | None = None,
    ) -> tuple[Cues, IntArray, FloatArray, IntArray, FloatArray, Manoeuvres, FloatArray]:
        """The rows' cues, combining this batch's running statistics with memory
        (``first``: where a track's rows start; ``start``: :func:`group_start`; both
        computed from ``g`` when not given)."""
        mem = self._mem
        n = len(g)
        if first is None:
            first = np.r_[True, g[1:] != g[:-1]] if n else np.zeros(0, dtype=bool)
        if start is None:
            start = group_start(g)
        speed = s.speed()
        # One-row spikes (a garbled speed or altitude, common in raw ADS-B) must not
        # establish a class: the cues use the smaller of a row's value and the value
        # before it, so a speed or height counts once two updates in a row show it (or
        # at a track's first update, when there is nothing to compare with). A speed
        # known to ``sigma`` counts as at least ``speed - sigma`` for the fastest speed
        # and at most ``speed + sigma`` for hovering (``identify.manoeuvre``).
        sigma = velocity_sigma(s)
        spd0 = np.nan_to_num(np.maximum(speed - sigma, 0.0), nan=0.0)
        fresh = first & (mem.count[slot] == 0)  # a track's very first row: its own value
        spd_prev = np.where(first, mem.vlast[slot], np.r_[0.0, spd0[:-1]])
        spd_prev = np.where(fresh, spd0, spd_prev)
        vmax = np.maximum(grouped_cummax(np.minimum(spd0, spd_prev), g), mem.vmax[slot])
        last_alt = grouped_last(np.isfinite(s.alt), g, start)
        alt_ff = np.where(last_alt >= 0, s.alt[np.maximum(last_alt, 0)], mem.alt_raw[slot])
        alt_prev = np.where(first, mem.alt_raw[slot], np.r_[np.nan, alt_ff[:-1]])
        alt = np.where(np.isnan(alt_prev), alt_ff, np.fmin(alt_ff, alt_prev))
        xpdr = (grouped_last(s.transponder, g, start) >= 0) | mem.xpdr[slot]
        last_cat = grouped_last(_per_run(s.category, first, lambda v: v != ""), g, start)
        cat = np.where(last_cat >= 0, s.category[np.maximum(last_cat, 0)], mem.cat[slot])
        cat = np.asarray(cat, dtype=object)
        at, which = _runs(cat, first)
        run_cls, run_conf = category_classes(cat[at])
        cat_cls, cat_conf = run_cls[which], run_conf[which]
        manned = manned_hint(cat[at])[which]  # the category judged once per run
        count = np.arange(n, dtype=np.int64) - start + 1 + mem.count[slot]
        # the identity's facts, once per run of it along a track
        ident_at, ident_of = _runs(s.identity, first)
        ident = s.identity[ident_at].astype(np.str_)
        address = icao.parse_identity(ident)
        known = np.isfinite(speed)
        ssum = grouped_cumsum(np.where(known, speed, 0.0), g, start) + mem.ssum[slot]
        sn = grouped_cumsum(known.astype(np.float64), g, start).astype(np.int64) + mem.sn[slot]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_speed = np.where(sn > 0, ssum / np.maximum(sn, 1), np.nan)
        man = manoeuvres(s, g, first, fresh, slot, self._manoeuvre_memory(), sigma, start)
        # Callsign, identity and squawk rarely change along a track: judge them where
        # they do.
        cs_kind = _per_run(s.callsign, first, callsign.kinds)
        sq_at, sq_of = _runs(s.squawk, first)
        squawks = s.squawk[sq_at]
        mil_addr = icao.is_military(address)[ident_of]
        military = mil_addr | (cs_kind == callsign.MILITARY)
        cues = Cues(
            speed=speed,
            vmax=vmax,
            alt=alt.astype(np.float64),
            transponder=xpdr,
            has_identity=(ident != "")[ident_of],
            remote_id=np.char.startswith(ident, "rid:")[ident_of],
            category=cat,
            cat_cls=cat_cls,
            cat_conf=cat_conf,
            squawk=np.asarray(squawks != "", dtype=bool)[sq_of],
            callsign=np.asarray(s.callsign != "", dtype=bool),
            count=count,
            cs_kind=cs_kind,
            military=military,
            mean_speed=mean_speed.astype(np.float64),
            hover=man.hover,
            speed_cv=speed_spread(ssum, man.s2sum, man.q2sum, sn),
            turn_max=man.turn_max,
            climb_max=man.climb_max,
            # filtered velocity errors stay correlated over ~CORRELATED_UPDATES updates
            manned=manned,
            mean_speed_sd=np.sqrt(
                man.q2sum / np.maximum(sn, 1) / np.maximum(sn / CORRELATED_UPDATES, 1.0)
            ),
            emergency=np.isin(squawks, _EMERGENCY)[sq_of],
        )
        return cues, address[ident_of], ssum, sn, alt_ff, man, spd0

    def _manoeuvre_memory(self) -> ManoeuvreMemory:
        return ManoeuvreMemory(**{f.name: getattr(self._mem, f.name) for f in _MAN_FIELDS})

    def _remember(
        self, slots: IntArray, last: IntArray, columns: dict[str, npt.NDArray[Any]]
    ) -> None:
        """Store each track's running statistics as of its last row: memory name → the
        batch's column of that statistic."""
        for name, col in columns.items():
            getattr(self._mem, name)[slots] = col[last]
