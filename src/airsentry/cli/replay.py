"""``airsentry replay``: the pipeline on recorded files, in event time.

``--speed`` paces the reports by their own times (1 = as they happened, 10 = ten times
faster; 0, the default, = as fast as the pipeline goes); the pipeline sees the same
batches in the same event-time order either way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option, chunks, parse_protect, run_pipeline
from airsentry.errors import AirsentryError
from airsentry.incidents import default_db_path, timeline_text
from airsentry.model import ReportBatch, Zone


def register(sub: Any) -> None:
    p = sub.add_parser("replay", help="run the pipeline on recorded files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--format", required=True, help="input format (see: airsentry formats)")
    p.add_argument(
        "--zones", type=Path, action="append", default=[], help="GeoJSON of user zones (repeatable)"
    )
    p.add_argument("--no-default-zones", action="store_true", help="watch only the --zones")
    add_db_option(p)
    p.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    p.add_argument("--quarantine", type=Path, help="write rejected input records here (JSON lines)")
    p.add_argument(
        "--protect",
        default="default",
        help="comma-separated ISO3 states to watch, 'all', or 'default' (NATO and EU)",
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
    from airsentry.airspace import default_catalogue, load_user_zones
    from airsentry.sources.base import Quarantine, decoder_factory, read_file
    from airsentry.sources.live import pace

    decoder_factory(args.format)  # an unknown format fails before any file is opened
    zones: list[Zone] = [] if args.no_default_zones else list(default_catalogue().zones)
    for path in args.zones:
        zones += load_user_zones(path)
    if not zones:
        raise AirsentryError("no zones to watch: give --zones or drop --no-default-zones")
    protect = parse_protect(args.protect)
    if args.no_default_zones and args.protect == "default":
        protect = None  # user zones are watched whoever owns them
    for path in args.files:
        if not path.exists():
            raise AirsentryError(f"{path}: no such file")
    quarantine = Quarantine(args.quarantine)

    def batches() -> Iterator[ReportBatch]:
        for path in args.files:
            for batch in read_file(path, args.format, quarantine):
                yield from chunks(batch)

    db = args.db or default_db_path()
    try:
        paced = pace(batches(), args.speed)
        incidents, pipeline = run_pipeline(zones, paced, db, args.events_out, protect)
    finally:
        quarantine.close()
    st, tr = pipeline.stats, pipeline.tracker.stats
    print(
        f"{st.reports:,} reports, {tr.tracks_started:,} tracks, {st.events:,} events, "
        f"{len(incidents)} incidents; {quarantine.summary()}",
        file=sys.stderr,
    )
    if tr.untracked or tr.late:
        print(f"not tracked: {tr.untracked:,} without identity, {tr.late:,} late", file=sys.stderr)
    print(timeline_text(incidents) if incidents else "no incidents")
    return 0
