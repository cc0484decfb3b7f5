"""The keyed tracker's kept rows are bounded per track, not by report rate x time, and
its velocities from positions stay right with the bounded rows (precise feeds over the
4 s baseline, coarse plots over ~50 s)."""

from __future__ import annotations

import numpy as np

from airsentry.model import ReportBatch
from airsentry.tracking.combined import CombinedTracker
from airsentry.tracking.cooperative import CooperativeTracker

T0 = 1_758_265_200.0


def _second(s: int, aircraft: int, rate: int, acc: float, seed: int) -> ReportBatch:
    """One second of ``rate`` position-only reports per aircraft, flying east at 200 m/s."""
    rng = np.random.default_rng(seed + s)
    k = np.tile(np.arange(aircraft), rate)
    t = s + (np.repeat(np.arange(rate), aircraft) + rng.uniform(0, 1, len(k))) / rate
    east = 200.0 * t + rng.normal(0, acc, len(k))
    north = rng.normal(0, acc, len(k))
    lat = 50.0 + k * 0.01 + north / 111_320.0
    lon = 8.0 + east / (111_320.0 * np.cos(np.radians(50.0 + k * 0.01)))
    order = np.argsort(t, kind="stable")
    names = np.array([f"icao:{0x300000 + i:06x}" for i in range(aircraft)], dtype=object)
    return ReportBatch.build(
        t=T0 + t[order], lat=lat[order], lon=lon[order], alt=np.full(len(k), 9000.0),
        accuracy=np.full(len(k), acc), identity=names[k][order], transponder=True,
        sensor=np.full(len(k), "adsb", dtype=object),
    )  # fmt: skip


def _held_after(tracker: CooperativeTracker, aircraft: int, rate: int, seconds: int) -> int:
    for s in range(seconds):
        tracker.process(_second(s, aircraft, rate, 10.0, seed=rate))
    return tracker.held_rows()


def test_rows_held_do_not_grow_with_rate_or_time() -> None:
    aircraft = 40
    slow = _held_after(CooperativeTracker(), aircraft, 1, 150)
    fast = _held_after(CooperativeTracker(), aircraft, 20, 150)
    assert 0 < slow <= fast
    # a few dozen rows per track whatever the rate (the old dump held 20 x 90 = 1,800)
    assert fast <= 60 * aircraft
    tracker = CooperativeTracker()
    at_100 = _held_after(tracker, aircraft, 20, 100)
    for s in range(100, 300):
        tracker.process(_second(s, aircraft, 20, 10.0, seed=s))
    assert tracker.held_rows() <= at_100  # not growing with time once full
    tracker.flush()
    assert tracker.held_rows() == 0  # ended tracks hold nothing


def test_combined_tracker_keyed_part_stays_bounded_and_forgets_ended_tracks() -> None:
    tracker = CombinedTracker()
    for s in range(120):
        tracker.process(_second(s, 30, 10, 10.0, seed=s))
    assert tracker.keyed.held_rows() <= 60 * 30
    # everyone falls silent past expire_s: their rows go with their tracks
    later = _second(0, 1, 1, 10.0, seed=1)
    far = T0 + 120 + tracker.keyed.config.expire_s + 10.0
    tracker.process(ReportBatch.build(
        t=[far], lat=[40.0], lon=[0.0], identity=["icao:abcdef"], accuracy=later.accuracy,
    ))  # fmt: skip
    assert len(tracker.keyed.tracks) == 1
    assert tracker.keyed.held_rows() <= 2  # the new track's one row, in both rings


def test_velocities_from_bounded_rows_at_high_rate_and_for_coarse_plots() -> None:
    for acc, rate, seconds in ((10.0, 20, 30), (150.0, 1, 150)):
        tracker = CooperativeTracker()
        est = []
        for s in range(seconds):
            upd, _ = tracker.process(_second(s, 5, rate, acc, seed=s))
            late = upd.state.t > T0 + seconds / 2  # baseline reached
            est.append(np.column_stack([upd.state.vel_e[late], upd.state.vel_n[late]]))
        v = np.concatenate(est)
        assert len(v)
        assert np.isfinite(v).all()
        # 200 m/s east; the error the baseline is chosen for is speed_error_mps (4 m/s)
        assert abs(np.median(v[:, 0]) - 200.0) < 2.0
        assert np.percentile(np.abs(v[:, 0] - 200.0), 95) < 4.0 * 2.5
        assert np.percentile(np.abs(v[:, 1]), 95) < 4.0 * 2.5


