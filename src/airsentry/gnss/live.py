"""The map kept live: a sink of the pipeline's steps that the server reads.

:class:`GnssLayer` maps every step's reports as they pass (``Step.batch``: the reports as
decoded, before tracking, so their integrity columns and raw positions are there) and answers the
console's requests for the map of a time window. The pipeline writes from its thread
while the server reads from another: one lock guards the map.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from airsentry.gnss.export import geojson
from airsentry.gnss.grid import HOUR, CellHours, GnssConfig, GnssMap
from airsentry.model import isoformat
from airsentry.step import Step

LIVE_KEEP_HOURS = 48.0


class GnssLayer:
    """A :class:`~airsentry.outputs.base.Sink` that keeps the GNSS-interference map."""

    def __init__(self, config: GnssConfig | None = None) -> None:
        self.config = config or GnssConfig(keep_hours=LIVE_KEEP_HOURS)
        self.map = GnssMap(self.config)
        self._lock = threading.Lock()

    def write(self, step: Step) -> None:
        if step.batch is not None and len(step.batch):
            with self._lock:
                self.map.add(step.batch)

    def close(self) -> None:
        """Nothing to release: the map stays readable after the run."""

    def table(self, *, hours: float, t_to: float | None, merge_hours: bool) -> CellHours:
        with self._lock:
            end = self.map.latest if t_to is None else t_to
            start = end - hours * HOUR if math.isfinite(end) else -math.inf
            return self.map.table(
                t_from=start, t_to=math.inf if t_to is None else end, merge_hours=merge_hours
            )

    def geojson(
        self, *, hours: float = 1.0, t_to: float | None = None, merge_hours: bool = False
    ) -> dict[str, Any]:
        """The map of the ``hours`` before ``t_to`` (default: the newest report)."""
        with self._lock:
            latest = self.map.latest
        end = latest if t_to is None else t_to
        table = self.table(hours=hours, t_to=t_to, merge_hours=merge_hours)
        window: dict[str, Any] = {
            "to": isoformat(end) if math.isfinite(end) else None,
            "hours": hours,
            "merged": merge_hours,
        }
        return geojson(table, self.config, **window)
