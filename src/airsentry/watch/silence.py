"""Sensor silence: a feed that stops reporting is itself an event.

A radar that goes quiet while drones cross is the worst failure a watch can have, and
the operator must know the picture has a hole. Silence is measured in event time: a gap
longer than ``silence_s`` between two reports of one sensor raises ``sensor_silent``
(at the moment the gap exceeded the limit) and ``sensor_back`` when it reports again; a
sensor still quiet when the rest of the input has moved past its limit is reported
silent too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from airsentry.model import Event, EventKind, FloatArray, ObjArray, from_epoch, isoformat
from airsentry.tracking.base import Ended, factorize
from airsentry.watch.base import Scene


class SilenceDetector:
    def __init__(self, silence_s: float = 120.0) -> None:
        self.silence_s = silence_s
        self._last: dict[str, float] = {}
        self._silent: set[str] = set()

    def detect(self, scene: Scene, found: Sequence[Event]) -> list[Event]:
        st = scene.updates.state
        return self.process(st.t, st.sensor)

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]:
        return []

    def process(self, t: FloatArray, sensor: ObjArray) -> list[Event]:
        """Feed one batch's report times and sensors; return silence events in time order."""
        out: list[Event] = []
        if len(t) == 0:
            return out
        names, inverse = factorize(sensor)
        for k, name in enumerate(names):
            times = np.sort(t[inverse == k])
            prev = self._last.get(name)
            seq = np.concatenate([[prev], times]) if prev is not None else times
            gaps = np.flatnonzero(np.diff(seq) > self.silence_s)
            for g in gaps:
                if name not in self._silent:
                    out.append(
                        self._event(EventKind.SENSOR_SILENT, name, seq[g] + self.silence_s, seq[g])
                    )
                out.append(self._event(EventKind.SENSOR_BACK, name, seq[g + 1], seq[g]))
                self._silent.discard(name)
            if name in self._silent:  # silent at the end of the last batch, now back
                out.append(self._event(EventKind.SENSOR_BACK, name, times[0], prev or times[0]))
                self._silent.discard(name)
            self._last[name] = float(seq[-1])
        now = float(t.max())
        for name, last in self._last.items():
            if name not in self._silent and now - last > self.silence_s:
                self._silent.add(name)
                out.append(self._event(EventKind.SENSOR_SILENT, name, last + self.silence_s, last))
        out.sort(key=lambda e: e.time)
        return out

    def _event(self, kind: EventKind, sensor: str, at: float, last: float) -> Event:
        verb = "silent" if kind is EventKind.SENSOR_SILENT else "reporting again"
        return Event(
            kind=kind,
            time=from_epoch(at),
            sensor=sensor,
            reasons=(f"sensor {sensor} {verb}; last report before the gap {isoformat(last)}",),
            details={"gap_from": float(last)},
        )
