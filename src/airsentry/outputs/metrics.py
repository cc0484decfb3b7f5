"""Prometheus metrics of a running pipeline: a sink, and collectors read at scrape time.

:class:`PipelineMetrics` is a sink like any output; its registry is what the server
exposes at ``/metrics`` and ``airsentry run --metrics-port`` on a port of its own.
Names (all prefixed ``airsentry_``):

- ``reports_total``, ``steps_total``: reports and batches through the pipeline;
- ``feed_reports_total{feed}``, ``feed_rejected_total{feed}``, ``feed_bytes_total{feed}``,
  ``feed_up{feed}``: per live feed, from the feeds' health (``run`` and ``serve`` with feeds);
- ``tracks_live{class}``: tracks updated and not ended, by class (refreshed at most
  once a second from the steps' arrays, never per row);
- ``events_total{kind}``; ``incidents_open`` (read from the store when scraped);
- ``step_lag_seconds``: histogram of wall-clock time minus the newest report's event
  time when a step leaves the pipeline (end-to-end latency of a live picture; a replay
  of old data shows its age);
- ``output_queue_depth{output}``, ``output_shed_total{output}``,
  ``output_delivered_total{output}``, ``output_failures_total{output}``,
  ``output_connected{output}``: the outputs' delivery threads;
- ``sink_failures_total{sink,policy}``, ``sink_backlog{sink}``,
  ``sink_dropped_total{sink}``: failed writes of each sink of the pipeline, and the
  steps a best-effort sink holds or dropped (:mod:`airsentry.outputs.base`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from airsentry.outputs.base import SinkHealth, SinkPolicy
from airsentry.outputs.hub import Outputs
from airsentry.step import Step


class _Live(Collector):
    """Collects what is read at scrape time: tracks by class, open incidents, outputs,
    feeds."""

    def __init__(self, metrics: PipelineMetrics) -> None:
        self.m = metrics

    def collect(self) -> Iterator[Any]:
        m = self.m
        m.refresh(force=True)
        tracks = GaugeMetricFamily(
            "airsentry_tracks_live", "live tracks by class", labels=["class"]
        )
        counts: dict[str, int] = {}
        for cls in m.track_class.values():
            counts[cls] = counts.get(cls, 0) + 1
        for cls, n in sorted(counts.items()):
            tracks.add_metric([cls], n)
        yield tracks
        if m.open_incidents is not None:
            yield GaugeMetricFamily(
                "airsentry_incidents_open", "incidents open", value=m.open_incidents()
            )
        out = [d for hub in m.outputs for d in hub.deliveries]
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {
            "queue_depth": GaugeMetricFamily(
                "airsentry_output_queue_depth", "track-level items waiting", labels=["output"]
            ),
            "connected": GaugeMetricFamily(
                "airsentry_output_connected", "1 when connected", labels=["output"]
            ),
            "shed": CounterMetricFamily(
                "airsentry_output_shed", "track-level items dropped", labels=["output"]
            ),
            "delivered": CounterMetricFamily(
                "airsentry_output_delivered", "durable messages confirmed", labels=["output"]
            ),
            "failures": CounterMetricFamily(
                "airsentry_output_failures", "failed delivery attempts", labels=["output"]
            ),
        }
        for d in out:
            families["queue_depth"].add_metric([d.name], d.depth)
            families["connected"].add_metric([d.name], int(d.connected))
            families["shed"].add_metric([d.name], d.shed)
            families["delivered"].add_metric([d.name], d.delivered)
            families["failures"].add_metric([d.name], d.failures)
        yield from families.values()
        if m.feeds is not None:
            reports = CounterMetricFamily(
                "airsentry_feed_reports", "reports received", labels=["feed"]
            )
            rejected = CounterMetricFamily(
                "airsentry_feed_rejected", "records rejected", labels=["feed"]
            )
            read = CounterMetricFamily(
                "airsentry_feed_bytes", "bytes read and decoded", labels=["feed"]
            )
            up = GaugeMetricFamily("airsentry_feed_up", "1 when connected", labels=["feed"])
            for h in m.feeds():
                read.add_metric([h.name], h.bytes)
                reports.add_metric([h.name], h.reports)
                rejected.add_metric([h.name], h.rejected)
                up.add_metric([h.name], int(h.state == "connected"))
            yield from (reports, rejected, read, up)
        if m.sink_health is not None:
            failures = CounterMetricFamily(
                "airsentry_sink_failures", "failed writes of a sink", labels=["sink", "policy"]
            )
            backlog = GaugeMetricFamily(
                "airsentry_sink_backlog", "steps a best-effort sink has not written yet",
                labels=["sink"],
            )  # fmt: skip
            dropped = CounterMetricFamily(
                "airsentry_sink_dropped", "steps a best-effort sink dropped (backlog full)",
                labels=["sink"],
            )  # fmt: skip
            for h in m.sink_health():
                failures.add_metric([h.name, h.policy], h.failures)
                backlog.add_metric([h.name], h.backlog)
                dropped.add_metric([h.name], h.dropped_steps)
            yield from (failures, backlog, dropped)


class PipelineMetrics:
    """A sink that counts, in its own registry (several pipelines never collide)."""

    policy = SinkPolicy.BEST_EFFORT  # the watch goes on without it (outputs/base.py)

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reports = Counter("airsentry_reports", "reports through the pipeline", registry=r)
        self.steps = Counter("airsentry_steps", "batches through the pipeline", registry=r)
        self.events = Counter("airsentry_events", "events raised", ["kind"], registry=r)
        self.lag = Histogram(
            "airsentry_step_lag_seconds",
            "wall clock minus the newest report's event time when a step leaves the pipeline",
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, math.inf),
            registry=r,
        )
        self.track_class: dict[int, str] = {}
        self.outputs: list[Outputs] = []
        self.open_incidents: Callable[[], int] | None = None
        self.feeds: Callable[[], Sequence[Any]] | None = None
        self.sink_health: Callable[[], Sequence[SinkHealth]] | None = None
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._ended: list[int] = []
        self._refreshed = 0.0
        self._lock = threading.Lock()  # the pipeline's thread and the scraping thread
        r.register(_Live(self))

    def watch(
        self,
        sinks: Sequence[object],
        store: Any = None,
        *,
        sink_health: Callable[[], Sequence[SinkHealth]] | None = None,
    ) -> PipelineMetrics:
        """Report the outputs among ``sinks``, the open incidents of ``store`` and the
        sinks' failures and backlogs (``sink_health``: the pipeline's)."""
        self.outputs += [s for s in sinks if isinstance(s, Outputs)]
        if sink_health is not None:
            self.sink_health = sink_health
        if store is not None:
            self.open_incidents = lambda: _count_open(store)
        return self

    def write(self, step: Step) -> None:
        if not step.final:
            self.steps.inc()
        self.reports.inc(step.reports)
        for e in step.events:
            self.events.labels(str(e.kind)).inc()
        if math.isfinite(step.t_last):
            self.lag.observe(max(time.time() - step.t_last, 0.0))
        with self._lock:
            if len(step.updates) and len(step.classes) == len(step.updates):
                self._pending.append((step.updates.track_id, step.classes))
            self._ended += [t.track_id for t in step.ended]
        self.refresh()

    def refresh(self, *, force: bool = False) -> None:
        """Fold the steps' track classes into ``track_class`` (at most once a second)."""
        now = time.monotonic()
        if not force and now - self._refreshed < 1.0:
            return
        self._refreshed = now
        with self._lock:
            pending, self._pending = self._pending, []
            ended, self._ended = self._ended, []
        if pending:
            ids = np.concatenate([p[0] for p in pending])[::-1]
            classes = np.concatenate([p[1] for p in pending])[::-1]
            uniq, first = np.unique(ids, return_index=True)
            self.track_class.update(zip(uniq.tolist(), classes[first].tolist(), strict=True))
        for tid in ended:
            self.track_class.pop(tid, None)

    def close(self) -> None:
        pass


def _count_open(store: Any) -> int:
    with store.reading("count open incidents") as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM incidents WHERE status = 'open'").fetchone()[0]
        )
