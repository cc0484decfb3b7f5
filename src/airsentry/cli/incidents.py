"""``airsentry incidents list|show|export``: the incident book."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option
from airsentry.errors import AirsentryError


def register(sub: Any) -> None:
    inc = sub.add_parser("incidents", help="the incident book")
    isub = inc.add_subparsers(dest="action", required=True)
    il = isub.add_parser("list", help="list incidents")
    il.add_argument("--owner", help="ISO3 owner state")
    il.add_argument("--year", type=int)
    ishow = isub.add_parser("show", help="one incident with its events")
    ishow.add_argument("id")
    iexp = isub.add_parser("export", help="export incidents")
    iexp.add_argument("--format", choices=["json", "csv", "geojson"], default="json")
    iexp.add_argument("--owner")
    iexp.add_argument("--year", type=int)
    for sp in (il, ishow, iexp):
        add_db_option(sp)
    inc.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.incidents import IncidentStore, default_db_path, export, timeline_text

    db = args.db or default_db_path()
    if not Path(db).exists():
        raise AirsentryError(f"{db}: no incident database (run a replay or the demo first)")
    with IncidentStore(db) as store:
        if args.action == "show":
            inc = store.get(args.id, with_events=True)
            if inc is None:
                raise AirsentryError(f"no incident {args.id!r} in {db}")
            print(json.dumps(inc.to_dict(with_events=True), indent=2))
            return 0
        owner = args.owner.upper() if args.owner else None
        incidents = store.list(owner=owner, year=args.year)
        if args.action == "export":
            print(export(incidents, args.format))
        else:
            print(timeline_text(incidents) if incidents else "no incidents")
    return 0
