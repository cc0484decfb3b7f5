"""``airsentry heatmap``: approaches and violations per H3 cell and month.

From the incident book (the store, ``--db``) or from a scan's events Parquet
(``--events OUT/events.parquet``), to GeoJSON or Parquet (by the ending of ``--out``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option
from airsentry.errors import AirsentryError


def register(sub: Any) -> None:
    p = sub.add_parser("heatmap", help="approaches and violations per H3 cell and month")
    p.add_argument("--out", type=Path, required=True, help="map.geojson or map.parquet")
    p.add_argument("--events", type=Path, help="a scan's events.parquet (else the store)")
    add_db_option(p)
    p.add_argument("--resolution", type=int, default=5, help="H3 resolution (default 5)")
    p.add_argument("--month", help="only this month (YYYY-MM)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.scan import heatmap

    if args.events is not None:
        if not args.events.is_file():
            raise AirsentryError(f"{args.events}: no such file")
        events: list[Any] = heatmap.events_from_parquet(args.events)
    else:
        from airsentry.build import database
        from airsentry.config import DeploymentConfig
        from airsentry.incidents import IncidentStore, store_exists

        db = database(DeploymentConfig(db=args.db))
        if not store_exists(db):  # a file that is not there (a server's URL says on opening)
            raise AirsentryError(f"{db}: no incident store there")
        with IncidentStore(db) as store:
            events = heatmap.events_from_store(store)
    cells = heatmap.select(heatmap.heat_counts(events, args.resolution), month=args.month)
    heatmap.write(cells, args.out)
    total_a = sum(c.approaches for c in cells)
    total_v = sum(c.violations for c in cells)
    print(
        f"{len(cells)} cell-months: {total_a:,} approaches, {total_v:,} violations -> {args.out}",
        file=sys.stderr,
    )
    return 0
