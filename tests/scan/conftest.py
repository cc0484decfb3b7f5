"""Fixtures of the scan tests: the real recording, its replay, and a real Dask cluster
(separate worker processes on 127.0.0.1), started once for the module's tests."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from recording import recording, zone_file  # noqa: E402

from airsentry.cli import main  # noqa: E402
from airsentry.incidents import IncidentStore  # noqa: E402


@dataclass
class Replayed:
    """The recording's files, its zone file, and what ``airsentry replay`` made of them."""

    files: list[Path]
    zones: Path
    events: list[str]  # the --events-out lines
    incidents: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]


def incidents_of(db: Path) -> list[dict[str, Any]]:
    """Every incident of a store, with its events, as dicts."""
    with IncidentStore(db) as store:
        found = []
        for inc in store.list():
            full = store.get(inc.id, with_events=True)
            assert full is not None
            found.append(full.to_dict(with_events=True))
    return found


@pytest.fixture(scope="session")
def replayed(traffic_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    folder = tmp_path_factory.mktemp("scan-recording")
    files = recording(traffic_wheel, folder)
    zones = zone_file(folder)
    events = folder / "replay.jsonl"
    quarantine = folder / "replay-quarantine.jsonl"
    code = main(
        ["replay", *map(str, files), "--format", "opensky", "--zones", str(zones),
         "--protect", "all", "--db", str(folder / "replay.db"), "--events-out", str(events),
         "--quarantine", str(quarantine)]
    )  # fmt: skip
    assert code == 0
    return Replayed(
        files=files,
        zones=zones,
        events=events.read_text(encoding="utf-8").splitlines(),
        incidents=incidents_of(folder / "replay.db"),
        quarantine=[json.loads(x) for x in quarantine.read_text(encoding="utf-8").splitlines()],
    )


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of a real dask.distributed cluster: two single-threaded worker
    processes on 127.0.0.1."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address
