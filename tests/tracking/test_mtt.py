"""The fused multi-target tracker on numpy scenes: one confirmed track per real object."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import GEOD, STEP, T0, Target, observe, run, truth

from airsentry.model import EventKind, ReportBatch
from airsentry.tracking.imm import IMM
from airsentry.tracking.motion import MotionModel
from airsentry.tracking.mtt import FusedConfig, FusedTracker

BOX = (51.85, 52.15, 20.7, 21.4)


def start_for(lat, lon, heading, speed, t_cross):
    """Where to start so as to pass (lat, lon) at t_cross seconds."""
    lo, la, _ = GEOD.fwd(lon, lat, heading + 180.0, speed * t_cross)
    return la, lo


def errors_to(updates, targets, duration):
    """Per output row, the distance (m) to each target's truth at that time."""
    _, lat, lon, _, _ = truth(targets, duration)
    i = np.round((updates.state.t - T0) / STEP).astype(int)
    out = np.empty((len(updates), len(targets)))
    for j in range(len(targets)):
        out[:, j] = GEOD.inv(lon[i, j], lat[i, j], updates.state.lon, updates.state.lat)[2]
    return out


def tracks_per_target(updates, targets, duration, near_m=400.0, min_rows=10):
    """For each target, the long tracks that follow it (>= 90 % of rows within near_m)."""
    err = errors_to(updates, targets, duration)
    found: dict[int, list[int]] = {j: [] for j in range(len(targets))}
    spurious = []
    for tid in np.unique(updates.track_id):
        m = updates.track_id == tid
        close = (err[m] < near_m).mean(axis=0)
        if m.sum() >= min_rows and close.max() >= 0.9:
            found[int(close.argmax())].append(int(tid))
        else:
            spurious.append((int(tid), int(m.sum())))
    return found, spurious


def test_crossing_targets_keep_their_tracks_through_noise_misses_and_clutter():
    targets = [
        Target(*start_for(52.0, 21.0, 70.0, 100.0, 150.0), 100.0, 70.0),
        Target(*start_for(52.0, 21.0, 110.0, 100.0, 150.0), 100.0, 110.0),
        Target(*start_for(52.0, 21.0, 0.0, 60.0, 150.0), 60.0, 0.0),
    ]
    batch = observe(targets, 300, noise=50, p_detect=0.9, clutter=4, clutter_box=BOX, seed=5)
    updates, ended = run(FusedTracker(), batch)
    found, spurious = tracks_per_target(updates, targets, 300)
    assert all(len(v) == 1 for v in found.values()), found  # one track each, no swap
    assert sum(n for _, n in spurious) <= 3  # a clutter track may flicker once, briefly
    # tracks follow their target on both sides of the crossing (no swap)
    err = errors_to(updates, targets, 300)
    for j, (tid,) in found.items():
        m = updates.track_id == tid
        after = m & (updates.state.t > T0 + 200)
        assert (err[after, j] < 300).all()
    assert {e.track.track_id for e in ended} >= {v[0] for v in found.values()}


def test_manoeuvring_jet_imm_beats_constant_velocity():
    jet = [Target(52.0, 21.0, 250.0, 90.0, turns=[(60, 120, 3.0), (180, 210, -4.0)])]
    batch = observe(jet, 300, noise=30, period=2.0, seed=1)
    cv = FusedConfig(imm=IMM(models=(MotionModel("cv", sigma_a=1.0),)))
    results = {}
    for name, cfg in (("imm", FusedConfig()), ("cv", cv)):
        updates, _ = run(FusedTracker.from_config(cfg), batch)
        err = errors_to(updates, jet, 300)[:, 0]
        results[name] = (len(np.unique(updates.track_id)), float(np.sqrt(np.mean(err**2))))
    assert results["imm"][0] == 1  # one track through both turns
    assert results["imm"][1] < 40.0
    # the CV filter either loses the jet in the turns or tracks it worse
    assert results["cv"][0] > 1 or results["cv"][1] > 1.5 * results["imm"][1], results


def test_two_radars_and_adsb_make_one_track_that_survives_transponder_off():
    jet = Target(52.0, 21.0, 220.0, 45.0, identity="icao:48ae01")
    drone = Target(52.3, 21.5, 40.0, 270.0)
    targets = [jet, drone]
    r1 = observe(targets, 400, sensor="r1", period=4, noise=100, p_detect=0.9,
                 track_numbers=True, seed=1)  # fmt: skip
    r2 = observe(targets, 400, sensor="r2", period=5, phase=1.3, noise=150, p_detect=0.9, seed=2)
    adsb = observe(targets, 400, sensor="adsb", period=1, phase=0.2, noise=10, cooperative=True,
                   only=[0], window=(0, 200), seed=4)  # fmt: skip  # transponder off at 200 s
    batch = ReportBatch.concat([r1, r2, adsb]).sorted_by_time()
    tracker = FusedTracker()
    updates, _ = run(tracker, batch)
    found, spurious = tracks_per_target(updates, targets, 400)
    assert [len(found[0]), len(found[1])] == [1, 1], (found, spurious)
    assert not spurious
    jet_rows = updates.track_id == found[0][0]
    assert set(updates.state.sensor[jet_rows]) == {"r1", "r2", "adsb"}
    # after the transponder went quiet the same track goes on, on radar, with its identity
    late = jet_rows & (updates.state.t > T0 + 250)
    assert late.sum() > 50
    assert set(updates.state.identity[late]) == {"icao:48ae01"}
    assert not updates.state.transponder[late].any()
    drone_rows = updates.track_id == found[1][0]
    assert set(updates.state.identity[drone_rows]) == {""}
    assert not tracker.drain_events()


