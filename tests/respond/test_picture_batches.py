"""The traffic picture answers ``at(t)`` the same whatever the batches' span.

A replay reads files in large batches (20,000 rows can be ten minutes or more of event
time); an incident that starts early in such a batch asks the picture for the traffic at
its start. A flight last seen shortly before that start must still be there, as it is
when the batches are short (live, or a replay cut finer)."""

from __future__ import annotations

import numpy as np

from airsentry.model import ReportBatch, TrackUpdates
from airsentry.respond.picture import TrafficPicture

T0 = 1_758_265_200.0


def _updates(ids: np.ndarray, t: np.ndarray) -> TrackUpdates:
    lat = 50.0 + ids * 0.01 + (t - T0) * 1e-4
    return TrackUpdates(ids.astype(np.int64), ReportBatch.build(t=t, lat=lat, lon=10.0, alt=900.0))


def _tracks_at(pic: TrafficPicture, batches: list[TrackUpdates], t: float) -> list[int]:
    for b in batches:
        pic.update(b)
    return sorted(pic.at(t).track_id.tolist())


def test_a_batch_spanning_more_than_recent_s_keeps_what_at_needs() -> None:
    # flight 1 seen every 5 s until T0 + 1000; flight 2 from T0 + 1250 to T0 + 2300
    t1 = T0 + np.arange(0, 1001, 5.0)
    t2 = T0 + np.arange(1250, 2301, 5.0)
    first = _updates(np.ones(len(t1), dtype=np.int64), t1)
    second = _updates(np.full(len(t2), 2, dtype=np.int64), t2)
    start = T0 + 1250.0  # an incident's start: flight 1 was last seen 250 s before it
    fine = _tracks_at(
        TrafficPicture(recent_s=900.0),
        [first, second.take(np.arange(1)), second.take(np.arange(1, len(t2)))],
        start,
    )
    assert fine == [1, 2]
    # the same rows with the second flight in one batch ending 1,300 s after flight 1
    whole = _tracks_at(TrafficPicture(recent_s=900.0), [first, second], start)
    assert whole == fine


def test_tracks_older_than_recent_s_before_the_batch_still_go() -> None:
    pic = TrafficPicture(recent_s=900.0)
    pic.update(_updates(np.ones(3, dtype=np.int64), T0 + np.array([0.0, 20.0, 40.0])))
    pic.update(_updates(np.full(2, 2, dtype=np.int64), T0 + np.array([2000.0, 2100.0])))
    assert pic.latest.track_id.tolist() == [2]
    assert len(pic.path(1)) == 0
