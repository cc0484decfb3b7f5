"""The assessment seen from the watch: authorisation of one batch's update rows.

The watch stage runs before assessment and must not import it, yet it needs to know,
for its depth and swarm statistics, which stays are unauthorised. The pipeline builds
a :class:`BatchJudge` for each batch (the authority, the tracker's updates and their
classification) and hands it to the watch, which sees only the ``watch.base.Judge``
protocol: ``authorise(rows, zones)`` and ``describe(row, zone, authorised)``.
"""

from __future__ import annotations

import math

import numpy as np

from airsentry.identify.authority import Authority, TargetFacts, explain, target_facts
from airsentry.identify.classify import Classification, TrackClassifier
from airsentry.model import BoolArray, IntArray, TrackUpdates


class BatchJudge:
    """Admission of update rows in zones, for one batch of track updates."""

    def __init__(
        self,
        authority: Authority,
        updates: TrackUpdates,
        classification: Classification,
        classifier: TrackClassifier | None = None,
    ) -> None:
        if len(classification) != len(updates):
            raise ValueError(
                f"{len(classification)} classifications for {len(updates)} track updates"
            )
        self.authority = authority
        self.updates = updates
        self.classification = classification
        self.classifier = classifier
        self._facts: TargetFacts | None = None

    @property
    def facts(self) -> TargetFacts:
        """Admission facts of every row, computed on first use (once per batch)."""
        if self._facts is None:
            s = self.updates.state
            self._facts = target_facts(s.identity, s.transponder, s.squawk, self.classification.cls)
        return self._facts

    def authorise(self, rows: IntArray, zones: IntArray) -> BoolArray:
        """True where the target of update row ``rows[i]`` is admitted in ``zones[i]``."""
        idx = np.asarray(rows, dtype=np.int64)
        return self.authority.admit(np.asarray(zones, dtype=np.int64), self.facts.take(idx))

    def track_class(self, track_id: int) -> str:
        """The class a track holds now (after this batch), for events without a row."""
        if self.classifier is None:
            rows = np.flatnonzero(self.updates.track_id == track_id)
            return str(self.classification.cls[rows[-1]]) if len(rows) else "unknown"
        return str(self.classifier.latest([track_id])[0])

    def describe(self, row: int, zone: int, authorised: bool) -> tuple[tuple[str, ...], str]:
        """Reasons for the verdict on one row in one zone (the admission's reasons, then
        the classification's), and the row's target class."""
        s = self.updates.state
        cls = str(self.classification.cls[row])
        speed = float(math.hypot(s.vel_e[row], s.vel_n[row]))
        fields = {
            "identity": str(s.identity[row]),
            "transponder": bool(s.transponder[row]),
            "squawk": str(s.squawk[row]),
            "callsign": str(s.callsign[row]),
            "class": cls,
            "speed": speed,
            "alt": float(s.alt[row]),
        }
        why = explain(self.authority.zones[zone], fields, authorised)
        label = f"classified {cls.replace('_', ' ')} ({self.classification.confidence[row]:.0%})"
        both = (*why, label, *self.classification.reasons[row])
        return tuple(dict.fromkeys(both)), cls
