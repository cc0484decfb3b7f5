"""Transports of live feeds: where the bytes come from, behind one small interface.

A :class:`Transport` opens one *session* (a TCP connection, a bound UDP socket, a run
of HTTP polls, an open file) and yields its bytes as they arrive. A session ends with
the end of its stream (the peer closed, the file was rotated) or with an ``OSError``;
the feed (:mod:`airsentry.sources.live`) then waits out its backoff and opens another.
A session first yields ``b""`` once it is open (connected, bound), so that the feed's
health tells a silent connection from a failed one. ``framed`` says whether each yielded
piece is a whole message (a datagram, an HTTP response) or an arbitrary slice of a byte
stream (TCP, a file).

Transports:

- :class:`TcpClient`: Beast (30005), raw AVR (30002) and SBS (30003) servers of
  readsb/dump1090. A connection silent for ``idle_timeout_s`` is treated as dead
  (half-open connections otherwise hang for hours).
- :class:`~airsentry.sources._live_udp.UdpReceiver` (its own module): unicast, or
  multicast when ``group`` is set (ASTERIX radar networks); each datagram is one piece.
- :class:`~airsentry.sources._live_http.HttpPoller` (its own module): polls a URL
  (readsb ``aircraft.json``) every ``interval_s``.
- :class:`FileTail`: follows a growing file and survives rotation (the path now names
  another file, or the file was truncated).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import deque
from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar

T = TypeVar("T")
READ_BYTES = 1 << 18
"""Bytes a session hands on at most at a time (about: whole reads): a busy feed's
decoder gets pieces this big. Decoding costs per piece as well as per report: SBS at
64 kB cost 1.8-1.95x and Beast 1.24-1.3x the CPU per report of 256 kB
(``benchmarks/live_pieces.py``)."""
HIGH_WATER = 1 << 20  # bytes a TCP session holds read and not yet decoded


class Transport(Protocol):
    """One source of bytes; see the module docstring."""

    framed: ClassVar[bool]

    def describe(self) -> str:
        """Where the bytes come from, for logs and health (``tcp://host:port``)."""
        ...

    def session(
        self, stop: asyncio.Event | None = None
    ) -> AsyncGenerator[bytes | Dropped | Held, None]:
        """Open one session, yield ``b""``, then its bytes until it ends (``OSError``);
        a :class:`Dropped` in place of bytes says how much it received and could not keep.

        Once ``stop`` is set the session reads nothing more from its source, yields
        what it had already read (a TCP connection's buffer, received datagrams) and
        ends: a stop never drops bytes that were taken from the operating system."""
        ...


@dataclass(frozen=True, slots=True)
class TcpClient:
    host: str
    port: int
    connect_timeout_s: float = 10.0
    idle_timeout_s: float = 60.0  # no byte for this long: the connection is dead

    framed: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_port(self.port)
        _check_positive(
            connect_timeout_s=self.connect_timeout_s, idle_timeout_s=self.idle_timeout_s
        )

    def describe(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    async def session(self, stop: asyncio.Event | None = None) -> AsyncGenerator[bytes, None]:
        loop = asyncio.get_running_loop()
        try:
            transport, buffer = await asyncio.wait_for(
                loop.create_connection(lambda: _StreamBuffer(HIGH_WATER), self.host, self.port),
                self.connect_timeout_s,
            )
        except TimeoutError:
            raise OSError(f"connect to {self.describe()} timed out") from None
        try:
            yield b""
            while True:
                if stopping(stop):
                    # Stop reading the socket; hand on what was already read from it, in
                    # one piece (at most HIGH_WATER and one read): the runner decodes a
                    # piece without giving the loop a turn, so a stop budget that runs
                    # out cannot cancel the drain halfway and lose what the session
                    # still held, uncounted (issue 13; a framed session announces its
                    # pieces instead, see Held).
                    buffer.freeze()
                    if buffer.size:
                        yield buffer.take(buffer.size)
                    return
                if not buffer.size:
                    if buffer.eof:
                        if buffer.error is not None:
                            raise OSError(f"connection lost: {buffer.error}")
                        return
                    try:
                        await _unless_stopped(buffer.ready.wait(), stop, self.idle_timeout_s)
                    except TimeoutError:
                        raise OSError(f"no data for {self.idle_timeout_s:g} s") from None
                    continue
                yield buffer.take(READ_BYTES)
        finally:
            transport.close()


class _StreamBuffer(asyncio.Protocol):
    """What a TCP connection has read from its socket and not yet handed on: bounded
    (reading pauses above ``high`` bytes and resumes below half of it) and visible, so
    that a stop hands on every byte read (:meth:`freeze`) instead of dropping it."""

    def __init__(self, high: int) -> None:
        self.high = high
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.eof = False
        self.error: Exception | None = None
        self.ready = asyncio.Event()
        self.transport: asyncio.Transport | None = None
        self.paused = self.frozen = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        self.ready.set()
        if self.size > self.high and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True

    def eof_received(self) -> bool:
        self.eof = True
        self.ready.set()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self.ready.set()

    def freeze(self) -> None:
        """Read nothing more from the socket; what is held can still be taken."""
        if not self.paused and self.transport is not None and not self.eof:
            self.transport.pause_reading()
        self.paused = self.frozen = True

    def take(self, limit: int) -> bytes:
        """Up to about ``limit`` bytes of what is held, oldest first."""
        out: list[bytes] = []
        n = 0
        while self.chunks and n < limit:
            chunk = self.chunks.popleft()
            out.append(chunk)
            n += len(chunk)
        self.size -= n
        if not self.chunks and not self.eof:
            self.ready.clear()
        if self.paused and not self.frozen and self.size < self.high // 2:
            assert self.transport is not None
            self.transport.resume_reading()
            self.paused = False
        return b"".join(out)


def stopping(stop: asyncio.Event | None) -> bool:
    return stop is not None and stop.is_set()


async def _unless_stopped(
    aw: Awaitable[T], stop: asyncio.Event | None, timeout: float | None = None
) -> T | None:
    """The result of ``aw``, or None if ``stop`` is set first (``aw`` is then
    cancelled); ``TimeoutError`` if neither comes within ``timeout`` seconds."""
    task = asyncio.ensure_future(aw)
    stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
    try:
        waits = {task} if stopper is None else {task, stopper}
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stopper is not None:
            stopper.cancel()
        if not task.done():
            task.cancel()
    if task.done() and not task.cancelled():
        return task.result()  # done, even if the stop came at the same time
    if stopping(stop):
        return None
    raise TimeoutError


@dataclass(frozen=True, slots=True)
class Held:
    """Yielded by a framed session at a stop: the ``pieces`` it had received and will
    yield next. The runner counts those it has no time to decode as skipped (a session
    still draining when the stop budget runs out is cancelled; they would vanish)."""

    pieces: int


@dataclass(frozen=True, slots=True)
class Dropped:
    """Datagrams that were dropped on the way in: yielded by a session in place of data,
    so that the runner counts them as skipped (with ``reason``) instead of losing them.
    The receiver's own queue was full (``REASON``; their bytes are known), or the
    kernel's receive buffer was (``KERNEL``: the socket's drop counter; size unknown)."""

    datagrams: int
    size: int  # bytes (0 when unknown)
    reason: str = "UDP datagram dropped: the receive queue was full"

    REASON: ClassVar[str] = "UDP datagram dropped: the receive queue was full"
    KERNEL: ClassVar[str] = (
        "UDP datagram dropped by the kernel: the socket's receive buffer was full"
    )


@dataclass(slots=True)
class FileTail:
    """Follows ``path`` as it grows, like ``tail -F``.

    The first session starts at the end of the file (or at its start when
    ``from_start``); a later session (after a rotation), or a file that did not exist
    yet when the feed started, is read from its start. Rotation is noticed when the path
    names another file (rename and create) or the file became shorter than what was read
    (truncation); the old file is read to its end first, so nothing written before the
    rotation is lost.
    """

    path: Path
    poll_s: float = 0.25
    from_start: bool = False
    _opened: bool = field(default=False, init=False, repr=False, compare=False)

    framed: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_positive(poll_s=self.poll_s)

    def describe(self) -> str:
        return f"file://{self.path}"

    async def session(self, stop: asyncio.Event | None = None) -> AsyncGenerator[bytes, None]:
        # The first session honours from_start; later ones (after a rotation) read the
        # new file from its start.
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:
            self._opened = True  # a file that appears later is read from its start
            raise
        with fh:
            if not (self.from_start or self._opened):
                fh.seek(0, os.SEEK_END)
            self._opened = True
            yield b""
            ident = os.fstat(fh.fileno()).st_ino
            while not stopping(stop):  # stopped: what is still in the file is unread
                data = fh.read(READ_BYTES)
                if data:
                    yield data
                    continue
                if self._rotated(ident, fh.tell()):
                    return
                with contextlib.suppress(TimeoutError):
                    await _unless_stopped(asyncio.sleep(self.poll_s), stop, self.poll_s + 1.0)

    def _rotated(self, ident: int, position: int) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False  # moved away, the new one not created yet: keep the old
        return st.st_ino != ident or st.st_size < position


def _check_port(port: int) -> None:
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is not in 1-65535")


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
