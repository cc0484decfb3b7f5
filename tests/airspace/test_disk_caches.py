"""The start-up caches (zone grids, airport circles) give back exactly what they store."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import shapely

from airsentry.airspace import geodesy, gridcache
from airsentry.airspace.grid import GridSpec, build_grid


def _grids_equal(a: object, b: object) -> bool:
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in fields(a)  # type: ignore[arg-type]
        if f.name != "spec"
    )


def test_grid_round_trips_through_memory_mapped_folder(tmp_path: Path) -> None:
    geoms = np.array(
        [shapely.box(10.0, 50.0, 11.3, 51.2), shapely.Point(12.0, 52.0).buffer(0.4)], dtype=object
    )
    spec = GridSpec()
    built = build_grid(geoms, spec)
    path = tmp_path / "zone-grid-test"
    gridcache.save(path, built)
    loaded = gridcache.load(path, spec)
    assert loaded is not None
    assert _grids_equal(built, loaded)
    # copy on write: the file on disk never changes under a writer
    loaded.fine_code[:1] = 7
    again = gridcache.load(path, spec)
    assert again is not None
    assert _grids_equal(built, again)
    # a damaged cache is a miss, never a wrong grid
    (path / "seg.npy").write_bytes(b"broken")
    assert gridcache.load(path, spec) is None


def test_cached_circle_rings_equal_fresh_geodesics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRSENTRY_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(3)
    n = geodesy.CACHE_MIN_POINTS // 64 + 17
    lat, lon = rng.uniform(-85, 85, n), rng.uniform(-180, 180, n)
    radius = rng.uniform(1e3, 2e4, n)
    fresh = geodesy._rings(lat, lon, radius, 64)
    # the rings are geod().fwd's points, longitudes unwrapped around the centre
    lons, lats, _ = geodesy.geod().fwd(np.full(64, lon[3]), np.full(64, lat[3]),
                                     np.linspace(0, 360, 64, endpoint=False),
                                     np.full(64, radius[3]))  # fmt: skip
    assert np.array_equal(fresh[3, :-1, 1], lats)
    assert np.allclose((fresh[3, :-1, 0] - lons + 180.0) % 360.0 - 180.0, 0.0, atol=1e-9)
    first = geodesy.circle_rings(lat, lon, radius)  # computed and stored
    (stored,) = tmp_path.glob("geodesic-rings-*.npy")
    second = geodesy.circle_rings(lat, lon, radius)  # read back
    assert np.array_equal(first, fresh)
    assert np.array_equal(second, fresh)
    other = geodesy.circle_rings(lat, lon, radius + 1.0)  # another input, another entry
    assert not np.array_equal(other, fresh)
    stored.write_bytes(b"broken")
    assert np.array_equal(geodesy.circle_rings(lat, lon, radius), fresh)


def test_vouched_digests_stand_for_geometries_in_the_grid_key() -> None:
    spec = GridSpec()
    a, b = shapely.box(10.0, 50.0, 11.0, 51.0), shapely.box(12.0, 50.0, 13.0, 51.0)
    plain = gridcache.cache_key([a, b], spec)
    # another object of the same shape and no vouch: the same key (hashed by content)
    assert gridcache.cache_key([shapely.box(10.0, 50.0, 11.0, 51.0), b], spec) == plain
    gridcache.vouch([a], [b"source-1:zone-a"])
    first = gridcache.cache_key([a, b], spec)
    assert first != plain
    # the vouch names the sources: another source is another key, the same one the same
    gridcache.vouch([a], [b"source-2:zone-a"])
    assert gridcache.cache_key([a, b], spec) not in (plain, first)
    gridcache.vouch([a], [b"source-1:zone-a"])
    assert gridcache.cache_key([a, b], spec) == first
    # only the very object vouched for: an equal copy is still hashed by its content
    assert gridcache.cache_key([shapely.box(10.0, 50.0, 11.0, 51.0), b], spec) == plain


def test_shipped_catalogue_is_vouched_for_by_its_sources() -> None:
    from airsentry.airspace import zones

    small = zones.AirspaceConfig(states=frozenset({"DNK", "SWE"}))
    other = zones.AirspaceConfig(states=frozenset({"DNK", "SWE"}), airport_ceiling_m=2_000.0)
    geoms = [z.geometry for z in zones.default_catalogue(small).zones]
    vouched = [gridcache._VOUCHED.get(id(g)) for g in geoms]
    assert all(v is not None and v[0] is g for v, g in zip(vouched, geoms, strict=True))
    digests = {v[1] for v in vouched if v is not None}
    assert len(digests) == len(geoms)  # one per zone (the zone id is in it)
    key = gridcache.cache_key(geoms, GridSpec())
    # another configuration (even one that leaves the shapes as they are) is another key
    others = [z.geometry for z in zones.default_catalogue(other).zones]
    assert len(others) == len(geoms)
    assert gridcache.cache_key(others, GridSpec()) != key


def test_grid_cache_keeps_the_most_recently_used_grids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pruning evicts the least recently *used* grid: the one every start loads stays
    while other catalogues' grids are written (a rebuild costs 1.5-3 s of start-up)."""
    monkeypatch.setattr(gridcache, "MIN_SEGMENTS", 0)
    sets = [np.array([shapely.box(10.0 + i, 50.0, 10.5 + i, 50.5)], dtype=object) for i in range(5)]
    spec = GridSpec()
    paths = []
    for geoms in sets[:4]:
        gridcache.cached_build(geoms, spec, directory=tmp_path)
        (path,) = set(tmp_path.glob("zone-grid-*")) - set(paths)
        paths.append(path)
    for age, path in enumerate(paths):  # written in order, long ago
        os.utime(path, (1_000.0 * (age + 1), 1_000.0 * (age + 1)))
    first = gridcache.cached_build(sets[0], spec, directory=tmp_path)  # a hit: used now
    assert _grids_equal(first, build_grid(sets[0], spec))
    gridcache.cached_build(sets[4], spec, directory=tmp_path)  # a fifth: one must go
    kept = set(tmp_path.glob("zone-grid-*"))
    assert len(kept) == gridcache.KEEP
    assert paths[0] in kept  # used last but one: kept
    assert paths[1] not in kept  # the least recently used went
