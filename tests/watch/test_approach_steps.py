"""Approach prediction: the sampled path, and the earliest sample inside each zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

from airsentry.airspace.index import Membership, ZoneIndex
from airsentry.identify.base import Identifier
from airsentry.model import Admit, EventKind, ReportBatch, Zone, ZoneKind, to_epoch
from airsentry.tracking.base import EARTH_RADIUS_M
from airsentry.tracking.cooperative import CooperativeTracker
from airsentry.watch.approach import _sample_heights_times, _sample_positions
from airsentry.watch.stage import Watch

GEOD = Geod(ellps="WGS84")
T0 = to_epoch(datetime(2025, 9, 19, 6, 50, tzinfo=UTC))


def test_samples_are_the_dead_reckoned_path_value_for_value() -> None:
    rng = np.random.default_rng(3)
    n = 50
    st = ReportBatch.build(
        t=T0 + rng.uniform(0, 100, n),
        lat=rng.uniform(-89.9, 89.9, n),
        lon=rng.uniform(-180, 180, n),
        alt=np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 9000, n)),
        vel_e=rng.normal(0, 200, n),
        vel_n=rng.normal(0, 200, n),
        vel_u=np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 10, n)),
    )
    # two of them cross the antimeridian, eastward and westward
    st.lat[[0, 17]], st.lon[[0, 17]], st.vel_e[[0, 17]] = 60.0, [179.9, -179.9], [250.0, -250.0]
    rows = np.array([4, 0, 17, 17, 49])
    dt = 120.0 * np.arange(1, 13) / 12
    lat, lon = _sample_positions(st, rows, dt)
    every = np.arange(len(rows) * len(dt))
    asked = every[rng.random(len(every)) < 0.4]  # heights and times of some samples only
    alt, t = _sample_heights_times(st, rows, dt, every)
    alt_a, t_a = _sample_heights_times(st, rows, dt, asked)
    np.testing.assert_array_equal(alt_a, alt[asked])
    np.testing.assert_array_equal(t_a, t[asked])
    wrapped = 0
    for j, r in enumerate(rows.tolist()):  # one sample at a time, as written on paper
        for i, d in enumerate(dt.tolist()):
            s = j * len(dt) + i
            cos = max(float(np.cos(np.radians(st.lat[r]))), 1e-6)
            assert lat[s] == st.lat[r] + np.degrees(st.vel_n[r] * d / EARTH_RADIUS_M)
            east = st.lon[r] + np.degrees(st.vel_e[r] * d / (EARTH_RADIUS_M * cos))
            assert lon[s] == (east + 180.0) % 360.0 - 180.0
            wrapped += not -180.0 <= east < 180.0
            climb = 0.0 if np.isnan(st.vel_u[r]) else st.vel_u[r]
            np.testing.assert_equal(alt[s], st.alt[r] + climb * d)
            assert t[s] == st.t[r] + d
    assert 0 < wrapped < len(every)  # paths across the antimeridian, and not only those


def box(zone_id: str, kind: ZoneKind, west: float, east: float) -> Zone:
    return Zone(
        id=zone_id,
        name=zone_id,
        kind=kind,
        owner="TST",
        geometry=shapely.box(west, 59.0, east, 59.5),
        admits=frozenset({Admit.CIVIL_COOPERATIVE}),
    )


def test_each_zone_is_predicted_at_its_nearest_sample() -> None:
    # a silent target at 250 m/s eastward along 59.25°N, first seen ~34 s short of a
    # zone A and ~80 s short of a zone B overlapping it (a buffer, never warned of,
    # lies between): its first prediction sees both, each at its own earliest sample
    zones = [
        box("A", ZoneKind.SOVEREIGN, 24.15, 24.9),
        box("B", ZoneKind.SITE, 24.35, 24.6),
        box("buffer", ZoneKind.BUFFER, 24.05, 24.15),
    ]
    _, _, dist = GEOD.inv(24.0, 59.25, 24.3, 59.25)
    n = int(dist / 250.0 / 5.0) + 1
    lons, lats, _ = GEOD.fwd(np.full(n, 24.0), np.full(n, 59.25), np.full(n, 90.0),
                             np.arange(n) * 1250.0)  # fmt: skip
    b = ReportBatch.build(t=T0 + 5.0 * np.arange(n), lat=lats, lon=lons, alt=8000.0,
                          sensor="r", track_number=9)  # fmt: skip
    tracker, identifier = CooperativeTracker(), Identifier(zones)
    watch = Watch(zones, ZoneIndex(zones))
    updates, ended = tracker.process(b)
    events = watch.process(identifier.identify(updates, []), ended)
    approach = {e.zone_id: e for e in events if e.kind is EventKind.APPROACH}
    assert set(approach) == {"A", "B"}
    first = min(e.time for e in approach.values())
    assert approach["A"].time == approach["B"].time == first
    # 10 s samples: the first one at or past the border
    _, _, to_a = GEOD.inv(approach["A"].lon, 59.25, 24.15, 59.25)
    _, _, to_b = GEOD.inv(approach["B"].lon, 59.25, 24.35, 59.25)
    assert approach["A"].details["eta_s"] == 10.0 * np.ceil(to_a / 250.0 / 10.0)
    assert approach["B"].details["eta_s"] == 10.0 * np.ceil(to_b / 250.0 / 10.0)
    assert approach["A"].details["eta_s"] < approach["B"].details["eta_s"]


def test_samples_left_out_are_in_just_their_rows_zones() -> None:
    """``ZoneIndex.same_plain_cells``: a sample it lets the approach detector skip is in
    exactly the zones its row is in, at any altitude and time; samples near a border
    or in a zone with an altitude limit or a validity window are always asked."""
    big = box("A", ZoneKind.SOVEREIGN, 20.0, 28.0)
    low = Zone(id="low", name="low", kind=ZoneKind.SITE, owner="TST",
               geometry=shapely.box(22.0, 59.1, 23.0, 59.4), ceiling_m=1500.0)  # fmt: skip
    later = Zone(id="later", name="later", kind=ZoneKind.SITE, owner="TST",
                 geometry=shapely.box(25.0, 59.1, 26.0, 59.4),
                 valid_from=datetime(2025, 9, 20, tzinfo=UTC))  # fmt: skip
    index = ZoneIndex([big, low, later])
    rng = np.random.default_rng(5)
    n, k = 400, 12
    lat0, lon0 = rng.uniform(58.8, 59.7, n), rng.uniform(19.5, 28.5, n)
    lat = np.repeat(lat0, k) + rng.normal(0, 0.05, n * k)
    lon = np.repeat(lon0, k) + rng.normal(0, 0.3, n * k)
    same = index.same_plain_cells(lat0, lon0, lat, lon)
    assert same.shape == (n * k,)
    assert 0.3 < same.mean() < 0.95  # most samples deep inside A are left out; not all
    origin = index.query(lat0, lon0)
    for alt, t in ((0.0, T0), (9000.0, T0 + 86_400 * 2), (np.nan, T0)):
        m = index.query(lat, lon, alt, t)
        for s in np.flatnonzero(same).tolist():
            assert set(m.zones_of(s).tolist()) == set(origin.zones_of(s // k).tolist())
    # never inside the zones with limits: their cells are always asked
    limited = [low, later]
    inside = within(lat, lon, limited, 0.0)
    assert inside.any()
    assert not same[inside].any()
    # and most samples far inside A, of rows far inside A, are left out
    core = box("core", ZoneKind.SOVEREIGN, 20.05, 27.95).geometry.buffer(-0.05)
    deep = shapely.contains_xy(core, lon, lat) & ~within(lat, lon, limited, 0.05)
    deep &= np.repeat(shapely.contains_xy(core, lon0, lat0), k)
    deep &= np.repeat(~within(lat0, lon0, limited, 0.05), k)
    assert same[deep].mean() > 0.9


def within(lat: np.ndarray, lon: np.ndarray, zones: list[Zone], margin: float) -> np.ndarray:
    """Points inside one of ``zones`` or within ``margin`` degrees of it."""
    out = np.zeros(len(lat), dtype=bool)
    for z in zones:
        out |= shapely.contains_xy(z.geometry.buffer(margin) if margin else z.geometry, lon, lat)
    return out


def test_a_target_admitted_everywhere_has_no_path_predicted() -> None:
    """An airliner (transponder, ICAO identity) flying at zones that all admit civil
    traffic is never warned of, so its path is not put to the index at all; the same
    airliner is warned of a site that refuses civil traffic, and a silent target of
    every zone it heads for."""
    _, _, dist = GEOD.inv(24.0, 59.25, 24.3, 59.25)
    n = int(dist / 250.0 / 5.0) + 1
    lons, lats, _ = GEOD.fwd(np.full(n, 24.0), np.full(n, 59.25), np.full(n, 90.0),
                             np.arange(n) * 1250.0)  # fmt: skip
    airliner = {"identity": "icao:4ca123", "transponder": True, "callsign": "EIN12"}
    site = Zone(id="site", name="site", kind=ZoneKind.SITE, owner="TST",
                geometry=shapely.box(24.35, 59.0, 24.6, 59.5),
                admits=frozenset({Admit.STATE_OWN}))  # fmt: skip
    open_only = [box("A", ZoneKind.SOVEREIGN, 24.15, 24.9)]

    def run(zones: list[Zone], **columns: Any) -> tuple[set[str], int]:
        b = ReportBatch.build(t=T0 + 5.0 * np.arange(n), lat=lats, lon=lons, alt=8000.0,
                              sensor="r", track_number=9, **columns)  # fmt: skip
        index = ZoneIndex(zones)
        asked = []
        query = index.query

        def counted(lat: Any, *args: Any, **kwargs: Any) -> Membership:
            asked.append(len(np.atleast_1d(lat)))
            return query(lat, *args, **kwargs)

        index.query = counted  # type: ignore[method-assign]
        tracker, identifier = CooperativeTracker(), Identifier(zones)
        updates, ended = tracker.process(b)
        events = Watch(zones, index).process(identifier.identify(updates, []), ended)
        warned = {e.zone_id for e in events if e.kind is EventKind.APPROACH}
        return warned, sum(asked) - len(updates)  # points beyond the batch's own rows

    assert run(open_only, **airliner) == (set(), 0)
    warned, asked = run([*open_only, site], **airliner)
    assert warned == {"site"}
    assert asked > 0
    warned, asked = run(open_only)
    assert warned == {"A"}
    assert asked > 0
