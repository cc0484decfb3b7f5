"""The track log: sampled track states in the store, for the console's replay.

Every pipeline with a store records, per track, one state per slot of
:data:`INTERVAL_S` of event time (the first state of the slot): position, altitude,
speed, heading, identity, callsign, class and whether it violated a zone. That is
enough to draw every track of any stored period at any time with its trail, which
replaying the events alone cannot. The states are stored as columnar chunks, one
``track_chunks`` row per track per write (:mod:`airsentry.incidents.chunks`). The
log is bounded: chunks whose newest state is older than :data:`RETENTION_S` of event
time before the newest state written are pruned as the log grows (at most once per
:data:`PRUNE_EVERY_S`). Reads are by time (the index on the chunks' first time, a
chunk spanning at most ``CHUNK_SPAN_S``) and area (a bounding box on the states
found).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airsentry.incidents import chunks
from airsentry.incidents.database import Database

INTERVAL_S = 5.0
RETENTION_S = 14 * 86_400.0
PRUNE_EVERY_S = 3_600.0
STALE_S = 30.0  # a track last sampled longer ago than this is not shown at a time

COLUMNS = (  # a state in the row-per-state form (:data:`Row`)
    "slot, track_id, t, lat, lon, alt_m, speed_mps, heading_deg, identity, callsign, "
    "class, violator"
)

Row = tuple[
    int, int, float, float, float, float | None, float | None, float | None, str, str, str, int
]


@dataclass(frozen=True, slots=True)
class BBox:
    """An area in degrees: west, south, east, north (no antimeridian crossing)."""

    west: float
    south: float
    east: float
    north: float

    def holds(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


class TrackLog:
    """The ``track_chunks`` table, read and written through the store's connections."""

    def __init__(self, db: Database, *, retention_s: float = RETENTION_S) -> None:
        self.db = db
        self.retention_s = retention_s
        self._pruned_at = -math.inf

    def put(self, rows: Sequence[Row], *, newest: float | None = None) -> int:
        """Store rows (see :data:`Row`). Prunes what fell out of retention
        (``newest``: the latest ``t`` among the rows, when the caller knows it).
        Returns how many chunks were new."""
        if not rows:
            return 0
        return self.put_states(chunks.states_of_rows(rows), newest=newest)

    def put_states(self, states: chunks.States, *, newest: float | None = None) -> int:
        """Store ``states`` (sorted by track, then time) as one chunk per track (and
        ``CHUNK_SPAN_S`` window); a chunk already stored for a track and first time
        is kept. Prunes as :meth:`put`. Returns how many chunks were new."""
        if not len(states):
            return 0
        if newest is None:
            newest = float(states.t.max())
        found = chunks.pack(states)
        with self.db.writing("record track states") as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO track_chunks (track_id, t0, t1, n, states, texts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                found,
            )
            added = conn.total_changes - before
            if newest - self._pruned_at >= PRUNE_EVERY_S:
                # t0 <= t1: the same chunks as ``t1 < cut`` alone, found through the
                # index on t0 instead of a scan of the whole log
                cut = newest - self.retention_s
                conn.execute("DELETE FROM track_chunks WHERE t0 < ? AND t1 < ?", (cut, cut))
                self._pruned_at = newest
        return added

    def span(self) -> tuple[float | None, float | None, int]:
        """First and last sampled time, and the number of states."""
        with self.db.reading("track log span") as conn:
            row = conn.execute("SELECT MIN(t0), MAX(t1), SUM(n) FROM track_chunks").fetchone()
        return row[0], row[1], int(row[2] or 0)

    def _states(self, since: float, until: float, track_ids: Sequence[int] = ()) -> list[Any]:
        """The states sampled in [since, until] (of ``track_ids``, when given), in the
        row-per-state form (see :data:`COLUMNS`), in time order."""
        where = "t0 BETWEEN ? AND ? AND t1 >= ?"
        args: list[Any] = [since - chunks.CHUNK_SPAN_S, until, since]
        if track_ids:
            where += f" AND track_id IN ({','.join('?' * len(track_ids))})"
            args += list(track_ids)
        with self.db.reading("track states at a time") as conn:
            found = conn.execute(
                f"SELECT track_id, states, texts FROM track_chunks WHERE {where}", args
            ).fetchall()
        rows = list(chunks.rows_of(found, since, until))
        rows.sort(key=lambda r: (r[2], r[0], r[1]))
        return rows

    def at(
        self,
        t: float,
        *,
        trail_s: float = 300.0,
        bbox: BBox | None = None,
        stale_s: float = STALE_S,
        limit: int = 20_000,
    ) -> list[dict[str, Any]]:
        """Every track sampled within ``stale_s`` before ``t`` (in ``bbox``): its last
        state at or before ``t`` and its trail over ``trail_s`` before that (lon, lat
        pairs, oldest first, the current position last)."""
        since = t - max(trail_s, stale_s)
        found = self._states(since, t)
        latest: dict[int, Any] = {}
        trails: dict[int, list[list[float]]] = {}
        for r in found:
            tid = r[1]
            if r[2] >= t - trail_s:
                trails.setdefault(tid, []).append([r[4], r[3]])
            latest[tid] = r
        out: list[dict[str, Any]] = []
        for tid, r in latest.items():
            if r[2] < t - stale_s or (bbox is not None and not bbox.holds(r[3], r[4])):
                continue
            out.append(
                {
                    "id": tid,
                    "t": r[2],
                    "lat": r[3],
                    "lon": r[4],
                    "alt_m": r[5],
                    "speed_mps": r[6],
                    "heading_deg": r[7],
                    "identity": r[8],
                    "callsign": r[9],
                    "target_class": r[10],
                    "violator": bool(r[11]),
                    "trail": trails.get(tid, [[r[4], r[3]]]),
                }
            )
            if len(out) >= limit:
                break
        return out

    def paths(
        self, track_ids: Sequence[int], since: float, until: float
    ) -> dict[int, list[list[float]]]:
        """The sampled path of each track between two times: ``[lon, lat, t]`` rows,
        oldest first (an incident's objects on the map)."""
        out: dict[int, list[list[float]]] = {}
        if not track_ids:
            return out
        for r in sorted(self._states(since, until, track_ids), key=lambda r: (r[1], r[2])):
            out.setdefault(r[1], []).append([r[4], r[3], r[2]])
        return out


def acknowledged(db: Database) -> set[str]:
    """The ids of the incidents someone acknowledged (the console's alert filter)."""
    with db.reading("acknowledged incidents") as conn:
        rows = conn.execute(
            "SELECT DISTINCT incident_id FROM decisions WHERE kind = 'acknowledge'"
        ).fetchall()
    return {r[0] for r in rows}
