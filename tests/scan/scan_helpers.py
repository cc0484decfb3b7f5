"""What the scan tests compare: a replay's events, incidents and quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airsentry.incidents import IncidentStore


@dataclass
class Replayed:
    """The recording's files, its zone file, and what ``airsentry replay`` made of them."""

    files: list[Path]
    zones: Path
    events: list[str]  # the --events-out lines
    incidents: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]
    reports: Path  # what the replay decoded, as --reports-out wrote it (Parquet)


def incidents_of(db: Path) -> list[dict[str, Any]]:
    """Every incident of a store, with its events, as dicts."""
    with IncidentStore(db) as store:
        found = []
        for inc in store.list():
            full = store.get(inc.id, with_events=True)
            assert full is not None
            found.append(full.to_dict(with_events=True))
    return found
