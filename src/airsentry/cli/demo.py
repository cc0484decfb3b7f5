"""``airsentry demo``: the embedded September 2025 scenario through the whole pipeline.

The demo books into the same database as every other command (``--db``, default in the
user data directory), so ``airsentry incidents list`` and ``airsentry serve`` show its
incidents afterwards; replaying it again updates the same incidents.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from airsentry.cli._common import add_deployment_options, deployment_from_args


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the embedded September 2025 scenario")
    add_deployment_options(p)
    p.add_argument("--json", action="store_true", help="print the incidents as a JSON array")
    p.add_argument("--seed", type=int, default=0, help="sensor-noise seed (default 0)")
    p.add_argument(
        "--serve", action="store_true", help="then open the demo in the operator console"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.build import database
    from airsentry.cli._demo import DEMO_SCENARIO, book_demo
    from airsentry.incidents import shown, timeline_text
    from airsentry.sim.scenario import load_library

    deployment = deployment_from_args(args)
    incidents, n_reports, events = book_demo(deployment, args.seed)
    db = database(deployment)
    if args.json:
        print(json.dumps([inc.to_dict() for inc in incidents], indent=2))
    else:
        title = load_library(DEMO_SCENARIO).title
        print(f"{title}: {n_reports:,} reports, {events:,} events")
        print(timeline_text(incidents))
        print(f"incident book: {shown(db)}")
    if args.serve:
        from airsentry.cli._demo import serve_demo

        serve_demo(deployment, seed=args.seed)
    return 0