def test_remote_id_and_rf_detections_fuse_into_one_named_drone():
    drone = Target(54.5, 18.5, 15.0, 120.0, alt=120.0, identity="rid:1581F5FJ0001")
    rf = observe([drone], 240, sensor="rf", period=2, noise=40, p_detect=0.8, seed=7)
    rid = observe([drone], 240, sensor="rid", period=3, phase=0.5, noise=5, cooperative=True,
                  window=(60, 240), seed=8)  # fmt: skip
    updates, _ = run(FusedTracker(), ReportBatch.concat([rf, rid]).sorted_by_time())
    found, spurious = tracks_per_target(updates, [drone], 240, near_m=150.0)
    assert len(found[0]) == 1, found
    assert not spurious
    rows = updates.track_id == found[0][0]
    # the RF-only track took the Remote ID serial when it arrived, and kept it
    assert updates.state.identity[rows & (updates.state.t < T0 + 55)].tolist() == [""] * int(
        (rows & (updates.state.t < T0 + 55)).sum()
    )
    assert set(updates.state.identity[rows & (updates.state.t > T0 + 65)]) == {drone.identity}


def test_spoofed_adsb_raises_an_integrity_event():
    """ADS-B and radar agree, then the ADS-B positions jump 3 km off (spoofing): the
    radar's track number still names the track, so the disagreement is an event."""
    jet = Target(52.0, 21.0, 200.0, 0.0, identity="icao:4b1805")
    radar = observe([jet], 300, sensor="r1", period=4, noise=80, track_numbers=True, seed=3)
    honest = observe([jet], 300, sensor="adsb", period=1, phase=0.3, noise=10,
                     cooperative=True, window=(0, 150), seed=4)  # fmt: skip
    spoofed = observe([jet], 300, sensor="adsb", period=1, phase=0.3, noise=10, cooperative=True,
                      window=(150, 300), offset_m=(3000.0, 0.0), seed=5)  # fmt: skip
    tracker = FusedTracker()
    updates, _ = run(tracker, ReportBatch.concat([radar, honest, spoofed]).sorted_by_time())
    events = tracker.drain_events()
    assert events, tracker.stats
    assert {e.kind for e in events} == {EventKind.INTEGRITY}
    first = events[0]
    assert first.identity == "icao:4b1805"
    assert 150 <= first.time.timestamp() - T0 < 170
    assert 2000 < first.details["separation_m"] < 4000
    assert tracker.drain_events() == []  # drained
    # the radar stays the position authority: the track stays on the true path
    err = errors_to(updates, [jet], 300)[:, 0]
    named = updates.state.identity == "icao:4b1805"
    assert (err[named & (updates.state.t > T0 + 170)] < 500).all()


def test_honest_cooperative_traffic_raises_no_integrity_event():
    jets = [Target(52.0, 21.0 + 0.1 * k, 230.0, 10.0 * k, identity=f"icao:4b18{k:02d}")
            for k in range(4)]  # fmt: skip
    radar = observe(jets, 300, sensor="r1", period=4, noise=120, track_numbers=True, seed=6)
    adsb = observe(jets, 300, sensor="adsb", period=1, noise=10, cooperative=True, seed=7)
    tracker = FusedTracker()
    updates, _ = run(tracker, ReportBatch.concat([radar, adsb]).sorted_by_time())
    assert len(np.unique(updates.track_id)) == 4
    assert tracker.drain_events() == []


def test_bad_rows_are_counted_not_fatal_and_live_tracks_report_quality():
    targets = [Target(52.0, 21.0, 80.0, 200.0)]
    batch = observe(targets, 120, noise=40)
    bad = ReportBatch.build(t=[T0 + 10, np.nan], lat=[np.nan, 52.0], lon=[21.0, 21.0])
    tracker = FusedTracker()
    tracker.process(ReportBatch.concat([batch.take(np.arange(10)), bad]))
    tracker.process(batch.take(np.arange(10, len(batch))))
    assert tracker.stats.by_reason["invalid_position"] == 2
    live = tracker.live()
    assert len(live) == 1
    assert 0.5 < live[0].quality <= 1.0
    assert live[0].speed == pytest.approx(80.0, abs=8.0)


