"""What a run did, added up from its steps: reports, events, incidents changed, time span."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from airsentry.step import Step


@dataclass(slots=True)
class Totals:
    """A sink that counts. Commands print it; the console's runner drains ``changed``."""

    batches: int = 0
    reports: int = 0
    events: int = 0
    incidents_changed: set[str] = field(default_factory=set)
    first_time: float = math.inf  # event-time span of the reports seen
    last_time: float = -math.inf

    def write(self, step: Step) -> None:
        if not step.final:
            self.batches += 1
        self.reports += step.reports
        self.events += len(step.events)
        self.incidents_changed.update(inc.id for inc in step.incidents if inc.id)
        if step.reports and math.isfinite(step.t_first):
            self.first_time = min(self.first_time, step.t_first)
            self.last_time = max(self.last_time, step.t_last)

    def close(self) -> None:
        pass
