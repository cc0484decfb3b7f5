"""depth_m against geometry one can compute by hand."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from airsentry.airspace import ZoneIndex, depth_m
from airsentry.model import Zone, ZoneKind

GEOD = pyproj.Geod(ellps="WGS84")


def distance_to_meridian(lat: float, lon: float, meridian: float) -> float:
    """Geodesic distance from a point to a meridian: the least distance to its points."""
    lats = np.linspace(lat - 2.0, lat + 2.0, 40_001)
    _, _, d = GEOD.inv(
        np.full_like(lats, lon), np.full_like(lats, lat), np.full_like(lats, meridian), lats
    )
    return float(d.min())


def box_zone(west: float, south: float, east: float, north: float) -> Zone:
    return Zone(id="site:box", name="box", kind=ZoneKind.SITE, owner="EST",
                geometry=shapely.box(west, south, east, north))  # fmt: skip


def test_depth_equals_distance_to_a_meridian_border() -> None:
    zone = box_zone(10.0, 40.0, 30.0, 70.0)  # the west border is the meridian 10 E
    lat = np.array([50.0, 50.0, 55.0, 60.0, 45.0, 65.0])
    lon = np.array([10.3, 9.5, 10.05, 11.0, 10.8, 9.9])
    got = depth_m(zone, lat, lon)
    want = np.array([distance_to_meridian(a, o, 10.0) for a, o in zip(lat, lon, strict=True)])
    np.testing.assert_allclose(got, want, rtol=0.005)
    assert got[1] > 30_000  # 0.5 degree west of the border at 50 N: about 36 km


def test_depth_of_points_deep_inside_grows_the_window(index: ZoneIndex) -> None:
    moscow = index.depth_m("sovereign:RUS", [55.75], [37.62])[0]
    assert 250_000 < moscow < 700_000
    assert index.depth_m("sovereign:EST", [float("nan")], [24.0])[0] != pytest.approx(0.0)


@pytest.mark.parametrize("state", ["POL", "EST", "NOR"])
def test_depth_of_the_shipped_band_is_its_width(index: ZoneIndex, state: str) -> None:
    """The outer edge of the 30 km band lies 30 km from the border, within the stated
    bound (59 m short, 35 m long) plus depth_m's own error (a few metres)."""
    band = index.zones[index.position(f"buffer:{state}")].geometry
    sovereign = index.zones[index.position(f"sovereign:{state}")]
    outer = shapely.get_exterior_ring(max(shapely.get_parts(band), key=lambda p: p.area))
    xy = shapely.get_coordinates(shapely.segmentize(outer, 0.05))[::5]
    d = depth_m(sovereign, xy[:, 1], xy[:, 0])
    assert len(d) > 50
    assert d.min() > 30_000.0 - 65.0
    assert d.max() < 30_000.0 + 40.0


def test_depth_across_the_antimeridian() -> None:
    zone = box_zone(170.0, 60.0, 180.0, 70.0)
    d = depth_m(zone, [65.0, 65.0], [-179.5, 179.5])
    width = 0.5 * 111_320 * np.cos(np.radians(65.0))
    np.testing.assert_allclose(d, width, rtol=0.01)


@pytest.mark.parametrize(
    ("lat0", "lon0"), [(46.25, 7.5), (89.9, 0.0), (-45.0, 179.75), (0.0, -180.0), (60.123456, 24.9)]
)
def test_local_projection_is_bit_identical_to_the_crs_built_one(lat0: float, lon0: float) -> None:
    """The pipeline-built AEQD (fast) against the EPSG:4326 + proj4 CRS construction."""
    from airsentry.airspace import geodesy

    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    )
    ref_fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    ref_inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    fwd, inv = geodesy.local_projection(lat0, lon0)
    rng = np.random.default_rng(7)
    lon = rng.uniform(lon0 - 4.0, lon0 + 4.0, 5_000)
    lat = np.clip(rng.uniform(lat0 - 4.0, lat0 + 4.0, 5_000), -90.0, 90.0)
    x, y = fwd.transform(lon, lat)
    rx, ry = ref_fwd.transform(lon, lat)
    assert np.array_equal(x, rx, equal_nan=True)
    assert np.array_equal(y, ry, equal_nan=True)
    back = inv.transform(x, y)
    ref_back = ref_inv.transform(rx, ry)
    assert np.array_equal(back[0], ref_back[0], equal_nan=True)
    assert np.array_equal(back[1], ref_back[1], equal_nan=True)


def test_windows_that_cannot_answer_a_cell_are_skipped_with_depths_unchanged(
    index: ZoneIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deep inside France (Paris, 250+ km from a land border) the first windows hold
    border that no point of the cell can take its answer from: their queries are
    skipped, and every depth is the one the queries give (bit for bit), inside and out,
    near the borders and far from them."""
    from airsentry.airspace import depth

    france = index.zones[index.position("sovereign:FRA")]
    rng = np.random.default_rng(11)
    # around Paris, and a strip from Paris across the Belgian border
    lat = np.r_[rng.uniform(48.6, 49.1, 2_000), rng.uniform(49.6, 50.3, 1_000)]
    lon = np.r_[rng.uniform(2.1, 2.6, 2_000), rng.uniform(3.6, 4.4, 1_000)]
    skipped: list[bool] = []
    hopeless = depth._hopeless

    def counted(*args: float | tuple[float, ...]) -> bool:
        skipped.append(hopeless(*args))  # type: ignore[arg-type]
        return skipped[-1]

    def fresh() -> None:
        depth._TREES.clear()

    fresh()
    monkeypatch.setattr(depth, "_hopeless", counted)
    got = depth_m(france, lat, lon)
    fresh()
    monkeypatch.setattr(depth, "_hopeless", lambda *args: False)
    want = depth_m(france, lat, lon)
    fresh()
    assert any(skipped), "no window was skipped: the test proves nothing"
    assert not all(skipped)
    assert np.array_equal(got, want)
    assert np.isfinite(got).all()


def test_window_trees_are_kept_within_a_segment_budget(
    index: ZoneIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The projected border windows kept between batches are bounded by their segments
    (their memory), not by their count: traffic over a whole country settles hundreds
    of windows of up to thousands of segments each (issue 12: a replay's peak memory
    grew with the area its traffic covered). A small budget gives the same depths,
    bit for bit, as a cache that keeps everything."""
    from airsentry.airspace import depth

    france = index.zones[index.position("sovereign:FRA")]
    rng = np.random.default_rng(5)
    lat, lon = rng.uniform(43.0, 50.5, 3_000), rng.uniform(-1.5, 7.5, 3_000)
    monkeypatch.setattr(depth, "_TREES", depth._TreeCache(10**9, windows=10**6))
    want = depth_m(france, lat, lon)
    everything = depth._TREES.held_segments
    budget = everything // 4
    small = depth._TreeCache(budget, windows=10**6)
    monkeypatch.setattr(depth, "_TREES", small)
    got = np.concatenate([depth_m(france, lat[i::3], lon[i::3]) for i in range(3)])
    order = np.concatenate([np.arange(i, 3_000, 3) for i in range(3)])
    assert np.array_equal(got, want[order])
    assert 0 < small.held_segments <= budget
    assert everything > 4 * 1_000  # the country's windows are many segments
