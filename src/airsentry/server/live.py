"""The live picture the console shows, and the hub that pushes it to WebSocket clients.

:class:`LivePicture` is what the pipeline thread writes after each batch (the live
tracks, which of them violate a zone, the sensors heard) and what the REST routes read.
:class:`Hub` fans messages out to every connected WebSocket: the pipeline thread
serialises a message once and hands it to the event loop; each client has a bounded
queue, and a client too slow to keep up loses its oldest track snapshots rather than
slowing the pipeline or the other clients.

Wire messages (JSON objects with a ``type``):

* ``tracks``: ``time`` (event time, ISO 8601 UTC) and ``tracks``, a list of
  ``[id, identity, callsign, class, lat, lon, alt_m, speed_mps, heading_deg, violator]``
  rows (arrays rather than objects: a thousand tracks a second is the design load);
  ``removed``: ids of tracks that ended.
* ``alert``: ``incident``, an incident as :meth:`Incident.to_dict` gives it.
* ``status``: ``time``, ``running``, ``reports``, ``events``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.model import Event, EventKind, ReportBatch, Track, isoformat

TRAIL_POINTS = 20


def _num(x: float, digits: int) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def _column(x: np.ndarray[Any, Any], digits: int) -> list[float | None]:
    """``x`` rounded to ``digits``, NaN and infinities as None (JSON has no NaN)."""
    out: list[float | None] = np.round(x, digits).tolist()
    bad = np.flatnonzero(~np.isfinite(x))
    for i in bad.tolist():
        out[i] = None
    return out


@dataclass(slots=True)
class SensorState:
    name: str
    reports: int = 0
    last_seen: float = math.nan
    silent: bool = False
    site: tuple[float, float] | None = None  # lat, lon of a sensor that measures from a site
    range_m: float = 0.0  # the longest range it measured: its coverage so far


@dataclass(slots=True)
class LivePicture:
    """Live tracks with trails, violators and sensors; guarded by one lock."""

    time: float = math.nan
    reports: int = 0
    events: int = 0
    running: bool = False
    tracks: dict[int, list[Any]] = field(default_factory=dict)
    trails: dict[int, deque[tuple[float, float]]] = field(default_factory=dict)
    violators: dict[int, set[str]] = field(default_factory=dict)  # track: zones entered
    sensors: dict[str, SensorState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note_batch(self, batch: ReportBatch) -> None:
        """Count the batch's reports per sensor (vectorised over the batch)."""
        if not len(batch):
            return
        uniq, counts = np.unique(batch.sensor.astype(str), return_counts=True)
        last = dict(zip(*_last_time_per(batch), strict=True))
        with self.lock:
            self.reports += len(batch)
            self.time = max(float(batch.t.max()), self.time if math.isfinite(self.time) else 0.0)
            for name, n in zip(uniq.tolist(), counts.tolist(), strict=True):
                s = self.sensors.setdefault(name, SensorState(name))
                s.reports += int(n)
                s.last_seen = last[name]
            for name, lat, lon, rng in _sites(batch):
                s = self.sensors[name]
                s.site = (lat, lon)
                s.range_m = max(s.range_m, rng)

    def note_events(self, events: Sequence[Event]) -> None:
        """Mark violators (inside a zone they entered unauthorised) and silent sensors."""
        with self.lock:
            self.events += len(events)
            for e in events:
                unauthorised = e.kind is EventKind.SWARM or (
                    e.kind is EventKind.ENTRY and e.authorised is not None and not e.authorised
                )
                if unauthorised and e.track_id is not None:
                    self.violators.setdefault(e.track_id, set()).add(e.zone_id)
                elif e.kind is EventKind.EXIT and e.track_id in self.violators:
                    self.violators[e.track_id].discard(e.zone_id)
                elif e.kind in (EventKind.SENSOR_SILENT, EventKind.SENSOR_BACK) and e.sensor:
                    s = self.sensors.setdefault(e.sensor, SensorState(e.sensor))
                    s.silent = e.kind is EventKind.SENSOR_SILENT

    def set_tracks(
        self, live: Iterable[Track], classes: dict[int, str]
    ) -> tuple[list[Any], list[int]]:
        """Replace the live tracks; return the rows and the ids of tracks that ended.

        Vectorised over the tracks (ten thousand live tracks is the design load): the
        numbers are computed and rounded as arrays, and Python only zips the columns."""
        tracks = list(live)
        tid = [tr.track_id for tr in tracks]
        num = np.array(
            [(tr.lat, tr.lon, tr.alt, tr.vel_e, tr.vel_n) for tr in tracks], dtype=float
        ).reshape(-1, 5)
        heading = np.degrees(np.arctan2(num[:, 3], num[:, 4])) % 360.0
        speed = np.hypot(num[:, 3], num[:, 4])
        lat, lon = np.round(num[:, 0], 5).tolist(), np.round(num[:, 1], 5).tolist()
        alt, spd, hdg = (_column(x, d) for x, d in ((num[:, 2], 0), (speed, 1), (heading, 0)))
        with self.lock:
            rows: list[Any] = [
                [i, tr.identity, tr.callsign, classes.get(i, "unknown"), la, lo, a, v, h,
                 bool(self.violators.get(i))]
                for i, tr, la, lo, a, v, h in zip(tid, tracks, lat, lon, alt, spd, hdg, strict=True)
            ]  # fmt: skip
            old = self.tracks
            self.tracks = dict(zip(tid, rows, strict=True))
            for i, la, lo in zip(tid, lat, lon, strict=True):
                trail = self.trails.get(i)
                if trail is None:
                    trail = self.trails[i] = deque(maxlen=TRAIL_POINTS)
                if not trail or trail[-1] != (lo, la):
                    trail.append((lo, la))
            removed = [i for i in old if i not in self.tracks]
            for i in removed:
                self.trails.pop(i, None)
                self.violators.pop(i, None)
        return rows, removed

    def snapshot(self) -> list[dict[str, Any]]:
        """Every live track as an object, with its trail (lon, lat pairs, oldest first)."""
        with self.lock:
            return [
                {
                    "id": r[0],
                    "identity": r[1],
                    "callsign": r[2],
                    "target_class": r[3],
                    "lat": r[4],
                    "lon": r[5],
                    "alt_m": r[6],
                    "speed_mps": r[7],
                    "heading_deg": r[8],
                    "violator": r[9],
                    "trail": [list(p) for p in self.trails.get(r[0], ())],
                }
                for r in self.tracks.values()
            ]

    def sensor_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "name": s.name,
                    "reports": s.reports,
                    "last_seen": isoformat(s.last_seen) if math.isfinite(s.last_seen) else None,
                    "silent": s.silent,
                    "lat": s.site[0] if s.site else None,
                    "lon": s.site[1] if s.site else None,
                    "range_m": round(s.range_m) if s.site else None,
                }
                for s in sorted(self.sensors.values(), key=lambda s: s.name)
            ]

    def status(self) -> dict[str, Any]:
        with self.lock:
            return {
                "type": "status",
                "time": isoformat(self.time) if math.isfinite(self.time) else None,
                "running": self.running,
                "reports": self.reports,
                "events": self.events,
                "tracks": len(self.tracks),
            }


