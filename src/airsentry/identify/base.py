"""The identify stage: what each track-update row is, and which zones admit it.

:class:`Identifier` runs after the tracker. For every batch of track updates it
returns an :class:`Identified` record: the updates with typed identification columns
(class, confidence, reasons) and the admission facts of every row (transponder,
registering State, state aircraft, drone, Remote ID). The watch stage, downstream,
reads that record to tell an authorised stay from a violation (``admitted``) and to
explain its verdict (``describe``); nothing downstream calls back into identification.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airsentry.identify.authority import Authority, TargetFacts, explain, target_facts
from airsentry.identify.classify import Classification, TrackClassifier
from airsentry.model import BoolArray, FloatArray, IntArray, ObjArray, TrackUpdates, Zone


@dataclass(frozen=True, slots=True, eq=False)
class Identified:
    """One batch of track updates with their identification, row for row.

    ``held`` is the class each track of the batch holds after the batch (a track's
    class firms up as evidence accumulates), for events that close a stay.
    """

    updates: TrackUpdates
    cls: ObjArray  # TargetClass values as str
    confidence: FloatArray  # 0..1
    reasons: list[tuple[str, ...]]
    facts: TargetFacts
    authority: Authority
    held_ids: IntArray  # sorted distinct track ids of the batch ...
    held_cls: ObjArray  # ... and the class each holds now

    def __len__(self) -> int:
        return len(self.cls)

    def admitted(self, rows: IntArray, zones: IntArray) -> BoolArray:
        """True where the target of update row ``rows[i]`` is admitted in ``zones[i]``."""
        idx = np.asarray(rows, dtype=np.int64)
        return self.authority.admit(np.asarray(zones, dtype=np.int64), self.facts.take(idx))

    def track_class(self, track_id: int) -> str:
        """The class a track of this batch (or ended with it) holds now; else "unknown"."""
        pos = int(np.searchsorted(self.held_ids, track_id))
        if pos < len(self.held_ids) and self.held_ids[pos] == track_id:
            return str(self.held_cls[pos])
        return "unknown"

    def describe(self, row: int, zone: int, authorised: bool) -> tuple[tuple[str, ...], str]:
        """Reasons for the verdict on one row in one zone (the admission's reasons, then
        the classification's), and the row's target class. Called per event, not per row."""
        s = self.updates.state
        cls = str(self.cls[row])
        fields = {
            "identity": str(s.identity[row]),
            "transponder": bool(s.transponder[row]),
            "squawk": str(s.squawk[row]),
            "callsign": str(s.callsign[row]),
            "class": cls,
            "speed": float(math.hypot(s.vel_e[row], s.vel_n[row])),
            "alt": float(s.alt[row]),
        }
        facts = self.facts.take([row])  # computed once for the batch
        why = explain(self.authority.zones[zone], fields, authorised, facts)
        label = f"classified {cls.replace('_', ' ')} ({self.confidence[row]:.0%})"
        both = (*why, label, *self.reasons[row])
        return tuple(dict.fromkeys(both)), cls


class Identifier:
    """The stage: a classifier with per-track memory and the zones' admission rules."""

    def __init__(self, zones: Sequence[Zone], classifier: TrackClassifier | None = None) -> None:
        self.authority = Authority(zones)
        self.classifier = classifier or TrackClassifier()

    def identify(self, updates: TrackUpdates, ended: npt.ArrayLike = ()) -> Identified:
        """Classify one batch's rows and compute their admission facts; ``ended`` names
        the tracks that ended with this batch, whose held class the watch still needs."""
        c: Classification = self.classifier.update(updates)
        s = updates.state
        facts = target_facts(s.identity, s.transponder, s.squawk, c.cls)
        gone = np.asarray(ended, dtype=np.int64)
        ids = np.unique(np.concatenate([updates.track_id, gone]) if len(gone) else updates.track_id)
        return Identified(
            updates=updates,
            cls=c.cls,
            confidence=c.confidence,
            reasons=c.reasons,
            facts=facts,
            authority=self.authority,
            held_ids=ids,
            held_cls=self.classifier.latest(ids),
        )

    def latest(self, track_ids: npt.ArrayLike) -> ObjArray:
        """The class each track holds now ("unknown" for tracks not known)."""
        return self.classifier.latest(track_ids)

    def forget(self, track_ids: npt.ArrayLike) -> None:
        """Drop the memory of tracks that ended."""
        self.classifier.forget(track_ids)
