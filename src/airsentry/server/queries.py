"""Reads the console needs that the incident store has no method for: events by time
window (the replay), the event-time span of the store, and an incident's tracks.

A separate, query-only SQLite connection: WAL mode lets it read while the pipeline
writes through the store's own connection, and it can never write by mistake. It reads
the store's tables (``events``, ``incident_tracks``; see
:mod:`airsentry.incidents.schema`) and decodes events with the store's own codec.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from airsentry.incidents import codec
from airsentry.model import isoformat, to_epoch


class StoreReader:
    """Query-only access to the store file, shared by the API's worker threads."""

    def __init__(self, path: str | Path) -> None:
        self._conn = sqlite3.connect(Path(path), timeout=10.0, check_same_thread=False)
        self._conn.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def events(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        zone_id: str | None = None,
        limit: int = 10_000,
    ) -> list[dict[str, Any]]:
        """Stored events in ``[since, until)``, oldest first, with their incident id."""
        clauses, params = ["1 = 1"], []
        for sql, value in (
            ("time >= ?", to_epoch(since) if since else None),
            ("time < ?", to_epoch(until) if until else None),
            ("kind = ?", kind),
            ("zone_id = ?", zone_id),
        ):
            if value is not None:
                clauses.append(sql)
                params.append(value)
        sql = (
            f"SELECT data, incident_id FROM events WHERE {' AND '.join(clauses)} "
            "ORDER BY time, id LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, [*params, int(limit)]).fetchall()
        out = []
        for data, incident_id in rows:
            event = codec.event_from_dict(json.loads(data)).to_dict()
            event["incident_id"] = incident_id
            out.append(event)
        return out

    def span(self) -> dict[str, Any]:
        """First and last event time in the store (None when it holds no events)."""
        with self._lock:
            lo, hi, n = self._conn.execute(
                "SELECT MIN(time), MAX(time), COUNT(*) FROM events"
            ).fetchone()
        return {
            "first": isoformat(lo) if lo is not None else None,
            "last": isoformat(hi) if hi is not None else None,
            "events": int(n),
        }

    def incident_positions(self, incident_id: str | None = None) -> dict[str, tuple[float, float]]:
        """Where each incident is on the map: the mean position of its located events."""
        where = "incident_id = ?" if incident_id is not None else "incident_id IS NOT NULL"
        sql = (
            "SELECT incident_id, AVG(json_extract(data, '$.lat')), "
            "AVG(json_extract(data, '$.lon')) FROM events "
            f"WHERE {where} AND json_extract(data, '$.lat') IS NOT NULL GROUP BY incident_id"
        )
        with self._lock:
            rows = self._conn.execute(sql, () if incident_id is None else (incident_id,))
            found = rows.fetchall()
        return {str(r[0]): (round(float(r[1]), 5), round(float(r[2]), 5)) for r in found}

    def incident_tracks(self, incident_id: str) -> list[dict[str, Any]]:
        """The objects involved in an incident: class, times, longest stay and depth."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT track_id, identity, target_class, first_time, last_time, dwell_s, "
                "depth_m FROM incident_tracks WHERE incident_id = ? "
                "ORDER BY first_time, track_key",
                (incident_id,),
            ).fetchall()
        return [
            {
                "track_id": r[0],
                "identity": r[1],
                "target_class": r[2],
                "first_seen": _iso(r[3]),
                "last_seen": _iso(r[4]),
                "dwell_s": round(float(r[5]), 1),
                "depth_m": round(float(r[6]), 1),
            }
            for r in rows
        ]


def _iso(t: float | None) -> str | None:
    return isoformat(t) if t is not None and math.isfinite(t) else None
