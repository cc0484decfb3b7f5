"""Live feeds: connections that reconnect, merged in event time, with health; paced replay.

A :class:`Feed` is a named transport (TCP, UDP, HTTP polling, file tail; see
:mod:`airsentry.sources._live_transports`) with its format's registered
:class:`~airsentry.sources.base.Decoder` (the one that reads recordings too) and a
reconnect :class:`Backoff`. A framed transport (a datagram, an HTTP response) ends a
document with each piece, so the decoder is flushed after each; when a session ends,
the decoder is resynced (the partial tail dropped, the aircraft state kept). A
:class:`LiveRunner` runs several feeds at once on one asyncio loop, merges their reports
in event-time order (:class:`~airsentry.sources._live_merge.Merger`) and hands each
merged batch to a ``sink`` (in practice the pipeline's ``process``).
The reports' own times drive the pipeline, never the wall clock, so a live run and a
replay of its recording go through the same code.

A feed that fails or ends is retried after an exponentially growing, jittered delay
(capped; reset once a session delivers data) while the other feeds go on. Its reports
carry the feed's name as their ``sensor``, so the watch stage's silence events and the
tracks' sources name the feed. :meth:`LiveRunner.health` returns a snapshot per feed.

:func:`pace` is the replay side: it releases recorded batches at ``speed`` times the
pace of their event times (1 = real time, 0 = as fast as possible).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airsentry.columns import cells
from airsentry.model import ReportBatch
from airsentry.sources._live_health import FeedHealth, FeedState, HealthSnapshot
from airsentry.sources._live_heap import HeapTrim
from airsentry.sources._live_http import HttpPoller
from airsentry.sources._live_merge import Merger
from airsentry.sources._live_transports import (
    Dropped,
    FileTail,
    Held,
    TcpClient,
    Transport,
)
from airsentry.sources._live_udp import UdpReceiver
from airsentry.sources.base import Decoder, Guarded, Quarantine
from airsentry.sources.base import decoder as new_decoder

__all__ = [
    "Backoff",
    "Dropped",
    "Feed",
    "FeedHealth",
    "FeedState",
    "FileTail",
    "HealthSnapshot",
    "HttpPoller",
    "LiveRunner",
    "Merger",
    "TcpClient",
    "Transport",
    "UdpReceiver",
    "pace",
]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: ``initial_s * factor**n`` capped at ``max_s``, each drawn
    uniformly from ``[(1 - jitter) * d, d]`` so that many clients do not retry in step."""

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not (0 < self.initial_s <= self.max_s and self.factor >= 1 and 0 <= self.jitter <= 1):
            raise ValueError("need 0 < initial_s <= max_s, factor >= 1 and 0 <= jitter <= 1")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number ``attempt`` (0 for the first retry)."""
        d = min(self.max_s, self.initial_s * self.factor ** min(attempt, 64))
        return d * (1.0 - self.jitter * rng.random())


@dataclass(slots=True)
class Feed:
    """One live input: a ``name`` (the reports' sensor), a transport, a format."""

    name: str
    transport: Transport
    format: str
    options: dict[str, Any] = field(default_factory=dict)  # decoder options
    backoff: Backoff = field(default_factory=Backoff)
    silence_s: float = 30.0  # wall seconds without bytes before the feed counts as silent

    def decoder(self) -> Decoder:
        """A new decoder of the feed's format, naming the feed in quarantine records."""
        return Guarded(new_decoder(self.format, source=self.name, **self.options), self.name)


class LiveRunner:
    """Runs feeds, merges their reports in event time, feeds ``sink``; see the module doc.

    ``window_s`` is the reorder window (event seconds); merged batches are handed on
    every ``emit_every_s`` wall seconds, or sooner when ``max_held`` reports are waiting.
    ``sink`` runs on the loop's thread, one batch at a time. Every ``trim_every_s`` the
    heap's free pages go back to the kernel (:mod:`~airsentry.sources._live_heap`).
    """

    def __init__(
        self,
        feeds: Iterable[Feed],
        sink: Callable[[ReportBatch], object],
        quarantine: Quarantine,
        *,
        window_s: float = 2.0,
        emit_every_s: float = 0.25,
        max_held: int = 50_000,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
        stop_s: float = 1.0,
        trim_every_s: float = 60.0,
    ) -> None:
        self.feeds = list(feeds)
        names = [f.name for f in self.feeds]
        if len(set(names)) != len(names):
            raise ValueError(f"feed names must be unique: {names}")
        self.sink = sink
        self.quarantine = quarantine
        self.merger = Merger(window_s, quarantine)
        self.emit_every_s = emit_every_s
        self.max_held = max_held
        self.clock = clock
        self._rng = random.Random(seed)
        self._health = {
            f.name: FeedHealth(f.name, f.transport.describe(), silence_s=f.silence_s)
            for f in self.feeds
        }
        self._stop = asyncio.Event()
        self._error: Exception | None = None
        self.delivered = 0
        self.stop_s = stop_s
        self.unprocessed = 0  # reports held at a stop that the sink had no time for
        self.heap = HeapTrim(trim_every_s)  # free heap pages back to the kernel

    def health(self) -> list[HealthSnapshot]:
        now = self.clock()
        return [h.snapshot(now) for h in self._health.values()]

    def stop(self) -> None:
        """Ask :meth:`run` to end (safe from a signal handler on the loop's thread)."""
        self._stop.set()

    async def run(self) -> None:
        """Run until :meth:`stop`; then drain and hand on, within ``stop_s``.

        On a stop every session reads nothing more from its source and yields what it
        had already read, which is decoded (sessions still draining after half of
        ``stop_s`` are cancelled); each decoder's tail is flushed; then the held reports
        go to the sink in time order, in slices, until ``stop_s`` has passed since the
        stop. What the sink could not take in time is counted as skipped
        (:data:`STOPPED_REASON`), so records in = accepted + rejected + skipped stays
        exact through a stop."""
        decoders = {f.name: f.decoder() for f in self.feeds}
        tasks = [asyncio.create_task(self._feed(f, decoders[f.name])) for f in self.feeds]
        ticker = asyncio.create_task(self._tick())
        try:
            await self._stop.wait()
        finally:
            stopped_at = time.monotonic()
            ticker.cancel()
            if self._error is None:
                _, late = await asyncio.wait([*tasks, ticker], timeout=self.stop_s / 2)
                for task in late:
                    task.cancel()
            else:
                for task in tasks:
                    task.cancel()
            await asyncio.gather(*tasks, ticker, return_exceptions=True)
            now = self.clock()
            for f in self.feeds:
                self._health[f.name].state = FeedState.STOPPED
            if self._error is None:
                for f in self.feeds:
                    self._push(f.name, self._flush(decoders[f.name], f.name), now)
                self._hand_on(self.merger.release(now, everything=True), stopped_at)
        if self._error is not None:
            raise self._error

    def _hand_on(self, batch: ReportBatch, stopped_at: float) -> None:
        """Deliver ``batch`` in slices until ``stop_s`` after the stop; skip the rest."""
        for lo in range(0, len(batch), STOP_SLICE):
            if time.monotonic() - stopped_at >= self.stop_s:
                self.quarantine.skip(STOPPED_REASON, len(batch) - lo)
                self.unprocessed += len(batch) - lo
                return
            self._deliver(batch.take(slice(lo, lo + STOP_SLICE)))

    async def _feed(self, feed: Feed, decoder: Decoder) -> None:
        health = self._health[feed.name]
        attempt = 0
        # Every turn of the loop checks the stop as well as relying on cancellation:
        # Python 3.11's wait_for can swallow a cancel that meets a completed connect
        # (a refused port answers at once), and the feed would otherwise retry forever.
        held = 0  # pieces a stopped session announced (Held) and has not yielded yet
        while not self._stop.is_set():
            opened = False
            try:
                session_of = feed.transport.session(self._stop)
                async with contextlib.aclosing(session_of) as session:
                    async for data in session:
                        now = self.clock()
                        if not opened:
                            opened = True
                            health.opened(now)
                        if isinstance(data, Dropped):  # sent to us, but no room to keep it
                            self.quarantine.skip(f"{feed.name}: {data.reason}", data.datagrams)
                            health.data(now, data.size)
                            continue
                        if isinstance(data, Held):
                            held = data.pieces
                            continue
                        held = max(0, held - 1)
                        if not data:
                            continue
                        attempt = 0  # a session that delivers data resets the backoff
                        health.data(now, len(data))
                        batch = self._decode(decoder, feed.name, data)
                        if feed.transport.framed:
                            batch = ReportBatch.concat([batch, self._flush(decoder, feed.name)])
                        self._push(feed.name, batch, now)
                        # A reader with data waiting returns without suspending: give
                        # the loop a turn, so that a stop (SIGINT, SIGTERM), the ticker
                        # and the other feeds are never starved by a busy feed. On a
                        # stop the session itself ends once it has yielded what it read.
                        await asyncio.sleep(0)
                if self._stop.is_set():
                    return  # the decoder's tail is flushed by run(), not dropped
                if not opened:
                    health.opened(self.clock())
                health.closed(self.clock())
            except asyncio.CancelledError:  # the stop budget ran out while draining
                if held:  # received, never decoded: counted, not lost
                    self.quarantine.skip(f"{feed.name}: {HELD_REASON}", held)
                raise
            except Exception as exc:  # OSError from the transport; anything else is a bug
                # in a decoder, kept visible in the health rather than killing the feed.
                if isinstance(exc, _SinkFailed):
                    raise
                reason = str(exc) or type(exc).__name__
                if not isinstance(exc, OSError):
                    reason = f"{type(exc).__name__}: {reason}"
                if opened:
                    health.closed(self.clock(), reason)
                else:
                    health.failed(reason)
            if self._stop.is_set():
                return
            # A new session is a new byte stream: never glue it to the old one's tail.
            self._resync(decoder, feed.name)
            with contextlib.suppress(TimeoutError):  # a stop ends the wait at once
                await asyncio.wait_for(self._stop.wait(), feed.backoff.delay(attempt, self._rng))
            attempt += 1

    def _decode(self, decoder: Decoder, name: str, data: bytes) -> ReportBatch:
        before = self.quarantine.count
        batch = decoder.feed(data, self.quarantine)
        self._health[name].rejected += self.quarantine.count - before
        return batch

    def _flush(self, decoder: Decoder, name: str) -> ReportBatch:
        before = self.quarantine.count
        batch = decoder.flush(self.quarantine)
        self._health[name].rejected += self.quarantine.count - before
        return batch

    def _resync(self, decoder: Decoder, name: str) -> None:
        before = self.quarantine.count
        decoder.resync(self.quarantine)
        self._health[name].rejected += self.quarantine.count - before

    def _push(self, name: str, batch: ReportBatch, now: float) -> None:
        if not len(batch):
            return
        batch = dataclasses.replace(batch, sensor=cells(len(batch), name))
        health = self._health[name]
        health.decoded(now, len(batch), float(np.nanmax(batch.t)))
        health.late += self.merger.push(name, batch, now)
        if self.merger.held >= self.max_held:
            self._deliver(self.merger.release(now))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.emit_every_s)
            now = self.clock()
            for h in self._health.values():
                h.check_silence(now)
            self._deliver(self.merger.release(now))
            self.heap.maybe()

    def _deliver(self, batch: ReportBatch) -> None:
        if not len(batch):
            return
        if self._error is not None:
            raise _SinkFailed from self._error
        try:
            self.sink(batch)
        except Exception as exc:
            # The sink (the pipeline and its store) failed: stop the run, report it.
            self._error = exc
            self._stop.set()
            raise _SinkFailed from exc
        self.delivered += len(batch)


