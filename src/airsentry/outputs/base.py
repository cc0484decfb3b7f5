"""The contract of an output: a sink of the pipeline's steps, and what its failure means.

Every consumer of what the pipeline found is a :class:`Sink`: the events file, the
audit trail of recommendations, the console's live picture, and the outputs of this
package. The pipeline calls ``write`` with each :class:`~airsentry.step.Step` after its
events and incidents are in the store (so a sink never sees anything the store could
lose), and ``close`` once at the end of the run.

Each sink declares a :class:`SinkPolicy` (a ``policy`` attribute; none means
``critical``):

- ``critical``: the run cannot go on without it (the store's track history, the
  recommendation trail, the run's totals). A failure stops the run with a
  :class:`SinkError` naming the sink and the reason.
- ``best_effort``: the watch must not stop for it (the events file, metrics, the
  outputs' hub, whose deliveries have their own retrying threads). A failure is
  counted, logged once per distinct reason on the ``airsentry.sinks`` logger, and the
  step is kept in a bounded backlog that is retried, in order, before each later step;
  when the backlog is full its oldest step is dropped and counted. ``write`` of a
  best-effort sink must take a step whole or raise having taken none of it, so a retry
  never writes anything twice.

:class:`SinkRunner` applies the policies; :meth:`SinkRunner.health` reports failures,
backlog and drops per sink (metrics: ``airsentry_sink_*``).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from airsentry.errors import AirsentryError
from airsentry.step import Step

log = logging.getLogger("airsentry.sinks")

BACKLOG_STEPS = 256  # steps a best-effort sink may fall behind before the oldest go


class Sink(Protocol):
    """Receives every step of a run, in order."""

    def write(self, step: Step) -> None: ...

    def close(self) -> None: ...


class SinkPolicy(StrEnum):
    """What a sink's failure does to the run (see the module docstring)."""

    CRITICAL = "critical"
    BEST_EFFORT = "best_effort"


class SinkError(AirsentryError):
    """A critical sink failed: the run stops. Names the ``sink`` and the ``reason``."""

    def __init__(self, sink: str, reason: str) -> None:
        self.sink = sink
        self.reason = reason
        super().__init__(f"output {sink} failed, the run stops: {reason}")


def policy_of(sink: object) -> SinkPolicy:
    """The sink's declared policy; ``critical`` when it declares none."""
    return SinkPolicy(getattr(sink, "policy", SinkPolicy.CRITICAL))


def sink_name(sink: object) -> str:
    """A sink's name in errors, logs and metrics: its ``name``, else its class and path."""
    name = getattr(sink, "name", None)
    if isinstance(name, str) and name:
        return name
    path = getattr(sink, "path", None)
    return f"{type(sink).__name__}({path})" if path is not None else type(sink).__name__


@dataclass(frozen=True, slots=True)
class SinkHealth:
    """One sink's state: failed attempts, steps waiting, steps (and events) dropped."""

    name: str
    policy: str
    failures: int
    backlog: int
    dropped_steps: int
    dropped_events: int
    last_error: str


@dataclass(slots=True)
class _State:
    name: str
    policy: SinkPolicy
    failures: int = 0
    dropped_steps: int = 0
    dropped_events: int = 0
    last_error: str = ""
    backlog: deque[Step] = field(default_factory=deque)
    reasons: set[str] = field(default_factory=set)


class SinkRunner:
    """Writes each step to every sink, in order, under each sink's policy."""

    def __init__(self, sinks: Sequence[Sink], *, backlog_steps: int = BACKLOG_STEPS) -> None:
        self.sinks = sinks  # the pipeline's own list: sinks added later are picked up
        self.backlog_steps = backlog_steps
        self._states: dict[int, _State] = {}

    def _state(self, sink: Sink) -> _State:
        st = self._states.get(id(sink))
        if st is None:
            st = self._states[id(sink)] = _State(sink_name(sink), policy_of(sink))
        return st

    def write(self, step: Step, sinks: Sequence[Sink] | None = None) -> None:
        """Write ``step`` to every sink, or to ``sinks`` (some of them) only."""
        for sink in self.sinks if sinks is None else sinks:
            st = self._state(sink)
            if st.policy is SinkPolicy.CRITICAL:
                try:
                    sink.write(step)
                except AirsentryError:
                    raise  # already names what failed (a store error, a sink error)
                except Exception as exc:
                    raise SinkError(st.name, _reason(exc)) from exc
            else:
                self._best_effort(sink, st, step)

    def _best_effort(self, sink: Sink, st: _State, step: Step) -> None:
        st.backlog.append(step)
        while st.backlog:
            try:
                sink.write(st.backlog[0])
            except Exception as exc:
                st.failures += 1
                reason = _reason(exc)
                if reason not in st.reasons and len(st.reasons) < 100:
                    st.reasons.add(reason)
                    log.error("output %s failed, the run goes on: %s", st.name, reason)
                st.last_error = reason
                break
            st.backlog.popleft()
        else:
            if st.last_error:
                log.warning("output %s caught up after: %s", st.name, st.last_error)
                st.last_error = ""
        while len(st.backlog) > self.backlog_steps:
            dropped = st.backlog.popleft()
            st.dropped_steps += 1
            st.dropped_events += len(dropped.events)

    def close(self) -> None:
        """Close every sink; a best-effort sink's backlog that never got through is
        logged with its count. A critical sink that fails to close raises."""
        for sink in self.sinks:
            st = self._state(sink)
            if st.policy is SinkPolicy.BEST_EFFORT:
                if st.backlog:
                    log.error(
                        "output %s: %d step(s) never written (%s)",
                        st.name,
                        len(st.backlog),
                        st.last_error,
                    )
                try:
                    sink.close()
                except Exception as exc:
                    log.error("output %s did not close cleanly: %s", st.name, _reason(exc))
            else:
                sink.close()

    def health(self) -> list[SinkHealth]:
        out = []
        for sink in self.sinks:
            st = self._state(sink)
            out.append(
                SinkHealth(
                    st.name,
                    str(st.policy),
                    st.failures,
                    len(st.backlog),
                    st.dropped_steps,
                    st.dropped_events,
                    st.last_error,
                )
            )
        return out


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
