"""The recommendation trail: every distinct recommendation of an incident, in the audit log.

The book recomputes recommendations whenever an incident changes; what the log keeps
is every *distinct* recommendation (action, target, authority) of each incident, with
its reasons at that moment. What was last logged per incident is read back from the
log on first use, so a replay or a restart adds nothing new.

A log in doubt (torn last line, missing head or key, a full disk) refuses appends
until an operator runs ``airsentry audit repair``. Watching the airspace must not stop
for that: the incidents are already in the store, so the trail keeps the
recommendations it could not write in a backlog (the latest per incident), says so
once per distinct reason on the ``airsentry.audit`` logger, and writes the backlog,
in order, on the first step after the log is whole again. :attr:`pending` and
:attr:`failures` tell the health checks and metrics how far behind it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from airsentry.decisions.audit import AuditError, AuditLog
from airsentry.model import isoformat
from airsentry.step import Step

log = logging.getLogger("airsentry.audit")


class RecommendationTrail:
    """Writes each incident's recommendation to the audit log when it changes."""

    def __init__(self, audit: AuditLog) -> None:
        self.log = audit
        self._last: dict[str, tuple[str, str, str]] | None = None
        self._backlog: dict[str, Any] = {}  # incident id -> latest incident not yet logged
        self.failures = 0  # appends the log refused
        self.last_error = ""

    @property
    def pending(self) -> int:
        """Incidents whose latest recommendation is not in the log yet."""
        return len(self._backlog)

    def _logged(self) -> dict[str, tuple[str, str, str]]:
        if self._last is None:
            self._last = {}
            for e in self.log.entries():
                d = e.get("data") or {}
                if e.get("kind") == "recommendation" and isinstance(d, dict):
                    key = (str(d.get("action")), str(d.get("target")), str(d.get("authority")))
                    self._last[str(d.get("incident_id"))] = key
        return self._last

    def write(self, step: Step) -> None:
        """As a sink of the pipeline: log the step's changed recommendations, stamped
        with the wall-clock time (the log records when airsentry said it; each entry
        holds the incident's event time too). Retries the backlog first."""
        if step.incidents or self._backlog:
            self.record(step.incidents, time=datetime.now(UTC))

    def close(self) -> None:
        if self._backlog:
            log.error(
                "%s: %d recommendation(s) never reached the audit log (%s); they are in the "
                "incident store; repair the log with `airsentry audit repair`",
                self.log.path,
                len(self._backlog),
                self.last_error,
            )

    def record(self, incidents: Iterable[Any], *, time: datetime) -> int:
        """Log the changed recommendations of the backlog and ``incidents``; return how
        many were written. A refused append leaves the rest in the backlog."""
        todo = self._backlog
        for inc in incidents:
            todo.pop(inc.id, None)  # the newest version goes last, in arrival order
            todo[inc.id] = inc
        last = self._logged()
        n = 0
        for inc_id in list(todo):
            inc = todo[inc_id]
            rec = inc.recommendation
            if rec is None or not inc.id:
                del todo[inc_id]
                continue
            key = (str(rec.action), rec.target, rec.authority)
            if last.get(inc.id) == key:
                del todo[inc_id]
                continue
            try:
                self.log.append("recommendation", _entry(inc), time=time)
            except AuditError as exc:
                self.failures += 1
                if str(exc) != self.last_error:
                    log.error("recommendation trail held back: %s", exc)
                self.last_error = str(exc)
                break
            del todo[inc_id]
            last[inc.id] = key
            n += 1
        else:
            if self.last_error:
                log.warning("recommendation trail caught up with the audit log")
                self.last_error = ""
        return n


def _entry(inc: Any) -> dict[str, Any]:
    rec = inc.recommendation
    return {
        "incident_id": inc.id,
        "zone_id": inc.zone_id,
        "action": str(rec.action),
        "target": rec.target,
        "authority": rec.authority,
        "needs_decision": rec.needs_decision,
        "reasons": list(rec.reasons),
        "incident_end": isoformat(inc.end),
    }
