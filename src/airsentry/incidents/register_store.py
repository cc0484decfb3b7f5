"""Clearances, drone permits and own forces kept in the store, editable while running.

The register files (``registers:``, ``--registers``; :mod:`airsentry.identify.registers`)
are a deployment's standing register. Entries that change during an operation (a
diplomatic clearance granted this morning, a police drone's permit for tonight) are
added and withdrawn through the API or ``airsentry registers``, and kept here, in the
``register_entries`` table (:mod:`airsentry.incidents.schema`, version 6):

- an entry is checked exactly as the register file checks it before it is stored
  (:func:`~airsentry.identify.registers.entry_document`), so a stored entry always loads;
- entries are never deleted: a withdrawal stamps the row with who, when and why, so
  the register's history stays readable next to the incidents it decided;
- one entry per kind and reference is in force at a time;
- every write bumps ``register_version``, a one-row counter a running pipeline reads
  once per batch (one indexed read) to reload the register only when it changed
  (:class:`RegisterWatch`).

Who may write, and the audit of each write, are the server's and the CLI's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from airsentry.errors import InputError, NotFound
from airsentry.identify.registers import Registers, entry_document, parse_registers
from airsentry.incidents.database import Database
from airsentry.model import isoformat

_COLUMNS = "id, kind, reference, body, added, added_by, withdrawn, withdrawn_by, withdraw_note"


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One stored entry (times in epoch seconds UTC, wall clock)."""

    id: int
    kind: str  # clearances | permits | own_forces
    reference: str
    entry: Mapping[str, Any]  # in the register file's format
    added: float
    added_by: str
    withdrawn: float | None = None
    withdrawn_by: str | None = None
    withdraw_note: str | None = None

    @property
    def in_force(self) -> bool:
        return self.withdrawn is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "reference": self.reference,
            "entry": dict(self.entry),
            "added": isoformat(self.added),
            "added_by": self.added_by,
            "in_force": self.in_force,
            "withdrawn": None if self.withdrawn is None else isoformat(self.withdrawn),
            "withdrawn_by": self.withdrawn_by,
            "withdraw_note": self.withdraw_note,
        }


class RegisterConflict(InputError):
    """An entry of that kind and reference is already in force (or already withdrawn)."""


class RegisterStore:
    """The ``register_entries`` table, read and written through the store's connections."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, kind: str, entry: Mapping[str, Any], *, by: str, time: float) -> RegisterEntry:
        """Check and store an entry; InputError when it is faulty, RegisterConflict when
        one of that kind and reference is in force. Durable on return."""
        doc = entry_document(kind, entry, f"{kind} entry")
        body = json.dumps(doc["entry"], sort_keys=True)
        with self.db.writing("store a register entry") as conn:
            taken = conn.execute(
                "SELECT id FROM register_entries "
                "WHERE kind = ? AND reference = ? AND withdrawn IS NULL",
                (kind, doc["reference"]),
            ).fetchone()
            if taken is not None:
                raise RegisterConflict(
                    f"{kind} {doc['reference']!r} is in force (entry {int(taken[0])}); "
                    "withdraw it first",
                    source="register",
                )
            row = conn.execute(
                "INSERT INTO register_entries (kind, reference, body, added, added_by) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (kind, doc["reference"], body, time, by),
            ).fetchone()
            _bump(conn)
        return RegisterEntry(int(row[0]), kind, doc["reference"], doc["entry"], time, by)

    def withdraw(self, entry_id: int, *, by: str, time: float, note: str = "") -> RegisterEntry:
        """Withdraw an entry in force and return it as stamped; NotFound when there is no
        such entry, RegisterConflict when it was withdrawn already. Durable on return."""
        with self.db.writing("withdraw a register entry") as conn:
            found = self._get(conn, entry_id)
            if found is None:
                raise NotFound("register entry", str(entry_id))
            if not found.in_force:
                raise RegisterConflict(
                    f"entry {entry_id} was withdrawn by {found.withdrawn_by}", source="register"
                )
            conn.execute(
                "UPDATE register_entries SET withdrawn = ?, withdrawn_by = ?, withdraw_note = ? "
                "WHERE id = ?",
                (time, by, note, entry_id),
            )
            _bump(conn)
            out = self._get(conn, entry_id)
        assert out is not None
        return out

    def get(self, entry_id: int) -> RegisterEntry | None:
        with self.db.reading("read a register entry") as conn:
            return self._get(conn, entry_id)

    def entries(self, *, in_force_only: bool = True) -> list[RegisterEntry]:
        """The stored entries in the order they were added (only those in force, unless
        told otherwise)."""
        where = " WHERE withdrawn IS NULL" if in_force_only else ""
        with self.db.reading("read the register") as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM register_entries{where} ORDER BY id"
            ).fetchall()
        return [_entry(r) for r in rows]

    def version(self) -> int:
        """The register's version: bumped by every add and withdrawal."""
        with self.db.reading("read the register version") as conn:
            row = conn.execute("SELECT n FROM register_version WHERE id = 1").fetchone()
        return int(row[0]) if row is not None else 0

    def registers(self) -> tuple[int, Registers]:
        """The entries in force as a :class:`Registers`, with the version they are of
        (read in one snapshot)."""
        with self.db.reading("read the register"):
            version = self.version()
            found = self.entries()
        doc: dict[str, list[Mapping[str, Any]]] = {}
        for e in found:
            doc.setdefault(e.kind, []).append(e.entry)
        return version, parse_registers(doc, "the store's register")

    @staticmethod
    def _get(conn: Any, entry_id: int) -> RegisterEntry | None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM register_entries WHERE id = ?", (entry_id,)
        ).fetchone()
        return None if row is None else _entry(row)


def _bump(conn: Any) -> None:
    conn.execute("UPDATE register_version SET n = n + 1 WHERE id = 1")


def _entry(r: Any) -> RegisterEntry:
    def opt(v: Any) -> float | None:
        return None if v is None else float(v)

    return RegisterEntry(
        int(r[0]), str(r[1]), str(r[2]), json.loads(r[3]), float(r[4]), str(r[5]),
        opt(r[6]), None if r[7] is None else str(r[7]), None if r[8] is None else str(r[8]),
    )  # fmt: skip


class RegisterWatch:
    """Keeps a running identifier's register current: the deployment's files plus the
    store's entries in force, reloaded only when the store's register version moved.

    ``apply`` receives each new register (``identifier.registers = …``); :meth:`poll`
    is cheap enough to call before every batch (one one-row read).
    """

    def __init__(
        self, store: RegisterStore, base: Registers, apply: Callable[[Registers], None]
    ) -> None:
        self.store = store
        self.base = base
        self.apply = apply
        self.version = -1

    def poll(self) -> bool:
        """Reload when the store's register changed; True when it did."""
        if self.store.version() == self.version:
            return False
        self.version, stored = self.store.registers()
        self.apply(self.base + stored)
        return True
