"""The watch stage: every detector over one batch of track updates.

One zone-index query per batch serves the entry/exit detector; the approach detector
makes one more for the predicted paths. Events come out in event-time order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from airsentry.airspace.index import ZoneIndex
from airsentry.model import Event, EventKind, TrackUpdates, Zone
from airsentry.tracking.base import Ended
from airsentry.watch.approach import ApproachDetector
from airsentry.watch.base import Judge, WatchConfig
from airsentry.watch.crossing import CrossingDetector
from airsentry.watch.silence import SilenceDetector
from airsentry.watch.swarm import SwarmDetector


class Watch:
    """Approach, entry, exit (dwell, depth), swarm and sensor silence."""

    def __init__(
        self, zones: Sequence[Zone], index: ZoneIndex, config: WatchConfig | None = None
    ) -> None:
        self.config = config or WatchConfig()
        self.zones = list(zones)
        self.index = index
        self.crossing = CrossingDetector(self.zones, index)
        self.approach = ApproachDetector(self.zones, index, self.config)
        self.swarm = SwarmDetector(self.config.swarm_min_tracks, self.config.swarm_window_s)
        self.silence = SilenceDetector(self.config.sensor_silence_s)
        self._zone_pos = {z.id: i for i, z in enumerate(self.zones)}

    def process(self, updates: TrackUpdates, ended: Sequence[Ended], judge: Judge) -> list[Event]:
        """Events of one batch, in time order (the zone events judged by ``judge``)."""
        st = updates.state
        events = self.silence.process(st.t, st.sensor)
        if len(updates):
            m = self.index.query(st.lat, st.lon, st.alt, st.t)
            crossings = self.crossing.process(updates, m.point, m.zone, judge)
            # predictions first: an entry re-arms the warning only for later batches
            events += self.approach.process(updates, m.point, m.zone, judge)
            for ev in crossings:
                if ev.kind is EventKind.ENTRY and ev.track_id is not None:
                    self.approach.entered(ev.track_id, self._zone_pos[ev.zone_id])
            events += crossings
        # Ended tracks last: a track can start and end within one batch, and an ended
        # track's id never returns, so its stays are complete once the rows are in.
        events += self.end_tracks(ended, judge.track_class)
        events.sort(key=lambda e: e.time)
        events += self.swarm.process(events)
        events.sort(key=lambda e: e.time)
        return events

    def end_tracks(
        self, ended: Sequence[Ended], class_of: Callable[[int], str] | None = None
    ) -> list[Event]:
        """Close the stays of ended tracks (``class_of`` gives their final class)."""
        for e in ended:
            self.approach.forget(e.track.track_id)
        return self.crossing.end_tracks(ended, class_of)
