"""The traffic picture's memory is bounded: by time for tracks that ended, by count
for paths (the 10-minute soak grew by the paths it kept as tuples, issue 13)."""

from __future__ import annotations

import numpy as np

from airsentry.model import ReportBatch, TrackUpdates
from airsentry.respond.picture import TrafficPicture

T0 = 1_758_265_200.0


def _batch(ids: np.ndarray, t: np.ndarray) -> TrackUpdates:
    lat = 50.0 + (ids % 100) * 0.01 + (t - T0) * 1e-4
    return TrackUpdates(ids.astype(np.int64), ReportBatch.build(t=t, lat=lat, lon=10.0, alt=900.0))


def test_ten_thousand_short_tracks_leave_nothing_once_retention_has_passed() -> None:
    pic = TrafficPicture(sample_s=10.0, retain_s=1800.0)
    # 10,000 tracks, 100 at a time, each flying 2 minutes (a row every 5 s)
    for wave in range(100):
        ids = np.repeat(np.arange(wave * 100, wave * 100 + 100), 24)
        t = T0 + wave * 60.0 + np.tile(np.arange(24) * 5.0, 100)
        pic.update(_batch(ids, t))
    assert 0 < len(pic) <= 10_000
    assert len(pic.path(9_999)) >= 10
    # one more track, long after the others ended: they are all gone
    later = T0 + 100 * 60.0 + 1800.0 + 600.0
    pic.update(_batch(np.array([123_456]), np.array([later])))
    assert len(pic) == 1
    assert len(pic.path(0)) == 0


def test_a_long_track_keeps_at_most_max_samples_of_path() -> None:
    pic = TrafficPicture(sample_s=20.0, max_samples=30)
    for k in range(50):  # 50 batches of a minute
        t = T0 + k * 60.0 + np.arange(0, 60, 1.0)
        pic.update(_batch(np.zeros(len(t), dtype=np.int64), t))
    path = pic.path(0)
    assert len(path) == 30
    assert np.all(np.diff(path[:, 0]) >= 10.0)
    assert path[-1, 0] >= T0 + 49 * 60.0
    # the picture still interpolates a state in the window it keeps
    assert len(pic.at(T0 + 45 * 60.0 + 5.0)) == 1


def test_at_national_turnover_the_picture_holds_recent_traffic_not_hours_of_it() -> None:
    """Default retention: two hours of turnover (60 new 5-minute flights a minute) leave
    only the tracks seen in the last ``recent_s``, not every track of the last six hours
    (issue 13: the soak's heap grew ~1 KB per track ever seen); an incident's objects
    (pinned) keep their paths for ``retain_s``."""
    pic = TrafficPicture()
    pic.pin([7])  # track 7's incident was recommended
    minutes = 120
    for minute in range(minutes):  # a row every 10 s of each flying track
        t = T0 + minute * 60.0 + np.arange(0, 60, 10.0)
        starts = np.arange(max(0, minute - 4), minute + 1) * 60
        ids = (starts[:, None] + np.arange(60)[None, :]).ravel()
        pic.update(_batch(np.repeat(ids, len(t)), np.tile(t, len(ids))))
    recent = 60 * (pic.recent_s / 60 + 5) + 60  # flying, or seen within recent_s
    assert len(pic) <= recent + 1  # and the pinned one
    assert len(pic) < 60 * minutes / 2  # far fewer than the tracks of the two hours
    assert len(pic.path(7)) >= 2  # pinned: its path outlives recent_s
    assert len(pic.path(8)) == 0  # not pinned, ended 115 minutes ago: gone
    assert len(pic.path(60 * (minutes - 1))) >= 2  # a live track


def test_a_pinned_track_is_forgotten_after_retain_s() -> None:
    pic = TrafficPicture(sample_s=10.0, retain_s=3600.0, recent_s=600.0)
    pic.pin([1])
    t = T0 + np.arange(0, 120, 5.0)
    pic.update(_batch(np.ones(len(t), dtype=np.int64), t))
    pic.update(_batch(np.array([2]), np.array([T0 + 1800.0])))
    assert len(pic.path(1)) >= 2  # past recent_s, within retain_s
    pic.update(_batch(np.array([2]), np.array([T0 + 3600.0 + 600.0])))
    assert len(pic.path(1)) == 0
    assert len(pic) == 1