STOP_SLICE = 2_000  # reports per sink call while handing on at a stop
STOPPED_REASON = "stopped: the run ended before the pipeline could take them"
HELD_REASON = "stopped: datagrams received and not decoded within the stop budget"


class _SinkFailed(Exception):
    """Internal: the sink raised; ends the task that delivered."""


def pace(
    batches: Iterable[ReportBatch],
    speed: float,
    *,
    step_s: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[ReportBatch]:
    """Yield ``batches`` in slices no later than ``speed`` times real time.

    Each batch is cut into slices of ``step_s * speed`` event seconds (one
    ``searchsorted``), and a slice is yielded once the wall clock has caught up with its
    first report: wall elapsed = (event time - first event time) / speed. ``speed`` 0
    yields the batches unchanged, as fast as they come. Batches out of time order are
    paced by the latest time seen, never backwards.
    """
    if speed < 0:
        raise ValueError("speed must be >= 0")
    if speed == 0:
        yield from batches
        return
    start_wall: float | None = None
    start_t = 0.0
    latest = -np.inf
    for batch in batches:
        if not len(batch):
            continue
        t = np.maximum.accumulate(np.maximum(batch.t, latest))
        if start_wall is None:
            start_wall, start_t = clock(), float(t[0])
        latest = float(t[-1])
        span = step_s * speed
        edges = start_t + span * np.arange(
            np.floor((t[0] - start_t) / span) + 1, np.floor((t[-1] - start_t) / span) + 1
        )
        cuts = [0, *np.searchsorted(t, edges, side="left").tolist(), len(t)]
        for lo, hi in itertools.pairwise(cuts):
            if hi <= lo:
                continue
            wait = start_wall + (float(t[lo]) - start_t) / speed - clock()
            if wait > 0:
                sleep(wait)
            yield batch.take(slice(lo, hi))
