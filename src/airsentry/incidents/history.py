"""The public record in the store: import it, count with it.

The rows of :mod:`airsentry.incidents.record` live in the store's ``record`` table.
Importing is idempotent (a row's key is its content), and every import renumbers the
ordinals of the states and years it touches, so "the 4th violation of Estonian
airspace in 2025" is right whichever came first, the record or the incident.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from airsentry.incidents.database import Database
from airsentry.incidents.record import RecordRow

RENUMBER = """
UPDATE incidents SET ordinal = (
    SELECT n FROM (
        SELECT id, ROW_NUMBER() OVER (ORDER BY start_time, id_year, seq) AS n
        FROM incidents WHERE owner = :owner AND year = :year AND zone_kind = :kind
    ) AS ranked WHERE ranked.id = incidents.id
) + (
    SELECT COALESCE(SUM(r.count), 0) FROM record AS r
    WHERE r.state = :owner AND r.year = :year AND r.kind = :kind
      AND r.last_time < incidents.start_time
      AND NOT EXISTS (
          SELECT 1 FROM incidents AS same
          WHERE same.owner = r.state AND same.zone_kind = r.kind
            AND same.start_time BETWEEN r.first_time AND r.last_time
      )
)
WHERE owner = :owner AND year = :year AND zone_kind = :kind
"""
"""Ordinals count the year's booked incidents of the owner's airspace, and the rows of
the public record before them that no booked incident stands for (a booked incident
that starts inside a row's span *is* that row). Ordinals follow start time (then
creation order), so an incident recorded late from an older file still takes its true
place in the year's count."""

_INSERT = """
INSERT INTO record (key, state, kind, year, first_time, last_time, count, objects,
    duration_s, description, sources)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING
"""


class PublicRecord(Database):
    """The store's ``record`` table (mixed into the incident store)."""

    def import_record(self, rows: Iterable[RecordRow]) -> int:
        """Add the rows not yet recorded; return how many were new."""
        rows = list(rows)
        added = 0
        with self.writing("import the record") as conn:
            for r in rows:
                cur = conn.execute(
                    _INSERT,
                    (r.key, r.state, r.kind, r.year, r.first_time, r.last_time, r.count,
                     r.objects, r.duration_s, r.description, json.dumps(list(r.sources))),
                )  # fmt: skip
                added += cur.rowcount
            if added:
                for owner, year, kind in sorted({(r.state, r.year, r.kind) for r in rows}):
                    conn.execute(RENUMBER, {"owner": owner, "year": year, "kind": kind})
        return added

    def recorded(self, state: str | None = None) -> list[RecordRow]:
        """The record's rows (of one state), in time order."""
        sql, params = "SELECT * FROM record", [] if state is None else [state]
        if state is not None:
            sql += " WHERE state = ?"
        with self.reading("read the record") as conn:
            rows = conn.execute(f"{sql} ORDER BY first_time, key", params).fetchall()
        return [
            RecordRow(
                first_time=float(r["first_time"]),
                last_time=float(r["last_time"]),
                state=str(r["state"]),
                kind=str(r["kind"]),
                count=int(r["count"]),
                objects=None if r["objects"] is None else int(r["objects"]),
                duration_s=None if r["duration_s"] is None else float(r["duration_s"]),
                description=str(r["description"]),
                sources=tuple(json.loads(r["sources"])),
            )
            for r in rows
        ]

    def violations_by_owner_year(self) -> dict[tuple[str, int], int]:
        """Violations of national airspace per (owner, year): booked sovereign incidents
        plus the record's rows that no booked incident stands for."""
        sql = """
        SELECT owner, year, SUM(n) FROM (
            SELECT owner, year, COUNT(*) AS n FROM incidents
            WHERE zone_kind = 'sovereign' GROUP BY owner, year
            UNION ALL
            SELECT r.state, r.year, SUM(r.count) FROM record AS r
            WHERE r.kind = 'sovereign' AND NOT EXISTS (
                SELECT 1 FROM incidents AS same
                WHERE same.owner = r.state AND same.zone_kind = r.kind
                  AND same.start_time BETWEEN r.first_time AND r.last_time
            )
            GROUP BY r.state, r.year
        ) AS both_ GROUP BY owner, year
        """
        with self.reading("count violations") as conn:
            rows = conn.execute(sql).fetchall()
        return {(str(r[0]), int(r[1])): int(r[2]) for r in rows}
