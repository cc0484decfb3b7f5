"""Track existence in clutter (IPDA) and the learnt clutter map."""

from __future__ import annotations

import numpy as np
import shapely
from tracking_scenes import GEOD, T0, Target, observe, run

from airsentry.model import Admit, ReportBatch, Zone, ZoneKind
from airsentry.tracking.cluttermap import ClutterMap, ClutterMapConfig
from airsentry.tracking.existence import Existence
from airsentry.tracking.mtt import FusedConfig, FusedTracker

SITES = {"r-west": (52.0, 20.8), "r-east": (52.0, 21.3)}
RANGE_M = 25_000.0
PERIOD = 4.0
ZONE = Zone(
    id="sovereign:TST", name="Testland", kind=ZoneKind.SOVEREIGN, owner="TST",
    geometry=shapely.box(20.93, 51.7, 21.8, 52.3), admits=frozenset({Admit.CIVIL_COOPERATIVE}),
)  # fmt: skip


def clutter(
    sensor: str,
    per_scan: float,
    duration: float,
    seed: int,
    centre: tuple[float, float] | None = None,
    radius: float = RANGE_M,
) -> ReportBatch:
    """False plots of one radar: Poisson per scan, uniform over a disc (its coverage, or a
    hotspot), times spread over the scan as the antenna turns, altitudes up to 3 km."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = centre or SITES[sensor]
    scans = np.arange(0.0, duration, PERIOD)
    counts = rng.poisson(per_scan, len(scans))
    n = int(counts.sum())
    t = T0 + np.repeat(scans, counts) + rng.uniform(0, PERIOD, n)
    r = radius * np.sqrt(rng.random(n))
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), rng.uniform(0, 360, n), r)
    return ReportBatch.build(t=t, lat=lat, lon=lon, alt=rng.uniform(0, 3000, n),
                             accuracy=60.0, sensor=sensor)  # fmt: skip


def scene(duration: float, seed: int, drone: Target | None = None, per_scan: float = 50.0):
    parts = [clutter(s, per_scan, duration, seed + k) for k, s in enumerate(SITES)]
    if drone is not None:
        for k, s in enumerate(SITES):
            parts.append(observe([drone], duration, sensor=s, period=PERIOD, phase=1.3 * k,
                                 noise=60, p_detect=0.9, seed=seed + 10 + k))  # fmt: skip
    return ReportBatch.concat(parts).sorted_by_time()


def run_pipeline(tmp_path, batch: ReportBatch, chunk_s: float):
    """The deployment's pipeline with the fused tracker, an incident store and one zone
    over both radars' coverage; returns the pipeline, its steps, the stored event count
    and the most tentative tracks alive at once."""
    from airsentry.build import build
    from airsentry.config import DeploymentConfig, PipelineConfig
    from airsentry.incidents import IncidentStore

    dep = DeploymentConfig(pipeline=PipelineConfig(fused=FusedConfig(), protect=None),
                           audit_log=tmp_path / "audit.jsonl")  # fmt: skip
    with IncidentStore(tmp_path / "book.sqlite") as store:
        pipeline = build(dep, store, all_zones=[ZONE])
        steps, tentative = [], 0
        for a in np.arange(batch.t.min(), batch.t.max() + chunk_s, chunk_s):
            steps.append(pipeline.process(batch.take((batch.t >= a) & (batch.t < a + chunk_s))))
            # the fused tracker, alone or as the anonymous half of the default tracker
            table = getattr(pipeline.tracker, "mtt", pipeline.tracker).state.table
            tentative = max(tentative, int((~table["confirmed"]).sum()))
        steps.append(pipeline.finish())
        return pipeline, steps, store.event_count(), tentative


def test_fifty_clutter_plots_per_scan_per_radar_confirm_no_track_and_raise_no_incident(tmp_path):
    batch = scene(300.0, seed=1)
    pipeline, steps, stored, tentative = run_pipeline(tmp_path, batch, 10.0)
    events = [e for s in steps for e in s.events]
    incidents = [i for s in steps for i in s.incidents]
    updates = sum(len(s.updates) for s in steps)
    assert len(batch) > 2 * 50 * 70  # the clutter is there
    assert pipeline.tracker.stats.tracks_started == 0  # no false track confirmed
    assert tentative > 20  # clutter does start tentative tracks: none leaves the tracker
    assert updates == 0
    assert events == []
    assert incidents == []
    assert stored == 0


def test_a_drone_in_the_same_clutter_is_confirmed_within_a_few_scans_and_raises_an_incident(
    tmp_path,
):
    drone = Target(51.95, 20.9, 25.0, 60.0, alt=300.0, start=60.0)
    batch = scene(240.0, seed=2, drone=drone)
    pipeline, steps, stored, _ = run_pipeline(tmp_path, batch, 5.0)
    first = [float(s.updates.state.t.min()) for s in steps if len(s.updates)]
    incidents = [i for s in steps for i in s.incidents]
    assert first
    first_update = first[0]
    # two radars, 4 s each: within four scans of each, not minutes
    assert first_update - (T0 + 60.0) < 4 * PERIOD
    assert pipeline.tracker.stats.tracks_started == 1  # the drone, and nothing else
    assert incidents
    assert stored >= 1


def test_the_clutter_map_learns_a_wind_farm_and_tracks_there_need_more_evidence():
    farm = (52.1, 21.0)
    hot = clutter("r-west", 6.0, 600.0, seed=3, centre=farm, radius=1500.0)
    background = clutter("r-west", 2.0, 600.0, seed=4)
    batch = ReportBatch.concat([hot, background]).sorted_by_time()
    tracker = FusedTracker.from_config(FusedConfig())
    updates, _ = run(tracker, batch)
    cmap = tracker.state.clutter
    now = float(batch.t.max())
    lat = np.array([farm[0], 51.9, 52.0])
    lon = np.array([farm[1], 20.7, 20.9])
    rate = cmap.rate(0, lat, lon, now)
    assert rate[0] > 20 * rate[1:].max()  # the farm stands out of the learnt background
    # uniform background: about 2 plots per 4 s over the coverage disc
    expected = 2.0 / PERIOD / (np.pi * RANGE_M**2)
    assert 0.3 * expected < rate[1:].mean() < 3.0 * expected
    assert len(updates) == 0  # ten minutes of a wind farm: no confirmed track
    ex = Existence()
    # the same plot, as well placed, counts for far less at the farm than in clean air
    p = ex.hit(np.array([0.5, 0.5]), np.full(2, -15.0), ex.density(rate[:2], np.full(2, 4.0)))
    assert p[0] < 0.6 < 0.9 < p[1]


def test_clutter_map_forgets_and_keeps_sensors_apart():
    cmap = ClutterMap(ClutterMapConfig(cell_m=1000.0, memory_s=100.0))
    lat, lon = np.full(20, 52.0), np.full(20, 21.0)
    for k in range(50):
        cmap.learn(0, lat, lon, T0 + k, np.ones(20))
    here = cmap.rate(0, lat[:1], lon[:1], T0 + 50)
    other_sensor = cmap.rate(1, lat[:1], lon[:1], T0 + 50)
    later = cmap.rate(0, lat[:1], lon[:1], T0 + 550)
    assert here[0] > 100 * other_sensor[0]
    assert later[0] < here[0] / 20  # five time constants on


def test_a_wind_farm_in_view_from_the_first_scan_confirms_no_track_while_the_map_warms_up():
    """At start-up the clutter map knows nothing: a wind farm's plots (3 a scan over
    1.5 km) look like clean air and used to confirm a track within seconds (the drone
    wall's first alert, half an hour before any drone). A sensor's plots confirm no track
    until its map has watched it for ``warmup_s``; by then it has learnt the farm."""
    from airsentry.sim.clutter import ClutterSource, structured_clutter
    from airsentry.tracking.combined import CombinedTracker

    farm = ClutterSource("wind_farm", 53.40, 23.54, 1500.0, 3.0, 120.0)
    for seed in range(10):
        plots = structured_clutter((farm,), "r-farm", 2.0, 15.0, (T0, T0 + 300.0), 0.3,
                                   np.random.default_rng(seed)).sorted_by_time()  # fmt: skip
        updates, _ = run(CombinedTracker(), plots, chunk_s=2.0)
        assert len(updates) == 0, f"seed {seed}: a wind-farm track was confirmed"
