"""Runs the pipeline behind the console: a replay or a live feed, in a thread of its own.

The runner takes report batches in event-time order from any iterable (a scenario, a
recorded file, a live feed), passes each through one pipeline (:class:`PipelineLike`)
that books into the server's store, and after each batch tells the
:class:`~airsentry.server.live.LivePicture` and the :class:`~airsentry.server.live.Hub`
what changed: track positions (at most every ``publish_s`` seconds of wall time),
and every incident the batch opened or changed, as an alert.

``speed`` paces a replay by event time: 1.0 is real time, 60 is a minute a second,
0 as fast as the machine goes. Live feeds arrive at their own pace (speed 0).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from airsentry.incidents import IncidentStore
from airsentry.model import ReportBatch, Track, from_epoch
from airsentry.server.live import Hub, LivePicture
from airsentry.step import Step

log = logging.getLogger(__name__)


class PipelineLike(Protocol):
    """What the runner needs of the pipeline (:class:`airsentry.pipeline.Pipeline`): the
    server is a face over the pipeline and does not build it (the one builder does), and
    the runner reads what each batch changed from the step the pipeline returns."""

    def process(self, batch: ReportBatch) -> Step: ...

    def finish(self) -> Step: ...

    def live_tracks(self) -> list[tuple[Track, str]]: ...

    def close(self) -> None: ...


def time_slices(batch: ReportBatch, step_s: float = 1.0) -> Iterator[ReportBatch]:
    """Cut a time-sorted batch into consecutive slices of ``step_s`` of event time."""
    if not len(batch):
        return
    t = batch.t
    edges = np.arange(float(t[0]), float(t[-1]) + step_s, step_s)
    cuts = np.searchsorted(t, edges[1:], side="left")
    start = 0
    for stop in [*cuts.tolist(), len(batch)]:
        if stop > start:
            yield batch.take(slice(start, stop))
            start = stop


@dataclass(slots=True)
class RunnerConfig:
    speed: float = 0.0  # event seconds per wall second; 0: no pacing
    publish_s: float = 0.5  # wall seconds between track snapshots
    max_wait_s: float = 2.0  # a quiet gap in a replay is skipped down to this wall time


class PipelineRunner:
    """The pipeline thread of a server: feed → pipeline → live picture → hub."""

    def __init__(
        self,
        pipeline: PipelineLike,
        batches: Iterable[ReportBatch],
        picture: LivePicture,
        hub: Hub,
        config: RunnerConfig | None = None,
        position: Callable[[str], dict[str, tuple[float, float]]] | None = None,
        announce_from: IncidentStore | None = None,
        store: IncidentStore | None = None,
        before_batch: Callable[[], object] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.batches = batches
        self.picture = picture
        self.hub = hub
        self.config = config or RunnerConfig()
        self.position = position
        self.announce_from = announce_from
        self._announced: set[str] = set()
        self.store = store
        # e.g. RegisterWatch.poll: the identifier sees register edits without a restart
        self.before_batch = before_batch
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="airsentry-pipeline", daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        self.picture.running = True
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # the console stays up; the failure is shown and logged
            self.error = exc
            log.exception("pipeline stopped")
        finally:
            close = getattr(self.batches, "close", None)
            if callable(close):  # a generator over live feeds: stop the feeds
                close()
            self.pipeline.close()  # its sinks (the events file)
            self.picture.running = False
            self.hub.publish(self.picture.status())

    def _loop(self) -> None:
        speed = self.config.speed
        wall0 = time.monotonic()
        event0: float | None = None
        last_publish, dirty = 0.0, False
        for batch in self.batches:
            if self._stop.is_set():
                return
            if not len(batch):  # a quiet live feed: show what came last, notice a stop
                if dirty and time.monotonic() - last_publish >= self.config.publish_s:
                    self._publish_tracks()
                    last_publish, dirty = time.monotonic(), False
                continue
            if speed > 0:
                t = float(batch.t.max())
                event0 = t if event0 is None else event0
                wait = (t - event0) / speed - (time.monotonic() - wall0)
                if wait > self.config.max_wait_s:  # skip the quiet hours between episodes
                    wall0 -= wait - self.config.max_wait_s
                    wait = self.config.max_wait_s
                if wait > 0 and self._stop.wait(wait):
                    return
            if self.before_batch is not None:
                self.before_batch()
            self.picture.note_batch(batch)
            self._took(self.pipeline.process(batch))
            now, dirty = time.monotonic(), True
            if now - last_publish >= self.config.publish_s:
                self._publish_tracks()
                last_publish, dirty = now, False
        if not self._stop.is_set():
            # The last picture stays on the map after the input ends (running: false).
            self._publish_tracks()
            self._took(self.pipeline.finish())

    def _took(self, step: Step) -> None:
        """What one step changed: violators and sensors on the picture, then alerts."""
        if step.events:
            self.picture.note_events(step.events)
        self._alerts([inc.id for inc in step.incidents if inc.id])

    def _publish_tracks(self) -> None:
        pairs = self.pipeline.live_tracks()
        live = [tr for tr, _ in pairs]
        rows, removed = self.picture.set_tracks(live, {tr.track_id: c for tr, c in pairs})
        status = self.picture.status()
        self.hub.publish(
            {"type": "tracks", "time": status["time"], "tracks": rows, "removed": removed}
        )
        self.hub.publish(status)

    def _alerts(self, changed: list[str]) -> None:
        """Alert on every incident the step changed; when replaying over a store that
        already holds the run's incidents (``announce_from``), alert on each stored
        incident as the replay's event time reaches its start."""
        store = self.store
        ids = sorted(set(changed))
        if self.announce_from is not None and math.isfinite(self.picture.time):
            store = self.announce_from
            due = store.list(until=from_epoch(self.picture.time))
            ids += [inc.id for inc in due if inc.id not in self._announced]
            self._announced.update(ids)
        if store is None:
            return
        for inc_id in ids:
            incident = store.get(inc_id)
            if incident is not None:
                out = incident.to_dict()
                where = self.position(inc_id) if self.position else {}
                out["lat"], out["lon"] = where.get(inc_id, (None, None))
                self.hub.publish({"type": "alert", "incident": out})