def _sites(batch: ReportBatch) -> list[tuple[str, float, float, float]]:
    """Per sensor with a sensor frame in the batch: its site and longest range measured
    (vectorised: one sort by sensor; sensors are few)."""
    frame = batch.frame
    if frame is None:
        return []
    ok = np.isfinite(frame.site_lat) & np.isfinite(frame.site_lon)
    if not ok.any():
        return []
    names = batch.sensor[ok].astype(str)
    lat, lon = frame.site_lat[ok], frame.site_lon[ok]
    rng = np.where(np.isfinite(frame.range_m[ok]), frame.range_m[ok], 0.0)
    uniq, first, inverse = np.unique(names, return_index=True, return_inverse=True)
    longest = np.zeros(len(uniq))
    np.maximum.at(longest, inverse, rng)
    return [
        (str(n), float(lat[i]), float(lon[i]), float(r))
        for n, i, r in zip(uniq.tolist(), first.tolist(), longest.tolist(), strict=True)
    ]


def _last_time_per(batch: ReportBatch) -> tuple[list[str], list[float]]:
    """The latest report time of each sensor in the batch."""
    names = batch.sensor.astype(str)
    order = np.lexsort((batch.t, names))
    s, t = names[order], batch.t[order]
    last = np.r_[s[1:] != s[:-1], True]
    return s[last].tolist(), t[last].tolist()


class Hub:
    """Fan-out of serialised messages to WebSocket client queues, thread-safe."""

    def __init__(self, queue_size: int = 32) -> None:
        self.queue_size = queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[asyncio.Queue[str]] = set()
        self.sent = 0
        self.dropped = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self) -> asyncio.Queue[str]:
        self.bind(asyncio.get_running_loop())
        q: asyncio.Queue[str] = asyncio.Queue(self.queue_size)
        self._queues.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[str]) -> None:
        self._queues.discard(q)

    @property
    def clients(self) -> int:
        return len(self._queues)

    def publish(self, message: dict[str, Any]) -> None:
        """Serialise once and queue for every client; callable from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self._queues:
            return
        text = json.dumps(message, separators=(",", ":"), allow_nan=False)
        with contextlib.suppress(RuntimeError):  # loop closing: nobody left to tell
            loop.call_soon_threadsafe(self._fanout, text)

    def _fanout(self, text: str) -> None:
        for q in list(self._queues):
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
                    self.dropped += 1
            q.put_nowait(text)
            self.sent += 1
