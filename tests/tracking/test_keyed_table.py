"""The cooperative tracker's live tracks as columns by slot (tracking/keyed_table.py).

What a live feed needs from it: many live tracks, small batches, and a track's state
(callsign, identity, sensors, last position) right through slot reuse and growth.
"""

from __future__ import annotations

import numpy as np
import pytest

from airsentry.model import ReportBatch
from airsentry.tracking.cooperative import CooperativeConfig, CooperativeTracker

T0 = 1_758_265_200.0  # 2025-09-19T07:00:00Z


def fleet(n: int, t: float, *, first: int = 0, callsign: str = "") -> ReportBatch:
    """One report each of ``n`` aircraft at time ``t``, spread over the Baltic."""
    k = np.arange(first, first + n)
    return ReportBatch.build(
        t=np.full(n, t),
        lat=54.0 + (k % 100) * 0.02,
        lon=14.0 + (k // 100) * 0.02,
        alt=np.full(n, 9000.0),
        vel_e=np.full(n, 200.0),
        vel_n=np.zeros(n),
        identity=np.array([f"icao:{0x400000 + i:06x}" for i in k], dtype=object),
        callsign=callsign,
        sensor="adsb",
        transponder=True,
    )


def test_thousands_of_tracks_keep_their_own_state_through_growth() -> None:
    tracker = CooperativeTracker()
    first, _ = tracker.process(fleet(3000, T0))  # the table grows from 64 slots
    later, ended = tracker.process(fleet(3000, T0 + 5))
    assert not ended
    assert np.array_equal(first.track_id, later.track_id)
    by_key = tracker.tracks
    assert len(by_key) == 3000
    i = 3000 - 8
    tr = by_key[f"icao:{0x400000 + i:06x}"]
    assert tr.track_id == int(later.track_id[i])
    assert tr.lat == pytest.approx(54.0 + (i % 100) * 0.02)
    assert tr.lon == pytest.approx(14.0 + (i // 100) * 0.02)
    assert (tr.first_seen, tr.last_seen) == (T0, T0 + 5)
    assert (tr.vel_e, tr.transponder) == (200.0, True)
    assert [t.track_id for t in tracker.live()] == sorted(int(x) for x in first.track_id)


def test_a_freed_slot_carries_nothing_of_its_last_track() -> None:
    tracker = CooperativeTracker(CooperativeConfig(expire_s=60.0))
    tracker.process(fleet(1, T0, callsign="SAS123"))
    # the first aircraft falls silent and ends; a new one takes the freed slot
    _, ended = tracker.process(fleet(1, T0 + 200, first=7))
    assert [e.track.callsign for e in ended] == ["SAS123"]
    assert ended[0].track.identity == "icao:400000"
    fresh = tracker.tracks["icao:400007"]
    assert (fresh.callsign, fresh.first_seen) == ("", T0 + 200)
    assert "icao:400000" not in tracker.tracks


def test_every_sensor_that_reported_a_track_in_a_batch_is_named() -> None:
    tracker = CooperativeTracker()
    two = ReportBatch.concat([fleet(1, T0), fleet(1, T0 + 1)])
    two = ReportBatch.build(
        **{name: getattr(two, name) for name in ("t", "lat", "lon", "alt", "identity")},
        sensor=np.array(["adsb-gdansk", "mlat-poznan"], dtype=object),
    )
    tracker.process(two)
    assert tracker.tracks["icao:400000"].sensors == {"adsb-gdansk", "mlat-poznan"}


def test_silent_tracks_end_in_the_order_they_started_among_many_live_ones() -> None:
    tracker = CooperativeTracker(CooperativeConfig(expire_s=60.0))
    tracker.process(fleet(500, T0))
    tracker.process(fleet(400, T0 + 30, first=100))  # the first 100 stay silent
    _, ended = tracker.process(fleet(1, T0 + 61, first=100))
    assert [e.track.identity for e in ended] == [f"icao:{0x400000 + i:06x}" for i in range(100)]
    assert {e.reason for e in ended} == {"silent"}
    assert len(tracker.tracks) == 400
