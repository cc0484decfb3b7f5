"""Who may use the console: named users with a role, authenticated by a bearer token.

Roles are ordered: a **viewer** reads; an **operator** also acknowledges and annotates
incidents; a **commander** also authorises the actions a recommendation (or a playbook
step) reserves to a commander. There is no default user and no default password: the
first token comes from ``airsentry users add NAME --role commander``.

Tokens are 256-bit random strings shown once, when created; only their SHA-256 hash
is stored (a slow password hash buys nothing for a random token of that length), in a
``server_users`` table this module creates in the incident store's SQLite file, so a
deployment has one file to back up.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from airsentry.errors import ConfigError, StoreError


class Role(enum.StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    COMMANDER = "commander"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may do."""
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role


_SCHEMA = """
CREATE TABLE IF NOT EXISTS server_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created REAL NOT NULL            -- epoch seconds UTC
)
"""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserBook:
    """The users table: add users (returning their token once) and check tokens."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(str(self.path), f"cannot open the users table: {exc}") from exc
        self._cache: dict[str, User] = {}

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, name: str, role: Role | str, *, replace: bool = False) -> str:
        """Create (or with ``replace`` re-issue) a user; return the new token."""
        name = name.strip()
        if not name or len(name) > 64 or not name.isprintable():
            raise ConfigError("name", f"{name!r} is not a usable user name (1–64 characters)")
        try:
            role = Role(role)
        except ValueError:
            raise ConfigError("role", f"{role!r} is not one of {[str(r) for r in Role]}") from None
        token = secrets.token_urlsafe(32)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        with self._lock:
            try:
                self._conn.execute(
                    f"{verb} INTO server_users (name, role, token_sha256, created) "
                    "VALUES (?, ?, ?, ?)",
                    (name, str(role), hash_token(token), time.time()),
                )
            except sqlite3.IntegrityError:
                raise ConfigError("name", f"user {name!r} exists (use --replace)") from None
            self._cache.clear()
        return token

    def users(self) -> list[User]:
        with self._lock:
            rows = self._conn.execute("SELECT name, role FROM server_users ORDER BY name")
            return [User(str(n), Role(r)) for n, r in rows.fetchall()]

    def check(self, token: str) -> User | None:
        """The user holding ``token``, or None (compared by hash, in constant time)."""
        if not token or len(token) > 256:
            return None
        digest = hash_token(token)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        with self._lock:
            row = self._conn.execute(
                "SELECT name, role, token_sha256 FROM server_users WHERE token_sha256 = ?",
                (digest,),
            ).fetchone()
        if row is None or not hmac.compare_digest(str(row[2]), digest):
            return None
        user = User(str(row[0]), Role(row[1]))
        self._cache[digest] = user
        return user
