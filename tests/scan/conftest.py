"""Fixtures of the scan tests: the real recording, its replay, and a real Dask cluster
(separate worker processes on 127.0.0.1), started once for the module's tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from scan_helpers import Replayed, incidents_of
from scan_recording import recording, zone_file

from airsentry.cli import main


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
         "--quarantine", str(quarantine), "--reports-out", str(folder / "reports.parquet")]
    )  # fmt: skip
    assert code == 0
    return Replayed(
        files=files,
        zones=zones,
        events=events.read_text(encoding="utf-8").splitlines(),
        incidents=incidents_of(folder / "replay.db"),
        quarantine=[json.loads(x) for x in quarantine.read_text(encoding="utf-8").splitlines()],
        reports=folder / "reports.parquet",
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
