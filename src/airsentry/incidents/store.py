"""The persisted incident store: events, incidents, their tracks and decisions.

:class:`IncidentStore` is the one owner of the database: every write goes through its
single writer and every read through its per-thread read connections
(:class:`~airsentry.incidents.database.Database`), so readers never wait for a writer.
The console's reads live in :mod:`airsentry.incidents.queries`, what a restarted book
resumes from in :mod:`airsentry.incidents.resume`, the users in
:mod:`airsentry.incidents.users`; the tables in :mod:`airsentry.incidents.schema`. The
database is an SQLite file (the embedded default) or PostgreSQL (a ``postgresql://``
URL), with the same SQL; what differs is in :mod:`airsentry.incidents.dialect`.

Nothing lost: every write method commits (``synchronous = FULL``, WAL) before it
returns, so an event accepted by :meth:`IncidentStore.add_events` is on disk when the
call returns. Several writes can be grouped atomically with
:meth:`IncidentStore.transaction` (the incident book stores a batch's events together
with the incidents they changed).

Times are stored as REAL epoch seconds UTC; see :mod:`airsentry.incidents.schema`.
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_data_dir

from airsentry.errors import NotFound
from airsentry.incidents import codec
from airsentry.incidents.dialect import is_url
from airsentry.incidents.history import RENUMBER, PublicRecord
from airsentry.incidents.kinds import DecisionKind, IncidentStatus, decision_of
from airsentry.incidents.queries import ConsoleReads
from airsentry.incidents.record import shipped
from airsentry.incidents.records import BookedIncident, Decision, TrackState
from airsentry.incidents.register_store import RegisterStore
from airsentry.incidents.resume import ResumeReads
from airsentry.incidents.users import UserStore
from airsentry.model import Action, Event, Incident, ZoneKind, to_epoch

_UPDATE_INCIDENT = """
UPDATE incidents SET zone_id = :zone_id, zone_kind = :zone_kind, zone_name = :zone_name,
    owner = :owner, year = :year, start_time = :start_time, end_time = :end_time,
    track_ids = :track_ids, identities = :identities, classes = :classes,
    object_count = :object_count, dwell_s = :dwell_s, depth_m = :depth_m,
    severity = :severity, recommendation = :recommendation, reasons = :reasons,
    status = :status
WHERE id = :id
"""

_INSERT_INCIDENT = """
INSERT INTO incidents (id, seq, natural_key, zone_id, zone_kind, zone_name, owner, id_year,
    year, start_time, end_time, track_ids, identities, classes, object_count, dwell_s,
    depth_m, severity, recommendation, reasons, status)
VALUES (:id, :seq, :natural_key, :zone_id, :zone_kind, :zone_name, :owner, :id_year,
    :year, :start_time, :end_time, :track_ids, :identities, :classes, :object_count,
    :dwell_s, :depth_m, :severity, :recommendation, :reasons, :status)
"""

_UPSERT_TRACK = """
INSERT INTO incident_tracks (incident_id, track_key, track_id, identity,
    target_class, first_time, last_time, last_entry, last_exit, dwell_s, depth_m)
VALUES (:incident_id, :track_key, :track_id, :identity, :target_class, :first_time,
    :last_time, :last_entry, :last_exit, :dwell_s, :depth_m)
ON CONFLICT (incident_id, track_key) DO UPDATE SET track_id = excluded.track_id,
    identity = excluded.identity, target_class = excluded.target_class,
    first_time = excluded.first_time, last_time = excluded.last_time,
    last_entry = excluded.last_entry, last_exit = excluded.last_exit,
    dwell_s = excluded.dwell_s, depth_m = excluded.depth_m
