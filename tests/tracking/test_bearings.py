"""Bearing-only detections: triangulated to start tracks, single bearings to update them,
and identities (RF, Remote ID) bound to the tracks they name."""

from __future__ import annotations

import numpy as np
from tracking_scenes import GEOD, STEP, T0, Target, observe, run, truth

from airsentry.frame import SensorFrame
from airsentry.model import ReportBatch
from airsentry.tracking.bearingpool import BearingSettings
from airsentry.tracking.bearings import crossing
from airsentry.tracking.kalman import ecef_to_geodetic
from airsentry.tracking.mtt import FusedTracker

DF_SITES = {"df-a": (52.00, 21.00), "df-b": (52.00, 21.08), "df-c": (52.05, 21.04)}


def bearings(targets, duration, sensor, sigma_deg=1.5, period=1.0, phase=0.0, seed=0,
             identity=None, p_detect=1.0, window=(0.0, np.inf)):  # fmt: skip
    """Bearing-only rows of a direction finder at ``DF_SITES[sensor]``."""
    rng = np.random.default_rng(seed)
    _, lat, lon, _, _ = truth(targets, duration)
    slat, slon = DF_SITES[sensor]
    scans = np.arange(phase, duration, period)
    scans = scans[(scans >= window[0]) & (scans < window[1])]
    i = np.round(scans / STEP).astype(int)
    t, az, ident = [], [], []
    for j, tg in enumerate(targets):
        live = (scans >= tg.start) & (scans < tg.end) & (rng.random(len(scans)) < p_detect)
        n = int(live.sum())
        a, _, _ = GEOD.inv(np.full(n, slon), np.full(n, slat), lon[i[live], j], lat[i[live], j])
        t.append(T0 + scans[live])
        az.append(np.radians(np.asarray(a) + rng.normal(0, sigma_deg, n)) % (2 * np.pi))
        ident.append(np.full(n, identity[j] if identity else "", dtype=object))
    t_all, az_all = np.concatenate(t), np.concatenate(az)
    n = len(t_all)
    frame = SensorFrame.build(n, site_lat=slat, site_lon=slon, site_alt=0.0, azimuth_rad=az_all,
                              sigma_azimuth_rad=np.radians(sigma_deg))  # fmt: skip
    return ReportBatch.build(
        t=t_all, lat=np.full(n, np.nan), lon=np.full(n, np.nan), alt=np.full(n, np.nan),
        sensor=sensor, identity=np.concatenate(ident), frame=frame,
    ).sorted_by_time()  # fmt: skip


def error_m(updates, targets, duration, j=0):
    _, lat, lon, _, _ = truth(targets, duration)
    i = np.round((updates.state.t - T0) / STEP).astype(int)
    return GEOD.inv(lon[i, j], lat[i, j], updates.state.lon, updates.state.lat)[2]


def test_two_rays_cross_where_both_sites_see_the_target():
    lat, lon = np.array([52.03]), np.array([21.05])
    rays = []
    for name in ("df-a", "df-b"):
        slat, slon = DF_SITES[name]
        az, _, _ = GEOD.inv(slon, slat, lon[0], lat[0])
        rays.append((np.array([slat]), np.array([slon]), np.radians([az]), np.radians([1.0])))
    p, cov, ok = crossing(*rays[0], *rays[1], BearingSettings())
    assert ok.all()
    flat, flon = ecef_to_geodetic(p)
    assert GEOD.inv(lon, lat, flon, flat)[2][0] < 5.0  # exact up to the geodesic/normal gap
    # a 1 degree bearing at ~4 km: tens of metres, not kilometres
    assert 20.0 < np.sqrt(np.trace(cov[0]) / 2) < 200.0
    # parallel rays or a target behind a site give no fix
    back = (rays[0][0], rays[0][1], rays[0][2] + np.pi, rays[0][3])
    assert not crossing(*back, *rays[1], BearingSettings())[2].any()


