"""``airsentry serve``: the operator console and API over the incident store.

With ``--demo`` or ``--replay`` the server also runs the pipeline on that input, paced
by event time (``--speed``), and pushes tracks and alerts to the consoles; without a
feed it serves the stored incidents and replays stored events. ``--config`` describes
the deployment (as for ``airsentry run``): its live feeds run, and its zones,
thresholds, protected states, playbook, store and audit log apply; the other flags
override it.

Every flag of the deployment reaches the one builder (:mod:`airsentry.build`): the
pipeline's recommendations and the console's decisions use the same playbook
(``--playbook``) and the same audit log (``--audit-log``, default beside the database),
and the database is the same default as every other command's (``airsentry demo``
included). ``airsentry demo --serve`` comes here too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airsentry.cli._common import (
    add_deployment_options,
    add_option_flag,
    decoder_options,
    deployment_from_args,
)
from airsentry.errors import AirsentryError

if TYPE_CHECKING:  # imported when the command runs: `airsentry --help` stays light
    from airsentry.config import DeploymentConfig
    from airsentry.model import ReportBatch


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the operator console and API")
    add_deployment_options(p)
    feed = p.add_mutually_exclusive_group()
    feed.add_argument("--demo", action="store_true", help="replay the September 2025 demo")
    feed.add_argument("--replay", type=Path, nargs="+", metavar="FILE", help="recorded files")
    p.add_argument("--format", help="format of the --replay files")
    add_option_flag(p)
    p.add_argument("--speed", type=float, default=30.0, help="replay speed (0: flat out)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.server.runner import RunnerConfig
    from airsentry.server.serving import open_context, serve

    if args.speed < 0:
        raise AirsentryError("--speed must be 0 or more")
    deployment = deployment_from_args(args)
    if args.demo and not deployment.feeds:
        from airsentry.cli._demo import book_demo, demo_context

        # booked as `airsentry demo` books it (idempotent): the console replays it and
        # announces the stored incidents, so `demo` then `serve --demo` agree
        book_demo(deployment)
        ctx, _ = demo_context(deployment, speed=args.speed, user=None)
    else:
        batches, speed = _feed(args, deployment)
        ctx = open_context(deployment, batches, runner_config=RunnerConfig(speed=speed))
    if not ctx.users.users():
        print(
            "no console users yet: create one with "
            f"`airsentry users add NAME --role commander --db {ctx.store.location}`",
            file=sys.stderr,
        )
    serve(ctx, args.host, args.port, lambda url: print(f"console: {url}", flush=True))
    return 0


def _feed(
    args: argparse.Namespace, deployment: DeploymentConfig
) -> tuple[Iterable[ReportBatch] | None, float]:
    """What to run, and at what speed: the live feeds of the deployment, the demo,
    recorded files, or nothing (the console over the stored incidents)."""
    from airsentry.server.serving import file_batches, live_batches

    if deployment.feeds:
        if args.demo or args.replay:
            raise AirsentryError("--config with feeds cannot be combined with --demo/--replay")
        batches = live_batches(
            deployment.feeds,
            quarantine_path=deployment.quarantine,
            window_s=deployment.merge.window_s,
            emit_every_s=deployment.merge.emit_every_s,
        )
        return batches, 0.0  # live feeds come at their own pace: no replay speed
    if args.replay:
        if not args.format:
            raise AirsentryError("--replay needs --format")
        missing = [str(p) for p in args.replay if not p.exists()]
        if missing:
            raise AirsentryError(f"{', '.join(missing)}: no such file")
        options = decoder_options(args.option)
        return file_batches(args.replay, args.format, deployment.quarantine, **options), args.speed
    return None, args.speed
