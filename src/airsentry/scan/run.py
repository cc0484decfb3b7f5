"""One scan, start to end: the map step on an engine, then the reduce step here."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from airsentry.build import build, database, deployment_zones
from airsentry.incidents import IncidentStore
from airsentry.model import Event, Incident
from airsentry.scan.engine import (
    Runner,
    ScanPlan,
    ScanProgress,
    dask_runner,
    local_runner,
    map_step,
)
from airsentry.scan.reduce import load_results, reduce
from airsentry.scan.results import EventsParquet

Engine = Literal["local", "dask"]
EVENTS_FILE = "events.parquet"


@dataclass
class ScanSummary:
    """What a scan did."""

    events: list[Event]
    incidents: list[Incident]
    files: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    tracks: int = 0
    untracked: int = 0
    late: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)
    events_file: Path | None = None


def runner_for(
    engine: Engine, *, workers: int | None = None, scheduler: str | None = None
) -> AbstractContextManager[Runner]:
    if engine == "dask":
        return dask_runner(scheduler, workers)
    return local_runner(workers)


def run_scan(
    plan: ScanPlan,
    runner: Runner,
    *,
    book: bool = False,
    progress: ScanProgress | None = None,
) -> ScanSummary:
    """Map on ``runner``, reduce here; events to ``<out>/events.parquet`` (and the
    deployment's events file), incidents to its store when ``book``."""
    progress = progress or ScanProgress()
    started = time.perf_counter()
    staged = map_step(plan, runner, progress)
    results = load_results(plan.out_dir, plan.partitions)
    zones = deployment_zones(plan.deployment)
    parquet = EventsParquet(plan.out_dir / EVENTS_FILE)
    with ExitStack() as stack:
        store = None
        if book:
            store = stack.enter_context(IncidentStore(database(plan.deployment), record=True))
        pipeline = build(plan.deployment, store, all_zones=zones, sinks=[parquet])
        try:
            cfg = plan.deployment.pipeline
            merged = reduce(results, pipeline, expire_s=cfg.tracking.expire_s, watch=cfg.watch)
        finally:
            pipeline.close()
    progress.say(
        f"{merged.rows:,} rows, {merged.tracks:,} tracks, {len(merged.events):,} events, "
        f"{len(merged.incidents)} incidents in {time.perf_counter() - started:.1f} s"
    )
    keyless = sum(r.keyless for r in staged)
    if keyless:
        progress.say(
            f"warning: {keyless:,} reports carry no identity (radar plots, detections): they "
            "were tracked in partition 0 only, so tracks the multi-target tracker would join "
            "to identified objects in other partitions may differ from a replay's"
        )
    reasons: dict[str, int] = {}
    for r in staged:
        for k, v in r.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
    return ScanSummary(
        events=merged.events,
        incidents=sorted(merged.incidents.values(), key=lambda i: (i.start, i.id)),
        files=len(staged),
        accepted=sum(r.accepted for r in staged),
        rejected=sum(r.rejected for r in staged),
        skipped=sum(r.skipped for r in staged),
        tracks=merged.tracks,
        untracked=merged.untracked,
        late=merged.late,
        seconds=time.perf_counter() - started,
        reasons=reasons,
        events_file=plan.out_dir / EVENTS_FILE,
    )
