"""The start-up caches (zone grids, airport circles) give back exactly what they store."""

from __future__ import annotations

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


def test_cached_fwd_equals_fresh_geodesics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSENTRY_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(3)
    n = geodesy.CACHE_MIN_POINTS + 17
    args = (
        rng.uniform(-180, 180, n),
        rng.uniform(-85, 85, n),
        rng.uniform(0, 360, n),
        rng.uniform(1e3, 2e4, n),
    )
    lon, lat, _ = geodesy.GEOD.fwd(*args)
    first = geodesy.cached_fwd(*args)  # computed and stored
    (stored,) = tmp_path.glob("geodesic-fwd-*.npy")
    second = geodesy.cached_fwd(*args)  # read back
    for got in (first, second):
        assert np.array_equal(got[0], lon)
        assert np.array_equal(got[1], lat)
    other = geodesy.cached_fwd(args[0], args[1], args[2], args[3] + 1.0)
    assert not np.array_equal(other[0], lon)  # another input is another entry
    stored.write_bytes(b"broken")
    third = geodesy.cached_fwd(*args)
    assert np.array_equal(third[0], lon)
    assert np.array_equal(third[1], lat)
