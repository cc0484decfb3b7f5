"""What the server does to every request before a route sees it, and to every response.

- **Size**: a request body over :data:`MAX_BODY` bytes is refused with 413 before it is
  read whole (by its ``Content-Length``, or by counting a body sent without one).
- **Headers**: every HTTP response carries a content security policy (own origin only,
  no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and a
  ``no-referrer`` referrer policy.
- **Failed authentication** is rate-limited per client address (:class:`FailedAuth`):
  after :data:`MAX_FAILURES` bad or missing tokens within :data:`WINDOW_S` seconds the
  address gets 429 until the window has passed, so tokens cannot be guessed at speed.
- **Validation errors** name the field and the problem, never echo the input (a 20 MB
  note is not sent back).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY = 64 * 1024
MAX_FAILURES = 60
WINDOW_S = 60.0
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        b"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
        b"form-action 'self'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class FailedAuth:
    """Recent failed authentications per client address (thread-safe, bounded)."""

    def __init__(self, limit: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str, now: float | None = None) -> float:
        """Seconds the client must wait (0: it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                return 0.0
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._seen[client]
                return 0.0
            return times[0] + self.window_s - now if len(times) >= self.limit else 0.0

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > 100_000:  # a flood of addresses: forget the oldest
                self._seen.pop(next(iter(self._seen)))
            self._seen.setdefault(client, deque(maxlen=self.limit)).append(now)


class Guard:
    """ASGI middleware: the body size limit and the security headers (module doc)."""

    def __init__(self, app: App, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _too_large(send_with_headers, self.max_body)
            return
        if length is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                more = bool(message.get("more_body"))
                if len(body) > self.max_body:
                    await _too_large(send_with_headers, self.max_body)
                    return
            receive = _replay(body)
        await self.app(scope, receive, send_with_headers)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body over {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's errors without the input they were given (never echoed back)."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:200], "type": e.get("type")}
        for e in list(errors)[:20]
    ]
