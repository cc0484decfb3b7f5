"""``airsentry serve``: the operator console and API over the incident store.

With ``--demo`` or ``--replay`` the server also runs the pipeline on that input, paced
by event time (``--speed``), and pushes tracks and alerts to the consoles; without a
feed it serves the stored incidents and replays stored events. ``--config`` runs the
live feeds of a deployment file (``docs/configuration.md``, as ``airsentry run`` does):
its feeds, zones, thresholds, protected states and store (``--db`` and ``--zones``
override and add).

The command line wires the pipeline for the server (the server is a face over the
pipeline and never builds one itself); ``airsentry demo --serve`` comes here too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airsentry.cli._common import add_db_option, parse_protect
from airsentry.errors import AirsentryError
from airsentry.incidents import IncidentStore, default_db_path
from airsentry.model import ReportBatch, Zone
from airsentry.pipeline import DEFAULT_PROTECTED, Pipeline, PipelineConfig

DEMO_SCENARIO = "september-2025"


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the operator console and API")
    add_db_option(p)
    p.add_argument("--config", type=Path, help="live-feeds configuration file")
    feed = p.add_mutually_exclusive_group()
    feed.add_argument("--demo", action="store_true", help="replay the September 2025 demo")
    feed.add_argument("--replay", type=Path, nargs="+", metavar="FILE", help="recorded files")
    p.add_argument("--format", help="format of the --replay files")
    p.add_argument("--zones", type=Path, action="append", default=[], help="GeoJSON user zones")
    p.add_argument("--speed", type=float, default=30.0, help="replay speed (0: flat out)")
    p.add_argument("--protect", default="default", help="ISO3 list, 'all' or 'default'")
    p.add_argument("--playbook", type=Path, help="rules of engagement (default: shipped)")
    p.add_argument(
        "--audit-log", type=Path, help="decisions audit log (default: beside the database)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.set_defaults(func=run)


def zones_for(paths: Iterable[Path], *, default: bool = True) -> list[Zone]:
    from airsentry.airspace import default_catalogue, load_user_zones

    zones = list(default_catalogue().zones) if default else []
    for path in paths:
        zones += load_user_zones(path)
    return zones


def pipeline_factory(
    zones: Sequence[Zone], config: PipelineConfig
) -> Callable[[IncidentStore | None], Pipeline]:
    """How the server's runner makes its pipeline over a store (or none)."""

    def make(store: IncidentStore | None) -> Pipeline:
        return Pipeline(zones, store=store, config=config)

    return make


def audit_log_for(db: Path) -> Path:
    """Where decisions are audited unless told otherwise: beside the database."""
    return db.with_name(db.stem + ".audit.jsonl")


def run(args: argparse.Namespace) -> int:
    from airsentry.server.console_desk import DecisionDesk
    from airsentry.server.runner import RunnerConfig
    from airsentry.server.serving import open_context, serve

    if args.speed < 0:
        raise AirsentryError("--speed must be 0 or more")
    feed = _feed(args)
    db = args.db or feed.db
    if not feed.zones:
        raise AirsentryError("no zones to watch")
    ctx = open_context(
        db,
        feed.zones,
        feed.batches,
        pipeline=pipeline_factory(feed.zones, feed.config),
        runner_config=RunnerConfig(speed=feed.speed),
    )
    ctx.desk = DecisionDesk.open(args.audit_log or audit_log_for(db), args.playbook)
    if not ctx.users.users():
        print(
            "no console users yet: create one with "
            f"`airsentry users add NAME --role commander --db {db}`",
            file=sys.stderr,
        )
    serve(ctx, args.host, args.port, lambda url: print(f"console: {url}", flush=True))
    return 0


@dataclass(slots=True)
class _Feed:
    batches: Iterable[ReportBatch] | None
    zones: list[Zone]
    config: PipelineConfig
    db: Path
    speed: float


def _feed(args: argparse.Namespace) -> _Feed:
    """What to run: the live feeds of ``--config``, the demo, recorded files, or nothing."""
    from airsentry.server.serving import file_batches, live_batches, scenario_batches

    if args.config is not None:
        if args.demo or args.replay:
            raise AirsentryError("--config (live feeds) cannot be combined with --demo/--replay")
        from airsentry.config import load_config

        cfg = load_config(args.config)
        batches = live_batches(
            cfg.feeds,
            quarantine_path=cfg.quarantine,
            window_s=cfg.merge.window_s,
            emit_every_s=cfg.merge.emit_every_s,
        )
        zones = zones_for([*cfg.zone_files, *args.zones], default=cfg.default_zones)
        # live feeds come at their own pace: no replay speed
        return _Feed(batches, zones, cfg.pipeline, cfg.db or default_db_path(), 0.0)
    zones, config = zones_for(args.zones), PipelineConfig(protect=parse_protect(args.protect))
    if args.demo:
        demo_db = default_db_path().with_name("demo.sqlite")
        return _Feed(scenario_batches(DEMO_SCENARIO), zones, config, demo_db, args.speed)
    if args.replay:
        if not args.format:
            raise AirsentryError("--replay needs --format")
        missing = [str(p) for p in args.replay if not p.exists()]
        if missing:
            raise AirsentryError(f"{', '.join(missing)}: no such file")
        batches = file_batches(args.replay, args.format, None)
        return _Feed(batches, zones, config, default_db_path(), args.speed)
    return _Feed(None, zones, config, default_db_path(), args.speed)


def demo_context(db: Path, *, seed: int = 0, speed: float = 30.0) -> tuple[Any, str]:
    """The console over a store the demo was run into, replaying the demo's reports.

    The store already holds the demo's incidents, so the replay books nothing twice: it
    announces each stored incident as the replay reaches it. A fresh commander token is
    issued for this run (user ``demo``): nothing is a default password; each run makes a
    new random token, shown once. Returns the server context and the token.
    """
    from airsentry.airspace import default_catalogue
    from airsentry.server.runner import RunnerConfig
    from airsentry.server.serving import open_context, scenario_batches

    zones = default_catalogue().zones
    ctx = open_context(
        db,
        zones,
        scenario_batches(DEMO_SCENARIO, seed),
        pipeline=pipeline_factory(zones, PipelineConfig(protect=DEFAULT_PROTECTED)),
        runner_config=RunnerConfig(speed=speed),
        booked=True,
    )
    from airsentry.server.console_desk import DecisionDesk

    ctx.desk = DecisionDesk.open(audit_log_for(db))
    return ctx, ctx.users.add("demo", "commander", replace=True)


def serve_demo(db: Path, *, seed: int = 0) -> None:
    """``airsentry demo --serve``: the demo in the console, opened in a browser and
    signed in through the page address."""
    import webbrowser

    from airsentry.server.serving import serve

    ctx, token = demo_context(db, seed=seed)

    def ready(url: str) -> None:
        address = f"{url}#token={token}"
        print(f"console: {address}  (Ctrl-C stops the server)", flush=True)
        webbrowser.open(address)

    serve(ctx, on_ready=ready)
