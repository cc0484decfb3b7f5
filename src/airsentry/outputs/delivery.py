"""One delivery thread per output: nothing lost, nothing blocked.

The pipeline's thread never talks to a receiver. What must arrive (incident and
decision messages) is in the store's outbox (:mod:`airsentry.incidents.outbox`) before
the thread is woken; the thread sends it, and marks it delivered only once the
receiver confirmed it (an MQTT PUBACK, an HTTP 2xx, a TCP write that completed). On any
failure it disconnects, waits (capped exponential backoff) and tries again, from the
oldest message still pending: delivered at least once, in order, across receiver
outages and restarts of airsentry.

What may be shed (track positions, events on a live stream) goes through a bounded
in-memory queue: when the receiver cannot keep up, the oldest items are dropped and
counted (:attr:`Delivery.shed`), never waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from airsentry.incidents.outbox import Outbox
from airsentry.model import Event
from airsentry.outputs.messages import TrackSnapshot, decision_message
from airsentry.outputs.urls import OutputSpec

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A receiver refused or did not confirm a message (the message stays pending)."""


@dataclass(frozen=True, slots=True)
class Live:
    """One item of the track-level stream: a snapshot of tracks, or a step's events."""

    tracks: TrackSnapshot | None = None
    events: Sequence[Event] = ()


class Transport(Protocol):
    """How one kind of output talks to its receiver (used from its delivery thread only)."""

    wants_events: bool

    def connect(self) -> None: ...

    def send(self, topic: str, key: str, body: str) -> None:
        """Deliver one durable message; return once the receiver confirmed it."""
        ...

    def send_live(self, items: Sequence[Live]) -> None:
        """Deliver track-level items, best effort."""
        ...

    def disconnect(self) -> None: ...


class Delivery:
    """The delivery thread of one output, its bounded live queue and its counters."""

    def __init__(
        self,
        spec: OutputSpec,
        transport: Transport,
        outbox: Outbox | None,
        *,
        backoff_s: tuple[float, float] = (0.2, 10.0),
        drain_s: float = 10.0,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.transport = transport
        self.outbox = outbox
        self.backoff_s = backoff_s
        self.drain_s = drain_s
        self.limit = spec.queue
        self.delivered = 0  # durable messages confirmed
        self.sent_live = 0  # live items handed to the receiver
        self.shed = 0  # live items dropped because the queue was full
        self.failures = 0
        self.last_error = ""
        self.connected = False
        self.wants_decisions = spec.scheme != "file"
        # decisions recorded from now on (by the console, `airsentry decide`, any
        # process), or since the last one this output queued in an earlier run
        self._decisions_seen = 0
        if outbox is not None:
            queued = outbox.last_decision_queued(self.name)
            self._decisions_seen = outbox.last_decision() if queued is None else queued
        self._queue: deque[Live] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"output {self.name}", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        """Live items waiting."""
        return len(self._queue)

    def offer(self, item: Live) -> None:
        """Queue a live item without waiting; the oldest is shed when the queue is full."""
        with self._lock:
            if len(self._queue) >= self.limit:
                self._queue.popleft()
                self.shed += 1
            self._queue.append(item)
        self._wake.set()

    def notify(self) -> None:
        """New durable messages are in the outbox."""
        self._wake.set()

    def close(self) -> None:
        """Deliver what is pending (waiting up to ``drain_s``), then stop; anything still
        pending stays in the outbox for the next run."""
        self._stop.set()
        self._wake.set()
        self._thread.join(self.drain_s + 5.0)

    # -- the thread -----------------------------------------------------------------

    def _run(self) -> None:
        delay = self.backoff_s[0]
        deadline = 0.0
        while True:
            if self._stop.is_set() and not deadline:
                deadline = time.monotonic() + self.drain_s
            try:
                if not self.connected:
                    self.transport.connect()
                    self.connected = True
                durable_left = self._flush_outbox()
                self._flush_live()
                delay = self.backoff_s[0]
                if deadline and not durable_left and not self._queue:
                    break
                if not durable_left:
                    self._wake.wait(0.5)
                    self._wake.clear()
            except Exception as exc:  # any receiver failure: back off, keep everything
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("output %s: %s (retrying in %.1f s)", self.name, exc, delay)
                self._drop_connection()
                if deadline and time.monotonic() >= deadline:
                    break
                if deadline:
                    time.sleep(max(min(delay, deadline - time.monotonic()), 0.0))
                else:
                    self._stop.wait(delay)
                delay = min(delay * 2, self.backoff_s[1])
            if deadline and time.monotonic() >= deadline:
                break
        self._drop_connection()

    def _drop_connection(self) -> None:
        if self.connected:
            self.connected = False
        try:
            self.transport.disconnect()
        except Exception as exc:
            log.debug("output %s: disconnecting: %s", self.name, exc)

    def _queue_decisions(self) -> None:
        """Queue the decisions recorded since the last look (a cheap read when none)."""
        assert self.outbox is not None
        if self.outbox.last_decision() <= self._decisions_seen:
            return
        found = self.outbox.decisions_after(self._decisions_seen)
        rows = [(self.name, *decision_message(d), "decisions") for d in found]
        self.outbox.put((name, key, topic, body) for name, key, body, topic in rows)
        self._decisions_seen = max(d["id"] for d in found)

    def _flush_outbox(self) -> bool:
        """Send pending durable messages; return whether more may be waiting."""
        if self.outbox is None:
            return False
        if self.wants_decisions:
            self._queue_decisions()
        pending = self.outbox.pending(self.name, limit=100)
        done: list[int] = []
        try:
            for msg in pending:
                try:
                    self.transport.send(msg.topic, msg.key, msg.body)
                except Exception:
                    self.outbox.failed([msg.id])
                    raise
                done.append(msg.id)
        finally:
            self.outbox.delivered(done)
            self.delivered += len(done)
        return len(pending) == 100

    def _flush_live(self) -> None:
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
        if items:
            try:
                self.transport.send_live(items)
            except Exception:
                self.shed += len(items)  # track-level: counted, not retried
                raise
            self.sent_live += len(items)
