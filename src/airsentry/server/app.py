"""The ASGI application: REST and WebSocket API over the incident store and the live
picture, and the operator console's static files.

:func:`create_app` assembles it from a :class:`ServerContext` (the store, the users,
the zones, the live picture and hub, and optionally a pipeline runner the app starts
and stops with its lifespan). Every API route needs a bearer token
(``Authorization: Bearer …``; the WebSocket takes ``?token=`` because browsers cannot
set headers on one); the role each route needs is in :mod:`airsentry.server.routes_read`
and :mod:`airsentry.server.routes_incidents`. The OpenAPI schema is at ``/api/openapi.json``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles

from airsentry import __version__
from airsentry.errors import NotFound
from airsentry.incidents import IncidentStore
from airsentry.model import Zone
from airsentry.server.auth import Role, User, UserBook
from airsentry.server.console_desk import DecisionDesk
from airsentry.server.geo import ZoneLayer
from airsentry.server.live import Hub, LivePicture
from airsentry.server.runner import PipelineRunner

STATIC = Path(str(resources.files("airsentry.server") / "static"))


@dataclass(slots=True)
class ServerContext:
    """Everything the routes read and write. The store is the one owner of the database:
    the users, the console's reads and every write go through it."""

    store: IncidentStore
    users: UserBook
    zones: ZoneLayer
    picture: LivePicture = field(default_factory=LivePicture)
    hub: Hub = field(default_factory=Hub)
    runner: PipelineRunner | None = None
    desk: DecisionDesk | None = None  # decisions through the playbook and audit log

    @classmethod
    def open(cls, db: str | Path, zones: Sequence[Zone]) -> ServerContext:
        """Open the store at ``db`` (created when missing), users included."""
        store = IncidentStore(db)
        return cls(store=store, users=UserBook(store), zones=ZoneLayer(zones))

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.users.close()
        self.store.close()


_bearer = HTTPBearer(auto_error=False, description="a token from `airsentry users add`")


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(context)]


def current_user(
    ctx: Ctx, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user whose bearer token came with the request; 401 without a valid one."""
    user = ctx.users.check(creds.credentials) if creds is not None else None
    if user is None:
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return user


def need(role: Role) -> Callable[[User], User]:
    """A dependency that admits users of ``role`` or above; 403 for the others."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.role.allows(role):
            raise HTTPException(
                403, f"{user.name} has the {user.role} role; this needs {role} or above"
            )
        return user

    return check


Viewer = Annotated[User, Depends(need(Role.VIEWER))]
Operator = Annotated[User, Depends(need(Role.OPERATOR))]


def create_app(ctx: ServerContext, *, close_on_shutdown: bool = False) -> FastAPI:
    """The application over ``ctx``; a runner in ``ctx`` starts with the app."""
    from airsentry.server import routes_incidents, routes_read, ws

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
    app.include_router(routes_read.router)
    app.include_router(routes_incidents.router)
    app.include_router(ws.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # Only a deliberate NotFound is a 404; a stray KeyError is a bug and stays a 500.
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "kind": exc.kind, "key": exc.key}, 404)

    return app
