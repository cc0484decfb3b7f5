"""Fixtures of the incident-book tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from incidents_helpers import recommend

from airsentry.incidents import IncidentBook, IncidentStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "book" / "airsentry.sqlite"


@pytest.fixture
def store(db_path: Path) -> Iterator[IncidentStore]:
    with IncidentStore(db_path) as s:
        yield s


@pytest.fixture
def book(store: IncidentStore) -> IncidentBook:
    return IncidentBook(store, recommend)
