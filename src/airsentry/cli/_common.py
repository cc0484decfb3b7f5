"""What several commands share: running the pipeline into a store, batching, options."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from airsentry.errors import AirsentryError
from airsentry.incidents import IncidentStore
from airsentry.model import Event, Incident, ReportBatch, Zone
from airsentry.pipeline import DEFAULT_PROTECTED, Pipeline, PipelineConfig

BATCH_ROWS = 20_000


def chunks(batch: ReportBatch, rows: int = BATCH_ROWS) -> Iterator[ReportBatch]:
    """Split a batch into pieces of at most ``rows`` reports."""
    for start in range(0, len(batch), rows):
        yield batch.take(slice(start, start + rows))


def run_pipeline(
    zones: Sequence[Zone],
    batches: Iterator[ReportBatch],
    db: Path,
    events_out: Path | None,
    protect: frozenset[str] | None,
    config: PipelineConfig | None = None,
) -> tuple[list[Incident], Pipeline]:
    """Run batches through a pipeline that books into ``db``; return the run's incidents."""
    config = config or PipelineConfig(protect=protect)
    sink: IO[str] | None = events_out.open("w", encoding="utf-8") if events_out else None

    def write(events: Sequence[Event]) -> None:
        if sink is not None:
            for e in events:
                sink.write(json.dumps(e.to_dict()) + "\n")
            sink.flush()

    try:
        with IncidentStore(db) as store:
            pipeline = Pipeline(zones, store=store, config=config, on_events=write)
            pipeline.run(batches)
            return pipeline.incidents(), pipeline
    finally:
        if sink is not None:
            sink.close()


def parse_protect(text: str) -> frozenset[str] | None:
    """``default`` (NATO and EU), ``all`` (None) or comma-separated ISO3 codes."""
    if text == "default":
        return DEFAULT_PROTECTED
    if text == "all":
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    bad = sorted(c for c in codes if len(c) != 3 or not c.isalpha())
    if bad or not codes:
        raise AirsentryError(
            f"--protect: {', '.join(bad) or text!r} are not ISO 3166 alpha-3 codes"
        )
    return codes


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help="incident database (default: in the data directory)")
