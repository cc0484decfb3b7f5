"""``airsentry demo``: the embedded September 2025 scenario through the whole pipeline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from airsentry.cli._common import chunks, run_pipeline
from airsentry.incidents import default_db_path, timeline_text
from airsentry.pipeline import DEFAULT_PROTECTED

DEMO_SCENARIO = "september-2025"


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the embedded September 2025 scenario")
    p.add_argument(
        "--db", type=Path, help="incident database (default: demo.sqlite in the data directory)"
    )
    p.add_argument("--json", action="store_true", help="print the incidents as a JSON array")
    p.add_argument("--seed", type=int, default=0, help="sensor-noise seed (default 0)")
    p.add_argument("--events-out", type=Path, help="write every event as a JSON line")
    p.add_argument(
        "--serve", action="store_true", help="then open the demo in the operator console"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.airspace import default_catalogue
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    scenario = load_library(DEMO_SCENARIO)
    reports = generate(scenario, seed=args.seed)
    db = args.db or default_db_path().with_name("demo.sqlite")
    incidents, pipeline = run_pipeline(
        default_catalogue().zones, chunks(reports), db, args.events_out, DEFAULT_PROTECTED
    )
    if args.json:
        print(json.dumps([inc.to_dict() for inc in incidents], indent=2))
    else:
        print(f"{scenario.title}: {len(reports):,} reports, {pipeline.stats.events:,} events")
        print(timeline_text(incidents))
        print(f"incident book: {db}")
    if args.serve:
        from airsentry.cli.serve import serve_demo

        serve_demo(db, seed=args.seed)
    return 0
