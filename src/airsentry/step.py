"""What one batch changed: the record the pipeline returns and every sink receives.

A :class:`Step` is frozen: the pipeline builds it once per batch (and once at the end
of input) and hands the same record to the caller and to each sink (the events file,
the audit trail of recommendations, the console's live picture, the outputs). It holds
only vocabulary types, so any stage downstream of the pipeline may read it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from airsentry.model import Event, Incident, ObjArray, ReportBatch, Track, TrackUpdates


def _no_classes() -> ObjArray:
    return np.empty(0, dtype=object)


@dataclass(frozen=True, slots=True, eq=False)
class Step:
    """One batch through the pipeline.

    ``updates`` and ``classes`` are row-aligned (the class each update row was given);
    ``ended`` are the tracks that ended with this batch; ``events`` the events it raised,
    in event-time order, already in the incident store when the step is returned;
    ``incidents`` the incidents it opened, changed or closed, as stored.
    ``reports`` counts the reports the batch carried and ``t_first``/``t_last`` their
    event-time span (NaN for an empty batch or the end-of-input step); ``batch`` is the
    batch itself, as decoded (None at the end of input), for sinks that map the raw
    reports (the GNSS-interference map reads their navigation integrity).
    """

    reports: int = 0
    t_first: float = math.nan
    t_last: float = math.nan
    updates: TrackUpdates = field(default_factory=TrackUpdates.empty)
    classes: ObjArray = field(default_factory=_no_classes)
    ended: Sequence[Track] = ()
    events: Sequence[Event] = ()
    incidents: Sequence[Incident] = ()
    final: bool = False  # the end-of-input step
    batch: ReportBatch | None = None  # the reports as decoded (not at the end of input)

    @property
    def time(self) -> float:
        """The event time this step reached (NaN when it carried no report)."""
        return self.t_last
