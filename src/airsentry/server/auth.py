"""Who may use the console: named users with a role, authenticated by a bearer token.

Roles are ordered: a **viewer** reads; an **operator** also acknowledges and annotates
incidents; a **commander** also authorises the actions a recommendation (or a playbook
step) reserves to a commander. There is no default user and no default password: the
first token comes from ``airsentry users add NAME --role commander``.

Tokens are 256-bit random strings shown once, when created; only their SHA-256 hash
is stored (a slow password hash buys nothing for a random token of that length). The
users live in the incident store (:class:`airsentry.incidents.users.UserStore`, its
``users`` table made by the store's schema), so a deployment has one file to back up;
this module keeps the roles, the tokens and their hashing, and what FastAPI needs.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from airsentry.errors import ConfigError, NotFound
from airsentry.incidents import IncidentStore


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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserBook:
    """The console's users over the store: add, remove, re-role and rotate users, and
    check tokens.

    Every check reads the store (one lookup by the token hash's unique index), with no
    cache: a role changed or a user removed by ``airsentry users`` in another process
    takes effect on the very next request.
    """

    def __init__(self, store: IncidentStore) -> None:
        self.store = store

    def close(self) -> None:
        """Nothing of its own to close: the store owns the connections."""

    def add(self, name: str, role: Role | str, *, replace: bool = False) -> str:
        """Create (or with ``replace`` re-issue) a user; return the new token."""
        name = _name(name)
        role = _role(role)
        token = secrets.token_urlsafe(32)
        if not self.store.users.put(name, str(role), hash_token(token), replace=replace):
            raise ConfigError("name", f"user {name!r} exists (use --replace)")
        return token

    def remove(self, name: str) -> None:
        """Delete a user; its token is refused from the next request on."""
        if not self.store.users.remove(name.strip()):
            raise NotFound("user", name)

    def set_role(self, name: str, role: Role | str) -> None:
        if not self.store.users.set_role(name.strip(), str(_role(role))):
            raise NotFound("user", name)

    def rotate(self, name: str) -> str:
        """A new token for the user (printed once); the old one is refused at once."""
        token = secrets.token_urlsafe(32)
        if not self.store.users.set_token(name.strip(), hash_token(token)):
            raise NotFound("user", name)
        return token

    def users(self) -> list[User]:
        return [User(u.name, Role(u.role)) for u in self.store.users.all()]

    def check(self, token: str) -> User | None:
        """The user holding ``token``, or None (compared by hash, in constant time)."""
        if not token or len(token) > 256:
            return None
        digest = hash_token(token)
        found = self.store.users.by_token_hash(digest)
        if found is None or not hmac.compare_digest(found.token_sha256, digest):
            return None
        return User(found.name, Role(found.role))


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise ConfigError("name", f"{name!r} is not a usable user name (1–64 characters)")
    return name


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ConfigError("role", f"{role!r} is not one of {[str(r) for r in Role]}") from None
