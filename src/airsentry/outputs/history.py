"""The sink that records the track log (:mod:`airsentry.incidents.tracklog`).

Each step's track updates are sampled to one state per track per slot of
``INTERVAL_S`` of event time (vectorised: a sort and a mask over the rows; Python
touches only the sampled rows) and written with the class the identifier gave them
and whether the track is inside a zone it entered unauthorised (kept from the step's
events, as the console's live picture does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from airsentry.columns import cells
from airsentry.incidents.chunks import States
from airsentry.incidents.database import Database
from airsentry.incidents.tracklog import INTERVAL_S, TrackLog
from airsentry.model import EventKind, FloatArray, IntArray
from airsentry.order import lexsort
from airsentry.step import Step


class TrackHistory:
    """A :class:`~airsentry.outputs.base.Sink` writing sampled track states to a store."""

    def __init__(self, db: Database, interval_s: float = INTERVAL_S) -> None:
        self.log = TrackLog(db)
        # it writes nothing but this store: the pipeline writes it inside the step's
        # transaction when the store is the incident book's (one commit per step)
        self.writes_to = db
        self.interval_s = interval_s
        # last slot written by track id - _base (ids only grow: the ids of tracks silent
        # for over an hour are dropped from the front when the array would grow, so it
        # holds the ids of the last hour or so, not every id of a long run)
        self._last_slot = np.full(0, -1, dtype=np.int64)
        self._base = 0
        self._violating: dict[int, set[str]] = {}

    def write(self, step: Step) -> None:
        changes: dict[int, list[tuple[float, bool, str]]] = {}
        for e in step.events:
            if e.track_id is None:
                continue
            unauthorised = e.authorised is not None and not e.authorised
            if e.kind is EventKind.SWARM or (e.kind is EventKind.ENTRY and unauthorised):
                changes.setdefault(e.track_id, []).append((e.time.timestamp(), True, e.zone_id))
            elif e.kind is EventKind.EXIT:
                changes.setdefault(e.track_id, []).append((e.time.timestamp(), False, e.zone_id))
        before = {tid: set(self._violating.get(tid, ())) for tid in changes}
        for tid, found in changes.items():
            zones = self._violating.setdefault(tid, set())
            for _, add, zone in found:
                (zones.add if add else zones.discard)(zone)
        self._write_states(step, before, changes)

    def _make_room(self, tid: IntArray, newest_slot: int) -> None:
        """Room in ``_last_slot`` for ``tid``, dropping ids whose last slot is over an
        hour before ``newest_slot`` (or never written) from the front first."""
        if not len(tid) or int(tid.max()) - self._base < len(self._last_slot):
            return
        horizon = newest_slot - int(3600.0 / self.interval_s)
        recent = np.flatnonzero(self._last_slot >= horizon)
        drop = int(recent[0]) if len(recent) else len(self._last_slot)
        drop = min(drop, max(0, int(tid.min()) - self._base))  # ids of this batch stay
        kept = self._last_slot[drop:]
        self._base += drop
        grown = np.full(max(2 * len(kept), int(tid.max()) - self._base + 16), -1, np.int64)
        grown[: len(kept)] = kept
        self._last_slot = grown

    def _write_states(
        self,
        step: Step,
        before: dict[int, set[str]],
        changes: dict[int, list[tuple[float, bool, str]]],
    ) -> None:
        for tr in step.ended:
            self._violating.pop(tr.track_id, None)
        u = step.updates
        if not len(u):
            return
        s = u.state
        idx = np.flatnonzero(np.isfinite(s.t) & np.isfinite(s.lat) & np.isfinite(s.lon))
        if not len(idx):
            return
        tid = u.track_id[idx].astype(np.int64)
        # each track's slots are shifted by a phase of its own, so ten thousand tracks
        # do not all start a slot (and a write) in the same batch
        phase = (tid * 0.618034) % 1.0 * self.interval_s
        slot = np.floor((s.t[idx] + phase) / self.interval_s).astype(np.int64)
        order = lexsort((s.t[idx], slot, tid))  # by track, slot, time
        tid, slot = tid[order], slot[order]
        first = np.r_[True, (tid[1:] != tid[:-1]) | (slot[1:] != slot[:-1])]
        # a slot already written for the track keeps its first state
        self._make_room(tid, int(slot.max()))
        at = tid - self._base
        known = at >= 0  # below the base: a track silent for over an hour, long ended
        last = np.where(known, self._last_slot[np.maximum(at, 0)], -1)
        keep = first & (slot > last)
        pick, tid, slot = idx[order][keep], tid[keep], slot[keep]
        if not len(pick):
            return
        at = tid - self._base
        self._last_slot[at[at >= 0]] = slot[at >= 0]
        ve, vn = s.vel_e[pick], s.vel_n[pick]
        heading = np.degrees(np.arctan2(ve, vn)) % 360.0
        if len(step.classes) == len(u):
            classes = by_runs(step.classes[pick], _class_text)
        else:
            classes = cells(len(pick), "unknown")
        times = s.t[pick]
        self.log.put_states(
            States(
                track_id=tid,
                slot=slot,
                t=times,
                lat=np.round(s.lat[pick], 5),
                lon=np.round(s.lon[pick], 5),
                alt_m=_rounded(s.alt[pick], 0),
                speed_mps=_rounded(np.hypot(ve, vn), 1),
                heading_deg=_rounded(heading, 0),
                violator=self._violating_at(tid, times, before, changes),
                identity=by_runs(s.identity[pick], _cell_text),
                callsign=by_runs(s.callsign[pick], _cell_text),
                target_class=classes,
            ),
            newest=float(times.max()),
        )

    def _violating_at(
        self,
        tid: IntArray,
        times: FloatArray,
        before: dict[int, set[str]],
        changes: dict[int, list[tuple[float, bool, str]]],
    ) -> IntArray:
        """1 where the sampled row's track was inside a zone it entered unauthorised.

        ``tid`` is sorted. Tracks whose zones did not change within the step take their
        state after the step; a changed track's rows take the state after the last of
        its changes at or before the row's time (its changes replayed once, in order,
        then found per row with a binary search: no work per row and change).
        """
        now = [t for t, zones in self._violating.items() if zones]
        out = np.isin(tid, np.array(now, dtype=np.int64)).astype(np.int64)
        if not changes:
            return out
        tracks = np.fromiter(changes, dtype=np.int64, count=len(changes))
        los = np.searchsorted(tid, tracks).tolist()
        his = np.searchsorted(tid, tracks + 1).tolist()
        for track, lo, hi in zip(tracks.tolist(), los, his, strict=True):
            if lo == hi:
                continue
            found = changes[track]
            zones = set(before.get(track, ()))
            # the changes in time order (stable: same-time changes keep their order)
            when: list[float] = []
            state = [bool(zones)]
            for at, add, zone in sorted(found, key=_change_time):
                (zones.add if add else zones.discard)(zone)
                when.append(at)
                state.append(bool(zones))
            out[lo:hi] = np.array(state, dtype=np.int64)[
                np.searchsorted(when, times[lo:hi], side="right")
            ]
        return out

    def close(self) -> None:
        pass


def _change_time(change: tuple[float, bool, str]) -> float:
    return change[0]


def _rounded(x: FloatArray, digits: int) -> FloatArray:
    """``x`` rounded, NaN where it is not finite (unknown: SQL NULL when read back)."""
    out: FloatArray = np.where(np.isfinite(x), np.round(x, digits), np.nan)
    return out


def _cell_text(v: object) -> str:
    """A text cell as stored: ``str``, empty for None or blank."""
    return str(v) if v else ""


def _class_text(c: object) -> str:
    """A class as stored: its text, ``unknown`` when it has none."""
    return str(c) or "unknown"


def by_runs(x: np.ndarray, convert: Callable[[object], str]) -> np.ndarray:
    """``[convert(v) for v in x]`` as an object array, ``convert`` called once per run of
    equal cells, not per cell: the sampled states come by track then time, so a track's
    identity, callsign and class are a few runs (the cells of a run are equal, so their
    text is). The runs' texts are spread back over the rows by ``np.repeat``."""
    n = len(x)
    if not n:
        return np.empty(0, dtype=object)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    texts = np.empty(len(starts), dtype=object)
    texts[:] = [convert(v) for v in x[starts].tolist()]
    out: np.ndarray = np.repeat(texts, np.diff(np.r_[starts, n]))
    return out
