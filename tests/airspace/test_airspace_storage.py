"""Geometry storage round trip, reproducible bytes, geodesic helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import shapely

from airsentry.airspace import geodesy, storage
from airsentry.airspace.index import ZoneIndex
from airsentry.model import Zone, ZoneKind


def test_pack_unpack_round_trip_and_reproducible_bytes(tmp_path: Path) -> None:
    geoms = [
        shapely.box(24.12345, 59.1, 24.2, 59.3),
        shapely.MultiPolygon([shapely.box(-180, 60, -170, 70), shapely.box(170, 60, 180, 70)]),
        shapely.Point(0, 0).buffer(1.0).difference(shapely.Point(0, 0).buffer(0.5)),
    ]
    arrays = storage.pack_polygons(geoms)
    back = storage.unpack_polygons(arrays)
    for a, b in zip(geoms, back, strict=True):
        assert b.geom_type == "MultiPolygon"  # every stored shape comes back as one
        want = shapely.get_coordinates(storage.quantise(a))
        np.testing.assert_array_equal(shapely.get_coordinates(b), want)
        assert shapely.hausdorff_distance(a, b) < 1e-7
    storage.save_npz(tmp_path / "a.npz", arrays)
    storage.save_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = storage.load_npz(tmp_path / "a.npz")
    assert set(loaded) == set(arrays)


def test_geodesic_circles_have_their_radius_and_split_at_the_antimeridian() -> None:
    circles = geodesy.geodesic_circles(np.array([55.6, 66.0]), np.array([12.6, 179.99]), 5_000.0)
    xy = shapely.get_coordinates(circles[0])
    _, _, d = pyproj.Geod(ellps="WGS84").inv(
        np.full(len(xy), 12.6), np.full(len(xy), 55.6), xy[:, 0], xy[:, 1]
    )
    np.testing.assert_allclose(d, 5_000.0, rtol=1e-9)
    wrapped = circles[1]
    assert wrapped.geom_type == "MultiPolygon"
    xmin, _, xmax, _ = wrapped.bounds
    assert xmin == -180.0
    assert xmax == 180.0
    zone = Zone(id="airport:X", name="X", kind=ZoneKind.AIRPORT, owner="RUS", geometry=wrapped)
    index = ZoneIndex([zone], cache=False)
    assert index.zones_at(66.0, -179.99) == [zone]
    assert index.zones_at(66.0, 179.98) == [zone]
    assert index.zones_at(66.0, 179.8) == []


def test_buffer_band_of_a_square() -> None:
    square = shapely.box(10.0, 50.0, 11.0, 51.0)
    band = geodesy.buffer_band(square, 20_000.0)
    assert band.is_valid
    assert not band.intersects(shapely.Point(10.5, 50.5))
    lat = np.array([50.5, 50.5, 51.0 + 0.17, 51.0 + 0.19])
    lon = np.array([9.73, 9.70, 10.5, 10.5])
    inside = shapely.contains_xy(band, lon, lat)
    assert inside.tolist() == [True, False, True, False]
