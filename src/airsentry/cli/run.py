"""``airsentry run --config FILE``: the configured live feeds, until interrupted.

The feeds of the configuration (``docs/configuration.md``) are connected, merged in
event time and run through the pipeline into the incident store. SIGINT or SIGTERM ends
the run cleanly within about a second: every session stops reading and hands on what it
had already read, what the decoders and the merge window hold goes through the pipeline
until the stop budget (1 s) is spent, the rest is counted as skipped ("stopped"), and
the store is closed; events reach the store before anything else sees them, so nothing
accepted is lost. Tracks are not ended at shutdown
(an aircraft does not leave a zone because airsentry stopped). Feed health is printed to
stderr every ``--status-every`` seconds and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airsentry.errors import AirsentryError
from airsentry.model import isoformat

if TYPE_CHECKING:  # the live stack is imported when the command runs, not at CLI start
    from airsentry.model import ReportBatch
    from airsentry.sources.live import HealthSnapshot, LiveRunner


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run the live feeds of a configuration file")
    p.add_argument("--config", required=True, type=Path, help="deployment YAML")
    p.add_argument(
        "--status-every",
        type=float,
        default=60.0,
        help="print feed health to stderr every N seconds (0: only at the end)",
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        help="serve Prometheus metrics at http://HOST:PORT/metrics (docs/outputs.md)",
    )
    p.add_argument(
        "--metrics-host", default="127.0.0.1", help="address of --metrics-port (default local)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airsentry.build import open_run, watch_registers
    from airsentry.config import load_config
    from airsentry.outputs.metrics import PipelineMetrics
    from airsentry.sources.base import Quarantine
    from airsentry.sources.live import LiveRunner

    cfg = load_config(args.config)
    if not cfg.feeds:
        raise AirsentryError(f"{args.config}: no feeds to run (give 'feeds:')")
    quarantine = Quarantine(cfg.quarantine)
    metrics = PipelineMetrics()
    try:
        with open_run(cfg, sinks=[metrics]) as run:
            registers = watch_registers(cfg, run.store, run.pipeline)

            def process(batch: ReportBatch) -> object:
                registers.poll()  # register edits (API, `airsentry registers`) apply at once
                return run.pipeline.process(batch)

            runner = LiveRunner(
                cfg.feeds,
                process,
                quarantine,
                window_s=cfg.merge.window_s,
                emit_every_s=cfg.merge.emit_every_s,
            )
            if args.metrics_port is not None:
                from prometheus_client import start_http_server

                metrics.watch(
                    run.pipeline.sinks, run.store, sink_health=run.pipeline.sink_health
                ).feeds = runner.health
                start_http_server(args.metrics_port, args.metrics_host, metrics.registry)
            asyncio.run(_serve(runner, args.status_every))
            t = run.totals
            for h in run.pipeline.sink_health():
                if h.failures or h.backlog or h.dropped_steps:
                    print(
                        f"output {h.name} ({h.policy}): {h.failures:,} failed writes, "
                        f"{h.backlog:,} steps not written, {h.dropped_steps:,} steps "
                        f"({h.dropped_events:,} events) dropped; last error: {h.last_error}",
                        file=sys.stderr,
                    )
            print(
                f"stopped: {t.reports:,} reports, {t.events:,} events, "
                f"{len(t.incidents_changed)} incidents changed; {quarantine.summary()}; "
                f"{sum(runner.merger.late.values()):,} late; incident book: {run.store.location}",
                file=sys.stderr,
            )
    finally:
        quarantine.close()
    return 0


async def _serve(runner: LiveRunner, status_every: float) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.stop)
    names = ", ".join(f"{f.name} ({f.format}, {f.transport.describe()})" for f in runner.feeds)
    print(f"running feeds: {names}", file=sys.stderr, flush=True)
    status = asyncio.create_task(_status(runner, status_every)) if status_every > 0 else None
    try:
        await runner.run()
    finally:
        if status is not None:
            status.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        _print_health(runner.health())


async def _status(runner: LiveRunner, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        _print_health(runner.health())


def _print_health(snapshots: list[HealthSnapshot]) -> None:
    for h in snapshots:
        last = isoformat(h.last_report) if math.isfinite(h.last_report) else "never"
        print(
            f"feed {h.name}: {h.state}, {h.reports:,} reports ({h.rate:.1f}/s), last {last}, "
            f"{h.bytes:,} bytes read, "
            f"{h.connects} connects, {h.disconnects} drops, {h.failures} failed attempts, "
            f"{h.rejected:,} rejected, {h.late:,} late"
            + (f", last error: {h.last_error}" if h.last_error else ""),
            file=sys.stderr,
            flush=True,
        )
