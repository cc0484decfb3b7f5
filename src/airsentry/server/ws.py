"""The WebSocket stream ``/api/stream?token=…``: track snapshots, alerts, decisions.

A browser cannot put a header on a WebSocket, so the token comes as a query parameter
(over TLS in any real deployment; the server binds to localhost by default). On
connecting, the client first receives the current status and every live track, then
whatever the hub publishes (see :mod:`airsentry.server.live` for the message types).
An invalid token closes the socket with code 4401 (policy: unauthorised). A browser
always sends ``Origin``: one that is not this server's own (another site's page opening
a socket with a token it got hold of) is refused with 4403 before the token is looked
at; clients that send no ``Origin`` (not a browser) are judged by their token alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from airsentry.server.context import ServerContext
from airsentry.server.guard import FailedAuth

router = APIRouter()


@router.websocket("/api/stream")
async def stream(websocket: WebSocket) -> None:
    ctx: ServerContext = websocket.app.state.ctx
    if not _same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin WebSocket refused")
        return
    limiter: FailedAuth = websocket.app.state.failed_auth
    client = websocket.client.host if websocket.client else "?"
    user = (
        None
        if limiter.blocked(client)
        else ctx.users.check(websocket.query_params.get("token", ""))
    )
    if user is None:
        limiter.failed(client)
        await websocket.close(code=4401, reason="a valid token is required")
        return
    await websocket.accept()
    queue = ctx.hub.subscribe()
    try:
        await websocket.send_text(json.dumps(ctx.picture.status()))
        snapshot = ctx.picture.snapshot()
        await websocket.send_text(json.dumps({"type": "snapshot", "tracks": snapshot}))
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send_text(getter.result())
            else:
                getter.cancel()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        ctx.hub.unsubscribe(queue)
        with contextlib.suppress(Exception):
            await websocket.close()


def _same_origin(websocket: WebSocket) -> bool:
    """True without an ``Origin`` header, or when it names the host the client asked for."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower() and bool(host)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a disconnect is noticed at once."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