"""

_INSERT_EVENT = """
INSERT INTO events (dedup, kind, time, zone_id, zone_kind, owner, track_id,
    identity, incident_id, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (time, dedup) DO NOTHING
"""


def default_db_path() -> Path:
    """Where the store lives unless told otherwise: the user's data directory."""
    return Path(user_data_dir("airsentry")) / "airsentry.sqlite"


def store_exists(target: str | os.PathLike[str]) -> bool:
    """Whether there is a store to read at ``target``: an SQLite file that exists, or any
    PostgreSQL URL (opening it says whether the server answers)."""
    return is_url(target) or Path(target).exists()


def local_anchor(target: str | os.PathLike[str]) -> Path:
    """The file that what a store keeps on disk (its audit log) sits beside: the SQLite
    file itself; for a PostgreSQL store, ``postgresql-<database>`` in the data directory."""
    if not is_url(target):
        return Path(target)
    name = urlsplit(str(target)).path.strip("/") or "airsentry"
    return Path(user_data_dir("airsentry")) / f"postgresql-{name}"


class IncidentStore(ConsoleReads, PublicRecord, ResumeReads):
    """Incidents, their events, tracks and decisions, the console's users and the public
    record of violations, in one SQLite file or one PostgreSQL database (``path`` a
    ``postgresql://`` URL).

    Opening creates the file (and its directory) when missing and migrates an older
    schema; it raises :class:`~airsentry.errors.StoreError` when the path cannot be
    written, the file is not an SQLite database, the server cannot be reached, or the
    schema is newer than this code.
    With ``record=True`` it imports the record airsentry ships (the one builder opens
    every pipeline's store so), so ordinals are right from the first run.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout_s: float = 10.0, record: bool = False
    ) -> None:
        super().__init__(path, timeout_s=timeout_s)
        if record:
            self.import_record(shipped())

    def __enter__(self) -> IncidentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def users(self) -> UserStore:
        """The console's users (names, roles, token hashes), kept in this store."""
        return UserStore(self)

    @property
    def registers(self) -> RegisterStore:
        """Clearances, permits and own forces added while running (register_store.py)."""
        return RegisterStore(self)

    # -- writes -------------------------------------------------------------------

    def add_events(
        self,
        events: Sequence[Event],
        *,
        incident_ids: Sequence[str | None] | None = None,
        encoded: Sequence[str] | None = None,
    ) -> int:
        """Store events (durably, before returning); return how many were new.

        An event already stored (same content) is not stored twice; when it is given
        again with an incident id, the stored copy is linked to that incident.
        ``encoded``, when given, is each event's :func:`~airsentry.incidents.codec.event_json`
        (the book has it already), so that no event is encoded twice.
        """
        if incident_ids is not None and len(incident_ids) != len(events):
            raise ValueError(f"{len(incident_ids)} incident ids for {len(events)} events")
        if encoded is not None and len(encoded) != len(events):
            raise ValueError(f"{len(encoded)} encodings for {len(events)} events")
        ids = incident_ids if incident_ids is not None else [None] * len(events)
        data = encoded if encoded is not None else [None] * len(events)
        rows = [
            codec.event_row(event, incident_id, json_text)
            for event, incident_id, json_text in zip(events, ids, data, strict=True)
        ]
        with self.writing("store events") as conn:
            # one statement for the batch; a copy already stored is ignored, then linked
            # (in the events' order, so the last link given wins, as one by one)
            added = max(0, conn.executemany(_INSERT_EVENT, rows).rowcount) if rows else 0
            conn.executemany(
                "UPDATE events SET incident_id = ? WHERE time = ? AND dedup = ?"
                " AND (incident_id IS NULL OR incident_id <> ?)",
                [
                    (incident_id, t, dedup, incident_id)
                    for dedup, _, t, _, _, _, _, _, incident_id, _ in rows
                    if incident_id is not None
                ],
            )
        return added

    def save_incident(
        self, incident: Incident, tracks: Iterable[TrackState], *, natural_key: str
    ) -> str:
        """Insert or update an incident and its tracks; return its id.

        An incident with an empty ``id`` is new: it is numbered ``OWNER-YEAR-nnnn``
        (``nnnn`` counting that owner's incidents of the start's UTC year in this
        store) and ``incident.id`` is set. Ordinals of the owner's sovereign incidents
        that year are renumbered by start time.
        """
        with self.writing("save an incident") as conn:
            row = codec.incident_row(incident)
            if not incident.id:
                owner = incident.owner or "UNK"
                year = incident.start.year
                (last,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM incidents WHERE owner = ? AND id_year = ?",
                    (incident.owner, year),
                ).fetchone()
                seq = int(last) + 1
                incident.id = row["id"] = f"{owner}-{year}-{seq:04d}"
                row.update(seq=seq, id_year=year, natural_key=natural_key)
                conn.execute(_INSERT_INCIDENT, row)
            else:
                conn.execute(_UPDATE_INCIDENT, row)
            conn.executemany(_UPSERT_TRACK, [codec.track_row(incident.id, t) for t in tracks])
            if incident.zone_kind == ZoneKind.SOVEREIGN:
                conn.execute(
                    RENUMBER,
                    {"owner": incident.owner, "year": row["year"], "kind": incident.zone_kind},
                )
            else:
                conn.execute("UPDATE incidents SET ordinal = NULL WHERE id = ?", (incident.id,))
        return incident.id

    def record_decision(
        self,
        incident_id: str,
        *,
        time: datetime,
        operator: str,
        action: Action | str | None = None,
        note: str = "",
        kind: DecisionKind | None = None,
    ) -> Decision:
        """Record a human decision (or an acknowledgement, or a note) against an incident.

        ``kind`` and ``action`` as :func:`~airsentry.incidents.kinds.decision_of` reads
        them (``action="acknowledge"`` alone still means an acknowledgement). Raises
        :class:`~airsentry.errors.NotFound` when there is no such incident and
        ``ValueError`` when the operator is not named (a decision nobody owns is not a
        decision) or the kind and action do not fit.
        """
        if not operator.strip():
            raise ValueError("a decision needs the name of the operator who took it")
        kind, act = decision_of(kind, action)
        with self.writing("record a decision") as conn:
            found = conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,))
            if found.fetchone() is None:
                raise NotFound("incident", incident_id)
            (decision_id,) = conn.execute(
                "INSERT INTO decisions (incident_id, time, operator, kind, action, note) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (incident_id, to_epoch(time), operator, str(kind), _opt(act), note),
            ).fetchone()
        return Decision(int(decision_id), incident_id, time, operator, kind, act, note)

    # -- reads --------------------------------------------------------------------

    def get(self, incident_id: str, *, with_events: bool = False) -> BookedIncident | None:
        """The incident with that id, or ``None``."""
        with self.reading("read an incident") as conn:
            row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
            if row is None:
                return None
            incident = codec.incident_from_row(row)
            if with_events:
                incident.events = self.events_for(incident_id)
        return incident

    def list(
        self,
        owner: str | None = None,
        year: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        zone_kind: str | None = None,
        *,
        status: IncidentStatus | str | None = None,
        with_events: bool = False,
    ) -> builtins.list[BookedIncident]:
        """Incidents matching every filter given, in order of start time.

        ``year`` is the UTC year of the start. ``since``/``until`` select incidents
        active in that window: ending at or after ``since`` and starting before
        ``until``.
        """
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        for column, value in (
            ("owner", owner),
            ("year", year),
            ("zone_kind", zone_kind),
            ("status", None if status is None else IncidentStatus(status)),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(str(value) if column != "year" else int(value))
        if since is not None:
            clauses.append("end_time >= ?")
            params.append(to_epoch(since))
        if until is not None:
            clauses.append("start_time < ?")
            params.append(to_epoch(until))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.reading("list incidents") as conn:
            rows = conn.execute(
                f"SELECT * FROM incidents {where} ORDER BY start_time, id_year, seq, id", params
            ).fetchall()
            incidents = [codec.incident_from_row(r) for r in rows]
            if with_events:
                for incident in incidents:
                    incident.events = self.events_for(incident.id)
        return incidents

    def count_by_owner_year(self, zone_kind: str | None = None) -> dict[tuple[str, int], int]:
        """Number of incidents per (owner, UTC year of start), optionally of one zone kind."""
        sql = "SELECT owner, year, COUNT(*) FROM incidents"
        params: tuple[str, ...] = ()
        if zone_kind is not None:
            sql += " WHERE zone_kind = ?"
            params = (str(zone_kind),)
        with self.reading("count incidents") as conn:
            rows = conn.execute(f"{sql} GROUP BY owner, year", params).fetchall()
        return {(str(r[0]), int(r[1])): int(r[2]) for r in rows}

    def ordinals(self, incident_ids: Iterable[str]) -> dict[str, int | None]:
        """The current ordinal of each incident (``None`` outside sovereign zones)."""
        ids = builtins.list(incident_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self.reading("read ordinals") as conn:
            rows = conn.execute(
                f"SELECT id, ordinal FROM incidents WHERE id IN ({marks})", ids
            ).fetchall()
        return {str(r[0]): (None if r[1] is None else int(r[1])) for r in rows}

    def events_for(self, incident_id: str) -> builtins.list[Event]:
        """The events attached to an incident, in time order."""
        with self.reading("read events") as conn:
            rows = conn.execute(
                "SELECT data FROM events WHERE incident_id = ? ORDER BY time, id", (incident_id,)
            ).fetchall()
        return [codec.event_from_dict(json.loads(r[0])) for r in rows]

    def event_count(self) -> int:
        """How many events the store holds (attached to an incident or not)."""
        with self.reading("count events") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def decisions_for(self, incident_id: str) -> builtins.list[Decision]:
        """Decisions recorded against an incident, oldest first."""
        with self.reading("read decisions") as conn:
            rows = conn.execute(
                "SELECT * FROM decisions WHERE incident_id = ? ORDER BY time, id", (incident_id,)
            ).fetchall()
        return [codec.decision_from_row(r) for r in rows]


def _opt(action: Action | None) -> str | None:
    return None if action is None else str(action)
