"""The sink that records the track log (:mod:`airsentry.incidents.tracklog`).

Each step's track updates are sampled to one state per track per slot of
``INTERVAL_S`` of event time (vectorised: a sort and a mask over the rows; Python
touches only the sampled rows) and written with the class the identifier gave them
and whether the track is inside a zone it entered unauthorised (kept from the step's
events, as the console's live picture does).
"""

from __future__ import annotations

import numpy as np

from airsentry.incidents.database import Database
from airsentry.incidents.tracklog import INTERVAL_S, Row, TrackLog
from airsentry.model import EventKind
from airsentry.step import Step


class TrackHistory:
    """A :class:`~airsentry.outputs.base.Sink` writing sampled track states to a store."""

    def __init__(self, db: Database, interval_s: float = INTERVAL_S) -> None:
        self.log = TrackLog(db)
        self.interval_s = interval_s
        self._last_slot: dict[int, int] = {}
        self._violating: dict[int, set[str]] = {}

    def write(self, step: Step) -> None:
        for e in step.events:
            if e.track_id is None:
                continue
            if e.kind is EventKind.SWARM or (e.kind is EventKind.ENTRY and e.authorised is False):
                self._violating.setdefault(e.track_id, set()).add(e.zone_id)
            elif e.kind is EventKind.EXIT and e.track_id in self._violating:
                self._violating[e.track_id].discard(e.zone_id)
        for tr in step.ended:
            self._last_slot.pop(tr.track_id, None)
            self._violating.pop(tr.track_id, None)
        u = step.updates
        if not len(u):
            return
        s = u.state
        ok = np.isfinite(s.t) & np.isfinite(s.lat) & np.isfinite(s.lon)
        idx = np.flatnonzero(ok)
        if not len(idx):
            return
        slot = np.floor(s.t[idx] / self.interval_s).astype(np.int64)
        tid = u.track_id[idx].astype(np.int64)
        order = np.lexsort((s.t[idx], slot, tid))  # by track, slot, time
        first = np.r_[True, (tid[order][1:] != tid[order][:-1]) | (slot[order][1:] != slot[order][:-1])]
        pick = idx[order[first]]
        slots = slot[order[first]].tolist()
        speed = np.hypot(s.vel_e[pick], s.vel_n[pick])
        heading = np.degrees(np.arctan2(s.vel_e[pick], s.vel_n[pick])) % 360.0
        classes = step.classes[pick] if len(step.classes) == len(u) else None
        rows: list[Row] = []
        for k, i in enumerate(pick.tolist()):
            track = int(u.track_id[i])
            if self._last_slot.get(track, -1) >= slots[k]:
                continue
            self._last_slot[track] = slots[k]
            rows.append(
                (
                    slots[k],
                    track,
                    float(s.t[i]),
                    round(float(s.lat[i]), 5),
                    round(float(s.lon[i]), 5),
                    _opt(float(s.alt[i]), 0),
                    _opt(float(speed[k]), 1),
                    _opt(float(heading[k]), 0),
                    str(s.identity[i] or ""),
                    str(s.callsign[i] or ""),
                    str(classes[k]) if classes is not None and classes[k] else "unknown",
                    int(bool(self._violating.get(track))),
                )
            )
        self.log.put(rows)

    def close(self) -> None:
        pass


def _opt(x: float, digits: int) -> float | None:
    return round(x, digits) if np.isfinite(x) else None
