"""Putting a console on the air: feeds for the runner, and uvicorn on a socket.

Used by ``airsentry serve`` and ``airsentry demo --serve``. The server binds
127.0.0.1 unless told otherwise; port 0 picks a free port, and ``on_ready`` receives the
console's address once the socket is bound (before the first request is served).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from airsentry.config import DeploymentConfig
from airsentry.errors import AirsentryError
from airsentry.model import ReportBatch
from airsentry.server.app import create_app
from airsentry.server.console_desk import DecisionDesk
from airsentry.server.context import ServerContext
from airsentry.server.runner import PipelineRunner, RunnerConfig, time_slices

if TYPE_CHECKING:  # the live stack is imported when live feeds are served
    from airsentry.sources.live import Feed


def scenario_batches(name: str, seed: int = 0, step_s: float = 1.0) -> Iterator[ReportBatch]:
    """A library scenario's reports in slices of ``step_s`` of event time."""
    from airsentry.sim.generate import generate
    from airsentry.sim.scenario import load_library

    yield from time_slices(generate(load_library(name), seed=seed), step_s)


def file_batches(
    files: Sequence[Path], fmt: str, quarantine_path: Path | None, **options: Any
) -> Iterator[ReportBatch]:
    """Recorded files of one format, in file order, in slices of one second (``options``
    go to the format's decoder)."""
    from airsentry.sources.base import Quarantine, decoder, read_file

    decoder(fmt, **options)  # an unknown format or option fails before any file is opened
    with Quarantine(quarantine_path) as quarantine:
        for path in files:
            for batch in read_file(path, fmt, quarantine, **options):
                yield from time_slices(batch.sorted_by_time())


def open_context(
    deployment: DeploymentConfig,
    batches: Iterable[ReportBatch] | None = None,
    *,
    runner_config: RunnerConfig | None = None,
    booked: bool = False,
) -> ServerContext:
    """The server's context for a deployment; with ``batches``, a pipeline runner too.

    The store, the audit log and the playbook are the deployment's, as the one builder
    (:mod:`airsentry.build`) names them for every command: decisions taken in the console
    land in the same audit log as the pipeline's recommendations and ``airsentry decide``.

    ``booked`` says the store already holds the incidents of ``batches`` (the demo was
    run into it): the runner's pipeline then keeps no book of its own and the stored
    incidents are announced as the replay reaches them, instead of being booked twice.
    """
    from airsentry.build import (
        audit_log,
        build,
        database,
        deployment_zones,
        playbook,
        watch_registers,
    )

    zones = deployment_zones(deployment)
    ctx = ServerContext.open(database(deployment), zones)
    ctx.desk = DecisionDesk(playbook(deployment), audit_log(deployment))
    if batches is not None:
        pipeline = build(
            deployment,
            None if booked else ctx.store,
            all_zones=zones,
            sinks=[ctx.metrics, ctx.gnss],  # ctx.gnss: the map behind /api/gnss
        )
        ctx.metrics.watch(pipeline.sinks, sink_health=pipeline.sink_health)
        ctx.runner = PipelineRunner(
            pipeline,
            batches,
            ctx.picture,
            ctx.hub,
            runner_config,
            position=ctx.store.incident_positions,
            announce_from=ctx.store if booked else None,
            store=ctx.store,
            before_batch=watch_registers(deployment, ctx.store, pipeline).poll,
        )
    return ctx


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket (port 0: any free port); AirsentryError when it cannot be
    had (a busy port, an address not of this machine): one line, no traceback."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise AirsentryError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def make_server(ctx: ServerContext, sock: socket.socket) -> uvicorn.Server:
    """A uvicorn server for ``ctx`` on ``sock`` (run it with ``server.run(sockets=[sock])``)."""
    app = create_app(ctx)
    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on")
    return uvicorn.Server(config)


def serve(
    ctx: ServerContext,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted; closes ``ctx`` afterwards (also when the port is busy)."""
    try:
        sock = bind(host, port)
    except AirsentryError:
        ctx.close()
        raise
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    try:
        server = make_server(ctx, sock)
        if on_ready is not None:
            on_ready(f"http://{shown}:{bound_port}/")
        server.run(sockets=[sock])
    finally:
        sock.close()
        ctx.close()


def live_batches(
    feeds: Sequence[Feed],
    *,
    quarantine_path: Path | None = None,
    window_s: float = 2.0,
    emit_every_s: float = 0.25,
    idle_s: float = 0.5,
) -> Iterator[ReportBatch]:
    """Batches of live feeds, merged in event time, as an iterator for the runner.

    The feeds' :class:`~airsentry.sources.live.LiveRunner` runs on its own event loop in
    a thread and hands merged batches over a bounded queue. While the feeds are quiet the
    iterator yields an empty batch every ``idle_s`` so the runner can notice a stop;
    closing the iterator stops the feeds (what they still hold is delivered first).
    """
    import asyncio
    import queue
    import threading

    from airsentry.sources.base import Quarantine
    from airsentry.sources.live import LiveRunner

    handoff: queue.Queue[ReportBatch | None] = queue.Queue(maxsize=1024)
    quarantine = Quarantine(quarantine_path)
    live = LiveRunner(feeds, handoff.put, quarantine, window_s=window_s, emit_every_s=emit_every_s)
    loop = asyncio.new_event_loop()

    def run_feeds() -> None:
        try:
            loop.run_until_complete(live.run())
        finally:
            handoff.put(None)

    thread = threading.Thread(target=run_feeds, name="airsentry-feeds", daemon=True)
    thread.start()
    try:
        while True:
            try:
                batch = handoff.get(timeout=idle_s)
            except queue.Empty:
                yield ReportBatch.empty()
                continue
            if batch is None:
                return
            yield batch
    finally:
        if not loop.is_closed() and thread.is_alive():
            loop.call_soon_threadsafe(live.stop)
        thread.join(10.0)
        quarantine.close()
        if not thread.is_alive():
            loop.close()
