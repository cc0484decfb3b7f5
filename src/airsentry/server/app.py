"""The ASGI application: REST and WebSocket API over the incident store and the live
picture, and the operator console's static files.

:func:`create_app` assembles it from a :class:`ServerContext` (the store, the users,
the zones, the live picture and hub, and optionally a pipeline runner the app starts
and stops with its lifespan). Every API route needs a bearer token
(``Authorization: Bearer …``, checked in :mod:`airsentry.server.deps`; the WebSocket
takes ``?token=`` because browsers cannot set headers on one); the role each route
needs is in :mod:`airsentry.server.routes_read` and
:mod:`airsentry.server.routes_incidents`. :mod:`airsentry.server.guard` limits request
sizes and failed authentications and adds the security headers. The OpenAPI schema is
at ``/api/openapi.json``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app

from airsentry import __version__
from airsentry.decisions.audit import AuditError
from airsentry.errors import NotFound
from airsentry.server import (
    routes_heatmap,
    routes_incidents,
    routes_read,
    routes_registers,
    routes_replay,
    ws,
)
from airsentry.server.context import ServerContext
from airsentry.server.guard import FailedAuth, Guard, validation_errors
from airsentry.server.routes_gnss import router as gnss_router

STATIC = Path(str(resources.files("airsentry.server") / "static"))


def create_app(ctx: ServerContext, *, close_on_shutdown: bool = False) -> FastAPI:
    """The application over ``ctx``; a runner in ``ctx`` starts with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.hub.bind(asyncio.get_running_loop())
        if ctx.runner is not None and not ctx.runner.started:
            ctx.runner.start()
        try:
            yield
        finally:
            if ctx.runner is not None:
                ctx.runner.stop()
            if close_on_shutdown:
                ctx.close()

    app = FastAPI(
        title="airsentry",
        version=__version__,
        description="Airspace-incursion monitoring: tracks, zones, events, incidents, "
        "decisions. Every route needs a bearer token.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.include_router(routes_replay.router)  # before /tracks/{id}
    app.include_router(routes_read.router)
    app.include_router(routes_incidents.router)
    app.include_router(routes_heatmap.router)
    app.include_router(routes_registers.router)  # clearances, permits, own forces
    app.include_router(ws.router)
    app.include_router(gnss_router)  # GET /api/gnss (docs/gnss.md)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Prometheus scrapes without a token: counts only, no incident or track content
    app.mount("/metrics", make_asgi_app(registry=ctx.metrics.registry), name="metrics")

    app.state.failed_auth = FailedAuth()
    app.add_middleware(Guard)  # body size limit, security headers (server/guard.py)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(exc.errors())}, 422)

    # An audit log in doubt (torn, key or head missing) refuses every decision: nothing
    # was stored (the desk writes both or neither); say why, as a service unavailable.
    @app.exception_handler(AuditError)
    async def audit_refuses(request: Request, exc: AuditError) -> JSONResponse:
        return JSONResponse({"detail": f"audit log refuses writes: {exc.reason}"}, 503)

    # Only a deliberate NotFound is a 404; a stray KeyError is a bug and stays a 500.
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "kind": exc.kind, "key": exc.key}, 404)

    return app
