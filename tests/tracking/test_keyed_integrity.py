"""The default (combined) tracker's integrity check: a radar that follows a cooperative
track by its own track number contradicts the track's spoofed ADS-B positions."""

from __future__ import annotations

import numpy as np
from tracking_scenes import T0, Target, observe

from airsentry.model import Event, EventKind, ReportBatch
from airsentry.tracking.combined import CombinedTracker
from airsentry.tracking.crosscheck import CrossCheck

JETS = (
    Target(52.0, 21.0, 200.0, 0.0, identity="icao:4b1805"),
    Target(52.1, 21.2, 210.0, 90.0, identity="icao:4b1806"),
)


def _events(spoof_from: float, seed: int) -> list[Event]:
    radar = observe(list(JETS), 600, sensor="r1", period=4, noise=80, track_numbers=True,
                    seed=seed)  # fmt: skip
    honest = observe(list(JETS), 600, sensor="adsb", period=1, phase=0.3, noise=10,
                     cooperative=True, window=(0, spoof_from), seed=seed + 1)  # fmt: skip
    parts = [radar, honest]
    if spoof_from < 600:
        parts.append(observe(list(JETS), 600, sensor="adsb", period=1, phase=0.3, noise=10,
                             cooperative=True, window=(spoof_from, 600),
                             offset_m=(3000.0, 0.0), seed=seed + 2))  # fmt: skip
    batch = ReportBatch.concat(parts).sorted_by_time()
    tracker = CombinedTracker()
    for start in np.arange(batch.t.min(), batch.t.max() + 10, 10.0):
        tracker.process(batch.take((batch.t >= start) & (batch.t < start + 10)))
    return tracker.drain_events()


def test_spoofed_positions_raise_one_event_per_aircraft_per_holdoff() -> None:
    holdoff = CrossCheck().holdoff_s
    for seed in (3, 7):
        events = _events(150.0, seed)
        assert {e.kind for e in events} == {EventKind.INTEGRITY}
        by_id: dict[str, list[float]] = {}
        for e in events:
            assert 2000 < e.details["separation_m"] < 4000
            by_id.setdefault(e.identity, []).append(e.time.timestamp() - T0)
        assert set(by_id) == {j.identity for j in JETS}
        for times in by_id.values():
            assert 150 <= times[0] < 170  # found within a few radar scans of the jump
            assert (np.diff(times) > holdoff).all()  # then one per hold-off, not per scan
            assert len(times) >= 3  # and again while it lasts (450 s)


def test_honest_positions_raise_none() -> None:
    for seed in (3, 7):
        assert _events(600.0, seed) == []