def test_direction_finders_alone_start_one_track_per_drone_by_triangulation():
    drones = [
        Target(52.015, 21.02, 15.0, 80.0, alt=150.0),
        Target(52.035, 21.06, 12.0, 200.0, alt=120.0, start=20.0),
    ]
    parts = [bearings(drones, 240.0, s, phase=0.3 * k, seed=k) for k, s in enumerate(DF_SITES)]
    batch = ReportBatch.concat(parts).sorted_by_time()
    tracker = FusedTracker()
    updates, _ = run(tracker, batch)
    assert tracker.stats.tracks_started == 2
    for j in range(2):
        err = np.stack([error_m(updates, drones, 240.0, j) for j in range(2)])
        mine = err.argmin(axis=0) == j
        assert mine.sum() > 100
        assert np.median(err[j, mine]) < 150.0  # 1.5 degrees at 2-5 km; they pass 1 km apart


def test_single_bearings_keep_a_radar_track_going_and_bind_its_rf_identity():
    drone = [Target(52.02, 21.03, 15.0, 90.0, alt=200.0)]
    # a radar sees the drone for two minutes; one direction finder hears it throughout and
    # decodes its controller's MAC address
    radar = observe(drone, 300.0, sensor="radar", period=2.0, noise=25.0, window=(0, 120), seed=1)
    rf = bearings(drone, 300.0, "df-c", sigma_deg=1.0, identity=["rf:60:60:1f:aa:bb:cc"], seed=2)
    batch = ReportBatch.concat([radar, rf]).sorted_by_time()
    tracker = FusedTracker()
    updates, _ = run(tracker, batch)
    assert tracker.stats.tracks_started == 1
    # named from the first bearing that reached the confirmed track on (the radar's
    # plots confirm it once the clutter map has warmed up, ClutterMap.warm)
    named = updates.state.identity != ""
    assert set(updates.state.identity[named]) == {"rf:60:60:1f:aa:bb:cc"}
    first = float(updates.state.t.min())
    assert first < T0 + 40
    assert named[updates.state.t > first + 5].all()
    late = updates.state.t > T0 + 130
    assert late.sum() > 100  # the bearings alone keep updating the track after the radar
    # a bearing pins the direction, not the range: the track stays on the true bearing
    # from the finder throughout, and close to the drone while the radar's velocity holds
    _, lat, lon, _, _ = truth(drone, 300.0)
    i = np.round((updates.state.t - T0) / STEP).astype(int)
    slat, slon = DF_SITES["df-c"]
    n = len(i)
    seen, _, _ = GEOD.inv(np.full(n, slon), np.full(n, slat), updates.state.lon, updates.state.lat)
    true, _, _ = GEOD.inv(np.full(n, slon), np.full(n, slat), lon[i, 0], lat[i, 0])
    off = (np.asarray(seen) - np.asarray(true) + 180.0) % 360.0 - 180.0
    assert np.median(np.abs(off[late])) < 2.0
    soon = late & (updates.state.t < T0 + 150)
    assert np.median(error_m(updates, drone, 300.0)[soon]) < 300.0


def test_a_remote_id_report_and_rf_bearings_name_the_same_radar_track():
    drone = [Target(52.02, 21.03, 15.0, 90.0, alt=200.0, identity="rid:1581F5FJD229")]
    radar = observe(drone, 200.0, sensor="radar", period=2.0, noise=25.0, seed=3)
    rid = observe(drone, 200.0, sensor="rid-rx", period=1.0, noise=5.0, cooperative=True,
                  window=(60, 200), seed=4)  # fmt: skip
    rid = rid.replace_columns(transponder=np.zeros(len(rid), dtype=bool))
    rf = bearings(drone, 200.0, "df-a", identity=["rid:1581F5FJD229"], seed=5)
    batch = ReportBatch.concat([radar, rid, rf]).sorted_by_time()
    tracker = FusedTracker()
    updates, _ = run(tracker, batch)
    assert tracker.stats.tracks_started == 1
    assert (updates.state.identity[updates.state.t > T0 + 70] == "rid:1581F5FJD229").all()
