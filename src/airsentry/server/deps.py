"""Request dependencies of the routes: the server context and the signed-in user.

Every API route needs a bearer token (``Authorization: Bearer …``); :func:`need` makes
the dependency that admits a role and those above it (403 for the others, 401 without
a valid token).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from airsentry.server.auth import Role, User
from airsentry.server.context import ServerContext
from airsentry.server.guard import FailedAuth

_bearer = HTTPBearer(auto_error=False, description="a token from `airsentry users add`")


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(context)]


def current_user(
    ctx: Ctx,
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request; 401 without a valid one, 429
    while the client is over its budget of failed attempts (:mod:`.guard`)."""
    limiter: FailedAuth = request.app.state.failed_auth
    client = request.client.host if request.client else "?"
    wait = limiter.blocked(client)
    if wait > 0:
        raise HTTPException(
            429, "too many failed authentications", headers={"Retry-After": f"{wait:.0f}"}
        )
    user = ctx.users.check(creds.credentials) if creds is not None else None
    if user is None:
        limiter.failed(client)
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return user


def need(role: Role) -> Callable[..., User]:
    """A dependency that admits users of ``role`` or above; 403 for the others, and a
    denied attempt to act is written to the audit log (when the server has one)."""

    def check(user: Annotated[User, Depends(current_user)], ctx: Ctx, request: Request) -> User:
        if not user.role.allows(role):
            reason = f"{user.name} has the {user.role} role; this needs {role} or above"
            if ctx.desk is not None and request.method not in ("GET", "HEAD"):
                attempt = f"{request.method} {request.url.path}"
                ctx.desk.denied(user, attempt, reason, time=datetime.now(UTC))
            raise HTTPException(403, reason)
        return user

    return check


Viewer = Annotated[User, Depends(need(Role.VIEWER))]
Operator = Annotated[User, Depends(need(Role.OPERATOR))]
