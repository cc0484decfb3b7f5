"""The HTTP poller transport: GET a URL every ``interval_s``, each body one piece.

readsb's ``aircraft.json`` and OpenSky-style CSV documents are polled, not streamed. The
GET blocks (``urllib``), so it runs on a thread; a stop ends the session at once and
never waits for a GET in flight (:func:`_on_daemon_thread`): the 1-second stop rule holds
whatever the server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from airsentry.sources._live_transports import _check_positive, _unless_stopped

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HttpPoller:
    """GET ``url`` every ``interval_s``; each response body is one piece."""

    url: str
    interval_s: float = 1.0
    timeout_s: float = 5.0

    framed: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        _check_positive(interval_s=self.interval_s, timeout_s=self.timeout_s)

    def describe(self) -> str:
        return self.url

    def _get(self) -> bytes:
        request = urllib.request.Request(self.url, headers={"User-Agent": "airsentry"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body: bytes = response.read()
                return body
        except urllib.error.URLError as exc:  # HTTPError included; both are OSErrors
            raise OSError(f"GET {self.url}: {exc}") from exc

    async def session(self, stop: asyncio.Event | None = None) -> AsyncGenerator[bytes, None]:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            body = await _unless_stopped(_on_daemon_thread(self._get), stop)
            if body is None:
                return  # stopped while a response was on its way: it was never read
            yield body
            wait = max(0.0, self.interval_s - (loop.time() - started))
            with contextlib.suppress(TimeoutError):
                if await _unless_stopped(asyncio.sleep(wait, True), stop, wait + 1.0) is None:
                    return


def _on_daemon_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """``fn()`` on a daemon thread of its own, as a future of the running loop.

    Not ``asyncio.to_thread``: the loop's executor threads are joined when the loop
    closes and when the interpreter exits, so a blocking call abandoned at a stop (a GET
    to a server that never answers) would hold the process for its whole timeout. A
    daemon thread is left to finish (or time out) alone; its result is then dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled: the caller stopped waiting
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = fn(), None
        except BaseException as exc:  # handed to the awaiting task, raised there
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="airsentry-http-get", daemon=True).start()
    return future
