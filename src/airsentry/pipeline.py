"""The pipeline: parts in data-flow order, one batch at a time, one :class:`Step` out.

``sources → tracking → identify → watch → respond → incidents → sinks``. A
:class:`Pipeline` holds its parts and nothing else; it builds none of them (the one
builder, :mod:`airsentry.build`, does, for every command). :meth:`Pipeline.process`
takes report batches in event-time order, whatever their origin (a recorded file, a
live feed, the simulator), so replay and live runs share this code path, and returns
a frozen :class:`~airsentry.step.Step`: the batch's track updates and classes, the
tracks that ended, its events and the incidents it changed. Events and incidents are
in the store before any sink (events file, audit trail, console, outputs) sees the step.
Each sink's failure is handled by its declared policy (:mod:`airsentry.outputs.base`):
a critical sink's stops the run with a :class:`~airsentry.outputs.base.SinkError`, a
best-effort sink's is counted and retried (:meth:`Pipeline.sink_health`).

One transaction per step: a critical sink that writes nothing but the book's own store
(it names it in ``writes_to``: the track log) is written inside the transaction that
books the step's events and incidents, so a step costs one commit (one fsync), not one
per writer; the other sinks see the step after that commit. Should the sink fail, the
whole step is rolled back (events, incidents and track log: all or nothing) and the
book reloads what the store holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from airsentry.identify.base import Identifier
from airsentry.incidents import IncidentBook
from airsentry.model import Event, Incident, ReportBatch, Track, TrackUpdates, from_epoch
from airsentry.outputs.base import Sink, SinkHealth, SinkPolicy, SinkRunner, policy_of
from airsentry.respond.playbook import Responder
from airsentry.step import Step
from airsentry.tracking.base import Tracker
from airsentry.watch.stage import Watch


@dataclass(eq=False)
class Pipeline:
    """Tracker, identification, watch, response, incident book and sinks of one run.

    Without a ``book`` nothing is stored (the console replaying a demo already booked
    does this) and steps carry no incidents.
    """

    tracker: Tracker
    identifier: Identifier
    watch: Watch
    responder: Responder
    book: IncidentBook | None = None
    sinks: list[Sink] = field(default_factory=list)
    _runner: SinkRunner = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._runner = SinkRunner(self.sinks)

    def process(self, batch: ReportBatch) -> Step:
        """Run one batch through every stage; its events are stored before it returns."""
        updates, ended = self.tracker.process(batch)
        gone = [e.track.track_id for e in ended]
        identified = self.identifier.identify(updates, gone)
        self.responder.observe(updates, identified.cls)
        events = self.watch.process(identified, ended)
        # ADS-B that disagrees with radar: an integrity (spoofing) event, kept and stored
        # like the others; it names a track, not a zone
        integrity = self.tracker.drain_events()
        if integrity:
            events = sorted(integrity + events, key=lambda e: e.time)
        self.identifier.forget(gone)
        until = float(updates.state.t.max()) if len(updates) else None
        joined = self._joined()
        with self._step_transaction(joined):
            incidents = self._book(events, until)
            t = batch.t
            step = Step(
                reports=len(batch),
                t_first=float(t.min()) if len(batch) else math.nan,
                t_last=float(t.max()) if len(batch) else math.nan,
                updates=updates,
                classes=identified.cls,
                ended=tuple(e.track for e in ended),
                events=tuple(events),
                incidents=tuple(incidents),
                batch=batch,
            )
            if joined:
                self._write(step, joined)
        self._write(step, self._others(joined) if joined else None)
        return step

    def finish(self) -> Step:
        """End of input: close every live track's stays."""
        ended = self.tracker.flush()
        gone = [e.track.track_id for e in ended]
        held = dict(zip(gone, self.identifier.latest(gone).tolist(), strict=True))
        events = self.watch.finish(ended, lambda tid: str(held.get(tid, "unknown")))
        self.identifier.forget(gone)
        joined = self._joined()
        with self._step_transaction(joined):
            step = Step(
                ended=tuple(e.track for e in ended),
                events=tuple(events),
                incidents=tuple(self._book(events, None)),
                final=True,
            )
            if joined:
                self._write(step, joined)
        self._write(step, self._others(joined) if joined else None)
        return step

    def consume(self, batches: Iterable[ReportBatch]) -> Step:
        """Every batch, then the end of input, keeping nothing: what the commands run.
        The store has the events and incidents and the sinks had every step, so a
        replay's memory does not grow with its input (:meth:`run` keeps the steps with
        events: a replay of 2.3 million OpenSky rows held 9,790 events to its end, and
        a month of traffic would hold millions). Returns the end-of-input step."""
        for batch in batches:
            self.process(batch)
        return self.finish()

    def run(self, batches: Iterable[ReportBatch]) -> list[Step]:
        """Every batch, then the end of input; the steps that raised events or changed
        incidents (a long replay's quiet steps are not kept), without their rows: the
        sinks had the reports and the track updates, and a replay's memory must not
        grow with its input (each kept step held its batch's whole update columns: a
        replay of 569,000 OpenSky rows peaked at 495 MB, issue 12). Whoever needs the
        rows runs :meth:`process` or adds a sink."""
        kept = []
        for batch in batches:
            step = self.process(batch)
            if step.events or step.incidents:
                no_rows = TrackUpdates.empty()
                kept.append(replace(step, batch=None, updates=no_rows, classes=np.empty(0, object)))
        final = self.finish()
        if final.events or final.incidents:
            kept.append(final)
        return kept

    def close(self) -> None:
        """Close every sink (the store belongs to whoever opened it)."""
        self._runner.close()

    def sink_health(self) -> list[SinkHealth]:
        """Per sink: its policy, failed writes, steps waiting and steps dropped."""
        return self._runner.health()

    def live_tracks(self) -> list[tuple[Track, str]]:
        """The live tracks as of the last batch, each with the class it holds."""
        live = list(self.tracker.live())
        ids = np.array([tr.track_id for tr in live], dtype=np.int64)
        classes = self.identifier.latest(ids).tolist()
        return [(tr, str(c)) for tr, c in zip(live, classes, strict=True)]

    def _book(self, events: Sequence[Event], until: float | None) -> list[Incident]:
        """Book the events, then close what event time ``until`` left stale; the changed
        incidents, each once, as last saved."""
        if self.book is None:
            return []
        changed: dict[str, Incident] = {}
        if events:
            changed.update((inc.id, inc) for inc in self.book.add(list(events)))
        if until is not None:
            # event time, not wall time: replay and live close incidents alike
            changed.update((inc.id, inc) for inc in self.book.close_stale(from_epoch(until)))
        return list(changed.values())

    def _write(self, step: Step, sinks: Sequence[Sink] | None = None) -> None:
        self._runner.write(step, sinks)

    def _joined(self) -> list[Sink]:
        """The critical sinks that write nothing but the book's store (``writes_to``):
        written inside the step's transaction."""
        if self.book is None:
            return []
        store = self.book.store
        return [
            s
            for s in self.sinks
            if getattr(s, "writes_to", None) is store and policy_of(s) is SinkPolicy.CRITICAL
        ]

    def _others(self, joined: Sequence[Sink]) -> list[Sink]:
        inside = {id(s) for s in joined}
        return [s for s in self.sinks if id(s) not in inside]

    @contextmanager
    def _step_transaction(self, joined: Sequence[Sink]) -> Iterator[None]:
        """The book's and the joined sinks' writes of one step in one transaction (none
        when no sink joins: the book commits its own). On failure the book reloads."""
        if self.book is None or not joined:
            yield
            return
        book = self.book
        try:
            with book.store.transaction():
                yield
        except BaseException:
            book.resume()  # its part was rolled back with the step
            raise