def _wave(w: int, per: int = 5, seconds: int = 20) -> ReportBatch:
    """Wave ``w``: ``per`` new aircraft heard by ADS-B and followed by a radar that numbers
    them (track numbers of its own), for ``seconds``; a wave starts every 30 s."""
    k = np.repeat(np.arange(per), seconds)
    t = T0 + 30.0 * w + np.tile(np.arange(seconds, dtype=float), per)
    lat = 50.0 + k * 0.05 + (w % 7) * 0.3
    lon = 8.0 + (t - T0 - 30.0 * w) * 200.0 / (111_320.0 * np.cos(np.radians(lat)))
    n = len(k)
    adsb = ReportBatch.build(
        t=t, lat=lat, lon=lon, alt=np.full(n, 9000.0), accuracy=np.full(n, 10.0),
        identity=np.array([f"icao:{0x300000 + w * per + i:06x}" for i in k], dtype=object),
        transponder=True, sensor="adsb",
    )  # fmt: skip
    radar = ReportBatch.build(
        t=t + 0.5, lat=lat, lon=lon + 100.0 / (111_320.0 * np.cos(np.radians(lat))),
        alt=np.full(n, 9000.0), accuracy=np.full(n, 50.0), track_number=w * per + k,
        sensor="radar-1",
    )  # fmt: skip
    return ReportBatch.concat([adsb, radar]).sorted_by_time()


def test_radar_track_number_aliases_are_forgotten_with_their_tracks() -> None:
    tracker = CombinedTracker()
    for w in range(10):
        tracker.process(_wave(w))
    assert len(tracker.alias) >= 40  # the radar's numbers name the ADS-B tracks
    for w in range(10, 220):  # 1,100 aircraft come and go, ~50 live at a time
        tracker.process(_wave(w))
    assert len(tracker.alias) <= 4 * len(tracker.keyed.tracks) + 256 + 5
    assert len(tracker.alias) < 1000


def test_transponder_times_are_kept_for_the_recently_heard_only() -> None:
    """The combined tracker remembers when each keyed track's transponder was last heard
    (to vouch for its radar rows); 1,100 aircraft come and go, 5 per 30 s wave, and what it
    remembers is the waves of the last three holds, not hundreds of long-gone tracks (the
    old cap, four times the live tracks plus 256, let ~300 pile up)."""
    tracker = CombinedTracker()
    for w in range(220):
        tracker.process(_wave(w))
    assert 5 <= len(tracker._heard_t) <= 15


def _flights(w: int, per: int = 3, seconds: int = 60) -> ReportBatch:
    """Wave ``w``: ``per`` transponder-less objects seen as plots by one radar every 2 s
    for ``seconds`` (a new wave every 300 s, each somewhere else), and one airliner."""
    k = np.repeat(np.arange(per), seconds // 2)
    t = T0 + 300.0 * w + np.tile(np.arange(0.0, seconds, 2.0), per)
    lat = 50.0 + k * 0.05 + (w % 11) * 0.2
    lon = 8.0 + (w % 13) * 0.3 + (t - T0 - 300.0 * w) * 60.0 / (111_320.0 * np.cos(np.radians(lat)))
    plots = ReportBatch.build(
        t=t, lat=lat, lon=lon, alt=np.full(len(k), 500.0), accuracy=np.full(len(k), 30.0),
        sensor="radar-1",
    )  # fmt: skip
    # and an airliner far away, heard by ADS-B throughout (the tracker has keyed tracks)
    ts = T0 + 300.0 * w + np.arange(0.0, 300.0, 5.0)
    adsb = ReportBatch.build(
        t=ts, lat=np.full(len(ts), 45.0), lon=np.full(len(ts), 2.0), alt=np.full(len(ts), 1e4),
        accuracy=np.full(len(ts), 10.0), identity="icao:4ca123", transponder=True, sensor="adsb",
    )  # fmt: skip
    return ReportBatch.concat([plots, adsb]).sorted_by_time()


def test_anonymous_track_ids_output_are_forgotten_once_their_tracks_end() -> None:
    tracker = CombinedTracker()
    seen: set[int] = set()
    for w in range(200):
        upd, _ = tracker.process(_flights(w))
        seen.update(upd.track_id.tolist())
    assert len(seen) >= 401  # ids of every wave's objects (a few stitched back)
    live = len(tracker.mtt.state.table) + len(tracker.mtt.stitcher.dormant)
    assert len(tracker.segments.reported) <= 2 * live + 256
