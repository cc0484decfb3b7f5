"""The fast cell index gives exactly the cell h3 gives, wherever the points are."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airsentry.gnss.cells import CellIndex


def h3_each(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    cells = [h3.latlng_to_cell(a, b, res) for a, b in zip(lat, lon, strict=True)]
    return np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64)


def tracks(rng: np.random.Generator, n_tracks: int, points: int, step_m: float) -> tuple:
    lat0 = rng.uniform(-70, 70, n_tracks)
    lon0 = rng.uniform(-180, 180, n_tracks)
    heading = rng.uniform(0, 2 * np.pi, n_tracks)
    s = np.arange(points) * step_m / 111_000
    lat = np.clip(lat0[:, None] + np.cos(heading)[:, None] * s, -89, 89)
    lon = lon0[:, None] + np.sin(heading)[:, None] * s / np.cos(np.radians(lat0))[:, None]
    return lat.ravel(), (lon.ravel() + 180) % 360 - 180


@pytest.mark.parametrize("res", [2, 4, 6, 8])
def test_tracks_get_h3s_cells(res: int) -> None:
    rng = np.random.default_rng(res)
    lat, lon = tracks(rng, 60, 400, 250.0)
    index = CellIndex(res)
    assert (index.cells(lat, lon) == h3_each(lat, lon, res)).all()
    assert (index.cells(lat, lon) == h3_each(lat, lon, res)).all()  # with the cells known


def test_scattered_polar_and_antimeridian_points_get_h3s_cells() -> None:
    rng = np.random.default_rng(7)
    lat = np.r_[rng.uniform(-90, 90, 4000), rng.uniform(80, 90, 500), rng.uniform(-5, 5, 500)]
    lon = np.r_[rng.uniform(-180, 180, 4500), rng.uniform(179.5, 180, 250),
                rng.uniform(-180, -179.5, 250)]  # fmt: skip
    for res in (0, 4, 7):
        assert (CellIndex(res).cells(lat, lon) == h3_each(lat, lon, res)).all()


@given(
    st.lists(st.tuples(st.floats(-89.9, 89.9), st.floats(-180, 180)), min_size=1, max_size=200),
    st.integers(0, 10),
)
def test_any_points_get_h3s_cells(points: list[tuple[float, float]], res: int) -> None:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    assert (CellIndex(res, stride=4).cells(lat, lon) == h3_each(lat, lon, res)).all()
