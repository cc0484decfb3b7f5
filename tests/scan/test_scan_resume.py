"""An interrupted scan resumes without redoing what its manifest lists as finished."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from scan_helpers import Replayed

from airsentry.config import DeploymentConfig, PipelineConfig
from airsentry.scan.engine import Runner, ScanPlan, ScanProgress
from airsentry.scan.partition import run_partition
from airsentry.scan.run import run_scan

PARTITIONS = 4


class Interrupted(Exception):
    """Stands for Ctrl-C or a lost machine in the middle of the map step."""


def inline_runner(calls: list[tuple[str, int]], stop_after: int | None = None) -> Runner:
    """Runs tasks in this process, records them; stops after ``stop_after`` partitions."""

    def submit(fn: Callable[..., Any], *args: Any) -> Future[Any]:
        calls.append((fn.__name__, int(args[0] if fn is run_partition else args[3])))
        fut: Future[Any] = Future()
        fut.set_result(fn(*args))
        return fut

    def completed(futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        for n, fut in enumerate(futures):
            if stop_after is not None and n == stop_after and isinstance(fut.result(), dict):
                raise Interrupted
            yield fut

    return Runner(submit, completed)


def test_an_interrupted_scan_resumes_where_it_stopped(replayed: Replayed, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    plan = ScanPlan(
        files=tuple(replayed.files),
        fmt="opensky",
        out_dir=tmp_path / "out",
        deployment=DeploymentConfig(
            pipeline=PipelineConfig(protect=None),
            zone_files=(replayed.zones,),
            events_out=events,
        ),
        partitions=PARTITIONS,
    )
    first: list[tuple[str, int]] = []
    with pytest.raises(Interrupted):
        run_scan(plan, inline_runner(first, stop_after=2), progress=ScanProgress(out=None))
    assert [c for c in first if c[0] == "guarded_stage"] == [("guarded_stage", i) for i in range(3)]
    manifest = (plan.out_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == 3 + 2  # three files staged, two partitions finished

    again: list[tuple[str, int]] = []
    summary = run_scan(plan, inline_runner(again), progress=ScanProgress(out=None))
    # nothing staged again; only the partitions the manifest did not list
    assert [c[0] for c in again] == ["run_partition"] * (PARTITIONS - 2)
    done_before = {int(json.loads(x)["partition"]) for x in manifest[3:]}
    assert {c[1] for c in again} == set(range(PARTITIONS)) - done_before
    assert events.read_text(encoding="utf-8").splitlines() == replayed.events
    assert len(summary.events) == len(replayed.events)


def test_a_different_scan_in_the_same_directory_is_refused(
    replayed: Replayed, tmp_path: Path
) -> None:
    from airsentry.errors import AirsentryError

    dep = DeploymentConfig(pipeline=PipelineConfig(protect=None), zone_files=(replayed.zones,))
    out = tmp_path / "out"
    run_scan(
        ScanPlan(tuple(replayed.files[:1]), "opensky", out, dep, partitions=2),
        inline_runner([]),
        progress=ScanProgress(out=None),
    )
    with pytest.raises(AirsentryError, match="different scan"):
        run_scan(
            ScanPlan(tuple(replayed.files), "opensky", out, dep, partitions=2),
            inline_runner([]),
            progress=ScanProgress(out=None),
        )
