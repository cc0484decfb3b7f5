"""``airsentry replay``: the pipeline on recorded files, in event time.

``--speed`` paces the reports by their own times (1 = as they happened, 10 = ten times
faster; 0, the default, = as fast as the pipeline goes); the pipeline sees the same
batches in the same event-time order either way.

Exit status 0 when reports were read; 1 when every record was rejected (the wrong
``--format``, most likely); 2 for a file that is missing or a directory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airsentry.cli._common import (
    add_deployment_options,
    add_option_flag,
    check_recordings,
    chunks,
    decoder_options,
    deployment_from_args,
)
from airsentry.model import ReportBatch


def register(sub: Any) -> None:
    p = sub.add_parser("replay", help="run the pipeline on recorded files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--format", required=True, help="input format (see: airsentry formats)")
    add_deployment_options(p)
    add_option_flag(p)
    p.add_argument("--quarantine", type=Path, help="write rejected input records here (JSON lines)")
    p.add_argument(
        "--reports-out",
        type=Path,
        help="write every decoded report here (.parquet or .jsonl), before tracking",
    )
    p.add_argument(
        "--speed",
        type=_speed,
        default=0.0,
        help="pace the replay: 1 = real time, 10 = ten times faster, 0 = as fast as possible",
    )
    p.set_defaults(func=run)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number >= 0")
    return value


def run(args: argparse.Namespace) -> int:
    from airsentry.build import open_run
    from airsentry.incidents import timeline_text
    from airsentry.sources._reports_out import ReportsFile
    from airsentry.sources.base import Quarantine, decoder, read_file
    from airsentry.sources.live import pace

    options = decoder_options(args.option)
    decoder(args.format, **options)  # an unknown format or option fails before any file
    deployment = deployment_from_args(args)
    check_recordings(args.files)
    quarantine = Quarantine(deployment.quarantine)

    reports_out = ReportsFile(args.reports_out) if args.reports_out else None

    def batches() -> Iterator[ReportBatch]:
        for path in args.files:
            for batch in read_file(path, args.format, quarantine, **options):
                if reports_out is not None:
                    reports_out.write(batch)
                yield from chunks(batch)

    try:
        with open_run(deployment) as run:
            run.pipeline.consume(pace(batches(), args.speed))
            incidents, totals = run.incidents(), run.totals
            tr = run.pipeline.tracker.stats
    finally:
        quarantine.close()
        if reports_out is not None:
            reports_out.close()
    print(
        f"{totals.reports:,} reports, {tr.tracks_started:,} tracks, {totals.events:,} events, "
        f"{len(incidents)} incidents; {quarantine.summary()}",
        file=sys.stderr,
    )
    if tr.untracked or tr.late:
        print(f"not tracked: {tr.untracked:,} without identity, {tr.late:,} late", file=sys.stderr)
    print(timeline_text(incidents) if incidents else "no incidents")
    if totals.reports == 0 and quarantine.count:
        print(
            f"every record was rejected: is this {args.format!r}? (see --format)",
            file=sys.stderr,
        )
        return 1
    return 0
