"""The index answers exactly what plain shapely answers, with altitude and time filters."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from airspace_helpers import reference_pairs, sorted_pairs

from airsentry.airspace import Catalogue, ZoneIndex
from airsentry.model import Admit, Zone, ZoneKind, to_epoch

WINDOW = (datetime(2025, 6, 1, 12, tzinfo=UTC), datetime(2025, 6, 1, 14, tzinfo=UTC))


def random_points(catalogue: Catalogue, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform over Europe, uniform over the globe, and jittered around border vertices."""
    rng = np.random.default_rng(seed)
    n_eu, n_world = n // 2, n // 5
    lat = [rng.uniform(25, 82, n_eu), rng.uniform(-90, 90, n_world)]
    lon = [rng.uniform(-32, 70, n_eu), rng.uniform(-180, 180, n_world)]
    xy = shapely.get_coordinates(np.array([z.geometry for z in catalogue.zones]))
    pick = xy[rng.integers(0, len(xy), n - n_eu - n_world)]
    near = pick + rng.normal(0.0, 0.002, (len(pick), 2))
    # Vertices on the antimeridian would jitter out of range (points exactly on a
    # border, like lon = -180 on Russia's cut, may go either way): keep them inside.
    inside = (np.abs(near[:, 0]) < 180) & (np.abs(near[:, 1]) < 90)
    near[~inside] = pick[~inside] * [0.999, 1.0]
    lon.append(near[:, 0])
    lat.append(near[:, 1])
    return np.concatenate(lat), np.concatenate(lon)


def test_equals_plain_shapely_on_250k_points(catalogue: Catalogue, index: ZoneIndex) -> None:
    lat, lon = random_points(catalogue, 250_000, seed=7)
    m = index.query(lat, lon)
    assert np.all(np.diff(m.point) >= 0), "pairs are sorted by point"
    got = sorted_pairs(m.point, m.zone)
    want = reference_pairs(catalogue.zones, lat, lon)
    assert len(want[0]) > 150_000
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.fixture(scope="module")
def windowed(catalogue: Catalogue) -> ZoneIndex:
    """The default zones plus a temporary zone (2 h window) and a low-level site."""
    temporary = Zone(
        id="temporary:exercise",
        name="Exercise area",
        kind=ZoneKind.TEMPORARY,
        owner="EST",
        geometry=shapely.box(23.0, 58.5, 26.0, 59.6),
        floor_m=0.0,
        ceiling_m=3_000.0,
        valid_from=WINDOW[0],
        valid_to=WINDOW[1],
    )
    site = Zone(
        id="site:plant",
        name="Power plant",
        kind=ZoneKind.SITE,
        owner="EST",
        geometry=shapely.Point(27.5, 59.35).buffer(0.2),
        ceiling_m=500.0,
        admits=frozenset({Admit.STATE_OWN}),
    )
    return ZoneIndex([*catalogue.zones, temporary, site], cache=False)


def test_altitude_and_time_filters_equal_plain_filtering(windowed: ZoneIndex) -> None:
    rng = np.random.default_rng(11)
    n = 200_000
    lat, lon = rng.uniform(57.0, 60.5, n), rng.uniform(21.0, 29.0, n)
    alt = rng.uniform(-100.0, 4_000.0, n)
    alt[::10] = np.nan  # unknown altitude counts as inside every altitude band
    t0, t1 = to_epoch(WINDOW[0]), to_epoch(WINDOW[1])
    t = rng.uniform(t0 - 3_600, t1 + 3_600, n)
    m = windowed.query(lat, lon, alt=alt, t=t)
    p, z = reference_pairs(windowed.zones, lat, lon)
    floor, ceiling = windowed.floor_m[z], windowed.ceiling_m[z]
    keep = ~(alt[p] < floor) & ~(alt[p] > ceiling)
    keep &= (windowed.valid_from[z] <= t[p]) & (t[p] < windowed.valid_to[z])
    got = sorted_pairs(m.point, m.zone)
    np.testing.assert_array_equal(got[0], p[keep])
    np.testing.assert_array_equal(got[1], z[keep])
    exercise = windowed.position("temporary:exercise")
    assert 1_000 < np.count_nonzero(m.zone == exercise) < np.count_nonzero(z == exercise)


