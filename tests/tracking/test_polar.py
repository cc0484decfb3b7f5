"""Exact range/azimuth updates of radar plots that carry their sensor frame."""

from __future__ import annotations

import numpy as np
from tracking_scenes import GEOD, STEP, T0, Target, run, truth

from airsentry.frame import SensorFrame
from airsentry.model import ReportBatch
from airsentry.sources._asterix_geo import Site, ground_range, polar_to_wgs84
from airsentry.tracking.kalman import enu_rotation, geodetic_to_ecef
from airsentry.tracking.mtt import FusedTracker
from airsentry.tracking.polar import SiteGeometry, ecef_at

SITE = Site(52.0, 20.0, 120.0)
SIG_R, SIG_AZ_DEG = 20.0, 0.15


def radar_plots(targets, duration, seed, with_frame=True, period=4.0):
    """A radar's plots: slant range and azimuth with noise, placed on the ellipsoid the way
    the ASTERIX decoder places them (circular accuracy), with or without the frame."""
    rng = np.random.default_rng(seed)
    _, lat, lon, _, _ = truth(targets, duration)
    scans = np.arange(0.0, duration, period)
    i = np.round(scans / STEP).astype(int)
    la, lo = lat[i].ravel(), lon[i].ravel()
    t = np.repeat(T0 + scans, len(targets))
    alt = np.full(len(la), targets[0].alt)
    p = ecef_at(la, lo, alt)
    s = ecef_at(np.array([SITE.lat]), np.array([SITE.lon]), np.array([SITE.alt]))
    slant = np.linalg.norm(p - s, axis=1) + rng.normal(0, SIG_R, len(la))
    az, _, _ = GEOD.inv(np.full(len(la), SITE.lon), np.full(len(la), SITE.lat), lo, la)
    az = np.asarray(az) + rng.normal(0, SIG_AZ_DEG, len(la))
    plat, plon, acc = polar_to_wgs84(SITE, slant, az, alt, SIG_R, SIG_AZ_DEG)
    frame = SensorFrame.build(
        len(la), site_lat=SITE.lat, site_lon=SITE.lon, site_alt=SITE.alt, range_m=slant,
        azimuth_rad=np.radians(az % 360.0), sigma_range_m=SIG_R,
        sigma_azimuth_rad=np.radians(SIG_AZ_DEG),
    )  # fmt: skip
    return ReportBatch.build(
        t=t, lat=plat, lon=plon, alt=alt, accuracy=acc, sensor="far-radar",
        frame=frame if with_frame else None,
    ).sorted_by_time()  # fmt: skip


def test_measurement_function_is_exact_geodesy():
    lat, lon, alt = np.array([52.6, 51.5]), np.array([20.9, 19.2]), np.array([3000.0, 500.0])
    n = len(lat)
    frame = SensorFrame.build(n, site_lat=SITE.lat, site_lon=SITE.lon, site_alt=SITE.alt)
    origin = geodetic_to_ecef(lat, lon)
    geo = SiteGeometry(frame, np.arange(n), origin, enu_rotation(lat, lon), alt)
    z, h = geo.polar(np.zeros((n, 5)))  # the track sits at its frame's origin
    s = ecef_at(np.array([SITE.lat]), np.array([SITE.lon]), np.array([SITE.alt]))
    assert np.allclose(z[:, 0], np.linalg.norm(ecef_at(lat, lon, alt) - s, axis=1), atol=0.01)
    az, _, dist = GEOD.inv(np.full(n, SITE.lon), np.full(n, SITE.lat), lon, lat)
    assert np.allclose(np.degrees(z[:, 1]) % 360, np.asarray(az) % 360, atol=2e-3)
    # Jacobian against finite differences of the exact function
    eps = 1.0
    for k in range(2):
        x = np.zeros((n, 5))
        x[:, k] = eps
        dz = (geo.polar(x)[0] - z) / eps
        assert np.allclose(dz[:, 0], h[:, 0, k], rtol=1e-3, atol=1e-6)
        assert np.allclose(dz[:, 1], h[:, 1, k], rtol=1e-3, atol=1e-9)
    assert (ground_range(z[:, 0], alt, SITE.alt) < dist + 1.0).all()


def test_polar_updates_do_better_than_the_circular_approximation_at_long_range():
    # a target 90-110 km out crossing the radar's beam: cross-range error ~260 m, range 20 m
    target = [Target(52.9, 20.2, 120.0, 100.0, alt=4000.0)]
    errs, radial = {}, {}
    for with_frame in (True, False):
        e, r = [], []
        for seed in range(3):
            batch = radar_plots(target, 600.0, seed, with_frame)
            updates, _ = run(FusedTracker(), batch)
            _, lat, lon, _, _ = truth(target, 600.0)
            i = np.round((updates.state.t - T0) / STEP).astype(int)
            d = GEOD.inv(lon[i, 0], lat[i, 0], updates.state.lon, updates.state.lat)[2]
            settled = updates.state.t > T0 + 120
            e.append(d[settled])
            # the error along the beam: estimated minus true ground distance from the site
            n = len(i)
            far = GEOD.inv(np.full(n, SITE.lon), np.full(n, SITE.lat), lon[i, 0], lat[i, 0])[2]
            est = GEOD.inv(np.full(n, SITE.lon), np.full(n, SITE.lat), updates.state.lon,
                           updates.state.lat)[2]  # fmt: skip
            r.append((est - far)[settled])
            assert len(np.unique(updates.track_id)) == 1
        errs[with_frame] = float(np.sqrt(np.mean(np.concatenate(e) ** 2)))
        radial[with_frame] = float(np.sqrt(np.mean(np.concatenate(r) ** 2)))
    # the range is measured to 20 m: the exact update keeps better than that along the
    # beam, and the whole error is below the circular approximation's (same plots)
    assert radial[True] < SIG_R
    assert radial[True] < radial[False], radial
    assert errs[True] < errs[False], errs


def test_the_simulators_sited_sensors_report_what_they_measured_in_their_frame():
    from airsentry.sim.scenario import library_names, load_library
    from airsentry.sim.sensors import observe

    checked = 0
    for name in library_names():
        if checked > 1000:
            break  # enough: observing the whole library takes tens of seconds
        scn = load_library(name)
        measuring = ("radar", "ssr", "passive_rf", "acoustic")
        # a radar that sends its own tracks (CAT062) sends no range and azimuth
        sited = {
            s.id: s
            for s in scn.sensors
            if s.site is not None
            and s.kind in measuring
            and (s.kind != "radar" or s.output == "plots" or s.format == "reports")
        }
        if not sited:
            continue
        reports = observe(scn, seed=0).reports
        mine = np.isin(reports.sensor.astype(str), list(sited))
        if not mine.any():
            continue
        frame = reports.frame
        assert frame is not None
        assert frame.measured[mine].all()
        assert not frame.measured[~mine].any()
        rows = np.flatnonzero(mine)
        site_lat, site_lon = frame.site_lat[rows], frame.site_lon[rows]
        az, _, ground = GEOD.inv(site_lon, site_lat, reports.lon[rows], reports.lat[rows])
        # the azimuth is the reported position's, and the slant range at least its ground range
        off = (np.degrees(frame.azimuth_rad[rows]) - np.asarray(az) + 180) % 360 - 180
        assert np.abs(off).max() < 1e-6
        assert (frame.range_m[rows] >= 0.999 * np.asarray(ground)).all()
        assert (frame.sigma_range_m[rows] > 0).all()
        checked += len(rows)
    assert checked > 1000
