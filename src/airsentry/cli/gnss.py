"""``airsentry gnss``: the GNSS-interference map of recorded files.

Reads the files like ``replay`` (any input format; bad records quarantined), maps
every transponder report into its H3 cell and UTC hour, and writes the map to each
``--out`` (``.geojson``, ``.parquet`` or ``.png``; see docs/gnss.md). Cells with fewer
than ``--min-aircraft`` aircraft in an hour say "insufficient" instead of a share.

Exit status 0 when reports were mapped; 1 when no report could be mapped (every record
rejected, or no transponder positions in the files); 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_option_flag, decoder_options
from airsentry.errors import AirsentryError


def register(sub: Any) -> None:
    p = sub.add_parser("gnss", help="map GNSS interference (degraded navigation) from recordings")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--format", required=True, help="input format (see: airsentry formats)")
    p.add_argument(
        "--out",
        action="append",
        type=Path,
        required=True,
        help="write the map here: .geojson, .parquet or .png (repeatable)",
    )
    add_option_flag(p)
    p.add_argument("--resolution", type=int, default=4, help="H3 resolution (default 4)")
    p.add_argument(
        "--min-aircraft",
        type=int,
        default=3,
        help="fewer aircraft in a cell-hour: 'insufficient' (default 3)",
    )
    p.add_argument(
        "--merge-hours",
        action="store_true",
        help="one row per cell over the whole recording instead of per hour",
    )
    p.add_argument("--quarantine", type=Path, help="write rejected input records here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.gnss import GnssConfig, GnssMap, write
    from airsentry.model import isoformat
    from airsentry.sources.base import Quarantine, decoder, read_file

    for out in args.out:
        if out.suffix.lower() not in (".geojson", ".json", ".parquet", ".png"):
            raise AirsentryError(f"--out {out}: write .geojson, .parquet or .png")
    try:
        config = GnssConfig(resolution=args.resolution, min_aircraft=args.min_aircraft)
    except ValueError as exc:
        raise AirsentryError(str(exc)) from None
    options = decoder_options(args.option)
    decoder(args.format, **options)  # an unknown format or option fails before any file
    for path in args.files:
        if not path.is_file():
            raise AirsentryError(f"{path}: no such file")
    quarantine = Quarantine(args.quarantine)
    gmap = GnssMap(config)
    try:
        for path in args.files:
            for batch in read_file(path, args.format, quarantine, **options):
                gmap.add(batch)
    finally:
        quarantine.close()
    table = gmap.table(merge_hours=args.merge_hours)
    window = {"to": isoformat(gmap.latest) if math.isfinite(gmap.latest) else None}
    for out in args.out:
        write(out, table, config, **window)
    counts = {s: int((table.status == s).sum()) for s in ("degraded", "suspect", "clean")}
    counts["insufficient"] = int((table.status == "insufficient").sum())
    print(
        f"{gmap.reports:,} reports mapped into {len(table):,} cell-hours: "
        + ", ".join(f"{n:,} {s}" for s, n in counts.items())
        + f"; {quarantine.summary()}",
        file=sys.stderr,
    )
    if gmap.reports == 0:
        print("no transponder positions to map (see --format)", file=sys.stderr)
        return 1
    return 0
