"""``airsentry scan``: the replay pipeline over recorded traffic, on every core or Dask.

Decodes every file with the format's decoder (as ``replay`` does), splits the reports
by identity into ``--partitions`` partitions, runs each through the pipeline (same
zones, same detectors) and merges the partitions deterministically: the events (one
Parquet row each, in ``OUT/events.parquet``) and, with ``--book``, the incidents are
those a replay of the same files makes. ``--engine local`` (the default) runs on this
machine's cores; ``--engine dask`` on a ``dask.distributed`` cluster, an existing one
(``--scheduler tcp://HOST:8786``) or a local one of ``--workers`` processes. Started
again with the same ``--out``, a scan redoes nothing it had finished.

Exit status 0 when reports were read; 1 when every record was rejected; 2 for a
missing file or a faulty option.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from airsentry.cli._common import (
    add_deployment_options,
    add_option_flag,
    check_recordings,
    decoder_options,
    deployment_from_args,
)
from airsentry.errors import AirsentryError


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("scan", help="run the pipeline over recorded traffic, in parallel")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument(
        "--format",
        default="opensky",
        help="input format (default opensky: state vectors, CSV or Parquet; see formats)",
    )
    p.add_argument("--out", type=Path, required=True, help="output directory (resumable)")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--workers", type=_positive, help="worker processes (default: every core)")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler (--engine dask)")
    p.add_argument(
        "--partitions", type=_positive, default=8, help="identity partitions (default 8)"
    )
    p.add_argument("--book", action="store_true", help="book the incidents in the store (--db)")
    p.add_argument("--heatmap", type=Path, help="also write a heat map (.geojson or .parquet)")
    p.add_argument("--resolution", type=int, default=5, help="H3 resolution of --heatmap")
    p.add_argument("--quarantine", type=Path, help="append rejected input records here")
    add_deployment_options(p)
    add_option_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.scan import heatmap
    from airsentry.scan.engine import ScanPlan
    from airsentry.scan.run import run_scan, runner_for
    from airsentry.sources.base import decoder

    if args.scheduler and args.engine != "dask":
        raise AirsentryError("--scheduler needs --engine dask")
    if not 0 <= args.resolution <= 15:
        raise AirsentryError(f"--resolution {args.resolution}: H3 resolutions are 0 to 15")
    if args.heatmap is not None and args.heatmap.suffix.lower() not in (
        ".geojson",
        ".json",
        ".parquet",
    ):
        raise AirsentryError(f"--heatmap {args.heatmap}: end the name in .geojson or .parquet")
    options = decoder_options(args.option)
    decoder(args.format, **options)  # an unknown format or option fails before any file
    deployment = deployment_from_args(args)
    check_recordings(args.files)
    plan = ScanPlan(
        files=tuple(args.files),
        fmt=args.format,
        out_dir=args.out,
        deployment=deployment,
        options=options,
        partitions=args.partitions,
    )
    with runner_for(args.engine, workers=args.workers, scheduler=args.scheduler) as runner:
        summary = run_scan(plan, runner, book=args.book)
    if deployment.quarantine is not None:
        with deployment.quarantine.open("a", encoding="utf-8") as fh:
            for part in sorted((args.out / "quarantine").glob("*.jsonl")):
                fh.write(part.read_text(encoding="utf-8"))
    if args.heatmap is not None:
        cells = heatmap.heat_counts(summary.events, args.resolution)
        heatmap.write(cells, args.heatmap)
        print(f"heat map: {len(cells)} cell-months in {args.heatmap}", file=sys.stderr)
    reasons = ", ".join(f"{k} ({v})" for k, v in sorted(summary.reasons.items()))
    print(
        f"{summary.accepted:,} reports from {summary.files} files, {summary.tracks:,} tracks, "
        f"{len(summary.events):,} events, {len(summary.incidents)} incidents; "
        f"{summary.rejected:,} rejected, {summary.skipped:,} skipped"
        + (f": {reasons}" if reasons else "")
        + f"; quarantine records in {args.out / 'quarantine'}",
        file=sys.stderr,
    )
    print(f"events: {summary.events_file}")
    if summary.accepted == 0 and summary.rejected:
        print(
            f"every record was rejected: is this {args.format!r}? (see --format)", file=sys.stderr
        )
        return 1
    return 0
