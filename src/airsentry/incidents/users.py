"""The console's users in the incident store: name, role and the hash of their token.

Only storage lives here; what a role may do, how tokens are made and hashed, and the
FastAPI side are the server's (:mod:`airsentry.server.auth`). Roles are stored as
plain text the server defines, so this stage need not know them. Tokens themselves are
never stored, only their SHA-256 hash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from airsentry.incidents.database import Database


@dataclass(frozen=True, slots=True)
class StoredUser:
    """One row of the ``users`` table (``created`` in epoch seconds UTC)."""

    name: str
    role: str
    token_sha256: str
    created: float


class UserStore:
    """The ``users`` table, read and written through the store's connections."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, name: str, role: str, token_sha256: str, *, replace: bool = False) -> bool:
        """Store a user; return False (and store nothing) when the name is taken.

        With ``replace``, an existing user of that name gets the new role and token.
        Durable on return, like every write of the store.
        """
        with self.db.writing("store a user") as conn:
            taken = conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
            if taken is not None and not replace:
                return False
            if taken is not None:
                conn.execute(
                    "UPDATE users SET role = ?, token_sha256 = ?, created = ? WHERE name = ?",
                    (role, token_sha256, time.time(), name),
                )
            else:
                conn.execute(
                    "INSERT INTO users (name, role, token_sha256, created) VALUES (?, ?, ?, ?)",
                    (name, role, token_sha256, time.time()),
                )
        return True

    def remove(self, name: str) -> bool:
        """Delete a user (its token stops working at once); False when there is none."""
        with self.db.writing("remove a user") as conn:
            return bool(conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0)

    def set_role(self, name: str, role: str) -> bool:
        """Give a user another role; False when there is no such user."""
        with self.db.writing("change a user's role") as conn:
            cur = conn.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
            return bool(cur.rowcount > 0)

    def set_token(self, name: str, token_sha256: str) -> bool:
        """Replace a user's token (the old one stops working); False when there is none."""
        with self.db.writing("rotate a user's token") as conn:
            cur = conn.execute(
                "UPDATE users SET token_sha256 = ? WHERE name = ?", (token_sha256, name)
            )
            return bool(cur.rowcount > 0)

    def all(self) -> list[StoredUser]:
        """Every user, by name."""
        with self.db.reading("read users") as conn:
            rows = conn.execute(
                "SELECT name, role, token_sha256, created FROM users ORDER BY name"
            ).fetchall()
        return [StoredUser(str(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows]

    def by_token_hash(self, token_sha256: str) -> StoredUser | None:
        """The user whose token hashes to ``token_sha256``, if any."""
        with self.db.reading("read a user") as conn:
            r = conn.execute(
                "SELECT name, role, token_sha256, created FROM users WHERE token_sha256 = ?",
                (token_sha256,),
            ).fetchone()
        return None if r is None else StoredUser(str(r[0]), str(r[1]), str(r[2]), float(r[3]))
