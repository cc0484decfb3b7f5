"""The outbox: incident- and decision-level messages for the outputs, kept in the store.

An output (MQTT, a webhook, a TAK server) may be down or slow; what it must receive
(an incident opened, changed or closed; a decision) is written here first, in the
store's one writer, durably, and its delivery thread takes it from here and marks it
delivered once the receiver confirmed it. A restart finds what was not yet confirmed
and delivers it then: at least once. Each message has an idempotency key, unique per
output (``INSERT OR IGNORE``): a replay of the same input that produces the same
message does not queue it twice, and a receiver can drop the duplicates an
at-least-once delivery may bring.

Only storage lives here; what a message says and how it travels are the outputs'.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from airsentry.incidents.database import Database
from airsentry.model import from_epoch, isoformat


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One row of the ``outbox`` table."""

    id: int
    output: str
    key: str
    topic: str
    body: str
    attempts: int


class Outbox:
    """The ``outbox`` table, read and written through the store's connections."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, rows: Iterable[tuple[str, str, str, str]]) -> int:
        """Queue ``(output, key, topic, body)`` rows in one transaction; return how many
        were new (a key already queued for that output is not queued again)."""
        now = time.time()
        added = 0
        with self.db.writing("queue output messages") as conn:
            for output, key, topic, body in rows:
                cur = conn.execute(
                    "INSERT INTO outbox (output, key, topic, body, created) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (output, key) DO NOTHING",
                    (output, key, topic, body, now),
                )
                added += cur.rowcount
        return added

    def has_prefix(self, output: str, prefix: str) -> bool:
        """Whether any message whose key starts with ``prefix`` was queued for ``output``
        (a range over the ``(output, key)`` index)."""
        with self.db.reading("read the outbox") as conn:
            row = conn.execute(
                "SELECT 1 FROM outbox WHERE output = ? AND key >= ? AND key < ? LIMIT 1",
                (output, prefix, prefix + "\U0010ffff"),
            ).fetchone()
        return row is not None

    def last_decision(self) -> int:
        """The id of the newest decision in the store (0 when there is none)."""
        with self.db.reading("read the newest decision") as conn:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0])

    def last_decision_queued(self, output: str) -> int | None:
        """The newest decision id already queued for ``output`` (None: never any)."""
        with self.db.reading("read the outbox") as conn:
            row = conn.execute(
                "SELECT MAX(CAST(SUBSTR(key, 10) AS INTEGER)) FROM outbox "
                "WHERE output = ? AND topic = 'decisions'",
                (output,),
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def decisions_after(self, after: int) -> list[dict[str, Any]]:
        """Decisions with an id above ``after``, oldest first, as plain records."""
        with self.db.reading("read decisions") as conn:
            rows = conn.execute(
                "SELECT id, incident_id, time, operator, kind, action, note FROM decisions "
                "WHERE id > ? ORDER BY id",
                (int(after),),
            ).fetchall()
        return [
            {"id": r[0], "incident_id": r[1], "time": isoformat(from_epoch(r[2])),
             "operator": r[3], "kind": r[4], "action": r[5], "note": r[6]}
            for r in rows
        ]  # fmt: skip

    def pending(self, output: str, *, limit: int = 100) -> list[OutboxMessage]:
        """The oldest messages not yet delivered to ``output``, in the order queued."""
        with self.db.reading("read the outbox") as conn:
            rows = conn.execute(
                "SELECT id, output, key, topic, body, attempts FROM outbox "
                "WHERE output = ? AND delivered IS NULL ORDER BY id LIMIT ?",
                (output, int(limit)),
            ).fetchall()
        return [OutboxMessage(*row) for row in rows]

    def delivered(self, ids: Sequence[int]) -> None:
        """Mark messages delivered (the receiver confirmed them)."""
        if ids:
            now = time.time()
            with self.db.writing("mark output messages delivered") as conn:
                conn.executemany(
                    "UPDATE outbox SET delivered = ? WHERE id = ?", [(now, i) for i in ids]
                )

    def failed(self, ids: Sequence[int]) -> None:
        """Count a failed attempt on messages that stay pending."""
        if ids:
            with self.db.writing("count output attempts") as conn:
                conn.executemany(
                    "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
                )

    def counts(self, output: str) -> tuple[int, int]:
        """``(pending, delivered)`` message counts of ``output``."""
        with self.db.reading("count the outbox") as conn:
            row = conn.execute(
                "SELECT COUNT(*) - COUNT(delivered), COUNT(delivered) FROM outbox WHERE output = ?",
                (output,),
            ).fetchone()
        return int(row[0]), int(row[1])
