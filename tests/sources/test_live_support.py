"""Helpers of the live-feed tests: a real recording as SBS text, a killable TCP server,
an HTTP server on 127.0.0.1 that answers each GET as the test says.

The SBS stream is built from a real flight: the Rega rescue helicopter over Zürich that
the ``traffic`` wheel ships (``ambulances/rega_zh.json.gz``, OpenSky state vectors), one
``MSG,1`` identification line, then per state vector an airborne position (``MSG,3``)
and a velocity (``MSG,4``), in the wheel's own units (ft, kt, ft/min).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.server
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from airsentry.model import ReportBatch

REGA = "traffic/data/samples/ambulances/rega_zh.json.gz"


def rega_sbs(wheel: Path) -> bytes:
    """The Rega flight as SBS-1 text (one line per message, ``\\n`` ends)."""
    with zipfile.ZipFile(wheel) as z:
        flight = json.loads(gzip.decompress(z.read(REGA)))
    hexid = flight[0]["icao24"].upper()
    lines = []

    def stamp(ms: int) -> str:
        dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
        return f"{dt:%Y/%m/%d},{dt:%H:%M:%S}.{dt.microsecond // 1000:03d}"

    first = stamp(flight[0]["timestamp"])
    call = flight[0]["callsign"]
    lines.append(f"MSG,1,1,1,{hexid},1,{first},{first},{call},,,,,,,,,,,")
    for r in flight:
        s = stamp(r["timestamp"])
        alt = "" if r["altitude"] is None else f"{r['altitude']:.0f}"
        lines.append(
            f"MSG,3,1,1,{hexid},1,{s},{s},,{alt},,,{r['latitude']:.5f},{r['longitude']:.5f},"
            ",,0,0,0,0"
        )
        lines.append(
            f"MSG,4,1,1,{hexid},1,{s},{s},,,{r['groundspeed']:.1f},{r['track']:.1f},,,"
            f"{r['vertical_rate']:.0f},,0,0,0,0"
        )
    return ("\n".join(lines) + "\n").encode()


def positions(batch: ReportBatch) -> set[tuple[str, float, float, float]]:
    """Each report as (identity, time, lat, lon): what must not be lost."""
    return {
        (str(i), round(float(t), 3), round(float(la), 6), round(float(lo), 6))
        for i, t, la, lo in zip(batch.identity, batch.t, batch.lat, batch.lon, strict=True)
    }


def is_time_ordered(batches: list[ReportBatch]) -> bool:
    t = np.concatenate([b.t for b in batches]) if batches else np.empty(0)
    return bool(np.all(np.diff(t) >= 0))


class KillableServer:
    """A TCP server on 127.0.0.1 that streams ``payload`` to each client, then holds the
    connection open; :meth:`kill` drops every connection at once, like a crashed receiver.
    """

    def __init__(self, payload: bytes, *, port: int = 0, chunk: int = 4096) -> None:
        self.payload = payload
        self.port = port
        self.chunk = chunk
        self.sent = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(self.payload), self.chunk):
                writer.write(self.payload[start : start + self.chunk])
                await writer.drain()
                self.sent += len(self.payload[start : start + self.chunk])
                await asyncio.sleep(0.001)
            await reader.read()  # hold the connection until the client or kill() ends it

    async def kill(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in self._writers:
            w.transport.abort()
        self._writers.clear()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None


@contextlib.contextmanager
def http_server(answer: Callable[[int], tuple[int, bytes]]) -> Iterator[tuple[str, list[int]]]:
    """A threaded HTTP server on 127.0.0.1 (a free port): the ``n``-th GET (from 0) gets
    ``answer(n)``, a status and a body (an error status is sent as an error page). Yields
    the base URL and the list of GETs served so far (one entry each); shut down on exit.
    """
    served: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer(len(served))
            served.append(status)
            if status >= 400:
                self.send_error(status)
                return
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()
