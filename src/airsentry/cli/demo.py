"""``airsentry demo``: the embedded September 2025 scenario through the whole pipeline.

The demo books into the same database as every other command (``--db``, default in the
user data directory), so ``airsentry incidents list`` and ``airsentry serve`` show its
incidents afterwards; replaying it again updates the same incidents.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from airsentry.cli._common import add_deployment_options, chunks, deployment_from_args

if TYPE_CHECKING:
    from airsentry.config import DeploymentConfig

DEMO_SCENARIO = "september-2025"


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the embedded September 2025 scenario")
    add_deployment_options(p)
    p.add_argument("--json", action="store_true", help="print the incidents as a JSON array")
    p.add_argument("--seed", type=int, default=0, help="sensor-noise seed (default 0)")
    p.add_argument(
        "--serve", action="store_true", help="then open the demo in the operator console"
    )
    p.set_defaults(func=run)


def book_demo(deployment: DeploymentConfig, seed: int = 0) -> tuple[list[Any], int, int]:
    """Run the demo scenario into the deployment's store, in the demo's own batches (so
    ``demo`` and ``serve --demo`` book the same incidents); its incidents, the number of
    reports and the number of events."""
    from airsentry.build import open_run
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    reports = generate(load_library(DEMO_SCENARIO), seed=seed)
    with open_run(deployment) as run:
        run.pipeline.run(chunks(reports))
        return list(run.incidents()), len(reports), run.totals.events


def run(args: argparse.Namespace) -> int:
    from airsentry.build import database
    from airsentry.incidents import timeline_text
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
        print(f"incident book: {db}")
    if args.serve:
        from airsentry.cli.serve import serve_demo

        serve_demo(deployment, seed=args.seed)
    return 0
