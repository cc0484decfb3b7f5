"""Fixtures of the incident-book tests: every store test runs on a real SQLite file and
on a real PostgreSQL server (started once per session, a schema of its own per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from incidents_helpers import recommend

from airsentry.incidents import IncidentBook, IncidentStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """An SQLite store file (for the tests of what only SQLite has: files, pragmas)."""
    return tmp_path / "book" / "airsentry.sqlite"


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Path | str]:
    """Makes the target of a new, empty store: an SQLite file or a PostgreSQL schema."""
    made = iter(range(1_000_000))

    def make() -> Path | str:
        if request.param == "sqlite":
            return tmp_path / f"store-{next(made)}" / "airsentry.sqlite"
        return str(request.getfixturevalue("postgres_server").new_schema())

    return make


@pytest.fixture
def db(new_db: Callable[[], Path | str]) -> Path | str:
    """The store's target of the test: a file path, or a ``postgresql://`` URL."""
    return new_db()


@pytest.fixture
def store(db: Path | str) -> Iterator[IncidentStore]:
    with IncidentStore(db) as s:
        yield s


@pytest.fixture
def book(store: IncidentStore) -> IncidentBook:
    return IncidentBook(store, recommend)
