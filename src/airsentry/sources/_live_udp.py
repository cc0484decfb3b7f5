"""The UDP transport: datagrams on a port (unicast, or a multicast group), each one piece.

ASTERIX radar networks and some ADS-B receivers send UDP. Nothing sent is lost without a
count: a datagram that finds the session's queue full is dropped and counted, and so is
one the kernel drops because the socket's receive buffer was full (the socket's drop
counter, read when the queue runs dry and at a stop); both are handed on as
:class:`~airsentry.sources._live_transports.Dropped` and counted as skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import ClassVar

from airsentry.sources._live_transports import (
    Dropped,
    Held,
    _check_port,
    _check_positive,
    _unless_stopped,
    stopping,
)

# getsockopt(SOL_SOCKET, SO_MEMINFO) (Linux >= 4.15): nine u32 counters of the socket's
# memory, the last (SK_MEMINFO_DROPS) its ``sk_drops``: datagrams the kernel dropped,
# chiefly on a full receive buffer. The same counter SO_RXQ_OVFL attaches to each
# datagram, but readable at any time, so that drops after the last datagram (at a
# stop) are counted too.
_SO_MEMINFO = 55
_MEMINFO = struct.Struct("9I")


class _KernelDrops:
    """New kernel drops of a UDP socket since the last look (nothing where unsupported)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seen = self._total()

    def _total(self) -> int | None:
        try:
            raw = self.sock.getsockopt(socket.SOL_SOCKET, _SO_MEMINFO, _MEMINFO.size)
        except OSError:  # not Linux, an old kernel, a closed socket
            return None
        return int(_MEMINFO.unpack(raw)[8]) if len(raw) == _MEMINFO.size else None

    def take(self) -> Dropped | None:
        if self.seen is None:
            return None
        total = self._total()
        if total is None:
            return None
        new = (total - self.seen) % (1 << 32)  # a u32 counter wraps
        self.seen = total
        return Dropped(new, 0, Dropped.KERNEL) if new else None


class _DatagramQueue(asyncio.DatagramProtocol):
    def __init__(self, queue: asyncio.Queue[bytes | Exception]) -> None:
        self.queue = queue
        self.dropped = 0  # datagrams, and their bytes, not queued since the last report
        self.dropped_bytes = 0

    def datagram_received(self, data: bytes, addr: object) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.dropped += 1
            self.dropped_bytes += len(data)

    def error_received(self, exc: Exception) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # the queue is full of data anyway
            self.queue.put_nowait(exc)

    def take_dropped(self) -> Dropped | None:
        if not self.dropped:
            return None
        out = Dropped(self.dropped, self.dropped_bytes)
        self.dropped = self.dropped_bytes = 0
        return out


@dataclass(frozen=True, slots=True)
class UdpReceiver:
    """Datagrams on ``host:port``; joins multicast ``group`` on ``interface`` when set."""

    port: int
    host: str = "0.0.0.0"
    group: str | None = None
    interface: str = "0.0.0.0"  # address of the local interface that joins the group
    max_queue: int = 10_000  # datagrams waiting for the decoder; more are dropped

    framed: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _check_port(self.port)
        _check_positive(max_queue=self.max_queue)
        for name, addr in (
            ("host", self.host),
            ("group", self.group),
            ("interface", self.interface),
        ):
            if addr is not None:
                try:
                    socket.inet_aton(addr)
                except OSError:
                    raise ValueError(f"{name} {addr!r} is not an IPv4 address") from None
        if self.group and not 224 <= int(self.group.split(".")[0]) <= 239:
            raise ValueError(f"group {self.group!r} is not a multicast address (224-239.x.x.x)")

    def describe(self) -> str:
        where = f"{self.group}@{self.interface}" if self.group else self.host
        return f"udp://{where}:{self.port}"

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.group or self.host, self.port))
            if self.group:
                mreq = struct.pack(
                    "4s4s", socket.inet_aton(self.group), socket.inet_aton(self.interface)
                )
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        return sock

    async def session(
        self, stop: asyncio.Event | None = None
    ) -> AsyncGenerator[bytes | Dropped | Held, None]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | Exception] = asyncio.Queue(self.max_queue)
        protocol = _DatagramQueue(queue)
        sock = self._socket()
        kernel = _KernelDrops(sock)
        transport, _ = await loop.create_datagram_endpoint(lambda: protocol, sock=sock)
        try:
            yield b""
            while True:
                # Drops happen only while the queue (or the kernel's buffer) is full, so
                # they are reported before the queue runs dry and the session waits.
                for dropped in (protocol.take_dropped(), queue.empty() and kernel.take()):
                    if dropped:
                        yield dropped
                item = None if stopping(stop) else await _unless_stopped(queue.get(), stop)
                if item is None:  # stopped: receive nothing more, hand on what was received
                    late = kernel.take()  # read before the socket closes
                    held = [x for x in _drain(queue) if not isinstance(x, Exception)]
                    held += _unread(sock)  # in the kernel's buffer, sent to us: kept too
                    transport.close()
                    for dropped in (protocol.take_dropped(), late):
                        if dropped:
                            yield dropped
                    if held:
                        yield Held(len(held))
                        for x in held:
                            yield x
                    return
                if isinstance(item, Exception):
                    raise OSError(f"receive failed: {item}")
                yield item
        finally:
            transport.close()


def _drain(queue: asyncio.Queue[bytes | Exception]) -> Iterator[bytes | Exception]:
    while not queue.empty():
        yield queue.get_nowait()


def _unread(sock: socket.socket, most: int = 100_000) -> list[bytes]:
    """The datagrams waiting in the socket's receive buffer (the event loop reads one
    per turn): read at a stop, so that closing the socket discards none uncounted."""
    out: list[bytes] = []
    with contextlib.suppress(OSError):  # BlockingIOError: the buffer is empty
        while len(out) < most:
            out.append(sock.recv(1 << 16))
    return out