def test_temporary_zone_only_inside_its_window(windowed: ZoneIndex) -> None:
    lat, lon = 59.0, 24.5
    t_in = to_epoch(WINDOW[0]) + 60.0
    t_out = to_epoch(WINDOW[1]) + 1.0
    assert "temporary:exercise" in {z.id for z in windowed.zones_at(lat, lon, alt=100.0, t=t_in)}
    assert "temporary:exercise" not in {
        z.id for z in windowed.zones_at(lat, lon, alt=100.0, t=t_out)
    }
    assert "temporary:exercise" not in {
        z.id for z in windowed.zones_at(lat, lon, alt=3_500.0, t=t_in)
    }
    # A scalar time applies to every point.
    m = windowed.query([lat, lat], [lon, lon], t=t_in)
    assert np.count_nonzero(m.zone == windowed.position("temporary:exercise")) == 2


def test_airport_ceiling_applies(index: ZoneIndex) -> None:
    ekch = index.position("airport:EKCH")
    low = index.query([55.618], [12.656], alt=[300.0])
    high = index.query([55.618], [12.656], alt=[2_000.0])
    assert ekch in low.zone
    assert ekch not in high.zone
    assert index.position("sovereign:DNK") in high.zone
    assert math.isinf(index.floor_m[ekch])


def test_membership_helpers(index: ZoneIndex) -> None:
    m = index.query([59.437, 0.0, 52.23], [24.754, 0.0, 21.011])
    counts = m.counts(3)
    assert counts[1] == 0
    assert counts[0] >= 1
    assert counts[2] >= 1
    est = index.position("sovereign:EST")
    assert est in m.zones_of(0)
    assert m.inside(est, 3).tolist() == [True, False, False]


def test_crowded_cells_and_chunked_exact_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dozens of tiny overlapping zones in one cell (more than 64 records: two mask
    words), tested in small chunks: still exactly plain shapely."""
    zones = [
        Zone(id=f"site:{i}", name="", kind=ZoneKind.SITE, owner="EST",
             geometry=shapely.Point(10.0 + i * 1e-4, 50.0).buffer(0.001 + i * 2e-5))
        for i in range(80)
    ]  # fmt: skip
    index = ZoneIndex(zones, cache=False)
    assert index.grid.seg_mask.shape[1] == 2
    monkeypatch.setattr("airsentry.airspace.index.EXACT_CHUNK", 5_000)
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(49.995, 50.005, 4_000), rng.uniform(9.995, 10.02, 4_000)
    m = index.query(lat, lon)
    assert np.all(np.diff(m.point) >= 0)
    got = sorted_pairs(m.point, m.zone)
    want = reference_pairs(zones, lat, lon)
    assert len(want[0]) > 4_000
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_an_index_of_no_zones_answers_nothing() -> None:
    assert len(ZoneIndex([], cache=False).query([59.4, 0.0], [24.7, 0.0])) == 0


def test_settled_sub_cells_answer_as_shapely_on_later_queries(catalogue: Catalogue) -> None:
    """Points near borders, queried twice by a fresh index: the second query reads the
    sub-cells the first one settled, and both equal plain shapely."""
    index = ZoneIndex(catalogue.zones)
    rng = np.random.default_rng(5)
    xy = shapely.get_coordinates(np.array([z.geometry for z in catalogue.zones]))
    pick = xy[rng.integers(0, len(xy), 40_000)]
    near = pick + rng.normal(0.0, 0.01, (len(pick), 2))
    keep = (np.abs(near[:, 0]) < 179.9) & (np.abs(near[:, 1]) < 89.9)
    lat, lon = near[keep, 1], near[keep, 0]
    want = reference_pairs(catalogue.zones, lat, lon)
    for half in (slice(0, len(lat) // 2), slice(None)):
        m = index.query(lat[half], lon[half])
        ref = reference_pairs(catalogue.zones, lat[half], lon[half]) if half.stop else want
        got = sorted_pairs(m.point, m.zone)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])
