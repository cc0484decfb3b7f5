"""What a restarted incident book resumes from: the open incidents, and the incident a
replayed or late starting event joins, with their tracks and events (mixed into
:class:`~airsentry.incidents.store.IncidentStore`)."""

from __future__ import annotations

import builtins
import json
from typing import Any

from airsentry.incidents import codec
from airsentry.incidents.database import Database
from airsentry.incidents.dialect import Connection
from airsentry.incidents.kinds import IncidentStatus
from airsentry.incidents.records import IncidentState


class ResumeReads(Database):
    """Reads of whole incident states (incident, tracks, events) for the book."""

    def open_states(self) -> builtins.list[IncidentState]:
        """Every open incident with its tracks and events: what a restarted book continues."""
        with self.reading("read open incidents") as conn:
            rows = conn.execute(
                "SELECT * FROM incidents WHERE status = ? ORDER BY start_time, id_year, seq, id",
                (str(IncidentStatus.OPEN),),
            ).fetchall()
            return [self._state(conn, row) for row in rows]

    def state_by_natural_key(self, natural_key: str) -> IncidentState | None:
        """The incident first recorded under ``natural_key`` (a replayed start), if any."""
        with self.reading("find an incident") as conn:
            row = conn.execute(
                "SELECT * FROM incidents WHERE natural_key = ?", (natural_key,)
            ).fetchone()
            return None if row is None else self._state(conn, row)

    def state_spanning(
        self, zone_id: str, owner: str, t: float, gap_s: float
    ) -> IncidentState | None:
        """The latest incident of ``zone_id`` (owned by ``owner``) whose span, widened by
        ``gap_s`` on both sides, holds event time ``t``: the one a starting event at
        ``t`` joins, whatever batching first booked it."""
        with self.reading("find an incident") as conn:
            row = conn.execute(
                "SELECT * FROM incidents WHERE zone_id = ? AND owner = ?"
                " AND start_time - ? <= ? AND end_time + ? >= ?"
                " ORDER BY end_time DESC, start_time DESC, id DESC LIMIT 1",
                (zone_id, owner, gap_s, t, gap_s, t),
            ).fetchone()
            return None if row is None else self._state(conn, row)

    @staticmethod
    def _state(conn: Connection, row: Any) -> IncidentState:
        tracks = conn.execute(
            "SELECT * FROM incident_tracks WHERE incident_id = ? ORDER BY first_time, track_key",
            (row["id"],),
        ).fetchall()
        states = [codec.track_from_row(t) for t in tracks]
        events = conn.execute(
            "SELECT dedup, data FROM events WHERE incident_id = ? ORDER BY time, id", (row["id"],)
        ).fetchall()
        incident = codec.incident_from_row(row)
        incident.events = [codec.event_from_dict(json.loads(e["data"])) for e in events]
        return IncidentState(
            incident=incident,
            tracks={t.key: t for t in states},
            natural_key=row["natural_key"],
            event_keys={str(e["dedup"]) for e in events},
        )
