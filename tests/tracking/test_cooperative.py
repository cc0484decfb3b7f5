"""Cooperative tracker: identity keys, expiry, velocity estimation, carried attributes."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from airsentry.model import ReportBatch
from airsentry.tracking.cooperative import CooperativeConfig, CooperativeTracker

GEOD = Geod(ellps="WGS84")
T0 = 1_758_265_200.0  # 2025-09-19T07:00:00Z


def straight_line(n: int, dt: float, speed: float, az: float, lat=59.8, lon=26.0):
    """n positions of an object flying a geodesic at constant speed."""
    dist = speed * dt * np.arange(n)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.full(n, az), dist)
    return T0 + dt * np.arange(n), np.asarray(lats), np.asarray(lons)


def test_velocity_estimated_from_positions_when_feed_has_none():
    t, lat, lon = straight_line(30, 4.0, 250.0, 270.0)
    batch = ReportBatch.build(t=t, lat=lat, lon=lon, alt=8000.0, sensor="radar", track_number=7)
    updates, ended = CooperativeTracker().process(batch)
    assert not ended
    assert set(updates.track_id) == {1}
    ve, vn = updates.state.vel_e, updates.state.vel_n
    ok = np.isfinite(ve)
    # the first rows lack a baseline; every later row has an estimate
    assert ok[3:].all()
    assert not ok[0]
    np.testing.assert_allclose(ve[ok], -250.0, rtol=0.01)
    np.testing.assert_allclose(vn[ok], 0.0, atol=3.0)


def test_velocity_continues_across_batches():
    t, lat, lon = straight_line(20, 5.0, 40.0, 0.0, lat=52.0, lon=23.5)
    tracker = CooperativeTracker()
    batch = ReportBatch.build(t=t, lat=lat, lon=lon, sensor="pl", track_number=3)
    tracker.process(batch.take(np.arange(10)))
    updates, _ = tracker.process(batch.take(np.arange(10, 20)))
    # the first row of the second batch uses positions remembered from the first
    assert np.isfinite(updates.state.vel_n[0])
    np.testing.assert_allclose(updates.state.vel_n, 40.0, rtol=0.02)


def test_feed_velocity_is_kept():
    t, lat, lon = straight_line(5, 1.0, 200.0, 90.0)
    batch = ReportBatch.build(
        t=t, lat=lat, lon=lon, vel_e=123.0, vel_n=4.0, identity="icao:4ca1d3", transponder=True
    )
    updates, _ = CooperativeTracker().process(batch)
    np.testing.assert_array_equal(updates.state.vel_e, 123.0)


def test_identity_keys_split_and_radar_tracks_keyed_by_sensor_and_number():
    t = T0 + np.arange(6.0)
    batch = ReportBatch.build(
        t=t,
        lat=np.full(6, 55.0),
        lon=np.full(6, 12.0),
        identity=["icao:45ac01", "", "", "icao:45ac01", "", ""],
        sensor=["adsb", "r1", "r2", "adsb", "r1", "r1"],
        track_number=[-1, 5, 5, -1, 5, 6],
    )
    updates, _ = CooperativeTracker().process(batch)
    ids = updates.track_id
    assert ids[0] == ids[3]  # same ICAO address
    assert ids[1] == ids[4]  # same sensor, same track number
    assert ids[1] != ids[2]  # same number on another sensor is another track
    assert ids[4] != ids[5]
    assert len(set(ids)) == 4


def test_reports_without_key_are_counted_as_untracked():
    batch = ReportBatch.build(t=[T0, T0 + 1], lat=[50.0, 50.0], lon=[20.0, 20.0])
    tracker = CooperativeTracker()
    updates, _ = tracker.process(batch)
    assert len(updates) == 0
    assert tracker.stats.untracked == 2


def test_silence_ends_a_track_and_the_key_starts_a_new_one():
    tracker = CooperativeTracker(CooperativeConfig(expire_s=60.0))
    mk = lambda ts: ReportBatch.build(  # noqa: E731
        t=ts, lat=np.full(len(ts), 59.0), lon=np.full(len(ts), 24.0), identity="icao:511001"
    )
    u1, _ = tracker.process(mk([T0, T0 + 10]))
    u2, ended = tracker.process(mk([T0 + 200]))
    assert [e.track.track_id for e in ended] == [u1.track_id[0]]
    assert ended[0].reason == "silent"
    assert ended[0].track.last_seen == pytest.approx(T0 + 10)
    assert u2.track_id[0] != u1.track_id[0]


def test_callsign_and_squawk_carried_forward_and_across_batches():
    tracker = CooperativeTracker()
    b1 = ReportBatch.build(
        t=[T0, T0 + 1, T0 + 2],
        lat=[60.0] * 3,
        lon=[11.0] * 3,
        identity="icao:47a001",
        callsign=["", "SAS123", ""],
        squawk=["", "", "2301"],
    )
    u1, _ = tracker.process(b1)
    assert list(u1.state.callsign) == ["", "SAS123", "SAS123"]
    b2 = ReportBatch.build(t=[T0 + 3], lat=[60.0], lon=[11.0], identity="icao:47a001")
    u2, _ = tracker.process(b2)
    assert u2.state.callsign[0] == "SAS123"
    assert u2.state.squawk[0] == "2301"


def test_late_reports_are_counted_not_used():
    tracker = CooperativeTracker()
    mk = lambda ts: ReportBatch.build(  # noqa: E731
        t=ts, lat=np.full(len(ts), 59.0), lon=np.full(len(ts), 24.0), identity="icao:511001"
    )
    tracker.process(mk([T0 + 10]))
    updates, _ = tracker.process(mk([T0 + 5, T0 + 20]))
    assert list(updates.state.t) == [T0 + 20]
    assert tracker.stats.late == 1


def test_a_key_whose_every_report_is_late_neither_crashes_nor_ends_its_track():
    """A radar repeating its last plots (same times) next to a new aircraft: the repeated
    key has no row left after the late ones are set aside."""
    tracker = CooperativeTracker()
    mk = lambda ts, ident: ReportBatch.build(  # noqa: E731
        t=ts, lat=np.full(len(ts), 59.0), lon=np.full(len(ts), 24.0), identity=ident
    )
    tracker.process(mk([T0 + 10], "icao:511001"))
    repeat = ReportBatch.concat([mk([T0 + 10], "icao:511001"), mk([T0 + 11], "icao:511002")])
    updates, ended = tracker.process(repeat)
    assert list(updates.state.identity) == ["icao:511002"]
    assert ended == []
    assert [tr.identity for tr in tracker.live()] == ["icao:511001", "icao:511002"]
    assert tracker.process(mk([T0 + 10], "icao:511001"))[0].track_id.size == 0  # all late


def test_flush_ends_everything():
    tracker = CooperativeTracker()
    tracker.process(
        ReportBatch.build(t=[T0, T0], lat=[1.0, 2.0], lon=[1.0, 2.0], identity=["icao:1", "icao:2"])
    )
    ended = tracker.flush()
    assert sorted(e.track.identity for e in ended) == ["icao:1", "icao:2"]
    assert all(e.reason == "flush" for e in ended)
    assert not tracker.live()


@pytest.mark.parametrize("seed", range(6))
def test_carried_texts_match_a_running_last_value_per_track(seed):
    # columns given on every row, on none, or on some, batch after batch
    rng = np.random.default_rng(seed)
    tracker = CooperativeTracker()
    known: dict[tuple[str, str], str] = {}
    t = T0
    for _ in range(5):
        n = int(rng.integers(1, 40))
        t = t + np.cumsum(rng.uniform(0.1, 2.0, n))
        ids = np.array([f"icao:47a00{k}" for k in rng.integers(0, 4, n)], dtype=object)
        cols = {}
        for name in ("callsign", "squawk", "category"):
            fill = rng.choice(["all", "none", "some"])
            values = rng.choice(["A1", "B2", "C3"], n).astype(object)
            if fill != "all":
                values[(rng.random(n) < 0.6) | (fill == "none")] = ""
            cols[name] = values
        b = ReportBatch.build(t=t, lat=60.0, lon=11.0, identity=ids, **cols)
        t = t[-1]
        u, _ = tracker.process(b)
        assert len(u) == n
        pairs = zip(u.state.identity, u.state.t, strict=True)
        got = {(str(i), float(tt)): k for k, (i, tt) in enumerate(pairs)}
        for row in range(n):  # the batch is in time order, as the reference walks it
            k = got[(str(ids[row]), float(b.t[row]))]
            for name, values in cols.items():
                if values[row] != "":
                    known[(ids[row], name)] = values[row]
                assert getattr(u.state, name)[k] == known.get((ids[row], name), "")