def test_jpda_option_tracks_separated_targets():
    targets = [Target(52.0, 21.0, 100.0, 90.0), Target(52.05, 21.0, 100.0, 90.0)]
    batch = observe(targets, 200, noise=50, p_detect=0.9, clutter=3, clutter_box=BOX, seed=9)
    updates, _ = run(FusedTracker.from_config(FusedConfig(association="jpda")), batch)
    found, _ = tracks_per_target(updates, targets, 200)
    assert [len(found[0]), len(found[1])] == [1, 1]
    with pytest.raises(ValueError, match="association"):
        FusedConfig(association="mht")


def test_the_fused_tracker_is_the_default_and_cooperative_stays_selectable():
    from airsentry.build import build
    from airsentry.config import DeploymentConfig, PipelineConfig
    from airsentry.tracking.combined import CombinedTracker
    from airsentry.tracking.cooperative import CooperativeTracker

    coop = build(DeploymentConfig(pipeline=PipelineConfig(fused=None)), None, all_zones=[])
    assert isinstance(coop.tracker, CooperativeTracker)
    pipeline = build(DeploymentConfig(), None, all_zones=[])
    assert isinstance(pipeline.tracker, CombinedTracker)
    assert isinstance(pipeline.tracker.mtt, FusedTracker)
    targets = [Target(52.0, 21.0, 80.0, 200.0), Target(52.2, 21.3, 60.0, 10.0)]
    step = pipeline.process(observe(targets, 120, noise=40, seed=2))
    pipeline.finish()
    assert step.reports > 0
    assert pipeline.tracker.stats.tracks_started == 2
    assert pipeline.tracker.stats.tracks_ended == 2  # flushed at the end of input


def test_pipeline_stores_integrity_events(tmp_path):
    """The pipeline forwards the fused tracker's integrity events to the incident store."""
    from airsentry.build import build
    from airsentry.config import DeploymentConfig, PipelineConfig
    from airsentry.incidents import IncidentStore
    from airsentry.tracking.mtt import FusedConfig

    jet = Target(52.0, 21.0, 200.0, 0.0, identity="icao:4b1805")
    radar = observe([jet], 300, sensor="r1", period=4, noise=80, track_numbers=True, seed=3)
    honest = observe([jet], 300, sensor="adsb", period=1, phase=0.3, noise=10,
                     cooperative=True, window=(0, 150), seed=4)  # fmt: skip
    spoofed = observe([jet], 300, sensor="adsb", period=1, phase=0.3, noise=10, cooperative=True,
                      window=(150, 300), offset_m=(3000.0, 0.0), seed=5)  # fmt: skip
    batch = ReportBatch.concat([radar, honest, spoofed]).sorted_by_time()
    with IncidentStore(tmp_path / "book.sqlite") as store:
        fused = DeploymentConfig(
            pipeline=PipelineConfig(fused=FusedConfig()), audit_log=tmp_path / "audit.jsonl"
        )
        pipeline = build(fused, store, all_zones=[])
        seen = []
        for start in np.arange(batch.t.min(), batch.t.max() + 10, 10.0):
            step = pipeline.process(batch.take((batch.t >= start) & (batch.t < start + 10)))
            seen += step.events
        assert [e.kind for e in seen if e.kind is EventKind.INTEGRITY]
        assert store.event_count() >= 1


def test_low_drone_plot_does_not_update_the_airliner_overhead():
    """The 2-D gate alone lets the plot of a drone at 300 m update an airliner at 11 km
    passing over it; the vertical gate keeps them apart."""
    from dataclasses import replace

    lat, lon = 52.0, 21.0
    jet = Target(*start_for(lat, lon, 0.0, 230.0, 60.0), 230.0, 0.0, identity="icao:48ad04")
    drone = Target(*start_for(lat, lon, 90.0, 15.0, 60.0), 15.0, 90.0, start=60.0)
    adsb = observe([jet, drone], 120, sensor="adsb", period=1, phase=0.5, noise=10,
                   cooperative=True, only=[0], seed=11)  # fmt: skip
    radar = observe([jet, drone], 120, sensor="radar", period=4, noise=50, only=[1], seed=12)
    adsb = replace(adsb, alt=np.full(len(adsb), 11_000.0))
    radar = replace(radar, alt=np.full(len(radar), 300.0))
    updates, _ = run(FusedTracker(), ReportBatch.concat([adsb, radar]).sorted_by_time(), 2.0)
    named = np.unique(updates.track_id[updates.state.identity == "icao:48ad04"])
    assert len(named) == 1
    from_radar = updates.state.sensor.astype(str) == "radar"
    assert from_radar.any()
    assert not np.isin(updates.track_id[from_radar], named).any()
