"""The store's reads for the console: the replay's events, their span, and where and
with which objects each incident happened.

They run on the per-thread read connections of
:class:`~airsentry.incidents.database.Database`, so the API's worker threads read while
the pipeline writes. The server holds no SQL: it calls these and shapes the JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airsentry.incidents import codec
from airsentry.incidents.database import Database
from airsentry.incidents.records import TrackState
from airsentry.model import Event, from_epoch, to_epoch


@dataclass(frozen=True, slots=True)
class EventSpan:
    """First and last stored event time (``None`` when no event is stored) and the count."""

    first: datetime | None
    last: datetime | None
    events: int


class ConsoleReads(Database):
    """Read methods over the store's tables that the console's replay and map need."""

    def events_between(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        zone_id: str | None = None,
        limit: int = 10_000,
    ) -> list[tuple[Event, str | None]]:
        """Stored events in ``[since, until)``, oldest first, each with its incident id."""
        clauses, params = ["1 = 1"], list[Any]()
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
        with self.reading("read events") as conn:
            rows = conn.execute(sql, [*params, int(limit)]).fetchall()
        return [(codec.event_from_dict(json.loads(data)), inc) for data, inc in rows]

    def event_span(self) -> EventSpan:
        """First and last event time in the store, and how many events it holds."""
        with self.reading("read the event span") as conn:
            lo, hi, n = conn.execute("SELECT MIN(time), MAX(time), COUNT(*) FROM events").fetchone()
        return EventSpan(
            None if lo is None else from_epoch(lo), None if hi is None else from_epoch(hi), int(n)
        )

    def incident_positions(self, incident_id: str | None = None) -> dict[str, tuple[float, float]]:
        """Where each incident is on the map: the mean position of its located events.

        (The JSON is read as the dialect does: ``json_extract`` or ``->>``.)
        """
        where = "incident_id = ?" if incident_id is not None else "incident_id IS NOT NULL"
        lat, lon = (self.dialect.json_number("data", f) for f in ("lat", "lon"))
        sql = (
            f"SELECT incident_id, AVG({lat}), AVG({lon}) FROM events "
            f"WHERE {where} AND {lat} IS NOT NULL GROUP BY incident_id"
        )
        with self.reading("read incident positions") as conn:
            found = conn.execute(sql, () if incident_id is None else (incident_id,)).fetchall()
        return {str(r[0]): (round(float(r[1]), 5), round(float(r[2]), 5)) for r in found}

    def incident_tracks(self, incident_id: str) -> list[TrackState]:
        """The objects involved in an incident, in order of first sight."""
        with self.reading("read incident tracks") as conn:
            rows = conn.execute(
                "SELECT * FROM incident_tracks WHERE incident_id = ? "
                "ORDER BY first_time, track_key",
                (incident_id,),
            ).fetchall()
        return [codec.track_from_row(r) for r in rows]
