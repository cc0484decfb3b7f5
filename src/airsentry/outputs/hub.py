"""The outputs of a run as one sink of the pipeline's steps.

:class:`Outputs` is what :mod:`airsentry.build` attaches for the deployment's
``outputs`` (``--output URL``). On the pipeline's thread it does only cheap work:

- a step that changed incidents: one outbox transaction queues one message per
  incident per output (durable before ``write`` returns), then the delivery threads
  are woken;
- events: the step's event list is offered to the outputs that stream events;
- tracks: the step's update arrays are kept, and every ``rate`` seconds of event time
  the latest row of each track is taken (one ``np.unique``) and offered to the outputs
  that stream tracks. Messages are built in the delivery threads.

Offering never waits: the live queues are bounded and count what they shed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from airsentry.incidents.outbox import Outbox
from airsentry.model import ReportBatch, TrackUpdates
from airsentry.outputs.base import SinkPolicy
from airsentry.outputs.delivery import Delivery, Live
from airsentry.outputs.messages import TrackSnapshot, incident_message, incident_type
from airsentry.step import Step


class _TrackGate:
    """The track updates since the last snapshot, for the outputs of one rate."""

    def __init__(self, rate_s: float, deliveries: list[Delivery]) -> None:
        self.rate_s = rate_s
        self.deliveries = deliveries
        self.next_t = -math.inf
        self.parts: list[tuple[TrackUpdates, np.ndarray]] = []

    def add(self, step: Step) -> None:
        if len(step.updates):
            self.parts.append((step.updates, step.classes))
        t = step.t_last
        if not self.parts or not (step.final or (math.isfinite(t) and t >= self.next_t)):
            return
        if len(self.parts) == 1:
            updates, classes = self.parts[0]
        else:
            updates = TrackUpdates(
                np.concatenate([u.track_id for u, _ in self.parts]),
                ReportBatch.concat([u.state for u, _ in self.parts]),
            )
            classes = np.concatenate([c for _, c in self.parts])
        self.parts = []
        self.next_t = (t if math.isfinite(t) else self.next_t) + self.rate_s
        snapshot = TrackSnapshot.latest(updates, classes)
        for d in self.deliveries:
            d.offer(Live(tracks=snapshot))


class Outputs:
    """A sink that hands each step to the outputs' delivery threads."""

    policy = SinkPolicy.BEST_EFFORT  # the watch goes on without it (outputs/base.py)

    def __init__(self, deliveries: Sequence[Delivery], outbox: Outbox | None) -> None:
        self.deliveries = list(deliveries)
        self.outbox = outbox
        self._durable = [d for d in self.deliveries if d.outbox is not None]
        self._events = [d for d in self.deliveries if d.transport.wants_events]
        rates: dict[float, list[Delivery]] = {}
        for d in self.deliveries:
            if d.spec.tracks:
                rates.setdefault(d.spec.rate_s, []).append(d)
        self._gates = [_TrackGate(rate, ds) for rate, ds in sorted(rates.items())]
        self._seen: set[str] = set()

    def write(self, step: Step) -> None:
        if step.incidents and self._durable and self.outbox is not None:
            rows = []
            for inc in step.incidents:
                key, body = incident_message(inc, incident_type(inc, self._known(inc.id)))
                self._seen.add(inc.id)
                rows += [(d.name, key, "incidents", body) for d in self._durable]
            self.outbox.put(rows)
            for d in self._durable:
                d.notify()
        if step.events:
            for d in self._events:
                d.offer(Live(events=step.events))
        for gate in self._gates:
            gate.add(step)

    def _known(self, incident_id: str) -> bool:
        """Whether the outputs already heard of this incident (in this run, or in an
        earlier one: its messages are in the outbox), so it is an update, not news."""
        if incident_id in self._seen:
            return True
        assert self.outbox is not None
        return self.outbox.has_prefix(self._durable[0].name, f"{incident_id}:")

    def close(self) -> None:
        for d in self.deliveries:
            d.close()
