"""Rows that cannot deepen a stay are not measured, and the stay's depth is the same.

The crossing detector skips the depth query for a row whose upper bound (the depth of
the stay's latest measured row plus the distance moved, with margins) does not exceed
the stay's deepest so far (``watch.depthbound``). These tests check the bound against
the depth query itself on a real border, and that a loitering drone fed in live-sized
batches exits with the very same depth as when every row is measured, with fewer
rows measured.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from test_watch import BOX, T0, run

from airsentry.airspace import default_catalogue
from airsentry.airspace.depth import depth_m
from airsentry.airspace.index import ZoneIndex
from airsentry.model import EventKind, ReportBatch
from airsentry.watch import depthbound
from airsentry.watch.depthbound import depth_upper_m, distance_upper_m


def test_the_bound_holds_against_the_depth_query_on_a_real_border() -> None:
    """Pairs of points inside Poland within 40 km of its eastern border (the Bug
    meanders: the nearest border point jumps between bends), a few metres to 15 km
    apart: the computed depth of one never exceeds the bound from the other."""
    poland = next(z for z in default_catalogue().zones if z.id == "sovereign:POL")
    rng = np.random.default_rng(11)
    lat = rng.uniform(50.6, 53.9, 6000)
    lon = rng.uniform(22.9, 24.2, 6000)
    inside = shapely.contains_xy(poland.geometry, lon, lat)
    lat, lon = lat[inside], lon[inside]
    step = rng.choice([3e-5, 3e-4, 3e-3, 3e-2, 0.13], len(lat))  # degrees: 3 m to 15 km
    angle = rng.uniform(0, 2 * np.pi, len(lat))
    lat2 = lat + step * np.sin(angle)
    lon2 = lon + step * np.cos(angle) / np.cos(np.radians(lat))
    keep = shapely.contains_xy(poland.geometry, lon2, lat2)
    lat, lon, lat2, lon2 = lat[keep], lon[keep], lat2[keep], lon2[keep]
    assert len(lat) > 1000
    d1, d2 = depth_m(poland, lat, lon), depth_m(poland, lat2, lon2)
    moved = distance_upper_m(lat, lon, lat2, lon2)
    bound = depth_upper_m(d1, moved)
    assert (d1 < 40_000).mean() > 0.5  # the border is near for most
    assert np.all(d2 <= bound)
    assert np.all(d1 <= depth_upper_m(d2, moved))
    # and it is tight enough to rule rows out: a few per cent and metres above
    assert np.all(bound <= 1.05 * (d1 + moved) + 20.0)


def _loiter(n: int) -> ReportBatch:
    """An unknown object inside BOX for ``n`` seconds: in from the west, then circling
    (3 km radius) around a point 8 km from the southern edge, then drifting north."""
    t = np.arange(n, dtype=np.float64)
    phase = 2 * np.pi * t / 300.0
    lat = 59.08 + 0.027 * np.sin(phase) + 0.00002 * t
    lon = 25.3 + 0.053 * np.cos(phase)
    lon[:60] = np.linspace(24.95, lon[60], 60)  # crossing the western edge
    return ReportBatch.build(t=T0 + t, lat=lat, lon=lon, alt=300.0, sensor="r", track_number=7)


@pytest.mark.parametrize("batch_rows", [1, 10, 600])
def test_a_loitering_drone_exits_with_the_depth_of_every_row(
    batch_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = _loiter(1800)
    batches = [reports.take(slice(i, i + batch_rows)) for i in range(0, len(reports), batch_rows)]
    asked: list[int] = []
    real = ZoneIndex.depth_m

    def counting(self: ZoneIndex, zone: object, lat: object, lon: object) -> object:
        asked.append(len(np.asarray(lat)))
        return real(self, zone, lat, lon)  # type: ignore[arg-type]

    monkeypatch.setattr(ZoneIndex, "depth_m", counting)
    pruned = next(e for e in run(batches) if e.kind is EventKind.EXIT)
    measured_pruned = sum(asked)
    asked.clear()
    monkeypatch.setattr(depthbound, "may_deepen", lambda lat, *_: np.ones(len(lat), bool))
    every = next(e for e in run(batches) if e.kind is EventKind.EXIT)
    measured_every = sum(asked)
    inside = shapely.contains_xy(BOX.geometry, reports.lon, reports.lat)
    truth = float(depth_m(BOX, reports.lat[inside], reports.lon[inside]).max())
    assert every.depth_m == truth
    assert pruned.depth_m == every.depth_m  # the same number
    assert measured_every == inside.sum()
    if batch_rows < 600:  # a batch's own rows are all measured: few batches, few skips
        assert measured_pruned < 0.5 * measured_every
