"""The track log: sampled track states in the store, for the console's replay.

Every pipeline with a store records, per track, one state per slot of
:data:`INTERVAL_S` of event time (the first state of the slot) in the
``track_states`` table: position, altitude, speed, heading, identity, callsign,
class and whether it violated a zone. That is enough to draw every track of any
stored period at any time with its trail, which replaying the events alone cannot.
The table is bounded: rows older than :data:`RETENTION_S` of event time before the
newest row are pruned as the log grows (at most once per :data:`PRUNE_EVERY_S`).
Reads are by time (the index on ``t``) and area (a bounding box on the rows found).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airsentry.incidents.database import Database

INTERVAL_S = 5.0
RETENTION_S = 14 * 86_400.0
PRUNE_EVERY_S = 3_600.0
STALE_S = 30.0  # a track last sampled longer ago than this is not shown at a time

COLUMNS = (
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
    """The ``track_states`` table, read and written through the store's connections."""

    def __init__(self, db: Database, *, retention_s: float = RETENTION_S) -> None:
        self.db = db
        self.retention_s = retention_s
        self._pruned_at = -math.inf

    def put(self, rows: Sequence[Row], *, newest: float | None = None) -> int:
        """Store rows (see :data:`Row`); a slot already held for a track keeps its first
        state. Prunes what fell out of retention (``newest``: the latest ``t`` among the
        rows, when the caller knows it). Returns how many rows were new."""
        if not rows:
            return 0
        if newest is None:
            newest = max(r[2] for r in rows)
        with self.db.writing("record track states") as conn:
            before = conn.total_changes
            conn.executemany(
                f"INSERT OR IGNORE INTO track_states ({COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = conn.total_changes - before
            if newest - self._pruned_at >= PRUNE_EVERY_S:
                conn.execute("DELETE FROM track_states WHERE t < ?", (newest - self.retention_s,))
                self._pruned_at = newest
        return added

    def span(self) -> tuple[float | None, float | None, int]:
        """First and last sampled time, and the number of rows."""
        with self.db.reading("track log span") as conn:
            row = conn.execute("SELECT MIN(t), MAX(t), COUNT(*) FROM track_states").fetchone()
        return row[0], row[1], int(row[2])

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
        with self.db.reading("track states at a time") as conn:
            found = conn.execute(
                f"SELECT {COLUMNS} FROM track_states WHERE t BETWEEN ? AND ? ORDER BY t",
                (since, t),
            ).fetchall()
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
        marks = ",".join("?" * len(track_ids))
        with self.db.reading("track paths") as conn:
            for tid, t, lat, lon in conn.execute(
                f"SELECT track_id, t, lat, lon FROM track_states WHERE track_id IN ({marks}) "
                "AND t BETWEEN ? AND ? ORDER BY track_id, t",
                (*track_ids, since, until),
            ):
                out.setdefault(tid, []).append([lon, lat, t])
        return out


def acknowledged(db: Database) -> set[str]:
    """The ids of the incidents someone acknowledged (the console's alert filter)."""
    with db.reading("acknowledged incidents") as conn:
        rows = conn.execute(
            "SELECT DISTINCT incident_id FROM decisions WHERE kind = 'acknowledge'"
        ).fetchall()
    return {r[0] for r in rows}
