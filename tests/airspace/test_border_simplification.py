"""The shipped borders stay within 100 m of the source, and the builder keeps its bound.

The source (38 MB of GeoJSON) is not available in CI, so this checks the shipped
borders against a random sample of source vertices kept in
``data/raw_border_sample.json`` (OpenStreetMap, ODbL), and runs the builder's
simplification on a small synthetic coverage.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pyproj
import pytest
import shapely

from airsentry.airspace import Catalogue

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data" / "raw_border_sample.json"
GEOD = pyproj.Geod(ellps="WGS84")


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_airspace", ROOT / "tools/build_airspace.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_airspace"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("state", ["EST", "DNK", "NOR"])
def test_source_vertices_within_100_m_of_shipped_border(catalogue: Catalogue, state: str) -> None:
    raw = np.array(json.loads(SAMPLE.read_text())["states"][state])
    border = shapely.boundary(catalogue[f"sovereign:{state}"].geometry)
    pts = shapely.points(raw)
    # The nearest border point in lon/lat is a border point; the geodesic distance to
    # it bounds the distance to the border from above.
    near = shapely.get_coordinates(shapely.shortest_line(pts, border))[1::2]
    _, _, dist = GEOD.inv(raw[:, 0], raw[:, 1], near[:, 0], near[:, 1])
    assert len(raw) >= 100
    assert np.max(dist) <= 100.0
    assert np.mean(dist) < 30.0  # most vertices are kept or barely moved


def wiggly_neighbours() -> list[shapely.Polygon]:
    """Two states sharing a border with wiggles below and above the tolerance."""
    y = np.linspace(0.0, 1.0, 401)
    x = 0.5 + 0.0003 * np.sin(y * 400) + 0.02 * np.sin(y * 9)
    shared = np.column_stack([x, y])
    west = shapely.Polygon([(0.0, 0.0), *shared, (0.0, 1.0)])
    east = shapely.Polygon([(1.0, 0.0), (1.0, 1.0), *shared[::-1]])
    return [west, east]


def test_builder_simplification_keeps_shared_borders_and_bound() -> None:
    b = builder()
    raw = wiggly_neighbours()
    simple = b.simplify_shared(raw, b.TOLERANCE_DEG)
    assert all(s.is_valid for s in simple)
    # The neighbours still meet exactly: no overlap, no gap.
    assert shapely.intersection(simple[0], simple[1]).area == pytest.approx(0.0, abs=1e-12)
    assert shapely.union_all(simple).area == pytest.approx(1.0, abs=1e-9)
    for before, after in zip(raw, simple, strict=True):
        assert b.excess_vertex_error_deg(before, after) == 0.0
        assert shapely.get_num_coordinates(after) < shapely.get_num_coordinates(before) / 3
    assert b.BOUND_M <= 100.0
