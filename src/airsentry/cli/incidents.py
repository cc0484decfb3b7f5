"""``airsentry incidents list|show|export|import|report``: the incident book."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airsentry.cli._common import add_db_option
from airsentry.errors import AirsentryError

if TYPE_CHECKING:  # imported when the command runs: `airsentry --help` stays light
    from airsentry.incidents import IncidentStore


def register(sub: Any) -> None:
    inc = sub.add_parser("incidents", help="the incident book")
    isub = inc.add_subparsers(dest="action", required=True)
    il = isub.add_parser("list", help="list incidents")
    il.add_argument("--owner", help="ISO3 owner state")
    il.add_argument("--year", type=int)
    ishow = isub.add_parser("show", help="one incident with its events")
    ishow.add_argument("id")
    iexp = isub.add_parser("export", help="export incidents")
    iexp.add_argument("--format", choices=["json", "csv", "geojson", "kml"], default="json")
    iexp.add_argument("--owner")
    iexp.add_argument("--year", type=int)
    iimp = isub.add_parser(
        "import", help="add violations from public reports to the record (CSV or JSON)"
    )
    iimp.add_argument("file", type=Path)
    irep = isub.add_parser("report", help="the dossier of one incident (HTML or PDF)")
    irep.add_argument("id")
    irep.add_argument("--html", type=Path, help="write the dossier as one HTML page")
    irep.add_argument("--pdf", type=Path, help="write it as PDF (printed by headless Chromium)")
    irep.add_argument(
        "--audit-log", type=Path, help="audit log (default: beside the database, <db>.audit.jsonl)"
    )
    for sp in (il, ishow, iexp, iimp, irep):
        add_db_option(sp)
    inc.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.incidents import (
        IncidentStore,
        default_db_path,
        export,
        local_anchor,
        store_exists,
        timeline_text,
    )

    db = args.db or default_db_path()
    if args.action == "import":
        from airsentry.incidents.record import load

        rows = load(args.file)  # every row checked before anything is written
        with IncidentStore(db, record=True) as store:
            added = store.import_record(rows)
        n = sum(r.count for r in rows)
        print(
            f"{args.file}: {len(rows)} rows ({n} violations or closures), {added} new; "
            f"{store.location}"
        )
        return 0
    if not store_exists(db):
        raise AirsentryError(f"{db}: no incident database (run a replay or the demo first)")
    with IncidentStore(db) as store:
        if args.action == "show":
            inc = store.get(args.id, with_events=True)
            if inc is None:
                raise AirsentryError(f"no incident {args.id!r} in {store.location}")
            print(json.dumps(inc.to_dict(with_events=True), indent=2))
            return 0
        if args.action == "report":
            return _report(store, args, local_anchor(db))
        owner = args.owner.upper() if args.owner else None
        incidents = store.list(owner=owner, year=args.year)
        if args.action == "export" and args.format in ("kml", "geojson"):
            # paths need the events; KML also draws the zones of the shipped catalogue
            full = [store.get(i.id, with_events=True) or i for i in incidents]
            if args.format == "geojson":
                print(export(full, "geojson"))
            else:
                from airsentry.airspace import default_catalogue
                from airsentry.outputs.kml import to_kml

                print(to_kml(full, {z.id: z for z in default_catalogue().zones}))
        elif args.action == "export":
            print(export(incidents, args.format))
        else:
            print(timeline_text(incidents) if incidents else "no incidents")
    return 0


def _report(store: IncidentStore, args: argparse.Namespace, db: Path) -> int:
    from airsentry.airspace import default_catalogue
    from airsentry.decisions.audit import AuditLog, default_log_path
    from airsentry.outputs.dossier import gather, render_html, write_pdf

    if args.html is None and args.pdf is None:
        raise AirsentryError("incidents report: give --html FILE and/or --pdf FILE")
    zones = {z.id: z for z in default_catalogue().zones}
    log = AuditLog(args.audit_log or default_log_path(db))
    page = render_html(gather(store, args.id, zones, log))
    if args.html is not None:
        args.html.write_text(page, encoding="utf-8")
    if args.pdf is not None:
        write_pdf(page, args.pdf)
    return 0