def test_paths_are_one_table_whose_rows_follow_the_traffic_not_its_history() -> None:
    """Paths live in one table of columns (issue 13: one small array per track, copied
    one row longer at every sample, fragmented the heap): after an hour of turnover the
    table holds at most twice the rows of the paths it keeps."""
    pic = TrafficPicture(sample_s=10.0, max_samples=12, recent_s=300.0)
    for minute in range(60):  # 100 tracks at a time, each flying 5 minutes
        t = T0 + minute * 60.0 + np.arange(0, 60, 5.0)
        ids = np.arange(minute * 20, minute * 20 + 100)
        pic.update(_batch(np.repeat(ids, len(t)), np.tile(t, len(ids))))
    kept = sum(len(pic.path(int(i))) for i in pic.latest.track_id)
    assert kept > 0
    assert pic._paths.rows_held <= 2 * kept + 1024
    assert len(pic._paths) == len(pic)


def test_a_track_id_forgotten_and_seen_again_starts_a_new_path() -> None:
    pic = TrafficPicture(sample_s=10.0, recent_s=120.0)
    t = T0 + np.arange(0, 100, 5.0)
    pic.update(_batch(np.full(len(t), 5, dtype=np.int64), t))
    assert len(pic.path(5)) >= 9
    pic.update(_batch(np.array([6]), np.array([T0 + 1000.0])))  # track 5 forgotten
    assert len(pic.path(5)) == 0
    pic.update(_batch(np.array([5, 5]), np.array([T0 + 1010.0, T0 + 1030.0])))
    path = pic.path(5)
    assert len(path) == 2
    assert path[0, 0] == T0 + 1010.0


def test_a_live_feed_in_half_second_batches_is_sampled_once_a_period() -> None:
    """A sample per ``sample_s`` bucket whatever the batch cut: the live path's
    half-second batches were sampled every half period (twice the rows: the soak's
    resident memory rose with them, issue 13), one ten-minute batch every period."""
    rows = np.arange(0.0, 600.0, 1.0)  # a track reporting every second for 10 minutes
    live, replay = TrafficPicture(sample_s=20.0), TrafficPicture(sample_s=20.0)
    for k in range(0, len(rows), 1):  # one report per batch, as a live feed gives them
        live.update(_batch(np.array([3]), T0 + rows[k : k + 1]))
    replay.update(_batch(np.full(len(rows), 3), T0 + rows))
    assert len(replay.path(3)) == 30
    np.testing.assert_array_equal(live.path(3), replay.path(3))


def _turnover_capacity(flying: int, minutes: int, life_s: float = 120.0) -> np.ndarray:
    """The paths table's capacity every 10 s of ``flying`` flights at a time, each
    ``life_s`` long and replaced by a new one at its end (staggered): the soak's
    traffic (``--lifetime``) in miniature."""
    pic = TrafficPicture(sample_s=20.0, recent_s=600.0)
    off = np.random.default_rng(flying).uniform(0.0, life_s, flying)
    caps = []
    for sec in range(0, minutes * 60, 10):
        t = np.repeat(T0 + sec + np.arange(10.0), flying)
        slot = np.tile(np.arange(flying), 10)
        ids = ((t - T0 + off[slot]) // life_s).astype(np.int64) * flying + slot
        pic.update(_batch(ids, t))
        caps.append(len(pic._paths._tid))
    return np.array(caps)


def test_the_paths_table_stops_growing_once_the_traffic_has_levelled_off() -> None:
    """Its state fills in the flights' life plus ``recent_s`` (12 minutes here); after
    that the table's memory must stay as it is. Sized to twice the rows at each
    compaction it kept growing by a few per cent at 21 and 32 minutes (issue 13: the
    soak's memory still rose over its last half)."""
    for flying in (500, 1000):
        caps = _turnover_capacity(flying, minutes=50)
        filled = caps[15 * 6]  # 15 minutes in
        assert np.all(caps[15 * 6 :] == filled), flying
        # bounded by the traffic: the rows kept (a sample every 20 s of each track's
        # 120 s of flight and 600 s kept after) over the three quarters that grow it, x 2
        assert filled <= 8 / 3 * flying * (120 + 600) / 20
