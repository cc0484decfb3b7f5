"""State borders and early-warning bands shipped as package data.

``data/borders.npz`` holds one polygon per state (land plus the 12 NM territorial sea,
simplified with an error of at most 99.4 m; see ``tools/build_airspace.py``) and
``data/buffer_30km.npz`` the 30 km band outside each border. Bands of other widths are
computed from the borders on first use (a few seconds per large state, then cached in
the process). Data: (c) OpenStreetMap contributors, ODbL 1.0 (``data/ATTRIBUTION.txt``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from airsentry.airspace import geodesy, storage

SHIPPED_BAND_M = 30_000.0

NATO_MEMBERS: frozenset[str] = frozenset(
    {
        "ALB", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FIN", "FRA", "DEU",
        "GRC", "HUN", "ISL", "ITA", "LVA", "LTU", "LUX", "MNE", "NLD", "MKD", "NOR",
        "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE", "TUR", "GBR", "USA",
    }
)  # fmt: skip
"""The 32 NATO members as of 2025 (ISO 3166 alpha-3)."""

SOVEREIGN_OF: dict[str, str] = {
    "ALA": "FIN",
    "FRO": "DNK",
    "GRL": "DNK",
    "SJM": "NOR",
    "GGY": "GBR",
    "JEY": "GBR",
    "IMN": "GBR",
    "GIB": "GBR",
}
"""Territories with their own code in the data, and the state answerable for them."""


def alliance_of(owner: str) -> frozenset[str]:
    """Allies admitted in ``owner``'s airspace: NATO when the owner (or the state
    answerable for the territory) is a member, else nobody."""
    state = SOVEREIGN_OF.get(owner, owner)
    return NATO_MEMBERS if state in NATO_MEMBERS else frozenset()


@dataclass(frozen=True, slots=True)
class State:
    """One state of the catalogue: ISO3 code, English name and border geometry."""

    iso3: str
    name: str
    geometry: Any


def data_dir() -> Path:
    """Directory of the airspace package data."""
    return Path(str(resources.files("airsentry.airspace") / "data"))


@functools.cache
def load_states() -> dict[str, State]:
    """All shipped states, keyed and ordered by ISO3 code."""
    arrays = storage.load_npz(data_dir() / "borders.npz")
    geoms = storage.unpack_polygons(arrays)
    return {
        str(code): State(str(code), str(name), geom)
        for code, name, geom in zip(arrays["iso3"], arrays["name"], geoms, strict=True)
    }


@functools.cache
def _shipped_bands() -> dict[str, Any]:
    arrays = storage.load_npz(data_dir() / "buffer_30km.npz")
    geoms = storage.unpack_polygons(arrays)
    return {str(code): geom for code, geom in zip(arrays["iso3"], geoms, strict=True)}


@functools.cache
def band(iso3: str, width_m: float = SHIPPED_BAND_M) -> Any:
    """The early-warning band of ``width_m`` metres outside state ``iso3``'s border.

    The shipped 30 km band is read from the package data; other widths are computed
    with :func:`airsentry.airspace.geodesy.buffer_band` (outer edge within -59/+35 m of the
    exact geodesic offset for widths up to ~50 km) and cached.
    """
    if width_m == SHIPPED_BAND_M:
        return _shipped_bands()[iso3]
    return geodesy.buffer_band(load_states()[iso3].geometry, width_m)
