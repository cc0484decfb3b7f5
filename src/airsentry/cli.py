"""``airsentry`` command line: a thin face over the pipeline and the incident store.

Commands: ``demo`` (the embedded September 2025 scenario), ``replay`` (recorded files),
``incidents`` (list, show, export) and ``zones`` (list the catalogue). Errors that come
from the user's input print one clear line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from airsentry import __version__
from airsentry.errors import AirsentryError
from airsentry.incidents import IncidentStore, default_db_path, export, timeline_text
from airsentry.model import Event, Incident, ReportBatch, Zone, ZoneKind
from airsentry.pipeline import DEFAULT_PROTECTED, Pipeline, PipelineConfig

DEMO_SCENARIO = "september-2025"
BATCH_ROWS = 20_000


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AirsentryError as exc:
        print(f"airsentry: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="airsentry", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--version", action="version", version=f"airsentry {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the embedded September 2025 scenario")
    demo.add_argument(
        "--db", type=Path, help="incident database (default: demo.sqlite in the data directory)"
    )
    demo.add_argument("--json", action="store_true", help="print the incidents as a JSON array")
    demo.add_argument("--seed", type=int, default=0, help="sensor-noise seed (default 0)")
    demo.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    demo.set_defaults(func=cmd_demo)

    rp = sub.add_parser("replay", help="run the pipeline on recorded files")
    rp.add_argument("files", nargs="+", type=Path)
    rp.add_argument("--format", required=True, help="input format (opensky, sbs, ...)")
    rp.add_argument(
        "--zones", type=Path, action="append", default=[], help="GeoJSON of user zones (repeatable)"
    )
    rp.add_argument("--no-default-zones", action="store_true", help="watch only the --zones")
    rp.add_argument("--db", type=Path, help="incident database (default: in the data directory)")
    rp.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    rp.add_argument(
        "--quarantine", type=Path, help="write rejected input records here (JSON lines)"
    )
    rp.add_argument(
        "--protect",
        default="default",
        help="comma-separated ISO3 states to watch, 'all', or 'default' (NATO and EU)",
    )
    rp.set_defaults(func=cmd_replay)

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
        sp.add_argument(
            "--db", type=Path, help="incident database (default: in the data directory)"
        )
    inc.set_defaults(func=cmd_incidents)

    zones = sub.add_parser("zones", help="the zone catalogue")
    zsub = zones.add_subparsers(dest="action", required=True)
    zl = zsub.add_parser("list", help="list zones")
    zl.add_argument("--kind", choices=[k.value for k in ZoneKind])
    zl.add_argument("--owner", help="ISO3 owner state")
    zones.set_defaults(func=cmd_zones)
    return p


# ------------------------------------------------------------------------------ demo
def cmd_demo(args: argparse.Namespace) -> int:
    from airsentry.airspace.zones import default_catalogue
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    scenario = load_library(DEMO_SCENARIO)
    reports = generate(scenario, seed=args.seed)
    db = args.db or default_db_path().with_name("demo.sqlite")
    incidents, pipeline = _run(
        default_catalogue().zones, _chunks(reports), db, args.events_out, DEFAULT_PROTECTED
    )
    if args.json:
        print(json.dumps([inc.to_dict() for inc in incidents], indent=2))
    else:
        print(f"{scenario.title}: {len(reports):,} reports, {pipeline.stats.events:,} events")
        print(timeline_text(incidents))
        print(f"incident book: {db}")
    return 0


def _chunks(batch: ReportBatch, rows: int = BATCH_ROWS) -> Iterator[ReportBatch]:
    for start in range(0, len(batch), rows):
        yield batch.take(slice(start, start + rows))


def _run(
    zones: Sequence[Zone],
    batches: Iterator[ReportBatch],
    db: Path,
    events_out: Path | None,
    protect: frozenset[str] | None,
) -> tuple[list[Incident], Pipeline]:
    config = PipelineConfig(protect=protect)
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


# ---------------------------------------------------------------------------- replay
def cmd_replay(args: argparse.Namespace) -> int:
    from airsentry.airspace import default_catalogue, load_user_zones
    from airsentry.sources.base import Quarantine, get_source

    source = get_source(args.format)
    zones: list[Zone] = [] if args.no_default_zones else list(default_catalogue().zones)
    for path in args.zones:
        zones += load_user_zones(path)
    if not zones:
        raise AirsentryError("no zones to watch: give --zones or drop --no-default-zones")
    protect = _protect(args.protect)
    if args.no_default_zones and args.protect == "default":
        protect = None  # user zones are watched whoever owns them
    quarantine = Quarantine(args.quarantine)

    def batches() -> Iterator[ReportBatch]:
        for path in args.files:
            if not path.exists():
                raise AirsentryError(f"{path}: no such file")
            for batch in source.read(path, quarantine):
                yield from _chunks(batch)

    db = args.db or default_db_path()
    try:
        incidents, pipeline = _run(zones, batches(), db, args.events_out, protect)
    finally:
        quarantine.close()
    st = pipeline.stats
    tr = pipeline.tracker.stats
    print(
        f"{st.reports:,} reports, {tr.tracks_started:,} tracks, {st.events:,} events, "
        f"{len(incidents)} incidents; {quarantine.summary()}",
        file=sys.stderr,
    )
    if tr.untracked or tr.late:
        print(f"not tracked: {tr.untracked:,} without identity, {tr.late:,} late", file=sys.stderr)
    print(timeline_text(incidents))
    return 0


def _protect(text: str) -> frozenset[str] | None:
    if text == "default":
        return DEFAULT_PROTECTED
    if text == "all":
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    bad = sorted(c for c in codes if len(c) != 3 or not c.isalpha())
    if bad:
        raise AirsentryError(f"--protect: {', '.join(bad)} are not ISO 3166 alpha-3 codes")
    return codes


# ------------------------------------------------------------------------- incidents
def cmd_incidents(args: argparse.Namespace) -> int:
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
        incidents = store.list(owner=args.owner, year=args.year)
        if args.action == "export":
            print(export(incidents, args.format))
        else:
            print(timeline_text(incidents) if incidents else "no incidents")
    return 0


# ----------------------------------------------------------------------------- zones
def cmd_zones(args: argparse.Namespace) -> int:
    from airsentry.airspace.zones import default_catalogue

    for z in default_catalogue().zones:
        if args.kind and z.kind != args.kind:
            continue
        if args.owner and z.owner != args.owner.upper():
            continue
        floor = "" if z.floor_m == float("-inf") else f" floor {z.floor_m:.0f} m"
        ceiling = "" if z.ceiling_m == float("inf") else f" ceiling {z.ceiling_m:.0f} m"
        print(f"{z.id}\t{z.kind}\t{z.owner}\t{z.name}{floor}{ceiling}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
