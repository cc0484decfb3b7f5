"""The watch stage: a chain of detectors over one batch of identified track updates.

One zone-index query per batch gives the containment pairs every detector shares (the
approach detector makes one more for its predicted paths). The default chain, in
order: sensor silence, entry/exit (dwell, depth; the stays of ended tracks close
here), approach (predictions first: an entry re-arms a warning only for later
batches), swarm (over the entries found before it). Events come out in event-time
order (ties in a total order, :func:`~airsentry.watch.base.event_order`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from airsentry.airspace.index import ZoneIndex
from airsentry.identify.base import Identified
from airsentry.model import Event, Zone
from airsentry.tracking.base import Ended
from airsentry.watch.approach import ApproachDetector
from airsentry.watch.base import Detector, Scene, WatchConfig, event_order
from airsentry.watch.crossing import CrossingDetector
from airsentry.watch.silence import SilenceDetector
from airsentry.watch.swarm import SwarmDetector


def default_detectors(
    zones: Sequence[Zone], index: ZoneIndex, config: WatchConfig
) -> tuple[Detector, ...]:
    """Silence, crossing, approach and swarm, in the order the chain needs them."""
    return (
        SilenceDetector(config.sensor_silence_s),
        CrossingDetector(zones, index, claim_grace_s=config.claim_grace_s),
        ApproachDetector(zones, index, config),
        SwarmDetector(config.swarm_min_tracks, config.swarm_window_s),
    )


class Watch:
    """Runs the detector chain; each detector sees what those before it found."""

    def __init__(
        self,
        zones: Sequence[Zone],
        index: ZoneIndex,
        config: WatchConfig | None = None,
        detectors: Sequence[Detector] | None = None,
    ) -> None:
        self.config = config or WatchConfig()
        self.zones = list(zones)
        self.index = index
        chain = detectors if detectors is not None else default_detectors(zones, index, self.config)
        self.detectors: tuple[Detector, ...] = tuple(chain)

    def process(self, identified: Identified, ended: Sequence[Ended] = ()) -> list[Event]:
        """Events of one batch, in time order."""
        st = identified.updates.state
        m = self.index.query(st.lat, st.lon, st.alt, st.t)
        scene = Scene(identified, ended, m.point, m.zone)
        found: list[Event] = []
        for detector in self.detectors:
            found += detector.detect(scene, found)
        found.sort(key=event_order)
        return found

    def finish(self, ended: Sequence[Ended], class_of: Callable[[int], str]) -> list[Event]:
        """End of input: close every detector's stays of the tracks that ended."""
        found: list[Event] = []
        for detector in self.detectors:
            found += detector.finish(ended, class_of)
        found.sort(key=event_order)
        return found
